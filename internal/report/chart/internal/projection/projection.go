// Package projection places longitudes and latitudes on the world map's
// frame. The map's generator and the map itself share it, so the outlines
// and the points they draw on them always agree.
package projection

import "math"

// The frame: its width, and the latitudes it spans (Antarctica is left out).
const (
	FrameWidth = 1920
	LatTop     = 84.0
	LatBottom  = -58.0
)

// naturalEarth is the Natural Earth projection (Šavrič et al., 2015), in
// radians, of a longitude and latitude in degrees.
func naturalEarth(lon, lat float64) (float64, float64) {
	l, p := lon*math.Pi/180, lat*math.Pi/180
	p2 := p * p
	p4 := p2 * p2
	x := l * (0.8707 - 0.131979*p2 + p4*(-0.013791+p4*(0.003971*p2-0.001529*p4)))
	y := p * (1.007226 + p2*(0.015085+p4*(-0.044475+0.028874*p2-0.005916*p4)))
	return x, y
}

// Frame returns the position in the frame of a place, with y growing
// downwards; latitudes beyond the frame are clamped to its edges.
func Frame(lat, lon float64) (x, y float64) {
	xmax, _ := naturalEarth(180, 0)
	_, top := naturalEarth(0, LatTop)
	s := FrameWidth / (2 * xmax)
	lat = math.Max(math.Min(lat, LatTop), LatBottom)
	px, py := naturalEarth(lon, lat)
	return (px + xmax) * s, (top - py) * s
}
