package html_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/triage-dev/triage/internal/intel"
	"github.com/triage-dev/triage/internal/report"
	reporthtml "github.com/triage-dev/triage/internal/report/html"
	"github.com/triage-dev/triage/internal/triage"
)

// anchorOf is the id the report gives an entity's summary ("e-") or an
// alert's row ("a-"): the first 8 bytes of the SHA-256 of the key or id.
func anchorOf(prefix, s string) string {
	sum := sha256.Sum256([]byte(s))
	return prefix + hex.EncodeToString(sum[:8])
}

// jsonPairs are the alert–entity pairs of r as its JSON says them: an
// alert's entity_keys and an entity's alerts, each kept when the other end
// is in the report.
func jsonPairs(t *testing.T, r *report.Report) map[[2]string]bool {
	t.Helper()
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Alerts []struct {
			ID         string   `json:"id"`
			EntityKeys []string `json:"entity_keys"`
		} `json:"alerts"`
		Entities []struct {
			Key    string   `json:"key"`
			Alerts []string `json:"alerts"`
		} `json:"entities"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	alerts, ents := map[string]bool{}, map[string]bool{}
	for _, a := range doc.Alerts {
		alerts[a.ID] = true
	}
	for _, e := range doc.Entities {
		ents[e.Key] = true
	}
	out := map[[2]string]bool{}
	for _, a := range doc.Alerts {
		for _, k := range a.EntityKeys {
			if ents[k] {
				out[[2]string{anchorOf("a-", a.ID), anchorOf("e-", k)}] = true
			}
		}
	}
	for _, e := range doc.Entities {
		for _, id := range e.Alerts {
			if alerts[id] {
				out[[2]string{anchorOf("a-", id), anchorOf("e-", e.Key)}] = true
			}
		}
	}
	return out
}

// gridMarks reads the marks of the grid section of a report document, as
// (alert anchor, entity anchor) pairs, checking on the way that every
// table's columns are its header's and that no block is wider than
// GridColumns alerts.
func gridMarks(t *testing.T, doc *html.Node) (marks map[[2]string]bool, columns map[string]int) {
	t.Helper()
	sec := byID(doc, "grid")
	if sec == nil {
		t.Fatal("no grid section")
	}
	marks, columns = map[[2]string]bool{}, map[string]int{}
	for _, tbl := range elements(sec, "table") {
		if !hasClass(tbl, "grid-table") {
			continue
		}
		cols := map[string]string{} // data-c → alert anchor
		n := 0
		for _, th := range elements(tbl, "th") {
			if !hasClass(th, "g-a") {
				continue
			}
			c, _ := attr(th, "data-c")
			k, _ := attr(th, "data-k")
			cols[c] = k
			columns[k], _ = strconv.Atoi(c)
			n++
		}
		if n > reporthtml.GridColumns {
			t.Errorf("a grid table has %d alert columns, more than %d", n, reporthtml.GridColumns)
		}
		checkKindGroups(t, tbl, cols)
		for _, tr := range elements(tbl, "tr") {
			ek, ok := attr(tr, "data-k")
			if !ok {
				continue
			}
			cells := 0
			for _, td := range elements(tr, "td") {
				if hasClass(td, "g-ti") || hasClass(td, "g-n") {
					continue
				}
				cells++
				if !hasClass(td, "g-m") {
					continue
				}
				c, _ := attr(td, "data-c")
				ak, known := cols[c]
				if !known {
					t.Errorf("row %s: a mark in column %q, which the table's header lacks", ek, c)
				}
				marks[[2]string{ak, ek}] = true
			}
			if cells != n {
				t.Errorf("row %s has %d cells for %d columns", ek, cells, n)
			}
		}
	}
	return marks, columns
}

// checkKindGroups checks that a grid table holds its kinds as groups of
// one table, so that their columns line up: a <tbody> per kind, its first
// row naming the kind (a <details> in a header cell) and repeating the
// header's column numbers, no kind twice.
func checkKindGroups(t *testing.T, tbl *html.Node, cols map[string]string) {
	t.Helper()
	seen := map[string]bool{}
	for _, tb := range elements(tbl, "tbody") {
		if !hasClass(tb, "grid-kind") {
			t.Errorf("a grid table's tbody is not a kind's group: %.200s", render(tb))
			continue
		}
		trs := elements(tb, "tr")
		if len(trs) < 2 || !hasClass(trs[0], "g-kind") {
			t.Errorf("a kind's group does not start with the kind's row, or has no entity: %.200s", render(tb))
			continue
		}
		if ths := elements(trs[0], "th"); len(ths) != 1 || !hasAttr(ths[0], "scope", "rowgroup") {
			t.Errorf("a kind's row does not head its group with one th scope=rowgroup: %.200s", render(trs[0]))
		}
		sums := elements(trs[0], "summary")
		if len(sums) != 1 {
			t.Errorf("a kind's row has %d summaries", len(sums))
			continue
		}
		kind := strings.Fields(text(sums[0]))[0]
		if seen[kind] {
			t.Errorf("the kind %s has two groups in one table", kind)
		}
		seen[kind] = true
		var nums []string
		for _, td := range elements(trs[0], "td") {
			c, _ := attr(td, "data-c")
			if _, ok := cols[c]; !ok || !hasClass(td, "g-kc") {
				t.Errorf("%s: the kind's row has a cell %q that is no column of the header", kind, c)
			}
			nums = append(nums, c)
		}
		if len(nums) != len(cols) {
			t.Errorf("%s: the kind's row repeats %d column numbers of %d", kind, len(nums), len(cols))
		}
	}
	if len(seen) == 0 {
		t.Error("a grid table has no kind")
	}
}

// TestGridMarksEqualJSON checks, over every demo incident and the large
// incident (100 alerts, 400 entities), that the grid marks exactly the
// alert–entity pairs of the report's JSON, that its columns are the alerts
// in time order, and that each row's count is its marks.
func TestGridMarksEqualJSON(t *testing.T) {
	reports := map[string]*report.Report{"big": bigReport(100, 400)}
	if !testing.Short() {
		for n, r := range demoReports(t) {
			reports[fmt.Sprint(n)] = r
		}
	}
	for name, r := range reports {
		t.Run(name, func(t *testing.T) {
			doc := parse(t, writeHTML(t, r, reporthtml.Options{}))
			marks, columns := gridMarks(t, doc)
			want := jsonPairs(t, r)
			if len(want) == 0 {
				t.Fatal("the report names no pair: nothing checked")
			}
			for p := range want {
				if !marks[p] {
					t.Errorf("the JSON pairs alert %s with entity %s; the grid does not", p[0], p[1])
				}
			}
			for p := range marks {
				if !want[p] {
					t.Errorf("the grid pairs alert %s with entity %s; the JSON does not", p[0], p[1])
				}
			}
			// Columns in time order: column c's alert is no earlier than
			// column c-1's.
			at := map[string]int{}
			for _, c := range columns {
				at[fmt.Sprint(c)] = c
			}
			byAnchor := map[string]triage.Alert{}
			for _, a := range r.Alerts {
				byAnchor[anchorOf("a-", a.ID)] = a
			}
			times := make([]int64, len(r.Alerts))
			for k, c := range columns {
				a := byAnchor[k]
				ts := a.Start
				if ts.IsZero() {
					ts = a.TimeGenerated
				}
				times[c] = ts.UnixNano()
			}
			for c := 1; c < len(times); c++ {
				if times[c] != 0 && times[c-1] != 0 && times[c] < times[c-1] {
					t.Errorf("column %d's alert is earlier than column %d's", c, c-1)
				}
			}
		})
	}
}

// TestGridRows checks the rows: grouped by kind, most-named first, the
// entity's threat-intel severity, a link to its summary and its links to
// other entities listed under it.
func TestGridRows(t *testing.T) {
	r := &report.Report{Incident: triage.Incident{Number: 7, Title: "t"}}
	r.Entities = []triage.Entity{
		{Kind: "Process", Key: "Process:1", Name: "powershell.exe", Links: []triage.Link{{Rel: "image", Key: "File:evil"}}, Alerts: []string{"a1"}},
		{Kind: "File", Key: "File:evil", Name: `C:\Users\x\AppData\evil.exe`, Alerts: []string{"a1", "a2"}},
		{Kind: "Host", Key: "Host:wks", Name: "wks-07", Links: []triage.Link{{Rel: "ip", Key: "Ip:10.0.0.5"}}, Alerts: []string{"a1", "a2", "a3"}},
		{Kind: "Ip", Key: "Ip:10.0.0.5", Name: "10.0.0.5", Alerts: []string{"a3"}},
		{Kind: "Ip", Key: "Ip:203.0.113.7", Name: "203.0.113.7", Alerts: []string{"a2", "a3"}},
		{Kind: "Account", Key: "Account:nobody", Name: "nobody"},
	}
	r.Alerts = []triage.Alert{
		{ID: "a3", Name: "third", Severity: "Low", Start: demoNow.Add(-1e9), EntityKeys: []string{"Host:wks", "Ip:10.0.0.5", "Ip:203.0.113.7"}},
		{ID: "a1", Name: "first", Severity: "High", Start: demoNow.Add(-3e9), EntityKeys: []string{"Process:1", "File:evil", "Host:wks"}},
		{ID: "a2", Name: "second", Severity: "Medium", Start: demoNow.Add(-2e9), EntityKeys: []string{"File:evil", "Host:wks", "Ip:203.0.113.7"}},
	}
	r.Indicators = []report.Indicator{{Value: "203.0.113.7", Type: "ipv4", Sources: []string{"Ip:203.0.113.7"}}}
	r.TI.Results = []intel.Result{{Indicator: "203.0.113.7", Type: "ipv4", Provider: "p", Status: intel.StatusOK, Severity: intel.SeverityHigh}}
	r.Sections = []report.Section{{Name: report.StepTI, Status: report.StatusOK}}
	frag := parseFragment(t, []byte(reporthtml.Grid(r, reporthtml.Options{})))
	root := &html.Node{Type: html.ElementNode, Data: "div"}
	for _, n := range frag {
		root.AppendChild(n)
	}
	var kinds []string
	for _, s := range elements(root, "summary") {
		kinds = append(kinds, strings.Fields(text(s))[0])
	}
	// Host (3 alerts), then File and Ip (2), by name, then Process (1).
	if got := strings.Join(kinds, " "); got != "Host File Ip Process The" {
		t.Errorf("kinds in the order %q", got)
	}
	var rows []string
	for _, tr := range elements(root, "tr") {
		if k, ok := attr(tr, "data-k"); ok {
			ths := elements(tr, "th")
			name := text(elements(ths[0], "a")[0])
			rows = append(rows, name)
			if k != anchorOf("e-", entityKey(r, name)) {
				t.Errorf("row %s: data-k %s", name, k)
			}
			href, _ := attr(elements(ths[0], "a")[0], "href")
			if href != "#"+k {
				t.Errorf("row %s links to %q, not its summary", name, href)
			}
		}
	}
	if got := strings.Join(rows, " | "); got != `wks-07 | C:\Users\x\AppData\evil.exe | 203.0.113.7 | 10.0.0.5 | powershell.exe` {
		t.Errorf("rows in the order %q", got)
	}
	out := string(reporthtml.Grid(r, reporthtml.Options{}))
	// The address threat intel rates high says so on its row; the others
	// say none.
	for _, tr := range elements(root, "tr") {
		if k, _ := attr(tr, "data-k"); k == anchorOf("e-", "Ip:203.0.113.7") {
			if !strings.Contains(render(tr), `badge ti ti-high`) {
				t.Errorf("the high address's row lacks its severity: %s", render(tr))
			}
		}
	}
	// Links to other entities, under the row.
	for _, want := range []string{`image →</span> <span class="kind">File</span>`, `ip →</span> <span class="kind">Ip</span>`} {
		if !strings.Contains(out, want) {
			t.Errorf("the grid does not list the link %q", want)
		}
	}
	// The entity no alert names is listed apart, the columns in time
	// order with their severity letters.
	if !strings.Contains(out, "Named by no alert") || !strings.Contains(out, ">nobody<") {
		t.Error("the entity no alert names is not listed")
	}
	var heads []string
	for _, th := range elements(root, "th") {
		if hasClass(th, "g-a") {
			heads = append(heads, text(th))
		}
		if len(heads) == 3 {
			break
		}
	}
	if got := strings.Join(heads, " "); got != "1H 2M 3L" {
		t.Errorf("the columns read %q, want the alerts in time order with their severities", got)
	}
}

func entityKey(r *report.Report, name string) string {
	for _, e := range r.Entities {
		if e.Name == name {
			return e.Key
		}
	}
	return ""
}

// TestGridBlocks checks that an incident of many alerts gets a block per
// GridColumns of them, each block holding only the rows its alerts name,
// and that a kind with many rows starts closed.
func TestGridBlocks(t *testing.T) {
	r := bigReport(100, 400)
	out := string(reporthtml.Grid(r, reporthtml.Options{}))
	want := (100 + reporthtml.GridColumns - 1) / reporthtml.GridColumns
	if n := strings.Count(out, `<div class="grid-block">`); n != want {
		t.Errorf("%d blocks for 100 alerts, want %d", n, want)
	}
	// One table a block, whatever the kinds: their columns line up.
	if n := strings.Count(out, `<table `); n != want {
		t.Errorf("%d tables for %d blocks", n, want)
	}
	if !strings.Contains(out, `<details class="grid-kind">`) {
		t.Error("no kind of the large incident starts closed")
	}
	var buf bytes.Buffer
	buf.WriteString(out)
	if buf.Len() > 4<<20 {
		t.Errorf("the grid of 100 alerts × 400 entities is %d bytes", buf.Len())
	}
}

// BenchmarkGrid renders the incidence grid of the large incident: 100
// alerts, 400 entities, each alert naming ten.
func BenchmarkGrid(b *testing.B) {
	r := bigReport(100, 400)
	var n int
	for b.Loop() {
		n = len(reporthtml.Grid(r, reporthtml.Options{}))
	}
	b.ReportMetric(float64(n), "bytes/grid")
}

// hasAttr reports whether n has the attribute key with the value v.
func hasAttr(n *html.Node, key, v string) bool {
	got, ok := attr(n, key)
	return ok && got == v
}
