package summary

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/triage-dev/triage/internal/enrich"
	"github.com/triage-dev/triage/internal/intel"
	"github.com/triage-dev/triage/internal/ioc"
	"github.com/triage-dev/triage/internal/report"
	"github.com/triage-dev/triage/internal/triage"
	"github.com/triage-dev/triage/internal/workspace"
)

func init() { summarizers[triage.KindIP] = summarizeIPs }

// The IP summary's queries (internal/workspace/queries/summary.yaml).
const (
	qIPHosts   = "summary_ip_hosts"
	qIPSignins = "summary_ip_signins"
	qIPAzure   = "summary_ip_azure_activity"
	qIPOffice  = "summary_ip_office_activity"
	qIPLogons  = "summary_ip_logons"
	qIPNetwork = "summary_ip_network"
	qRelated   = "related_alerts" // alerts.yaml; shared by every kind
)

// lookupLimit bounds the outside lookups (GeoIP, RDAP) in flight per kind.
const lookupLimit = 4

// ipEntity is an IP entity's address as the summary uses it.
type ipEntity struct {
	value string     // the canonical address, or the raw value when it does not parse
	addr  netip.Addr // invalid when the value is not an address
	scope ioc.Scope
}

// internal reports whether the address is only meaningful inside an
// organisation (RFC 1918 and the like), so that no public source knows it.
func (ip ipEntity) internal() bool { return ip.scope.Internal() }

// summarizeIPs summarises IP addresses: what they are, where they are and who
// holds them, which hosts have them, and who and what used them.
func summarizeIPs(ctx context.Context, env *Env, ents []triage.Entity, sums []*report.Summary) {
	ips := make([]ipEntity, len(ents))
	var values []string
	for i, e := range ents {
		identity(env, e, sums[i])
		ips[i] = ipOf(e)
		if ips[i].value != "" {
			values = append(values, ips[i].value)
		}
	}
	values = dedupe(values)

	var (
		res         map[string]outcome
		locs        map[netip.Addr]lookupResult[enrich.Location]
		nets        map[netip.Addr]lookupResult[enrich.Network]
		public      []netip.Addr
		seenAddress = map[netip.Addr]bool{}
	)
	for _, ip := range ips {
		if ip.addr.IsValid() && !ip.internal() && !seenAddress[ip.addr] {
			seenAddress[ip.addr] = true
			public = append(public, ip.addr)
		}
	}
	var wg sync.WaitGroup
	wg.Go(func() {
		p := env.params(values)
		res = env.runAll(ctx, map[string]workspace.Params{
			qIPHosts: p, qIPSignins: p, qIPAzure: p, qIPOffice: p, qIPLogons: p, qIPNetwork: p,
			qRelated: env.relatedParams(ents),
		})
	})
	if env.Geo != nil {
		wg.Go(func() { locs = lookupAll(ctx, public, env.Geo.Locate) })
	}
	if env.Registry != nil {
		wg.Go(func() { nets = lookupAll(ctx, public, env.Registry.Network) })
	}
	wg.Wait()

	byIP := func(name string) map[string][]workspace.Record {
		return splitBy(res[name].recs, func(r workspace.Record) []string { return []string{canonicalIP(r.String("Value"))} })
	}
	hosts, signins, azure, office := byIP(qIPHosts), byIP(qIPSignins), byIP(qIPAzure), byIP(qIPOffice)
	logons, network := byIP(qIPLogons), byIP(qIPNetwork)
	related := ParseRelated(res[qRelated].recs)

	for i, e := range ents {
		ip, s := ips[i], sums[i]
		if !ip.addr.IsValid() {
			fact(&s.Facts, "Address", "not a valid IP address")
		} else {
			fact(&s.Facts, "Type", map[bool]string{true: "IPv4", false: "IPv6"}[ip.addr.Is4()])
			fact(&s.Facts, "Scope", string(ip.scope))
		}
		fact(&s.Facts, "Origin", ipOrigin(ip, hosts[ip.value], res[qIPHosts]))
		span := env.span()
		s.Sections = append(s.Sections,
			geoSection(env, ip, locs),
			registrationSection(env, ip, nets),
			passiveDNSSection(env, ip),
			env.sectionFor("Hosts with this address", "Heartbeat, DeviceNetworkInfo, VMComputer", res[qIPHosts], hosts[ip.value],
				"no host reported "+ip.value+" as its address "+span, fillIPHosts(env)),
			env.sectionFor("Sign-ins from this address", "SigninLogs", res[qIPSignins], signins[ip.value],
				"no sign-in from "+ip.value+" "+span, fillIPSignins(env)),
			env.sectionFor("Azure activity from this address", "AzureActivity", res[qIPAzure], azure[ip.value],
				"no Azure operation called from "+ip.value+" "+span, fillIPAzure(env)),
			env.sectionFor("Office 365 activity from this address", "OfficeActivity", res[qIPOffice], office[ip.value],
				"no Office 365 operation from "+ip.value+" "+span, fillIPOffice(env)),
			env.sectionFor("Host logons from this address", "SecurityEvent 4624/4625, Syslog sshd", res[qIPLogons], logons[ip.value],
				"no Windows or SSH logon from "+ip.value+" "+span, fillIPLogons(env)),
			env.sectionFor("Network events", "DeviceNetworkEvents, CommonSecurityLog", res[qIPNetwork], network[ip.value],
				"no endpoint or firewall connection of "+ip.value+" "+span, fillIPNetwork(env)),
			relatedSection(env, res[qRelated], related, e),
			tiSection(env, ip.value),
		)
		if r, ok := locs[ip.addr]; ok && r.err == nil && (r.value.Latitude != 0 || r.value.Longitude != 0) {
			s.Location = &report.Location{Latitude: r.value.Latitude, Longitude: r.value.Longitude, Place: placeOf(r.value)}
		}
	}
}

