package intel

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/triage-dev/triage/internal/english"
)

// Verdict is the threat-intel severity of a set of results, with its working.
type Verdict struct {
	Severity Severity `json:"severity"`
	// Explanation says in one sentence how the severity was reached.
	Explanation string `json:"explanation"`
	// Reasons are the ok results that set the severity, most severe first.
	Reasons []Result `json:"reasons"`
	// Complete is false when some lookup failed or was not made in time
	// (error, rate_limited, timeout): what it would have said is missing.
	Complete bool `json:"complete"`
}

// Roll rolls results up into one verdict. The severity is the highest over
// results with status ok. A failed lookup never reads as clean: with no ok
// result it is none only when every lookup answered and said "not found",
// and unknown when nothing answered; and an incomplete set of answers that
// rates nothing above information is unknown, not none or information.
func Roll(results []Result) Verdict {
	var (
		top          = SeverityUnknown
		ok, notFound int
		unanswered   = map[string]int{} // failed lookups by provider
		reasons      []Result
	)
	for _, r := range results {
		switch r.Status {
		case StatusOK:
			ok++
			if r.Severity.Rank() > top.Rank() {
				top = r.Severity
			}
		case StatusNotFound:
			notFound++
		case StatusError, StatusRateLimited, StatusTimeout:
			unanswered[r.Provider]++
		}
	}
	v := Verdict{Reasons: []Result{}, Complete: len(unanswered) == 0}
	switch {
	case ok == 0 && notFound == 0:
		v.Severity = SeverityUnknown
		if !v.Complete {
			v.Explanation = "no provider answered: " + unansweredText(unanswered)
		} else {
			v.Explanation = "no indicator could be looked up by any configured provider"
		}
		return v
	case !v.Complete && top.Rank() <= SeverityInformation.Rank():
		v.Severity = SeverityUnknown
		v.Explanation = "incomplete, and no answer rates anything above information: " + unansweredText(unanswered)
		return v
	case ok == 0 || top == SeverityUnknown:
		v.Severity = SeverityNone
		v.Explanation = fmt.Sprintf("no provider knows any of the indicators (%d not found)", notFound)
	default:
		v.Severity = top
		for _, r := range results {
			if r.Status == StatusOK && r.Severity == top {
				reasons = append(reasons, r)
			}
		}
		slices.SortStableFunc(reasons, func(a, b Result) int {
			return cmp.Or(cmp.Compare(a.Indicator, b.Indicator), cmp.Compare(a.Provider, b.Provider))
		})
		v.Reasons = reasons
		v.Explanation = fmt.Sprintf("%d of %s rate an indicator %s", len(reasons), english.Plural(ok, "provider answer", "provider answers"), top)
	}
	if !v.Complete {
		v.Explanation += "; incomplete: " + unansweredText(unanswered)
	}
	return v
}

// unansweredText says how many lookups of each provider failed or were not
// made: "virustotal did not answer 26 lookups, greynoise 3".
func unansweredText(byProvider map[string]int) string {
	var parts []string
	for i, name := range sortedKeys(byProvider) {
		n := byProvider[name]
		if i == 0 {
			parts = append(parts, fmt.Sprintf("%s did not answer %s", name, english.Plural(n, "lookup", "lookups")))
		} else {
			parts = append(parts, fmt.Sprintf("%s %d", name, n))
		}
	}
	return strings.Join(parts, ", ")
}

// maxNamed is how many indicators Verdict.Sentence names; the others are
// counted, so that a batch of hundreds keeps a readable verdict.
const maxNamed = 5

// Sentence is the explanation with the indicators that set the severity
// (v.Reasons) named after its first clause, each with the providers that
// rated it so: "2 of 4 provider answers rate an indicator high:
// 203.0.113.66 (sentinel-ti), svc-telemetry.example.net (virustotal)". At
// most maxNamed are named, then "and N more". Roll's explanation is that
// count clause, then any caveat after "; ", which stays last.
//
// The names are indicator values as given: attacker-controlled text the
// caller must escape for where it shows them.
func (v Verdict) Sentence() string {
	if len(v.Reasons) == 0 {
		return v.Explanation
	}
	var names []string
	providers := map[string][]string{}
	for _, r := range v.Reasons {
		if _, seen := providers[r.Indicator]; !seen {
			names = append(names, r.Indicator)
		}
		providers[r.Indicator] = append(providers[r.Indicator], r.Provider)
	}
	parts := make([]string, 0, maxNamed)
	for _, n := range names[:min(len(names), maxNamed)] {
		parts = append(parts, fmt.Sprintf("%s (%s)", n, strings.Join(providers[n], ", ")))
	}
	head, caveat, hasCaveat := strings.Cut(v.Explanation, "; ")
	s := head + ": " + strings.Join(parts, ", ")
	if more := len(names) - maxNamed; more > 0 {
		s += fmt.Sprintf(" and %d more", more)
	}
	if hasCaveat {
		s += "; " + caveat
	}
	return s
}
