package report

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/triage-dev/triage/internal/intel"
	"github.com/triage-dev/triage/internal/ioc"
	"github.com/triage-dev/triage/internal/triage"
)

var hostile = []string{
	`<script>alert(1)</script>`,
	`<img src=x onerror=alert(1)>`,
	"a | b\n| c | d |",
	"[click](javascript:alert(1))",
	"\u202Egnp.exe",
	"`code` *bold* _em_ # head",
	"\x00\x1b[31mred",
	strings.Repeat("A", 100_000),
}

func hostileReport(s string) *Report {
	return &Report{
		SchemaVersion: SchemaVersion,
		Workspace:     "demo",
		// Severities, statuses and unknown kinds come from the data too.
		Incident: triage.Incident{Number: 7, Title: s, Description: s, Severity: triage.Severity(s),
			Status: triage.Status(s), Classification: triage.Classification(s), Created: time.Unix(0, 0)},
		Alerts:   []triage.Alert{{ID: "a1", Name: s, Product: s, Severity: triage.Severity(s), EntityKeys: []string{"Url:" + s}}},
		Entities: []triage.Entity{{Kind: triage.Kind(s), Key: "Url:" + s, Name: s, Properties: map[string]any{"url": s}}},
		TI: TI{Severity: intel.SeverityHigh, Explanation: s,
			Reasons: []intel.Result{{Indicator: s, Provider: "p", Status: intel.StatusOK, Severity: intel.SeverityHigh, Summary: s}},
			Results: []intel.Result{{Indicator: s, Provider: "p", Status: intel.StatusOK, Severity: intel.SeverityHigh, Summary: s}}},
		RelatedAlerts: []Related{{Entity: "Url:" + s, Kind: triage.Kind(s), Name: s, Alerts: []RelatedAlert{{ID: "b", Name: s, Severity: triage.Severity(s)}}}},
		Summaries:     []Summary{{Entity: "Url:" + s, Kind: triage.Kind(s), Name: s, Facts: []Fact{{Label: s, Value: s}}}},
		Sections:      []Section{{Name: "x", Status: StatusError, Reason: s}},
		Problems:      []triage.Problem{{Where: s, What: s}},
	}
}

func TestMarkdownHostile(t *testing.T) {
	for _, s := range hostile {
		var b bytes.Buffer
		if err := Render(&b, hostileReport(s), FormatMarkdown); err != nil {
			t.Fatal(err)
		}
		// An escaped bracket opens no link: look at what is left without them.
		out := strings.ReplaceAll(b.String(), `\]`, "")
		for _, bad := range []string{"<script", "<img", "](javascript", "\u202E", "\x00", "\x1b"} {
			if strings.Contains(out, bad) {
				t.Errorf("value %.30q: output contains %q", s, bad)
			}
		}
		// Every table row keeps its column count: the value never adds a cell.
		for _, line := range strings.Split(out, "\n") {
			if !strings.HasPrefix(line, "| ") {
				continue
			}
			cells := strings.Count(line, "|") - strings.Count(line, `\|`)
			if cells < 3 || cells > 7 {
				t.Errorf("value %.30q: table row with %d separators: %.120q", s, cells, line)
			}
		}
	}
}

func TestMarkdownEscape(t *testing.T) {
	tests := map[string]string{
		"plain":       "plain",
		"a|b":         `a\|b`,
		"x\ny":        "x y",
		"<b>":         `&lt;b\>`,
		"[a](b)":      `\[a\](b)`,
		"203.0.113.7": `203.0.113.7`,
		"WKS-FIN-07":  `WKS-FIN-07`,
	}
	for in, want := range tests {
		if got := MarkdownEscape(in); got != want {
			t.Errorf("MarkdownEscape(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestJSONFields(t *testing.T) {
	var b bytes.Buffer
	if err := Render(&b, hostileReport("x"), FormatJSON); err != nil {
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
	r := hostileReport("plain")
	one := r.RelatedAlerts[0]
	two := Related{Entity: "Ip:203.0.113.5", Kind: triage.KindIP, Name: "203.0.113.5", Alerts: []RelatedAlert{{ID: "b"}, {ID: "c"}}}
	r.RelatedAlerts = []Related{one, two}
	for _, f := range []Format{FormatMarkdown, FormatHTML} {
		var b bytes.Buffer
		if err := Render(&b, r, f); err != nil {
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
	r := hostileReport("plain")
	r.Indicators = nil
	for _, v := range []string{"203.0.113.66", "10.0.0.5", "evil.example", "8.8.8.8"} {
		ind, err := ioc.Parse(v)
		if err != nil {
			t.Fatal(err)
		}
		r.Indicators = append(r.Indicators, Indicator{Value: ind.Value, Type: ind.Kind, Scope: ind.Scope,
			Internal: ind.Internal(), Withheld: ind.Withheld()})
	}
	statement := "Never sent to external providers: 203.0.113.66, evil.example (reserved); 10.0.0.5 (internal)."
	var md bytes.Buffer
	if err := Render(&md, r, FormatMarkdown); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(md.String(), statement) {
		t.Errorf("Markdown does not say %q", statement)
	}
	var h bytes.Buffer
	if err := Render(&h, r, FormatHTML); err != nil {
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
