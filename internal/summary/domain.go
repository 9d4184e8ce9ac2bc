package summary

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/triage-dev/triage/internal/enrich"
	"github.com/triage-dev/triage/internal/enrich/domain"
	"github.com/triage-dev/triage/internal/report"
	"github.com/triage-dev/triage/internal/triage"
	"github.com/triage-dev/triage/internal/workspace"
)

func init() {
	summarizers[triage.KindURL] = summarizeNames
	summarizers[triage.KindDNS] = summarizeNames
}

// summarizeNames summarises URLs and domain names: what the name is (parts,
// registered domain, TLD, IDN and look-alikes, how random it looks), who
// registered it, what it resolves to, and who resolved or visited it. The
// URL itself is never fetched: that would tip off whoever runs it.
func summarizeNames(ctx context.Context, env *Env, ents []triage.Entity, sums []*report.Summary) {
	hosts := make([]string, len(ents))
	for i, e := range ents {
		identity(env, e, sums[i])
		hosts[i] = nameFacts(e, sums[i])
	}
	var names []string
	seen := map[string]bool{}
	for i, e := range ents {
		for _, v := range []string{hosts[i], strings.ToLower(e.Prop("url"))} {
			if v != "" && !seen[v] {
				seen[v] = true
				names = append(names, v)
			}
		}
	}
	type answer struct {
		recs  []workspace.Record
		notes notes
		err   error
	}
	queries := []string{"domain_dns_lookups", "domain_device_connections", "domain_proxy_requests"}
	answers := make([]answer, len(queries))
	var wg sync.WaitGroup
	for qi, q := range queries {
		wg.Go(func() {
			if len(names) == 0 {
				return
			}
			p := env.window()
			p["names"] = names
			a := &answers[qi]
			a.recs, a.notes, a.err = env.query(ctx, q, p)
		})
	}
	wg.Wait()
	for i := range ents {
		s, host := sums[i], hosts[i]
		s.Sections = append(s.Sections, env.registration(ctx, host), env.resolve(ctx, host))
		if host == "" {
			continue
		}
		dns, dev, proxy := answers[0], answers[1], answers[2]
		mine := func(recs []workspace.Record, cols ...string) []workspace.Record {
			var out []workspace.Record
			for _, r := range recs {
				for _, c := range cols {
					if urlHost(r.String(c)) == host {
						out = append(out, r)
						break
					}
				}
			}
			return out
		}
		rows := mine(dns.recs, "Value")
		s.Sections = append(s.Sections, section("Who resolved it", "DnsEvents", rows, dns.notes, dns.err,
			"no DNS query for "+host+" in the window", func(sec *report.SummarySection) {
				sec.Table = table(rows, env.maxRows(),
					col{"Host", "Computer", report.ColLabel}, col{"Client address", "ClientIP", report.ColAddress},
					col{"Answers", "Answers", report.ColText}, col{"Count", "Count", report.ColCount},
					col{"First seen", "FirstSeen", report.ColFirstSeen}, col{"Last seen", "LastSeen", report.ColLastSeen})
			}))
		rows = mine(dev.recs, "RemoteUrl")
		s.Sections = append(s.Sections, section("Devices that connected to it", "DeviceNetworkEvents", rows, dev.notes, dev.err,
			"no device connection to "+host+" in the window", func(sec *report.SummarySection) {
				sec.Table = table(rows, env.maxRows(),
					col{"Device", "DeviceName", report.ColLabel}, col{"URL", "RemoteUrl", report.ColText},
					col{"Remote address", "RemoteIP", report.ColAddress}, col{"Processes", "Processes", report.ColText},
					col{"Count", "Count", report.ColCount}, col{"First seen", "FirstSeen", report.ColFirstSeen},
					col{"Last seen", "LastSeen", report.ColLastSeen})
			}))
		rows = mine(proxy.recs, "DestinationHostName", "RequestURL")
		s.Sections = append(s.Sections, section("Firewall and proxy records", "CommonSecurityLog", rows, proxy.notes, proxy.err,
			"no firewall or proxy record for "+host+" in the window", func(sec *report.SummarySection) {
				sec.Table = table(rows, env.maxRows(),
					col{"Source address", "SourceIP", report.ColAddress}, col{"User", "SourceUserName", report.ColLabel},
					col{"URL", "RequestURL", report.ColText}, col{"Destination address", "DestinationIP", report.ColAddress},
					col{"Actions", "Actions", report.ColOutcome}, col{"Count", "Count", report.ColCount},
					col{"First seen", "FirstSeen", report.ColFirstSeen}, col{"Last seen", "LastSeen", report.ColLastSeen})
			}))
	}
}

