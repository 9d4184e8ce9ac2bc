package summary

import (
	"cmp"
	"context"
	"encoding/base64"
	"maps"
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf16"

	"github.com/triage-dev/triage/internal/intel"
	"github.com/triage-dev/triage/internal/ioc"
	"github.com/triage-dev/triage/internal/report"
	"github.com/triage-dev/triage/internal/triage"
	"github.com/triage-dev/triage/internal/workspace"
)

func init() { summarizers[triage.KindHost] = summarizeHosts }

// The host summary's queries (internal/workspace/queries/summary.yaml).
const (
	qHostInfo        = "summary_host_info"
	qHostIPs         = "summary_host_ips"
	qHostLogons      = "summary_host_logons"
	qHostProcesses   = "summary_host_processes"
	qHostChanges     = "summary_host_account_changes"
	qHostPersistence = "summary_host_persistence"
	qHostNotable     = "summary_host_notable_events"
)

// hostID is one host entity's identity in every form the logs name hosts
// by, all lower case.
type hostID struct {
	short, fqdn string
	// ids are the Azure resource id, the agent id and the Defender device id.
	ids   map[string]bool
	forms map[string]bool
}

// hostOf resolves a host entity's forms from its properties: hostName,
// dnsDomain, fqdn, netBiosName, azureID, omsAgentID and mdatpDeviceId.
func hostOf(e triage.Entity) hostID {
	n := e.HostNames()
	id := hostID{short: n.Short, fqdn: n.FQDN, ids: map[string]bool{}, forms: map[string]bool{}}
	for _, k := range []string{"azureID", "omsAgentID", "mdatpDeviceId"} {
		if v := strings.Trim(strings.ToLower(strings.TrimSpace(e.Prop(k))), "."); v != "" {
			id.ids[v] = true
			id.forms[v] = true
		}
	}
	for _, f := range []string{n.Short, n.FQDN, n.NetBIOS} {
		if f != "" {
			id.forms[f] = true
		}
	}
	return id
}

func (id hostID) values() []string { return slices.Sorted(maps.Keys(id.forms)) }

// matches reports whether a row of a host query is about this host.
func (id hostID) matches(r workspace.Record) bool {
	h := strings.ToLower(r.String("Host"))
	return id.forms[strings.ToLower(r.String("Value"))] || h != "" && (id.forms[h] || id.forms[triage.ShortHost(h)])
}

// own reports whether the host a log row names is this entity's host rather
// than another host with the same short name in another domain.
func (id hostID) own(label, value string) bool {
	switch {
	case label == id.fqdn || id.ids[value]:
		return true
	case triage.ShortHost(label) != id.short:
		return false
	}
	return id.fqdn == "" || !strings.Contains(label, ".")
}

// same reports whether another host entity (one an alert names) is this host.
func (id hostID) same(o hostID) bool {
	for v := range o.ids {
		if id.ids[v] {
			return true
		}
	}
	switch {
	case id.fqdn != "" && o.fqdn != "":
		return id.fqdn == o.fqdn
	}
	return id.short != "" && id.short == o.short
}

// label returns copies of the records about this host, each with Label: the
// host as the log names it, marked "(other host)" when it is another host
// with the same short name.
func (id hostID) label(recs []workspace.Record) []workspace.Record {
	var out []workspace.Record
	for _, r := range recs {
		if !id.matches(r) {
			continue
		}
		c := make(workspace.Record, len(r)+1)
		for k, v := range r {
			c[k] = v
		}
		h := strings.ToLower(r.String("Host"))
		c["Label"] = h
		if id.fqdn != "" && !id.own(h, strings.ToLower(r.String("Value"))) {
			c["Label"] = h + " (other host)"
		}
		out = append(out, c)
	}
	return out
}