// ipOf reads an IP entity's address.
func ipOf(e triage.Entity) ipEntity {
	v := strings.TrimPrefix(e.Key, string(triage.KindIP)+":")
	if strings.HasPrefix(v, "#") { // no address: keyed by a hash
		v = strings.ToLower(e.Prop("address"))
	}
	ip := ipEntity{value: v}
	if a, err := netip.ParseAddr(v); err == nil {
		ip.addr = a.WithZone("").Unmap()
		ip.value = ip.addr.String()
		ip.scope = ioc.ScopeOf(ip.addr)
	}
	return ip
}

// canonicalIP is the canonical form of an address as a log writes it, or
// the lower-cased text when it is not an address.
func canonicalIP(s string) string {
	s = strings.TrimSpace(s)
	if a, err := netip.ParseAddr(s); err == nil {
		return a.WithZone("").Unmap().String()
	}
	return strings.ToLower(s)
}

// ipOrigin says whether the address belongs to the organisation: internal
// when it is private or a host has it, else external.
func ipOrigin(ip ipEntity, hosts []workspace.Record, o outcome) string {
	var names []string
	for _, r := range hosts {
		names = append(names, strings.ToLower(r.String("Host")))
	}
	names = dedupe(names)
	switch {
	case ip.internal():
		return "internal (" + string(ip.scope) + " address)"
	case len(names) > 0:
		return "internal (the address of " + strings.Join(names, ", ") + ")"
	case o.err != nil:
		return "external, unless a host has it: the host records could not be read (" + o.err.Error() + ")"
	}
	return "external"
}

// --- outside lookups ------------------------------------------------------------

// lookupResult is what one outside lookup of an address gave.
type lookupResult[T any] struct {
	value T
	err   error
}

// lookupAll asks lookup about every address, at most lookupLimit at a time.
func lookupAll[T any](ctx context.Context, addrs []netip.Addr, lookup func(context.Context, netip.Addr) (T, error)) map[netip.Addr]lookupResult[T] {
	out := make(map[netip.Addr]lookupResult[T], len(addrs))
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, lookupLimit)
	for _, a := range addrs {
		wg.Go(func() {
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				mu.Lock()
				out[a] = lookupResult[T]{err: ctx.Err()}
				mu.Unlock()
				return
			}
			v, err := lookup(ctx, a)
			<-sem
			mu.Lock()
			out[a] = lookupResult[T]{value: v, err: err}
			mu.Unlock()
		})
	}
	wg.Wait()
	return out
}

