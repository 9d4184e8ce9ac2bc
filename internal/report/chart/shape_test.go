package chart

import (
	"math"
	"regexp"
	"strconv"
	"testing"
)

// pathExtent is how far from (0, 0) the points of a path of M, L, H, V
// and Z commands go, along either axis.
func pathExtent(t *testing.T, d string) float64 {
	t.Helper()
	ext := 0.0
	for _, m := range regexp.MustCompile(`([MLHV])([-0-9. ]+)`).FindAllStringSubmatch(d, -1) {
		for _, f := range regexp.MustCompile(`-?[0-9.]+`).FindAllString(m[2], -1) {
			v, err := strconv.ParseFloat(f, 64)
			if err != nil {
				t.Fatalf("path %q: %v", d, err)
			}
			ext = math.Max(ext, math.Abs(v))
		}
	}
	return ext
}

// TestShapeReach checks that reach says how far each shape's path goes
// from its centre: no point beyond it (a label kept out of that square
// never touches the shape), and, for the shapes drawn past their radius,
// a point at it.
func TestShapeReach(t *testing.T) {
	const r = 100.0
	for s := triangle; s <= octagon; s++ {
		ext := pathExtent(t, s.path(0, 0, r))
		if ext == 0 {
			t.Fatalf("shape %d: no point read from %q", s, s.path(0, 0, r))
		}
		if want := s.reach() * r; ext > want+0.05 {
			t.Errorf("shape %d reaches %.1f from its centre; reach says %.1f", s, ext, want)
		}
		if s.reach() > 1 && ext < s.reach()*r-0.05 {
			t.Errorf("shape %d reaches only %.1f; reach says %.1f", s, ext, s.reach()*r)
		}
	}
	if c := circle.path(0, 0, r); c != "M-100 0a100 100 0 1 0 200 0a100 100 0 1 0 -200 0Z" || circle.reach() != 1 {
		t.Errorf("the circle is drawn as %q with reach %v", c, circle.reach())
	}
}
