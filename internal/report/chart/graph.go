package chart

import (
	"hash/fnv"
	"html/template"
	"math"
	"slices"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/triage-dev/triage/internal/english"
)

// groupInfo is how the nodes of one group are drawn.
type groupInfo struct {
	css   string
	shape shape
	name  string
	rank  int // legend order; lower is drawn later (on top)
	r     float64
}

// groups are the kinds of node with their own shape and colour; any other
// group is drawn as "other".
var groups = map[string]groupInfo{
	"incident": {"g-incident", star, "Incident", 0, 15},
	"alert":    {"g-alert", triangle, "Alert", 1, 10},
	"account":  {"g-account", circle, "Account", 2, 7},
	"host":     {"g-host", square, "Host", 3, 7},
	"ip":       {"g-ip", diamond, "IP", 4, 7},
	"url":      {"g-url", hexagon, "URL", 5, 7},
	"filehash": {"g-filehash", pentagon, "File hash", 6, 7},
	"file":     {"g-file", tall, "File", 7, 7},
	"process":  {"g-process", triangleDown, "Process", 8, 7},
	"mailbox":  {"g-mailbox", wide, "Mailbox", 9, 7},
}

// groupAliases maps other spellings of entity kinds to a group.
var groupAliases = map[string]string{
	"ipaddress": "ip", "hash": "filehash", "mailmessage": "mailbox", "user": "account",
	"machine": "host", "device": "host", "incidents": "incident", "alerts": "alert",
}

// groupOf returns the group's key and how it is drawn.
func groupOf(g string) (string, groupInfo) {
	k := strings.ToLower(strings.TrimSpace(g))
	if a, ok := groupAliases[k]; ok {
		k = a
	}
	if gi, ok := groups[k]; ok {
		return k, gi
	}
	name := fit(g, 20, 120, 11)
	if name == "" {
		name = "Other"
	}
	// Other kinds (Malware, RegistryKey, SecurityGroup...) each get one of
	// twelve colour and shape pairs, picked by the kind's name, so that
	// kinds side by side differ; the legend names them.
	h := fnv.New32a()
	h.Write([]byte(k))
	n := h.Sum32()
	return "other:" + k, groupInfo{"g-other gk" + itoa(int(n%6)), []shape{plus, octagon}[n/6%2], name, 10, 7}
}

// gnode is a node as drawn: one input node, or several collapsed into one.
type gnode struct {
	key     string // group key
	gi      groupInfo
	label   string
	class   string // severity css class, or ""
	sev     string // severity name
	detail  []string
	href    string
	members []int // input nodes it stands for
	same    bool  // all members have the same label
	x, y, r float64
}

func (n *gnode) isEntity() bool { return n.key != "incident" && n.key != "alert" }

// gmodel is a graph laid out, ready to draw.
type gmodel struct {
	w, h, top float64
	title     string
	in        []Node
	gn        []*gnode
	links     [][2]int
	labels    []string // of links
	legend    []legendItem
	placed    []label
	collapsed int // input nodes drawn in groups
}

// graph implements Graph.
func graph(nodes []Node, edges []Edge, o GraphOptions) template.HTML {
	m := buildGraph(nodes, edges, o)
	if len(m.gn) == 0 {
		return empty("graph", m.w, 120, m.title, "no entities")
	}
	return m.draw()
}