// summarizeHosts summarises hosts: what runs them, their addresses, who
// logged on, which processes ran (rarest first, encoded commands decoded,
// indicators pulled out), account, group, task and service changes, notable
// events and other alerts. A name several hosts share gives all of them,
// each row naming its host.
func summarizeHosts(ctx context.Context, env *Env, ents []triage.Entity, sums []*report.Summary) {
	ids := make([]hostID, len(ents))
	var values []string
	for i, e := range ents {
		identity(env, e, sums[i])
		ids[i] = hostOf(e)
		values = append(values, ids[i].values()...)
	}
	values = dedupe(values)
	slices.Sort(values)
	p := env.params(values)
	res := env.runAll(ctx, map[string]workspace.Params{
		qHostInfo: p, qHostIPs: p, qHostLogons: p, qHostProcesses: p, qHostChanges: p, qHostPersistence: p, qHostNotable: p,
		qRelated: env.relatedParams(ents),
	})
	related := ParseRelated(res[qRelated].recs)

	for i, e := range ents {
		id, s := ids[i], sums[i]
		mine := func(name string) []workspace.Record { return id.label(res[name].recs) }
		info, addrs, logons, procs := mine(qHostInfo), mine(qHostIPs), mine(qHostLogons), mine(qHostProcesses)
		changes, persistence, notable := mine(qHostChanges), mine(qHostPersistence), mine(qHostNotable)
		hostFacts(&s.Facts, id, info, addrs, logons, procs, changes, persistence, notable)
		s.Roles = hostRoles(info, changes, notable)
		encoded, indicators := decodeAll(procs), indicatorsIn(env, procs)
		name, span := e.Name, env.span()
		po := res[qHostProcesses]
		s.Sections = append(s.Sections,
			env.sectionFor("OS and agent", "Heartbeat, DeviceInfo", res[qHostInfo], info,
				"no agent reported "+name+" "+span, fillHostInfo(env)),
			env.sectionFor("IP addresses", "Heartbeat, DeviceNetworkInfo, DeviceInfo", res[qHostIPs], addrs,
				"no address reported for "+name+" "+span, fillHostIPs(env)),
			env.sectionFor("Logons", "SecurityEvent 4624/4625, Syslog sshd", res[qHostLogons], logons,
				"no Windows or SSH logon to "+name+" "+span, fillHostLogons(env)),
			env.sectionFor("Processes", "DeviceProcessEvents, SecurityEvent 4688", po, procs,
				"no process start recorded on "+name+" "+span, fillHostProcesses(env)),
			env.sectionFor("Encoded commands", "DeviceProcessEvents, SecurityEvent 4688", po, encoded,
				"no encoded PowerShell command among the "+strconv.Itoa(len(procs))+" command lines of "+name, fillEncoded(env)),
			env.sectionFor("Indicators in command lines", "DeviceProcessEvents, SecurityEvent 4688, threat intelligence", po, indicators,
				"no indicator in the "+strconv.Itoa(len(procs))+" command lines of "+name, fillIndicators(env)),
			env.sectionFor(SectionHostChanges, "SecurityEvent, Syslog", res[qHostChanges], changes,
				"no account or group change on "+name+" "+span, fillHostChanges(env)),
			env.sectionFor("Scheduled tasks and services", "SecurityEvent 4698/4702/4697/7045, Syslog crontab", res[qHostPersistence], persistence,
				"no scheduled task, service or crontab created on "+name+" "+span, fillPersistence(env)),
			env.sectionFor("Notable security events", "SecurityEvent, Syslog", res[qHostNotable], notable,
				"no notable security event on "+name+" "+span, fillNotable(env)),
			relatedSection(env, res[qRelated], related, e),
		)
	}
	env.hintHosts(ctx, ents, ids, sums)
}

// hostForms is what a host may be given as.
const hostForms = "give a host's name (WKS-01) or FQDN (wks-01.contoso.com) as its agents report it, " +
	"or its agent, Defender device or Azure resource id"

// hintHosts makes the summaries of hosts no log names empty, with the hosts
// whose name contains theirs, else the forms a host may be given as.
func (env *Env) hintHosts(ctx context.Context, ents []triage.Entity, ids []hostID, sums []*report.Summary) {
	var none []int
	var names []string
	for i, s := range sums {
		if foundNothing(s) {
			none = append(none, i)
			names = append(names, ids[i].short)
		}
	}
	if len(none) == 0 {
		return
	}
	found, err := env.named(ctx, qHostNames, names, "Host")
	if err != nil {
		found = nil // a hint only: the forms then
	}
	for _, i := range none {
		nothingFound(sums[i], "no host named "+ents[i].Name+" in the logs "+env.span(),
			"hosts whose name contains "+ids[i].short, found[ids[i].short], hostForms)
	}
}

