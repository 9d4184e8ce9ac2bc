package summary

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/triage-dev/triage/internal/demo"
	"github.com/triage-dev/triage/internal/enrich"
	"github.com/triage-dev/triage/internal/intel"
	"github.com/triage-dev/triage/internal/ioc"
	"github.com/triage-dev/triage/internal/report"
	"github.com/triage-dev/triage/internal/sources"
	"github.com/triage-dev/triage/internal/triage"
	"github.com/triage-dev/triage/internal/workspace"
	"github.com/triage-dev/triage/internal/workspace/local"
)

// now anchors the demo workspace, as the pipeline's demo test does.
var now = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

// The story's entities the tests summarise (see internal/demo/story.go).
const (
	keyAttacker = "Ip:203.0.113.66"
	keyVictimIP = "Ip:10.0.0.10"
	keyAppIP    = "Ip:10.0.0.1"
	keyC2IP     = "Ip:198.51.100.23"
	keyJordan   = "Account:jordan.reyes@contoso-demo.example"
	keySam      = "Account:sam.taylor@contoso-demo.example"
	keyRogue    = `Account:wks-fin-07\svc-backup`
	keyVictim   = "Host:wks-fin-07.contoso-demo.example"
)

var storyKeys = []string{keyAttacker, keyVictimIP, keyAppIP, keyC2IP, keyJordan, keySam, keyRogue, keyVictim}

// theDemo is the demo workspace and its incidents' entities, built once.
var theDemo struct {
	once sync.Once
	ws   *local.Workspace
	cat  *workspace.Catalog
	ents map[string]triage.Entity // by key, from the incidents' details
	// incidents are the incidents with their details, in the workspace's order.
	incidents []demoIncident
	err       error
}

// demoIncident is a demo incident and its details.
type demoIncident struct {
	triage.Incident
	details triage.Details
}

// demoWorkspace opens the demo workspace in memory (Scale 1, anchored at
// now) and reads every incident's entities.
func demoWorkspace(t *testing.T) (*local.Workspace, *workspace.Catalog, map[string]triage.Entity) {
	t.Helper()
	d := &theDemo
	d.once.Do(func() {
		ctx := context.Background()
		if d.cat, d.err = workspace.LoadCatalog(""); d.err != nil {
			return
		}
		if d.ws, d.err = local.Open(ctx, "demo", ":memory:", d.cat); d.err != nil {
			return
		}
		d.err = d.ws.Load(ctx, func(emit func(string, map[string]any) error) error {
			return demo.Generate(demo.Options{Now: now, Scale: 1}, emit)
		})
		if d.err != nil {
			return
		}
		if d.err = d.ws.BuildIndexes(ctx); d.err != nil {
			return
		}
		d.ents = map[string]triage.Entity{}
		d.err = d.ws.ListIncidents(ctx, workspace.IncidentFilter{}, func(inc triage.Incident) error {
			det, err := d.ws.Details(ctx, inc)
			if err != nil {
				return err
			}
			d.incidents = append(d.incidents, demoIncident{inc, det})
			for _, e := range det.Entities {
				if _, ok := d.ents[e.Key]; !ok {
					d.ents[e.Key] = e
				}
			}
			return nil
		})
	})
	if d.err != nil {
		t.Fatalf("demo workspace: %v", d.err)
	}
	return d.ws, d.cat, d.ents
}

// demoEnv is an Env over the demo workspace with GeoIP, RDAP and threat
// intelligence built from the demo's own data.
func demoEnv(t *testing.T) Env {
	t.Helper()
	ws, _, _ := demoWorkspace(t)
	return Env{
		Sources: sources.Sources{Workspace: ws, Geo: demoGeo(), Registry: demoRegistry{}},
		Start:   now.Add(-demo.Window), End: now, TI: demoTI(), MaxRows: 50,
	}
}

// storyEntities returns the story's entities, read from the demo incidents,
// plus a bare account name "admin" that several accounts share.
func storyEntities(t *testing.T) []triage.Entity {
	t.Helper()
	_, _, ents := demoWorkspace(t)
	var out []triage.Entity
	for _, k := range storyKeys {
		e, ok := ents[k]
		if !ok {
			t.Fatalf("no demo incident has the entity %s", k)
		}
		out = append(out, e)
	}
	admin, err := triage.NewEntity(triage.KindAccount, map[string]any{"accountName": "admin"})
	if err != nil {
		t.Fatal(err)
	}
	return append(out, admin)
}

