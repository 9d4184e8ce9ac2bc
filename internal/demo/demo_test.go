package demo

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/triage-dev/triage/internal/enrich"
)

var testNow = time.Date(2025, 6, 4, 9, 30, 15, 123456789, time.UTC)

// logTables are the tables that count as log rows.
var logTables = []string{
	TableSigninLogs, TableAuditLogs, TableAzureActivity, TableOfficeActivity, TableSecurityEvent,
	TableSyslog, TableHeartbeat, TableDeviceInfo, TableDeviceNetworkInfo, TableDeviceNetworkEvents,
	TableDeviceProcessEvents, TableDeviceLogonEvents, TableCommonSecurityLog, TableDnsEvents,
}

// facts is what one generation run shows, gathered in a single streaming
// pass so the tests never hold 150,000 rows in memory.
type facts struct {
	counts    map[string]int
	incidents []map[string]any
	alerts    map[string]map[string]any
	alertList []map[string]any
	ti        []map[string]any
	outside   []string // records with a time outside the window

	signins      map[string]map[string]bool // IPAddress -> ResultType set
	dnsNames     map[string]map[string]bool // Name -> ClientIP set
	devRemoteURL map[string]map[string]bool // RemoteUrl -> DeviceName set
	devRemoteIP  map[string]bool
	fwDest       map[string]bool // CommonSecurityLog DestinationIP
	secEvents    map[string]map[int64]int
	secProcesses map[string]map[string]bool // Computer -> NewProcessName set
	devProcesses map[string]map[string]bool // DeviceName -> FolderPath set
	hbPrivateIPs map[string]map[string]bool // Computer -> ComputerPrivateIPs
	devNetIPs    map[string]map[string]bool // DeviceName -> IPAddresses
	officeOps    map[string]map[string]bool // Operation -> ClientIP set
	azureOps     map[string]map[string]bool // OperationNameValue -> CallerIpAddress set
	auditOps     map[string]map[string]bool // OperationName -> initiator UPN set
	publicIPs    map[string]string          // public address seen in a log -> table.column
	firstKeys    map[string][]string        // the columns of each table's first row
}

var (
	factsOnce sync.Once
	theFacts  *facts
	factsErr  error
)

func add(m map[string]map[string]bool, k, v string) {
	s, ok := m[k]
	if !ok {
		s = map[string]bool{}
		m[k] = s
	}
	s[v] = true
}

// ipColumns are columns that hold one address.
var ipColumns = []string{"IPAddress", "ClientIP", "CallerIpAddress", "SourceIP", "DestinationIP", "RemoteIP", "IpAddress", "ComputerIP"}

