package triage

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// The default caps on entities: an incident's alerts name tens of entities,
// rarely hundreds, and the caps keep a hostile alert from making a triage
// take minutes (docs/benchmarks.md measures a triage at the caps).
const (
	DefaultMaxEntitiesPerAlert    = 500
	DefaultMaxEntitiesPerIncident = 2000
)

// Limits caps the entities Details holds. A zero field is its default.
type Limits struct {
	// EntitiesPerAlert is how many entities of one alert are kept.
	EntitiesPerAlert int
	// EntitiesPerIncident is how many entities of the incident are kept,
	// over all its alerts.
	EntitiesPerIncident int
}

// orDefaults returns l with its zero fields set to the defaults.
func (l Limits) orDefaults() Limits {
	if l.EntitiesPerAlert <= 0 {
		l.EntitiesPerAlert = DefaultMaxEntitiesPerAlert
	}
	if l.EntitiesPerIncident <= 0 {
		l.EntitiesPerIncident = DefaultMaxEntitiesPerIncident
	}
	return l
}

// Assembly builds the Details of one incident, as every workspace does:
// alerts with the entities parsed from them, entities the incident lists
// apart from its alerts, and problems. It caps the entities: of an alert
// beyond Limits.EntitiesPerAlert it keeps the first ones in the alert's
// order, each with the entities it links to (so that no kept entity refers
// to one left out); of an incident beyond Limits.EntitiesPerIncident it
// keeps the entities of its alerts in time order, then the others. What is
// left out is counted by kind in one Problem per alert (and one for the
// incident) and in Details.EntitiesLeftOut; the rest of the triage goes on.
// An Assembly is not safe for concurrent use.
type Assembly struct {
	where  string
	lim    Limits
	alerts []assembled
	loose  []Entity // entities of no alert, in the order given
	probs  []Problem
	left   int
}

// assembled is an alert and the entities kept of it.
type assembled struct {
	alert Alert
	ents  []Entity
}

// NewAssembly starts the Details of the incident where names ("incident
// 12"), with the caps lim.
func NewAssembly(where string, lim Limits) *Assembly {
	return &Assembly{where: where, lim: lim.orDefaults()}
}

// Problem records a problem met while reading the incident.
func (a *Assembly) Problem(p Problem) { a.probs = append(a.probs, p) }

// Alert adds an alert with the entities parsed from it (in the alert's
// order, as ParseSecurityAlert returns them) and the problems met parsing
// it: its arguments are ParseSecurityAlert's results.
func (a *Assembly) Alert(al Alert, ents []Entity, probs []Problem) {
	a.probs = append(a.probs, probs...)
	kept, left := keepFirst(ents, a.lim.EntitiesPerAlert, nil)
	if len(left) > 0 {
		a.left += len(left)
		a.probs = append(a.probs, Problem{Where: "alert " + al.ID, What: leftOut("the alert", len(ents), len(kept), left)})
		al.EntityKeys = keysOf(kept)
	}
	a.alerts = append(a.alerts, assembled{alert: al, ents: kept})
}

// Entities adds entities the incident names apart from its alerts (the
// incidents API's list) and the problems met parsing them.
func (a *Assembly) Entities(ents []Entity, probs []Problem) {
	a.probs = append(a.probs, probs...)
	a.loose = append(a.loose, ents...)
}

