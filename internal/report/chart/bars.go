package chart

import (
	"html/template"
	"math"
)

// maxBars is how many bars a chart draws; it says how many it left out.
const maxBars = 100

// barChart implements Bars.
func barChart(bars []Bar, o BarOptions) template.HTML {
	w := float64(o.Width)
	if w <= 0 {
		w = 480
	}
	title := o.Title
	if title == "" {
		title = "Counts"
	}
	if len(bars) == 0 {
		return empty("bars", w, 60, title, "no data")
	}
	more := 0
	if len(bars) > maxBars {
		more = len(bars) - maxBars
		bars = bars[:maxBars]
	}
	ns := len(o.Series)
	for _, br := range bars {
		ns = max(ns, len(br.Values))
	}
	ns = max(ns, 1)
	// Series styles: a known class by name, else the next free one.
	var cs classes
	series := make([]classInfo, ns)
	names := make([]string, ns)
	for i := range series {
		if i < len(o.Series) {
			names[i] = o.Series[i]
		}
		if names[i] == "" && ns == 1 {
			series[i] = classInfo{css: "k5", shape: square}
			continue
		}
		if names[i] == "" {
			names[i] = "Series " + itoa(i+1)
		}
		series[i] = cs.get(names[i])
	}
	value := func(v float64) float64 {
		if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
			return 0
		}
		return v
	}
	maxT := 0.0
	totals := make([]float64, len(bars))
	for i, br := range bars {
		for _, v := range br.Values {
			totals[i] += value(v)
		}
		maxT = math.Max(maxT, totals[i])
	}

	const rowH, fs = 20.0, 11.0
	top := 6.0
	if ns > 1 {
		top = 26
	}
	labelW := math.Min(150, w*0.38)
	valW := 10 + textWidth(count(maxT), fs)
	x0, x1 := labelW+8, w-valW-4
	h := top + rowH*float64(len(bars)) + 6
	if more > 0 {
		h += rowH
	}
	chars := int(labelW / (0.3 * fs))

	var b svg
	b.Grow(400 * len(bars))
	b.open("bars", w, h, title, itoa(len(bars)+more)+" bars", false)
	if ns > 1 {
		items := make([]legendItem, ns)
		for i, ci := range series {
			name := fit(names[i], 24, 150, 11)
			if _, ok := known[ci.css]; ok {
				name = ci.name
			}
			items[i] = legendItem{ci.css, ci.shape, name}
		}
		b.legend(8, 16, w-8, items)
	}
	for i, br := range bars {
		y := top + rowH*float64(i)
		linked := b.link(br.Href)
		b.WriteString(`<g class="row">`)
		b.WriteString(`<g class="bar-label">`)
		b.title(clean(br.Label))
		b.text(labelW, y+rowH/2+4, "", `text-anchor="end"`, fit(br.Label, chars, labelW-16, fs)) // room for fonts wider than the estimate
		b.WriteString(`</g>`)
		x := x0
		for j := 0; j < ns; j++ {
			v := 0.0
			if j < len(br.Values) {
				v = value(br.Values[j])
			}
			if v == 0 || maxT == 0 {
				continue
			}
			bw := (x1 - x0) * v / maxT
			ci := series[j]
			b.WriteString(`<g class="mark ` + ci.css + `">`)
			line := short(br.Label, 120) + ": " + count(v)
			if names[j] != "" {
				line = short(br.Label, 120) + " · " + names[j] + ": " + count(v)
			}
			b.title(line)
			b.WriteString(`<rect x="` + num(x) + `" y="` + num(y+3) + `" width="` + num(math.Max(bw, 0.5)) + `" height="` + num(rowH-6) + `"/>`)
			if ns > 1 && bw >= 10 {
				b.WriteString(`<path class="glyph" d="` + ci.shape.path(x+bw/2, y+rowH/2, 3.5) + `"/>`)
			}
			b.WriteString(`</g>`)
			x += bw
		}
		b.text(x+4, y+rowH/2+4, "val", "", count(totals[i]))
		b.WriteString(`</g>`)
		if linked {
			b.WriteString(`</a>`)
		}
	}
	if more > 0 {
		b.text(labelW, top+rowH*float64(len(bars))+rowH/2+4, "tick", `text-anchor="end"`, "… "+itoa(more)+" more")
	}
	return b.html()
}