func gather(t testing.TB) *facts {
	t.Helper()
	factsOnce.Do(func() {
		f := &facts{
			counts: map[string]int{}, alerts: map[string]map[string]any{},
			signins: map[string]map[string]bool{}, dnsNames: map[string]map[string]bool{},
			devRemoteURL: map[string]map[string]bool{}, devRemoteIP: map[string]bool{}, fwDest: map[string]bool{},
			secEvents: map[string]map[int64]int{}, secProcesses: map[string]map[string]bool{},
			devProcesses: map[string]map[string]bool{}, hbPrivateIPs: map[string]map[string]bool{},
			devNetIPs: map[string]map[string]bool{}, officeOps: map[string]map[string]bool{},
			azureOps: map[string]map[string]bool{}, auditOps: map[string]map[string]bool{},
			publicIPs: map[string]string{}, firstKeys: map[string][]string{},
		}
		start := testNow.Add(-Window)
		factsErr = Generate(Options{Now: testNow}, func(table string, rec map[string]any) error {
			f.counts[table]++
			if f.counts[table] == 1 {
				keys := make([]string, 0, len(rec))
				for k := range rec {
					keys = append(keys, k)
				}
				sort.Strings(keys)
				f.firstKeys[table] = keys
			}
			for k, v := range rec {
				if tm, ok := v.(time.Time); ok {
					if table == TableThreatIntelIndicators && k == "ValidUntil" {
						continue
					}
					if tm.Before(start) || tm.After(testNow) || tm.Location() != time.UTC {
						f.outside = append(f.outside, fmt.Sprintf("%s.%s = %v", table, k, tm))
					}
				}
			}
			for _, c := range ipColumns {
				if s, ok := rec[c].(string); ok {
					if a, err := netip.ParseAddr(s); err == nil && a.IsGlobalUnicast() && !a.IsPrivate() {
						f.publicIPs[s] = table + "." + c
					}
				}
			}
			str := func(k string) string { s, _ := rec[k].(string); return s }
			switch table {
			case TableSecurityIncident:
				f.incidents = append(f.incidents, rec)
			case TableSecurityAlert:
				f.alerts[str("SystemAlertId")] = rec
				f.alertList = append(f.alertList, rec)
			case TableThreatIntelIndicators:
				f.ti = append(f.ti, rec)
			case TableSigninLogs:
				add(f.signins, str("IPAddress"), str("ResultType"))
			case TableDnsEvents:
				add(f.dnsNames, str("Name"), str("ClientIP"))
			case TableDeviceNetworkEvents:
				add(f.devRemoteURL, str("RemoteUrl"), str("DeviceName"))
				f.devRemoteIP[str("RemoteIP")] = true
			case TableCommonSecurityLog:
				f.fwDest[str("DestinationIP")] = true
			case TableSecurityEvent:
				m, ok := f.secEvents[str("Computer")]
				if !ok {
					m = map[int64]int{}
					f.secEvents[str("Computer")] = m
				}
				m[rec["EventID"].(int64)]++
				if rec["EventID"].(int64) == 4688 {
					add(f.secProcesses, str("Computer"), str("NewProcessName"))
				}
			case TableDeviceProcessEvents:
				add(f.devProcesses, str("DeviceName"), str("FolderPath"))
			case TableHeartbeat:
				for _, ip := range rec["ComputerPrivateIPs"].([]any) {
					add(f.hbPrivateIPs, str("Computer"), ip.(string))
				}
			case TableDeviceNetworkInfo:
				for _, a := range rec["IPAddresses"].([]any) {
					add(f.devNetIPs, str("DeviceName"), a.(map[string]any)["IPAddress"].(string))
				}
			case TableOfficeActivity:
				add(f.officeOps, str("Operation"), str("ClientIP"))
			case TableAzureActivity:
				add(f.azureOps, str("OperationNameValue"), str("CallerIpAddress"))
			case TableAuditLogs:
				upn := ""
				if u, ok := rec["InitiatedBy"].(map[string]any)["user"].(map[string]any); ok {
					upn, _ = u["userPrincipalName"].(string)
				}
				add(f.auditOps, str("OperationName"), upn)
			}
			return nil
		})
		theFacts = f
	})
	if factsErr != nil {
		t.Fatalf("Generate: %v", factsErr)
	}
	return theFacts
}

// digest hashes every record of a run: the table, then each column in
// sorted order with its value written canonically.
func digest(t *testing.T, opts Options) (string, int) {
	t.Helper()
	h := sha256.New()
	n := 0
	var buf []byte
	err := Generate(opts, func(table string, rec map[string]any) error {
		buf = append(buf[:0], table...)
		buf = appendCanonical(buf, rec)
		buf = append(buf, '\n')
		h.Write(buf)
		n++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil)), n
}

// appendCanonical writes v with map keys sorted, so equal values give equal bytes.
func appendCanonical(b []byte, v any) []byte {
	switch x := v.(type) {
	case nil:
		return append(b, 'N')
	case string:
		return append(strconv.AppendInt(append(b, 'S'), int64(len(x)), 10), x...)
	case int64:
		return strconv.AppendInt(append(b, 'I'), x, 10)
	case float64:
		return strconv.AppendFloat(append(b, 'F'), x, 'g', -1, 64)
	case bool:
		return strconv.AppendBool(append(b, 'B'), x)
	case time.Time:
		return x.AppendFormat(append(b, 'T'), time.RFC3339Nano)
	case []any:
		b = append(b, '[')
		for _, c := range x {
			b = appendCanonical(b, c)
			b = append(b, ',')
		}
		return append(b, ']')
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		b = append(b, '{')
		for _, k := range keys {
			b = append(b, k...)
			b = append(b, ':')
			b = appendCanonical(b, x[k])
			b = append(b, ',')
		}
		return append(b, '}')
	}
	return fmt.Appendf(b, "?%T", v)
}

