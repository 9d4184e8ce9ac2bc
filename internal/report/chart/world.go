package chart

//go:generate go run gen_world.go

import (
	_ "embed"
	"html/template"
	"math"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/triage-dev/triage/internal/report/chart/internal/projection"
)

// worldTxt holds the countries' outlines, projected: made with Natural
// Earth (public domain) via world-atlas 2.0.2 (ISC licence, see
// LICENSE.world-atlas) by gen_world.go.
//
//go:embed world.txt
var worldTxt string

// project returns the position of a place in the map's frame.
func project(lat, lon float64) (float64, float64) { return projection.Frame(lat, lon) }

var world struct {
	once   sync.Once
	h      float64 // frame height
	markup string  // the countries' <path>s, in frame units
}

// land returns the countries' markup and the frame's height.
func land() (string, float64) {
	world.once.Do(func() {
		var b strings.Builder
		b.Grow(len(worldTxt) + 8000)
		for _, line := range strings.Split(worldTxt, "\n") {
			if line == "" || line[0] == '#' {
				continue
			}
			if f, ok := strings.CutPrefix(line, "frame "); ok {
				if _, hs, ok := strings.Cut(f, " "); ok {
					world.h, _ = strconv.ParseFloat(hs, 64)
				}
				continue
			}
			name, d, ok := strings.Cut(line, "\t")
			if !ok {
				continue
			}
			b.WriteString(`<path class="land" d="`)
			b.WriteString(esc(d))
			b.WriteString(`"><title>`)
			b.WriteString(esc(name))
			b.WriteString(`</title></path>`)
		}
		world.markup = b.String()
	})
	return world.markup, world.h
}

// spot is one mark of the map: the points that fall on the same place.
type spot struct {
	x, y   float64
	weight float64
	pts    []Point
	ci     classInfo
}

// worldMap implements WorldMap.
func worldMap(points []Point, o MapOptions) template.HTML {
	w := float64(o.Width)
	if w <= 0 {
		w = 960
	}
	title := o.Title
	if title == "" {
		title = "Locations"
	}
	countries, fh := land()
	s := w / projection.FrameWidth
	h := math.Ceil(fh*s) + 22

	// Points on the same few pixels make one spot.
	var cs classes
	cells := map[[2]int]*spot{}
	var spots []*spot
	bad := 0
	for _, p := range points {
		if math.IsNaN(p.Latitude) || math.IsNaN(p.Longitude) || math.Abs(p.Latitude) > 90 || math.Abs(p.Longitude) > 180 {
			bad++
			continue
		}
		x, y := project(p.Latitude, p.Longitude)
		x, y = x*s, y*s
		c := [2]int{int(math.Round(x / 4)), int(math.Round(y / 4))}
		sp := cells[c]
		if sp == nil {
			sp = &spot{x: x, y: y}
			cells[c] = sp
			spots = append(spots, sp)
		}
		wt := p.Weight
		if math.IsNaN(wt) || math.IsInf(wt, 0) || wt < 0 {
			wt = 0
		}
		sp.weight += wt
		sp.pts = append(sp.pts, p)
		ci := cs.get(p.Class)
		if len(sp.pts) == 1 || ci.rank < sp.ci.rank {
			sp.ci = ci
		}
	}
	maxW := 0.0
	for _, sp := range spots {
		maxW = math.Max(maxW, sp.weight)
	}
	radius := func(sp *spot) float64 {
		r := 3.0
		if maxW > 0 {
			r += 13 * math.Sqrt(sp.weight/maxW)
		}
		return r * math.Max(0.6, w/960)
	}
	// The largest first, so that small spots stay on top and visible.
	sort.SliceStable(spots, func(i, j int) bool { return spots[i].weight > spots[j].weight })

	var b svg
	b.Grow(len(countries) + 300*len(spots) + 1000)
	desc := itoa(len(points)-bad) + " located points"
	if bad > 0 {
		desc += ", " + itoa(bad) + " without a valid location left out"
	}
	if len(points)-bad == 0 {
		desc = "no located addresses"
	}
	b.open("map", w, h, title, desc, true)
	b.WriteString(`<g class="viewport"><rect class="sea" x="0" y="0" width="` + num(w) + `" height="` + num(h) + `"/>`)
	b.WriteString(`<g class="countries" transform="scale(` + strconv.FormatFloat(s, 'g', 6, 64) + `)">`)
	b.WriteString(countries)
	b.WriteString(`</g><g class="points">`)
	for _, sp := range spots {
		lines := make([]string, 0, min(len(sp.pts), maxListed)+2)
		if len(sp.pts) > 1 {
			lines = append(lines, itoa(len(sp.pts))+" points here, activity "+count(sp.weight))
		}
		for i, p := range sp.pts {
			if i == maxListed {
				lines = append(lines, "… and "+itoa(len(sp.pts)-maxListed)+" more")
				break
			}
			line := capText(p.Label, 200)
			if line == "" {
				line = "(unnamed)"
			}
			line += " · " + strconv.FormatFloat(p.Latitude, 'f', 2, 64) + ", " + strconv.FormatFloat(p.Longitude, 'f', 2, 64)
			if p.Weight > 0 {
				line += " · activity " + count(p.Weight)
			}
			if p.Class != "" {
				line += " · " + cs.get(p.Class).name
			}
			lines = append(lines, line)
		}
		r := radius(sp)
		linked := len(sp.pts) == 1 && b.link(sp.pts[0].Href)
		b.WriteString(`<g class="mark pt ` + sp.ci.css + `">`)
		b.title(lines...)
		b.WriteString(`<path d="` + sp.ci.shape.path(sp.x, sp.y, r) + `"/>`)
		if len(sp.pts) > 1 {
			b.text(sp.x+r*0.75+1, sp.y-r*0.75, "count", "", itoa(len(sp.pts)))
		}
		b.WriteString(`</g>`)
		if linked {
			b.WriteString(`</a>`)
		}
	}
	b.WriteString(`</g></g>`)
	y := h - 7
	var items []legendItem
	if !(len(cs.order) == 1 && cs.order[0] == "") {
		for _, k := range cs.order {
			ci := cs.info[k]
			name := ci.name
			if k == "" {
				name = "Unclassified"
			}
			items = append(items, legendItem{ci.css, ci.shape, name})
		}
	}
	sort.SliceStable(items, func(i, j int) bool { return cs.rankOf(items[i].css) < cs.rankOf(items[j].css) })
	x, _ := b.legend(8, y, w*0.6, items)
	if len(spots) > 0 {
		b.text(x, y, "credit", "", "Size: activity; number: points at one place")
	} else {
		b.text(w/2, h/2, "empty", `text-anchor="middle"`, "no located addresses")
	}
	b.text(w-8, y, "credit", `text-anchor="end"`, "Map: Natural Earth")
	return b.html()
}
