package render

import (
	"bytes"
	"encoding/json"
	"maps"
	"strings"
	"testing"

	"github.com/triage-dev/triage/internal/ioc"
	"github.com/triage-dev/triage/internal/report"
	"github.com/triage-dev/triage/internal/report/reporttest"
	"github.com/triage-dev/triage/internal/triage"
)

func TestJSONFields(t *testing.T) {
	var b bytes.Buffer
	if err := Report(&b, reporttest.Report("x"), JSON); err != nil {
		t.Fatal(err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b.Bytes(), &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"schema_version", "incident", "alerts", "entities", "graph", "ti", "related_alerts", "summaries", "problems", "sections"} {
		if _, ok := m[k]; !ok {
			t.Errorf("JSON report has no %q field", k)
		}
	}
	var ti struct {
		Severity string           `json:"severity"`
		Reasons  []map[string]any `json:"reasons"`
		Results  []map[string]any `json:"results"`
	}
	if err := json.Unmarshal(m["ti"], &ti); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"indicator", "type", "provider", "status", "severity"} {
		if _, ok := ti.Results[0][k]; !ok {
			t.Errorf("ti.results item has no %q field", k)
		}
	}
}

// Counts agree with their nouns in the Markdown and HTML reports.
func TestReportPlurals(t *testing.T) {
	r := reporttest.Report("plain")
	one := r.RelatedAlerts[0]
	two := report.Related{Entity: "Ip:203.0.113.5", Kind: triage.KindIP, Name: "203.0.113.5", Alerts: []report.RelatedAlert{{ID: "b"}, {ID: "c"}}}
	r.RelatedAlerts = []report.Related{one, two}
	for _, f := range []Format{Markdown, HTML} {
		var b bytes.Buffer
		if err := Report(&b, r, f); err != nil {
			t.Fatal(err)
		}
		out := b.String()
		for _, want := range []string{"1 other alert", "2 other alerts"} {
			if !strings.Contains(out, want) {
				t.Errorf("%s: no %q", f, want)
			}
		}
		for _, bad := range []string{"1 other alerts", "1 lookups", "1 links", "1 nodes"} {
			if strings.Contains(out, bad) {
				t.Errorf("%s: says %q", f, bad)
			}
		}
	}
}

// A documentation address is reserved, not internal (which reads as "ours"),
// and that it is never sent out is said beside the results, not instead of
// them.
func TestWithheldWords(t *testing.T) {
	r := reporttest.Report("plain")
	r.Indicators = nil
	for _, v := range []string{"203.0.113.66", "10.0.0.5", "evil.example", "8.8.8.8"} {
		ind, err := ioc.Parse(v)
		if err != nil {
			t.Fatal(err)
		}
		r.Indicators = append(r.Indicators, report.Indicator{Value: ind.Value, Type: ind.Kind, Scope: ind.Scope,
			Internal: ind.Internal(), Withheld: ind.Withheld()})
	}
	statement := "Never sent to external providers: 203.0.113.66, evil.example (reserved); 10.0.0.5 (internal)."
	var md bytes.Buffer
	if err := Report(&md, r, Markdown); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(md.String(), statement) {
		t.Errorf("Markdown does not say %q", statement)
	}
	var h bytes.Buffer
	if err := Report(&h, r, HTML); err != nil {
		t.Fatal(err)
	}
	doc := h.String()
	for _, tt := range []struct{ value, scope, sent string }{
		{"203.0.113.66", "reserved (documentation)", "never sent"},
		{"10.0.0.5", "internal (private)", "never sent"},
		{"evil.example", "reserved", "never sent"},
		{"8.8.8.8", "public", "allowed"},
	} {
		want := "<code>" + tt.value + "</code></div></td><td>" + string(must(ioc.Parse(tt.value)).Kind) +
			"</td><td>" + tt.scope + "</td><td>" + tt.sent + "</td>"
		if !strings.Contains(doc, want) {
			t.Errorf("HTML has no indicator row %q", want)
		}
	}
	if strings.Contains(doc, "never: internal") {
		t.Error("HTML still badges indicators never: internal")
	}
	htmlStatement := "Never sent to external providers: <code>203.0.113.66</code>, <code>evil.example</code> (reserved); <code>10.0.0.5</code> (internal)."
	if !strings.Contains(doc, htmlStatement) {
		t.Errorf("HTML does not say %q", htmlStatement)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// The JSON of a summary table carries each column as an object (schema
// version 2): its name, header and type.
func TestJSONTableColumns(t *testing.T) {
	r := reporttest.Report("x")
	r.Summaries[0].Sections = []report.SummarySection{{Name: "Sign-ins", Status: report.StatusOK, Table: &report.Table{
		Columns: []report.Column{{Name: "FirstSeen", Header: "First seen", Type: report.ColFirstSeen}},
		Rows:    [][]string{{"2026-11-25T10:00:00Z"}},
	}}}
	var b bytes.Buffer
	if err := Report(&b, r, JSON); err != nil {
		t.Fatal(err)
	}
	var got struct {
		SchemaVersion int `json:"schema_version"`
		Summaries     []struct {
			Sections []struct {
				Table struct {
					Columns []map[string]string `json:"columns"`
					Rows    [][]string          `json:"rows"`
				} `json:"table"`
			} `json:"sections"`
		} `json:"summaries"`
	}
	if err := json.Unmarshal(b.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if got.SchemaVersion != 2 {
		t.Errorf("schema_version %d, want 2", got.SchemaVersion)
	}
	tab := got.Summaries[0].Sections[0].Table
	want := map[string]string{"name": "FirstSeen", "header": "First seen", "type": "first_seen"}
	if len(tab.Columns) != 1 || !maps.Equal(tab.Columns[0], want) || tab.Rows[0][0] != "2026-11-25T10:00:00Z" {
		t.Errorf("table %+v, want the column %v", tab, want)
	}
}
