package pipeline

import (
	"fmt"
	"slices"
	"strings"

	"github.com/triage-dev/triage/internal/english"
	"github.com/triage-dev/triage/internal/intel"
	"github.com/triage-dev/triage/internal/ioc"
	"github.com/triage-dev/triage/internal/report"
	"github.com/triage-dev/triage/internal/triage"
)

// DefenderSource names Microsoft Defender XDR's own verdicts on alert
// evidence among the threat-intel results: a source of the verdict of its
// own, beside the providers, that no lookup made and no provider can hide.
const DefenderSource = "Microsoft Defender XDR"

// withDefender adds to ti a result for each entity Defender XDR judged
// malicious (high) or suspicious (warning), and rolls the verdict up again
// over every result: so the incident's verdict, its reasons and its
// priority name Defender whatever the providers said, or when none is
// configured. Defender is not one of ti.Providers, which were asked:
// nothing was. Evidence Defender found no threat in, or could not judge,
// adds nothing: Defender's silence is not a clean answer. The lookups are
// as they were; the results are in the entities' order.
func withDefender(ti report.TI, ents []triage.Entity) report.TI {
	rs := defenderResults(ents)
	if len(rs) == 0 {
		return ti
	}
	ti.Results = append(slices.Clone(ti.Results), rs...)
	v := intel.Roll(ti.Results)
	ti.Severity, ti.Explanation, ti.Reasons, ti.Complete = v.Severity, v.Explanation, v.Reasons, v.Complete
	return ti
}

// defenderStatus is the threat-intel section's status when Defender XDR's
// verdicts are among ti's results: that of the lookups, saying how many
// entities Defender judged, and ok with Defender's verdicts alone when no
// lookup was made. ok is false when Defender judged none.
func defenderStatus(ti report.TI) (st report.Status, reason string, ok bool) {
	lookups := ti
	lookups.Results = slices.DeleteFunc(slices.Clone(ti.Results), func(r intel.Result) bool { return r.Provider == DefenderSource })
	n := len(ti.Results) - len(lookups.Results)
	if n == 0 {
		return "", "", false
	}
	judged := english.Plural(n, "entity", "entities")
	st, reason = tiStatus(lookups)
	if st == report.StatusSkipped || st == report.StatusEmpty {
		return report.StatusOK, fmt.Sprintf("verdict %s from %s's own verdicts on %s; %s", ti.Severity, DefenderSource, judged, reason), true
	}
	return st, fmt.Sprintf("%s; %s judged %s malicious or suspicious", reason, DefenderSource, judged), true
}

// defenderResults are the results Defender XDR's verdicts on ents give.
// A result names the entity by the indicator it is (its address, URL,
// hash...) when it is one, so that the entity's summary and the report's
// threat-intel table put it beside the providers' answers on that value,
// and by its display name otherwise (a file, a process, an account).
func defenderResults(ents []triage.Entity) []intel.Result {
	var out []intel.Result
	for _, e := range ents {
		var sev intel.Severity
		switch v := e.DefenderVerdict(); v {
		case triage.VerdictMalicious:
			sev = intel.SeverityHigh
		case triage.VerdictSuspicious:
			sev = intel.SeverityWarning
		default:
			continue
		}
		value, kind := entityIndicator(e)
		details := map[string]any{"entity": e.Key, "kind": string(e.Kind)}
		var facts []string
		for _, p := range []string{triage.PropVerdict, triage.PropDetectionStatus, triage.PropRemediationStatus, triage.PropRoles} {
			x, ok := e.Properties[p]
			if !ok || x == nil {
				continue
			}
			details[p] = x
			if s := factText(x); s != "" && p != triage.PropVerdict {
				facts = append(facts, p+" "+s)
			}
		}
		summary := string(e.DefenderVerdict())
		if len(facts) > 0 {
			summary += " (" + strings.Join(facts, "; ") + ")"
		}
		out = append(out, intel.Result{
			Indicator: value, Type: kind, Provider: DefenderSource, Status: intel.StatusOK,
			Severity: sev, Summary: summary, Details: details,
		})
	}
	return out
}

// entityIndicator is the indicator e is, with its type, else e's display
// name with its kind as the type ("file", "process"; an unknown kind as
// written), so that "Defender says high about file payload.exe" reads.
func entityIndicator(e triage.Entity) (string, ioc.Kind) {
	kind := string(e.Kind)
	if e.Kind.IsKnown() {
		kind = strings.ToLower(kind)
	}
	if !slices.Contains(indicatorKinds, e.Kind) {
		return e.Name, ioc.Kind(kind)
	}
	for _, p := range indicatorProps[e.Kind] {
		for _, v := range stringValues(e.Properties[p]) {
			if ind, err := ioc.Parse(v); err == nil {
				return ind.Value, ind.Kind
			}
		}
	}
	return e.Name, ioc.Kind(kind)
}

// indicatorKinds are the kinds whose identity is an indicator: a verdict
// on one is a verdict on that value. A message's senders or a NIC's address
// are indicators it holds, not what it is.
var indicatorKinds = []triage.Kind{triage.KindIP, triage.KindURL, triage.KindDNS, triage.KindFileHash, triage.KindMailbox}

// factText is a verdict fact as text: a word, or the words of a list
// ("attacker, compromised"); "" for anything else.
func factText(x any) string {
	switch t := x.(type) {
	case string:
		return t
	case []any:
		var words []string
		for _, w := range t {
			if s, ok := w.(string); ok && s != "" {
				words = append(words, s)
			}
		}
		return strings.Join(words, ", ")
	}
	return ""
}