// buildGraph collapses and lays out the graph.
func buildGraph(nodes []Node, edges []Edge, o GraphOptions) *gmodel {
	w, h := float64(o.Width), float64(o.Height)
	if w <= 0 || h <= 0 {
		w, h = 960, 640
	}
	maxNodes := o.MaxNodes
	if maxNodes <= 0 {
		maxNodes = 150
	}
	title := o.Title
	if title == "" {
		title = "Entity graph"
	}

	// Input nodes, the first of each ID, and edges between known nodes.
	index := make(map[string]int, len(nodes))
	var in []Node
	for _, n := range nodes {
		if _, dup := index[n.ID]; dup || n.ID == "" {
			continue
		}
		index[n.ID] = len(in)
		in = append(in, n)
	}
	if len(in) == 0 {
		return &gmodel{w: w, h: h, title: title}
	}
	type pair struct{ a, b int }
	seen := map[pair]bool{}
	var links []pair
	edgeLabel := map[pair]string{}
	for _, e := range edges {
		a, okA := index[e.From]
		b, okB := index[e.To]
		if !okA || !okB || a == b {
			continue
		}
		if a > b {
			a, b = b, a
		}
		p := pair{a, b}
		if !seen[p] {
			seen[p] = true
			links = append(links, p)
			edgeLabel[p] = e.Label
		}
	}

	// Collapse beyond maxNodes: owner maps each input node to the drawn
	// node that stands for it.
	owner := make([]int, len(in))
	for i := range owner {
		owner[i] = i
	}
	adj := make([][]int, len(in))
	for _, l := range links {
		adj[l.a] = append(adj[l.a], l.b)
		adj[l.b] = append(adj[l.b], l.a)
	}
	keys := make([]string, len(in))
	infos := make([]groupInfo, len(in))
	for i, n := range in {
		keys[i], infos[i] = groupOf(n.Group)
	}
	collapsed := collapse(in, keys, adj, owner, maxNodes)

	// Drawn nodes.
	at := map[int]int{} // owner → drawn index
	var gn []*gnode
	for i, n := range in {
		o := owner[i]
		if j, ok := at[o]; ok {
			gn[j].members = append(gn[j].members, i)
			continue
		}
		at[o] = len(gn)
		g := &gnode{key: keys[i], gi: infos[i], label: n.Label, detail: n.Detail, href: n.Href, members: []int{i}}
		if g.label == "" {
			g.label = n.ID
		}
		if ci, ok := known[strings.ToLower(strings.TrimSpace(n.Class))]; ok {
			g.class, g.sev = ci.css, ci.name
		}
		gn = append(gn, g)
	}
	for _, g := range gn {
		g.r = g.gi.r
		g.same = true
		for _, m := range g.members {
			g.same = g.same && in[m].Label == g.label
		}
		if m := len(g.members); m > 1 {
			g.r += min(7, 1.6*math.Log2(float64(m)))
		}
	}
	var glinks [][2]int
	var glabels []string
	gseen := map[pair]bool{}
	for _, l := range links {
		a, b := at[owner[l.a]], at[owner[l.b]]
		if a == b {
			continue
		}
		if a > b {
			a, b = b, a
		}
		if gseen[pair{a, b}] {
			continue
		}
		gseen[pair{a, b}] = true
		glinks = append(glinks, [2]int{a, b})
		glabels = append(glabels, edgeLabel[l])
	}

	// Legend first: the layout keeps clear of it.
	var items []legendItem
	seenG := map[string]bool{}
	var order []*gnode
	order = append(order, gn...)
	sort.SliceStable(order, func(i, j int) bool { return order[i].gi.rank < order[j].gi.rank })
	for _, g := range order {
		if seenG[g.gi.name] || len(items) >= 14 {
			continue
		}
		seenG[g.gi.name] = true
		items = append(items, legendItem{"node " + g.gi.css, g.gi.shape, g.gi.name})
	}
	if o.Height <= 0 && o.Width <= 0 {
		// A small graph gets a shorter frame rather than a sea of space.
		h = math.Min(h, math.Max(300, 200+16*float64(len(gn))))
	}
	legendH := 16.0 * float64(1+int(legendWidth(items)/(w-16)))
	top := 12 + legendH

	layout(gn, glinks, 16, top, w-16, h-12)
	return &gmodel{w: w, h: h, top: top, title: title, in: in, gn: gn, links: glinks, labels: glabels,
		legend: items, placed: placeLabels(gn, w, h, top), collapsed: collapsed}
}

