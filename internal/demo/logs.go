package demo

import (
	"crypto/sha256"
	"encoding/hex"
	"math/rand/v2"
	"time"
)

// This file holds what the log generators share: the background volumes, time
// sampling, and the catalogues background rows are drawn from. Each table's
// generator (logs_*.go) first writes the story's rows for that table, from the
// story's tables, then its background rows from its own random stream.

// Background rows per table at Scale 1. Heartbeat, DeviceInfo and
// DeviceNetworkInfo are periodic instead: their interval shrinks with Scale.
const (
	volSignin       = 14000
	volAudit        = 2500
	volAzure        = 6000
	volOffice       = 12000
	volSecEvent     = 30000
	volSyslog       = 12000
	volDevNetwork   = 12000
	volDevProcess   = 10000
	volDevLogon     = 4000
	volFirewall     = 12000
	volDNS          = 12000
	heartbeatEvery  = 30 * time.Minute
	deviceInfoEvery = 4 * time.Hour
)

// volume is the background row count of a table at the current scale.
func (g *gen) volume(base int) int { return base * g.scale }

// every is a periodic interval at the current scale.
func (g *gen) every(base time.Duration) time.Duration { return base / time.Duration(g.scale) }

// siteOffset is each office's offset from UTC (ignoring daylight saving).
var siteOffset = [...]time.Duration{siteSeattle: -8 * time.Hour, siteLondon: 0}

// workday draws a time in the window, weighted to the working hours of s.
func (g *gen) workday(r *rand.Rand, s site) time.Time {
	for {
		t := g.anytime(r)
		local := t.Add(siteOffset[s])
		h, wd := local.Hour(), local.Weekday()
		w := 0.06
		switch {
		case wd == time.Saturday || wd == time.Sunday:
			if h >= 9 && h < 18 {
				w = 0.12
			}
		case h >= 8 && h < 18:
			w = 1
		case h >= 7 && h < 21:
			w = 0.3
		}
		if r.Float64() < w {
			return t
		}
	}
}

// anytime draws a time uniformly in the window.
func (g *gen) anytime(r *rand.Rand) time.Time {
	return g.now.Add(-time.Duration(r.Int64N(int64(Window))))
}

// jitter returns t moved by up to ±d, kept in the window.
func (g *gen) jitter(r *rand.Rand, t time.Time, d time.Duration) time.Time {
	return g.clamp(t.Add(time.Duration(r.Int64N(int64(2*d)+1)) - d))
}

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

// weighted picks from items by weight.
type weighted[T any] struct {
	items []T
	cum   []float64
}

func newWeighted[T any](items []T, weight func(T) float64) weighted[T] {
	w := weighted[T]{items: items, cum: make([]float64, len(items))}
	total := 0.0
	for i, it := range items {
		total += weight(it)
		w.cum[i] = total
	}
	return w
}

