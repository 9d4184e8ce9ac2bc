package chart

import (
	"math"
	"strings"
)

// A shape is drawn as path data around a centre, so that marks can be told
// apart without colour.
type shape int

const (
	circle shape = iota
	triangle
	diamond
	square
	cross
	hexagon
	pentagon
	star
	triangleDown
	tall // a page: files
	wide // an envelope: mailboxes
	plus // hosts of other kinds
	octagon
)

// reach is how far, as a multiple of its radius, the shape drawn by path
// goes from its centre in any direction: more than the radius for the
// shapes drawn larger to weigh as much to the eye. Labels are kept out of
// that square.
func (s shape) reach() float64 {
	switch s {
	case triangle:
		return 1.25
	case diamond:
		return 1.15
	case star:
		return 1.1
	}
	return 1
}

// path returns the path data of the shape centred on (x, y) with radius r.
func (s shape) path(x, y, r float64) string {
	var b strings.Builder
	poly := func(n int, start float64, rs ...float64) {
		for i := 0; i < n; i++ {
			a := start + 2*math.Pi*float64(i)/float64(n)
			rr := r
			if len(rs) > 0 {
				rr = r * rs[i%len(rs)]
			}
			if i == 0 {
				b.WriteByte('M')
			} else {
				b.WriteByte('L')
			}
			b.WriteString(num(x + rr*math.Cos(a)))
			b.WriteByte(' ')
			b.WriteString(num(y + rr*math.Sin(a)))
		}
		b.WriteByte('Z')
	}
	rect := func(w, h float64) {
		b.WriteString("M" + num(x-w) + " " + num(y-h) + "H" + num(x+w) + "V" + num(y+h) + "H" + num(x-w) + "Z")
	}
	switch s {
	case circle:
		b.WriteString("M" + num(x-r) + " " + num(y) + "a" + num(r) + " " + num(r) + " 0 1 0 " + num(2*r) + " 0a" + num(r) + " " + num(r) + " 0 1 0 " + num(-2*r) + " 0Z")
	case triangle:
		r *= 1.25 // as heavy to the eye as the other shapes
		poly(3, -math.Pi/2)
	case triangleDown:
		poly(3, math.Pi/2)
	case diamond:
		poly(4, -math.Pi/2, 1.15)
	case square:
		rect(r*0.85, r*0.85)
	case tall:
		rect(r*0.7, r)
	case wide:
		rect(r, r*0.7)
	case hexagon:
		poly(6, 0)
	case pentagon:
		poly(5, -math.Pi/2)
	case octagon:
		poly(8, math.Pi/8)
	case star:
		poly(10, -math.Pi/2, 1.1, 0.5)
	case cross, plus:
		// An X (or +) of bars with half-width t.
		t := r * 0.32
		a := 0.0
		if s == cross {
			a = math.Pi / 4
		}
		pts := [][2]float64{{t, t}, {r, t}, {r, -t}, {t, -t}, {t, -r}, {-t, -r}, {-t, -t}, {-r, -t}, {-r, t}, {-t, t}, {-t, r}, {t, r}}
		for i, p := range pts {
			if i == 0 {
				b.WriteByte('M')
			} else {
				b.WriteByte('L')
			}
			c, sn := math.Cos(a), math.Sin(a)
			b.WriteString(num(x + p[0]*c - p[1]*sn))
			b.WriteByte(' ')
			b.WriteString(num(y + p[0]*sn + p[1]*c))
		}
		b.WriteByte('Z')
	}
	return b.String()
}

// classInfo is how a class is drawn.
type classInfo struct {
	css   string // CSS class: a known class, or k0…k5 for others
	shape shape
	name  string // legend text
	rank  int    // lower draws first in stacks and wins in clusters
}

// known are the classes with their own colour and shape.
var known = map[string]classInfo{
	ClassHigh:          {ClassHigh, triangle, "High", 0},
	ClassMedium:        {ClassMedium, diamond, "Medium", 1},
	ClassLow:           {ClassLow, square, "Low", 2},
	ClassInformational: {ClassInformational, circle, "Informational", 3},
	ClassFailure:       {ClassFailure, cross, "Failure", 4},
	ClassSuccess:       {ClassSuccess, circle, "Success", 5},
}

// otherShapes are given in turn to classes that are not known.
var otherShapes = []shape{hexagon, pentagon, triangleDown, star, plus, octagon}

// classes assigns drawing to the classes a chart meets, in order.
type classes struct {
	order  []string
	info   map[string]classInfo
	others int // classes neither known nor empty
}

// get returns how class c is drawn, assigning the next free style to a
// class not seen before.
func (cs *classes) get(c string) classInfo {
	if cs.info == nil {
		cs.info = map[string]classInfo{}
	}
	key := strings.ToLower(strings.TrimSpace(c))
	if ci, ok := cs.info[key]; ok {
		return ci
	}
	ci, ok := known[key]
	if key == "" {
		ci, ok = classInfo{"unclassified", circle, "Unclassified", 9}, true
	}
	if !ok {
		n := cs.others
		cs.others++
		name := fit(c, 24, 150, 11)
		if name == "" {
			name = "Other"
		}
		// Colour and shape cycle out of step: 36 distinct pairs.
		ci = classInfo{css: "k" + string(rune('0'+(n+n/6)%6)), shape: otherShapes[n%len(otherShapes)], name: name, rank: 10 + n}
	}
	cs.info[key] = ci
	cs.order = append(cs.order, key)
	return ci
}

// legendItem is one entry of a legend.
type legendItem struct {
	css   string
	shape shape
	text  string
}

// legend writes items in a row from (x, y) and returns the x after the last
// one; it wraps to a new row of height 16 at maxX and reports the final y.
func (b *svg) legend(x, y, maxX float64, items []legendItem) (float64, float64) {
	b.WriteString(`<g class="legend">`)
	x0 := x
	for _, it := range items {
		w := 16 + textWidth(it.text, 11) + 14
		if x+w > maxX && x > x0 {
			x = x0
			y += 16
		}
		b.WriteString(`<path class="mark ` + it.css + `" d="` + it.shape.path(x+5, y-4, 5) + `"/>`)
		b.text(x+14, y, "", "", it.text)
		x += w
	}
	b.WriteString(`</g>`)
	return x, y
}