func TestDeterministic(t *testing.T) {
	a, n := digest(t, Options{Now: testNow})
	b, _ := digest(t, Options{Now: testNow, Seed: DefaultSeed})
	if a != b {
		t.Fatalf("two runs with the same seed and now differ: %s vs %s", a, b)
	}
	c, _ := digest(t, Options{Now: testNow, Seed: 42})
	if c == a {
		t.Fatal("a different seed produced identical output")
	}
	t.Logf("%d records, sha256 %s", n, a)
}

func TestCounts(t *testing.T) {
	f := gather(t)
	logRows := 0
	for _, tb := range logTables {
		if f.counts[tb] == 0 {
			t.Errorf("no rows in %s", tb)
		}
		logRows += f.counts[tb]
	}
	if logRows < 100_000 {
		t.Errorf("%d log rows, want at least 100,000", logRows)
	}
	t.Logf("log rows: %d; per table: %v", logRows, f.counts)

	if len(f.incidents) < 30 {
		t.Errorf("%d incidents, want at least 30", len(f.incidents))
	}
	recent := 0
	severities, statuses := map[string]bool{}, map[string]bool{}
	assigned, unassigned := 0, 0
	for _, inc := range f.incidents {
		if inc["CreatedTime"].(time.Time).After(testNow.Add(-48 * time.Hour)) {
			recent++
		}
		severities[inc["Severity"].(string)] = true
		statuses[inc["Status"].(string)] = true
		if inc["Owner"].(map[string]any)["assignedTo"] == nil {
			unassigned++
		} else {
			assigned++
		}
	}
	if recent < 8 {
		t.Errorf("%d incidents created in the last 48 h, want at least 8", recent)
	}
	for _, s := range []string{"High", "Medium", "Low", "Informational"} {
		if !severities[s] {
			t.Errorf("no %s incident", s)
		}
	}
	for _, s := range []string{"New", "Active", "Closed"} {
		if !statuses[s] {
			t.Errorf("no %s incident", s)
		}
	}
	if assigned == 0 || unassigned == 0 {
		t.Errorf("%d assigned and %d unassigned incidents, want both", assigned, unassigned)
	}
}