// Details returns the alerts in time order (SortAlerts), their merged
// entities within the incident's cap, and the problems.
func (a *Assembly) Details() Details {
	d := Details{Alerts: make([]Alert, 0, len(a.alerts)), Entities: []Entity{}}
	sorted := make([]Alert, len(a.alerts))
	byID := make(map[string][]Entity, len(a.alerts))
	for i, x := range a.alerts {
		sorted[i] = x.alert
		byID[x.alert.ID] = append(byID[x.alert.ID], x.ents...)
	}
	SortAlerts(sorted)

	// The incident's entities in the order the cap keeps them: its alerts'
	// in time order, then the others. Entities are taken alert by alert,
	// so that an entity comes with the ones it links to in that alert.
	kept := make(map[string]bool)
	var left []Entity
	total := make(map[string]bool)
	set := NewSet()
	take := func(ents []Entity) {
		for _, e := range ents {
			total[e.Key] = true
		}
		in, out := keepFirst(ents, a.lim.EntitiesPerIncident, kept)
		for _, e := range in {
			set.Add(e)
		}
		for _, e := range out {
			if !kept[e.Key] {
				left = append(left, e)
			}
		}
	}
	for _, al := range sorted {
		take(byID[al.ID])
		delete(byID, al.ID) // an alert added twice is taken once
	}
	take(a.loose)

	d.Problems = a.probs
	d.EntitiesLeftOut = a.left
	if len(left) > 0 {
		// An entity left out of one alert may be kept through another.
		var out []Entity
		seen := make(map[string]bool)
		for _, e := range left {
			if !kept[e.Key] && !seen[e.Key] {
				seen[e.Key] = true
				out = append(out, e)
			}
		}
		if len(out) > 0 {
			d.EntitiesLeftOut += len(out)
			d.Problems = append(d.Problems, Problem{Where: a.where, What: leftOut("the incident", len(total), len(kept), out)})
		}
	}
	for _, al := range sorted {
		if len(al.EntityKeys) > 0 {
			keys := make([]string, 0, len(al.EntityKeys))
			for _, k := range al.EntityKeys {
				if kept[k] {
					keys = append(keys, k)
				}
			}
			al.EntityKeys = keys
		}
		d.Alerts = append(d.Alerts, al)
	}
	for _, e := range set.Entities() {
		if len(left) > 0 {
			links := e.Links[:0]
			for _, l := range e.Links {
				if kept[l.Key] {
					links = append(links, l)
				}
			}
			e.Links = links
		}
		d.Entities = append(d.Entities, e)
	}
	return d
}

// keepFirst keeps, of ents, the first ones in order, each with the
// entities it links to (transitively), while they fit in max entities
// counted with those kept already (kept, updated; nil for none). After the
// first entity that does not fit, only entities that bring no other are
// tried, so the time is linear in the entities and their links. Entities
// kept already are kept again (they merge) without counting. It returns the
// entities kept and those left out, each in the order of ents.
func keepFirst(ents []Entity, max int, kept map[string]bool) (in, out []Entity) {
	if kept == nil {
		if len(ents) <= max {
			return ents, nil
		}
		kept = make(map[string]bool, max)
	}
	byKey := make(map[string]int, len(ents))
	for i, e := range ents {
		if _, dup := byKey[e.Key]; !dup {
			byKey[e.Key] = i
		}
	}
	take := make([]bool, len(ents))
	mark := make([]int, len(ents)) // the entity whose group last reached each
	full := false
	var group []int
	for i, e := range ents {
		if kept[e.Key] {
			take[i] = true
			continue
		}
		group = append(group[:0], i)
		mark[i] = i + 1
		fits := true
	grow:
		for k := 0; k < len(group); k++ {
			for _, l := range ents[group[k]].Links {
				if t, ok := byKey[l.Key]; ok && mark[t] != i+1 && !kept[l.Key] {
					mark[t] = i + 1
					group = append(group, t)
					if full || len(kept)+len(group) > max {
						fits = false // once full, only entities that bring no other are tried
						break grow
					}
				}
			}
		}
		if !fits || len(kept)+len(group) > max {
			full = true
			continue
		}
		for _, j := range group {
			take[j] = true
			kept[ents[j].Key] = true
		}
	}
	for i, e := range ents {
		if take[i] {
			in = append(in, e)
		} else {
			out = append(out, e)
		}
	}
	return in, out
}

// keysOf returns the entities' keys, in order.
func keysOf(ents []Entity) []string {
	keys := make([]string, len(ents))
	for i, e := range ents {
		keys[i] = e.Key
	}
	return keys
}

// leftOut says what the cap left out of what: "the alert names 105,000
// entities; the first 500 were kept, 104,500 left out (12,000 Account,
// 9,000 Ip, ...)".
func leftOut(what string, total, kept int, left []Entity) string {
	byKind := make(map[Kind]int)
	for _, e := range left {
		byKind[e.Kind]++
	}
	kinds := make([]Kind, 0, len(byKind))
	for k := range byKind {
		kinds = append(kinds, k)
	}
	sort.Slice(kinds, func(i, j int) bool {
		if byKind[kinds[i]] != byKind[kinds[j]] {
			return byKind[kinds[i]] > byKind[kinds[j]]
		}
		return kinds[i] < kinds[j]
	})
	parts := make([]string, len(kinds))
	for i, k := range kinds {
		parts[i] = thousands(byKind[k]) + " " + string(k)
	}
	return fmt.Sprintf("%s names %s entities; the first %s were kept, %s left out (%s)",
		what, thousands(total), thousands(kept), thousands(len(left)), strings.Join(parts, ", "))
}

// thousands writes n with a comma between groups of three digits.
func thousands(n int) string {
	s := strconv.Itoa(n)
	if n < 0 {
		return "-" + thousands(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
