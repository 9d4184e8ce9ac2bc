package demo

import (
	"strings"
	"time"
)

// This file holds the incidents and alerts of the demo as a table
// (incidentSpecs), and turns them into SecurityIncident and SecurityAlert rows.

// role is what an incident is in the story.
type role string

const (
	roleAttack        role = "attack"         // a step of the attack chain
	roleFalsePositive role = "false-positive" // the one true false positive
	roleBenign        role = "benign"         // suspicious but expected
	roleNoise         role = "noise"          // everyday detections, real but unrelated
)

// product is the security product an alert comes from.
type product struct {
	provider  string // ProviderName
	name      string // ProductName
	component string // ProductComponentName
	scheduled bool   // a Sentinel analytics rule
	link      string // AlertLink prefix ("" = no link)
}

var (
	pScheduled = product{"ASI Scheduled Alerts", "Azure Sentinel", "Scheduled Alerts", true, ""}
	pMDE       = product{"MDATP", "Microsoft Defender Advanced Threat Protection", "", false, "https://security.microsoft.com/alerts/"}
	pIPC       = product{"IPC", "Azure Active Directory Identity Protection", "", false, "https://portal.azure.com/#blade/Microsoft_AAD_IAM/RiskyUsersBlade/riskDetectionId/"}
	pMDO       = product{"OATP", "Office 365 Advanced Threat Protection", "", false, "https://security.microsoft.com/alerts/"}
	pMCAS      = product{"MCAS", "Microsoft Cloud App Security", "", false, "https://security.microsoft.com/alerts/"}
	pASC       = product{"Azure Security Center", "Azure Security Center", "", false, "https://portal.azure.com/#blade/Microsoft_Azure_Security/AlertBlade/alertId/"}
	pIoT       = product{"IoTSecurity", "Azure Defender for IoT", "", false, "https://portal.azure.com/#blade/Microsoft_Azure_IoT_Defender/AlertBlade/alertId/"}
)

// Cloud app ids from the Defender for Cloud Apps catalogue.
const (
	appOffice365  = 11161
	appExchange   = 20893
	appSharePoint = 20892
	appAzure      = 12260
)

// alertSpec is one alert.
type alertSpec struct {
	name        string
	product     product
	severity    string
	at          time.Duration // activity start, before now
	span        time.Duration // activity duration
	description string
	tactics     []string
	techniques  []string
	// entities builds the alert's entities; nil means the alert carries no
	// entity JSON at all and names its indicators only in text.
	entities func(b *eb)
	// noEntities is the Entities text of an alert without entities: "" or "[]".
	noEntities  string
	inline      bool   // write nested entities inline (Defender for Endpoint style)
	query       string // a scheduled rule's KQL
	extended    []prop // extra ExtendedProperties (string values)
	compromised string // CompromisedEntity
	remediation []string
	alertType   string // for non-scheduled alerts
	confidence  string // ConfidenceLevel
}

// incidentSpec is one incident and its alerts, oldest alert first.
type incidentSpec struct {
	number      int
	title       string
	description string
	severity    string
	status      string
	owner       *analyst
	class       string // Classification of a closed incident
	comment     string // ClassificationComment
	labels      []string
	role        role
	summary     string        // one line for Story
	triage      time.Duration // from creation to the last change (closed/active incidents)
	alerts      []alertSpec
}

const (
	sevHigh   = "High"
	sevMedium = "Medium"
	sevLow    = "Low"
	sevInfo   = "Informational"

	stNew    = "New"
	stActive = "Active"
	stClosed = "Closed"

	clTrue   = "TruePositive"
	clBenign = "BenignPositive"
	clFalse  = "FalsePositive"
	clUndet  = "Undetermined"
)

// classificationReason is the reason Sentinel pairs with each classification.
func classificationReason(class string) string {
	switch class {
	case clTrue:
		return "SuspiciousActivity"
	case clBenign:
		return "SuspiciousButExpected"
	case clFalse:
		return "IncorrectAlertLogic"
	}
	return ""
}

// phishMail is the internal phishing message as delivered to one recipient.
func phishMail(b *eb, to user) mail {
	att := b.file("", attachmentName, b.hash("SHA256", attachmentSHA256), b.hash("MD5", attachmentMD5))
	return mail{
		to: to, from: jordan.upn(), fromName: jordan.display, senderIP: attackerIPv6,
		subject: phishSubject, received: b.g.ago(tPhishSend), urls: []string{phishURL},
		files: []*ent{att}, threats: []string{"Phish", "Malware"},
		delivery: "Delivered", location: "Inbox", direction: "Intraorg",
	}
}

// implantProcess is a process of the implant chain as an entity.
func implantProcess(b *eb, pid int64) *ent {
	s := stepByPID(pid)
	h := b.host(victimHost)
	acct := b.winAccount(sam, victimHost, samLogonID)
	var parent *ent
	if s.ppid != outlookPID {
		parent = implantProcess(b, s.ppid)
	}
	image := b.file(winDir(s.image), winBase(s.image))
	if s.image == updaterPath {
		image = b.file(winDir(s.image), winBase(s.image),
			b.hash("SHA256", payloadSHA256), b.hash("SHA1", payloadSHA1), b.hash("MD5", payloadMD5))
	}
	elev := "Default"
	if s.elevated {
		elev = "Full"
	}
	return b.process(procEnt{key: itoa(int(pid)), pid: pid, cmd: s.cmd, created: b.g.ago(s.age),
		image: image, account: acct, parent: parent, host: h, elevation: elev})
}

func winDir(p string) string  { return p[:strings.LastIndexByte(p, '\\')] }
func winBase(p string) string { return p[strings.LastIndexByte(p, '\\')+1:] }

