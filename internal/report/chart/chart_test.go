package chart

import (
	"encoding/xml"
	"errors"
	"fmt"
	"html/template"
	"io"
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/triage-dev/triage/internal/report/chart/internal/projection"
	"github.com/triage-dev/triage/internal/report/reporttest"
)

var t0 = time.Date(2026, 11, 29, 14, 0, 0, 0, time.UTC)

// element is a parsed SVG element with its text.
type element struct {
	name  string
	attrs map[string]string
	text  string
}

// parse tokenises out as XML, failing the test if it is not well-formed,
// and returns its elements in document order.
func parse(t *testing.T, out template.HTML) []element {
	t.Helper()
	if !utf8.ValidString(string(out)) {
		t.Fatalf("output is not valid UTF-8")
	}
	d := xml.NewDecoder(strings.NewReader(string(out)))
	d.Strict = true
	var els []element
	var stack []int
	depth := 0
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("not well-formed XML: %v\n%.2000s", err, out)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			if depth == 0 && len(els) > 0 {
				t.Fatalf("more than one root element")
			}
			depth++
			e := element{name: tok.Name.Local, attrs: map[string]string{}}
			for _, a := range tok.Attr {
				e.attrs[a.Name.Local] = a.Value
			}
			stack = append(stack, len(els))
			els = append(els, e)
		case xml.EndElement:
			depth--
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				els[stack[len(stack)-1]].text += string(tok)
			}
		}
	}
	if len(els) == 0 || els[0].name != "svg" {
		t.Fatalf("root is not <svg>: %.200s", out)
	}
	root := els[0].attrs
	if !strings.HasPrefix(root["viewBox"], "0 0 ") || root["role"] != "img" || root["aria-label"] == "" {
		t.Errorf("root lacks viewBox, role or aria-label: %v", root)
	}
	if len(els) < 2 || els[1].name != "title" || els[1].text == "" {
		t.Errorf("first child of <svg> is not a <title>")
	}
	return els
}

// sampleCharts returns every chart drawn from ordinary input.
func sampleCharts() map[string]template.HTML {
	nodes, edges := sampleGraph(10, 60)
	return map[string]template.HTML{
		"timeline":  Timeline(sampleEvents(50, t0, 48*time.Hour), TimeOptions{Title: "Alerts"}),
		"histogram": Histogram(sampleEvents(200, t0, 30*24*time.Hour), TimeOptions{Title: "Incidents"}),
		"graph":     Graph(nodes, edges, GraphOptions{Title: "Graph"}),
		"map":       WorldMap([]Point{{Latitude: 48.85, Longitude: 2.35, Label: "Paris", Weight: 3}}, MapOptions{Title: "Map"}),
		"bars":      Bars([]Bar{{Label: "a", Values: []float64{1, 2}}, {Label: "b", Values: []float64{3}}}, BarOptions{Title: "Bars", Series: []string{"success", "failure"}}),
	}
}

func TestWellFormed(t *testing.T) {
	charts := sampleCharts()
	charts["timeline-empty"] = Timeline(nil, TimeOptions{})
	charts["histogram-empty"] = Histogram([]Event{{Label: "no time"}}, TimeOptions{})
	charts["graph-empty"] = Graph(nil, nil, GraphOptions{})
	charts["map-empty"] = WorldMap(nil, MapOptions{})
	charts["bars-empty"] = Bars(nil, BarOptions{})
	charts["histogram-one"] = Histogram([]Event{{Time: t0}}, TimeOptions{})
	charts["timeline-one"] = Timeline([]Event{{Time: t0}}, TimeOptions{Width: 300})
	charts["timeline-eons"] = Timeline([]Event{{Time: time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)}, {Time: time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)}}, TimeOptions{})
	charts["histogram-eons"] = Histogram([]Event{{Time: time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)}, {Time: time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)}}, TimeOptions{})
	charts["graph-one"] = Graph([]Node{{ID: "x"}}, []Edge{{From: "x", To: "y"}}, GraphOptions{})
	for name, out := range charts {
		t.Run(name, func(t *testing.T) {
			if out == "" {
				t.Fatal("empty output")
			}
			parse(t, out)
		})
	}
}