// draw renders the laid-out graph.
func (m *gmodel) draw() template.HTML {
	w, h, top, in, gn, glinks, glabels, placed, collapsed := m.w, m.h, m.top, m.in, m.gn, m.links, m.labels, m.placed, m.collapsed

	var b svg
	b.Grow(400*len(gn) + 80*len(glinks))
	desc := itoa(len(gn)) + " nodes, " + itoa(len(glinks)) + " links"
	if collapsed > 0 {
		desc += "; " + itoa(len(in)) + " nodes in all, " + itoa(collapsed) + " shown as groups"
	}
	b.open("graph", w, h, m.title, desc, true)
	b.WriteString(`<g class="viewport">`)
	b.WriteString(`<g class="edges">`)
	for i, l := range glinks {
		p, q := gn[l[0]], gn[l[1]]
		cls := "edge"
		if p.key == "incident" || q.key == "incident" {
			cls = "edge e-incident"
		}
		b.WriteString(`<path class="` + cls + `" data-a="` + itoa(l[0]) + `" data-b="` + itoa(l[1]) + `" d="M` + num(p.x) + " " + num(p.y) + "L" + num(q.x) + " " + num(q.y) + `">`)
		lines := []string{short(p.label, 60) + " — " + short(q.label, 60)}
		if glabels[i] != "" {
			lines = append([]string{glabels[i]}, lines...)
		}
		b.title(lines...)
		b.WriteString(`</path>`)
	}
	b.WriteString(`</g><g class="nodes">`)
	// Entities first, the incident last: on top.
	draw := make([]int, len(gn))
	for i := range draw {
		draw[i] = i
	}
	sort.SliceStable(draw, func(i, j int) bool { return gn[draw[i]].gi.rank > gn[draw[j]].gi.rank })
	deg := make([]int, len(gn))
	for _, l := range glinks {
		deg[l[0]]++
		deg[l[1]]++
	}
	for _, i := range draw {
		g := gn[i]
		linked := len(g.members) == 1 && b.link(g.href)
		cls := "node " + g.gi.css
		if g.class != "" {
			cls += " " + g.class
		}
		if len(g.members) > 1 {
			cls += " group"
		}
		b.WriteString(`<g class="` + cls + `" data-i="` + itoa(i) + `"`)
		if len(g.members) == 1 && plainKey(in[g.members[0]].Key) {
			b.WriteString(` data-k="` + in[g.members[0]].Key + `"`)
		}
		if !linked {
			// Focusable all the same, so the keyboard reaches every node
			// and its highlight (chart.js).
			b.WriteString(` tabindex="0"`)
		}
		b.WriteString(`>`)
		b.title(nodeTitle(g, in, deg[i])...)
		b.WriteString(`<path class="shape" d="` + g.gi.shape.path(g.x, g.y, g.r) + `"/>`)
		if len(g.members) > 1 {
			b.WriteString(`<path class="shape ring" d="` + g.gi.shape.path(g.x, g.y, g.r+3) + `"/>`)
		}
		if g.sev != "" && (g.key == "alert" || g.key == "incident") {
			dy := 3.5
			if g.key == "alert" {
				dy = 5
			}
			b.text(g.x, g.y+dy, "sev", `text-anchor="middle"`, g.sev[:1])
		}
		b.WriteString(`</g>`)
		if linked {
			b.WriteString(`</a>`)
		}
	}
	b.WriteString(`</g><g class="labels">`)
	for _, i := range draw {
		p := placed[i]
		cls := "lbl"
		if !p.shown {
			cls = "lbl minor"
		}
		b.text(p.x, p.y, cls, `data-i="`+itoa(i)+`" text-anchor="`+p.anchor+`"`, p.text)
	}
	b.WriteString(`</g></g>`)
	b.WriteString(`<rect class="legend-bg" x="0" y="0" width="` + num(w) + `" height="` + num(top-2) + `"/>`)
	b.legend(10, 18, w-10, m.legend)
	hint := "Drag to pan, wheel or +/− to zoom, 0 to reset"
	for _, g := range gn {
		if g.sev != "" && g.key == "alert" {
			hint = "Letter: severity. " + hint
			break
		}
	}
	if collapsed > 0 {
		hint = itoa(len(in)) + " nodes: similar entities grouped. " + hint
	}
	b.text(w-8, h-6, "hint", `text-anchor="end"`, hint)
	return b.html()
}

// groupLabel is the label of a collapsed node: "5 × name" when its
// members share a label, else "37 IP".
func groupLabel(g *gnode, n int) string {
	if g.same {
		return fit(itoa(len(g.members))+" × "+g.label, n, 6*float64(n), 10)
	}
	return itoa(len(g.members)) + " " + g.gi.name
}