// incidentSpecs is the demo's incident queue, oldest first. Numbers increase
// with creation time, as in Sentinel.
func incidentSpecs() []incidentSpec {
	return []incidentSpec{
		{
			number: 101, title: "Malware detected: EICAR test file on WKS-IT-02", severity: sevLow, status: stClosed,
			owner: tom, class: clBenign, comment: "Helpdesk verified antivirus with the EICAR test file.",
			role: roleBenign, summary: "EICAR test by IT; benign positive.", triage: 3 * hour,
			description: "Microsoft Defender Antivirus detected the EICAR test file.",
			alerts: []alertSpec{{
				name: "'EICAR_Test_File' malware was detected", product: pMDE, severity: sevLow,
				at: 13*day + 20*hour, span: time.Minute, alertType: "WindowsDefenderAv",
				description: "Malware and unwanted software are undesirable applications that perform annoying, disruptive, or harmful actions on affected machines. The EICAR test file was detected and quarantined.",
				tactics:     []string{"Execution"}, techniques: []string{"T1204"},
				entities: func(b *eb) {
					h := b.host(itWks)
					b.winAccount(mike, itWks, "0x1c2d3e")
					f := b.file(`C:\Users\mike.adams\Downloads`, "eicar.com", b.hash("SHA256", eicarSHA256))
					b.malware("Virus:DOS/EICAR_Test_File", "Virus", []*ent{f}, nil)
					_ = h
				},
				compromised: itWks.name, remediation: []string{"No action needed: the file was quarantined."},
			}},
		},
		{
			number: 102, title: "Brute force attack against a Linux host (web-lnx-01)", severity: sevMedium, status: stClosed,
			owner: priya, class: clTrue, comment: "Internet background noise. Password authentication disabled; NSG narrowed to the load balancer.",
			role: roleNoise, summary: "SSH brute force from internet scanners; true positive, no impact.", triage: 5 * hour,
			description: "Many failed SSH logons from a few external addresses.",
			alerts:      []alertSpec{sshBruteForce(13*day+2*hour, scannerIPs[0], scannerIPs[1])},
		},
		{
			number: 103, title: "Rare subscription-level operations in Azure", severity: sevLow, status: stClosed,
			owner: tom, class: clBenign, comment: "Grace created the analytics sandbox resource group (change CHG-20388).",
			role: roleBenign, summary: "Admin created a resource group; benign positive.", triage: 20 * hour,
			alerts: []alertSpec{{
				name: "Rare subscription-level operations in Azure", product: pScheduled, severity: sevLow,
				at: 12*day + 3*hour, span: 10 * time.Minute,
				description: "Detects a user performing a subscription-level operation they have not performed in the last 14 days.",
				tactics:     []string{"CredentialAccess", "Persistence"}, techniques: []string{"T1003", "T1098"},
				query: "AzureActivity\n| where OperationNameValue in~ (\"Microsoft.Resources/subscriptions/resourceGroups/write\")\n| summarize count() by Caller, CallerIpAddress, _ResourceId",
				entities: func(b *eb) {
					b.account(grace)
					b.ip(officeSeattleIP)
					b.azureResource(b.g.rgResourceID("rg-analytics-dev"))
				},
			}},
		},
		{
			number: 104, title: "User added to Azure AD privileged role", severity: sevMedium, status: stClosed,
			owner: priya, class: clBenign, comment: "Approved change CHG-20417: Erin given Application Administrator for the new CI pipeline.",
			role: roleBenign, summary: "Helpdesk granted a role under change control; benign positive.", triage: 2 * hour,
			alerts: []alertSpec{{
				name: "User added to Azure AD privileged role", product: pScheduled, severity: sevMedium,
				at: 11*day + 5*hour, span: time.Minute,
				description: "mike.adams@contoso-demo.example added erin.schmidt@contoso-demo.example to the Application Administrator role.",
				tactics:     []string{"Persistence", "PrivilegeEscalation"}, techniques: []string{"T1098"},
				query: "AuditLogs\n| where OperationName == \"Add member to role\"\n| extend Initiator = tostring(InitiatedBy.user.userPrincipalName), Target = tostring(TargetResources[0].userPrincipalName)",
				entities: func(b *eb) {
					b.account(mike)
					b.account(userByName("erin.schmidt"))
					b.ip(officeSeattleIP)
				},
			}},
		},
		{
			number: 105, title: "Sign-in attempt from an anonymous IP address", severity: sevLow, status: stClosed,
			owner: tom, class: clUndet, comment: "One failed attempt from an anonymising VPS; no success. Left open for correlation.",
			role: roleAttack, summary: "Reconnaissance: the attacker's first try at jordan.reyes from 203.0.113.66.", triage: 4 * hour,
			alerts: []alertSpec{{
				name: "Anonymous IP address", product: pIPC, severity: sevLow,
				at: tRecon, span: time.Minute, alertType: "AnonymousLogin",
				description: "This risk detection type indicates sign-ins from an anonymous IP address (for example, Tor browser or anonymizer VPNs).",
				tactics:     []string{"InitialAccess"}, techniques: []string{"T1078"},
				entities:    func(b *eb) { b.account(jordan); b.ip(attackerIP) },
				compromised: jordan.upn(),
			}},
		},
		{
			number: 106, title: "Firmware change on an IoT device (HVAC controller)", severity: sevMedium, status: stClosed,
			owner: priya, class: clBenign, comment: "Vendor maintenance window for the building management system (ticket FAC-118).",
			role: roleBenign, summary: "OT firmware update during vendor maintenance; benign positive.", triage: 6 * hour,
			alerts: []alertSpec{{
				name: "Firmware change detected", product: pIoT, severity: sevMedium,
				at: 9*day + 4*hour, span: 12 * time.Minute, alertType: "IoT_FirmwareChange",
				description: "A firmware update was pushed to HVAC-CTRL-03 (10.0.5.21) from engineering station 10.0.5.2.",
				tactics:     []string{"Persistence"}, techniques: []string{"T1542"},
				entities: func(b *eb) {
					ip := b.ip("10.0.5.21")
					b.iotDevice(iotDev{name: "HVAC-CTRL-03", ip: "10.0.5.21", mac: "00:1A:4B:3C:21:07", deviceType: "Building Management Controller",
						vendor: "Example Controls (demo)", model: "BMC-4400", firmware: "4.2.17", serial: "BMC4400-77120", site: "Seattle HQ", zone: "Facilities OT"})
					b.nic("00:1A:4B:3C:21:07", ip, []string{"VLAN 50"})
					b.ip("10.0.5.2")
				},
			}},
		},
		{
			number: 107, title: "Impossible travel activity involving alice.martin", severity: sevMedium, status: stClosed,
			owner: priya, class: clBenign, comment: "The second location, 198.51.100.200, is the corporate VPN egress in Ashburn; Alice was in London.",
			role: roleBenign, summary: "Impossible travel that is the corporate VPN; benign positive.", triage: 90 * time.Minute,
			alerts: []alertSpec{{
				name: "Impossible travel activity", product: pMCAS, severity: sevMedium,
				at: 8*day + 12*hour, span: 40 * time.Minute, alertType: "MCAS_ALERT_ANUBIS_DETECTION_IMPOSSIBLE_TRAVEL",
				description: "The user Alice Martin (alice.martin@contoso-demo.example) performed activities from 198.51.100.11 in London, United Kingdom and 198.51.100.200 in Ashburn, United States within 40 minutes.",
				tactics:     []string{"InitialAccess"}, techniques: []string{"T1078"},
				entities: func(b *eb) {
					b.account(alice)
					b.ip(officeLondonIP)
					b.ip(vpnEgressIP)
					b.cloudApp(appOffice365, "Office 365")
				},
				compromised: alice.upn(),
			}},
		},
		{
			number: 108, title: "Multiple failed logons on SRV-SQL-01", severity: sevLow, status: stClosed,
			owner: tom, class: clBenign, comment: "svc-sql's password expired; rotated in the vault and the job fixed.",
			role: roleNoise, summary: "Service account with an expired password; benign positive.", triage: 7 * hour,
			alerts: []alertSpec{failedLogonsSQL(7*day + 22*hour)},
		},
		{
			number: 109, title: "Network scanning of SRV-APP-01", severity: sevMedium, status: stClosed,
			owner: priya, class: clBenign, comment: "Authorised penetration test by RedTeam Partners (SEC-311) from 192.0.2.50.",
			labels: []string{"PenTest"}, role: roleBenign,
			summary: "Authorised penetration test against SRV-APP-01 (10.0.0.1); benign positive.", triage: 3 * hour,
			alerts: []alertSpec{
				{
					name: "Port scan detected against an internal server", product: pScheduled, severity: sevMedium,
					at: 7*day + 5*hour, span: 35 * time.Minute,
					description: "192.0.2.50 connected to 214 ports on SRV-APP-01 (10.0.0.1) within 35 minutes.",
					tactics:     []string{"Discovery"}, techniques: []string{"T1046"},
					query: "CommonSecurityLog\n| where DeviceVendor == \"Palo Alto Networks\" and Activity == \"TRAFFIC\"\n| summarize Ports = dcount(DestinationPort) by SourceIP, DestinationIP, bin(TimeGenerated, 1h)\n| where Ports > 50",
					entities: func(b *eb) {
						src, dst := b.ip(pentestIP), b.ip(appServerIP)
						b.host(appServer)
						b.netConn(src, 51812, dst, 445, "Tcp")
					},
					extended: []prop{p("Source IPs", pentestIP), p("DistinctPorts", "214")},
				},
				{
					name: "Suspicious SMB enumeration", product: pMDE, severity: sevLow,
					at: 7*day + 4*hour + 50*time.Minute, span: 10 * time.Minute, alertType: "SmbEnumeration",
					description: "An external host enumerated SMB shares and sessions on SRV-APP-01.",
					tactics:     []string{"Discovery"}, techniques: []string{"T1135"},
					entities:    func(b *eb) { b.host(appServer); b.ip(appServerIP); b.ip(pentestIP) },
					compromised: appServer.name,
				},
			},
		},
		{
			number: 110, title: "Traffic from an IP address on a threat intelligence list", severity: sevHigh, status: stClosed,
			owner: tom, class: clFalse,
			comment: "192.0.2.10 is StatusPing (statusping.example.com), our uptime monitor. The match came from a stale legacy blocklist; the rule now uses the curated feed only.",
			role:    roleFalsePositive, summary: "The uptime monitor 192.0.2.10 flagged by a stale list; false positive.", triage: 2 * hour,
			alerts: []alertSpec{{
				name: "Traffic from an IP address on a threat intelligence list", product: pScheduled, severity: sevHigh,
				at: 6*day + 20*hour, span: time.Hour,
				description: "Inbound connections to web-lnx-01 (198.51.100.30) from 192.0.2.10, which is listed as malicious on the legacy blocklist.",
				tactics:     []string{"CommandAndControl"}, techniques: []string{"T1071"},
				query: "CommonSecurityLog\n| where DestinationIP == \"198.51.100.30\"\n| join kind=inner (LegacyBlocklist_CL | project SourceIP = IPAddress_s) on SourceIP",
				entities: func(b *eb) {
					b.ip(monitorIP)
					b.host(webServer)
					b.url("https://" + monitorDomain + "/")
				},
				extended: []prop{p("Source IPs", monitorIP), p("ThreatIntelSource", "Legacy blocklist (retired)"), p("MatchedIndicator", monitorIP)},
			}},
		},
		{
			number: 111, title: "Mass download by a single user", severity: sevMedium, status: stClosed,
			owner: priya, class: clBenign, comment: "Heidi archived the quarterly campaign assets from home.",
			role: roleBenign, summary: "Bulk SharePoint download from a home IPv6 address; benign positive.", triage: 4 * hour,
			alerts: []alertSpec{{
				name: "Mass download by a single user", product: pMCAS, severity: sevMedium,
				at: 6*day + 1*hour, span: 25 * time.Minute, alertType: "MCAS_ALERT_ANUBIS_DETECTION_MASS_DOWNLOAD",
				description: "The user Heidi Kowalski downloaded 412 files from Microsoft SharePoint Online within 25 minutes from 2001:db8:100:1::25.",
				tactics:     []string{"Exfiltration", "Collection"}, techniques: []string{"T1530"},
				entities: func(b *eb) {
					b.account(heidi)
					b.ip(heidi.mobile)
					b.cloudApp(appSharePoint, "Microsoft SharePoint Online")
				},
				compromised: heidi.upn(),
			}},
		},
		{
			number: 112, title: "Suspicious PowerShell command line on WKS-IT-02", severity: sevLow, status: stClosed,
			owner: tom, class: clBenign, comment: "Mike's weekly patch-compliance script.",
			role: roleBenign, summary: "An admin script with -ExecutionPolicy Bypass; alert has no entity JSON.", triage: 2 * hour,
			alerts: []alertSpec{{
				name: "Suspicious PowerShell command line", product: pScheduled, severity: sevLow,
				at: 5*day + 3*hour, span: 5 * time.Minute, noEntities: "",
				description: "CONTOSO\\mike.adams ran powershell.exe -ExecutionPolicy Bypass -File \\\\SRV-FILE-01\\it$\\Get-PatchCompliance.ps1 on WKS-IT-02 (10.0.2.21); the script connected to SRV-APP-01 (10.0.0.1) over WinRM.",
				tactics:     []string{"Execution"}, techniques: []string{"T1059"},
				query: "SecurityEvent\n| where EventID == 4688 and CommandLine has_all (\"-ExecutionPolicy\", \"Bypass\")",
				extended: []prop{p("Computer", itWks.name), p("Account", `CONTOSO\mike.adams`),
					p("CommandLine", `powershell.exe -ExecutionPolicy Bypass -File \\SRV-FILE-01\it$\Get-PatchCompliance.ps1`),
					p("RemoteHost", appServerIP)},
			}},
		},
		{
			number: 113, title: "Rare RDP connection to domain controller", severity: sevInfo, status: stClosed,
			owner: tom, class: clBenign, comment: "Grace patched DC01.",
			role: roleNoise, summary: "An administrator's RDP session to DC01; benign positive.", triage: 30 * time.Minute,
			alerts: []alertSpec{{
				name: "Rare RDP connections", product: pScheduled, severity: sevInfo,
				at: 4*day + 9*hour, span: 45 * time.Minute,
				description: "CONTOSO\\grace.patel connected to DC01 over RDP from WKS-IT-08 (10.0.2.28) for the first time in 14 days.",
				tactics:     []string{"LateralMovement"}, techniques: []string{"T1021"},
				query: "SecurityEvent\n| where EventID == 4624 and LogonType == 10",
				entities: func(b *eb) {
					b.host(dc01)
					b.winAccount(grace, dc01, "0x9f1a22")
					b.ip("10.0.2.28")
				},
			}},
		},
		{
			number: 114, title: "Unusual volume of DNS queries from WKS-ENG-11", severity: sevLow, status: stActive,
			owner: priya, role: roleNoise, summary: "A developer's package build resolving many names.", triage: 2 * hour,
			alerts: []alertSpec{dnsVolume(3*day+20*hour, hostByName("WKS-ENG-11"))},
		},
		{
			number: 115, title: "Brute force attack against a Linux host (web-lnx-01)", severity: sevMedium, status: stClosed,
			owner: priya, class: clTrue, comment: "Same scanners as #102, blocked at the NSG.",
			role: roleNoise, summary: "SSH brute force again; true positive, no impact.", triage: 3 * hour,
			alerts: []alertSpec{sshBruteForce(3*day+4*hour, scannerIPs[2], scannerIPs[3])},
		},
		{
			number: 116, title: "Unusual user accessed a key vault", severity: sevInfo, status: stNew,
			role: roleNoise, summary: "Defender for Key Vault: an administrator's first access in a while.",
			alerts: []alertSpec{{
				name: "Unusual user accessed a key vault", product: pASC, severity: sevInfo,
				at: 2*day + 10*hour, span: 5 * time.Minute, alertType: "KV_UnusualUserAccess",
				description: "A user that does not regularly access kv-finance-prod accessed secrets in it.",
				tactics:     []string{"CredentialAccess"}, techniques: []string{"T1555"},
				entities: func(b *eb) {
					b.azureResource(b.g.rgResourceID(resourceGroupFinance) + "/providers/Microsoft.KeyVault/vaults/" + keyVaultFinance)
					b.account(grace)
					b.ip(officeSeattleIP)
				},
			}},
		},

		// --- The attack, as the SOC sees it in the last two days. -------------------

		{
			number: 117, title: "Password spray attack against Azure AD accounts", severity: sevMedium, status: stActive,
			owner: priya, role: roleAttack, triage: 40 * time.Minute,
			summary: "203.0.113.66 sprays passwords at eight accounts.",
			alerts: []alertSpec{{
				name: "Password spray attack against Azure AD application", product: pScheduled, severity: sevMedium,
				at: tSpray, span: tSpraySpan,
				description: "Identifies evidence of password spray activity against Azure AD applications: one IP address failing to sign in to many accounts.",
				tactics:     []string{"CredentialAccess"}, techniques: []string{"T1110"},
				query: "SigninLogs\n| where ResultType in (\"50126\", \"50053\", \"50034\")\n| summarize Accounts = dcount(UserPrincipalName), Attempts = count() by IPAddress, bin(TimeGenerated, 1h)\n| where Accounts >= 5",
				entities: func(b *eb) {
					b.ip(attackerIP)
					for _, n := range sprayTargets {
						b.account(userByName(n))
					}
				},
				extended: []prop{p("Source IPs", attackerIP), p("Accounts", itoa(len(sprayTargets)+len(sprayGhosts)))},
			}},
		},
		{
			number: 118, title: "Successful sign-in from a password spray IP address", severity: sevHigh, status: stActive,
			owner: priya, labels: []string{"Compromised account"}, role: roleAttack, triage: 45 * time.Minute,
			summary: "jordan.reyes signs in from 203.0.113.66, later from 2001:db8:bad:1::66.",
			alerts: []alertSpec{
				{
					name: "Successful sign-in after password spray", product: pScheduled, severity: sevHigh,
					at: tBreach, span: time.Minute,
					description: "An account successfully signed in from an IP address that failed to sign in to several accounts in the previous hour.",
					tactics:     []string{"InitialAccess", "CredentialAccess"}, techniques: []string{"T1110", "T1078"},
					query:       "let spray = SigninLogs | where ResultType == \"50126\" | summarize dcount(UserPrincipalName) by IPAddress | where dcount_UserPrincipalName >= 5;\nSigninLogs\n| where ResultType == \"0\" and IPAddress in ((spray | project IPAddress))",
					entities:    func(b *eb) { b.account(jordan); b.ip(attackerIP) },
					extended:    []prop{p("Source IPs", attackerIP), p("UserPrincipalName", jordan.upn())},
					compromised: jordan.upn(),
				},
				{
					name: "Anonymous IP address", product: pIPC, severity: sevMedium,
					at: tBreach, span: time.Minute, alertType: "AnonymousLogin",
					description: "This risk detection type indicates sign-ins from an anonymous IP address (for example, Tor browser or anonymizer VPNs).",
					tactics:     []string{"InitialAccess"}, techniques: []string{"T1078"},
					entities:    func(b *eb) { b.account(jordan); b.ip(attackerIP) },
					compromised: jordan.upn(),
				},
				{
					name: "Unfamiliar sign-in properties", product: pIPC, severity: sevMedium,
					at: tIPv6Signin, span: time.Minute, alertType: "UnfamiliarLocation",
					description: "This risk detection type considers past sign-in history to look for anomalous sign-ins: a new IPv6 address and ASN for this user.",
					tactics:     []string{"InitialAccess"}, techniques: []string{"T1078"},
					entities:    func(b *eb) { b.account(jordan); b.ip(attackerIPv6) },
					compromised: jordan.upn(),
				},
			},
		},
		{
			number: 119, title: "Suspicious inbox forwarding rule on jordan.reyes's mailbox", severity: sevMedium, status: stNew,
			role: roleAttack, summary: "An inbox rule forwards invoice mail to jr.archive@example.net; one alert is text-only.",
			alerts: []alertSpec{
				{
					name: "Suspicious inbox forwarding", product: pMCAS, severity: sevMedium,
					at: tInboxRule, span: time.Minute, alertType: "MCAS_ALERT_ANUBIS_DETECTION_SUSPICIOUS_INBOX_FORWARDING",
					description: "The user Jordan Reyes created an inbox rule that forwards messages to an external address.",
					tactics:     []string{"Collection", "Exfiltration"}, techniques: []string{"T1114", "T1020"},
					entities: func(b *eb) {
						b.account(jordan)
						b.mailbox(jordan)
						b.ip(attackerIP)
						b.cloudApp(appExchange, "Microsoft Exchange Online")
					},
					compromised: jordan.upn(),
				},
				{
					name: "Mail forwarding rule to an external domain", product: pScheduled, severity: sevMedium,
					at: tInboxRule, span: time.Minute, noEntities: "",
					description: "jordan.reyes@contoso-demo.example created the inbox rule 'Invoices' from 203.0.113.66; it forwards mail containing 'invoice', 'payment' or 'wire' to jr.archive@example.net and marks it read.",
					tactics:     []string{"Collection"}, techniques: []string{"T1114.003"},
					query: "OfficeActivity\n| where Operation in (\"New-InboxRule\", \"Set-InboxRule\")\n| where Parameters has_any (\"ForwardTo\", \"RedirectTo\", \"ForwardAsAttachmentTo\")",
					extended: []prop{p("UserId", jordan.upn()), p("ClientIP", attackerIP), p("RuleName", "Invoices"),
						p("ForwardTo", forwardTo)},
				},
			},
		},
		{
			number: 120, title: "Multiple failed logons on SRV-SQL-01", severity: sevLow, status: stNew,
			role: roleNoise, summary: "svc-sql failing again after a job change.",
			alerts: []alertSpec{failedLogonsSQL(36 * hour)},
		},
		{
			number: 121, title: "Malicious document, PowerShell download and persistence on WKS-FIN-07", severity: sevHigh, status: stActive,
			owner: tom, labels: []string{"Endpoint", "Escalated"}, role: roleAttack, triage: 50 * time.Minute,
			summary: "sam.taylor opens the attachment: encoded PowerShell, payload, Run key, task, service, new local admin.",
			alerts: []alertSpec{
				{
					name: "Suspicious PowerShell download from an Office document", product: pMDE, severity: sevHigh,
					at: tExec, span: 2 * time.Minute, alertType: "OfficeChildProcess", inline: true,
					description: "WINWORD.EXE started powershell.exe with an encoded command that downloads and runs a script from http://files.example.org/dl/OneDriveUpdate.ps1.",
					tactics:     []string{"Execution", "InitialAccess"}, techniques: []string{"T1059.001", "T1204.002", "T1027"},
					entities: func(b *eb) {
						h := b.host(victimHost)
						acct := b.winAccount(sam, victimHost, samLogonID)
						ps := implantProcess(b, 10244)
						session := b.logonSession(h, acct, samSessionID, b.g.ago(tPhishOpen+3*hour), b.g.ago(tLocalAdmin))
						ps.props = append(ps.props, p("HostLogonSession", session))
						b.url(payloadURL)
						b.ip(victimIP)
					},
					compromised: victimHost.name, confidence: "High",
					remediation: []string{"Isolate the device.", "Collect an investigation package.", "Run a full antivirus scan."},
				},
				{
					name: "Anomaly detected in ASEP registry", product: pMDE, severity: sevMedium,
					at: tRunKey, span: time.Minute, alertType: "AsepRegistryAnomaly",
					description: "A process registered a suspicious command or file in an autostart (Run) registry key.",
					tactics:     []string{"Persistence"}, techniques: []string{"T1547.001"},
					entities: func(b *eb) {
						implantProcess(b, 10708)
						k := b.registryKey(runKeyHive, runKeyPath)
						b.registryValue(k, runKeyName, updaterPath+" /silent", "String")
					},
					compromised: victimHost.name,
				},
				{
					name: "'FakeUpdate' malware was detected", product: pMDE, severity: sevHigh,
					at: tService, span: time.Minute, alertType: "WindowsDefenderAv",
					description: "Microsoft Defender Antivirus detected 'Trojan:Win32/FakeUpdate.DEMO' in OneDriveUpdater.exe but could not remove it while it was running. Its configuration names https://svc-telemetry.example.net/api/v2/checkin.",
					tactics:     []string{"Execution", "Persistence"}, techniques: []string{"T1543.003"},
					entities: func(b *eb) {
						proc := implantProcess(b, implantPID)
						f := b.file(winDir(updaterPath), payloadName)
						b.malware(malwareName, "Trojan", []*ent{f}, []*ent{proc})
						b.url(beaconURL)
					},
					compromised: victimHost.name,
				},
				{
					name: "Scheduled task created by a non-system process", product: pScheduled, severity: sevMedium,
					at: tTask, span: time.Minute,
					description: "A scheduled task that runs a binary from a user's temp folder was created on WKS-FIN-07.",
					tactics:     []string{"Persistence", "Execution"}, techniques: []string{"T1053.005"},
					query: "SecurityEvent\n| where EventID == 4698\n| extend TaskName = tostring(parse_xml(EventData).EventData.Data[4][\"#text\"])",
					entities: func(b *eb) {
						b.host(victimHost)
						b.winAccount(sam, victimHost, samLogonID)
					},
					extended: []prop{p("TaskName", taskName), p("Computer", victimHost.name)},
				},
				{
					name: "New local administrator account created", product: pScheduled, severity: sevHigh,
					at: tLocalAdmin + 30*time.Second, span: time.Minute,
					description: "A new local account, svc-backup, was created on WKS-FIN-07 and added to the local Administrators group.",
					tactics:     []string{"Persistence", "PrivilegeEscalation"}, techniques: []string{"T1136.001", "T1098"},
					query: "SecurityEvent\n| where EventID in (4720, 4732)\n| where TargetUserName == \"Administrators\" or EventID == 4720",
					entities: func(b *eb) {
						vh := victimHost
						b.localAccount(rogueAdmin, victimHost.name, victimHost.localSID(1009), &vh)
						b.securityGroup("Administrators", "", "S-1-5-32-544", "")
						b.winAccount(sam, victimHost, samLogonID)
					},
				},
			},
		},
		{
			number: 122, title: "Phishing email with a malicious URL and attachment delivered to Finance", severity: sevHigh, status: stActive,
			owner: tom, labels: []string{"Phishing"}, role: roleAttack, triage: time.Hour,
			summary: "jordan's mailbox sends Invoice-8841.docm and a phishing link to three finance users; one reports it.",
			alerts: []alertSpec{
				{
					name: "Email reported by user as malware or phish", product: pMDO, severity: sevInfo,
					at: tReport, span: time.Minute, alertType: "UserSubmission",
					description: "Judy Santos reported a message from jordan.reyes@contoso-demo.example as phishing.",
					tactics:     []string{"InitialAccess"}, techniques: []string{"T1566"},
					entities: func(b *eb) {
						m := phishMail(b, judy)
						b.mailMessage(m)
						b.submission(judy, m, b.g.ago(tReport))
						b.mailbox(judy)
						b.account(judy)
					},
				},
				{
					name: "Email messages containing malicious URL removed after delivery", product: pMDO, severity: sevHigh,
					at: tPhishSend, span: tPhishSend - tZap, alertType: "ZapPhishUrl",
					description: "Emails with a malicious URL (https://secure-docs.example.com/share/Invoice-8841) and a malicious attachment were delivered and later removed: zero-hour auto purge.",
					tactics:     []string{"InitialAccess"}, techniques: []string{"T1566.001", "T1566.002"},
					entities: func(b *eb) {
						var msgs []*ent
						for _, r := range phishRecipients {
							u := userByName(r)
							msgs = append(msgs, b.mailMessage(phishMail(b, u)))
							b.mailbox(u)
						}
						b.url(phishURL)
						b.mailCluster(phishURL, msgs, b.g.ago(tPhishSend+time.Hour), b.g.ago(tZap),
							`(Urls:"`+phishURL+`") AND (Sender:"`+jordan.upn()+`")`)
						b.account(jordan)
						b.ip(attackerIPv6)
					},
					remediation: []string{"Review the messages in Explorer.", "Reset the sender's credentials."},
				},
			},
		},
		{
			number: 123, title: "Beaconing to a command-and-control domain from WKS-FIN-07", severity: sevHigh, status: stNew,
			role: roleAttack, summary: "The implant calls svc-telemetry.example.net (198.51.100.23) every five minutes; the firewall alert is text-only.",
			alerts: []alertSpec{
				{
					name: "Communication with a known command-and-control domain", product: pScheduled, severity: sevHigh,
					at: tBeacon, span: 30 * time.Minute,
					description: "A host resolved and connected to a domain listed in threat intelligence at a regular interval.",
					tactics:     []string{"CommandAndControl"}, techniques: []string{"T1071.001", "T1573"},
					query: "DnsEvents\n| where SubType == \"LookupQuery\"\n| join kind=inner (ThreatIntelIndicators | where IsActive and ObservableKey == \"domain-name:value\") on $left.Name == $right.ObservableValue",
					entities: func(b *eb) {
						b.host(victimHost)
						b.dns(c2Domain, []string{c2IP}, dcIP, victimIP)
						b.url(beaconURL)
						b.netConn(b.ip(victimIP), 50544, b.ip(c2IP), 443, "Tcp")
					},
					extended: []prop{p("DomainName", c2Domain), p("Interval", "00:05:00")},
				},
				{
					name: "Outbound traffic to a threat intelligence destination (firewall)", product: pScheduled, severity: sevMedium,
					at: tBeacon, span: time.Hour, noEntities: "[]",
					description: "FW-EDGE-01 allowed 12 sessions from 10.0.0.10 to 198.51.100.23:443 (svc-telemetry.example.net) in the last hour. Requests: https://svc-telemetry.example.net/api/v2/checkin",
					tactics:     []string{"CommandAndControl"}, techniques: []string{"T1071.001"},
					query: "CommonSecurityLog\n| where DeviceAction == \"allow\"\n| join kind=inner (ThreatIntelIndicators | where ObservableKey == \"ipv4-addr:value\") on $left.DestinationIP == $right.ObservableValue",
					extended: []prop{p("SourceIP", victimIP), p("DestinationIP", c2IP), p("DestinationPort", "443"),
						p("RequestURL", beaconURL), p("DeviceName", "FW-EDGE-01")},
				},
			},
		},
		{
			number: 124, title: "Unfamiliar sign-in properties for bob.nguyen", severity: sevLow, status: stNew,
			role: roleBenign, summary: "Bob signs in from a hotel in Toronto.",
			alerts: []alertSpec{{
				name: "Unfamiliar sign-in properties", product: pIPC, severity: sevLow,
				at: 20 * hour, span: time.Minute, alertType: "UnfamiliarLocation",
				description: "This risk detection type considers past sign-in history to look for anomalous sign-ins.",
				tactics:     []string{"InitialAccess"}, techniques: []string{"T1078"},
				entities:    func(b *eb) { b.account(bob); b.ip(travelIP) },
				compromised: bob.upn(),
			}},
		},
		{
			number: 125, title: "Potentially unwanted application detected on WKS-SAL-04", severity: sevLow, status: stActive,
			owner: priya, role: roleNoise, summary: "An adware browser toolbar.", triage: time.Hour,
			alerts: []alertSpec{{
				name: "'DemoToolbar' unwanted software was detected", product: pMDE, severity: sevLow,
				at: 14 * hour, span: time.Minute, alertType: "WindowsDefenderAv",
				description: "Potentially unwanted application 'PUA:Win32/DemoToolbar' was detected and blocked.",
				tactics:     []string{"Execution"}, techniques: []string{"T1204"},
				entities: func(b *eb) {
					h := hostByName("WKS-SAL-04")
					b.host(h)
					b.winAccount(bob, h, "0x5521ac")
					f := b.file(`C:\Users\bob.nguyen\Downloads`, "FreePDFConverterSetup.exe", b.hash("SHA256", puaSHA256))
					b.malware("PUA:Win32/DemoToolbar", "PotentiallyUnwantedSoftware", []*ent{f}, nil)
				},
				compromised: "WKS-SAL-04",
			}},
		},
		{
			number: 126, title: "Suspicious Azure role assignment and OAuth app consent by jordan.reyes", severity: sevHigh, status: stNew,
			role: roleAttack, summary: "From 2001:db8:bad:1::66: Owner on rg-finance-prod for 'Invoice Viewer Pro', consent, group add.",
			alerts: []alertSpec{
				{
					name: "Suspicious role assignment to a new application", product: pScheduled, severity: sevHigh,
					at: tRole, span: time.Minute,
					description: "jordan.reyes@contoso-demo.example assigned the Owner role on rg-finance-prod to the service principal of an application registered minutes earlier.",
					tactics:     []string{"PrivilegeEscalation", "Persistence"}, techniques: []string{"T1098.003"},
					query: "AzureActivity\n| where OperationNameValue =~ \"Microsoft.Authorization/roleAssignments/write\" and ActivityStatusValue == \"Success\"",
					entities: func(b *eb) {
						b.account(jordan)
						b.ip(attackerIPv6)
						b.azureResource(b.g.rgResourceID(resourceGroupFinance))
						b.oauthApp(maliciousApp)
					},
					extended:    []prop{p("Caller", jordan.upn()), p("CallerIpAddress", attackerIPv6), p("RoleDefinitionId", ownerRoleID)},
					compromised: jordan.upn(),
				},
				{
					name: "Suspicious OAuth app consent", product: pMCAS, severity: sevMedium,
					at: tConsent, span: time.Minute, alertType: "MCAS_ALERT_OAUTH_SUSPICIOUS_CONSENT",
					description: "Jordan Reyes consented to 'Invoice Viewer Pro', an application with a misleading name requesting Mail.Read, Files.ReadWrite.All and offline_access.",
					tactics:     []string{"Persistence", "CredentialAccess"}, techniques: []string{"T1528"},
					entities: func(b *eb) {
						b.oauthApp(maliciousApp)
						b.account(jordan)
						b.ip(attackerIPv6)
						b.cloudApp(appAzure, "Microsoft Azure")
					},
					compromised: jordan.upn(),
				},
				{
					name: "Service principal added to a privileged group", product: pScheduled, severity: sevMedium,
					at: tGroupAdd, span: time.Minute,
					description: "The service principal of 'Invoice Viewer Pro' was added to Cloud-Finance-Admins by jordan.reyes@contoso-demo.example.",
					tactics:     []string{"PrivilegeEscalation"}, techniques: []string{"T1098"},
					query: "AuditLogs\n| where OperationName == \"Add member to group\"\n| where TargetResources has \"" + privilegedGroup + "\"",
					entities: func(b *eb) {
						b.securityGroup(privilegedGroup, "", "", b.g.id.guid("group/"+privilegedGroup))
						b.account(jordan)
						b.oauthApp(maliciousApp)
					},
				},
			},
		},

		// --- Everyday noise of the last hours. ----------------------------------------

		{
			number: 127, title: "Rare process run by a service account on SRV-SQL-01", severity: sevInfo, status: stNew,
			role: roleNoise, summary: "sqlcmd run by svc-sql for a maintenance job.",
			alerts: []alertSpec{{
				name: "Rare process run by a service account", product: pScheduled, severity: sevInfo,
				at: 6 * hour, span: 2 * time.Minute,
				description: "svc-sql ran sqlcmd.exe on SRV-SQL-01 for the first time in 14 days.",
				tactics:     []string{"Execution"}, techniques: []string{"T1059"},
				query: "SecurityEvent\n| where EventID == 4688 and SubjectUserName startswith \"svc-\"",
				entities: func(b *eb) {
					h := b.host(sqlServer)
					a := b.localAccount("svc-sql", ntDomain, domainSID+"-1301", &sqlServer)
					img := b.file(`C:\Program Files\Microsoft SQL Server\Client SDK\ODBC\170\Tools\Binn`, "SQLCMD.EXE")
					b.process(procEnt{key: "sqlcmd", pid: 6120, cmd: `SQLCMD.EXE -S localhost -E -i C:\Jobs\reindex.sql`,
						created: b.g.ago(6 * hour), image: img, account: a, host: h, elevation: "Default"})
				},
			}},
		},
		{
			number: 128, title: "Unusual volume of DNS queries from WKS-ENG-14", severity: sevLow, status: stNew,
			role: roleNoise, summary: "Another build machine resolving many names.",
			alerts: []alertSpec{dnsVolume(4*hour, hostByName("WKS-ENG-14"))},
		},
		{
			number: 129, title: "Brute force attack against a Linux host (web-lnx-01)", severity: sevMedium, status: stNew,
			role: roleNoise, summary: "SSH brute force, third wave.",
			alerts: []alertSpec{sshBruteForce(2*hour, scannerIPs[4], scannerIPs[5])},
		},
		{
			number: 130, title: "Bulk license assignment by an administrator", severity: sevInfo, status: stNew,
			owner: tom, role: roleBenign, summary: "Grace assigns licences to the new starters.",
			alerts: []alertSpec{{
				name: "Bulk changes by a single administrator", product: pScheduled, severity: sevInfo,
				at: 90 * time.Minute, span: 20 * time.Minute,
				description: "grace.patel@contoso-demo.example changed licences of 14 users in 20 minutes.",
				tactics:     []string{"Persistence"}, techniques: []string{"T1098"},
				query:    "AuditLogs\n| where OperationName == \"Change user license\"\n| summarize count() by tostring(InitiatedBy.user.userPrincipalName), bin(TimeGenerated, 1h)",
				entities: func(b *eb) { b.account(grace); b.ip(officeSeattleIP) },
			}},
		},
		{
			number: 131, title: "Suspicious authentication activity on lnx-jump-01", severity: sevMedium, status: stNew,
			role: roleNoise, summary: "Defender for Cloud: failed SSH logons against the jump host.",
			alerts: []alertSpec{{
				name: "Suspicious authentication activity", product: pASC, severity: sevMedium,
				at: 50 * time.Minute, span: 20 * time.Minute, alertType: "VM_LoginBruteForceActivity",
				description: "Several failed authentication attempts from 203.0.113.107 to lnx-jump-01 were detected.",
				tactics:     []string{"CredentialAccess"}, techniques: []string{"T1110"},
				entities: func(b *eb) {
					b.host(hostByName("lnx-jump-01"))
					b.ip(scannerIPs[6])
				},
				compromised: "lnx-jump-01",
			}},
		},
	}
}