func TestEmptySays(t *testing.T) {
	for _, c := range []struct {
		out  template.HTML
		want string
	}{
		{Timeline(nil, TimeOptions{}), "no events"},
		{Histogram(nil, TimeOptions{}), "no events"},
		{Graph(nil, nil, GraphOptions{}), "no entities"},
		{WorldMap([]Point{{Latitude: math.NaN()}}, MapOptions{}), "no located addresses"},
		{Bars(nil, BarOptions{}), "no data"},
	} {
		texts := ""
		for _, e := range parse(t, c.out) {
			if e.name == "text" {
				texts += e.text + "|"
			}
		}
		if !strings.Contains(texts, c.want) {
			t.Errorf("empty chart draws %q, want %q", texts, c.want)
		}
	}
}

func TestDeterministic(t *testing.T) {
	a, b := sampleCharts(), sampleCharts()
	for name := range a {
		if a[name] != b[name] {
			t.Errorf("%s: two drawings of the same input differ", name)
		}
	}
	nodes, edges := sampleGraph(100, 500)
	if Graph(nodes, edges, GraphOptions{}) != Graph(nodes, edges, GraphOptions{}) {
		t.Errorf("large graph: two drawings differ")
	}
}

// hostile is attacker-controlled text of every kind.
var hostile = []string{
	`<script>alert(1)</script>`,
	`"><script>alert(1)</script>`,
	`' onmouseover='alert(1)`,
	`" onload="alert(1)`,
	`<svg onload=alert(1)>`,
	`<img src=x onerror=alert(1)>`,
	`]]><script>alert(1)</script><![CDATA[`,
	`<!-- --><![CDATA[x]]>`,
	`javascript:alert(1)`,
	"\xff\xfe broken \xc3 UTF-8 \xed\xa0\x80",
	"evil\u202Egnp.exe",
	"null\x00byte and \x1b[31m escape \x7f",
	"&amp; &lt; &#x3C;script&#x3E;",
	strings.Repeat("A", 100*1024),
	strings.Repeat("界", 40*1024),
	"z" + strings.Repeat("\u0301", 500),
	"<style>*{display:none}</style>",
	"<a href=\"javascript:alert(1)\">x</a>",
}

var hostileHrefs = []string{
	"javascript:alert(1)", "JaVaScRiPt:alert(1)", " javascript:alert(1)", "java\tscript:alert(1)",
	"java\nscript:alert(1)", "data:text/html,<script>alert(1)</script>", "vbscript:msgbox(1)",
	"https://evil.example/", "http://evil.example/", "//evil.example/x", "\\\\evil.example\\x",
	"/\\evil.example", "mailto:a@b", "#\"><script>alert(1)</script>", "entity/\" onclick=\"alert(1)",
	strings.Repeat("a", 5000),
}

