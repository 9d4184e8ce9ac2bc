package chart

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/triage-dev/triage/internal/demo"
	"github.com/triage-dev/triage/internal/pipeline"
	"github.com/triage-dev/triage/internal/report"
	"github.com/triage-dev/triage/internal/report/reporttest"
	"github.com/triage-dev/triage/internal/triage"
	"github.com/triage-dev/triage/internal/workspace"
	"github.com/triage-dev/triage/internal/workspace/local"
)

func TestCutMiddle(t *testing.T) {
	run := `HKEY_CURRENT_USER\Software\Microsoft\Windows\CurrentVersion\Run`
	upd := `HKEY_CURRENT_USER\Software\Microsoft\Windows\CurrentVersion\OneDriveUpdate`
	for _, c := range []struct {
		in   string
		n    int
		want string
	}{
		{"short", 18, "short"},
		{"exactly-eighteen-c", 18, "exactly-eighteen-c"},
		{run, 18, `HKEY_…tVersion\Run`},
		{"a  b\n\tc", 18, "a b c"},
	} {
		if got := CutMiddle(c.in, c.n); got != c.want {
			t.Errorf("CutMiddle(%q, %d) = %q, want %q", c.in, c.n, got, c.want)
		}
	}
	if a, b := CutMiddle(run, 18), CutMiddle(upd, 18); a == b {
		t.Errorf("two registry keys cut alike: %q", a)
	}
	for _, s := range reporttest.Hostile {
		if got := CutMiddle(s, 18); utf8.RuneCountInString(got) > 18 {
			t.Errorf("CutMiddle of %.20q is %d runes long", s, utf8.RuneCountInString(got))
		}
	}
}

func TestUniqueLabels(t *testing.T) {
	// Same start and end but for a middle part, the same name twice, and
	// a label that is what numbering would make of another.
	full := []string{
		`HKEY_CURRENT_USER\Software\Classes\Alpha\Shell\Open\Command`,
		`HKEY_CURRENT_USER\Software\Classes\Bravo\Shell\Open\Command`,
		"wks-07", "wks-07", "wks-07 ·2", "plain",
	}
	n := []int{18, 18, 18, 18, 18, 18}
	got := uniqueLabels(full, n)
	seen := map[string]bool{}
	for i, l := range got {
		if seen[l] {
			t.Errorf("label %d, %q, is not unique: %q", i, l, got)
		}
		seen[l] = true
		if utf8.RuneCountInString(l) > 2*n[i]+4 {
			t.Errorf("label %q is longer than twice its room", l)
		}
	}
	if got[5] != "plain" || got[2] != "wks-07" {
		t.Errorf("labels that needed no change changed: %q", got)
	}
}

var demoGraphs = struct {
	sync.Once
	graphs map[string]report.Graph
	err    error
}{}

// graphsOfDemo builds the entity graph of every demo incident, as the
// pipeline does, once per test binary.
func graphsOfDemo(t *testing.T) map[string]report.Graph {
	t.Helper()
	demoGraphs.Do(func() {
		ctx := context.Background()
		now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
		cat, err := workspace.LoadCatalog("")
		if err != nil {
			demoGraphs.err = err
			return
		}
		ws, err := local.Open(ctx, "demo", ":memory:", cat)
		if err != nil {
			demoGraphs.err = err
			return
		}
		defer ws.Close()
		if err := ws.Load(ctx, func(emit func(string, map[string]any) error) error {
			return demo.Generate(demo.Options{Now: now}, emit)
		}); err != nil {
			demoGraphs.err = err
			return
		}
		demoGraphs.graphs = map[string]report.Graph{}
		demoGraphs.err = ws.ListIncidents(ctx, workspace.IncidentFilter{}, func(inc triage.Incident) error {
			d, err := ws.Details(ctx, inc)
			if err != nil {
				return err
			}
			demoGraphs.graphs[fmt.Sprint(inc.Number)] = pipeline.BuildGraph(inc, d.Alerts, d.Entities)
			return nil
		})
	})
	if demoGraphs.err != nil {
		t.Fatal(demoGraphs.err)
	}
	return demoGraphs.graphs
}

// chartGraph turns a report's graph into the chart's nodes and edges as
// the HTML report does.
func chartGraph(g report.Graph) ([]Node, []Edge) {
	var nodes []Node
	for _, n := range g.Nodes {
		cn := Node{ID: n.ID, Label: n.Label, Class: strings.ToLower(n.Severity)}
		switch n.Type {
		case report.NodeIncident:
			cn.Group = "incident"
		case report.NodeAlert:
			cn.Group = "alert"
		default:
			cn.Group = string(n.Kind)
		}
		nodes = append(nodes, cn)
	}
	var edges []Edge
	for _, e := range g.Edges {
		edges = append(edges, Edge{From: e.From, To: e.To, Label: e.Rel})
	}
	return nodes, edges
}