// standaloneAlerts are alerts that no incident groups; they appear in the
// timelines of the entities they name.
func standaloneAlerts() []alertSpec {
	return []alertSpec{
		{
			name: "Anonymous IP address", product: pIPC, severity: sevLow,
			at: 12*day + 7*hour, span: time.Minute, alertType: "AnonymousLogin",
			description: "This risk detection type indicates sign-ins from an anonymous IP address.",
			tactics:     []string{"InitialAccess"}, techniques: []string{"T1078"},
			entities: func(b *eb) { b.account(userByName("nina.rossi")); b.ip(attackerIP) },
		},
		{
			name: "Activity from a suspicious IP address", product: pMCAS, severity: sevMedium,
			at: tInboxRule - 10*time.Minute, span: 5 * time.Minute, alertType: "MCAS_ALERT_SUSPICIOUS_IP",
			description: "Jordan Reyes performed mailbox activity from 203.0.113.66, an address identified as risky.",
			tactics:     []string{"InitialAccess"}, techniques: []string{"T1078"},
			entities: func(b *eb) {
				b.account(jordan)
				b.ip(attackerIP)
				b.cloudApp(appExchange, "Microsoft Exchange Online")
			},
		},
		{
			name: "DNS query to a newly observed domain", product: pScheduled, severity: sevInfo,
			at: 20 * hour, span: 10 * time.Minute,
			description: "WKS-FIN-07 queried a domain first seen in the tenant in the last 48 hours.",
			tactics:     []string{"CommandAndControl"}, techniques: []string{"T1071.004"},
			query: "DnsEvents\n| summarize FirstSeen = min(TimeGenerated) by Name\n| where FirstSeen > ago(2d)",
			entities: func(b *eb) {
				b.host(victimHost)
				b.dns(c2Domain, []string{c2IP}, dcIP, victimIP)
			},
		},
	}
}

