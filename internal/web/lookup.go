package web

import (
	"net/http"
	"slices"
	"strings"

	"github.com/triage-dev/triage/internal/intel"
	"github.com/triage-dev/triage/internal/ioc"
	"github.com/triage-dev/triage/internal/report"
)

// maxLookup is how many indicators one lookup takes.
const maxLookup = 500

type lookupPage struct {
	base
	Text       string
	Asked      bool
	Error      string
	Indicators []lookupIndicator
	Verdict    intel.Verdict
	Results    []lookupResult
	Cut        int // indicators left out beyond maxLookup
	NoIntel    bool
	// Withheld lists the indicators never sent to external providers, by
	// why: what the page says beside the results.
	Withheld []report.Withheld
}

type lookupIndicator struct {
	ioc.Indicator
	// Withheld is why it is never sent to external providers: internal,
	// reserved or credentials; "" when it may be.
	Withheld ioc.Withholding
	Href     string // its entity page, when it has one
}

type lookupResult struct {
	intel.Result
	Text string // the summary, else the reason
	Link string // the provider's page, when it is http(s)
}

// lookup shows the form, and with POST extracts the text's indicators and
// looks them up.
func (s *Server) lookup(w http.ResponseWriter, r *http.Request) {
	ws := s.wsName(r)
	p := &lookupPage{base: s.newBase(r, "Look up indicators", "lookup", ws)}
	if r.Method != http.MethodPost {
		s.render(w, r, http.StatusOK, "lookup", p)
		return
	}
	p.Asked = true
	p.Text = r.PostFormValue("text")
	var inds []ioc.Indicator
	if ind, err := ioc.Parse(strings.TrimSpace(p.Text)); err == nil {
		inds = []ioc.Indicator{ind}
	} else {
		inds = ioc.Extract(p.Text)
	}
	if len(inds) == 0 {
		p.Error = "No indicator found in this text: paste IP addresses, domains, URLs, hashes or e-mail addresses, defanged or not."
		s.render(w, r, http.StatusUnprocessableEntity, "lookup", p)
		return
	}
	if len(inds) > maxLookup {
		p.Cut = len(inds) - maxLookup
		inds = inds[:maxLookup]
	}
	env, err := s.env(r.Context(), ws)
	if err != nil {
		s.fail(w, r, http.StatusNotFound, "The workspace could not be opened.", err)
		return
	}
	for _, ind := range inds {
		li := lookupIndicator{Indicator: ind, Withheld: env.Intel.Withheld(ind)}
		if k := pivotKind(ind.Kind); k != "" {
			li.Href = entityPath(ws, k+":"+ind.Value)
		}
		p.Indicators = append(p.Indicators, li)
		if li.Withheld == "" {
			continue
		}
		i := slices.IndexFunc(p.Withheld, func(g report.Withheld) bool { return g.Why == li.Withheld })
		if i < 0 {
			i = len(p.Withheld)
			p.Withheld = append(p.Withheld, report.Withheld{Why: li.Withheld})
		}
		p.Withheld[i].Values = append(p.Withheld[i].Values, ind.Value)
	}
	if env.Intel == nil {
		p.NoIntel = true
		s.render(w, r, http.StatusOK, "lookup", p)
		return
	}
	rs := env.Intel.Lookup(r.Context(), inds)
	p.Verdict = intel.Roll(rs)
	for _, res := range rs {
		lr := lookupResult{Result: res, Text: res.Summary}
		if lr.Text == "" {
			lr.Text = res.Reason
		}
		if strings.HasPrefix(res.Link, "https://") || strings.HasPrefix(res.Link, "http://") {
			lr.Link = res.Link
		}
		p.Results = append(p.Results, lr)
	}
	// What matters first: the most severe results at the top.
	slices.SortStableFunc(p.Results, func(a, b lookupResult) int { return intel.BySeverity(a.Result, b.Result) })
	s.render(w, r, http.StatusOK, "lookup", p)
}

// pivotKind is the entity kind an indicator's page is summarised as.
func pivotKind(k ioc.Kind) string {
	switch {
	case k.IsIP():
		return "Ip"
	case k.IsHash():
		return "FileHash"
	case k == ioc.Domain || k == ioc.Hostname:
		return "DnsResolution"
	case k == ioc.URL:
		return "Url"
	case k == ioc.Email:
		return "Mailbox"
	}
	return ""
}

type providersPage struct {
	base
	Rows  []ProviderRow
	Error string
}

func (s *Server) providers(w http.ResponseWriter, r *http.Request) {
	ws := s.wsName(r)
	p := &providersPage{base: s.newBase(r, "Threat-intel providers", "providers", ws)}
	env, err := s.env(r.Context(), ws)
	if err != nil {
		s.fail(w, r, http.StatusNotFound, "The workspace could not be opened.", err)
		return
	}
	if env.Providers != nil {
		rows, err := env.Providers(r.Context())
		if err != nil {
			s.log.Warn("providers", "err", err)
			p.Error = err.Error()
		}
		p.Rows = rows
	}
	s.render(w, r, http.StatusOK, "providers", p)
}
