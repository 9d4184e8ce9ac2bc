// Package sentinelti looks indicators up in a workspace's own threat-intelligence
// table (Sentinel's ThreatIntelIndicators), through a query function the caller
// binds to the workspace's named query, so the provider never sees the workspace.
//
// Severity follows msticpy's AzSTI provider: a match is a warning, and high
// when the indicator's confidence is 80 or more.
package sentinelti

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/triage-dev/triage/internal/intel"
	"github.com/triage-dev/triage/internal/ioc"
)

// Spec declares the provider to the rest of triage: on by default, it
// reads the workspace through Setup.WorkspaceTI.
var Spec = intel.Spec{
	Name:           "sentinel-ti",
	Aliases:        []string{"sentinelti", "azsti"},
	MsticpyNames:   []string{"azsti", "azuresentinel", "mssentinel", "sentinel"},
	Kinds:          ioc.Kinds,
	ReadsWorkspace: true,
	OnByDefault:    true,
	Note:           "reads the workspace's ThreatIntelIndicators table",
	New: func(s intel.Setup) (intel.Provider, error) {
		if s.WorkspaceTI == nil {
			return nil, errors.New("no workspace to read threat intelligence from")
		}
		return New(s.WorkspaceTI), nil
	},
}

// Provider is the workspace threat-intelligence table as an intel.Provider.
type Provider struct {
	query intel.WorkspaceTI
}

// New returns a provider that runs query for its lookups.
func New(query intel.WorkspaceTI) *Provider { return &Provider{query: query} }

var _ intel.BatchProvider = (*Provider)(nil)

// Name implements intel.Provider.
func (*Provider) Name() string { return Spec.Name }

// External implements intel.Provider: false, as the table is the
// organisation's own.
func (*Provider) External() bool { return Spec.External }

// Supports implements intel.Provider: the kinds of Spec, every indicator
// kind.
func (*Provider) Supports(k ioc.Kind) bool { return Spec.Supports(k) }

// Lookup implements intel.Provider.
func (p *Provider) Lookup(ctx context.Context, ind ioc.Indicator) (intel.Result, error) {
	rs, err := p.LookupBatch(ctx, []ioc.Indicator{ind})
	if err != nil {
		return intel.Result{}, err
	}
	if len(rs) == 0 {
		return intel.Result{}, fmt.Errorf("sentinel-ti: %s: %w", ind, intel.ErrNotFound)
	}
	return rs[0], nil
}

// LookupBatch implements intel.BatchProvider with one query for all indicators.
func (p *Provider) LookupBatch(ctx context.Context, inds []ioc.Indicator) ([]intel.Result, error) {
	values := make([]string, 0, len(inds))
	for _, ind := range inds {
		values = append(values, strings.ToLower(ind.Value))
	}
	matches, err := p.query(ctx, values)
	if err != nil {
		return nil, fmt.Errorf("sentinel-ti: query: %w", err)
	}
	byValue := make(map[string][]intel.TIMatch)
	for _, m := range matches {
		v := strings.ToLower(m.ObservableValue)
		byValue[v] = append(byValue[v], m)
	}
	var out []intel.Result
	for _, ind := range inds {
		ms := byValue[strings.ToLower(ind.Value)]
		var best []intel.TIMatch
		for _, m := range ms {
			if kindMatches(ind.Kind, m.ObservableKey) {
				best = append(best, m)
			}
		}
		if len(best) == 0 {
			continue
		}
		out = append(out, result(ind, best))
	}
	return out, nil
}

func result(ind ioc.Indicator, ms []intel.TIMatch) intel.Result {
	top := ms[0]
	for _, m := range ms[1:] {
		if m.Confidence > top.Confidence {
			top = m
		}
	}
	sev := intel.SeverityWarning
	if top.Confidence >= 80 {
		sev = intel.SeverityHigh
	}
	summary := fmt.Sprintf("in threat-intel table, confidence %d", top.Confidence)
	if top.Name != "" {
		summary = fmt.Sprintf("%s (confidence %d)", top.Name, top.Confidence)
	}
	details := map[string]any{
		"observable_key": top.ObservableKey,
		"confidence":     top.Confidence,
		"matches":        len(ms),
	}
	if top.Description != "" {
		details["description"] = top.Description
	}
	if len(top.Tags) > 0 {
		details["tags"] = top.Tags
	}
	if top.Source != "" {
		details["source"] = top.Source
	}
	return intel.Result{Indicator: ind.Value, Type: ind.Kind, Severity: sev, Summary: summary, Details: details}
}

// kindMatches reports whether a STIX observable key can describe an indicator of kind k.
func kindMatches(k ioc.Kind, key string) bool {
	key = strings.ToLower(key)
	switch k {
	case ioc.IPv4:
		return strings.HasPrefix(key, "ipv4-addr")
	case ioc.IPv6:
		return strings.HasPrefix(key, "ipv6-addr")
	case ioc.Domain, ioc.Hostname:
		return strings.HasPrefix(key, "domain-name")
	case ioc.URL:
		return strings.HasPrefix(key, "url")
	case ioc.Email:
		return strings.HasPrefix(key, "email-addr")
	case ioc.MD5:
		return strings.HasPrefix(key, "file:hashes") && strings.Contains(key, "md5")
	case ioc.SHA1:
		return strings.HasPrefix(key, "file:hashes") && (strings.Contains(key, "sha-1") || strings.Contains(key, "sha1"))
	case ioc.SHA256:
		return strings.HasPrefix(key, "file:hashes") && (strings.Contains(key, "sha-256") || strings.Contains(key, "sha256"))
	}
	return false
}