// theStory is the summary of the story's entities, made once: every kind in
// one Summarize call, as the pipeline makes it.
var theStory struct {
	once sync.Once
	sums map[string]report.Summary
}

func storySummaries(t *testing.T) map[string]report.Summary {
	t.Helper()
	env, ents := demoEnv(t), storyEntities(t)
	theStory.once.Do(func() {
		theStory.sums = map[string]report.Summary{}
		for _, s := range Summarize(context.Background(), env, ents) {
			theStory.sums[s.Entity] = s
		}
	})
	return theStory.sums
}

// --- fakes --------------------------------------------------------------------

// demoGeo locates the demo's public addresses (demo.Locations).
func demoGeo() geoFunc {
	locs := map[netip.Addr]enrich.Location{}
	for p, l := range demo.Locations() {
		l.Source = "demo GeoIP"
		locs[p.Addr()] = l
	}
	return func(_ context.Context, a netip.Addr) (enrich.Location, error) {
		if l, ok := locs[a]; ok {
			return l, nil
		}
		return enrich.Location{}, fmt.Errorf("demo GeoIP: %s: %w", a, enrich.ErrUnknown)
	}
}

type geoFunc func(context.Context, netip.Addr) (enrich.Location, error)

func (f geoFunc) Locate(ctx context.Context, a netip.Addr) (enrich.Location, error) { return f(ctx, a) }

// demoRegistry registers every demo public address to its ASN's organisation.
type demoRegistry struct{ err error }

func (r demoRegistry) Network(_ context.Context, a netip.Addr) (enrich.Network, error) {
	if r.err != nil {
		return enrich.Network{}, r.err
	}
	if l, ok := demo.Locations()[netip.PrefixFrom(a, a.BitLen())]; ok {
		p, _ := a.Prefix(24)
		if a.Is6() {
			p, _ = a.Prefix(48)
		}
		return enrich.Network{Name: strings.ToUpper(strings.ReplaceAll(strings.Fields(l.ASOrg)[0], " ", "-")) + "-NET",
			Handle: "NET-" + strings.ReplaceAll(p.Addr().String(), ".", "-"), CIDR: p.String(), Country: l.CountryCode,
			Org: l.ASOrg, AbuseEmail: "abuse@as" + fmt.Sprint(l.ASN) + ".example", Source: "https://rdap.example/ip/"}, nil
	}
	return enrich.Network{}, fmt.Errorf("rdap: %s: %w", a, enrich.ErrUnknown)
}

func (demoRegistry) Domain(context.Context, string) (enrich.Registration, error) {
	return enrich.Registration{}, enrich.ErrUnknown
}

// demoTI is what providers said of the story's indicators: VirusTotal's
// resolutions and OTX's passive DNS for the attacker, a throttled
// GreyNoise, and the local feed's verdict on the stager URL.
func demoTI() []intel.Result {
	return []intel.Result{
		{Indicator: "203.0.113.66", Type: ioc.IPv4, Provider: "virustotal", Status: intel.StatusOK, Severity: intel.SeverityHigh,
			Summary: "9/94 engines flag it", PassiveDNS: &intel.PassiveDNS{Records: []intel.Resolution{
				{Name: "vps66.anonymizer.example", Date: rfc3339("2026-11-20T08:00:00Z")}}}},
		{Indicator: "203.0.113.66", Type: ioc.IPv4, Provider: "otx", Status: intel.StatusOK, Severity: intel.SeverityWarning,
			Summary: "1 pulse", PassiveDNS: &intel.PassiveDNS{Records: []intel.Resolution{{
				Name: "mail.anonymizer.example", Address: "203.0.113.66", Type: "A", First: rfc3339("2026-10-01T00:00:00Z"), Last: rfc3339("2026-11-21T00:00:00Z")}}}},
		{Indicator: "203.0.113.66", Type: ioc.IPv4, Provider: "greynoise", Status: intel.StatusRateLimited, Severity: intel.SeverityUnknown,
			Reason: "rate limited, retry after 1m0s"},
		{Indicator: "http://files.example.org/dl/OneDriveUpdate.ps1", Type: ioc.URL, Provider: "sentinel-ti", Status: intel.StatusOK,
			Severity: intel.SeverityHigh, Summary: "FakeUpdate PowerShell stager (confidence 80)"},
	}
}

