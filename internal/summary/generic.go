package summary

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/triage-dev/triage/internal/ioc"
	"github.com/triage-dev/triage/internal/report"
	"github.com/triage-dev/triage/internal/triage"
)

// generic summarises an entity of a kind with no summarizer of its own: its
// identity and what threat intel said of any indicator among its values.
func generic(_ context.Context, env *Env, ents []triage.Entity, sums []*report.Summary) {
	for i, e := range ents {
		identity(env, e, sums[i])
	}
}

// identity adds the entity's own facts: the alerts of the incident that name
// it (for an incident's summaries only: an entity's own page speaks of its
// window, not of an incident), its scalar properties, and threat intel on
// its indicator values.
func identity(env *Env, e triage.Entity, s *report.Summary) {
	if len(e.Alerts) > 0 && env.inIncident() {
		fact(&s.Facts, "Alerts in this incident", fmt.Sprint(len(e.Alerts)))
	}
	keys := make([]string, 0, len(e.Properties))
	for k := range e.Properties {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	seen := map[string]bool{}
	for _, k := range keys {
		v := scalar(e.Properties[k])
		if v == "" || k == "friendlyName" {
			continue
		}
		fact(&s.Facts, k, v)
		if ind, err := ioc.Parse(v); err == nil && !seen[ind.Value] {
			seen[ind.Value] = true
			tiFacts(&s.Facts, env, ind.Value)
		}
	}
}

// scalar formats a property value that is text, a number or a bool; lists
// of text are joined; anything else (objects) is left out.
func scalar(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return strings.TrimSpace(x)
	case bool, float64, int, int64:
		return fmt.Sprint(x)
	case []any:
		var parts []string
		for _, it := range x {
			if s, ok := it.(string); ok && s != "" {
				parts = append(parts, s)
			}
		}
		return strings.Join(parts, ", ")
	}
	return ""
}

// inIncident reports whether the summaries are an incident's (the
// pipeline's, with Focus or IncidentAlerts set) rather than an entity's
// own, outside any incident (the web UI's entity page).
func (env *Env) inIncident() bool { return env.Focus != nil || env.IncidentAlerts != nil }
