package defender

import (
	"encoding/json"
	"testing"
	"time"
)

func TestGraphTime(t *testing.T) {
	want := time.Date(2024, 5, 1, 8, 43, 35, 553333300, time.UTC)
	for in, w := range map[string]time.Time{
		`"2024-05-01T08:43:35.5533333Z"`:      want,
		`"2024-05-01T10:43:35.5533333+02:00"`: want,
		`"2024-05-01T08:43:35.5533333"`:       want, // no zone: UTC
		`null`:                                {},
		`""`:                                  {},
		`"yesterday"`:                         {},
		`42`:                                  {},
	} {
		var g struct {
			T graphTime `json:"t"`
		}
		if err := json.Unmarshal([]byte(`{"t":`+in+`}`), &g); err != nil {
			t.Errorf("%s: %v, want no error: one odd time never makes an incident unreadable", in, err)
		}
		if !g.T.Equal(w) {
			t.Errorf("%s = %v, want %v", in, g.T.Time, w)
		}
	}
}

func TestODataTime(t *testing.T) {
	at := time.Date(2024, 5, 1, 0, 0, 0, 1500, time.FixedZone("x", 3600))
	if got := odataTime(at, false); got != "2024-04-30T23:00:00.000001Z" {
		t.Errorf("start %s", got)
	}
	if got := odataTime(at, true); got != "2024-04-30T23:00:00.000002Z" {
		t.Errorf("exclusive end %s, want rounded up", got)
	}
	if got := odataTime(at.Truncate(time.Second), true); got != "2024-04-30T23:00:00Z" {
		t.Errorf("whole second %s", got)
	}
}
