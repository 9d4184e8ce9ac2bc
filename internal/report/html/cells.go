package html

import (
	"strings"
	"unicode/utf8"
)

// A table cell whose value is longer than its room shows the start of it,
// and opens in place, as a <details>, to the whole: nothing is cut without
// a way to see the rest, with or without script. These are the template
// functions the cells use.

// cellRunes is how much of a value a closed cell shows.
const cellRunes = 140

// cellItems is how many items of a list (an alert's entities) a closed
// cell shows.
const cellItems = 4

// long reports whether s needs an expandable cell: longer than cellRunes
// or on more than one line.
func long(s string) bool {
	return utf8.RuneCountInString(s) > cellRunes || strings.ContainsAny(s, "\n\r")
}

// cutCell is the start of s a closed cell shows: its first line, cut to
// cellRunes with an ellipsis.
func cutCell(s string) string {
	line, _, more := strings.Cut(strings.ReplaceAll(s, "\r", "\n"), "\n")
	c := clip(line, cellRunes)
	if more && !strings.HasSuffix(c, "…") {
		c += " …"
	}
	return c
}

// manyItems reports whether a list of n items needs an expandable cell.
func manyItems(n int) bool { return n > cellItems }

// firstItems are the items of a list a closed cell shows.
func firstItems(ss []string) []string { return ss[:min(len(ss), cellItems)] }

// restItems is how many items of a list of n a closed cell leaves out.
func restItems(n int) int { return max(0, n-cellItems) }

// keysOf is a list of entity keys with the view that names and links them
// (the template "alert-ents").
type keysOf struct {
	V    any // the template's view: its Href and EntityName
	Keys []string
}

func pair(v any, keys []string) keysOf { return keysOf{v, keys} }