// faultyWS is a workspace whose queries fail: fail says how for a query of
// the built-in catalog (nil lets it run).
type faultyWS struct {
	workspace.Workspace
	fail func(q *workspace.Query) error
}

func (w faultyWS) Run(ctx context.Context, name string, p workspace.Params) (workspace.Table, error) {
	cat, err := builtinCatalog()
	if err != nil {
		return workspace.Table{}, err
	}
	q, err := cat.Get(name)
	if err != nil {
		return workspace.Table{}, err
	}
	if err := w.fail(q); err != nil {
		return workspace.Table{}, err
	}
	return w.Workspace.Run(ctx, name, p)
}

var builtinCatalog = sync.OnceValues(func() (*workspace.Catalog, error) { return workspace.LoadCatalog("") })

// noTable fails the queries that read table as a workspace does when the table
// does not exist.
func noTable(table string) func(q *workspace.Query) error {
	return func(q *workspace.Query) error {
		if strings.Contains(q.Bodies[workspace.SQL], table) {
			return fmt.Errorf("query %q: %w", q.Name, &workspace.NoTableError{Table: table, Err: errors.New("SQL logic error: no such table: " + table + " (1)")})
		}
		return nil
	}
}

// --- helpers --------------------------------------------------------------------

func sectionOf(t *testing.T, s report.Summary, name string) report.SummarySection {
	t.Helper()
	for _, sec := range s.Sections {
		if sec.Name == name {
			return sec
		}
	}
	t.Fatalf("%s: no section %q", s.Entity, name)
	return report.SummarySection{}
}

func factOf(facts []report.Fact, label string) string {
	for _, f := range facts {
		if f.Label == label {
			return f.Value
		}
	}
	return ""
}

// column returns a table column's cells.
func column(t *testing.T, tab *report.Table, title string) []string {
	t.Helper()
	if tab == nil {
		t.Fatalf("no table")
	}
	i := slices.Index(tab.Headers(), title)
	if i < 0 {
		t.Fatalf("no column %q in %v", title, tab.Headers())
	}
	var out []string
	for _, r := range tab.Rows {
		out = append(out, r[i])
	}
	return out
}

// rowWith returns the first row whose cell in column title is value, as a
// map from column to cell.
func rowWith(t *testing.T, tab *report.Table, title, value string) map[string]string {
	t.Helper()
	for i, v := range column(t, tab, title) {
		if v == value {
			row := map[string]string{}
			for j, c := range tab.Columns {
				row[c.Header] = tab.Rows[i][j]
			}
			return row
		}
	}
	t.Fatalf("no row with %s = %q in %v", title, value, tab.Rows)
	return nil
}

func wantStatus(t *testing.T, sec report.SummarySection, want report.Status, reason string) {
	t.Helper()
	if sec.Status != want || !strings.Contains(sec.Reason, reason) {
		t.Errorf("section %q: status %s %q, want %s containing %q", sec.Name, sec.Status, sec.Reason, want, reason)
	}
}

func wantOK(t *testing.T, s report.Summary, names ...string) map[string]report.SummarySection {
	t.Helper()
	out := map[string]report.SummarySection{}
	for _, n := range names {
		sec := sectionOf(t, s, n)
		if sec.Status != report.StatusOK {
			t.Errorf("%s: section %q is %s (%s), want ok", s.Entity, n, sec.Status, sec.Reason)
		}
		out[n] = sec
	}
	return out
}

// --- tests ------------------------------------------------------------------------