// geoSection says where the address is.
func geoSection(env *Env, ip ipEntity, locs map[netip.Addr]lookupResult[enrich.Location]) report.SummarySection {
	sec := report.SummarySection{Name: "Geolocation", Source: "GeoIP"}
	r, asked := locs[ip.addr]
	switch {
	case env.Geo == nil:
		sec.Status, sec.Reason = report.StatusSkipped, "no GeoIP database configured"
	case !ip.addr.IsValid():
		sec.Status, sec.Reason = report.StatusSkipped, "not a valid IP address"
	case ip.internal():
		sec.Status, sec.Reason = report.StatusSkipped, "a "+string(ip.scope)+" address has no geolocation"
	case !asked:
		sec.Status, sec.Reason = report.StatusError, "the address was not looked up"
	case errors.Is(r.err, enrich.ErrUnknown):
		sec.Status, sec.Reason = report.StatusEmpty, "the GeoIP database has no record of "+ip.value
	case r.err != nil:
		sec.Status, sec.Reason = report.StatusError, "geolocation of "+ip.value+": "+r.err.Error()
	default:
		l := r.value
		sec.Status = report.StatusOK
		if l.Source != "" {
			sec.Source = l.Source
		}
		country := l.Country
		if l.CountryCode != "" {
			country = strings.TrimSpace(country + " (" + l.CountryCode + ")")
		}
		fact(&sec.Facts, "Country", country)
		fact(&sec.Facts, "Region", l.Region)
		fact(&sec.Facts, "City", l.City)
		if l.Latitude != 0 || l.Longitude != 0 {
			fact(&sec.Facts, "Coordinates", strconv.FormatFloat(l.Latitude, 'f', 4, 64)+", "+strconv.FormatFloat(l.Longitude, 'f', 4, 64))
		}
		if l.ASN != 0 {
			fact(&sec.Facts, "ASN", strings.TrimSpace(fmt.Sprintf("AS%d %s", l.ASN, l.ASOrg)))
		}
		if len(sec.Facts) == 0 {
			sec.Status, sec.Reason = report.StatusEmpty, "the GeoIP database has no location for "+ip.value
		}
	}
	return sec
}

// registrationSection says who registered the address's network (RDAP).
func registrationSection(env *Env, ip ipEntity, nets map[netip.Addr]lookupResult[enrich.Network]) report.SummarySection {
	sec := report.SummarySection{Name: "Registration", Source: "RDAP"}
	r, asked := nets[ip.addr]
	switch {
	case env.Registry == nil:
		sec.Status, sec.Reason = report.StatusSkipped, "registration lookups are off"
	case !ip.addr.IsValid():
		sec.Status, sec.Reason = report.StatusSkipped, "not a valid IP address"
	case ip.internal():
		sec.Status, sec.Reason = report.StatusSkipped, "no public registration: a "+string(ip.scope)+" address"
	case !asked:
		sec.Status, sec.Reason = report.StatusError, "the address was not looked up"
	case errors.Is(r.err, enrich.ErrUnknown):
		sec.Status, sec.Reason = report.StatusEmpty, "no registry holds a registration for "+ip.value
	case r.err != nil:
		sec.Status, sec.Reason = report.StatusError, "registration of "+ip.value+": "+r.err.Error()
	default:
		n := r.value
		sec.Status = report.StatusOK
		if n.Source != "" {
			sec.Source = n.Source
		}
		fact(&sec.Facts, "Network", strings.TrimSpace(n.Name+" "+parens(n.Handle)))
		fact(&sec.Facts, "CIDR", n.CIDR)
		fact(&sec.Facts, "Organisation", n.Org)
		fact(&sec.Facts, "Country", n.Country)
		fact(&sec.Facts, "Abuse contact", n.AbuseEmail)
		fact(&sec.Facts, "Registered", timeText(n.Registered))
		fact(&sec.Facts, "Updated", timeText(n.Updated))
	}
	return sec
}