// Reusable alert shapes for recurring noise.

func sshBruteForce(at time.Duration, ips ...string) alertSpec {
	return alertSpec{
		name: "Brute force attack against a Linux host (SSH)", product: pScheduled, severity: sevMedium,
		at: at, span: 45 * time.Minute,
		description: "Many failed SSH logons against web-lnx-01 from " + strings.Join(ips, ", ") + ".",
		tactics:     []string{"CredentialAccess"}, techniques: []string{"T1110.001"},
		query: "Syslog\n| where Facility in (\"auth\", \"authpriv\") and SyslogMessage has \"Failed password\"\n| extend SourceIP = extract(@\"from ([0-9.]+)\", 1, SyslogMessage)\n| summarize Failures = count() by Computer, SourceIP\n| where Failures > 20",
		entities: func(b *eb) {
			b.host(webServer)
			for _, ip := range ips {
				b.ip(ip)
			}
			b.localAccount("root", "", "", &webServer)
		},
		extended: []prop{p("Source IPs", strings.Join(ips, ","))},
	}
}

func failedLogonsSQL(at time.Duration) alertSpec {
	return alertSpec{
		name: "Multiple failed logons on a server", product: pScheduled, severity: sevLow,
		at: at, span: time.Hour,
		description: "CONTOSO\\svc-sql failed to log on to SRV-SQL-01 more than 50 times in an hour (0xC0000071: password expired).",
		tactics:     []string{"CredentialAccess"}, techniques: []string{"T1110"},
		query: "SecurityEvent\n| where EventID == 4625\n| summarize Failures = count() by Computer, TargetAccount\n| where Failures > 50",
		entities: func(b *eb) {
			b.host(sqlServer)
			b.localAccount("svc-sql", ntDomain, domainSID+"-1301", &sqlServer)
			b.ip(sqlServer.ip)
		},
	}
}

