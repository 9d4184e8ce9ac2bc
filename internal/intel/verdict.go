package intel

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/triage-dev/triage/internal/english"
)

// Verdict is the threat-intel severity of a set of results, with its working.
type Verdict struct {
	Severity Severity `json:"severity"`
	// Explanation says in one sentence how the severity was reached.
	Explanation string `json:"explanation"`
	// Reasons are the ok results that set the severity, most severe first.
	Reasons []Result `json:"reasons"`
}

// Roll rolls results up into one verdict. The severity is the highest over
// results with status ok. With no ok result it is none when lookups answered
// "not found", and unknown when nothing answered at all: a failed lookup never
// reads as clean.
func Roll(results []Result) Verdict {
	var (
		top                  = SeverityUnknown
		ok, notFound, failed int
		reasons              []Result
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
			failed++
		}
	}
	v := Verdict{Reasons: []Result{}}
	switch {
	case ok == 0 && notFound == 0:
		v.Severity = SeverityUnknown
		if failed > 0 {
			v.Explanation = fmt.Sprintf("no provider answered: %s failed", english.Plural(failed, "lookup", "lookups"))
		} else {
			v.Explanation = "no indicator could be looked up by any configured provider"
		}
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
	if failed > 0 {
		v.Explanation += fmt.Sprintf("; %s failed, so the verdict may be incomplete", english.Plural(failed, "lookup", "lookups"))
	}
	return v
}
