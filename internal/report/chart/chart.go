// Package chart draws the triage's charts as SVG, in Go: timelines and
// histograms over time, the entity graph, the world map of addresses and small
// bar charts. The report and the web UI share them.
//
// Every chart is readable without colour (labels, a shape per class, a
// legend) and carries its hover details in <title> elements, so they work
// with no script at all; chart.js (in the report's assets) adds pan and zoom
// where a chart asks for it. Every value a chart is given is
// attacker-controlled text: it is escaped, and links other than relative
// URLs and #fragments are dropped.
//
// The classes of chart.css style the marks, in light and dark themes;
// output has no inline style or script, so it passes a strict CSP.
//
// The world map's outlines are made with Natural Earth (public domain),
// via world-atlas 2.0.2 (ISC licence, LICENSE.world-atlas): gen_world.go
// converts them once into world.txt, which the package embeds.
package chart

import (
	"html/template"
	"time"
)

// The classes charts know: severities (of incidents, alerts and threat
// intelligence) and outcomes. Each has a colour and a shape; any other class
// is drawn in a neutral colour with its name in the legend.
const (
	ClassHigh          = "high"
	ClassMedium        = "medium"
	ClassLow           = "low"
	ClassInformational = "informational"
	ClassSuccess       = "success"
	ClassFailure       = "failure"
)

// Event is one thing that happened at a time.
type Event struct {
	Time time.Time
	// Lane is the row a Timeline draws it on (an entity, an alert, a
	// severity). Histogram ignores it.
	Lane string
	// Class picks colour and shape (a severity, an outcome) and, in a
	// Histogram, the stack it counts in.
	Class string
	// Label is the hover text.
	Label string
	// Href is where a click goes; "" for nowhere.
	Href string
}

// TimeOptions configures Timeline and Histogram.
type TimeOptions struct {
	// Title names the chart for screen readers and in its <title>.
	Title string
	// Start and End bound the time axis; zero values take the events' range.
	Start, End time.Time
	// Lanes orders a Timeline's rows; nil takes them in order of first
	// appearance. Classes orders a Histogram's stacks; nil: severities
	// first, then order of appearance.
	Lanes, Classes []string
	// Width is the width of the viewBox; 0 means 960.
	Width int
}

// Timeline draws events as marks on lanes along a time axis whose ticks
// read well from minutes to months.
func Timeline(events []Event, o TimeOptions) template.HTML { return timeline(events, o) }

// Histogram counts events per time bucket (its size chosen from the span:
// minutes to weeks), stacked by class: incidents over time by severity,
// sign-ins over time by outcome.
func Histogram(events []Event, o TimeOptions) template.HTML { return histogram(events, o) }

// Node is a vertex of the entity graph.
type Node struct {
	ID    string
	Label string
	// Group is "incident", "alert" or an entity kind ("Ip", "Account",
	// "Host", ...): it picks the node's shape and colour.
	Group string
	// Class is a severity class, for incidents and alerts.
	Class string
	// Detail is shown on hover, one line each (the entity's properties).
	Detail []string
	Href   string
	// Key names the node for the page's scripts (its data-k attribute):
	// the incidence grid highlights an alert's node by it. Only lower-case
	// letters, digits and hyphens, at most 64; any other key is left out.
	Key string
}

// Edge links two nodes by ID; edges naming an unknown node are dropped.
type Edge struct {
	From, To string
	Label    string
}

// GraphOptions configures Graph.
type GraphOptions struct {
	Title string
	// Width and Height of the viewBox; 0 means 960 wide and up to 640
	// high, less for a graph of few nodes.
	Width, Height int
	// MaxNodes is how many nodes are drawn one by one; beyond it, entities
	// of one kind that link to the same alerts are drawn as one node
	// ("37 Ip"). 0 means 150.
	MaxNodes int
}

// Graph lays the nodes out with a deterministic force-directed layout and
// draws them with their links, a legend of the groups, and pan and zoom
// (through chart.js).
func Graph(nodes []Node, edges []Edge, o GraphOptions) template.HTML { return graph(nodes, edges, o) }

// Point is a located thing on the world map.
type Point struct {
	Latitude, Longitude float64
	Label               string
	// Weight sizes the mark (activity: sign-ins, connections); 0 is the
	// smallest mark.
	Weight float64
	Class  string
	Href   string
}

// MapOptions configures WorldMap.
type MapOptions struct {
	Title string
	// Width of the viewBox; 0 means 960.
	Width int
}

// WorldMap draws the countries' outlines and the points on them.
func WorldMap(points []Point, o MapOptions) template.HTML { return worldMap(points, o) }

// Bar is one bar of a bar chart: a value per series, stacked.
type Bar struct {
	Label  string
	Values []float64
	Href   string
}

// BarOptions configures Bars.
type BarOptions struct {
	Title string
	// Series names the values of each bar, in order, and gives their class
	// (colour) by name when it is one of the known classes.
	Series []string
	// Width of the viewBox; 0 means 480.
	Width int
}

// Bars draws horizontal bars, one per label, largest first as given, with
// their values written at the end: logons per host, top operations.
func Bars(bars []Bar, o BarOptions) template.HTML { return barChart(bars, o) }
