package triage

import (
	"bytes"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"
)

// Limits that keep hostile input cheap.
const (
	maxValueDepth = 128 // JSON nesting walked when collecting $ids and cleaning values
	maxRefHops    = 8   // $ref objects that point at $ref objects
)

// ParseAlertEntities parses a SecurityAlert.Entities value: a JSON array of
// objects with PascalCase properties, a "Type" and a "$id", in which an entity
// may hold other entities inline or as {"$ref": "<$id>"}. An object keyed by
// $id, a single entity object and a JSON string holding any of these are
// accepted too.
//
// Nested entities are returned as entities of their own, linked from the
// entity that holds them under the lower-camel property name ("host",
// "account", "imageFile", "parentProcess", "fileHashes", "ipAddresses", ...).
// Properties of known kinds are renamed to the incident-entities API's names
// ("Address" -> "address", account "Name" -> "accountName", FileHash "Value"
// -> "hashValue"); unknown kinds keep every property as written. Entities with
// the same key are merged; the order is that of first appearance.
//
// It never panics. A malformed element, a $ref to a missing $id, a value that
// is not JSON, an entity without Type or without its identity property gives a
// Problem whose Where is where plus the element's position, and the rest is
// still parsed. Empty input and JSON null are no entities and no problem.
func ParseAlertEntities(data []byte, where string) ([]Entity, []Problem) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, nil
	}
	v, err := decodeJSON(data)
	if err != nil {
		return nil, []Problem{{Where: where, What: "entities are not valid JSON: " + err.Error()}}
	}
	return parseAlertValue(v, where, 0)
}

// parseAlertValue parses an already decoded Entities value; encoded counts
// the wrappers (a JSON string, "$values") already taken off.
func parseAlertValue(v any, where string, encoded int) ([]Entity, []Problem) {
	p := &alertParser{
		ids:      make(map[string]map[string]any),
		idWhere:  make(map[string]string),
		nodeByID: make(map[string]int),
	}
	var elems []any
	var wheres []string
	switch t := v.(type) {
	case nil:
		return nil, nil
	case string:
		// A JSON document stored as a JSON string (a column encoded twice).
		s := strings.TrimSpace(t)
		if encoded == 0 && (strings.HasPrefix(s, "[") || strings.HasPrefix(s, "{")) {
			inner, err := decodeJSON([]byte(s))
			if err != nil {
				return nil, []Problem{{Where: where, What: "entities are a string that is not valid JSON: " + err.Error()}}
			}
			return parseAlertValue(inner, where, encoded+1)
		}
		if s == "" {
			return nil, nil
		}
		return nil, []Problem{{Where: where, What: fmt.Sprintf("entities are a string, not a list: %q", truncate(s, 60))}}
	case []any:
		elems = t
		for i := range t {
			wheres = append(wheres, where+"["+strconv.Itoa(i)+"]")
		}
	case map[string]any:
		switch {
		case isEntityLike(t):
			elems, wheres = []any{t}, []string{where}
		case t["$values"] != nil && encoded < 4: // Json.NET's wrapper of a list
			return parseAlertValue(t["$values"], where, encoded+1)
		default: // keyed by $id, as msticpy's entities.json
			for _, k := range sortIDs(sortedKeys(t)) {
				elems = append(elems, t[k])
				wheres = append(wheres, where+"["+k+"]")
			}
		}
	default:
		return nil, []Problem{{Where: where, What: fmt.Sprintf("entities are a %s, not a list", jsonType(v))}}
	}
	for i, e := range elems {
		p.register(e, wheres[i], 1)
	}
	for i, e := range elems {
		if _, ok := e.(map[string]any); !ok {
			p.problem(wheres[i], fmt.Sprintf("element is a %s, not an entity object", jsonType(e)))
			continue
		}
		p.entity(e, wheres[i])
		p.drain() // the element's nested entities come right after it
	}
	ents, probs := p.g.finish()
	return ents, capProblems(append(p.probs, probs...), where)
}

// alertParser holds the state of one ParseAlertEntities call.
type alertParser struct {
	g        graph
	ids      map[string]map[string]any // $id -> the object that defines it
	idWhere  map[string]string
	nodeByID map[string]int // $id -> node
	queue    []pendingNode  // nodes whose properties are still to be filled
	probs    []Problem
	deep     bool // a too-deep value was reported
}

// pendingNode is a node and the raw object it is to be filled from.
type pendingNode struct {
	node int
	raw  map[string]any
}

func (p *alertParser) problem(where, what string) {
	p.probs = append(p.probs, Problem{Where: where, What: what})
}

// register records every object with a "$id", anywhere in v.
func (p *alertParser) register(v any, where string, depth int) {
	if depth > maxValueDepth {
		if !p.deep {
			p.deep = true
			p.problem(where, fmt.Sprintf("JSON nested deeper than %d levels; the deeper part is ignored", maxValueDepth))
		}
		return
	}
	switch t := v.(type) {
	case map[string]any:
		if id, ok := scalarString(t["$id"]); ok && id != "" {
			if prev, dup := p.ids[id]; !dup {
				p.ids[id] = t
				p.idWhere[id] = where
			} else if !reflect.DeepEqual(prev, t) {
				p.problem(where, fmt.Sprintf("$id %q is defined twice with different content; the first definition (%s) is used", id, p.idWhere[id]))
			}
		}
		for _, k := range sortedKeys(t) {
			p.register(t[k], where+"."+k, depth+1)
		}
	case []any:
		for i, x := range t {
			p.register(x, where+"["+strconv.Itoa(i)+"]", depth+1)
		}
	}
}