// hostFacts says which hosts the logs show under the entity's names.
func hostFacts(facts *[]report.Fact, id hostID, sets ...[]workspace.Record) {
	var labels []string
	own := map[string]bool{}
	for _, recs := range sets {
		for _, r := range recs {
			h := strings.ToLower(r.String("Host"))
			if h == "" {
				continue
			}
			labels = append(labels, h)
			own[h] = own[h] || id.own(h, strings.ToLower(r.String("Value")))
		}
	}
	labels = mergeHosts(dedupe(labels))
	slices.Sort(labels)
	var mine, other []string
	for _, h := range labels {
		if id.fqdn != "" && !own[h] {
			other = append(other, h)
		} else {
			mine = append(mine, h)
		}
	}
	switch {
	case id.fqdn != "" || len(mine) == 1:
		fact(facts, "This host in the logs", strings.Join(mine, ", "))
	case len(mine) > 1:
		fact(facts, "Hosts named "+id.short, strconv.Itoa(len(mine))+" hosts share the name, each summarised: "+strings.Join(mine, ", "))
	}
	if len(other) > 0 {
		fact(facts, "Other hosts named "+id.short, strconv.Itoa(len(other))+": "+strings.Join(other, ", "))
	}
}

// dcOnlyEvents are the SecurityEvent ids only a domain controller logs.
var dcOnlyEvents = map[string]bool{"4728": true, "4729": true, "4756": true, "4757": true, "4794": true}

// hostRoles are the roles (RoleServer, RoleDomainController) the host's own
// rows show: the info rows' OS name and Defender device type, the change and
// notable events' ids. Rows of another host with the same short name (Label
// "(other host)") do not count.
func hostRoles(info []workspace.Record, events ...[]workspace.Record) []string {
	var roles []string
	other := func(r workspace.Record) bool { return strings.HasSuffix(r.String("Label"), "(other host)") }
	for _, r := range info {
		// DeviceInfo's DeviceType comes out as Environment (summary_host_info).
		if !other(r) && (strings.Contains(strings.ToLower(r.String("OSName")), "server") ||
			r.String("Source") == "DeviceInfo" && strings.EqualFold(r.String("Environment"), "Server")) {
			roles = append(roles, RoleServer)
			break
		}
	}
	for _, recs := range events {
		for _, r := range recs {
			if !other(r) && r.String("Source") == "SecurityEvent" && dcOnlyEvents[r.String("EventID")] {
				return append(roles, RoleDomainController)
			}
		}
	}
	return roles
}

// mergeHosts folds a short host name into the one FQDN with that short name,
// when there is exactly one: agents write the same host both ways.
func mergeHosts(labels []string) []string {
	fqdns := map[string][]string{}
	for _, h := range labels {
		if strings.Contains(h, ".") {
			fqdns[triage.ShortHost(h)] = append(fqdns[triage.ShortHost(h)], h)
		}
	}
	var out []string
	for _, h := range labels {
		if !strings.Contains(h, ".") && len(fqdns[h]) == 1 {
			continue
		}
		out = append(out, h)
	}
	return out
}

func fillHostInfo(env *Env) func(*report.SummarySection, []workspace.Record) {
	return func(sec *report.SummarySection, recs []workspace.Record) {
		var os, agents []string
		for _, r := range recs {
			os = append(os, strings.TrimSpace(r.String("OSName")+" "+r.String("OSVersion")))
			agents = append(agents, strings.TrimSpace(r.String("Agent")+" "+r.String("AgentVersion")))
		}
		fact(&sec.Facts, "Operating system", strings.Join(dedupe(os), "; "))
		fact(&sec.Facts, "Agents", strings.Join(dedupe(agents), "; "))
		fact(&sec.Facts, "Last reported", timeText(maxTime(recs, "LastSeen")))
		sec.Table = table(recs, env.maxRows(),
			col{"Host", "Label", report.ColText}, col{"Source", "Source", report.ColText},
			col{"OS family", "OSFamily", report.ColLabel}, col{"OS", "OSName", report.ColLabel},
			col{"Version", "OSVersion", report.ColText}, col{"Agent", "Agent", report.ColLabel},
			col{"Agent version", "AgentVersion", report.ColText}, col{"Agent id", "AgentId", report.ColText},
			col{"Environment", "Environment", report.ColLabel}, col{"Azure resource", "ResourceId", report.ColText},
			col{"Address", "IPAddress", report.ColAddress}, col{"Details", "Details", report.ColText},
			col{"First seen", "FirstSeen", report.ColFirstSeen}, col{"Last seen", "LastSeen", report.ColLastSeen})
	}
}