// passiveDNSSection lists the names threat-intel providers saw the address
// resolve from: VirusTotal's resolutions and OTX's passive DNS, when the
// providers were asked for them.
func passiveDNSSection(env *Env, ip ipEntity) report.SummarySection {
	sec := report.SummarySection{Name: "Passive DNS", Source: "threat intelligence"}
	if env.TIPending {
		sec.Status, sec.Reason = report.StatusSkipped, waitingForTI
		return sec
	}
	var rows []workspace.Record
	var providers, failures []string
	for _, r := range env.TI {
		if !strings.EqualFold(r.Indicator, ip.value) || r.Status != intel.StatusOK {
			continue
		}
		switch pd := r.PassiveDNS; {
		case pd == nil:
		case pd.Err != "":
			failures = append(failures, r.Provider+": "+pd.Err)
		default:
			providers = append(providers, r.Provider)
			for _, rec := range pd.Records {
				rows = append(rows, workspace.Record{
					"Provider": r.Provider,
					"Name":     firstNonEmpty(rec.Name, rec.Address),
					"Type":     rec.Type,
					"First":    cmp.Or(rec.First, rec.Date),
					"Last":     rec.Last,
				})
			}
		}
	}
	slices.Sort(failures)
	switch {
	case len(rows) > 0:
		sec.Status = report.StatusOK
		sec.Source = strings.Join(dedupe(providers), ", ")
		slices.SortStableFunc(rows, func(a, b workspace.Record) int {
			return cmp.Or(b.Time("Last").Compare(a.Time("Last")), b.Time("First").Compare(a.Time("First")))
		})
		sec.Table = table(rows, env.maxRows(),
			col{"Name", "Name", report.ColLabel}, col{"Type", "Type", report.ColText},
			col{"First seen", "First", report.ColFirstSeen}, col{"Last seen", "Last", report.ColLastSeen},
			col{"Provider", "Provider", report.ColLabel})
		fact(&sec.Facts, "Names", strconv.Itoa(len(rows)))
		fact(&sec.Facts, "Failed lookups", strings.Join(failures, "; "))
	case len(failures) > 0:
		sec.Status, sec.Reason = report.StatusError, strings.Join(failures, "; ")
	case len(providers) > 0:
		sec.Status, sec.Reason = report.StatusEmpty, "no passive DNS record of "+ip.value
	default:
		sec.Status, sec.Reason = report.StatusSkipped,
			"no threat-intel provider returned passive DNS for "+ip.value+" (VirusTotal resolutions or OTX passive DNS are off)"
	}
	return sec
}

// tiSection lists what each threat-intel provider said of value.
func tiSection(env *Env, value string) report.SummarySection {
	sec := report.SummarySection{Name: "Threat intelligence", Source: "threat intelligence"}
	results := env.TI
	if env.TIPending {
		sec.Status, sec.Reason = report.StatusSkipped, waitingForTI
		return sec
	}
	var rs []intel.Result
	for _, r := range results {
		if strings.EqualFold(r.Indicator, value) {
			rs = append(rs, r)
		}
	}
	switch {
	case len(results) == 0:
		sec.Status, sec.Reason = report.StatusSkipped, "no threat-intel lookups were made"
		return sec
	case len(rs) == 0:
		sec.Status, sec.Reason = report.StatusEmpty, "no threat-intel result for "+value
		return sec
	}
	slices.SortFunc(rs, func(a, b intel.Result) int { return cmp.Compare(a.Provider, b.Provider) })
	var rows []workspace.Record
	var answered int
	var failed []string
	for _, r := range rs {
		rows = append(rows, workspace.Record{"Provider": r.Provider, "Status": string(r.Status), "Severity": string(r.Severity),
			"Summary": firstNonEmpty(r.Summary, r.Reason)})
		switch r.Status {
		case intel.StatusOK, intel.StatusNotFound:
			answered++
		case intel.StatusError, intel.StatusRateLimited, intel.StatusTimeout:
			failed = append(failed, r.Provider+": "+firstNonEmpty(r.Reason, string(r.Status)))
		}
	}
	sec.Status = report.StatusOK
	if answered == 0 && len(failed) > 0 {
		sec.Status, sec.Reason = report.StatusError, strings.Join(failed, "; ")
	}
	v := intel.Roll(rs)
	fact(&sec.Facts, "Verdict", string(v.Severity))
	fact(&sec.Facts, "Failed lookups", strings.Join(failed, "; "))
	sec.Table = table(rows, rowLimit{n: len(rows)},
		col{"Provider", "Provider", report.ColLabel}, col{"Status", "Status", report.ColText},
		col{"Severity", "Severity", report.ColText}, col{"Summary", "Summary", report.ColText})
	return sec
}

