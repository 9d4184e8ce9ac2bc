package workspace

import (
	"encoding/json"
	"math"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestDecodeCell: each Log Analytics type's cell, as a service writes it
// (numbers and bools also as text), becomes the one Go type Table documents.
func TestDecodeCell(t *testing.T) {
	tests := []struct {
		typ, raw string
		want     any
	}{
		{"string", `"a\"b é"`, "a\"b é"},
		{"string", `null`, nil},
		{"string", ` `, nil},
		{"string", `12`, "12"},
		{"guid", `"2b5c1e3e-0000-4000-8000-000000000001"`, "2b5c1e3e-0000-4000-8000-000000000001"},
		{"datetime", `"2026-12-07T09:39:50.7688641+01:00"`, time.Date(2026, 12, 7, 8, 39, 50, 768864100, time.UTC)},
		{"datetime", `""`, nil},
		{"long", `9007199254740993`, int64(9007199254740993)},
		{"long", `"-42"`, int64(-42)},
		{"long", `3.0`, int64(3)},
		{"int", `""`, nil},
		{"real", `0.25`, 0.25},
		{"real", `"-Infinity"`, math.Inf(-1)},
		{"bool", `true`, true},
		{"bool", `"False"`, false},
		{"bool", `0`, false},
		{"dynamic", `{"a":[1,"x",9007199254740993]}`, map[string]any{"a": []any{1.0, "x", "9007199254740993"}}},
		{"dynamic", `"[{\"IPAddress\":\"10.0.0.5\"}]"`, []any{map[string]any{"IPAddress": "10.0.0.5"}}},
		{"dynamic", `"plain text"`, "plain text"},
		{"dynamic", `-7`, -7.0},
		{"timespan", `"00:00:01.5"`, "00:00:01.5"},
		{"somethingnew", `[1,2]`, "[1 2]"},
	}
	for _, tt := range tests {
		got, err := DecodeCell(tt.typ, json.RawMessage(tt.raw))
		if err != nil {
			t.Errorf("DecodeCell(%s, %s): %v", tt.typ, tt.raw, err)
			continue
		}
		if d := cmp.Diff(tt.want, got); d != "" {
			t.Errorf("DecodeCell(%s, %s) (-want +got):\n%s", tt.typ, tt.raw, d)
		}
	}
	for _, bad := range []struct{ typ, raw string }{
		{"datetime", `12`}, {"datetime", `"yesterday"`}, {"long", `1.5`}, {"long", `"x"`},
		{"bool", `{}`}, {"string", `"unterminated`}, {"real", `"many"`},
	} {
		if v, err := DecodeCell(bad.typ, json.RawMessage(bad.raw)); err == nil {
			t.Errorf("DecodeCell(%s, %s) = %#v, want an error", bad.typ, bad.raw, v)
		}
	}
}
