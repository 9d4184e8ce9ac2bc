package triage

import (
	"slices"
	"testing"
	"time"
)

func TestSortAlerts(t *testing.T) {
	at := func(min int) time.Time { return time.Date(2026, 12, 5, 21, min, 0, 0, time.UTC) }
	as := []Alert{
		{ID: "a", Name: "no time"},
		{ID: "b", Name: "FakeUpdate", Start: at(3)},
		{ID: "c", Name: "Scheduled task", Start: at(2)},
		{ID: "d", Name: "New local administrator", Start: at(3)},
		{ID: "e", Name: "PowerShell", Start: at(0)},
		{ID: "f", Name: "generated only", TimeGenerated: at(1)},
		{ID: "g", Name: "FakeUpdate", Start: at(3)},
	}
	SortAlerts(as)
	var got []string
	for _, a := range as {
		got = append(got, a.ID)
	}
	if want := []string{"e", "f", "c", "b", "g", "d", "a"}; !slices.Equal(got, want) {
		t.Errorf("order %v, want %v (time, then name, then id; no time last)", got, want)
	}
}