// --- the IP sections' contents --------------------------------------------------

func fillIPHosts(env *Env) func(*report.SummarySection, []workspace.Record) {
	return func(sec *report.SummarySection, recs []workspace.Record) {
		var names []string
		for _, r := range recs {
			names = append(names, strings.ToLower(r.String("Host")))
		}
		fact(&sec.Facts, "Hosts", strings.Join(dedupe(names), ", "))
		sec.Table = table(recs, env.maxRows(),
			col{"Host", "Host", report.ColLabel}, col{"Source", "Source", report.ColText},
			col{"Host id", "HostId", report.ColText}, col{"OS", "OS", report.ColLabel},
			col{"First seen", "FirstSeen", report.ColFirstSeen}, col{"Last seen", "LastSeen", report.ColLastSeen})
	}
}

func fillIPSignins(env *Env) func(*report.SummarySection, []workspace.Record) {
	return func(sec *report.SummarySection, recs []workspace.Record) {
		total, ok := sumWhere(recs, "Count", func(r workspace.Record) bool { return true }),
			sumWhere(recs, "Count", func(r workspace.Record) bool { return r.String("ResultType") == "0" })
		fact(&sec.Facts, "Sign-ins", strconv.FormatInt(total, 10))
		fact(&sec.Facts, "Succeeded", strconv.FormatInt(ok, 10))
		fact(&sec.Facts, "Failed or interrupted", strconv.FormatInt(total-ok, 10))
		fact(&sec.Facts, "Accounts", countList(recs, "Account", 10))
		fact(&sec.Facts, "Result codes", countedBy(recs, "ResultType", "Count", 10))
		fact(&sec.Facts, "First seen", timeText(minTime(recs, "FirstSeen")))
		fact(&sec.Facts, "Last seen", timeText(maxTime(recs, "LastSeen")))
		sec.Table = table(recs, env.maxRows(),
			col{"Account", "Account", report.ColLabel}, col{"Result", "ResultType", report.ColResultCode},
			col{"Reason", "ResultDescription", report.ColText}, col{"Application", "AppDisplayName", report.ColLabel},
			col{"Count", "Count", report.ColCount}, col{"First seen", "FirstSeen", report.ColFirstSeen},
			col{"Last seen", "LastSeen", report.ColLastSeen})
	}
}

func fillIPAzure(env *Env) func(*report.SummarySection, []workspace.Record) {
	return func(sec *report.SummarySection, recs []workspace.Record) {
		fact(&sec.Facts, "Operations", strconv.FormatInt(sumWhere(recs, "Count", nil), 10))
		fact(&sec.Facts, "Callers", countList(recs, "Caller", 10))
		sec.Table = table(recs, env.maxRows(),
			col{"Caller", "Caller", report.ColText}, col{"Operation", "OperationNameValue", report.ColLabel},
			col{"Status", "ActivityStatusValue", report.ColOutcome}, col{"Resource", "ResourceId", report.ColText},
			col{"Count", "Count", report.ColCount}, col{"First seen", "FirstSeen", report.ColFirstSeen},
			col{"Last seen", "LastSeen", report.ColLastSeen})
	}
}

func fillIPOffice(env *Env) func(*report.SummarySection, []workspace.Record) {
	return func(sec *report.SummarySection, recs []workspace.Record) {
		fact(&sec.Facts, "Operations", strconv.FormatInt(sumWhere(recs, "Count", nil), 10))
		fact(&sec.Facts, "Users", countList(recs, "UserId", 10))
		sec.Table = table(recs, env.maxRows(),
			col{"User", "UserId", report.ColText}, col{"Workload", "OfficeWorkload", report.ColText},
			col{"Operation", "Operation", report.ColLabel}, col{"Count", "Count", report.ColCount},
			col{"First seen", "FirstSeen", report.ColFirstSeen}, col{"Last seen", "LastSeen", report.ColLastSeen})
	}
}

