package summary

import (
	"net/netip"
	"slices"
	"testing"

	"github.com/triage-dev/triage/internal/enrich/domain"
	"github.com/triage-dev/triage/internal/ioc"
	"github.com/triage-dev/triage/internal/report"
	"github.com/triage-dev/triage/internal/triage"
)

// FuzzNameFacts checks the summaries' use of the domain analyser: the host
// name a URL or DNS entity's summary looks up (registration, DNS, who
// resolved or visited it) is never an address, and one the analyser found
// no problem with analyses to itself, so the lookups and the facts are
// about the same name.
func FuzzNameFacts(f *testing.F) {
	for _, s := range []string{
		"７.０.０.１", "A://ﴐ.１", "http://ﴐ.１/", "http://１２７.０.０.１/", "ｇｏｏｇｌｅ．ｃｏｍ．", "evil[.]example[.]com",
		"hxxps://user:pw@evil[.]com:8443/a", "http://0x7f.1/", "[2001:db8::1]", "8.8.8.8", "例え.jp", "xn--abc.com",
		"http://evil.example\\@good.example/", "www.example.com/path", "a..b", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		for _, e := range []triage.Entity{
			{Kind: triage.KindURL, Properties: map[string]any{"url": v}},
			{Kind: triage.KindDNS, Properties: map[string]any{"domainName": v}},
		} {
			var s report.Summary
			host := nameFacts(e, &s)
			if host == "" {
				continue
			}
			if _, err := netip.ParseAddr(host); err == nil {
				t.Errorf("%s %q: the address %q is summarised as a name", e.Kind, v, host)
			}
			if ind, err := ioc.Parse(v); err == nil && ind.Kind.IsIP() {
				t.Errorf("%s %q: ioc reads the address %v, the summary the name %q", e.Kind, v, ind, host)
			}
			// A name with problems (an empty label) is looked up as it
			// is; one without analyses to itself.
			if slices.ContainsFunc(s.Facts, func(f report.Fact) bool { return f.Label == "Note" }) {
				continue
			}
			if fa := domain.Analyze(host); fa.Name != host || len(fa.Problems) > 0 {
				t.Errorf("%s %q: the summary looks up %q, which analyses to %q %q", e.Kind, v, host, fa.Name, fa.Problems)
			}
		}
	})
}