// hostileGraphs are graphs a hostile or a large incident makes: every
// hostile value as an entity, entities that differ only in the middle or
// not at all, and 100 alerts naming 400 entities.
func hostileGraphs() map[string]report.Graph {
	out := map[string]report.Graph{}
	g := report.Graph{Nodes: []report.Node{{ID: "incident:h", Type: report.NodeIncident, Label: reporttest.Hostile[0], Severity: "High"}}}
	for a := range 3 {
		id := fmt.Sprintf("alert:%d", a)
		g.Nodes = append(g.Nodes, report.Node{ID: id, Type: report.NodeAlert, Label: reporttest.Hostile[a%2], Severity: "Medium"})
		g.Edges = append(g.Edges, report.Edge{From: "incident:h", To: id, Rel: "alert"})
	}
	vals := append([]string{
		`HKEY_CURRENT_USER\Software\Microsoft\Windows\CurrentVersion\Run`,
		`HKEY_CURRENT_USER\Software\Microsoft\Windows\CurrentVersion\OneDriveUpdate`,
		`HKEY_CURRENT_USER\Software\Microsoft\Windows\CurrentVersion\RunOnce`,
		"wks-07", "wks-07", strings.Repeat("W", 300) + "x", strings.Repeat("W", 300) + "y",
	}, reporttest.Hostile...)
	for i, v := range vals {
		id := fmt.Sprintf("Registry:%d", i)
		g.Nodes = append(g.Nodes, report.Node{ID: id, Type: report.NodeEntity, Kind: "RegistryKey", Label: v})
		g.Edges = append(g.Edges, report.Edge{From: fmt.Sprintf("alert:%d", i%3), To: id, Rel: "entity"})
	}
	out["hostile"] = g

	big := report.Graph{Nodes: []report.Node{{ID: "incident:big", Type: report.NodeIncident, Label: "Big incident", Severity: "High"}}}
	kinds := []string{"Ip", "Account", "Host", "Url", "FileHash", "Process"}
	for i := range 400 {
		big.Nodes = append(big.Nodes, report.Node{ID: fmt.Sprintf("e%d", i), Type: report.NodeEntity, Kind: triage.Kind(kindOf(kinds, i)), Label: fmt.Sprintf("%s-value-%d.example", kindOf(kinds, i), i)})
	}
	for a := range 100 {
		id := fmt.Sprintf("alert:%d", a)
		big.Nodes = append(big.Nodes, report.Node{ID: id, Type: report.NodeAlert, Label: fmt.Sprintf("Suspicious activity %d", a%20), Severity: "Low"})
		big.Edges = append(big.Edges, report.Edge{From: "incident:big", To: id, Rel: "alert"})
		for j := range 10 {
			big.Edges = append(big.Edges, report.Edge{From: id, To: fmt.Sprintf("e%d", (a*5+j*37)%400), Rel: "entity"})
		}
	}
	out["100 alerts × 400 entities"] = big
	return out
}

func kindOf(kinds []string, i int) string { return kinds[i%len(kinds)] }

// TestGraphLabels checks, over every demo incident and the hostile and
// large graphs, that every label of a graph is distinct from the others
// and that no label shown overlaps another shown label or a node, with
// boxes worked out from the layout and labelWidth's estimate of the text.
func TestGraphLabels(t *testing.T) {
	graphs := hostileGraphs()
	for n, g := range graphsOfDemo(t) {
		graphs["demo "+n] = g
	}
	if len(graphs) < 10 {
		t.Fatalf("only %d graphs to check", len(graphs))
	}
	for name, g := range graphs {
		t.Run(name, func(t *testing.T) {
			nodes, edges := chartGraph(g)
			m := buildGraph(nodes, edges, GraphOptions{})
			seen := map[string]int{}
			shown := 0
			for i, l := range m.placed {
				if j, dup := seen[l.text]; dup {
					t.Errorf("nodes %d and %d are both labelled %q", j, i, l.text)
				}
				seen[l.text] = i
				if l.shown {
					shown++
				}
			}
			if shown == 0 {
				t.Fatal("no label is shown")
			}
			for i, l := range m.placed {
				if !l.shown {
					continue
				}
				box := l.box()
				for j, o := range m.placed {
					if j != i && o.shown && box.hits(o.box()) {
						t.Errorf("label %q overlaps label %q", l.text, o.text)
					}
				}
				for j, g := range m.gn {
					if box.hits(g.box()) {
						t.Errorf("label %q (of node %d) overlaps node %d", l.text, i, j)
					}
				}
			}
		})
	}
}