func dnsVolume(at time.Duration, h host) alertSpec {
	return alertSpec{
		name: "Unusual volume of DNS queries", product: pScheduled, severity: sevLow,
		at: at, span: time.Hour,
		description: h.name + " (" + h.ip + ") made more than 500 DNS queries in an hour.",
		tactics:     []string{"CommandAndControl"}, techniques: []string{"T1071.004"},
		query:    "DnsEvents\n| summarize Queries = count() by ClientIP, bin(TimeGenerated, 1h)\n| where Queries > 500",
		entities: func(b *eb) { b.host(h); b.ip(h.ip) },
	}
}

// localSID is the SID of a local account of the host.
func (h host) localSID(rid int) string {
	return "S-1-5-21-" + itoa(int(1000000000+hashString(h.name)%1000000000)) + "-" +
		itoa(int(2000000000+hashString(h.name+"/2")%100000000)) + "-" + itoa(int(3000000000+hashString(h.name+"/3")%100000000)) + "-" + itoa(rid)
}

// --- rows ---------------------------------------------------------------------

// builtAlert is an alert turned into a row, with what the incident needs.
type builtAlert struct {
	rec     map[string]any
	id      string
	start   time.Time
	end     time.Time
	tg      time.Time
	product string
	ruleID  string
	tactics []string
	techs   []string
}