func fillHostIPs(env *Env) func(*report.SummarySection, []workspace.Record) {
	return func(sec *report.SummarySection, recs []workspace.Record) {
		type addr struct {
			host, ip          string
			types, macs, srcs []string
			first, last       time.Time
		}
		byKey := map[[2]string]*addr{}
		var order [][2]string
		for _, r := range recs {
			k := [2]string{r.String("Label"), canonicalIP(r.String("IPAddress"))}
			a := byKey[k]
			if a == nil {
				a = &addr{host: k[0], ip: k[1]}
				byKey[k] = a
				order = append(order, k)
			}
			a.types = append(a.types, r.String("AddressType"))
			a.macs = append(a.macs, r.String("MacAddress"))
			a.srcs = append(a.srcs, r.String("Source"))
			if t := r.Time("FirstSeen"); a.first.IsZero() || t.Before(a.first) {
				a.first = t
			}
			if t := r.Time("LastSeen"); t.After(a.last) {
				a.last = t
			}
		}
		var rows []workspace.Record
		var ips []string
		for _, k := range order {
			a := byKey[k]
			scope := ""
			if ad, err := netip.ParseAddr(a.ip); err == nil {
				scope = string(ioc.ScopeOf(ad))
			}
			ips = append(ips, a.ip)
			rows = append(rows, workspace.Record{"Host": a.host, "IP": a.ip, "Scope": scope,
				"Type": strings.Join(dedupe(a.types), ", "), "MAC": strings.Join(dedupe(a.macs), ", "),
				"Sources": strings.Join(dedupe(a.srcs), ", "), "First": a.first, "Last": a.last})
		}
		fact(&sec.Facts, "Addresses", strings.Join(dedupe(ips), ", "))
		sec.Table = table(rows, env.maxRows(),
			col{"Host", "Host", report.ColText}, col{"Address", "IP", report.ColAddress},
			col{"Scope", "Scope", report.ColText}, col{"Type", "Type", report.ColText}, col{"MAC", "MAC", report.ColText},
			col{"Seen in", "Sources", report.ColText}, col{"First seen", "First", report.ColFirstSeen},
			col{"Last seen", "Last", report.ColLastSeen})
	}
}

func fillHostLogons(env *Env) func(*report.SummarySection, []workspace.Record) {
	return func(sec *report.SummarySection, recs []workspace.Record) {
		fact(&sec.Facts, "Successful logons", strconv.FormatInt(sumWhere(recs, "Successes", nil), 10))
		fact(&sec.Facts, "Failed logons", strconv.FormatInt(sumWhere(recs, "Failures", nil), 10))
		fact(&sec.Facts, "Accounts", countList(recs, "Account", 10))
		fact(&sec.Facts, "Logon types", countedBy(recs, "LogonType", "Successes", 10))
		sec.Table = table(recs, env.maxRows(),
			col{"Host", "Label", report.ColText}, col{"Account", "Account", report.ColLabel},
			col{"Logon type", "LogonType", report.ColLabel}, col{"Source", "Source", report.ColText},
			col{"Successes", "Successes", report.ColSuccesses}, col{"Failures", "Failures", report.ColFailures},
			col{"From", "IpAddresses", report.ColAddress}, col{"First seen", "FirstSeen", report.ColFirstSeen},
			col{"Last seen", "LastSeen", report.ColLastSeen})
	}
}

// maxCommandLine is how much of a command line a table shows.
const maxCommandLine = 300