// nameFacts adds what the URL or name is, and returns its host name ("" for
// an IP host or a value that is not a URL or name).
func nameFacts(e triage.Entity, s *report.Summary) string {
	var f domain.Facts
	if raw := e.Prop("url"); raw != "" {
		u, err := domain.ParseURL(raw)
		if err != nil {
			fact(&s.Facts, "URL", "not a URL that can be read: "+err.Error())
			return ""
		}
		fact(&s.Facts, "Scheme", u.Scheme)
		fact(&s.Facts, "Host", u.Host)
		fact(&s.Facts, "Port", u.Port)
		fact(&s.Facts, "Path", u.Path)
		fact(&s.Facts, "Query", u.Query)
		if u.UserInfo {
			fact(&s.Facts, "User info", "the URL carries a user name or password before its host (a phishing trick)")
		}
		if u.IPHost {
			fact(&s.Facts, "Host type", "an IP address, not a name")
			return ""
		}
		f = u.Facts
	} else {
		f = domain.Analyze(firstNonEmpty(e.Prop("domainName"), e.Prop("hostName")))
	}
	fact(&s.Facts, "Registered domain", f.Registered)
	tld := "an ICANN top-level domain"
	switch {
	case !f.KnownTLD:
		tld = "not a delegated top-level domain"
	case !f.ICANN:
		tld = "a private suffix (anyone can register under it)"
	}
	fact(&s.Facts, "Suffix", strings.TrimSpace(f.Suffix+" — "+tld))
	if f.IDN {
		fact(&s.Facts, "International name", f.Unicode)
	}
	if f.MixedScript {
		fact(&s.Facts, "Scripts", strings.Join(f.Scripts, ", ")+" mixed in one label (a look-alike sign)")
	}
	fact(&s.Facts, "Looks like", f.LookAlike)
	if f.Entropy > 0 {
		v := fmt.Sprintf("%.2f bits per character", f.Entropy)
		if f.EntropyUnusual {
			v += fmt.Sprintf(" — unusual (typical names are %.2f–%.2f): possibly machine-made", domain.EntropyLow, domain.EntropyHigh)
		}
		fact(&s.Facts, "Entropy", v)
	}
	for _, p := range f.Problems {
		fact(&s.Facts, "Note", p)
	}
	return f.Name
}

// registration asks the registry who registered the host's domain.
func (env *Env) registration(ctx context.Context, host string) report.SummarySection {
	sec := report.SummarySection{Name: "Registration", Source: "RDAP"}
	f := domain.Analyze(host)
	switch {
	case host == "" || f.Registered == "":
		sec.Status, sec.Reason = report.StatusSkipped, "no registered domain to look up"
		return sec
	case !f.KnownTLD:
		sec.Status, sec.Reason = report.StatusSkipped, f.Suffix+" is not a delegated top-level domain: nothing is registered"
		return sec
	case env.Registry == nil:
		sec.Status, sec.Reason = report.StatusSkipped, "registration lookups are off"
		return sec
	}
	d, err := env.Registry.Domain(ctx, f.Registered)
	switch {
	case errors.Is(err, enrich.ErrUnknown):
		sec.Status, sec.Reason = report.StatusEmpty, "no registration record for "+f.Registered
	case err != nil:
		sec.Status, sec.Reason = report.StatusError, err.Error()
	default:
		sec.Status, sec.Source = report.StatusOK, firstNonEmpty(d.Source, "RDAP")
		fact(&sec.Facts, "Domain", f.Registered)
		fact(&sec.Facts, "Registrar", d.Registrar)
		if !d.Created.IsZero() {
			fact(&sec.Facts, "Registered", d.Created.UTC().Format("2006-01-02"))
		}
		if !d.Expires.IsZero() {
			fact(&sec.Facts, "Expires", d.Expires.UTC().Format("2006-01-02"))
		}
		fact(&sec.Facts, "Name servers", strings.Join(d.Nameservers, ", "))
		fact(&sec.Facts, "Status", strings.Join(d.Status, ", "))
	}
	return sec
}

// resolve asks DNS about the host, when DNS lookups are on.
func (env *Env) resolve(ctx context.Context, host string) report.SummarySection {
	sec := report.SummarySection{Name: "DNS answers", Source: "DNS"}
	switch {
	case host == "":
		sec.Status, sec.Reason = report.StatusSkipped, "no host name to resolve"
		return sec
	case env.DNS == nil:
		sec.Status, sec.Reason = report.StatusSkipped, "DNS lookups are off"
		return sec
	}
	a, err := env.DNS.Resolve(ctx, host)
	if err != nil {
		sec.Status, sec.Reason = report.StatusError, err.Error()
		if errors.Is(err, domain.ErrInternal) {
			sec.Status = report.StatusSkipped
		}
		return sec
	}
	sec.Status = report.StatusOK
	fact(&sec.Facts, "A", strings.Join(a.A, ", "))
	fact(&sec.Facts, "AAAA", strings.Join(a.AAAA, ", "))
	fact(&sec.Facts, "CNAME", strings.Join(a.CNAME, ", "))
	fact(&sec.Facts, "MX", strings.Join(a.MX, ", "))
	fact(&sec.Facts, "NS", strings.Join(a.NS, ", "))
	for t, e := range a.Errors {
		fact(&sec.Facts, t+" failed", e)
	}
	return sec
}

// urlHost is the lower-case host of a URL or name as logs write them
// ("svc.example.net", "https://svc.example.net/x", "svc.example.net:443").
func urlHost(v string) string {
	v = strings.ToLower(strings.TrimSpace(v))
	if i := strings.Index(v, "://"); i >= 0 {
		v = v[i+3:]
	}
	if i := strings.IndexAny(v, "/?#"); i >= 0 {
		v = v[:i]
	}
	if i := strings.LastIndexByte(v, '@'); i >= 0 {
		v = v[i+1:]
	}
	if i := strings.LastIndexByte(v, ':'); i >= 0 && !strings.Contains(v, "]") {
		v = v[:i]
	}
	return strings.TrimSuffix(v, ".")
}