func (g *gen) incidentsAndAlerts() error {
	for _, inc := range incidentSpecs() {
		alertStatus := map[string]string{stNew: "New", stActive: "InProgress", stClosed: "Resolved"}[inc.status]
		built := make([]builtAlert, len(inc.alerts))
		for i, a := range inc.alerts {
			built[i] = g.alertRow(a, "alert/"+itoa(inc.number)+"/"+itoa(i), alertStatus)
			if err := g.emit(TableSecurityAlert, built[i].rec); err != nil {
				return err
			}
		}
		if err := g.emit(TableSecurityIncident, g.incidentRow(inc, built)); err != nil {
			return err
		}
	}
	for i, a := range standaloneAlerts() {
		b := g.alertRow(a, "alert/standalone/"+itoa(i), "New")
		if err := g.emit(TableSecurityAlert, b.rec); err != nil {
			return err
		}
	}
	return nil
}

func (g *gen) alertRow(a alertSpec, label, status string) builtAlert {
	start := g.ago(a.at)
	end := g.clamp(start.Add(a.span))
	lag := 2 * time.Minute
	if a.product.scheduled {
		lag = 5 * time.Minute
	}
	tg := g.clamp(end.Add(lag + time.Duration(g.id.num(label+"/lag", 90))*time.Second))
	id := g.id.guid(label)

	entities := a.noEntities
	if a.entities != nil {
		b := newEB(g)
		b.inline = a.inline
		a.entities(b)
		entities = entityJSON(b.ordered())
	}

	ba := builtAlert{id: id, start: start, end: end, tg: tg, product: a.product.name, tactics: a.tactics, techs: a.techniques}
	var ext obj
	alertType, vendorID, link := a.alertType, "", ""
	if a.product.scheduled {
		ba.ruleID = g.id.guid("rule/" + a.name)
		alertType = g.ws.tenantID + "_" + ba.ruleID
		vendorID = g.id.guid(label + "/vendor")
		ext = obj{
			p("Query Period", "1.00:00:00"), p("Trigger Operator", "GreaterThan"), p("Trigger Threshold", "0"),
			p("Correlation Id", g.id.guid(label+"/correlation")),
			p("Search Query Results Overall Count", itoa(int(1+g.id.num(label+"/count", 40)))),
			p("Data Sources", dataSources(a.query)),
			p("Query", "// The query_now parameter represents the time (in UTC) at which the scheduled analytics rule ran to produce this alert.\nset query_now = datetime("+tg.Add(-time.Minute).Format(time.RFC3339)+");\n"+a.query),
			p("Query Start Time UTC", end.Add(-24*time.Hour).Format("2006-01-02 15:04:05Z")),
			p("Query End Time UTC", end.Format("2006-01-02 15:04:05Z")),
			p("Analytic Rule Ids", `["`+ba.ruleID+`"]`),
			p("Event Grouping", "SingleAlert"),
			p("Analytic Rule Name", a.name),
			p("ProcessedBySentinel", "True"),
			p("Alert generation status", "Full alert created"),
		}
	} else {
		ba.ruleID = g.id.guid("rule/microsoft-security/" + a.product.name)
		vendorID = vendorOriginalID(g, a.product, label)
		link = a.product.link + vendorID
		ext = obj{p("ProcessedBySentinel", "True"), p("Alert generation status", "Full alert created")}
		if a.product == pMDE {
			ext = append(ext, p("MicrosoftDefenderForEndpointLink", link), p("Category", firstOr(a.tactics, "Unknown")),
				p("DetectionSource", "EDR"))
		}
	}
	ext = append(ext, a.extended...)

	remediation := ""
	if len(a.remediation) > 0 {
		var w jsonWriter
		w.value(a.remediation)
		remediation = string(w.b)
	}
	techniques := ""
	if len(a.techniques) > 0 {
		var w jsonWriter
		w.value(a.techniques)
		techniques = string(w.b)
	}
	var score any
	if a.confidence != "" {
		score = 0.9
	}
	resourceID := ""
	if a.product == pASC {
		resourceID = g.rgResourceID(resourceGroupFinance)
	}
	ba.rec = map[string]any{
		"TenantId":                g.ws.tenantID,
		"TimeGenerated":           tg,
		"DisplayName":             a.name,
		"AlertName":               a.name,
		"AlertSeverity":           a.severity,
		"Description":             a.description,
		"ProviderName":            a.product.provider,
		"VendorName":              "Microsoft",
		"VendorOriginalId":        vendorID,
		"SystemAlertId":           id,
		"ResourceId":              resourceID,
		"SourceComputerId":        "",
		"AlertType":               alertType,
		"ConfidenceLevel":         a.confidence,
		"ConfidenceScore":         score,
		"IsIncident":              false,
		"StartTime":               start,
		"EndTime":                 end,
		"ProcessingEndTime":       tg,
		"RemediationSteps":        remediation,
		"ExtendedProperties":      objectJSON(ext),
		"Entities":                entities,
		"SourceSystem":            "Detection",
		"WorkspaceSubscriptionId": g.ws.subscriptionID,
		"WorkspaceResourceGroup":  g.ws.resourceGroup,
		"ExtendedLinks":           "",
		"ProductName":             a.product.name,
		"ProductComponentName":    a.product.component,
		"AlertLink":               link,
		"Status":                  status,
		"CompromisedEntity":       a.compromised,
		"Tactics":                 strings.Join(a.tactics, ", "),
		"Techniques":              techniques,
		"Type":                    "SecurityAlert",
	}
	return ba
}

