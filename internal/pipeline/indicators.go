package pipeline

import (
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/triage-dev/triage/internal/ioc"
	"github.com/triage-dev/triage/internal/report"
	"github.com/triage-dev/triage/internal/triage"
)

// indicatorProps names, per kind, the properties whose values are indicators.
var indicatorProps = map[triage.Kind][]string{
	triage.KindIP:          {"address"},
	triage.KindURL:         {"url"},
	triage.KindDNS:         {"domainName"},
	triage.KindFileHash:    {"hashValue"},
	triage.KindMailbox:     {"mailboxPrimaryAddress"},
	triage.KindMailMessage: {"sender", "p1Sender", "p2Sender", "senderIP", "senderIp"},
	triage.KindNic:         {"ipAddress"},
}

// textProps names, per kind, free-text properties indicators are extracted from.
var textProps = map[triage.Kind][]string{
	triage.KindProcess:     {"commandLine"},
	triage.KindMailMessage: {"subject", "urls"},
}

// Indicators turns the incident's entities, and the text of alerts that came
// with no entities, into indicators, each with the places it was found.
func Indicators(alerts []triage.Alert, ents []triage.Entity) []report.Indicator {
	out := []report.Indicator{}
	index := make(map[ioc.Indicator]int)
	add := func(ind ioc.Indicator, source string) {
		i, ok := index[ind]
		if !ok {
			i = len(out)
			index[ind] = i
			out = append(out, report.Indicator{Value: ind.Value, Type: ind.Kind, Scope: ind.Scope, Internal: ind.Internal(),
				Withheld: ind.Withheld(), Sources: []string{}})
		}
		if !slices.Contains(out[i].Sources, source) {
			out[i].Sources = append(out[i].Sources, source)
		}
	}
	for _, e := range ents {
		for _, p := range indicatorProps[e.Kind] {
			for _, v := range stringValues(e.Properties[p]) {
				ind, err := ioc.Parse(v)
				if err != nil {
					continue
				}
				add(ind, e.Key)
				if ind.Kind == ioc.URL {
					if host := urlHost(ind.Value); host != "" {
						if h, err := ioc.Parse(host); err == nil {
							add(h, e.Key)
						}
					}
				}
			}
		}
		texts := textProps[e.Kind]
		if !slices.Contains(triage.KnownKinds, e.Kind) {
			texts = sortedKeys(e.Properties)
		}
		for _, p := range texts {
			for _, v := range stringValues(e.Properties[p]) {
				for _, ind := range ioc.Extract(v) {
					add(ind, e.Key)
				}
			}
		}
	}
	for _, a := range alerts {
		if len(a.EntityKeys) > 0 {
			continue
		}
		source := fmt.Sprintf("alert %s text", a.ID)
		texts := []string{a.Description, a.CompromisedEntity}
		for _, k := range sortedKeys(a.ExtendedProperties) {
			texts = append(texts, a.ExtendedProperties[k])
		}
		for _, t := range texts {
			for _, ind := range ioc.Extract(t) {
				add(ind, source)
			}
		}
	}
	return out
}

func toIOC(inds []report.Indicator) []ioc.Indicator {
	out := make([]ioc.Indicator, len(inds))
	for i, ind := range inds {
		out[i] = ioc.Indicator{Kind: ind.Type, Value: ind.Value, Scope: ind.Scope}
	}
	return out
}

func urlHost(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return ""
	}
	return u.Hostname()
}

// stringValues returns the strings in a property value: the value itself, or
// the strings of a list.
func stringValues(v any) []string {
	switch v := v.(type) {
	case string:
		if s := strings.TrimSpace(v); s != "" {
			return []string{s}
		}
	case []any:
		var out []string
		for _, x := range v {
			out = append(out, stringValues(x)...)
		}
		return out
	case []string:
		return v
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
