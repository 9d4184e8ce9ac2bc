package chart

import (
	"html/template"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/triage-dev/triage/internal/english"
)

const (
	// maxLanes is how many rows a Timeline draws; the rest share one.
	maxLanes = 40
	// maxListed is how many labels a mark's hover text lists.
	maxListed = 10
)

// axis draws a time axis along y from x0 to x1 for [a, b], with grid lines
// up to top, and returns nothing: x maps times.
func (b *svg) timeAxis(a, c time.Time, x0, x1, y, top float64) {
	x := func(t time.Time) float64 { return x0 + (x1-x0)*float64(t.Sub(a))/float64(c.Sub(a)) }
	st, ticks := chooseTicks(a, c, x1-x0)
	b.WriteString(`<g class="axis x" data-step="` + st.String() + `">`)
	b.WriteString(`<path class="domain" d="M` + num(x0) + " " + num(y) + "H" + num(x1) + `"/>`)
	for i, t := range ticks {
		tx := x(t)
		b.WriteString(`<path class="grid" d="M` + num(tx) + " " + num(top) + "V" + num(y+4) + `"/>`)
		anchor := `text-anchor="middle"`
		if i == 0 && tx-x0 < 30 {
			anchor = `text-anchor="start"`
		}
		if i == len(ticks)-1 && x1-tx < 30 {
			anchor = `text-anchor="end"`
		}
		b.text(tx, y+16, "tick", anchor, st.tickLabel(t, i == 0))
	}
	b.text(x1, y+30, "unit", `text-anchor="end"`, "UTC")
	b.WriteString(`</g>`)
}

// spanText describes [a, b] for screen readers.
func spanText(a, c time.Time) string {
	return a.Format("2006-01-02 15:04") + " to " + c.Format("2006-01-02 15:04") + " UTC"
}

// timeline implements Timeline.
func timeline(events []Event, o TimeOptions) template.HTML {
	w := float64(o.Width)
	if w <= 0 {
		w = 960
	}
	title := o.Title
	if title == "" {
		title = "Timeline"
	}
	var evs []Event
	var ts []time.Time
	for _, e := range events {
		if !e.Time.IsZero() {
			evs = append(evs, e)
			ts = append(ts, e.Time)
		}
	}
	if len(evs) == 0 {
		return empty("timeline", w, 80, title, "no events")
	}
	a, c := timeRange(ts, o)
	if o.Start.IsZero() || o.End.IsZero() {
		pad := c.Sub(a) / 40
		if o.Start.IsZero() {
			a = a.Add(-pad)
		}
		if o.End.IsZero() {
			c = c.Add(pad)
		}
	}

	// Lanes: as asked, then in order of appearance; beyond maxLanes, one
	// shared lane.
	laneOf := map[string]int{}
	var lanes []string
	add := func(l string) {
		if _, ok := laneOf[l]; !ok {
			laneOf[l] = len(lanes)
			lanes = append(lanes, l)
		}
	}
	for _, l := range o.Lanes {
		add(l)
	}
	sorted := slices.Clone(evs)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Time.Before(sorted[j].Time) })
	for _, e := range sorted {
		add(e.Lane)
	}
	rest := 0
	if len(lanes) > maxLanes {
		rest = len(lanes) - (maxLanes - 1)
		for _, l := range lanes[maxLanes-1:] {
			laneOf[l] = maxLanes - 1
		}
		lanes = append(lanes[:maxLanes-1], "")
	}

	var cs classes
	for _, e := range sorted {
		cs.get(e.Class)
	}
	const laneH, labelW = 24.0, 170.0
	x0, x1 := labelW, w-16
	var lg svg
	top := lg.legendOf(&cs, 8, 16, w-8) + 18
	h := top + laneH*float64(len(lanes)) + 44
	x := func(t time.Time) float64 { return x0 + (x1-x0)*float64(t.Sub(a))/float64(c.Sub(a)) }

	var b svg
	b.Grow(256 * len(evs))
	b.open("timeline", w, h, title, itoa(len(evs))+" events on "+itoa(len(lanes))+" rows, "+spanText(a, c), false)
	b.WriteString(lg.String())
	// Lanes and their labels.
	b.WriteString(`<g class="lanes">`)
	for i, l := range lanes {
		y := top + laneH*float64(i)
		cls := "lane"
		if i%2 == 1 {
			cls = "lane odd"
		}
		b.WriteString(`<rect class="` + cls + `" x="0" y="` + num(y) + `" width="` + num(w) + `" height="` + num(laneH) + `"/>`)
		text := l
		if rest > 0 && i == len(lanes)-1 {
			text = english.Plural(rest, "more row", "more rows")
		} else if strings.TrimSpace(text) == "" {
			text = "(none)"
		}
		b.WriteString(`<g class="lane-label">`)
		b.title(clean(text))
		b.text(x0-8, y+laneH/2+4, "", `text-anchor="end"`, fit(text, 30, labelW-28, 11)) // room for fonts wider than the estimate
		b.WriteString(`</g>`)
	}
	b.WriteString(`</g>`)
	b.timeAxis(a, c, x0, x1, top+laneH*float64(len(lanes)), top)

	// Marks: events of a lane closer than a mark's width share one mark
	// that shows their count.
	byLane := make([][]Event, len(lanes))
	for _, e := range sorted {
		if e.Time.Before(a) || e.Time.After(c) {
			continue
		}
		i := laneOf[e.Lane]
		byLane[i] = append(byLane[i], e)
	}
	b.WriteString(`<g class="marks">`)
	for i, es := range byLane {
		y := top + laneH*float64(i) + laneH/2
		for j := 0; j < len(es); {
			k := j + 1
			for k < len(es) && x(es[k].Time)-x(es[j].Time) < 9 {
				k++
			}
			b.timeMark(es[j:k], &cs, x(es[j].Time), y)
			j = k
		}
	}
	b.WriteString(`</g>`)
	return b.html()
}