func legendWidth(items []legendItem) float64 {
	w := 0.0
	for _, it := range items {
		w += 16 + textWidth(it.text, 11) + 14
	}
	return w
}

// nodeTitle is the hover text of a drawn node.
func nodeTitle(g *gnode, in []Node, degree int) []string {
	if len(g.members) > 1 {
		lines := []string{groupLabel(g, 300) + " (grouped: similar links)"}
		for i, m := range g.members {
			if i == 30 {
				lines = append(lines, "… and "+itoa(len(g.members)-30)+" more")
				break
			}
			l := in[m].Label
			if l == "" {
				l = in[m].ID
			}
			lines = append(lines, "• "+capText(l, 120))
		}
		return lines
	}
	kind := g.gi.name
	if g.sev != "" {
		kind += " · " + g.sev
	}
	lines := []string{capText(g.label, 300), kind + " · " + english.Plural(degree, "link", "links")}
	for i, d := range g.detail {
		if i == 20 {
			lines = append(lines, "…")
			break
		}
		lines = append(lines, capText(d, 200))
	}
	return lines
}

// collapse merges entities, then alerts, into groups until at most max
// nodes remain, recording in owner which node stands for each. Entities
// merge first when they are of one kind and link to the same alerts, then
// alerts of one name and severity, then entities of one kind under the
// same alert, then entities of one kind, then alerts of one severity;
// within a level the largest groups merge first. It returns how many input
// nodes ended up in a group.
func collapse(in []Node, keys []string, adj [][]int, owner []int, max int) int {
	n := len(in)
	if n <= max {
		return 0
	}
	// alerts returns, per current owner, the sorted owners of the
	// incidents and alerts its members link to.
	alerts := func() map[int][]int {
		m := map[int][]int{}
		for i := 0; i < n; i++ {
			if !isEntityKey(keys[i]) {
				continue
			}
			for _, j := range adj[i] {
				if !isEntityKey(keys[j]) {
					m[owner[i]] = append(m[owner[i]], owner[j])
				}
			}
		}
		for o, s := range m {
			slices.Sort(s)
			m[o] = slices.Compact(s)
		}
		return m
	}
	setKey := func(s []int) string {
		var b strings.Builder
		for _, x := range s {
			b.WriteString(itoa(x))
			b.WriteByte(',')
		}
		return b.String()
	}
	type level func(o int, as map[int][]int) string
	levels := []level{
		func(o int, as map[int][]int) string {
			if !isEntityKey(keys[o]) {
				return ""
			}
			return keys[o] + "\x00" + setKey(as[o])
		},
		func(o int, _ map[int][]int) string {
			if keys[o] != "alert" {
				return ""
			}
			return in[o].Class + "\x00" + in[o].Label
		},
		func(o int, as map[int][]int) string {
			if !isEntityKey(keys[o]) {
				return ""
			}
			return keys[o] + "\x00" + setKey(as[o])
		},
		func(o int, as map[int][]int) string {
			if !isEntityKey(keys[o]) {
				return ""
			}
			first := -1
			if s := as[o]; len(s) > 0 {
				first = s[0]
			}
			return keys[o] + "\x00" + itoa(first)
		},
		func(o int, _ map[int][]int) string {
			if !isEntityKey(keys[o]) {
				return ""
			}
			return keys[o]
		},
		func(o int, _ map[int][]int) string {
			if keys[o] != "alert" {
				return ""
			}
			return strings.ToLower(in[o].Class)
		},
	}
	drawn := n
	for _, key := range levels {
		if drawn <= max {
			break
		}
		as := alerts()
		// Candidate groups of current owners, largest first.
		byKey := map[string][]int{}
		var order []string
		done := make([]bool, n)
		for i := 0; i < n; i++ {
			o := owner[i]
			if done[o] {
				continue
			}
			done[o] = true
			k := key(o, as)
			if k == "" {
				continue
			}
			if _, ok := byKey[k]; !ok {
				order = append(order, k)
			}
			byKey[k] = append(byKey[k], o)
		}
		sort.SliceStable(order, func(i, j int) bool { return len(byKey[order[i]]) > len(byKey[order[j]]) })
		merge := map[int]int{}
		for _, k := range order {
			os := byKey[k]
			if len(os) < 2 || drawn <= max {
				continue
			}
			for _, o := range os[1:] {
				merge[o] = os[0]
			}
			drawn -= len(os) - 1
		}
		for i, o := range owner {
			if r, ok := merge[o]; ok {
				owner[i] = r
			}
		}
	}
	sizes := map[int]int{}
	for _, o := range owner {
		sizes[o]++
	}
	c := 0
	for _, s := range sizes {
		if s > 1 {
			c += s
		}
	}
	return c
}