func TestIPAttacker(t *testing.T) {
	s := storySummaries(t)[keyAttacker]
	if got := factOf(s.Facts, "Origin"); got != "external" {
		t.Errorf("Origin = %q, want external", got)
	}
	if got := factOf(s.Facts, "Scope"); got != string(ioc.Documentation) {
		t.Errorf("Scope = %q", got)
	}
	secs := wantOK(t, s, "Geolocation", "Registration", "Passive DNS", "Sign-ins from this address",
		"Azure activity from this address", "Office 365 activity from this address", "Related alerts", "Threat intelligence")
	for _, n := range []string{"Hosts with this address", "Host logons from this address", "Network events"} {
		wantStatus(t, sectionOf(t, s, n), report.StatusEmpty, "203.0.113.66")
	}

	geo := secs["Geolocation"]
	if factOf(geo.Facts, "City") != "Amsterdam" || factOf(geo.Facts, "ASN") != "AS64501 Anonymizer VPS Hosting (demo)" ||
		factOf(geo.Facts, "Coordinates") != "52.3676, 4.9041" {
		t.Errorf("geolocation facts = %v", geo.Facts)
	}
	if reg := secs["Registration"]; factOf(reg.Facts, "CIDR") != "203.0.113.0/24" || factOf(reg.Facts, "Abuse contact") == "" {
		t.Errorf("registration facts = %v", reg.Facts)
	}
	names := column(t, secs["Passive DNS"].Table, "Name")
	if !slices.Contains(names, "vps66.anonymizer.example") || !slices.Contains(names, "mail.anonymizer.example") {
		t.Errorf("passive DNS names = %v, want VirusTotal's and OTX's", names)
	}

	// The spray: 1 try ten days earlier, 4 rounds over 8 accounts and 3
	// names that do not exist, then the breach and 2 browser sign-ins.
	si := secs["Sign-ins from this address"]
	if factOf(si.Facts, "Sign-ins") != "48" || factOf(si.Facts, "Succeeded") != "3" || factOf(si.Facts, "Failed or interrupted") != "45" {
		t.Errorf("sign-in facts = %v", si.Facts)
	}
	if !strings.HasPrefix(factOf(si.Facts, "Accounts"), "11: ") {
		t.Errorf("Accounts = %q, want the 11 sprayed names", factOf(si.Facts, "Accounts"))
	}
	if !slices.Contains(column(t, si.Table, "Account"), "admin@contoso-demo.example") {
		t.Errorf("the spray's non-existent admin@ is missing: %v", si.Table.Rows)
	}
	// The malicious app uses its Owner rights from the attacker's address.
	ops := column(t, secs["Azure activity from this address"].Table, "Operation")
	if !slices.Contains(ops, "MICROSOFT.STORAGE/STORAGEACCOUNTS/LISTKEYS/ACTION") {
		t.Errorf("Azure operations = %v", ops)
	}
	if row := rowWith(t, secs["Office 365 activity from this address"].Table, "Operation", "New-InboxRule"); row["User"] != "jordan.reyes@contoso-demo.example" {
		t.Errorf("inbox rule row = %v", row)
	}
	alerts := column(t, secs["Related alerts"].Table, "Alert")
	if !slices.Contains(alerts, "Password spray attack against Azure AD application") {
		t.Errorf("related alerts = %v", alerts)
	}
	ti := secs["Threat intelligence"]
	if factOf(ti.Facts, "Verdict") != "high" || !strings.Contains(factOf(ti.Facts, "Failed lookups"), "greynoise") {
		t.Errorf("threat intel facts = %v", ti.Facts)
	}
}