func fillIPLogons(env *Env) func(*report.SummarySection, []workspace.Record) {
	return func(sec *report.SummarySection, recs []workspace.Record) {
		fact(&sec.Facts, "Successful logons", strconv.FormatInt(sumWhere(recs, "Successes", nil), 10))
		fact(&sec.Facts, "Failed logons", strconv.FormatInt(sumWhere(recs, "Failures", nil), 10))
		fact(&sec.Facts, "Hosts", countList(recs, "Host", 10))
		fact(&sec.Facts, "Accounts", countList(recs, "Account", 10))
		sec.Table = table(recs, env.maxRows(),
			col{"Host", "Host", report.ColLabel}, col{"Account", "Account", report.ColLabel},
			col{"Logon type", "LogonType", report.ColLabel}, col{"Source", "Source", report.ColText},
			col{"Successes", "Successes", report.ColSuccesses}, col{"Failures", "Failures", report.ColFailures},
			col{"First seen", "FirstSeen", report.ColFirstSeen}, col{"Last seen", "LastSeen", report.ColLastSeen})
	}
}

func fillIPNetwork(env *Env) func(*report.SummarySection, []workspace.Record) {
	return func(sec *report.SummarySection, recs []workspace.Record) {
		fact(&sec.Facts, "Connections", strconv.FormatInt(sumWhere(recs, "Count", nil), 10))
		fact(&sec.Facts, "Peers", countList(recs, "Peer", 10))
		var external []workspace.Record
		for _, r := range recs {
			if p := ipOf(triage.Entity{Key: string(triage.KindIP) + ":" + canonicalIP(r.String("Peer"))}); p.addr.IsValid() && !p.internal() {
				external = append(external, r)
			}
		}
		fact(&sec.Facts, "External peers", countedBy(external, "Peer", "Count", 10))
		fact(&sec.Facts, "Sources", strings.Join(distinct(recs, "Source"), ", "))
		sec.Table = table(recs, env.maxRows(),
			col{"Source", "Source", report.ColText}, col{"Role", "Role", report.ColText},
			col{"Peer", "Peer", report.ColAddress}, col{"Device", "Device", report.ColLabel},
			col{"Name", "Url", report.ColText}, col{"Port", "Port", report.ColText},
			col{"Action", "Action", report.ColOutcome}, col{"Count", "Count", report.ColCount},
			col{"First seen", "FirstSeen", report.ColFirstSeen}, col{"Last seen", "LastSeen", report.ColLastSeen})
	}
}

// --- shared by the IP, account and host summaries -------------------------------

// outcome is what one named query gave.
type outcome struct {
	recs  []workspace.Record
	notes notes
	err   error
}

// errNoWorkspace is the outcome of every query when Env has no workspace.
var errNoWorkspace = errors.New("no workspace to query")

// runAll runs the named queries concurrently, each once, and returns their
// outcomes by name. The workspace bounds how many run at a time.
func (env *Env) runAll(ctx context.Context, qs map[string]workspace.Params) map[string]outcome {
	out := make(map[string]outcome, len(qs))
	var mu sync.Mutex
	var wg sync.WaitGroup
	for name, p := range qs {
		wg.Go(func() {
			var o outcome
			if env.Workspace == nil {
				o.err = errNoWorkspace
			} else {
				o.recs, o.notes, o.err = env.query(ctx, name, p)
			}
			mu.Lock()
			out[name] = o
			mu.Unlock()
		})
	}
	wg.Wait()
	return out
}

// params are a summary query's parameters: the values and the window.
func (env *Env) params(values []string) workspace.Params {
	p := env.window()
	p["values"] = values
	return p
}

// span is the window in words, for empty sections.
func (env *Env) span() string {
	return "between " + timeText(env.Start) + " and " + timeText(env.End)
}

// sectionFor is section for a batched query's outcome and the records of one
// entity; a missing workspace skips the section.
func (env *Env) sectionFor(name, source string, o outcome, recs []workspace.Record, empty string,
	fill func(*report.SummarySection, []workspace.Record)) report.SummarySection {
	if errors.Is(o.err, errNoWorkspace) {
		return report.SummarySection{Name: name, Source: source, Status: report.StatusSkipped, Reason: o.err.Error()}
	}
	return section(name, source, recs, o.notes, o.err, empty, func(sec *report.SummarySection) { fill(sec, recs) })
}