// timeMark draws the events es, close in time on one lane, as one mark.
func (b *svg) timeMark(es []Event, cs *classes, x, y float64) {
	top := cs.get(es[0].Class)
	for _, e := range es[1:] {
		if ci := cs.get(e.Class); ci.rank < top.rank {
			top = ci
		}
	}
	lines := make([]string, 0, min(len(es), maxListed)+2)
	if len(es) > 1 {
		lines = append(lines, itoa(len(es))+" events")
	}
	for i, e := range es {
		if i == maxListed {
			lines = append(lines, "… and "+itoa(len(es)-maxListed)+" more")
			break
		}
		line := e.Time.UTC().Format("2006-01-02 15:04:05") + " UTC"
		if e.Class != "" {
			line += " · " + cs.get(e.Class).name
		}
		if e.Label != "" {
			line += " · " + capText(e.Label, 200)
		}
		lines = append(lines, line)
	}
	linked := len(es) == 1 && b.link(es[0].Href)
	b.WriteString(`<g class="mark ` + top.css + `">`)
	b.title(lines...)
	b.WriteString(`<path d="` + top.shape.path(x, y, 6) + `"/>`)
	if len(es) > 1 {
		b.text(x+7, y-4, "count", "", itoa(len(es)))
	}
	b.WriteString(`</g>`)
	if linked {
		b.WriteString(`</a>`)
	}
}

// legendOf writes a legend of the classes met, if there are any named.
func (b *svg) legendOf(cs *classes, x, y, maxX float64) float64 {
	var items []legendItem
	for _, k := range cs.order {
		ci := cs.info[k]
		if k == "" && len(cs.order) == 1 {
			return y
		}
		name := ci.name
		if k == "" {
			name = "Unclassified"
		}
		items = append(items, legendItem{ci.css, ci.shape, name})
	}
	slices.SortStableFunc(items, func(p, q legendItem) int { return cs.rankOf(p.css) - cs.rankOf(q.css) })
	_, y = b.legend(x, y, maxX, items)
	return y
}

func (cs *classes) rankOf(css string) int {
	for _, ci := range cs.info {
		if ci.css == css {
			return ci.rank
		}
	}
	return 99
}