func TestIPVictim(t *testing.T) {
	s := storySummaries(t)[keyVictimIP]
	if got := factOf(s.Facts, "Origin"); got != "internal (private address)" {
		t.Errorf("Origin = %q", got)
	}
	wantStatus(t, sectionOf(t, s, "Geolocation"), report.StatusSkipped, "private address")
	wantStatus(t, sectionOf(t, s, "Registration"), report.StatusSkipped, "no public registration")
	secs := wantOK(t, s, "Hosts with this address", "Host logons from this address", "Network events", "Related alerts")
	if got := factOf(secs["Hosts with this address"].Facts, "Hosts"); got != "wks-fin-07.contoso-demo.example" {
		t.Errorf("hosts = %q", got)
	}
	// The rogue local administrator tries the file server from WKS-FIN-07.
	row := rowWith(t, secs["Host logons from this address"].Table, "Account", `wks-fin-07\svc-backup`)
	if row["Host"] != "SRV-FILE-01.contoso-demo.example" || row["Failures"] != "6" {
		t.Errorf("svc-backup logons = %v", row)
	}
	// The beacon: every five minutes for 29 hours, in both the endpoint and the firewall logs.
	if peers := factOf(secs["Network events"].Facts, "External peers"); !strings.HasPrefix(peers, "198.51.100.23 ×696") {
		t.Errorf("external peers = %q, want the C2 first", peers)
	}
	net := secs["Network events"].Table
	for _, src := range []string{"DeviceNetworkEvents", "CommonSecurityLog"} {
		found := false
		for _, r := range net.Rows {
			m := map[string]string{}
			for j, c := range net.Columns {
				m[c.Header] = r[j]
			}
			if m["Source"] == src && m["Peer"] == "198.51.100.23" {
				found = true
				if m["Name"] != "svc-telemetry.example.net" || m["Count"] != "348" {
					t.Errorf("%s beacon row = %v", src, m)
				}
			}
		}
		if !found {
			t.Errorf("no %s beacon to 198.51.100.23 in %v", src, net.Rows)
		}
	}
}

// TestIPExactMatch: 10.0.0.1 (SRV-APP-01) shares a prefix with 10.0.0.10
// (WKS-FIN-07) and must pick up none of its rows.
func TestIPExactMatch(t *testing.T) {
	s := storySummaries(t)[keyAppIP]
	secs := wantOK(t, s, "Hosts with this address", "Network events")
	if got := factOf(secs["Hosts with this address"].Facts, "Hosts"); got != "srv-app-01.contoso-demo.example" {
		t.Errorf("hosts of 10.0.0.1 = %q", got)
	}
	// The penetration test scanned SRV-APP-01; WKS-FIN-07 beaconed to the C2.
	peers := factOf(secs["Network events"].Facts, "External peers")
	if !strings.Contains(peers, "192.0.2.50 ×") || strings.Contains(peers, "198.51.100.23") {
		t.Errorf("external peers of 10.0.0.1 = %q", peers)
	}
	if slices.Contains(column(t, secs["Network events"].Table, "Peer"), "198.51.100.23") {
		t.Error("10.0.0.1's network events include 10.0.0.10's beacon")
	}
	// WKS-FIN-07 does appear, as a client of SRV-APP-01: never as 10.0.0.1 itself.
	net := secs["Network events"].Table
	for i, dev := range column(t, net, "Device") {
		if strings.HasPrefix(dev, "wks-fin-07") && (net.Rows[i][slices.Index(net.Headers(), "Role")] != "remote" ||
			net.Rows[i][slices.Index(net.Headers(), "Peer")] != "10.0.0.10") {
			t.Errorf("WKS-FIN-07 row of 10.0.0.1: %v", net.Rows[i])
		}
	}
	wantStatus(t, sectionOf(t, s, "Host logons from this address"), report.StatusEmpty, "10.0.0.1")
	for _, sec := range s.Sections {
		if sec.Table == nil || sec.Name == "Network events" {
			continue
		}
		for _, r := range sec.Table.Rows {
			for _, c := range r {
				if strings.Contains(strings.ToLower(c), "wks-fin-07") {
					t.Errorf("section %q of 10.0.0.1 has a WKS-FIN-07 row: %v", sec.Name, r)
				}
			}
		}
	}
}

// TestEverySectionLit: the demo story gives every section of every kind
// real content for at least one of its entities.
func TestEverySectionLit(t *testing.T) {
	lit := map[string]map[string]bool{} // kind -> section -> ok somewhere
	for _, s := range storySummaries(t) {
		if lit[string(s.Kind)] == nil {
			lit[string(s.Kind)] = map[string]bool{}
		}
		for _, sec := range s.Sections {
			lit[string(s.Kind)][sec.Name] = lit[string(s.Kind)][sec.Name] || sec.Status == report.StatusOK
		}
		if s.Status != report.StatusOK {
			t.Errorf("%s: summary %s (%s)", s.Entity, s.Status, s.Reason)
		}
	}
	for kind, secs := range lit {
		for name, ok := range secs {
			if !ok {
				t.Errorf("%s section %q is never ok in the demo story", kind, name)
			}
		}
	}
	if len(lit) != 3 {
		t.Errorf("kinds summarised: %v", lit)
	}
}

