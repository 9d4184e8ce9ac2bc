package triage

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
)

// graphEvidencePrefix starts the @odata.type of every evidence item of a
// Microsoft Graph security alert.
const graphEvidencePrefix = "#microsoft.graph.security."

// ParseGraphEvidence parses the evidence of one Microsoft Graph security
// alert (alert.evidence: a list of items typed by "@odata.type", such as
// "#microsoft.graph.security.ipEvidence") into entities, the third wire
// format beside the incident-entities API and SecurityAlert.Entities. An
// evidence type without a mapping is kept whole as an entity of its own kind
// (the type's name, "kubernetesPodEvidence"), as unknown kinds are kept by
// the other parsers. Entities with the same key are merged; the order is that
// of the list. Malformed items are Problems naming where they are. It never
// panics.
func ParseGraphEvidence(data []byte, where string) ([]Entity, []Problem) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, nil
	}
	v, err := decodeJSON(data)
	if err != nil {
		return nil, []Problem{{Where: where, What: "evidence is not valid JSON: " + err.Error()}}
	}
	var elems []any
	switch t := v.(type) {
	case nil:
		return nil, nil
	case []any:
		elems = t
	default:
		return nil, []Problem{{Where: where, What: fmt.Sprintf("evidence is a %s, not a list", jsonType(v))}}
	}
	var g graph
	var probs []Problem
	for i, e := range elems {
		w := where + "[" + strconv.Itoa(i) + "]"
		m, ok := e.(map[string]any)
		if !ok {
			probs = append(probs, Problem{Where: w, What: fmt.Sprintf("element is a %s, not an evidence object", jsonType(e))})
			continue
		}
		typ, _ := scalarString(m["@odata.type"])
		name := strings.TrimPrefix(typ, graphEvidencePrefix)
		if strings.TrimSpace(name) == "" {
			probs = append(probs, Problem{Where: w, What: "evidence without @odata.type; skipped"})
			continue
		}
		n := &node{kind: Kind(name), props: make(map[string]any, len(m)), where: w + " (" + name + ")"}
		for k, x := range m {
			if k != "@odata.type" {
				n.props[k] = x
			}
		}
		g.add(n)
	}
	ents, kp := g.finish()
	return ents, capProblems(append(probs, kp...), where)
}