// splitBy groups records under every key keys gives for them.
func splitBy(recs []workspace.Record, keys func(workspace.Record) []string) map[string][]workspace.Record {
	out := make(map[string][]workspace.Record)
	for _, r := range recs {
		for _, k := range dedupe(keys(r)) {
			out[k] = append(out[k], r)
		}
	}
	return out
}

// col is a table column: its header, the record field it shows, and the
// type of its cells (see report.ColumnType).
type col struct {
	header, field string
	typ           report.ColumnType
}

// text formats a cell: times in RFC 3339 UTC, lists joined with ", "
// (leaving out empty and "-" items), objects as JSON.
func text(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return strings.TrimSpace(x)
	case time.Time:
		return timeText(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case int:
		return strconv.Itoa(x)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	case json.Number:
		return x.String()
	case []string:
		return text(anySlice(x))
	case []any:
		var parts []string
		for _, it := range x {
			if s := text(it); s != "" && s != "-" {
				parts = append(parts, s)
			}
		}
		return strings.Join(dedupe(parts), ", ")
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

func anySlice(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// timeText is t in RFC 3339 UTC, or "" for the zero time.
func timeText(t time.Time) string { return report.FormatTime(t) }

func parens(s string) string {
	if s == "" {
		return ""
	}
	return "(" + s + ")"
}

// sumWhere adds up an integer field over the records keep accepts (all when
// keep is nil).
func sumWhere(recs []workspace.Record, field string, keep func(workspace.Record) bool) int64 {
	var n int64
	for _, r := range recs {
		if keep == nil || keep(r) {
			n += r.Int(field)
		}
	}
	return n
}

// distinct lists a field's distinct non-empty values, in order of first appearance.
func distinct(recs []workspace.Record, field string) []string {
	var out []string
	for _, r := range recs {
		if s := text(r[field]); s != "" {
			out = append(out, s)
		}
	}
	return dedupe(out)
}

// countList is "N: a, b, c" for a field's distinct values, naming at most max.
func countList(recs []workspace.Record, field string, max int) string {
	vs := distinct(recs, field)
	if len(vs) == 0 {
		return ""
	}
	names := vs
	if len(names) > max {
		names = append(slices.Clone(names[:max]), "…")
	}
	return strconv.Itoa(len(vs)) + ": " + strings.Join(names, ", ")
}

// countedBy is "a ×3, b ×1": the sum of count per distinct value of field,
// largest first, naming at most max.
func countedBy(recs []workspace.Record, field, count string, max int) string {
	sums := map[string]int64{}
	var keys []string
	for _, r := range recs {
		k := text(r[field])
		if k == "" {
			continue
		}
		if _, ok := sums[k]; !ok {
			keys = append(keys, k)
		}
		sums[k] += r.Int(count)
	}
	slices.SortStableFunc(keys, func(a, b string) int { return cmp.Compare(sums[b], sums[a]) })
	var parts []string
	for i, k := range keys {
		if i == max {
			parts = append(parts, "…")
			break
		}
		parts = append(parts, fmt.Sprintf("%s ×%d", k, sums[k]))
	}
	return strings.Join(parts, ", ")
}

func minTime(recs []workspace.Record, field string) time.Time {
	var t time.Time
	for _, r := range recs {
		if x := r.Time(field); !x.IsZero() && (t.IsZero() || x.Before(t)) {
			t = x
		}
	}
	return t
}

func maxTime(recs []workspace.Record, field string) time.Time {
	var t time.Time
	for _, r := range recs {
		if x := r.Time(field); x.After(t) {
			t = x
		}
	}
	return t
}

// dedupe drops repeated and empty strings, keeping the first of each.
func dedupe(ss []string) []string {
	seen := make(map[string]bool, len(ss))
	out := make([]string, 0, len(ss))
	for _, s := range ss {
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// countedByOne counts records per distinct value of field: "High ×2, Low ×1".
func countedByOne(recs []workspace.Record, field string) string {
	ones := make([]workspace.Record, len(recs))
	for i, r := range recs {
		ones[i] = workspace.Record{field: r[field], "n": int64(1)}
	}
	return countedBy(ones, field, "n", 10)
}