// TestMissingTable: a workspace without SigninLogs skips the sign-in
// section, naming the table, and the other sections stay ok; a SigninLogs
// table with no rows gives an empty section instead.
func TestMissingTable(t *testing.T) {
	env, ents := demoEnv(t), storyEntities(t)
	env.Workspace = faultyWS{Workspace: env.Workspace, fail: noTable("SigninLogs")}
	var attacker triage.Entity
	for _, e := range ents {
		if e.Key == keyAttacker {
			attacker = e
		}
	}
	s := Summarize(context.Background(), env, []triage.Entity{attacker})[0]
	wantStatus(t, sectionOf(t, s, "Sign-ins from this address"), report.StatusSkipped, "the workspace has no SigninLogs table")
	wantOK(t, s, "Azure activity from this address", "Office 365 activity from this address", "Related alerts")
	if s.Status != report.StatusOK {
		t.Errorf("summary %s (%s): a missing table is not a failure", s.Status, s.Reason)
	}

	empty := emptyWorkspace(t)
	s = Summarize(context.Background(), Env{Sources: sources.Sources{Workspace: empty}, Start: now.Add(-time.Hour), End: now},
		[]triage.Entity{attacker})[0]
	wantStatus(t, sectionOf(t, s, "Sign-ins from this address"), report.StatusEmpty, "no sign-in from 203.0.113.66")
}

// TestFailingQuery: a query that fails gives an error section with its
// reason; the others are unaffected and the summary is partial.
func TestFailingQuery(t *testing.T) {
	env, ents := demoEnv(t), storyEntities(t)
	env.Workspace = faultyWS{Workspace: env.Workspace, fail: func(q *workspace.Query) error {
		if q.Name == qIPNetwork {
			return errors.New("the workspace is throttling queries")
		}
		return nil
	}}
	var victim triage.Entity
	for _, e := range ents {
		if e.Key == keyVictimIP {
			victim = e
		}
	}
	s := Summarize(context.Background(), env, []triage.Entity{victim})[0]
	wantStatus(t, sectionOf(t, s, "Network events"), report.StatusError, "the workspace is throttling queries")
	wantOK(t, s, "Hosts with this address", "Host logons from this address")
	if s.Status != report.StatusPartial || s.Reason != "1 of 11 sections failed" {
		t.Errorf("summary %s %q, want partial", s.Status, s.Reason)
	}
}

// emptyWorkspace is a local workspace with every table and no rows.
func emptyWorkspace(t *testing.T) *local.Workspace {
	t.Helper()
	ws, err := local.Open(context.Background(), "empty", ":memory:", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.Close() })
	return ws
}

// TestOutsideSources: geolocation and registration are skipped without a
// source, empty when the source does not know the address, and errors when
// it fails.
func TestOutsideSources(t *testing.T) {
	ws := emptyWorkspace(t)
	ip, _ := triage.NewEntity(triage.KindIP, map[string]any{"address": "203.0.113.66"})
	unknown, _ := triage.NewEntity(triage.KindIP, map[string]any{"address": "198.51.100.99"})
	base := Env{Sources: sources.Sources{Workspace: ws}, Start: now.Add(-time.Hour), End: now}
	down := errors.New("connection refused")
	tests := []struct {
		name     string
		geo      enrich.Locator
		reg      enrich.Registry
		ent      triage.Entity
		geoWant  report.Status
		geoWhy   string
		regWant  report.Status
		regWhy   string
		failures int
	}{
		{"none configured", nil, nil, ip, report.StatusSkipped, "no GeoIP database configured",
			report.StatusSkipped, "registration lookups are off", 0},
		{"unknown address", demoGeo(), demoRegistry{}, unknown, report.StatusEmpty, "no record of 198.51.100.99",
			report.StatusEmpty, "no registry holds a registration", 0},
		{"failing sources", geoFunc(func(context.Context, netip.Addr) (enrich.Location, error) { return enrich.Location{}, down }),
			demoRegistry{err: down}, ip, report.StatusError, "connection refused", report.StatusError, "connection refused", 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			env := base
			env.Geo, env.Registry = tc.geo, tc.reg
			s := Summarize(context.Background(), env, []triage.Entity{tc.ent})[0]
			wantStatus(t, sectionOf(t, s, "Geolocation"), tc.geoWant, tc.geoWhy)
			wantStatus(t, sectionOf(t, s, "Registration"), tc.regWant, tc.regWhy)
			failed := 0
			for _, sec := range s.Sections {
				if sec.Status == report.StatusError {
					failed++
				}
			}
			if failed != tc.failures {
				t.Errorf("%d error sections, want %d", failed, tc.failures)
			}
		})
	}
}