func isEntityKey(k string) bool { return k != "incident" && k != "alert" }

// plainKey reports whether k is a Node.Key that may be written as is: a
// short run of lower-case letters, digits and hyphens.
func plainKey(k string) bool {
	if k == "" || len(k) > 64 {
		return false
	}
	for i := 0; i < len(k); i++ {
		if c := k[i]; !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// hash01 returns a number in [0, 1) from s, the layout's only source of
// variety, so that the same input gives the same drawing.
func hash01(s string, salt byte) float64 {
	h := fnv.New64a()
	h.Write([]byte{salt})
	h.Write([]byte(s))
	return float64(h.Sum64()>>11) / (1 << 53)
}

// layout places the nodes inside [x0, x1] × [y0, y1]: a force-directed
// layout (Fruchterman–Reingold, repulsion only between nodes of nearby
// grid cells), the first incident pinned at the centre, then a pass that
// pushes overlapping nodes apart.
func layout(gn []*gnode, links [][2]int, x0, y0, x1, y1 float64) {
	n := len(gn)
	cx, cy := (x0+x1)/2, (y0+y1)/2
	W, H := x1-x0, y1-y0
	k := math.Min(0.9*math.Sqrt(W*H/float64(n)), 110)
	adj := make([][]int, n)
	for _, l := range links {
		adj[l[0]] = append(adj[l[0]], l[1])
		adj[l[1]] = append(adj[l[1]], l[0])
	}
	pinned := -1
	for i, g := range gn {
		if g.key == "incident" {
			pinned = i
			break
		}
	}

	// Start: the incident at the centre, alerts on a ring, entities
	// near the first placed neighbour, all jittered by hashes of labels
	// and positions in the input.
	placed := make([]bool, n)
	var alerts []int
	for i, g := range gn {
		if i == pinned {
			g.x, g.y, placed[i] = cx, cy, true
		} else if !g.isEntity() {
			alerts = append(alerts, i)
		}
	}
	seed := func(i int, salt byte) float64 { return hash01(gn[i].label+"\x00"+itoa(i), salt) }
	ring := math.Min(math.Min(W, H)/3, k*math.Max(1.5, float64(len(alerts))/4))
	for j, i := range alerts {
		a := 2*math.Pi*float64(j)/float64(len(alerts)) + 0.3*seed(i, 1)
		gn[i].x, gn[i].y, placed[i] = cx+ring*math.Cos(a), cy+ring*math.Sin(a), true
	}
	for i, g := range gn {
		if placed[i] {
			continue
		}
		bx, by := cx, cy
		for _, j := range adj[i] {
			if placed[j] {
				bx, by = gn[j].x, gn[j].y
				break
			}
		}
		a := 2 * math.Pi * seed(i, 2)
		d := k * (0.5 + seed(i, 3))
		g.x, g.y, placed[i] = bx+d*math.Cos(a), by+d*math.Sin(a), true
	}

	iters := 300
	switch {
	case n > 400:
		iters = 120
	case n > 200:
		iters = 180
	}
	xs, ys := make([]float64, n), make([]float64, n)
	for i, g := range gn {
		xs[i], ys[i] = g.x, g.y
	}
	dx := make([]float64, n)
	dy := make([]float64, n)
	k2 := k * k
	reach := 4 * k2 // repulsion is cut off at 2k
	var cg cellGrid
	for it := 0; it < iters; it++ {
		temp := math.Max(math.Max(W, H)/10*(1-float64(it)/float64(iters)), 1)
		clear(dx)
		clear(dy)
		cg.build(xs, ys, 2*k)
		cg.pairs(func(i, j int) {
			ex, ey := xs[i]-xs[j], ys[i]-ys[j]
			d2 := ex*ex + ey*ey
			if d2 > reach {
				return
			}
			if d2 < 1e-6 {
				a := float64(i*7919+j*104729) * 0.618
				ex, ey, d2 = math.Cos(a)*0.1, math.Sin(a)*0.1, 0.01
			}
			f := k2 / d2 // (k²/d) / d: scales (ex, ey) to the force
			dx[i] += ex * f
			dy[i] += ey * f
			dx[j] -= ex * f
			dy[j] -= ey * f
		})
		for _, l := range links {
			a, c := l[0], l[1]
			ex, ey := xs[a]-xs[c], ys[a]-ys[c]
			f := math.Sqrt(ex*ex+ey*ey) / k // (d²/k) / d
			dx[a] -= ex * f
			dy[a] -= ey * f
			dx[c] += ex * f
			dy[c] += ey * f
		}
		for i := range xs {
			if i == pinned {
				continue
			}
			// Gravity keeps unlinked parts near the middle.
			dx[i] -= (xs[i] - cx) * 0.03
			dy[i] -= (ys[i] - cy) * 0.03
			d := math.Sqrt(dx[i]*dx[i] + dy[i]*dy[i])
			if d > 0 {
				s := math.Min(d, temp) / d
				xs[i] += dx[i] * s
				ys[i] += dy[i] * s
			}
		}
	}
	for i, g := range gn {
		g.x, g.y = xs[i], ys[i]
	}

	// Fit into the box around the centre, stretching each axis at most
	// 1.5 times and the two axes by at most 1.5 between them.
	ex, ey := 1e-9, 1e-9
	for _, g := range gn {
		ex = math.Max(ex, math.Abs(g.x-cx)+g.r+4)
		ey = math.Max(ey, math.Abs(g.y-cy)+g.r+4)
	}
	sx, sy := math.Min(W/2/ex, 1.5), math.Min(H/2/ey, 1.5)
	sx, sy = math.Min(sx, 1.5*sy), math.Min(sy, 1.5*sx)
	for _, g := range gn {
		g.x = cx + (g.x-cx)*sx
		g.y = cy + (g.y-cy)*sy
	}
	separate(gn, pinned, x0, y0, x1, y1)
}

// separate pushes apart nodes closer than their radii and a gap, keeping
// them in the box and the pinned node in place.
func separate(gn []*gnode, pinned int, x0, y0, x1, y1 float64) {
	const gap = 3.0
	maxR := 0.0
	n := len(gn)
	xs, ys := make([]float64, n), make([]float64, n)
	for i, g := range gn {
		maxR = math.Max(maxR, g.r)
		xs[i], ys[i] = g.x, g.y
	}
	var cg cellGrid
	for pass := 0; pass < 50; pass++ {
		cg.build(xs, ys, 2*maxR+gap)
		moved := false
		cg.pairs(func(i, j int) {
			ex, ey := xs[j]-xs[i], ys[j]-ys[i]
			need := gn[i].r + gn[j].r + gap
			d2 := ex*ex + ey*ey
			if d2 >= need*need {
				return
			}
			d := math.Sqrt(d2)
			if d < 1e-6 {
				a := float64(i*31+j*17) * 0.618
				ex, ey, d = math.Cos(a), math.Sin(a), 1
			}
			push := (need - d) / d * 1.02
			wi, wj := 0.5, 0.5
			if i == pinned {
				wi, wj = 0, 1
			} else if j == pinned {
				wi, wj = 1, 0
			}
			xs[i] -= ex * push * wi
			ys[i] -= ey * push * wi
			xs[j] += ex * push * wj
			ys[j] += ey * push * wj
			moved = true
		})
		for i, g := range gn {
			if i != pinned {
				xs[i] = math.Max(x0+g.r, math.Min(x1-g.r, xs[i]))
				ys[i] = math.Max(y0+g.r, math.Min(y1-g.r, ys[i]))
			}
		}
		if !moved {
			break
		}
	}
	for i, g := range gn {
		g.x, g.y = xs[i], ys[i]
	}
}

// cellGrid buckets points into square cells, so that pairs of near points
// are found without looking at all pairs.
type cellGrid struct {
	gw, gh int
	starts []int // cell c holds order[starts[c]:starts[c+1]]
	order  []int
	cellOf []int
	fill   []int
}

// build buckets the points (xs[i], ys[i]) into cells of side at least
// cell; the cells are made larger when the points are spread far apart.
func (g *cellGrid) build(xs, ys []float64, cell float64) {
	n := len(xs)
	mx, my, Mx, My := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for i := range xs {
		mx, my = math.Min(mx, xs[i]), math.Min(my, ys[i])
		Mx, My = math.Max(Mx, xs[i]), math.Max(My, ys[i])
	}
	g.gw, g.gh = int((Mx-mx)/cell)+1, int((My-my)/cell)+1
	if lim := 4*n + 16; g.gw*g.gh > lim {
		f := math.Sqrt(float64(g.gw*g.gh) / float64(lim))
		g.gw, g.gh = int(float64(g.gw)/f)+1, int(float64(g.gh)/f)+1
	}
	cw, ch := (Mx-mx)/float64(g.gw)+1e-9, (My-my)/float64(g.gh)+1e-9
	cells := g.gw * g.gh
	g.starts = slices.Grow(g.starts[:0], cells+1)[:cells+1]
	clear(g.starts)
	g.cellOf = slices.Grow(g.cellOf[:0], n)[:n]
	for i := range xs {
		c := min(int((ys[i]-my)/ch), g.gh-1)*g.gw + min(int((xs[i]-mx)/cw), g.gw-1)
		g.cellOf[i] = c
		g.starts[c+1]++
	}
	for c := 1; c <= cells; c++ {
		g.starts[c] += g.starts[c-1]
	}
	g.fill = append(g.fill[:0], g.starts[:cells]...)
	g.order = slices.Grow(g.order[:0], n)[:n]
	for i := range xs {
		g.order[g.fill[g.cellOf[i]]] = i
		g.fill[g.cellOf[i]]++
	}
}

// pairs calls fn once for each pair of points (i < j) in the same or
// adjacent cells.
func (g *cellGrid) pairs(fn func(i, j int)) {
	call := func(a, b int) {
		if a < b {
			fn(a, b)
		} else {
			fn(b, a)
		}
	}
	for cy := 0; cy < g.gh; cy++ {
		for cx := 0; cx < g.gw; cx++ {
			c := cy*g.gw + cx
			here := g.order[g.starts[c]:g.starts[c+1]]
			for p, i := range here {
				for _, j := range here[p+1:] {
					call(i, j)
				}
			}
			// Forward neighbours only, so each pair of cells is met once.
			for _, d := range [4][2]int{{1, 0}, {-1, 1}, {0, 1}, {1, 1}} {
				nx, ny := cx+d[0], cy+d[1]
				if nx < 0 || nx >= g.gw || ny >= g.gh {
					continue
				}
				nc := ny*g.gw + nx
				for _, i := range here {
					for _, j := range g.order[g.starts[nc]:g.starts[nc+1]] {
						call(i, j)
					}
				}
			}
		}
	}
}

// label is where a node's label goes.
type label struct {
	x, y   float64
	anchor string
	text   string
	shown  bool // false: only on hover or zoom
}

type rect struct{ x0, y0, x1, y1 float64 }

func (r rect) hits(o rect) bool { return r.x0 < o.x1 && o.x0 < r.x1 && r.y0 < o.y1 && o.y0 < r.y1 }

// placeLabels puts each node's shortened label beside it where it covers
// no node and no label placed before it, trying right, left, below and
// above, in order of importance. Labels that fit nowhere are shown only on
// hover or when zoomed in.
func placeLabels(gn []*gnode, w, h, top float64) []label {
	const cell = 40.0
	grid := map[[2]int][]rect{}
	add := func(r rect) {
		for y := int(r.y0 / cell); y <= int(r.y1/cell); y++ {
			for x := int(r.x0 / cell); x <= int(r.x1/cell); x++ {
				grid[[2]int{x, y}] = append(grid[[2]int{x, y}], r)
			}
		}
	}
	free := func(r rect) bool {
		if r.x0 < 2 || r.x1 > w-2 || r.y0 < top || r.y1 > h-14 {
			return false
		}
		for y := int(r.y0 / cell); y <= int(r.y1/cell); y++ {
			for x := int(r.x0 / cell); x <= int(r.x1/cell); x++ {
				for _, o := range grid[[2]int{x, y}] {
					if r.hits(o) {
						return false
					}
				}
			}
		}
		return true
	}
	for _, g := range gn {
		add(g.box())
	}
	order := make([]int, len(gn))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(i, j int) bool {
		a, b := gn[order[i]], gn[order[j]]
		if a.gi.rank != b.gi.rank && (a.gi.rank < 2 || b.gi.rank < 2) {
			return a.gi.rank < b.gi.rank
		}
		return len(a.members) > len(b.members)
	})
	texts := nodeLabels(gn)
	out := make([]label, len(gn))
	for _, i := range order {
		g := gn[i]
		t := texts[i]
		r := g.r * g.gi.shape.reach()
		cands := []label{
			{g.x + r + 3, g.y + 3.5, "start", t, true},
			{g.x - r - 3, g.y + 3.5, "end", t, true},
			{g.x, g.y + r + 11, "middle", t, true},
			{g.x, g.y - r - 4, "middle", t, true},
		}
		if g.key == "incident" {
			// The incident's label is worth more tries, farther out.
			for _, d := range []float64{12, 24, 36} {
				cands = append(cands, label{g.x, g.y + r + 11 + d, "middle", t, true}, label{g.x, g.y - r - 4 - d, "middle", t, true})
			}
		}
		out[i] = cands[0]
		out[i].shown = false
		for _, c := range cands {
			if r := c.box(); free(r) {
				add(r)
				out[i] = c
				break
			}
		}
	}
	return out
}

// box is the square a node's shape is drawn in (its radius times its
// shape's reach), which no label may enter.
func (g *gnode) box() rect {
	r := g.r * g.gi.shape.reach()
	return rect{g.x - r, g.y - r, g.x + r, g.y + r}
}

// labelFont is the size of the graph's labels (chart.css draws .lbl at it).
const labelFont = 10.0

// box is the room a label takes: its text's width as labelWidth estimates
// it, from above the tallest letter to below the lowest.
func (l label) box() rect {
	lw := labelWidth(l.text, labelFont)
	switch l.anchor {
	case "start":
		return rect{l.x, l.y - 9, l.x + lw, l.y + 3}
	case "end":
		return rect{l.x - lw, l.y - 9, l.x, l.y + 3}
	}
	return rect{l.x - lw/2, l.y - 9, l.x + lw/2, l.y + 3}
}

// labelWidth estimates, on the wide side, how wide s is drawn at size:
// a label placed by it never runs into its neighbour in the fonts a
// browser picks for chart.css's sans-serif. The widths are DejaVu Sans's
// (Debian's sans-serif, wider than Arial, Segoe UI or Roboto), rounded
// up: an em for m, W, @, % and the ellipsis the cut labels carry.
func labelWidth(s string, size float64) float64 {
	w := 0.0
	for _, r := range s {
		switch {
		case r > 0x2e80:
			w += 1.05
		case r == 'm' || r == 'W' || r == '@' || r == '%' || r == '…':
			w += 1
		case r == 'M' || r == 'w' || strings.ContainsRune("#+<=>^~", r):
			w += 0.87
		case unicode.IsUpper(r):
			w += 0.8
		case r == 'i' || r == 'l' || r == 'j' || r == '.' || r == ',' || r == ':' || r == '\'' || r == '|' || r == ' ':
			w += 0.34
		default:
			w += 0.64
		}
	}
	return w * size
}

// nodeLabels are the texts of the nodes' labels: each node's label cut in
// the middle to the room its kind gets, and every one distinct from the
// others (uniqueLabels); a group's says what it groups.
func nodeLabels(gn []*gnode) []string {
	full := make([]string, len(gn))
	room := make([]int, len(gn))
	for i, g := range gn {
		n := 18
		switch g.key {
		case "incident":
			n = 36
		case "alert":
			n = 26
		}
		full[i], room[i] = g.label, n
		if len(g.members) > 1 {
			full[i] = groupLabel(g, n)
			room[i] = utf8.RuneCountInString(full[i])
		}
	}
	return uniqueLabels(full, room)
}
