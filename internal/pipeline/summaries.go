package pipeline

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/triage-dev/triage/internal/intel"
	"github.com/triage-dev/triage/internal/ioc"
	"github.com/triage-dev/triage/internal/report"
	"github.com/triage-dev/triage/internal/triage"
)

// summaryProps names, per kind, the properties shown in an entity's summary.
var summaryProps = map[triage.Kind][]string{
	triage.KindAccount:  {"accountName", "ntDomain", "upnSuffix", "sid", "aadUserId"},
	triage.KindHost:     {"hostName", "dnsDomain", "osFamily", "osVersion", "azureID"},
	triage.KindProcess:  {"processId", "commandLine", "creationTimeUtc"},
	triage.KindFile:     {"directory", "fileName"},
	triage.KindFileHash: {"algorithm", "hashValue"},
	triage.KindMailbox:  {"mailboxPrimaryAddress", "displayName", "upn"},
	triage.KindURL:      {"url"},
	triage.KindDNS:      {"domainName"},
}

// Summaries states what the incident itself says about each entity: how many
// of its alerts name it, its identifying properties, an address's scope and
// location, and the threat-intel verdict on its indicators.
func Summaries(ents []triage.Entity, results []intel.Result) []report.Summary {
	ti := make(map[string][]intel.Result)
	for _, r := range results {
		ti[r.Indicator] = append(ti[r.Indicator], r)
	}
	out := make([]report.Summary, 0, len(ents))
	for _, e := range ents {
		s := report.Summary{Entity: e.Key, Kind: e.Kind, Name: e.Name, Status: report.StatusOK, Facts: []report.Fact{}}
		fact := func(label, value string) {
			if value != "" {
				s.Facts = append(s.Facts, report.Fact{Label: label, Value: value})
			}
		}
		fact("Alerts in this incident", fmt.Sprint(len(e.Alerts)))
		if e.Kind == triage.KindIP {
			ipFacts(e, fact)
		}
		for _, p := range summaryProps[e.Kind] {
			if vs := stringValues(e.Properties[p]); len(vs) > 0 {
				fact(p, strings.Join(vs, ", "))
			}
		}
		for _, p := range indicatorProps[e.Kind] {
			for _, v := range stringValues(e.Properties[p]) {
				ind, err := ioc.Parse(v)
				if err != nil {
					continue
				}
				fact("Threat intel on "+ind.Value, tiFact(ti[ind.Value]))
			}
		}
		out = append(out, s)
	}
	return out
}

func ipFacts(e triage.Entity, fact func(label, value string)) {
	addr, err := netip.ParseAddr(e.Prop("address"))
	if err != nil {
		fact("Address", "not a valid IP address")
		return
	}
	scope := ioc.ScopeOf(addr)
	fact("Scope", string(scope))
	origin := "external"
	if scope != ioc.Public {
		origin = "internal"
	}
	fact("Origin", origin)
	loc, _ := e.Properties["location"].(map[string]any)
	if loc == nil {
		return
	}
	var place []string
	for _, k := range []string{"city", "state", "countryName", "countryCode"} {
		if v := lookupFold(loc, k); v != "" {
			place = append(place, v)
			if k == "countryName" {
				break
			}
		}
	}
	fact("Location", strings.Join(place, ", "))
	if lat, lon := lookupFold(loc, "latitude"), lookupFold(loc, "longitude"); lat != "" && lon != "" {
		fact("Coordinates", lat+", "+lon)
	}
	asn, org := lookupFold(loc, "asn"), lookupFold(loc, "organization")
	if org == "" {
		org = lookupFold(loc, "carrier")
	}
	if asn != "" {
		fact("ASN", strings.TrimSpace("AS"+asn+" "+org))
	} else {
		fact("Network owner", org)
	}
}

func tiFact(rs []intel.Result) string {
	if len(rs) == 0 {
		return "not looked up"
	}
	v := intel.Roll(rs)
	var by []string
	for _, r := range v.Reasons {
		by = append(by, r.Provider+": "+r.Summary)
	}
	if len(by) == 0 {
		return string(v.Severity)
	}
	return string(v.Severity) + " (" + strings.Join(by, "; ") + ")"
}

// lookupFold returns the value of key in m, matching names case-insensitively,
// formatted as text.
func lookupFold(m map[string]any, key string) string {
	for k, v := range m {
		if strings.EqualFold(k, key) && v != nil {
			s := fmt.Sprint(v)
			if s != "" && s != "0" {
				return s
			}
		}
	}
	return ""
}