func fillHostProcesses(env *Env) func(*report.SummarySection, []workspace.Record) {
	return func(sec *report.SummarySection, recs []workspace.Record) {
		once := 0
		for _, r := range recs {
			if r.Int("Count") == 1 {
				once++
			}
		}
		fact(&sec.Facts, "Command lines", strconv.Itoa(len(recs)))
		fact(&sec.Facts, "Seen once", strconv.Itoa(once))
		fact(&sec.Facts, "Order", "rarest command line first")
		rows := make([]workspace.Record, len(recs))
		for i, r := range recs {
			rows[i] = workspace.Record{"Host": r["Label"], "Count": r["Count"], "Process": r["Process"],
				"CommandLine": clip(r.String("CommandLine"), maxCommandLine), "Account": r["Account"], "Sources": r["Sources"],
				"FirstSeen": r["FirstSeen"], "LastSeen": r["LastSeen"]}
		}
		sec.Table = table(rows, env.maxRows(),
			col{"Host", "Host", report.ColText}, col{"Count", "Count", report.ColCount},
			col{"Process", "Process", report.ColLabel}, col{"Command line", "CommandLine", report.ColText},
			col{"Account", "Account", report.ColLabel}, col{"Seen in", "Sources", report.ColText},
			col{"First seen", "FirstSeen", report.ColFirstSeen}, col{"Last seen", "LastSeen", report.ColLastSeen})
	}
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

func utf8RuneStart(b byte) bool { return b&0xC0 != 0x80 }

// decodeAll returns the process records whose command line carries an
// encoded PowerShell command, with the command decoded (Decoded).
func decodeAll(procs []workspace.Record) []workspace.Record {
	var out []workspace.Record
	for _, r := range procs {
		if d, ok := decodeCommand(r.String("CommandLine")); ok {
			out = append(out, workspace.Record{"Host": r["Label"], "Process": r["Process"], "Account": r["Account"],
				"Count": r["Count"], "FirstSeen": r["FirstSeen"], "Decoded": d, "CommandLine": r["CommandLine"]})
		}
	}
	return out
}

// encodedArg finds PowerShell's -EncodedCommand argument, which PowerShell
// accepts under any unambiguous prefix (-e, -ec, -enc, ...) and with / for -.
var encodedArg = regexp.MustCompile(`(?i)(?:^|\s)[-/](?:e|ec|en|enc|enco|encod|encode|encoded|encodedc|encodedco|encodedcom|encodedcomm|encodedcomma|encodedcomman|encodedcommand)\s+["']?([A-Za-z0-9+/]{8,}={0,2})`)

// decodeCommand decodes the first -EncodedCommand argument of a command
// line: base64 of UTF-16LE text. ok is false when there is none, or it does
// not decode to readable text.
func decodeCommand(cmd string) (string, bool) {
	for _, m := range encodedArg.FindAllStringSubmatch(cmd, -1) {
		s := m[1]
		if r := len(s) % 4; r != 0 && !strings.HasSuffix(s, "=") {
			s += strings.Repeat("=", 4-r)
		}
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil || len(b) < 4 {
			continue
		}
		u := make([]uint16, len(b)/2)
		for i := range u {
			u[i] = uint16(b[2*i]) | uint16(b[2*i+1])<<8
		}
		text := string(utf16.Decode(u))
		if readable(text) {
			return text, true
		}
	}
	return "", false
}

// readable reports whether s is mostly printable text.
func readable(s string) bool {
	n, good := 0, 0
	for _, r := range s {
		n++
		if r == 0 {
			return false
		}
		if unicode.IsPrint(r) || unicode.IsSpace(r) {
			good++
		}
	}
	return n > 0 && good*10 >= n*9
}

// indicatorsIn extracts the indicators from the hosts' command lines and
// their decoded commands, one record per indicator, with what threat
// intelligence said of it.
func indicatorsIn(env *Env, procs []workspace.Record) []workspace.Record {
	type found struct {
		ind   ioc.Indicator
		procs []string
		enc   bool
	}
	byValue := map[ioc.Indicator]*found{}
	var order []ioc.Indicator
	add := func(text, proc string, decoded bool) {
		for _, ind := range ioc.Extract(text) {
			k := ioc.Indicator{Kind: ind.Kind, Value: ind.Value}
			f := byValue[k]
			if f == nil {
				f = &found{ind: ind}
				byValue[k] = f
				order = append(order, k)
			}
			f.procs = append(f.procs, proc)
			f.enc = f.enc || decoded
		}
	}
	for _, r := range procs {
		cmd := r.String("CommandLine")
		add(cmd, r.String("Process"), false)
		if d, ok := decodeCommand(cmd); ok {
			add(d, r.String("Process"), true)
		}
	}
	var out []workspace.Record
	for _, k := range order {
		f := byValue[k]
		in := strings.Join(dedupe(f.procs), ", ")
		if f.enc {
			in += " (decoded command)"
		}
		var ti []intel.Result
		for _, r := range env.TI {
			if strings.EqualFold(r.Indicator, f.ind.Value) {
				ti = append(ti, r)
			}
		}
		verdict := "not looked up"
		if env.TIPending {
			verdict = waitingForTI
		}
		if len(ti) > 0 {
			verdict = string(intel.Roll(ti).Severity)
		}
		out = append(out, workspace.Record{"Indicator": f.ind.Value, "Type": string(f.ind.Kind), "Scope": string(f.ind.Scope),
			"In": in, "TI": verdict, "looked": len(ti) > 0})
	}
	return out
}

func fillEncoded(env *Env) func(*report.SummarySection, []workspace.Record) {
	return func(sec *report.SummarySection, recs []workspace.Record) {
		fact(&sec.Facts, "Encoded commands", strconv.Itoa(len(recs)))
		rows := make([]workspace.Record, len(recs))
		for i, r := range recs {
			rows[i] = workspace.Record{"Host": r["Host"], "Process": r["Process"], "Account": r["Account"], "Count": r["Count"],
				"FirstSeen": r["FirstSeen"], "Decoded": clip(r.String("Decoded"), maxCommandLine)}
		}
		sec.Table = table(rows, env.maxRows(),
			col{"Host", "Host", report.ColText}, col{"Process", "Process", report.ColLabel},
			col{"Account", "Account", report.ColLabel}, col{"Count", "Count", report.ColCount},
			col{"First seen", "FirstSeen", report.ColFirstSeen}, col{"Decoded command", "Decoded", report.ColText})
	}
}

func fillIndicators(env *Env) func(*report.SummarySection, []workspace.Record) {
	return func(sec *report.SummarySection, recs []workspace.Record) {
		fact(&sec.Facts, "Indicators", strconv.Itoa(len(recs)))
		for _, r := range recs {
			if looked, _ := r["looked"].(bool); looked {
				var fs []report.Fact
				tiFacts(&fs, env, r.String("Indicator"))
				for _, f := range fs {
					fact(&sec.Facts, "Threat intel on "+r.String("Indicator"), f.Value)
				}
			}
		}
		sec.Table = table(recs, env.maxRows(),
			col{"Indicator", "Indicator", report.ColLabel}, col{"Type", "Type", report.ColText},
			col{"Scope", "Scope", report.ColText}, col{"Found in", "In", report.ColText},
			col{"Threat intel", "TI", report.ColText})
	}
}

func fillHostChanges(env *Env) func(*report.SummarySection, []workspace.Record) {
	return func(sec *report.SummarySection, recs []workspace.Record) {
		fact(&sec.Facts, "Changes", strconv.Itoa(len(recs)))
		fact(&sec.Facts, "Events", countedByOne(recs, "Activity"))
		sec.Table = table(recs, env.maxRows(),
			col{"Time", "TimeGenerated", report.ColTime}, col{"Host", "Label", report.ColText},
			col{"Event", "EventID", report.ColText}, col{"Activity", "Activity", report.ColLabel},
			col{"By", "Actor", report.ColLabel}, col{"Target", "Target", report.ColLabel},
			col{"Member", "Member", report.ColLabel})
	}
}

func fillPersistence(env *Env) func(*report.SummarySection, []workspace.Record) {
	return func(sec *report.SummarySection, recs []workspace.Record) {
		fact(&sec.Facts, "Created", countedByOne(recs, "Kind"))
		var names []string
		for _, r := range recs {
			names = append(names, r.String("Name"))
		}
		fact(&sec.Facts, "Names", strings.Join(dedupe(names), ", "))
		sec.Table = table(recs, env.maxRows(),
			col{"Time", "TimeGenerated", report.ColTime}, col{"Host", "Label", report.ColText},
			col{"Kind", "Kind", report.ColLabel}, col{"Name", "Name", report.ColLabel},
			col{"Command", "Command", report.ColText}, col{"By", "Account", report.ColLabel},
			col{"Event", "EventID", report.ColText})
	}
}

func fillNotable(env *Env) func(*report.SummarySection, []workspace.Record) {
	return func(sec *report.SummarySection, recs []workspace.Record) {
		fact(&sec.Facts, "Events", strconv.FormatInt(sumWhere(recs, "Count", nil), 10))
		recs = slices.Clone(recs)
		slices.SortStableFunc(recs, func(a, b workspace.Record) int {
			return cmp.Or(cmp.Compare(a.Int("Count"), b.Int("Count")), b.Time("LastSeen").Compare(a.Time("LastSeen")))
		})
		sec.Table = table(recs, env.maxRows(),
			col{"Host", "Label", report.ColText}, col{"Event", "EventID", report.ColText},
			col{"Activity", "Activity", report.ColLabel}, col{"Source", "Source", report.ColText},
			col{"Count", "Count", report.ColCount}, col{"First seen", "FirstSeen", report.ColFirstSeen},
			col{"Last seen", "LastSeen", report.ColLastSeen})
	}
}
