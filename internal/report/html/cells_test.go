package html_test

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/triage-dev/triage/internal/report"
	reporthtml "github.com/triage-dev/triage/internal/report/html"
	reportrender "github.com/triage-dev/triage/internal/report/render"
	"github.com/triage-dev/triage/internal/triage"
)

// TestCellsExpand checks that the cells the alerts and entities tables cut
// (a long or multi-line description, many entities, many properties) open
// in place to the whole value, as a <details> that needs no script, and
// that the JSON and the Markdown keep every value whole.
func TestCellsExpand(t *testing.T) {
	desc := "First line of a long description.\n" + strings.Repeat("every word of it matters ", 20) + "THE-END"
	name := "Alert " + strings.Repeat("with a long name ", 20) + "NAME-END"
	r := &report.Report{Incident: triage.Incident{Number: 9, Title: "Cells", Description: desc}}
	props := map[string]any{}
	for i := range 9 {
		props[fmt.Sprintf("p%d", i)] = fmt.Sprintf("value-%d", i)
	}
	var keys []string
	for i := range 9 {
		k := fmt.Sprintf("Host:h%d", i)
		keys = append(keys, k)
		r.Entities = append(r.Entities, triage.Entity{Kind: "Host", Key: k, Name: fmt.Sprintf("host-%d", i), Properties: props, Alerts: []string{"a1"}})
	}
	r.Alerts = []triage.Alert{
		{ID: "a1", Name: name, Severity: "High", Description: desc, EntityKeys: keys},
		{ID: "a2", Name: "short", Severity: "Low", Description: "One short line.", EntityKeys: keys[:2]},
	}
	doc := parse(t, writeHTML(t, r, reporthtml.Options{}))
	alerts := byID(doc, "alerts")
	var cells []*html.Node
	for _, d := range elements(alerts, "details") {
		if hasClass(d, "cell") {
			cells = append(cells, d)
		}
	}
	// The long alert: its description and its entities; the short one:
	// neither.
	if len(cells) != 2 {
		t.Fatalf("the alerts table has %d expandable cells, want 2", len(cells))
	}
	descCell, entCell := cells[0], cells[1]
	if _, open := attr(descCell, "open"); open {
		t.Error("an expandable cell starts open")
	}
	sum := text(elements(descCell, "summary")[0])
	if strings.Contains(sum, "THE-END") || !strings.HasPrefix(sum, "First line of a long description.") {
		t.Errorf("the closed description shows %q", sum)
	}
	whole := ""
	for _, d := range elements(descCell, "div") {
		if hasClass(d, "whole") {
			whole = text(d)
		}
	}
	if whole != desc {
		t.Errorf("the opened description is %q, want the whole of it", whole)
	}
	var linked []string
	for _, a := range elements(entCell, "a") {
		linked = append(linked, text(a))
	}
	if len(linked) != len(keys) {
		t.Errorf("the opened entities cell links %d entities, want %d: %q", len(linked), len(keys), linked)
	}
	if s := text(elements(entCell, "summary")[0]); !strings.Contains(s, "and 5 more") {
		t.Errorf("the closed entities cell reads %q", s)
	}
	// The entities table's properties, opened, are all of them.
	n := 0
	for _, d := range elements(byID(doc, "entities"), "details") {
		if hasClass(d, "cell") {
			n++
			for i := range 9 {
				if !strings.Contains(text(d), fmt.Sprintf("p%d: value-%d", i, i)) {
					t.Errorf("an entity's opened properties lack p%d", i)
				}
			}
		}
	}
	if n != len(r.Entities) {
		t.Errorf("%d entities' properties expand, want %d", n, len(r.Entities))
	}

	// JSON and Markdown: nothing cut.
	for _, f := range []reportrender.Format{reportrender.JSON, reportrender.Markdown} {
		var b bytes.Buffer
		if err := reportrender.Report(&b, r, f); err != nil {
			t.Fatal(err)
		}
		out := b.String()
		for _, want := range []string{"THE-END", "NAME-END", "host-8"} {
			if !strings.Contains(out, want) {
				t.Errorf("%s: %q is missing: a value was cut", f, want)
			}
		}
		if f == reportrender.JSON && !strings.Contains(out, strings.ReplaceAll(desc, "\n", `\n`)) {
			t.Errorf("JSON: the description is not whole")
		}
	}
}

// TestStructuredProperties checks that an entity's structured properties
// (an address's location, a list of objects) show as their parts in the
// entities table, never as raw JSON.
func TestStructuredProperties(t *testing.T) {
	r := &report.Report{Incident: triage.Incident{Number: 10, Title: "Props"}}
	r.Entities = []triage.Entity{{Kind: "Ip", Key: "Ip:203.0.113.7", Name: "203.0.113.7", Properties: map[string]any{
		"address":  "203.0.113.7",
		"location": map[string]any{"countryCode": "US", "city": "Seattle", "asn": float64(8075), "geo": map[string]any{"lat": 47.6}},
		"owners":   []any{map[string]any{"name": "alice"}, map[string]any{"name": "bob"}},
		"tags":     []any{"a", "b"},
	}}}
	doc := parse(t, writeHTML(t, r, reporthtml.Options{}))
	got := text(byID(doc, "entities"))
	for _, want := range []string{"location: asn: 8075; city: Seattle; countryCode: US; geo: (lat: 47.6)", "owners: (name: alice), (name: bob)", "tags: a, b"} {
		if !strings.Contains(got, want) {
			t.Errorf("the entities table lacks %q:\n%s", want, got)
		}
	}
	if rawJSON := regexp.MustCompile(`[{\[]\s*"`); rawJSON.MatchString(got) {
		t.Errorf("the entities table shows raw JSON:\n%s", got)
	}
}
