package pipeline

import (
	"github.com/triage-dev/triage/internal/report"
	"github.com/triage-dev/triage/internal/triage"
)

// BuildGraph links the incident to its alerts, each alert to the entities it
// names, and entities to each other through their links. Entities named by no
// alert hang off the incident. Every edge joins two nodes of the graph.
func BuildGraph(inc triage.Incident, alerts []triage.Alert, ents []triage.Entity) report.Graph {
	g := report.Graph{Nodes: []report.Node{}, Edges: []report.Edge{}}
	incID := "incident:" + inc.Name
	g.Nodes = append(g.Nodes, report.Node{ID: incID, Type: report.NodeIncident, Label: inc.Title, Severity: string(inc.Severity)})

	known := make(map[string]bool, len(ents))
	for _, e := range ents {
		known[e.Key] = true
		g.Nodes = append(g.Nodes, report.Node{ID: e.Key, Type: report.NodeEntity, Kind: e.Kind, Label: e.Name})
	}
	named := make(map[string]bool)
	for _, a := range alerts {
		id := "alert:" + a.ID
		g.Nodes = append(g.Nodes, report.Node{ID: id, Type: report.NodeAlert, Label: a.Name, Severity: string(a.Severity)})
		g.Edges = append(g.Edges, report.Edge{From: incID, To: id, Rel: "alert"})
		for _, k := range a.EntityKeys {
			if known[k] {
				g.Edges = append(g.Edges, report.Edge{From: id, To: k, Rel: "entity"})
				named[k] = true
			}
		}
	}
	type pair struct{ a, b string }
	seen := make(map[pair]bool)
	for _, e := range ents {
		if !named[e.Key] {
			g.Edges = append(g.Edges, report.Edge{From: incID, To: e.Key, Rel: "entity"})
		}
		for _, l := range e.Links {
			if !known[l.Key] || l.Key == e.Key || seen[pair{e.Key, l.Key}] {
				continue
			}
			seen[pair{e.Key, l.Key}] = true
			g.Edges = append(g.Edges, report.Edge{From: e.Key, To: l.Key, Rel: l.Rel})
		}
	}
	return g
}