func TestScale(t *testing.T) {
	count := func(scale int) int {
		n := 0
		if err := Generate(Options{Now: testNow, Scale: scale}, func(table string, _ map[string]any) error {
			if slices.Contains(logTables, table) {
				n++
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		return n
	}
	one, two := count(1), count(2)
	if two < one*18/10 {
		t.Errorf("Scale 2 gave %d log rows, Scale 1 %d: want nearly twice", two, one)
	}
}

func TestEmitErrorStops(t *testing.T) {
	stop := errors.New("stop")
	n := 0
	err := Generate(Options{Now: testNow}, func(string, map[string]any) error {
		n++
		if n == 10 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || n != 10 {
		t.Fatalf("err = %v after %d calls; want the emit error after 10", err, n)
	}
	if err := Generate(Options{}, func(string, map[string]any) error { return nil }); err == nil {
		t.Fatal("a zero Now was accepted")
	}
}

func TestTimesInWindow(t *testing.T) {
	f := gather(t)
	if len(f.outside) > 0 {
		t.Errorf("%d times outside [now-14d, now] or not UTC, e.g. %v", len(f.outside), f.outside[:min(5, len(f.outside))])
	}
}

// entityTypes are the SecurityAlert.Entities "Type" spellings of every kind.
var entityTypes = []string{
	"account", "host", "ip", "url", "dns", "filehash", "file", "process", "mailbox", "mailMessage",
	"mailCluster", "SubmissionMail", "cloud-application", "azure-resource", "malware", "registry-key",
	"registry-value", "security-group", "iotdevice", "nic", "network-connection", "host-logon-session",
}

// walk visits every JSON object in v.
func walk(v any, fn func(map[string]any)) {
	switch x := v.(type) {
	case map[string]any:
		fn(x)
		for _, c := range x {
			walk(c, fn)
		}
	case []any:
		for _, c := range x {
			walk(c, fn)
		}
	}
}

func parseEntities(t *testing.T, alert map[string]any) []any {
	t.Helper()
	s := alert["Entities"].(string)
	if s == "" {
		return nil
	}
	var v []any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("alert %q: Entities is not a JSON array: %v", alert["AlertName"], err)
	}
	return v
}

func TestEntitiesJSON(t *testing.T) {
	f := gather(t)
	seenTypes := map[string]bool{}
	addresses := map[string]bool{}
	for _, a := range f.alertList {
		list := parseEntities(t, a)
		ids, refs := map[string]bool{}, []string{}
		walk(list, func(o map[string]any) {
			if id, ok := o["$id"].(string); ok {
				if ids[id] {
					t.Errorf("alert %q: $id %s defined twice", a["AlertName"], id)
				}
				ids[id] = true
				typ, _ := o["Type"].(string)
				if typ == "" {
					t.Errorf("alert %q: entity $id %s has no Type", a["AlertName"], id)
				}
				seenTypes[typ] = true
				if typ == "ip" {
					addr := o["Address"].(string)
					addresses[addr] = true
					ip := netip.MustParseAddr(addr)
					_, hasLoc := o["Location"]
					if public := !ip.IsPrivate(); public != hasLoc {
						t.Errorf("ip %s: public=%v but Location present=%v", addr, public, hasLoc)
					}
				}
			}
			if ref, ok := o["$ref"].(string); ok {
				if len(o) != 1 {
					t.Errorf("alert %q: $ref object with other properties: %v", a["AlertName"], o)
				}
				refs = append(refs, ref)
			}
		})
		for _, r := range refs {
			if !ids[r] {
				t.Errorf("alert %q: $ref %s does not resolve", a["AlertName"], r)
			}
		}
		if len(list) > 0 {
			first := list[0].(map[string]any)
			if first["$id"] != "2" {
				t.Errorf("alert %q: first $id is %v, want \"2\"", a["AlertName"], first["$id"])
			}
		}
		var ext map[string]string
		if err := json.Unmarshal([]byte(a["ExtendedProperties"].(string)), &ext); err != nil {
			t.Errorf("alert %q: ExtendedProperties is not a JSON object of strings: %v", a["AlertName"], err)
		}
		if tech := a["Techniques"].(string); tech != "" {
			var ts []string
			if err := json.Unmarshal([]byte(tech), &ts); err != nil {
				t.Errorf("alert %q: Techniques is not a JSON array: %v", a["AlertName"], err)
			}
		}
	}
	for _, typ := range entityTypes {
		if !seenTypes[typ] {
			t.Errorf("no entity of Type %q in any alert", typ)
		}
	}
	for typ := range seenTypes {
		if !slices.Contains(entityTypes, typ) {
			t.Errorf("unexpected entity Type %q", typ)
		}
	}
	v4, v6 := false, false
	for a := range addresses {
		if netip.MustParseAddr(a).Is4() {
			v4 = true
		} else {
			v6 = true
		}
	}
	if !v4 || !v6 {
		t.Errorf("ip entities: IPv4 %v, IPv6 %v; want both", v4, v6)
	}
}

func TestAlertsOfIncidentsExist(t *testing.T) {
	f := gather(t)
	for _, inc := range f.incidents {
		ids := inc["AlertIds"].([]any)
		if len(ids) == 0 {
			t.Errorf("incident %v has no alerts", inc["IncidentNumber"])
		}
		if n := inc["AdditionalData"].(map[string]any)["alertsCount"].(int64); int(n) != len(ids) {
			t.Errorf("incident %v: alertsCount %d, %d AlertIds", inc["IncidentNumber"], n, len(ids))
		}
		for _, id := range ids {
			if _, ok := f.alerts[id.(string)]; !ok {
				t.Errorf("incident %v: alert %v is not a SecurityAlert row", inc["IncidentNumber"], id)
			}
		}
		if inc["Status"] == "Closed" {
			if inc["Classification"] == "" || inc["ClosedTime"] == nil {
				t.Errorf("closed incident %v has no classification or closed time", inc["IncidentNumber"])
			}
		} else if inc["ClosedTime"] != nil || inc["Classification"] != "" {
			t.Errorf("open incident %v has a classification or closed time", inc["IncidentNumber"])
		}
		if !strings.HasPrefix(inc["IncidentUrl"].(string), "https://portal.azure.com/#asset/Microsoft_Azure_Security_Insights/Incident/") {
			t.Errorf("incident %v: IncidentUrl %v", inc["IncidentNumber"], inc["IncidentUrl"])
		}
	}
}

func TestIncidentNumbersFollowCreation(t *testing.T) {
	f := gather(t)
	incs := slices.Clone(f.incidents)
	slices.SortFunc(incs, func(a, b map[string]any) int {
		return a["CreatedTime"].(time.Time).Compare(b["CreatedTime"].(time.Time))
	})
	names := map[string]bool{}
	for i, inc := range incs {
		if i > 0 && inc["IncidentNumber"].(int64) <= incs[i-1]["IncidentNumber"].(int64) {
			t.Errorf("incident %v created after %v", inc["IncidentNumber"], incs[i-1]["IncidentNumber"])
		}
		names[inc["IncidentName"].(string)] = true
	}
	if len(names) != len(incs) {
		t.Errorf("%d distinct IncidentNames for %d incidents", len(names), len(incs))
	}
}

func TestStoryInLogs(t *testing.T) {
	f := gather(t)
	s := DefaultStory()
	has := func(m map[string]map[string]bool, k, v string) bool { return m[k][v] }

	if !has(f.signins, s.AttackerIP, "50126") || !has(f.signins, s.AttackerIP, "0") {
		t.Errorf("SigninLogs from %s: %v; want failures (50126) and a success (0)", s.AttackerIP, f.signins[s.AttackerIP])
	}
	if !has(f.signins, s.AttackerIPv6, "0") {
		t.Errorf("no successful sign-in from %s", s.AttackerIPv6)
	}
	if !has(f.dnsNames, s.C2Domain, s.CompromisedHostIP) {
		t.Errorf("DnsEvents: %s not resolved by %s", s.C2Domain, s.CompromisedHostIP)
	}
	if !f.devRemoteIP[s.C2IP] || len(f.devRemoteURL[s.C2Domain]) == 0 {
		t.Errorf("DeviceNetworkEvents: no connection to %s (%s)", s.C2Domain, s.C2IP)
	}
	if !f.fwDest[s.C2IP] {
		t.Errorf("CommonSecurityLog: no traffic to %s", s.C2IP)
	}
	victim := victimHost.computer()
	for _, id := range []int64{4624, 4688, 4697, 4698, 4720, 4732, 7045} {
		if f.secEvents[victim][id] == 0 {
			t.Errorf("SecurityEvent: no %d on %s", id, victim)
		}
	}
	if !f.secProcesses[victim][psPath] || !f.devProcesses[lower(victim)][updaterPath] {
		t.Errorf("the implant chain is missing from SecurityEvent or DeviceProcessEvents on %s", victim)
	}
	if !f.hbPrivateIPs[victim][s.CompromisedHostIP] || !f.devNetIPs[lower(victim)][s.CompromisedHostIP] {
		t.Errorf("%s's address %s is missing from Heartbeat or DeviceNetworkInfo", victim, s.CompromisedHostIP)
	}
	if !f.officeOps["New-InboxRule"][s.AttackerIP] {
		t.Errorf("OfficeActivity: no New-InboxRule from %s", s.AttackerIP)
	}
	if !f.azureOps["MICROSOFT.AUTHORIZATION/ROLEASSIGNMENTS/WRITE"][s.AttackerIPv6] {
		t.Errorf("AzureActivity: no role assignment from %s", s.AttackerIPv6)
	}
	for _, op := range []string{"Add member to group", "Consent to application"} {
		if !f.auditOps[op][s.CompromisedAccount] {
			t.Errorf("AuditLogs: no %q by %s", op, s.CompromisedAccount)
		}
	}
	// The benign stories leave their traces too.
	if !has(f.signins, vpnEgressIP, "0") || !f.officeOps["FileDownloaded"][heidi.mobile] {
		t.Error("the impossible-travel or mass-download story is missing from the logs")
	}
	if !f.fwDest[webPublicIP] {
		t.Error("the uptime monitor's traffic is missing from CommonSecurityLog")
	}
}

func TestThreatIntelFeed(t *testing.T) {
	f := gather(t)
	s := DefaultStory()
	inFeed := map[string]map[string]any{}
	for _, r := range f.ti {
		inFeed[r["ObservableValue"].(string)] = r
		pattern := r["Pattern"].(string)
		want := "[" + r["ObservableKey"].(string) + " = '" + r["ObservableValue"].(string) + "']"
		if pattern != want {
			t.Errorf("Pattern %q, want %q", pattern, want)
		}
		if !strings.HasPrefix(r["Id"].(string), "indicator--") {
			t.Errorf("Id %q", r["Id"])
		}
		if r["Data"].(map[string]any)["type"] != "indicator" {
			t.Errorf("Data.type of %v", r["ObservableValue"])
		}
	}
	high, warn := 0, 0
	for _, v := range s.MaliciousIndicators {
		r, ok := inFeed[v]
		if !ok {
			t.Errorf("malicious indicator %s is not in ThreatIntelIndicators", v)
			continue
		}
		if r["IsActive"] != true || r["IsDeleted"] != false {
			t.Errorf("malicious indicator %s is not active", v)
		}
		if r["Confidence"].(int64) >= 80 {
			high++
		} else {
			warn++
		}
	}
	if high == 0 || warn == 0 {
		t.Errorf("%d high-confidence and %d lower-confidence story indicators; want both", high, warn)
	}
	for _, v := range s.BenignIndicators {
		if _, ok := inFeed[v]; ok {
			t.Errorf("benign indicator %s is in ThreatIntelIndicators", v)
		}
	}
	keys := map[string]bool{}
	for _, r := range f.ti {
		keys[r["ObservableKey"].(string)] = true
	}
	for _, k := range []string{obsIPv4, obsIPv6, obsDomain, obsURL, obsSHA256, obsMD5, obsEmail} {
		if !keys[k] {
			t.Errorf("no indicator with ObservableKey %s", k)
		}
	}
}

// isReserved reports whether an indicator is a documentation address or a
// reserved example name: nothing real is ever accused.
func isReserved(v string) bool {
	if a, err := netip.ParseAddr(v); err == nil {
		for _, p := range []string{"192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "2001:db8::/32"} {
			if netip.MustParsePrefix(p).Contains(a) {
				return true
			}
		}
		return false
	}
	if len(v) == 32 || len(v) == 64 { // a hash
		return true
	}
	host := v
	if i := strings.Index(host, "://"); i >= 0 {
		host = host[i+3:]
		host = strings.SplitN(host, "/", 2)[0]
	}
	if i := strings.LastIndexByte(host, '@'); i >= 0 {
		host = host[i+1:]
	}
	for _, suffix := range []string{"example.com", "example.net", "example.org", ".example", ".test"} {
		if host == suffix || strings.HasSuffix(host, "."+strings.TrimPrefix(suffix, ".")) {
			return true
		}
	}
	return false
}

func TestOnlyReservedIndicatorsAccused(t *testing.T) {
	f := gather(t)
	for _, r := range f.ti {
		if v := r["ObservableValue"].(string); !isReserved(v) {
			t.Errorf("threat-intel indicator %q is not a documentation address or reserved name", v)
		}
	}
	for ip, where := range f.publicIPs {
		if !isReserved(ip) {
			t.Errorf("%s: public address %s is not from a documentation range", where, ip)
		}
	}
}

func TestLocations(t *testing.T) {
	f := gather(t)
	locs := map[string]enrich.Location{}
	for _, l := range geoTable {
		if _, dup := locs[l.ip]; dup {
			t.Errorf("two locations for %s", l.ip)
		}
		locs[l.ip] = l.Location
	}
	for p, l := range Locations() {
		if l != locs[p.Addr().String()] || !p.IsSingleIP() {
			t.Errorf("Locations: %s: %+v is not the address's location", p, l)
		}
		if l.CountryCode == "" || l.City == "" || l.ASN < 64496 || l.ASN > 64511 || (l.Latitude == 0 && l.Longitude == 0) {
			t.Errorf("incomplete location %+v", l)
		}
	}
	for ip, where := range f.publicIPs {
		if _, ok := locs[ip]; !ok {
			t.Errorf("%s: public address %s has no Location", where, ip)
		}
	}
	for _, v := range DefaultStory().MaliciousIndicators {
		if a, err := netip.ParseAddr(v); err == nil && !a.IsPrivate() {
			if _, ok := locs[v]; !ok {
				t.Errorf("malicious address %s has no Location", v)
			}
		}
	}
}

func TestStory(t *testing.T) {
	f := gather(t)
	s := DefaultStory()
	if !reflectEqualStory(s, DefaultStory()) {
		t.Fatal("DefaultStory is not stable")
	}
	byNumber := map[int64]map[string]any{}
	for _, inc := range f.incidents {
		byNumber[inc["IncidentNumber"].(int64)] = inc
	}
	if len(s.AttackIncidents) < 5 {
		t.Errorf("only %d attack incidents", len(s.AttackIncidents))
	}
	fp := byNumber[int64(s.FalsePositiveIncident)]
	if fp == nil || fp["Status"] != "Closed" || fp["Classification"] != "FalsePositive" {
		t.Errorf("false-positive incident %d: %v", s.FalsePositiveIncident, fp)
	}
	// The false positive names the monitoring address, which the feed does not know.
	if !strings.Contains(alertsText(f, fp), s.MonitoringIP) {
		t.Errorf("the false positive does not name %s", s.MonitoringIP)
	}
	for _, n := range s.AttackIncidents {
		if byNumber[int64(n)] == nil {
			t.Errorf("attack incident %d does not exist", n)
		}
	}
	// Recurring entities recur; the shared-prefix addresses sit in different incidents.
	for _, v := range s.RecurringEntities {
		n := 0
		for _, inc := range f.incidents {
			if identities(t, f, inc)[v] || strings.Contains(alertsText(f, inc), v) {
				n++
			}
		}
		if n < 2 {
			t.Errorf("recurring entity %s appears in %d incidents", v, n)
		}
	}
	holders := func(ip string) []int64 {
		var out []int64
		for _, inc := range f.incidents {
			for _, id := range inc["AlertIds"].([]any) {
				found := false
				walk(parseEntities(t, f.alerts[id.(string)]), func(o map[string]any) {
					if o["Address"] == ip {
						found = true
					}
				})
				if found {
					out = append(out, inc["IncidentNumber"].(int64))
					break
				}
			}
		}
		return out
	}
	a, b := holders(s.SharedPrefixIPs[0]), holders(s.SharedPrefixIPs[1])
	if len(a) == 0 || len(b) == 0 || slices.ContainsFunc(a, func(n int64) bool { return slices.Contains(b, n) }) {
		t.Errorf("shared-prefix addresses: %s in %v, %s in %v; want disjoint non-empty sets", s.SharedPrefixIPs[0], a, s.SharedPrefixIPs[1], b)
	}
	// Text-only alerts carry no entities but name indicators in their text.
	textOnly := 0
	for _, n := range s.TextOnlyIncidents {
		for _, id := range byNumber[int64(n)]["AlertIds"].([]any) {
			al := f.alerts[id.(string)]
			if e := al["Entities"].(string); e == "" || e == "[]" {
				textOnly++
				if !strings.ContainsAny(al["Description"].(string), "0123456789") {
					t.Errorf("text-only alert %q names no indicator", al["AlertName"])
				}
			}
		}
	}
	if textOnly < 2 {
		t.Errorf("%d text-only alerts, want at least 2", textOnly)
	}
	emptyForms := map[string]bool{}
	for _, al := range f.alertList {
		if e := al["Entities"].(string); e == "" || e == "[]" {
			emptyForms[e] = true
		}
	}
	if !emptyForms[""] || !emptyForms["[]"] {
		t.Errorf("entity-less alerts use %v; want both \"\" and \"[]\"", emptyForms)
	}
	if len(s.Incidents) != len(f.incidents) {
		t.Errorf("Story lists %d incidents, the data has %d", len(s.Incidents), len(f.incidents))
	}
}

// alertsText concatenates the entity JSON, descriptions and extended
// properties of an incident's alerts.
func alertsText(f *facts, inc map[string]any) string {
	var b strings.Builder
	for _, id := range inc["AlertIds"].([]any) {
		al := f.alerts[id.(string)]
		b.WriteString(al["Entities"].(string))
		b.WriteString(al["Description"].(string))
		b.WriteString(al["ExtendedProperties"].(string))
	}
	return b.String()
}

// identities returns the identity values of an incident's entities: addresses,
// host names, domains, URLs, hashes, and accounts as name@upnsuffix.
func identities(t *testing.T, f *facts, inc map[string]any) map[string]bool {
	out := map[string]bool{}
	for _, id := range inc["AlertIds"].([]any) {
		walk(parseEntities(t, f.alerts[id.(string)]), func(o map[string]any) {
			for _, k := range []string{"Address", "HostName", "DomainName", "Url", "Value", "MailboxPrimaryAddress", "Recipient"} {
				if v, ok := o[k].(string); ok {
					out[v] = true
				}
			}
			if o["Type"] == "account" && o["UPNSuffix"] != nil {
				out[o["Name"].(string)+"@"+o["UPNSuffix"].(string)] = true
			}
		})
	}
	return out
}

func reflectEqualStory(a, b Story) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return string(ja) == string(jb)
}

func TestColumns(t *testing.T) {
	f := gather(t)
	want := map[string][]string{
		TableSecurityIncident: {"TimeGenerated", "IncidentName", "IncidentNumber", "Title", "Description", "Severity", "Status",
			"Classification", "ClassificationReason", "ClassificationComment", "Owner", "Labels", "AlertIds", "CreatedTime",
			"FirstActivityTime", "LastActivityTime", "LastModifiedTime", "ClosedTime", "IncidentUrl", "AdditionalData",
			"ProviderName", "ProviderIncidentId", "RelatedAnalyticRuleIds"},
		TableSecurityAlert: {"TimeGenerated", "DisplayName", "AlertName", "AlertSeverity", "Description", "ProviderName",
			"VendorName", "VendorOriginalId", "SystemAlertId", "ResourceId", "AlertType", "ConfidenceLevel", "ConfidenceScore",
			"IsIncident", "StartTime", "EndTime", "ProcessingEndTime", "RemediationSteps", "ExtendedProperties", "Entities",
			"ProductName", "ProductComponentName", "AlertLink", "Status", "CompromisedEntity", "Tactics", "Techniques",
			"SourceSystem", "Type"},
		TableThreatIntelIndicators: {"TimeGenerated", "Id", "ObservableKey", "ObservableValue", "Pattern", "Confidence",
			"IsActive", "IsDeleted", "ValidFrom", "ValidUntil", "SourceSystem", "Tags", "Type", "Created", "Modified", "Data"},
		TableSigninLogs: {"TimeGenerated", "UserPrincipalName", "UserDisplayName", "UserId", "IPAddress", "AppDisplayName",
			"ClientAppUsed", "ResultType", "ResultDescription", "LocationDetails", "DeviceDetail", "RiskLevelDuringSignIn",
			"ConditionalAccessStatus", "AuthenticationRequirement", "CorrelationId"},
		TableDnsEvents:         {"Computer", "ClientIP", "Name", "IPAddresses", "QueryType", "ResultCode"},
		TableHeartbeat:         {"Computer", "ComputerIP", "OSType", "OSName", "Version", "Category", "ResourceId", "SourceComputerId"},
		TableDeviceNetworkInfo: {"DeviceId", "DeviceName", "IPAddresses", "MacAddress"},
		TableDeviceInfo:        {"DeviceId", "DeviceName", "OSPlatform", "OSVersion", "PublicIP", "LoggedOnUsers"},
		TableSecurityEvent:     {"Computer", "EventID", "Activity", "Account", "AccountType"},
	}
	for table, cols := range want {
		for _, c := range cols {
			if !slices.Contains(f.firstKeys[table], c) {
				t.Errorf("%s has no column %s (first row: %v)", table, c, f.firstKeys[table])
			}
		}
	}
	for _, tb := range Tables() {
		if f.counts[tb] == 0 {
			t.Errorf("Tables lists %s but nothing was written to it", tb)
		}
	}
}

func TestValueTypes(t *testing.T) {
	var bad []string
	var check func(path string, v any, dynamic bool)
	check = func(path string, v any, dynamic bool) {
		switch x := v.(type) {
		case nil, string, int64, float64, bool:
		case time.Time:
			if dynamic {
				bad = append(bad, path+": time inside a dynamic value")
			}
		case map[string]any:
			for k, c := range x {
				check(path+"."+k, c, true)
			}
		case []any:
			for i, c := range x {
				check(fmt.Sprintf("%s[%d]", path, i), c, true)
			}
		default:
			bad = append(bad, fmt.Sprintf("%s: %T", path, v))
		}
	}
	err := Generate(Options{Now: testNow}, func(table string, rec map[string]any) error {
		for k, v := range rec {
			if len(bad) < 20 {
				check(table+"."+k, v, false)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(bad) > 0 {
		t.Errorf("unsupported value types: %v", bad)
	}
}