func (w weighted[T]) pick(r *rand.Rand) T {
	x := r.Float64() * w.cum[len(w.cum)-1]
	lo, hi := 0, len(w.cum)-1
	for lo < hi {
		mid := (lo + hi) / 2
		if w.cum[mid] > x {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return w.items[lo]
}

// fakeHash is a stable SHA-256 standing in for the hash of a benign binary.
func fakeHash(path string) string {
	s := sha256.Sum256([]byte("contoso-demo:" + lower(path)))
	return hex.EncodeToString(s[:])
}

// --- the fleet, indexed -------------------------------------------------------

var (
	windowsHosts = filterHosts(func(h host) bool { return h.isWindows() })
	linuxHosts   = filterHosts(func(h host) bool { return !h.isWindows() })
	workstations = filterHosts(func(h host) bool { return h.role == "Workstation" })
	mdeHosts     = filterHosts(func(h host) bool { return h.mde })
	// staff are the users who sign in every day (everyone but the SOC bots).
	staff = users
)

func filterHosts(keep func(host) bool) []host {
	var out []host
	for _, h := range hosts {
		if keep(h) {
			out = append(out, h)
		}
	}
	return out
}

// ownerOf returns the user of a workstation.
func ownerOf(h host) (user, bool) {
	for _, u := range users {
		if u.sam == h.owner {
			return u, true
		}
	}
	return user{}, false
}

func officeIP(s site) string {
	if s == siteLondon {
		return officeLondonIP
	}
	return officeSeattleIP
}

// --- processes ----------------------------------------------------------------

// proc is a benign process the background draws from.
type proc struct {
	image  string
	cmd    string
	parent string
	as     string // "user", "SYSTEM", "LOCAL SERVICE", "NETWORK SERVICE"
	on     string // "wks", "srv", "any", or a host name
	weight float64
	sha256 string
}

var procCatalog = withHashes([]proc{
	{`C:\Program Files (x86)\Microsoft\Edge\Application\msedge.exe`, `"C:\Program Files (x86)\Microsoft\Edge\Application\msedge.exe" --type=renderer --lang=en-US`, `C:\Program Files (x86)\Microsoft\Edge\Application\msedge.exe`, "user", "wks", 14, ""},
	{`C:\Program Files\Google\Chrome\Application\chrome.exe`, `"C:\Program Files\Google\Chrome\Application\chrome.exe" --type=utility --utility-sub-type=network.mojom.NetworkService`, `C:\Program Files\Google\Chrome\Application\chrome.exe`, "user", "wks", 6, ""},
	{outlookPath, `"` + outlookPath + `" `, explorerPath, "user", "wks", 3, ""},
	{`C:\Program Files\WindowsApps\MSTeams_24102.2223.2870.9480_x64__8wekyb3d8bbwe\ms-teams.exe`, `"ms-teams.exe"`, explorerPath, "user", "wks", 3, ""},
	{`C:\Program Files\Microsoft Office\root\Office16\EXCEL.EXE`, `"C:\Program Files\Microsoft Office\root\Office16\EXCEL.EXE" /dde`, explorerPath, "user", "wks", 2, ""},
	{wordPath, `"` + wordPath + `" /n`, explorerPath, "user", "wks", 1.5, ""},
	{`C:\Program Files\Microsoft OneDrive\OneDrive.exe`, `"C:\Program Files\Microsoft OneDrive\OneDrive.exe" /background`, explorerPath, "user", "wks", 2, ""},
	{`C:\Windows\System32\RuntimeBroker.exe`, `C:\Windows\System32\RuntimeBroker.exe -Embedding`, `C:\Windows\System32\svchost.exe`, "user", "wks", 4, ""},
	{`C:\Windows\System32\backgroundTaskHost.exe`, `"C:\Windows\system32\backgroundTaskHost.exe" -ServerName:BackgroundTaskHost.WebAccountProvider`, `C:\Windows\System32\svchost.exe`, "user", "wks", 3, ""},
	{`C:\Windows\System32\SearchProtocolHost.exe`, `"C:\Windows\system32\SearchProtocolHost.exe" Global\UsGthrFltPipeMssGthrPipe1_ Global\UsGthrCtrlFltPipeMssGthrPipe1`, `C:\Windows\System32\SearchIndexer.exe`, "SYSTEM", "wks", 3, ""},
	{`C:\Windows\System32\taskhostw.exe`, `taskhostw.exe -RegisterDevice -ProtectionStateChanged -FreeNetworkOnly`, `C:\Windows\System32\svchost.exe`, "user", "any", 2, ""},
	{`C:\Windows\System32\svchost.exe`, `C:\Windows\system32\svchost.exe -k netsvcs -p -s Schedule`, `C:\Windows\System32\services.exe`, "SYSTEM", "any", 6, ""},
	{`C:\Windows\System32\svchost.exe`, `C:\Windows\System32\svchost.exe -k LocalServiceNetworkRestricted -p -s wscsvc`, `C:\Windows\System32\services.exe`, "LOCAL SERVICE", "any", 3, ""},
	{`C:\Windows\System32\conhost.exe`, `\??\C:\Windows\system32\conhost.exe 0xffffffff -ForceV1`, `C:\Windows\System32\cmd.exe`, "SYSTEM", "any", 4, ""},
	{`C:\Windows\System32\wbem\WmiPrvSE.exe`, `C:\Windows\system32\wbem\wmiprvse.exe -secured -Embedding`, `C:\Windows\System32\svchost.exe`, "NETWORK SERVICE", "any", 4, ""},
	{`C:\ProgramData\Microsoft\Windows Defender\Platform\4.18.24030.9-0\MpCmdRun.exe`, `"MpCmdRun.exe" -wdenable`, `C:\ProgramData\Microsoft\Windows Defender\Platform\4.18.24030.9-0\MsMpEng.exe`, "SYSTEM", "any", 2, ""},
	{`C:\Windows\System32\cscript.exe`, `"C:\Windows\system32\cscript.exe" /nologo "MonitorKnowledgeDiscovery.vbs"`, `C:\Program Files\Microsoft Monitoring Agent\Agent\MonitoringHost.exe`, "SYSTEM", "srv", 5, ""},
	{`C:\Program Files\Microsoft Monitoring Agent\Agent\Health Service State\CT_602681692\NativeDSC\DesiredStateConfiguration\ASMHost.exe`, `"C:\Program Files\Microsoft Monitoring Agent\Agent\Health Service State\CT_602681692\NativeDSC\DesiredStateConfiguration\ASMHost.exe" GetInventory`, `C:\Program Files\Microsoft Monitoring Agent\Agent\MonitoringHost.exe`, "SYSTEM", "srv", 3, ""},
	{`C:\Windows\System32\cmd.exe`, `C:\Windows\system32\cmd.exe /c "C:\Scripts\rotate-logs.cmd"`, `C:\Windows\System32\svchost.exe`, "SYSTEM", "srv", 1, ""},
	{`C:\Windows\System32\inetsrv\w3wp.exe`, `c:\windows\system32\inetsrv\w3wp.exe -ap "ContosoApp" -v "v4.0" -l "webengine4.dll"`, `C:\Windows\System32\svchost.exe`, "NETWORK SERVICE", "SRV-APP-01", 2, ""},
	{`C:\Program Files\Microsoft SQL Server\MSSQL15.MSSQLSERVER\MSSQL\Binn\SQLAGENT.EXE`, `"C:\Program Files\Microsoft SQL Server\MSSQL15.MSSQLSERVER\MSSQL\Binn\SQLAGENT.EXE" -i MSSQLSERVER`, `C:\Windows\System32\services.exe`, "SYSTEM", "SRV-SQL-01", 2, ""},
	{`C:\Windows\System32\dfsrs.exe`, `C:\Windows\system32\DFSRs.exe`, `C:\Windows\System32\services.exe`, "SYSTEM", "DC01", 1, ""},
	{`C:\Windows\System32\gpupdate.exe`, `gpupdate.exe /target:computer`, `C:\Windows\System32\svchost.exe`, "SYSTEM", "any", 1, ""},
})

func withHashes(ps []proc) []proc {
	for i := range ps {
		ps[i].sha256 = fakeHash(ps[i].image)
	}
	return ps
}

// procsFor returns the weighted catalogue of processes that run on h.
func procsFor(h host) weighted[proc] {
	var out []proc
	for _, p := range procCatalog {
		switch p.on {
		case "any":
		case "wks":
			if h.role != "Workstation" {
				continue
			}
		case "srv":
			if h.role == "Workstation" {
				continue
			}
		default:
			if p.on != h.name {
				continue
			}
		}
		out = append(out, p)
	}
	return newWeighted(out, func(p proc) float64 { return p.weight })
}

// hostProcs caches procsFor per host name.
var hostProcs = func() map[string]weighted[proc] {
	m := make(map[string]weighted[proc], len(hosts))
	for _, h := range windowsHosts {
		m[h.name] = procsFor(h)
	}
	return m
}()

// --- external services --------------------------------------------------------

// saasService is a benign public service background traffic goes to.
type saasService struct {
	domain string
	ip     string
	app    string // the process that talks to it
}

// saasServices maps the SaaS pool to names; the addresses are documentation
// addresses standing in for the real services.
var saasServices = func() []saasService {
	names := []struct{ domain, app string }{
		{"outlook.office365.com", "OUTLOOK.EXE"},
		{"login.microsoftonline.com", "msedge.exe"},
		{"contosodemo.sharepoint.com", "OneDrive.exe"},
		{"teams.microsoft.com", "ms-teams.exe"},
		{"graph.microsoft.com", "ms-teams.exe"},
		{"www.office.com", "msedge.exe"},
		{"settings-win.data.microsoft.com", "svchost.exe"},
		{"wdcp.microsoft.com", "MsMpEng.exe"},
		{"update.googleapis.com", "chrome.exe"},
		{"www.bing.com", "msedge.exe"},
		{"github.com", "chrome.exe"},
		{"api.github.com", "chrome.exe"},
		{"registry.npmjs.org", "node.exe"},
		{"pypi.org", "python.exe"},
		{"slack.com", "msedge.exe"},
		{"zoom.us", "msedge.exe"},
		{"www.linkedin.com", "msedge.exe"},
		{"ctldl.windowsupdate.com", "svchost.exe"},
		{"login.live.com", "msedge.exe"},
		{"portal.azure.com", "msedge.exe"},
		{"management.azure.com", "msedge.exe"},
		{"ocsp.digicert.com", "svchost.exe"},
		{"news.example.com", "msedge.exe"},
		{"intranet-cdn.example.net", "msedge.exe"},
	}
	out := make([]saasService, len(names))
	for i, n := range names {
		out[i] = saasService{n.domain, saasIPs[i%len(saasIPs)], n.app}
	}
	return out
}()

// internalNames are names the domain controller answers itself.
var internalNames = []struct{ name, ip string }{
	{"dc01." + tenantDomain, dcIP},
	{"_ldap._tcp.dc._msdcs." + tenantDomain, dcIP},
	{"srv-app-01." + tenantDomain, appServerIP},
	{"srv-sql-01." + tenantDomain, "10.0.0.5"},
	{"srv-file-01." + tenantDomain, "10.0.0.6"},
	{"wpad." + tenantDomain, ""},
	{"intranet." + tenantDomain, appServerIP},
}
