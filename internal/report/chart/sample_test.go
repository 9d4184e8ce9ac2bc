package chart

import (
	"fmt"
	"time"
)

// sampleGraph returns an incident with alerts and entities linked the way
// Sentinel links them: the incident to each alert, each alert to its
// entities, entities shared between alerts, a few entity-to-entity links.
func sampleGraph(alerts, entities int) ([]Node, []Edge) {
	kinds := []string{"Ip", "Account", "Host", "Url", "FileHash", "File", "Process", "Mailbox", "CloudApplication"}
	sevs := []string{ClassHigh, ClassMedium, ClassLow, ClassInformational}
	rules := []string{"Suspicious sign-in from Tor exit node", "Mass download by a single user", "Impossible travel activity", "Malware detected on endpoint", "Password spray"}
	nodes := []Node{{ID: "inc-1", Label: "Multi-stage attack involving credential access", Group: "incident", Class: ClassHigh, Href: "#incident"}}
	var edges []Edge
	for a := 0; a < alerts; a++ {
		id := fmt.Sprintf("alert-%d", a)
		nodes = append(nodes, Node{ID: id, Label: rules[a%len(rules)], Group: "alert", Class: sevs[(a*7)%len(sevs)], Detail: []string{"Provider: ASI", fmt.Sprintf("Time: 2026-11-29T%02d:00:00Z", a%24)}, Href: "#" + id})
		edges = append(edges, Edge{From: "inc-1", To: id})
	}
	for e := 0; e < entities; e++ {
		k := kinds[(e*7)%len(kinds)]
		if e%3 == 0 {
			k = "Ip"
		}
		id := fmt.Sprintf("ent-%d", e)
		label := fmt.Sprintf("%s-%d", k, e)
		switch k {
		case "Ip":
			label = fmt.Sprintf("198.51.%d.%d", e/250, e%250)
		case "Account":
			label = fmt.Sprintf("user%d@contoso.com", e)
		case "Host":
			label = fmt.Sprintf("WKS-%04d", e)
		}
		nodes = append(nodes, Node{ID: id, Label: label, Group: k, Detail: []string{"Kind: " + k, "Seen: 3 times"}, Href: "entity/" + id})
		// Most entities hang off one alert; some are shared.
		if alerts > 0 {
			edges = append(edges, Edge{From: fmt.Sprintf("alert-%d", (e*31)%alerts), To: id})
			if e%5 == 0 {
				edges = append(edges, Edge{From: fmt.Sprintf("alert-%d", (e*17+3)%alerts), To: id})
			}
		}
		if e%11 == 0 && e > 0 {
			edges = append(edges, Edge{From: id, To: fmt.Sprintf("ent-%d", e-1), Label: "related"})
		}
	}
	return nodes, edges
}

// sampleEvents returns n events spread over span from start, with
// severities and lanes.
func sampleEvents(n int, start time.Time, span time.Duration) []Event {
	sevs := []string{ClassHigh, ClassMedium, ClassMedium, ClassLow, ClassInformational, ClassLow}
	lanes := []string{"user1@contoso.com", "WKS-0042", "198.51.100.7", "Impossible travel activity", "svc-backup"}
	var evs []Event
	for i := 0; i < n; i++ {
		f := float64((i*7919)%1000) / 1000
		f = f * f
		evs = append(evs, Event{
			Time:  start.Add(time.Duration(f * float64(span))),
			Lane:  lanes[(i*3)%len(lanes)],
			Class: sevs[i%len(sevs)],
			Label: fmt.Sprintf("Alert %d", i),
			Href:  fmt.Sprintf("#alert-%d", i),
		})
	}
	return evs
}
