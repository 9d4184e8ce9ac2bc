package web_test

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/triage-dev/triage/internal/report/reporttest"
	"github.com/triage-dev/triage/internal/textsafe"
)

// invisibleHostile is the hostile string with one character of every class
// textsafe marks (its incident is the last of the hostile workspace).
var invisibleHostile = func() string {
	var vs []string
	for _, v := range reporttest.Invisible {
		vs = append(vs, v)
	}
	slices.Sort(vs)
	return strings.Join(vs, " ")
}()

// checkVisible fails t when a page shows a hidden character raw: in its
// text or in an attribute. Form fields' values (an input's value, a
// textarea's text) are left as they came: they go back to the server.
func checkVisible(t *testing.T, name string, doc *html.Node) {
	t.Helper()
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		switch n.Type {
		case html.TextNode:
			if n.Parent != nil && n.Parent.Type == html.ElementNode && n.Parent.Data == "textarea" {
				return
			}
			reporttest.CheckVisible(t, name+": text of <"+parentName(n)+">", n.Data)
		case html.ElementNode:
			for _, a := range n.Attr {
				if a.Key != "value" && !textsafe.Clean(a.Val) {
					t.Errorf("%s: <%s %s=%.80q> holds a hidden character", name, n.Data, a.Key, a.Val)
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
}

func parentName(n *html.Node) string {
	if n.Parent == nil {
		return ""
	}
	return n.Parent.Data
}

// The incident whose values hold every class of hidden character shows
// each as its mark, on the queue, its page, its sections, its entity pages
// and its forms; every hostile page is checked by checkInert.
func TestHostileVisible(t *testing.T) {
	ts := newServer(t)
	n := slices.Index(hostileStrings, invisibleHostile) + 1
	if n == 0 {
		t.Fatal("the hostile workspace has no incident with hidden characters")
	}
	_, queue := ts.get(t, "/?ws=hostile&window=7d")
	checkInert(t, "queue", queue)
	reporttest.CheckVisible(t, "queue", textOf(t, queue), invisibleHostile)

	ts.waitTriage(t, "hostile", n)
	path := fmt.Sprintf("/incidents/%d?ws=hostile", n)
	_, page := ts.get(t, path)
	checkInert(t, path, page)
	reporttest.CheckVisible(t, path, textOf(t, page), invisibleHostile)
	for _, sec := range []string{"details", "graph", "indicators", "ti", "related", "summaries"} {
		_, p := ts.get(t, fmt.Sprintf("/incidents/%d/sections/%s?ws=hostile", n, sec))
		checkInert(t, "section "+sec, "<!doctype html><body>"+p)
	}

	// The entity pages the incident links to (its alert names a host).
	links := regexp.MustCompile(`href="(/entities/[^"]+)"`).FindAllStringSubmatch(page, -1)
	if len(links) == 0 {
		t.Fatal("the incident links to no entity page")
	}
	for _, m := range links {
		u := html.UnescapeString(m[1])
		_, ent := ts.get(t, u)
		checkInert(t, u, ent)
		reporttest.CheckVisible(t, u, textOf(t, ent), invisibleHostile)
	}

	// Forms: the review of a comment shows the marks, and posts the comment
	// as it was typed.
	_, body := ts.post(t, fmt.Sprintf("/incidents/%d/comment?ws=hostile", n),
		url.Values{"csrf": {token(t, page, fmt.Sprintf("/incidents/%d/comment", n))}, "message": {invisibleHostile}}, nil)
	checkInert(t, "comment review", body)
	reporttest.CheckVisible(t, "comment review", textOf(t, body), invisibleHostile)
	// (html/template writes NUL as U+FFFD, as it always has.)
	if got := inputValue(t, body, "message"); got != strings.ReplaceAll(invisibleHostile, "\x00", "\uFFFD") {
		t.Errorf("the comment to confirm is %q, not the comment as typed", got)
	}
	_, lk := ts.get(t, "/lookup?ws=hostile")
	_, body = ts.post(t, "/lookup?ws=hostile", url.Values{"csrf": {token(t, lk, "/lookup")}, "text": {"evil\u200b.example.com 203.0.113.66\u202e"}}, nil)
	checkInert(t, "lookup", body)
}

// inputValue is the value of the page's input named name.
func inputValue(t *testing.T, page, name string) string {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	var val string
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == "input" && attr(n, "name") == name {
			val = attr(n, "value")
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	return val
}

// textOf is the text a page shows, outside form fields.
func textOf(t *testing.T, page string) string {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && (n.Data == "textarea" || n.Data == "script" || n.Data == "style") {
			return
		}
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	return b.String()
}