// dataSources lists, as JSON text, the tables a rule's query reads.
func dataSources(query string) string {
	var names []string
	for _, t := range append(Tables(), "LegacyBlocklist_CL") {
		if strings.Contains(query, t) {
			names = append(names, t)
		}
	}
	var w jsonWriter
	w.value(names)
	return string(w.b)
}

// vendorOriginalID imitates each product's own alert id format.
func vendorOriginalID(g *gen, pr product, label string) string {
	switch pr {
	case pMDE:
		return "da" + itoa(int(638000000000000000+g.id.num(label+"/vid", 9000000000000000))) + "_" + itoa(int(g.id.num(label+"/vid2", 2000000000)))
	case pIPC:
		return g.id.hex(label+"/vid", 64)
	case pMDO:
		return g.id.guid(label + "/vid")
	}
	return g.id.guid(label + "/vid")
}

func firstOr(ss []string, def string) string {
	if len(ss) > 0 {
		return ss[0]
	}
	return def
}

func (g *gen) incidentRow(inc incidentSpec, alerts []builtAlert) map[string]any {
	first, last, firstTG, lastTG := alerts[0].start, alerts[0].end, alerts[0].tg, alerts[0].tg
	var alertIDs, ruleIDs, products, tactics, techs []any
	seen := map[string]bool{}
	addOnce := func(list *[]any, kind, v string) {
		if v != "" && !seen[kind+v] {
			seen[kind+v] = true
			*list = append(*list, v)
		}
	}
	for _, a := range alerts {
		first, last = minTime(first, a.start), maxTime(last, a.end)
		firstTG, lastTG = minTime(firstTG, a.tg), maxTime(lastTG, a.tg)
		alertIDs = append(alertIDs, a.id)
		addOnce(&ruleIDs, "rule", a.ruleID)
		addOnce(&products, "product", a.product)
		for _, t := range a.tactics {
			addOnce(&tactics, "tactic", t)
		}
		for _, t := range a.techs {
			addOnce(&techs, "tech", t)
		}
	}
	created := g.clamp(firstTG.Add(time.Minute))
	modified := created
	switch {
	case inc.status != stNew:
		modified = created.Add(inc.triage)
	case inc.owner != nil:
		modified = created.Add(15 * time.Minute)
	}
	modified = g.clamp(maxTime(modified, lastTG.Add(time.Minute)))

	name := g.id.guid("incident/" + itoa(inc.number))
	owner := map[string]any{"objectId": nil, "email": nil, "assignedTo": nil, "userPrincipalName": nil}
	modifiedBy := "Incident created from alert rule"
	if inc.owner != nil {
		u := inc.owner.user
		owner = map[string]any{"objectId": g.userObjectID(u), "email": u.upn(), "assignedTo": u.display, "userPrincipalName": u.upn()}
		modifiedBy = u.display
	}
	labels := make([]any, 0, len(inc.labels))
	for _, l := range inc.labels {
		labels = append(labels, map[string]any{"labelName": l, "labelType": "User"})
	}
	var closed any
	class, reason, comment := "", "", ""
	comments := int64(0)
	if inc.status == stClosed {
		closed = modified
		class, reason, comment = inc.class, classificationReason(inc.class), inc.comment
		comments = 1
	}
	description := inc.description
	if description == "" {
		description = alertsDescription(inc)
	}
	return map[string]any{
		"TenantId":               g.ws.tenantID,
		"TimeGenerated":          modified,
		"IncidentName":           name,
		"Title":                  inc.title,
		"Description":            description,
		"Severity":               inc.severity,
		"Status":                 inc.status,
		"Classification":         class,
		"ClassificationReason":   reason,
		"ClassificationComment":  comment,
		"Owner":                  owner,
		"ProviderName":           "Azure Sentinel",
		"ProviderIncidentId":     itoa(inc.number),
		"FirstActivityTime":      first,
		"LastActivityTime":       last,
		"FirstModifiedTime":      created,
		"LastModifiedTime":       modified,
		"CreatedTime":            created,
		"ClosedTime":             closed,
		"IncidentNumber":         int64(inc.number),
		"RelatedAnalyticRuleIds": ruleIDs,
		"AlertIds":               alertIDs,
		"BookmarkIds":            []any{},
		"Comments":               []any{},
		"Tasks":                  []any{},
		"Labels":                 labels,
		"IncidentUrl": "https://portal.azure.com/#asset/Microsoft_Azure_Security_Insights/Incident" +
			g.workspaceResourceID() + "/providers/Microsoft.SecurityInsights/Incidents/" + name,
		"AdditionalData": map[string]any{
			"alertsCount":       int64(len(alerts)),
			"bookmarksCount":    int64(0),
			"commentsCount":     comments,
			"alertProductNames": products,
			"tactics":           tactics,
			"techniques":        techs,
		},
		"ModifiedBy":   modifiedBy,
		"SourceSystem": "Azure",
		"Type":         "SecurityIncident",
	}
}

// alertsDescription is the description Sentinel gives an incident created from
// a single analytics rule: the first alert's description.
func alertsDescription(inc incidentSpec) string { return inc.alerts[0].description }

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
