package triage

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
)

// ParseAPIEntities parses entities as the Sentinel REST API returns them: the
// incident-entities body ({"entities": [{kind, properties}], "metaData": ...}),
// an entities list body ({"value": [...]}), a single entity object or a bare
// list. Properties named "...EntityId" or "...EntityIds" refer to other
// entities of the same body by their "name" GUID; they become Links
// ("hostEntityId" -> "host", "fileHashEntityIds" -> "fileHashes") and are
// removed from Properties. A reference to an entity that is not in the body
// stays in Properties and is reported as a Problem. Entities with the same key
// are merged; the order is that of the body. It never panics.
func ParseAPIEntities(data []byte, where string) ([]Entity, []Problem) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, nil
	}
	v, err := decodeJSON(data)
	if err != nil {
		return nil, []Problem{{Where: where, What: "entities are not valid JSON: " + err.Error()}}
	}
	var elems []any
	switch t := v.(type) {
	case nil:
		return nil, nil
	case []any:
		elems = t
	case map[string]any:
		switch {
		case t["entities"] != nil:
			list, ok := t["entities"].([]any)
			if !ok {
				return nil, []Problem{{Where: where, What: fmt.Sprintf(`"entities" is a %s, not a list`, jsonType(t["entities"]))}}
			}
			elems = list
		case t["value"] != nil:
			list, ok := t["value"].([]any)
			if !ok {
				return nil, []Problem{{Where: where, What: fmt.Sprintf(`"value" is a %s, not a list`, jsonType(t["value"]))}}
			}
			elems = list
		case t["kind"] != nil || t["properties"] != nil:
			elems = []any{t}
		case len(t) == 0:
			return nil, nil
		default:
			return nil, []Problem{{Where: where, What: fmt.Sprintf("no entities: an object with keys %s", strings.Join(sortedKeys(t), ", "))}}
		}
	default:
		return nil, []Problem{{Where: where, What: fmt.Sprintf("entities are a %s, not a list or an object", jsonType(v))}}
	}

	var g graph
	var probs []Problem
	byName := make(map[string]int)
	type pending struct {
		node  int
		prop  string // "hostEntityId"
		rel   string
		many  bool
		ids   []string
		where string
	}
	var refs []pending
	for i, e := range elems {
		w := where + "[" + strconv.Itoa(i) + "]"
		m, ok := e.(map[string]any)
		if !ok {
			probs = append(probs, Problem{Where: w, What: fmt.Sprintf("element is a %s, not an entity object", jsonType(e))})
			continue
		}
		kindText, _ := scalarString(m["kind"])
		if strings.TrimSpace(kindText) == "" {
			probs = append(probs, Problem{Where: w, What: "entity without kind; skipped"})
			continue
		}
		kind := ParseKind(kindText)
		name, _ := scalarString(m["name"])
		if name != "" {
			w += " (" + name + ")"
		}
		props, ok := m["properties"].(map[string]any)
		if !ok {
			if m["properties"] != nil {
				probs = append(probs, Problem{Where: w, What: fmt.Sprintf("properties are a %s, not an object", jsonType(m["properties"]))})
			}
			props = make(map[string]any) // flattened: the properties beside kind
			for k, x := range m {
				switch k {
				case "id", "name", "type", "kind", "etag", "systemData", "properties":
				default:
					props[k] = x
				}
			}
		}
		n := &node{kind: kind, props: make(map[string]any, len(props)), where: w}
		idx := g.add(n)
		for _, k := range sortedKeys(props) {
			rel, many, isLink := relFromEntityID(k)
			if !isLink {
				n.props[k] = props[k]
				continue
			}
			ids, ok := entityIDs(props[k])
			if !ok {
				n.props[k] = props[k]
				probs = append(probs, Problem{Where: w, What: fmt.Sprintf("%s is a %s, not an entity id", k, jsonType(props[k]))})
				continue
			}
			refs = append(refs, pending{node: idx, prop: k, rel: rel, many: many, ids: ids, where: w})
		}
		for _, id := range []string{name, lastSegment(stringOf(m["id"]))} {
			if id = strings.ToLower(id); id != "" {
				if _, dup := byName[id]; !dup {
					byName[id] = idx
				}
			}
		}
	}
	for _, r := range refs {
		n := g.nodes[r.node]
		var unresolved []any
		for _, id := range r.ids {
			if t, ok := byName[strings.ToLower(id)]; ok {
				n.links = append(n.links, nodeLink{rel: r.rel, to: t})
				continue
			}
			unresolved = append(unresolved, id)
			probs = append(probs, Problem{Where: r.where, What: fmt.Sprintf("%s %q names no entity in this response", r.prop, id)})
		}
		switch {
		case len(unresolved) == 0:
		case r.many:
			n.props[r.prop] = unresolved
		default:
			n.props[r.prop] = unresolved[0]
		}
	}
	ents, kp := g.finish()
	return ents, capProblems(append(probs, kp...), where)
}

// entityIDs reads an "...EntityId" (one id) or "...EntityIds" (a list) value.
func entityIDs(v any) ([]string, bool) {
	switch t := v.(type) {
	case nil:
		return nil, true
	case string:
		if strings.TrimSpace(t) == "" {
			return nil, true
		}
		return []string{strings.TrimSpace(t)}, true
	case []any:
		var ids []string
		for _, x := range t {
			s, ok := x.(string)
			if !ok {
				return nil, false
			}
			if s = strings.TrimSpace(s); s != "" {
				ids = append(ids, s)
			}
		}
		return ids, true
	}
	return nil, false
}

// stringOf returns v when it is a string, else "".
func stringOf(v any) string {
	s, _ := v.(string)
	return s
}