// TestNoWorkspace: without a workspace the log sections are skipped and
// say why; nothing panics.
func TestNoWorkspace(t *testing.T) {
	ip, _ := triage.NewEntity(triage.KindIP, map[string]any{"address": "10.0.0.1"})
	acct, _ := triage.NewEntity(triage.KindAccount, map[string]any{"accountName": "alice"})
	host, _ := triage.NewEntity(triage.KindHost, map[string]any{"hostName": "web01"})
	for _, s := range Summarize(context.Background(), Env{}, []triage.Entity{ip, acct, host}) {
		for _, sec := range s.Sections {
			if sec.Status == report.StatusError || sec.Status == report.StatusOK {
				t.Errorf("%s: section %q is %s (%s)", s.Entity, sec.Name, sec.Status, sec.Reason)
			}
		}
		wantStatus(t, sectionOf(t, s, "Related alerts"), report.StatusSkipped, "no workspace")
	}
}

// TestSummaryQueries: every query of summary.yaml has both bodies, its KQL
// binds with the values in a let statement, and its SQL runs on the demo
// workspace and returns the matched Value; values that need escaping are
// bound, not spliced.
func TestSummaryQueries(t *testing.T) {
	ws, cat, _ := demoWorkspace(t)
	values := map[string][]string{
		"summary_ip_":      {"203.0.113.66", "10.0.0.10", "10.0.0.1", "2001:db8:bad:1::66"},
		"summary_account_": {"jordan.reyes@contoso-demo.example", "jordan.reyes", `contoso\sam.taylor`, "sam.taylor", "admin"},
		"summary_host_":    {"wks-fin-07", "wks-fin-07.contoso-demo.example", "web-lnx-01"},
	}
	var names []string
	for _, n := range cat.Names() {
		if strings.HasPrefix(n, "summary_") {
			names = append(names, n)
		}
	}
	if len(names) != 19 {
		t.Errorf("%d summary queries: %v", len(names), names)
	}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			q, _ := cat.Get(name)
			if q.Bodies[workspace.KQL] == "" || q.Bodies[workspace.SQL] == "" || q.Description == "" {
				t.Fatalf("want a description and both bodies")
			}
			var vs []string
			for prefix, v := range values {
				if strings.HasPrefix(name, prefix) {
					vs = v
				}
			}
			p := workspace.Params{"values": vs, "start": now.Add(-demo.Window), "end": now}
			text, _, err := q.Bind(workspace.KQL, p)
			if err != nil {
				t.Fatalf("Bind(KQL): %v", err)
			}
			if !strings.HasPrefix(text, "let values = dynamic([") {
				t.Errorf("KQL prelude: %q", text[:min(len(text), 60)])
			}
			tab, err := ws.Query(context.Background(), q, p)
			if err != nil {
				t.Fatalf("SQL: %v", err)
			}
			if len(tab.Rows) == 0 {
				t.Errorf("no rows for the story's values")
			}
			for _, r := range tab.Records() {
				if !slices.Contains(vs, r.String("Value")) && !slices.Contains(vs, canonicalIP(r.String("Value"))) {
					t.Errorf("row matched %q, not one of the values", r.String("Value"))
					break
				}
			}
			hostile := workspace.Params{"values": []string{`o'brien`, `a"b\c`, "x') OR 1=1 --"}, "start": now.Add(-demo.Window), "end": now}
			if _, err := ws.Query(context.Background(), q, hostile); err != nil {
				t.Errorf("values that need quoting: %v", err)
			}
		})
	}
}