func TestHostileInput(t *testing.T) {
	var evs []Event
	var nodes []Node
	var edges []Edge
	var pts []Point
	var bars []Bar
	nodes = append(nodes, Node{ID: "inc", Group: "incident", Label: hostile[0]})
	for i, s := range hostile {
		h := hostileHrefs[i%len(hostileHrefs)]
		evs = append(evs, Event{Time: t0.Add(time.Duration(i) * 7 * time.Minute), Lane: s, Class: s, Label: s, Href: h})
		id := fmt.Sprint("n", i)
		nodes = append(nodes, Node{ID: id, Label: s, Group: s, Class: s, Detail: []string{s, s}, Href: h})
		edges = append(edges, Edge{From: "inc", To: id, Label: s})
		pts = append(pts, Point{Latitude: float64(i), Longitude: float64(i * 3), Label: s, Weight: float64(i), Class: s, Href: h})
		bars = append(bars, Bar{Label: s, Values: []float64{float64(i)}, Href: h})
	}
	for _, h := range hostileHrefs {
		nodes = append(nodes, Node{ID: h, Label: h, Group: "Url", Href: h})
		edges = append(edges, Edge{From: "inc", To: h})
	}
	charts := map[string]template.HTML{
		"timeline":        Timeline(evs, TimeOptions{Title: hostile[1], Lanes: hostile[:3]}),
		"histogram":       Histogram(evs, TimeOptions{Title: hostile[4], Classes: hostile[5:8]}),
		"graph":           Graph(nodes, edges, GraphOptions{Title: hostile[2]}),
		"graph-collapsed": Graph(nodes, edges, GraphOptions{Title: hostile[13], MaxNodes: 5}),
		"map":             WorldMap(pts, MapOptions{Title: hostile[3]}),
		"bars":            Bars(bars, BarOptions{Title: hostile[6], Series: hostile[:2]}),
	}
	onAttr := regexp.MustCompile(`(?i)[\s"'/]on[a-z]+\s*=`)
	for name, out := range charts {
		t.Run(name, func(t *testing.T) {
			raw := strings.ToLower(string(out))
			for _, bad := range []string{"<script", "javascript:", "vbscript:", "data:text", "<style", "<img", "<![cdata[", "\u202e", "\x00"} {
				if strings.Contains(raw, bad) {
					t.Errorf("output contains %q", bad)
				}
			}
			if m := onAttr.FindString(string(out)); m != "" {
				t.Errorf("output contains an event-handler attribute: %q", m)
			}
			if len(out) > 400*1024 {
				t.Errorf("output is %d bytes: long values are not capped", len(out))
			}
			els := parse(t, out)
			for _, e := range els {
				for k, v := range e.attrs {
					if strings.HasPrefix(strings.ToLower(k), "on") || k == "style" {
						t.Errorf("<%s> has attribute %s", e.name, k)
					}
					if k == "href" && !strings.HasPrefix(v, "#") && !strings.HasPrefix(v, "entity/") {
						t.Errorf("<%s> links to %q", e.name, v)
					}
				}
				switch e.name {
				case "svg", "g", "path", "rect", "text", "title", "desc", "a":
				default:
					t.Errorf("unexpected element <%s>", e.name)
				}
				if e.name == "text" && e.attrs["class"] != "hint" && e.attrs["class"] != "credit" && utf8.RuneCountInString(e.text) > 40 {
					t.Errorf("drawn label not cut: %d runes: %.60q", utf8.RuneCountInString(e.text), e.text)
				}
				if e.name == "title" && len(e.text) > titleMax {
					t.Errorf("hover text not capped: %d bytes", len(e.text))
				}
			}
		})
	}
}

