package otx

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/triage-dev/triage/internal/intel"
	"github.com/triage-dev/triage/internal/intel/httpapi"
)

// Limits on what a result carries.
const (
	maxPulses     = 5  // pulses whose names, tags and references are kept
	maxTags       = 10 // distinct tags over those pulses
	maxReferences = 5  // distinct references over those pulses
	maxPassiveDNS = 10 // passive DNS records kept
	maxNameLen    = 80 // runes of a pulse name in the summary
)

// general is the part of a general section that is read. Everything else
// (whois, geo, base_indicator, ...) stays in Raw.
type general struct {
	Sections  []string `json:"sections"`
	PulseInfo *struct {
		Count  *int    `json:"count"`
		Pulses []pulse `json:"pulses"`
	} `json:"pulse_info"`
	Validation []struct {
		Source  string `json:"source"`
		Message string `json:"message"`
		Name    string `json:"name"`
	} `json:"validation"`
}

type pulse struct {
	ID         string   `json:"id"`
	Name       string   `json:"name"`
	Tags       []string `json:"tags"`
	References []string `json:"references"`
}

// pulseCount is the number of pulses naming the indicator: the count OTX
// gives, or the pulses it lists when there are more of those.
func (g general) pulseCount() int {
	if g.PulseInfo == nil {
		return 0
	}
	n := len(g.PulseInfo.Pulses)
	if c := g.PulseInfo.Count; c != nil && *c > n {
		n = *c
	}
	return n
}

// severity maps a pulse count as msticpy does.
func severity(pulses int) intel.Severity {
	switch {
	case pulses <= 0:
		return intel.SeverityInformation
	case pulses == 1:
		return intel.SeverityWarning
	}
	return intel.SeverityHigh
}

func result(g general) intel.Result {
	n := g.pulseCount()
	d := map[string]any{"pulse_count": n}
	var pulses []pulse
	if g.PulseInfo != nil {
		pulses = g.PulseInfo.Pulses
	}
	if len(pulses) > maxPulses {
		pulses = pulses[:maxPulses]
	}
	if n == 0 {
		if len(g.Sections) > 0 {
			d["sections"] = g.Sections
		}
	} else if len(pulses) > 0 {
		var names, tags, refs []string
		seenTag, seenRef := map[string]bool{}, map[string]bool{}
		for _, p := range pulses {
			names = append(names, httpapi.OneLine(p.Name, maxNameLen))
			for _, t := range p.Tags {
				t = httpapi.OneLine(t, 40)
				if t != "" && !seenTag[strings.ToLower(t)] && len(tags) < maxTags {
					seenTag[strings.ToLower(t)] = true
					tags = append(tags, t)
				}
			}
			for _, ref := range p.References {
				ref = strings.TrimSpace(ref)
				if ref != "" && !seenRef[ref] && len(refs) < maxReferences {
					seenRef[ref] = true
					refs = append(refs, ref)
				}
			}
		}
		d["names"] = names
		if len(tags) > 0 {
			d["tags"] = tags
		}
		if len(refs) > 0 {
			d["references"] = refs
		}
	}
	var valid []string
	for _, v := range g.Validation {
		if m := httpapi.OneLine(firstNonEmpty(v.Message, v.Name, v.Source), maxNameLen); m != "" {
			valid = append(valid, m)
		}
	}
	if len(valid) > 0 {
		d["validation"] = valid
	}
	return intel.Result{Severity: severity(n), Summary: summary(n, pulses), Details: d}
}

func summary(n int, pulses []pulse) string {
	var name string
	if len(pulses) > 0 {
		name = httpapi.OneLine(pulses[0].Name, maxNameLen)
	}
	switch {
	case n == 0:
		return "in no OTX pulse"
	case name == "" && n == 1:
		return "in 1 OTX pulse"
	case name == "":
		return fmt.Sprintf("in %d OTX pulses", n)
	case n == 1:
		return fmt.Sprintf("in 1 OTX pulse: %q", name)
	}
	return fmt.Sprintf("in %d OTX pulses, e.g. %q", n, name)
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// passiveDNS is the passive DNS section.
type passiveDNS struct {
	Count   *int `json:"count"`
	Records []struct {
		Address    string `json:"address"`
		Hostname   string `json:"hostname"`
		RecordType string `json:"record_type"`
		First      string `json:"first"`
		Last       string `json:"last"`
		ASN        string `json:"asn"`
	} `json:"passive_dns"`
}

// fetchPassiveDNS asks for the passive DNS section at path. A failure is
// the answer's Err: it never fails the lookup.
func (p *Provider) fetchPassiveDNS(ctx context.Context, path string) *intel.PassiveDNS {
	c := p.c
	c.MaxBody = maxPassiveDNSBody
	var v passiveDNS
	if _, err := c.GetJSON(ctx, path, nil, &v); err != nil {
		return &intel.PassiveDNS{Records: []intel.Resolution{}, Err: fmt.Errorf("passive DNS: %w", err).Error()}
	}
	a := &intel.PassiveDNS{Records: []intel.Resolution{}, Total: len(v.Records)}
	if v.Count != nil && *v.Count > a.Total {
		a.Total = *v.Count
	}
	line := func(s string) string { return httpapi.OneLine(s, 255) }
	for _, rec := range v.Records {
		if len(a.Records) == maxPassiveDNS {
			break
		}
		a.Records = append(a.Records, intel.Resolution{
			Name: line(rec.Hostname), Address: line(rec.Address), Type: line(rec.RecordType),
			First: otxTime(rec.First), Last: otxTime(rec.Last), ASN: line(rec.ASN),
		})
	}
	return a
}

// otxTime reads a passive DNS time as OTX writes it, in UTC with or without
// a zone ("2026-10-01T00:00:00"); anything else is no time.
func otxTime(s string) time.Time {
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04:05"} {
		if t, err := time.Parse(layout, strings.TrimSpace(s)); err == nil {
			return t.UTC()
		}
	}
	return time.Time{}
}
