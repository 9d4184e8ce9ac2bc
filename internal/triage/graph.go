package triage

import "fmt"

// graph is the entities of one payload before their keys are known: nodes
// with properties and links to other nodes by index. Both parsers build one
// and call finish.
type graph struct {
	nodes []*node
}

// node is one entity of a graph.
type node struct {
	kind  Kind
	props map[string]any
	links []nodeLink
	where string // for problems: "alert x entities[3].Host"

	key    string
	keyErr error
	state  uint8 // keyNew, keyBusy or keyDone
}

// nodeLink is a link to another node of the same graph.
type nodeLink struct {
	rel string
	to  int
}

const (
	keyNew uint8 = iota
	keyBusy
	keyDone
)

// add appends n and returns its index.
func (g *graph) add(n *node) int {
	g.nodes = append(g.nodes, n)
	return len(g.nodes) - 1
}

// keyOf computes node i's key, first computing the keys it depends on
// (keyDeps). A node met again while its key is being computed counts as
// absent, so even a malformed graph cannot make this loop.
func (g *graph) keyOf(i int) string {
	n := g.nodes[i]
	switch n.state {
	case keyDone:
		return n.key
	case keyBusy:
		return ""
	}
	n.state = keyBusy
	deps := keyDeps[n.kind]
	links := func(rel string, want Kind) []string {
		if deps[rel] != want {
			return nil
		}
		var out []string
		for _, l := range n.links {
			if l.rel == rel && g.nodes[l.to].kind == want {
				if k := g.keyOf(l.to); k != "" {
					out = append(out, keyValue(want, k))
				}
			}
		}
		return out
	}
	n.key, n.keyErr = entityKey(n.kind, n.props, links)
	n.state = keyDone
	return n.key
}

// finish computes keys and names and returns the entities in the order their
// nodes were added, nodes with the same key merged into the first, and a
// problem for each entity whose identity is missing or malformed.
func (g *graph) finish() ([]Entity, []Problem) {
	var probs []Problem
	for i, n := range g.nodes {
		g.keyOf(i)
		if n.keyErr != nil {
			probs = append(probs, Problem{Where: n.where, What: n.keyErr.Error()})
		}
	}
	var out []Entity
	pos := make(map[string]int, len(g.nodes))
	for _, n := range g.nodes {
		linked := func(rel string, want Kind) map[string]any {
			for _, l := range n.links {
				if t := g.nodes[l.to]; l.rel == rel && t.kind == want {
					return t.props
				}
			}
			return nil
		}
		e := Entity{
			Kind:       n.kind,
			Key:        n.key,
			Name:       displayName(n.kind, n.key, n.props, linked),
			Properties: n.props,
		}
		links := make([]Link, 0, len(n.links))
		for _, l := range n.links {
			if k := g.nodes[l.to].key; k != n.key {
				links = append(links, Link{Rel: l.rel, Key: k})
			}
		}
		e.Links = union(nil, links)
		if i, ok := pos[e.Key]; ok {
			mergeEntity(&out[i], e)
			continue
		}
		pos[e.Key] = len(out)
		out = append(out, e)
	}
	return out, probs
}

// mergeEntity merges src into dst, which has the same key: properties are
// unioned with dst's values winning (a null or empty value of dst does not
// win over a real one) except Defender's verdict, where the worse wins
// (mergeVerdict); links and alert ids are unioned. dst's
// maps and slices must be its own.
func mergeEntity(dst *Entity, src Entity) {
	if dst.Properties == nil && len(src.Properties) > 0 {
		dst.Properties = make(map[string]any, len(src.Properties))
	}
	for k, v := range src.Properties {
		if old, ok := dst.Properties[k]; !ok || (isBlank(old) && !isBlank(v)) {
			dst.Properties[k] = v
		}
	}
	mergeVerdict(dst.Properties, src.Properties)
	dst.Links = union(dst.Links, src.Links)
	dst.Alerts = union(dst.Alerts, src.Alerts)
	if dst.Name == "" {
		dst.Name = src.Name
	}
}

// union appends to dst the values of src it does not hold yet, in order.
func union[T comparable](dst, src []T) []T {
	if len(src) == 0 {
		return dst
	}
	if len(dst)+len(src) <= 16 {
	next:
		for _, x := range src {
			for _, y := range dst {
				if x == y {
					continue next
				}
			}
			dst = append(dst, x)
		}
		return dst
	}
	seen := make(map[T]bool, len(dst)+len(src))
	for _, y := range dst {
		seen[y] = true
	}
	for _, x := range src {
		if !seen[x] {
			seen[x] = true
			dst = append(dst, x)
		}
	}
	return dst
}

// maxProblems is how many problems one parse reports; the rest are counted.
const maxProblems = 50

// capProblems keeps the first maxProblems problems, shortens long Where
// texts, and sums up the ones it drops.
func capProblems(probs []Problem, where string) []Problem {
	for i := range probs {
		probs[i].Where = truncate(probs[i].Where, 200)
	}
	if len(probs) <= maxProblems {
		return probs
	}
	n := len(probs) - maxProblems
	return append(probs[:maxProblems:maxProblems], Problem{Where: where, What: fmt.Sprintf("%d more problems not shown", n)})
}
