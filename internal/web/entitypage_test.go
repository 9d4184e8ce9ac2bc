package web_test

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/triage-dev/triage/internal/demo"
)

// rawJSON is what a structured value shown as raw JSON starts with.
var rawJSON = regexp.MustCompile(`[{\[]\s*"`)

// TestEntityPagesNoRawJSON opens the page of every entity of the demo's
// attack incidents and checks that no property or table cell shows raw
// JSON (a location, an owner, an address list render as their parts), and
// that no page outside an incident speaks of "this incident".
func TestEntityPagesNoRawJSON(t *testing.T) {
	if testing.Short() {
		t.Skip("triages every attack incident of the demo")
	}
	ts := newServer(t)
	seen := map[string]bool{}
	var links []string
	for _, n := range demo.DefaultStory().AttackIncidents {
		ts.waitTriage(t, "demo", n)
		_, body := ts.get(t, fmt.Sprintf("/incidents/%d?ws=demo", n))
		checkNoRawJSON(t, fmt.Sprintf("incident %d", n), body)
		for _, m := range regexp.MustCompile(`href="(/entities/[^"]+)"`).FindAllStringSubmatch(body, -1) {
			l := html.UnescapeString(m[1])
			if !seen[l] {
				seen[l] = true
				links = append(links, l)
			}
		}
	}
	if len(links) < 10 {
		t.Fatalf("only %d entity pages to check", len(links))
	}
	for _, l := range links {
		code, body := ts.get(t, l)
		if code != http.StatusOK {
			t.Errorf("%s: %d", l, code)
			continue
		}
		checkNoRawJSON(t, l, body)
		if strings.Contains(body, "this incident") {
			i := strings.Index(body, "this incident")
			t.Errorf("%s speaks of this incident: %q", l, body[max(0, i-120):i+20])
		}
	}
}

// checkNoRawJSON fails t when any text of the page, or a hover text (a
// title attribute, an SVG <title>), shows raw JSON: a table cell, a fact,
// a list item, a graph node's detail.
func checkNoRawJSON(t *testing.T, page, body string) {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && (n.Data == "script" || n.Data == "style") {
			return
		}
		if n.Type == html.TextNode && rawJSON.MatchString(n.Data) {
			t.Errorf("%s: text in a %s shows raw JSON: %.200s", page, n.Parent.Data, n.Data)
		}
		for _, a := range n.Attr {
			if a.Key == "title" && rawJSON.MatchString(a.Val) {
				t.Errorf("%s: the hover text of a %s shows raw JSON: %.200s", page, n.Data, a.Val)
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
}
