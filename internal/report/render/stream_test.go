package render

import (
	"bytes"
	"encoding/json"
	"errors"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/triage-dev/triage/internal/report"
	"github.com/triage-dev/triage/internal/report/reporttest"
)

// encoded is v as json.Encoder writes it, indented: what streamJSON must
// write byte for byte.
func encoded(t *testing.T, v any) []byte {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", jsonIndent)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestStreamJSONSameBytes(t *testing.T) {
	values := map[string]any{
		"empty report": &report.Report{},
		"nil":          nil,
		"summaries":    reporttest.Report("x").Summaries,
		"no summaries": []report.Summary{},
		"omitted fields": struct {
			A int             `json:"a,omitempty"`
			B string          `json:"b,omitempty"`
			C []int           `json:"c,omitempty"`
			D *int            `json:"d,omitempty"`
			E time.Time       `json:"e,omitzero"`
			F map[string]int  `json:"f,omitempty"`
			G struct{ X int } `json:"g,omitzero"`
		}{},
		"kept fields": struct {
			A int             `json:"a,omitempty"`
			B string          `json:"b,omitempty"`
			C []int           `json:"c,omitempty"`
			E time.Time       `json:"e,omitzero"`
			G struct{ X int } `json:"g,omitzero"`
		}{A: 1, B: "b", C: []int{1}, E: time.Unix(0, 0).UTC(), G: struct{ X int }{1}},
		"caps": &report.Report{EntitiesLeftOut: 3},
	}
	for i, h := range reporttest.Hostile {
		values["hostile "+string(rune('0'+i))] = reporttest.Report(h)
	}
	for name, v := range values {
		var got bytes.Buffer
		if err := streamJSON(&got, v); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if want := encoded(t, v); !bytes.Equal(got.Bytes(), want) {
			i := 0
			for i < min(got.Len(), len(want)) && got.Bytes()[i] == want[i] {
				i++
			}
			t.Errorf("%s: streamed JSON differs from json.Encoder's at byte %d:\n%.200q\nwant\n%.200q", name, i, got.Bytes()[i:], want[i:])
		}
	}
}

// failAfter accepts n bytes, then fails every write; it records the
// largest write and the writes after the first failure.
type failAfter struct {
	n, written, largest, afterFail int
	failed                         bool
}

var errFull = errors.New("the client stopped reading")

func (f *failAfter) Write(p []byte) (int, error) {
	if f.failed {
		f.afterFail++
		return 0, errFull
	}
	f.largest = max(f.largest, len(p))
	if f.written+len(p) > f.n {
		f.failed = true
		return 0, errFull
	}
	f.written += len(p)
	return len(p), nil
}

// allocated returns the bytes f allocates.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// A report is written as it is rendered, in every format: the writer gets
// it in pieces much smaller than the whole, a failing write stops the
// rendering, and a client that stops reading early costs a fraction of the
// memory of the whole report.
func TestReportStreams(t *testing.T) {
	rep := reporttest.Report(strings.Repeat("y", 2000))
	big := rep.Summaries[0]
	for range 300 {
		rep.Summaries = append(rep.Summaries, big)
	}
	for _, f := range []Format{JSON, Markdown, HTML} {
		var whole bytes.Buffer
		all := allocated(func() {
			if err := Report(&whole, rep, f); err != nil {
				t.Fatal(err)
			}
		})
		w := &failAfter{n: 64 << 10}
		var err error
		early := allocated(func() { err = Report(w, rep, f) })
		if !errors.Is(err, errFull) {
			t.Errorf("%s: a failing writer gives %v, want its error", f, err)
		}
		if w.largest > whole.Len()/8 {
			t.Errorf("%s: the largest write is %d bytes of %d: the report is not written as it is rendered", f, w.largest, whole.Len())
		}
		if w.afterFail > 0 {
			t.Errorf("%s: %d writes after the first failed: the rendering went on", f, w.afterFail)
		}
		if early > all/4 {
			t.Errorf("%s: a writer that fails after 64 KiB of %d costs %d bytes allocated, the whole report %d: the report is built before it is written", f, whole.Len(), early, all)
		}
		t.Logf("%s: %d bytes; allocated %d whole, %d cut at 64 KiB", f, whole.Len(), all, early)
	}
}