// histogram implements Histogram.
func histogram(events []Event, o TimeOptions) template.HTML {
	w := float64(o.Width)
	if w <= 0 {
		w = 960
	}
	title := o.Title
	if title == "" {
		title = "Events over time"
	}
	var ts []time.Time
	for _, e := range events {
		if !e.Time.IsZero() {
			ts = append(ts, e.Time)
		}
	}
	if len(ts) == 0 {
		return empty("histogram", w, 80, title, "no events")
	}
	a, c := timeRange(ts, o)
	bk := chooseBucket(a, c, 60)
	start := bk.floor(a)
	var edges []time.Time
	for t := start; len(edges) < 2 || edges[len(edges)-1].Before(c); t = bk.next(t) {
		edges = append(edges, t)
	}
	end := edges[len(edges)-1]
	nb := len(edges) - 1

	// Classes: as asked, then known severities and outcomes by rank, then
	// the others in order of appearance.
	var cs classes
	for _, k := range o.Classes {
		cs.get(k)
	}
	var seen []string
	distinct := map[string]bool{}
	for _, e := range events {
		if !distinct[e.Class] {
			distinct[e.Class] = true
			seen = append(seen, e.Class)
		}
	}
	slices.SortStableFunc(seen, func(p, q string) int {
		rp, rq := 50, 50
		if ci, ok := known[strings.ToLower(strings.TrimSpace(p))]; ok {
			rp = ci.rank
		}
		if ci, ok := known[strings.ToLower(strings.TrimSpace(q))]; ok {
			rq = ci.rank
		}
		return rp - rq
	})
	for _, k := range seen {
		cs.get(k)
	}
	idx := map[string]int{}
	for i, k := range cs.order {
		idx[k] = i
	}
	nc := len(cs.order)
	counts := make([]int, nb*nc)
	labels := make([][]string, nb*nc)
	totals := make([]int, nb)
	perClass := make([]int, nc)
	dropped := 0
	for _, e := range events {
		t := e.Time.UTC()
		if e.Time.IsZero() || t.Before(a) || t.After(c) {
			dropped++
			continue
		}
		i := sort.Search(nb, func(i int) bool { return edges[i+1].After(t) })
		if i == nb {
			i = nb - 1
		}
		j := idx[strings.ToLower(strings.TrimSpace(e.Class))]
		counts[i*nc+j]++
		totals[i]++
		perClass[j]++
		if l := e.Label; l != "" && len(labels[i*nc+j]) <= maxListed {
			labels[i*nc+j] = append(labels[i*nc+j], capText(l, 120))
		}
	}
	maxT := slices.Max(totals)

	x0, x1 := 48.0, w-16
	// The legend gives each class's total.
	var items []legendItem
	for j, k := range cs.order {
		if perClass[j] == 0 && len(o.Classes) == 0 {
			continue
		}
		ci := cs.info[k]
		name := ci.name
		if k == "" {
			name = "Unclassified"
		}
		items = append(items, legendItem{ci.css, ci.shape, name + " " + count(float64(perClass[j]))})
	}
	var lg svg
	_, ly := lg.legend(x0, 16, x1-60, items)
	top := ly + 24
	h := top + 200
	y1 := h - 44
	ymax, ystep := niceMax(float64(maxT), 4)
	y := func(v float64) float64 { return y1 - (y1-top)*v/ymax }
	x := func(t time.Time) float64 { return x0 + (x1-x0)*float64(t.Sub(start))/float64(end.Sub(start)) }

	var b svg
	b.Grow(200 * nb * nc)
	b.open("histogram", w, h, title, itoa(len(ts)-dropped)+" events in buckets of "+bk.String()+", "+spanText(start, end), false)
	b.WriteString(lg.String())
	b.text(x1, 16, "unit", `text-anchor="end"`, "per "+bk.String())
	// Value axis.
	b.WriteString(`<g class="axis y">`)
	for v := 0.0; v <= ymax; v += ystep {
		b.WriteString(`<path class="grid" d="M` + num(x0) + " " + num(y(v)) + "H" + num(x1) + `"/>`)
		b.text(x0-6, y(v)+4, "tick", `text-anchor="end"`, count(v))
	}
	b.WriteString(`</g>`)
	b.timeAxis(start, end, x0, x1, y1, top)
	b.WriteString(`<g class="bars">`)
	for i := 0; i < nb; i++ {
		if totals[i] == 0 {
			continue
		}
		bx0, bx1 := x(edges[i]), x(edges[i+1])
		gap := min(2, (bx1-bx0)/5)
		bx0, bx1 = bx0+gap/2, bx1-gap/2
		when := edges[i].Format("Jan 2 15:04") + " – " + edges[i+1].Format("Jan 2 15:04") + " UTC"
		acc := 0
		for j, k := range cs.order {
			n := counts[i*nc+j]
			if n == 0 {
				continue
			}
			ci := cs.info[k]
			ya, yb := y(float64(acc+n)), y(float64(acc))
			acc += n
			lines := []string{when, ci.name + ": " + count(float64(n))}
			if k == "" {
				lines[1] = count(float64(n)) + " events"
			}
			for li, l := range labels[i*nc+j] {
				if li == maxListed {
					lines = append(lines, "…")
					break
				}
				lines = append(lines, "• "+l)
			}
			b.WriteString(`<g class="mark ` + ci.css + `">`)
			b.title(lines...)
			b.WriteString(`<rect x="` + num(bx0) + `" y="` + num(ya) + `" width="` + num(bx1-bx0) + `" height="` + num(yb-ya) + `"/>`)
			// A glyph of the class's shape where it fits, so that the
			// stacks read without colour.
			if nc > 1 && yb-ya >= 12 && bx1-bx0 >= 10 {
				b.WriteString(`<path class="glyph" d="` + ci.shape.path((bx0+bx1)/2, (ya+yb)/2, 3.5) + `"/>`)
			}
			b.WriteString(`</g>`)
		}
		if bx1-bx0 >= 14 || nb <= 40 {
			b.text((bx0+bx1)/2, y(float64(totals[i]))-3, "val", `text-anchor="middle"`, count(float64(totals[i])))
		}
	}
	b.WriteString(`</g>`)
	return b.html()
}
