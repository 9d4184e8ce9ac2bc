package local

import (
	"errors"
	"testing"

	"github.com/triage-dev/triage/internal/workspace"
)

// TestNoTable: SQLite's wording for a missing table becomes a
// NoTableError naming it, wrapping SQLite's error; other errors pass as
// they are.
func TestNoTable(t *testing.T) {
	for msg, want := range map[string]string{
		"SQL logic error: no such table: ThreatIntelIndicators (1)": "ThreatIntelIndicators",
		"SQL logic error: no such table: main.SigninLogs (1)":       "SigninLogs",
		"no such table: OfficeActivity":                             "OfficeActivity",
		"SQL logic error: no such column: Foo (1)":                  "",
		"database is locked":                                        "",
	} {
		orig := errors.New(msg)
		err := noTable(orig)
		var nt *workspace.NoTableError
		switch {
		case want == "" && err != orig:
			t.Errorf("noTable(%q) = %v, want the error as it is", msg, err)
		case want != "" && (!errors.As(err, &nt) || nt.Table != want || !errors.Is(err, orig)):
			t.Errorf("noTable(%q) = %#v, want a NoTableError for %s wrapping it", msg, err, want)
		}
	}
}
