package html

import (
	"maps"
	"slices"
	"strings"

	"github.com/triage-dev/triage/internal/triage"
)

// propText writes a property's value as a reader reads it: a scalar as
// itself, a list as its items joined by ", ", an object (an address's
// location, a resource's owner) as its fields, "name: value", joined by
// "; " in the order of their names, nested ones in parentheses; never as
// raw JSON. Empty fields are left out. depth bounds how far a hostile
// value's nesting is followed.
func propText(v any, depth int) string {
	if s, ok := scalar(v); ok {
		return s
	}
	if depth <= 0 {
		return "…"
	}
	switch x := v.(type) {
	case []any:
		parts := make([]string, 0, len(x))
		for _, it := range x {
			if s := propText(it, depth-1); s != "" {
				if _, isMap := it.(map[string]any); isMap {
					s = "(" + s + ")"
				}
				parts = append(parts, s)
			}
		}
		return strings.Join(parts, ", ")
	case []string:
		return strings.Join(x, ", ")
	case map[string]any:
		var parts []string
		for _, k := range slices.Sorted(maps.Keys(x)) {
			s := propText(x[k], depth-1)
			if s == "" {
				continue
			}
			if _, isMap := x[k].(map[string]any); isMap {
				s = "(" + s + ")"
			}
			parts = append(parts, k+": "+s)
		}
		return strings.Join(parts, "; ")
	}
	return ""
}

// scalar is v as text when it is a scalar (triage.Entity.Prop's rule).
func scalar(v any) (string, bool) {
	s := triage.Entity{Properties: map[string]any{"v": v}}.Prop("v")
	if s == "" {
		switch v.(type) {
		case map[string]any, []any, []string:
			return "", false
		}
		return "", v == nil
	}
	return s, true
}
