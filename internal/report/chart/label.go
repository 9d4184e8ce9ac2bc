package chart

import (
	"strings"
	"unicode/utf8"
)

// CutMiddle returns s as one line of at most n runes (as short makes it:
// cleaned, white space collapsed), cut in the middle when it is longer: a
// third of the room for its start, the rest for its end, joined by an
// ellipsis. The ends of names tell them apart more often than their
// starts (HKEY_…\Run, HKEY_…\OneDriveUpdate; C:\…\evil.exe), so the end
// gets more room. The graph's labels and the incidence grid's rows use it.
func CutMiddle(s string, n int) string {
	whole := short(s, utf8.RuneCountInString(s)+1)
	rs := []rune(whole)
	if n < 3 || len(rs) <= n {
		if len(rs) > n {
			return short(s, max(n, 1))
		}
		return whole
	}
	head := (n - 1) / 3
	tail := n - 1 - head
	return strings.TrimRight(string(rs[:head]), " ") + "…" + strings.TrimLeft(string(rs[len(rs)-tail:]), " ")
}

// uniqueLabels returns the labels shortened by CutMiddle to at most n[i]
// runes, each distinct from every other: where two differ in full but
// their cuts are the same, they are given more room (up to twice n[i]),
// and labels still the same, as two different nodes with one name are,
// are numbered (" ·2", " ·3"), so that no two nodes read alike.
func uniqueLabels(full []string, n []int) []string {
	out := make([]string, len(full))
	room := make([]int, len(full))
	for i := range full {
		room[i] = n[i]
		out[i] = CutMiddle(full[i], room[i])
	}
	for round := 0; round < 8; round++ {
		by := map[string][]int{}
		for i, t := range out {
			by[t] = append(by[t], i)
		}
		grew := false
		for _, idx := range by {
			if len(idx) < 2 {
				continue
			}
			// Only labels whose whole values differ can be told apart by
			// showing more of them.
			distinct := map[string]bool{}
			for _, i := range idx {
				distinct[short(full[i], utf8.RuneCountInString(full[i])+1)] = true
			}
			if len(distinct) < 2 {
				continue
			}
			for _, i := range idx {
				if r := min(2*n[i], room[i]+max(4, n[i]/3)); r > room[i] {
					room[i] = r
					out[i] = CutMiddle(full[i], r)
					grew = true
				}
			}
		}
		if !grew {
			break
		}
	}
	// Number what is still the same, keeping the first as it is.
	seen := make(map[string]bool, len(out))
	for _, t := range out {
		seen[t] = true
	}
	first := map[string]bool{}
	for i, t := range out {
		if !first[t] {
			first[t] = true
			continue
		}
		for k := 2; ; k++ {
			c := t + " ·" + itoa(k)
			if !seen[c] {
				seen[c] = true
				out[i] = c
				break
			}
		}
	}
	return out
}