func TestSafeHref(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"#alert-3", "#alert-3"},
		{"entity/ip%3A1.2.3.4", "entity/ip%3A1.2.3.4"},
		{"/entity?k=1&j=2", "/entity?k=1&j=2"},
		{"../a b", "../a%20b"},
		{"entity/é", "entity/%C3%A9"},
		{"a/b:c", "a/b:c"},
		{"?q=a:b", "?q=a:b"},
		{"", ""},
		{"javascript:alert(1)", ""},
		{"JAVASCRIPT:alert(1)", ""},
		{"java\tscript:x", ""},
		{"https://example.com", ""},
		{"//example.com", ""},
		{"\\\\example.com", ""},
		{"/\\example.com", ""},
		{"data:text/html,x", ""},
		{"a:b", ""},
		{"\xff", ""},
		{strings.Repeat("a", hrefMax+1), ""},
	} {
		if got := safeHref(c.in); got != c.want {
			t.Errorf("safeHref(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestShort(t *testing.T) {
	for _, c := range []struct {
		in   string
		n    int
		want string
	}{
		{"abc", 5, "abc"},
		{"abcde", 5, "abcde"},
		{"abcdef", 5, "abcd…"},
		{"  a \n\t b  ", 10, "a b"},
		{"ab  cdefgh", 4, "ab…"},
		{"e\u202Evil", 20, "e⟨U+202E⟩vil"},
		{"\xffx", 5, "\uFFFDx"},
	} {
		if got := short(c.in, c.n); got != c.want {
			t.Errorf("short(%q, %d) = %q, want %q", c.in, c.n, got, c.want)
		}
	}
	if got := capText(strings.Repeat("é", 1000), 101); len(got) > 101 || !strings.HasSuffix(got, "…") || !utf8.ValidString(got) {
		t.Errorf("capText: %d bytes, %q…", len(got), got[:10])
	}
}

func TestTicks(t *testing.T) {
	for _, c := range []struct {
		name       string
		start      time.Time
		span       time.Duration
		step       string
		first, sec string
	}{
		{"1 hour", t0.Add(7 * time.Minute), time.Hour, "10m", "Nov 29 14:10", "14:20"},
		{"2 days", t0, 48 * time.Hour, "6h", "Nov 29 18:00", "Nov 30"},
		{"3 weeks", time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC), 21 * 24 * time.Hour, "7d", "Nov 2", "Nov 9"},
		{"3 months", time.Date(2026, 9, 10, 0, 0, 0, 0, time.UTC), 92 * 24 * time.Hour, "1mo", "Oct 2026", "Nov"},
	} {
		t.Run(c.name, func(t *testing.T) {
			s, ticks := chooseTicks(c.start, c.start.Add(c.span), 880)
			if s.String() != c.step {
				t.Errorf("step = %s, want %s", s, c.step)
			}
			if len(ticks) < 2 {
				t.Fatalf("%d ticks", len(ticks))
			}
			if got := s.tickLabel(ticks[0], true); got != c.first {
				t.Errorf("first label = %q, want %q", got, c.first)
			}
			if got := s.tickLabel(ticks[1], false); got != c.sec {
				t.Errorf("second label = %q, want %q", got, c.sec)
			}
		})
	}
	// Over spans from ten minutes to two years, the axis has 3 to 12
	// ticks, and 4 to 10 for most.
	out := 0
	for span := 10 * time.Minute; span < 2*365*24*time.Hour; span = span * 23 / 20 {
		_, ticks := chooseTicks(t0.Add(13*time.Minute), t0.Add(13*time.Minute+span), 880)
		if n := len(ticks); n < 3 || n > 12 {
			t.Errorf("span %v: %d ticks", span, n)
		} else if n < 4 || n > 10 {
			out++
		}
	}
	if out > 10 {
		t.Errorf("%d spans outside 4–10 ticks", out)
	}
}

func TestHistogramBuckets(t *testing.T) {
	evs := []Event{
		{Time: t0.Add(10 * time.Minute), Class: ClassHigh},
		{Time: t0.Add(20 * time.Minute), Class: ClassHigh},
		{Time: t0.Add(30 * time.Hour), Class: ClassLow, Label: "late"},
		{Time: t0.Add(31 * time.Hour), Class: "Custom"},
	}
	out := Histogram(evs, TimeOptions{})
	els := parse(t, out)
	var legend, titles []string
	for _, e := range els {
		if e.name == "text" {
			legend = append(legend, e.text)
		}
		if e.name == "title" {
			titles = append(titles, e.text)
		}
	}
	all := strings.Join(legend, "|")
	for _, want := range []string{"High 2", "Low 1", "Custom 1", "per 1h"} {
		if !strings.Contains(all, want) {
			t.Errorf("texts %q lack %q", all, want)
		}
	}
	if !strings.Contains(strings.Join(titles, "|"), "Nov 29 14:00 – Nov 29 15:00 UTC\nHigh: 2") {
		t.Errorf("no bucket of two high events in %q", titles)
	}
	// The order of known classes is by severity, whatever the input order.
	if i, j := strings.Index(all, "High"), strings.Index(all, "Low"); i > j {
		t.Errorf("legend order: %q", all)
	}
}

func TestTimelineLanes(t *testing.T) {
	var evs []Event
	for i := 0; i < 100; i++ {
		evs = append(evs, Event{Time: t0.Add(time.Duration(i) * time.Minute), Lane: fmt.Sprint("host-", i), Class: ClassMedium})
	}
	// Two events a second apart on one lane share a mark.
	evs = append(evs, Event{Time: t0.Add(time.Second), Lane: "host-0", Class: ClassHigh, Label: "second"})
	els := parse(t, Timeline(evs, TimeOptions{Lanes: []string{"host-5"}}))
	labels := 0
	var texts []string
	for _, e := range els {
		if e.name == "g" && e.attrs["class"] == "lane-label" {
			labels++
		}
		if e.name == "text" {
			texts = append(texts, e.text)
		}
	}
	if labels != maxLanes {
		t.Errorf("%d lanes drawn, want %d", labels, maxLanes)
	}
	all := strings.Join(texts, "|")
	if !strings.Contains(all, "61 more rows") {
		t.Errorf("no lane for the rest: %q", all)
	}
	if !strings.HasPrefix(all, "High|Medium|host-5|host-0|") {
		t.Errorf("legend or lane order wrong: %.80q", all)
	}
	if !strings.Contains(all, "|2|") {
		t.Errorf("no count on the shared mark")
	}
}

func countNodes(t *testing.T, out template.HTML) (nodes, groups int) {
	t.Helper()
	for _, e := range parse(t, out) {
		if e.name == "g" && strings.HasPrefix(e.attrs["class"], "node ") {
			nodes++
			if strings.Contains(e.attrs["class"], " group") {
				groups++
			}
		}
	}
	return nodes, groups
}

func TestGraphCollapse(t *testing.T) {
	nodes, edges := sampleGraph(100, 500)
	for _, c := range []struct {
		max        int
		min, most  int
		wantGroups bool
	}{
		{0, 100, 150, true},
		{300, 200, 300, true},
		{1000, 601, 601, false},
	} {
		t.Run(strconv.Itoa(c.max), func(t *testing.T) {
			out := Graph(nodes, edges, GraphOptions{MaxNodes: c.max})
			n, g := countNodes(t, out)
			if n < c.min || n > c.most {
				t.Errorf("%d nodes drawn, want %d to %d", n, c.min, c.most)
			}
			if (g > 0) != c.wantGroups {
				t.Errorf("%d groups drawn", g)
			}
		})
	}
	// Entities of one kind on the same alert merge first; the alerts stay.
	small := []Node{{ID: "i", Group: "incident"}, {ID: "a", Group: "alert", Label: "A"}, {ID: "b", Group: "alert", Label: "B"}}
	es := []Edge{{From: "i", To: "a"}, {From: "i", To: "b"}}
	for k := 0; k < 6; k++ {
		id := fmt.Sprint("ip", k)
		small = append(small, Node{ID: id, Group: "Ip", Label: "10.0.0." + strconv.Itoa(k)})
		es = append(es, Edge{From: "a", To: id})
	}
	small = append(small, Node{ID: "u", Group: "Account", Label: "alice"})
	es = append(es, Edge{From: "b", To: "u"})
	m := buildGraph(small, es, GraphOptions{MaxNodes: 6})
	if len(m.gn) != 5 {
		t.Fatalf("%d nodes, want 5 (incident, 2 alerts, 6 IP as one, alice)", len(m.gn))
	}
	var labels []string
	for _, p := range m.placed {
		labels = append(labels, p.text)
	}
	if !strings.Contains(strings.Join(labels, "|"), "6 IP") {
		t.Errorf("labels %q lack the group", labels)
	}
	out := string(m.draw())
	if !strings.Contains(out, "10.0.0.5") || !strings.Contains(out, "6 IP (grouped") {
		t.Errorf("the group's hover text does not list its members")
	}
}

func TestGraphLayout(t *testing.T) {
	for _, size := range [][2]int{{1, 3}, {6, 25}, {100, 500}} {
		nodes, edges := sampleGraph(size[0], size[1])
		m := buildGraph(nodes, edges, GraphOptions{})
		inc := m.gn[0]
		if inc.key != "incident" || math.Abs(inc.x-m.w/2) > 0.5 || math.Abs(inc.y-(m.top+m.h-12)/2) > 0.5 {
			t.Errorf("%v: incident at (%.0f, %.0f), not at the centre", size, inc.x, inc.y)
		}
		for i, a := range m.gn {
			if a.x-a.r < 0 || a.x+a.r > m.w || a.y-a.r < m.top || a.y+a.r > m.h {
				t.Errorf("%v: node %d at (%.0f, %.0f) outside the drawing", size, i, a.x, a.y)
			}
			for _, b := range m.gn[i+1:] {
				if d := math.Hypot(a.x-b.x, a.y-b.y); d < a.r+b.r {
					t.Errorf("%v: nodes overlap: %q and %q, %.1f apart", size, a.label, b.label, d)
				}
			}
		}
		// Labels shown do not overlap one another.
		shown := 0
		for i, a := range m.placed {
			if !a.shown {
				continue
			}
			shown++
			for _, b := range m.placed[i+1:] {
				if b.shown && labelRect(a).hits(labelRect(b)) {
					t.Errorf("%v: labels %q and %q overlap", size, a.text, b.text)
				}
			}
		}
		if shown < len(m.placed)/3 {
			t.Errorf("%v: only %d of %d labels shown", size, shown, len(m.placed))
		}
	}
}

func labelRect(l label) rect {
	w := textWidth(l.text, 10)
	switch l.anchor {
	case "start":
		return rect{l.x, l.y - 9, l.x + w, l.y + 3}
	case "end":
		return rect{l.x - w, l.y - 9, l.x, l.y + 3}
	}
	return rect{l.x - w/2, l.y - 9, l.x + w/2, l.y + 3}
}

func TestProjection(t *testing.T) {
	_, h := land()
	x, y := project(0, 0)
	if math.Abs(x-projection.FrameWidth/2) > 0.01 || y < 0.4*h || y > 0.65*h {
		t.Errorf("lat 0 lon 0 at (%.1f, %.1f) of %d × %.0f: not in the centre", x, y, projection.FrameWidth, h)
	}
	x, y = project(-25, 134) // Alice Springs
	if x < 0.8*projection.FrameWidth || x > 0.95*projection.FrameWidth || y < 0.6*h || y > 0.85*h {
		t.Errorf("Australia at (%.1f, %.1f): not right and low", x, y)
	}
	x, y = project(64, -150) // Alaska
	if x > 0.2*projection.FrameWidth || y > 0.3*h {
		t.Errorf("Alaska at (%.1f, %.1f): not left and high", x, y)
	}
	// The points drawn sit where the projection puts them.
	out := string(WorldMap([]Point{{Latitude: -25, Longitude: 134, Label: "x"}}, MapOptions{Width: projection.FrameWidth}))
	x, y = project(-25, 134)
	if want := `d="M` + num(x-6) + " " + num(y); !strings.Contains(out, want) { // radius 3, doubled with the width
		t.Errorf("map lacks a mark at %s", want)
	}
}

func TestWorldData(t *testing.T) {
	if !strings.Contains(worldTxt, "Natural Earth") || !strings.Contains(worldTxt, "world-atlas 2.0.2") {
		t.Error("world.txt lacks its attribution")
	}
	m, h := land()
	_, want := project(projection.LatBottom, 0)
	if math.Abs(h-math.Ceil(want)) > 0.5 {
		t.Errorf("world.txt frame height %.0f, projection gives %.1f: regenerate it", h, want)
	}
	if strings.Contains(m, "Antarctica") {
		t.Error("Antarctica is drawn")
	}
	for _, name := range []string{"Fiji", "Russia", "France", "Australia", "Brazil"} {
		if !strings.Contains(m, "<title>"+name+"</title>") {
			t.Errorf("%s missing", name)
		}
	}
	// No segment spans half the map: nothing crosses it at the antimeridian.
	num := regexp.MustCompile(`-?\d+`)
	for _, line := range strings.Split(worldTxt, "\n") {
		name, d, ok := strings.Cut(line, "\t")
		if !ok {
			continue
		}
		for _, ring := range strings.Split(d, "M")[1:] {
			_, rel, _ := strings.Cut(ring, "l")
			ns := num.FindAllString(rel, -1)
			for i := 0; i+1 < len(ns); i += 2 {
				dx, _ := strconv.Atoi(ns[i])
				if dx > projection.FrameWidth/4 || dx < -projection.FrameWidth/4 {
					t.Errorf("%s: a segment %d wide", name, dx)
				}
			}
		}
	}
}

func TestMapSpots(t *testing.T) {
	pts := []Point{
		{Latitude: 47.6, Longitude: -122.3, Label: "a", Weight: 10},
		{Latitude: 47.6, Longitude: -122.3, Label: "b", Weight: 30},
		{Latitude: -33.9, Longitude: 151.2, Label: "c", Weight: 0},
		{Latitude: 91, Longitude: 0, Label: "bad"},
	}
	els := parse(t, WorldMap(pts, MapOptions{}))
	marks, counts := 0, 0
	for _, e := range els {
		if e.name == "g" && strings.HasPrefix(e.attrs["class"], "mark pt") {
			marks++
		}
		if e.name == "text" && e.attrs["class"] == "count" && e.text == "2" {
			counts++
		}
	}
	if marks != 2 || counts != 1 {
		t.Errorf("%d marks and %d counts, want 2 and 1", marks, counts)
	}
	if !strings.Contains(els[0].attrs["aria-label"], "1 without a valid location") {
		t.Errorf("aria-label %q does not say a point was left out", els[0].attrs["aria-label"])
	}
}

func TestBars(t *testing.T) {
	long := strings.Repeat("operation-", 20)
	els := parse(t, Bars([]Bar{
		{Label: long, Values: []float64{10, 5}, Href: "#op"},
		{Label: "b", Values: []float64{math.NaN(), -3}, Href: "https://x.example"},
	}, BarOptions{Series: []string{"success", "failure"}}))
	var texts []string
	hrefs := 0
	for _, e := range els {
		if e.name == "text" {
			texts = append(texts, e.text)
		}
		if e.name == "a" {
			hrefs++
		}
	}
	all := strings.Join(texts, "|")
	if !strings.Contains(all, "Success|Failure|") || !strings.Contains(all, "|15|") || !strings.Contains(all, "|0") {
		t.Errorf("texts %q: want the legend and totals 15 and 0", all)
	}
	if strings.Contains(all, long) || !strings.Contains(all, "…") {
		t.Errorf("long label not cut")
	}
	if hrefs != 1 {
		t.Errorf("%d links, want 1 (the outside one dropped)", hrefs)
	}
}

func BenchmarkGraph(b *testing.B) {
	nodes, edges := sampleGraph(100, 500)
	for _, max := range []int{0, 1000} {
		b.Run(fmt.Sprint("max=", max), func(b *testing.B) {
			for b.Loop() {
				Graph(nodes, edges, GraphOptions{Title: "Incident", MaxNodes: max})
			}
		})
	}
}

func BenchmarkWorldMap(b *testing.B) {
	var pts []Point
	for i := 0; i < 500; i++ {
		pts = append(pts, Point{Latitude: float64(i%140) - 60, Longitude: float64(i*37%360) - 180, Label: fmt.Sprint("198.51.100.", i%256), Weight: float64(i % 50)})
	}
	for b.Loop() {
		WorldMap(pts, MapOptions{Title: "Locations"})
	}
}

func BenchmarkHistogram(b *testing.B) {
	evs := sampleEvents(5000, t0, 30*24*time.Hour)
	for b.Loop() {
		Histogram(evs, TimeOptions{})
	}
}

// Every chart shows hidden characters as their marks, in its labels and in
// its hover text.
func TestInvisibleMarked(t *testing.T) {
	for class, s := range reporttest.Invisible {
		nodes := []Node{{ID: "inc", Group: "incident", Label: s}, {ID: "n", Group: "Url", Label: s, Detail: []string{s}}}
		charts := map[string]template.HTML{
			"timeline":  Timeline([]Event{{Time: t0, Lane: s, Label: s}, {Time: t0.Add(time.Hour), Lane: "b", Label: s}}, TimeOptions{Title: s}),
			"histogram": Histogram([]Event{{Time: t0, Label: s}, {Time: t0.Add(time.Hour), Label: s}}, TimeOptions{Title: s}),
			"graph":     Graph(nodes, []Edge{{From: "inc", To: "n", Label: s}}, GraphOptions{Title: s}),
			"map":       WorldMap([]Point{{Latitude: 1, Longitude: 2, Label: s, Weight: 1}}, MapOptions{Title: s}),
			"bars":      Bars([]Bar{{Label: s, Values: []float64{1}}, {Label: "b", Values: []float64{2}}}, BarOptions{Title: s}),
		}
		for name, out := range charts {
			reporttest.CheckVisible(t, class+": "+name, string(out), s)
		}
	}
}
