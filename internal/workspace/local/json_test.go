package local

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestAppendJSON checks the hand-written encoder against encoding/json.
func TestAppendJSON(t *testing.T) {
	var all strings.Builder
	for c := 0; c < 256; c++ {
		all.WriteByte(byte(c))
	}
	values := []any{
		nil, true, false, 0, -1, int64(math.MinInt64), uint64(math.MaxUint64), int32(7), uint32(9),
		0.0, -0.5, 1e-7, 1e21, 123456789.125, float32(1.5),
		"", "plain", `quote " and \ backslash`, "\n\r\t\x00\x1f\x7f", "日本😀", "\u2028\u2029", "\xff\xfe invalid",
		all.String(),
		map[string]any{"b": 1, "a": []any{"x", map[string]any{"z": nil}}, "": "empty key", "k\"ey": 2.5},
		map[string]string{"y": "1", "x": "2"},
		[]string{"a", "b\n"},
		[]map[string]any{{"a": 1}},
		json.RawMessage(`{"raw":true}`),
		json.Number("12.5"),
		struct{ A int }{3},
	}
	for _, v := range values {
		got, err := appendJSON(nil, v)
		if err != nil {
			t.Errorf("appendJSON(%#v): %v", v, err)
			continue
		}
		var gotV, wantV any
		if err := json.Unmarshal(got, &gotV); err != nil {
			t.Errorf("appendJSON(%#v) = %s: not JSON: %v", v, got, err)
			continue
		}
		want, _ := json.Marshal(v)
		json.Unmarshal(want, &wantV)
		if d := cmp.Diff(wantV, gotV); d != "" {
			t.Errorf("appendJSON(%#v) (-encoding/json +ours):\n%s", v, d)
		}
	}
	tm := time.Date(2024, 5, 1, 12, 0, 0, 1500, time.FixedZone("x", 3600))
	if got, _ := appendJSON(nil, tm); string(got) != `"2024-05-01T11:00:00.000001Z"` {
		t.Errorf("time: %s", got)
	}
	for _, bad := range []any{math.NaN(), math.Inf(1), map[string]any{"x": math.Inf(-1)}, json.RawMessage(`{`), make(chan int)} {
		if got, err := appendJSON(nil, bad); err == nil {
			t.Errorf("appendJSON(%v) = %s, want an error", bad, got)
		}
	}
}

func TestAppendTime(t *testing.T) {
	for _, tm := range []time.Time{
		{},
		time.Date(2024, 2, 29, 23, 59, 59, 999999999, time.UTC),
		time.Date(1999, 12, 31, 1, 2, 3, 4000, time.FixedZone("x", -5*3600)),
		time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC),
		time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC),
	} {
		want := tm.UTC().Format("2006-01-02T15:04:05.000000Z")
		if got := string(appendTime(nil, tm)); got != want {
			t.Errorf("appendTime(%v) = %s, want %s", tm, got, want)
		}
	}
}
