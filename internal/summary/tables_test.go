package summary

import (
	"context"
	"regexp"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/triage-dev/triage/internal/report"
)

// columnTypes are the types a summary table's column may have.
var columnTypes = []report.ColumnType{report.ColLabel, report.ColText, report.ColAddress, report.ColCount,
	report.ColSuccesses, report.ColFailures, report.ColTime, report.ColFirstSeen, report.ColLastSeen,
	report.ColOutcome, report.ColResultCode, report.ColSeverity}

// rawHeader matches a header that is a query's column name rather than
// words: CamelCase ("OperationNameValue", "CallerIPs") or a long word in
// capitals ("FIRSTSEEN").
var rawHeader = regexp.MustCompile(`[a-z][A-Z]|\b[A-Z]{5,}\b`)

// TestTablesTyped: every table the summaries make of the demo's incidents
// has a name, a readable header and a known type on every column and a
// cell for each, and writes its cells in their type's one form: times in
// RFC 3339 UTC, counts in digits.
func TestTablesTyped(t *testing.T) {
	env := demoEnv(t)
	ctx := context.Background()
	var tables, times int
	sections := map[string]bool{}
	for _, inc := range theDemo.incidents {
		for _, s := range Summarize(ctx, env, inc.details.Entities) {
			for _, sec := range s.Sections {
				tab := sec.Table
				if tab == nil {
					continue
				}
				tables++
				sections[sec.Name] = true
				where := s.Entity + ", " + sec.Name
				if len(tab.Columns) == 0 {
					t.Errorf("%s: a table without columns", where)
				}
				for _, c := range tab.Columns {
					if c.Name == "" || c.Header == "" || rawHeader.MatchString(c.Header) || !slices.Contains(columnTypes, c.Type) {
						t.Errorf("%s: column %+v: want a name, a header in words and a known type", where, c)
					}
				}
				for _, row := range tab.Rows {
					if len(row) != len(tab.Columns) {
						t.Errorf("%s: a row of %d cells under %d columns: %q", where, len(row), len(tab.Columns), row)
						continue
					}
					for i, cell := range row {
						c := tab.Columns[i]
						switch {
						case cell == "":
						case c.Type.IsTime():
							times++
							tm, err := time.Parse(time.RFC3339, cell)
							if err != nil || tm.UTC().Format(time.RFC3339) != cell {
								t.Errorf("%s: %s cell %q is not a time in RFC 3339 UTC", where, c.Header, cell)
							}
						case c.Type.IsCount():
							if _, err := strconv.ParseUint(cell, 10, 64); err != nil {
								t.Errorf("%s: %s cell %q is not a count", where, c.Header, cell)
							}
						}
					}
				}
			}
		}
	}
	// The demo fills the tables whose headers and times were once raw:
	// the checks above saw them.
	for _, name := range []string{"Who resolved it", "Devices that connected to it", "Firewall and proxy records",
		"Where the file was seen", "Mailbox activity", "Azure activity", "Passive DNS", "Sign-ins", "Related alerts"} {
		if !sections[name] {
			t.Errorf("no demo summary has a %q table: the test no longer covers it", name)
		}
	}
	if tables == 0 || times == 0 {
		t.Fatalf("%d tables, %d time cells checked", tables, times)
	}
	t.Logf("%d tables, %d time cells", tables, times)
}