// entity returns the node of an entity object, or of the entity a
// {"$ref": ...} object names, creating it if need be; -1 when there is none.
// A new node's properties are filled in later by fill, from the queue, so
// that neither long chains of references nor deep nesting recurse.
func (p *alertParser) entity(v any, where string) int {
	m, ok := v.(map[string]any)
	if !ok {
		p.problem(where, fmt.Sprintf("entity is a %s, not an object", jsonType(v)))
		return -1
	}
	for hops := 0; m["$ref"] != nil; hops++ {
		id, _ := scalarString(m["$ref"])
		target, ok := p.ids[id]
		switch {
		case !ok:
			p.problem(where, fmt.Sprintf("$ref %q names no entity: no $id %q in these entities", id, id))
			return -1
		case hops >= maxRefHops:
			p.problem(where, fmt.Sprintf("$ref %q: chain of more than %d references", id, maxRefHops))
			return -1
		}
		m, where = target, p.idWhere[id]
	}
	id, _ := scalarString(m["$id"])
	if id != "" {
		if n, ok := p.nodeByID[id]; ok {
			return n
		}
	}
	typ, _ := scalarString(m["Type"])
	if strings.TrimSpace(typ) == "" {
		p.problem(where, "entity without Type; skipped")
		return -1
	}
	idx := p.g.add(&node{kind: ParseKind(typ), props: make(map[string]any, len(m)), where: where})
	if id != "" {
		p.nodeByID[id] = idx // before its children, so $ref loops end here
	}
	p.queue = append(p.queue, pendingNode{idx, m})
	return idx
}

// drain fills the properties and links of the queued nodes.
func (p *alertParser) drain() {
	for len(p.queue) > 0 {
		next := p.queue[0]
		p.queue = p.queue[1:]
		p.fill(p.g.nodes[next.node], next.raw)
	}
}

// fill sets n's properties from its raw object and links it to the entities
// the object holds.
func (p *alertParser) fill(n *node, m map[string]any) {
	known := n.kind.IsKnown()
	for _, k := range sortedKeys(m) {
		if k == "$id" || k == "Type" {
			continue
		}
		val, rel := m[k], lowerCamel(k)
		name := k
		if known {
			name = apiPropName(n.kind, k)
		} else {
			n.props[name] = val // unknown kinds keep every property as written
		}
		switch t := val.(type) {
		case map[string]any:
			if isEntityLike(t) {
				if c := p.entity(t, n.where+"."+k); c >= 0 {
					n.links = append(n.links, nodeLink{rel: rel, to: c})
				}
				continue
			}
		case []any:
			var rest []any
			for i, x := range t {
				if isEntityLike(x) {
					if c := p.entity(x, n.where+"."+k+"["+strconv.Itoa(i)+"]"); c >= 0 {
						n.links = append(n.links, nodeLink{rel: rel, to: c})
					}
				} else {
					rest = append(rest, x)
				}
			}
			switch {
			case len(rest) == len(t): // no entities in it: an ordinary list
			case len(rest) > 0:
				val = rest // the values beside the entities
			default:
				continue
			}
		}
		if known && !isBlank(val) {
			n.props[name] = cleanValue(val, 0)
		}
	}
}

// isEntityLike reports whether v is a nested entity: a {"$ref": ...} object,
// or an object with a string "Type" that has a "$id" or names a known kind; or
// a list holding one.
func isEntityLike(v any) bool {
	switch t := v.(type) {
	case map[string]any:
		if _, ok := t["$ref"]; ok {
			return true
		}
		typ, ok := t["Type"].(string)
		if !ok {
			return false
		}
		_, hasID := t["$id"]
		return hasID || ParseKind(typ).IsKnown()
	case []any:
		for _, x := range t {
			if isEntityLike(x) {
				return true
			}
		}
	}
	return false
}

// cleanValue drops serializer "$id" keys from nested objects and gives their
// plain identifier keys lower-camel names ("CountryCode" -> "countryCode").
func cleanValue(v any, depth int) any {
	if depth > maxValueDepth {
		return v
	}
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, x := range t {
			if k == "$id" {
				continue
			}
			if isIdent(k) {
				k = lowerCamel(k)
			}
			out[k] = cleanValue(x, depth+1)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, x := range t {
			out[i] = cleanValue(x, depth+1)
		}
		return out
	}
	return v
}

// sortIDs orders $id keys numerically when both are numbers, else as text.
func sortIDs(keys []string) []string {
	sort.SliceStable(keys, func(i, j int) bool {
		a, errA := strconv.ParseUint(keys[i], 10, 64)
		b, errB := strconv.ParseUint(keys[j], 10, 64)
		switch {
		case errA == nil && errB == nil:
			return a < b
		case errA == nil:
			return true
		case errB == nil:
			return false
		}
		return keys[i] < keys[j]
	})
	return keys
}

// jsonType names the JSON type of a decoded value.
func jsonType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "string"
	case bool:
		return "boolean"
	case map[string]any:
		return "object"
	case []any:
		return "list"
	}
	return "number"
}
