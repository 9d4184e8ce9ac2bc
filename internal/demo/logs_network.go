package demo

import (
	"math/rand/v2"
	"strconv"
	"time"
)

// Network and Linux logs: Syslog, CommonSecurityLog (the edge firewall) and
// DnsEvents (the domain controller's DNS server).

// --- Syslog -------------------------------------------------------------------

// syslogLine is one Syslog row.
type syslogLine struct {
	h        host
	at       time.Time
	facility string
	severity string
	process  string
	pid      int64
	msg      string
}

// sshWaves are the SSH brute-force waves of incidents 102, 115, 129 and 131.
var sshWaves = []struct {
	host  string
	at    time.Duration
	span  time.Duration
	ips   []string
	tries int
}{
	{"web-lnx-01", 13*day + 2*hour, 45 * time.Minute, []string{"203.0.113.101", "203.0.113.102"}, 160},
	{"web-lnx-01", 3*day + 4*hour, 45 * time.Minute, []string{"203.0.113.103", "203.0.113.104"}, 140},
	{"web-lnx-01", 2 * hour, 45 * time.Minute, []string{"203.0.113.105", "203.0.113.106"}, 150},
	{"lnx-jump-01", 50 * time.Minute, 20 * time.Minute, []string{"203.0.113.107"}, 60},
}

var sshUsernames = []string{"root", "admin", "ubuntu", "test", "oracle", "postgres", "git", "user", "azureuser", "pi"}

func (g *gen) syslog() error {
	r := g.id.rng(TableSyslog)
	for _, w := range sshWaves {
		h := hostByName(w.host)
		start := g.ago(w.at)
		for i := 0; i < w.tries; i++ {
			at := g.clamp(start.Add(time.Duration(i) * w.span / time.Duration(w.tries)))
			ip := w.ips[i%len(w.ips)]
			name := sshUsernames[r.IntN(len(sshUsernames))]
			port := strconv.Itoa(30000 + r.IntN(30000))
			pid := int64(20000 + r.IntN(40000))
			msg := "Failed password for invalid user " + name + " from " + ip + " port " + port + " ssh2"
			if name == "root" {
				msg = "Failed password for root from " + ip + " port " + port + " ssh2"
			}
			if err := g.emit(TableSyslog, g.syslogRow(syslogLine{h, at, "authpriv", "info", "sshd", pid, msg})); err != nil {
				return err
			}
		}
	}
	jump := hostByName("lnx-jump-01")
	for i, n := 0, g.volume(volSyslog); i < n; i++ {
		h := pick(r, linuxHosts)
		at := g.anytime(r)
		pid := int64(1000 + r.IntN(60000))
		var l syslogLine
		switch x := r.IntN(100); {
		case x < 25:
			l = syslogLine{h, at, "cron", "info", "CRON", pid, "pam_unix(cron:session): session opened for user root by (uid=0)"}
		case x < 40:
			l = syslogLine{h, at, "authpriv", "info", "sudo", pid, "pam_unix(sudo:session): session opened for user root by (uid=0)"}
		case x < 50:
			l = syslogLine{h, at, "authpriv", "notice", "sudo", pid, "omsagent : TTY=unknown ; PWD=/ ; USER=root ; COMMAND=/opt/microsoft/omsagent/ruby/bin/ruby /opt/microsoft/omsagent/plugin/tailfilereader.rb /var/log/ufw.log"}
		case x < 62:
			if h.name == jump.name {
				u := pick(r, []user{grace, jordan, userByName("frank.li")})
				wks := workstationOf(u.sam)
				l = syslogLine{h, g.workday(r, u.site), "auth", "info", "sshd", pid, "Accepted publickey for " + u.sam + " from " + wks.ip + " port " + strconv.Itoa(50000+r.IntN(15000)) + " ssh2: ED25519 SHA256:" + randHex(r, 43)}
			} else {
				l = syslogLine{h, at, "auth", "info", "sshd", pid, "Accepted publickey for azureuser from " + jump.ip + " port " + strconv.Itoa(40000+r.IntN(20000)) + " ssh2: ED25519 SHA256:" + randHex(r, 43)}
			}
		case x < 72:
			ip := pick(r, scannerIPs)
			l = syslogLine{h, at, "kern", "warning", "kernel", 0, "[UFW BLOCK] IN=eth0 OUT= MAC=00:0d:3a:" + randHex(r, 2) + ":" + randHex(r, 2) + ":" + randHex(r, 2) + " SRC=" + ip + " DST=" + h.ip + " LEN=44 TOS=0x00 PREC=0x00 TTL=241 ID=54321 PROTO=TCP SPT=" + strconv.Itoa(1024+r.IntN(60000)) + " DPT=" + pick(r, []string{"23", "3389", "5900", "8080", "445"}) + " WINDOW=1024 RES=0x00 SYN URGP=0"}
		case x < 80:
			ip := pick(r, scannerIPs)
			l = syslogLine{h, at, "authpriv", "info", "sshd", pid, "Connection closed by " + ip + " port " + strconv.Itoa(30000+r.IntN(30000)) + " [preauth]"}
		case x < 90:
			l = syslogLine{h, at, "daemon", "info", "systemd", 1, pick(r, []string{"Started Daily apt download activities.", "Starting Cleanup of Temporary Directories...", "Finished Rotate log files.", "Started Session 4121 of User azureuser."})}
		default:
			l = syslogLine{h, at, "syslog", "info", "rsyslogd", pid, "[origin software=\"rsyslogd\" swVersion=\"8.2112.0\" x-pid=\"" + strconv.FormatInt(pid, 10) + "\" x-info=\"https://www.rsyslog.com\"] rsyslogd was HUPed"}
		}
		if err := g.emit(TableSyslog, g.syslogRow(l)); err != nil {
			return err
		}
	}
	return nil
}

func (g *gen) syslogRow(l syslogLine) map[string]any {
	var pid any
	if l.pid != 0 {
		pid = l.pid
	}
	return map[string]any{
		"TenantId":      g.tenant,
		"SourceSystem":  "Linux",
		"TimeGenerated": l.at,
		"EventTime":     l.at,
		"Computer":      g.hv(l.h).computer,
		"HostName":      l.h.name,
		"HostIP":        l.h.ip,
		"Facility":      l.facility,
		"SeverityLevel": l.severity,
		"SyslogMessage": l.msg,
		"ProcessName":   l.process,
		"ProcessID":     pid,
		"_ResourceId":   lower(g.vmResourceID(l.h)),
		"Type":          TableSyslog,
	}
}

// --- CommonSecurityLog --------------------------------------------------------

// flow is one firewall log row of FW-EDGE-01.
type flow struct {
	at       time.Time
	src      string
	srcPort  int
	dst      string
	dstPort  int
	action   string // allow, deny, drop, alert
	app      string // ApplicationProtocol
	host     string // DestinationHostName
	url      string // RequestURL
	activity string // TRAFFIC, THREAT
	user     string
	sent     int64
	received int64
	threat   string // threat name for THREAT logs
}

func (g *gen) storyFlows(r *rand.Rand) []flow {
	var out []flow
	samUser := ntDomain + `\` + sam.sam
	// The payload download and the beacon.
	out = append(out, flow{at: g.ago(tExec - 3*time.Second), src: victimIP, srcPort: 50211, dst: phishHostIP, dstPort: 80,
		action: "alert", app: "web-browsing", host: payloadDomain, url: payloadURL, activity: "THREAT", user: samUser,
		sent: 612, received: 48213, threat: "PowerShell download cradle (demo)"})
	for d := tBeacon; d > 0; d -= beaconEvery {
		out = append(out, flow{at: g.jitter(r, g.ago(d), 10*time.Second), src: victimIP, srcPort: 49152 + r.IntN(16000),
			dst: c2IP, dstPort: 443, action: "allow", app: "ssl", host: c2Domain, url: beaconURL, activity: "TRAFFIC",
			user: samUser, sent: int64(900 + r.IntN(300)), received: int64(400 + r.IntN(200))})
	}
	// Laura's click.
	out = append(out, flow{at: g.ago(tPhishSend - 20*time.Minute), src: "10.0.0.15", srcPort: 51544, dst: phishHostIP, dstPort: 443,
		action: "allow", app: "ssl", host: phishDomain, url: phishURL, activity: "TRAFFIC", user: ntDomain + `\` + laura.sam,
		sent: 2210, received: 18876})
	// The uptime monitor, every five minutes for two weeks (the false positive's indicator).
	for d := Window - time.Minute; d > 0; d -= 5 * time.Minute {
		out = append(out, flow{at: g.jitter(r, g.ago(d), 5*time.Second), src: monitorIP, srcPort: 40000 + r.IntN(20000),
			dst: webPublicIP, dstPort: 443, action: "allow", app: "ssl", host: "www.contoso-demo.example", activity: "TRAFFIC",
			sent: 517, received: 4388})
	}
	// The penetration test's port scan of SRV-APP-01 (through the VPN).
	for i := 0; i < 214; i++ {
		action := "deny"
		port := 1 + i*37%10000
		switch port {
		case 80, 443, 445, 3389:
			action = "allow"
		}
		out = append(out, flow{at: g.ago(7*day + 5*hour - time.Duration(i)*35*time.Minute/214), src: pentestIP, srcPort: 41000 + i,
			dst: appServerIP, dstPort: port, action: action, app: "incomplete", activity: "TRAFFIC", sent: 60, received: 0})
	}
	return out
}

func (g *gen) commonSecurityLog() error {
	r := g.id.rng(TableCommonSecurityLog)
	for _, f := range g.storyFlows(r) {
		if err := g.emit(TableCommonSecurityLog, g.flowRow(r, f)); err != nil {
			return err
		}
	}
	for i, n := 0, g.volume(volFirewall); i < n; i++ {
		var f flow
		switch x := r.IntN(100); {
		case x < 70: // a user's HTTPS to a SaaS service
			u := pick(r, staff)
			wks := workstationOf(u.sam)
			s := pick(r, saasServices)
			f = flow{at: g.workday(r, u.site), src: wks.ip, srcPort: 49152 + r.IntN(16000), dst: s.ip, dstPort: 443,
				action: "allow", app: "ssl", host: s.domain, activity: "TRAFFIC", user: ntDomain + `\` + u.sam,
				sent: int64(500 + r.IntN(20000)), received: int64(1000 + r.IntN(400000))}
		case x < 85: // visitors of the public web site
			u := pick(r, users)
			f = flow{at: g.anytime(r), src: u.home, srcPort: 49152 + r.IntN(16000), dst: webPublicIP, dstPort: 443,
				action: "allow", app: "ssl", host: "www.contoso-demo.example", activity: "TRAFFIC",
				sent: int64(400 + r.IntN(3000)), received: int64(2000 + r.IntN(80000))}
		case x < 97: // scanners knocking
			f = flow{at: g.anytime(r), src: pick(r, scannerIPs), srcPort: 1024 + r.IntN(60000), dst: webPublicIP,
				dstPort: pick(r, []int{22, 23, 3389, 445, 5900, 8080}), action: "deny", app: "incomplete", activity: "TRAFFIC", sent: 60}
		default: // a threat signature on scanner traffic
			f = flow{at: g.anytime(r), src: pick(r, scannerIPs), srcPort: 1024 + r.IntN(60000), dst: webPublicIP, dstPort: 443,
				action: "drop", app: "web-browsing", activity: "THREAT", threat: "HTTP Directory Traversal Vulnerability", sent: 420}
		}
		if err := g.emit(TableCommonSecurityLog, g.flowRow(r, f)); err != nil {
			return err
		}
	}
	return nil
}

func (g *gen) flowRow(r *rand.Rand, f flow) map[string]any {
	direction := "Outbound"
	inbound, outbound := "ethernet1/2", "ethernet1/1"
	translated := officeSeattleIP
	if _, public := geoOf(f.src); public {
		direction, inbound, outbound, translated = "Inbound", "ethernet1/1", "ethernet1/2", ""
	}
	severity, class := "1", "end"
	if f.activity == "THREAT" {
		severity, class = "5", f.threat
	}
	simplified := "Allow"
	switch f.action {
	case "deny", "drop":
		simplified = "Deny"
	case "alert":
		simplified = "Alert"
	}
	return map[string]any{
		"TenantId":                 g.tenant,
		"SourceSystem":             "OpsManager",
		"TimeGenerated":            f.at,
		"ReceiptTime":              f.at.Format("Jan 02 2006 15:04:05"),
		"DeviceVendor":             "Palo Alto Networks",
		"DeviceProduct":            "PAN-OS",
		"DeviceVersion":            "10.2.9",
		"DeviceEventClassID":       f.activity,
		"Activity":                 f.activity,
		"DeviceName":               "FW-EDGE-01",
		"Computer":                 "fw-edge-01",
		"LogSeverity":              severity,
		"DeviceAction":             f.action,
		"SimplifiedDeviceAction":   simplified,
		"ApplicationProtocol":      f.app,
		"SourceIP":                 f.src,
		"SourcePort":               int64(f.srcPort),
		"DestinationIP":            f.dst,
		"DestinationPort":          int64(f.dstPort),
		"SourceTranslatedAddress":  translated,
		"Protocol":                 "TCP",
		"SourceUserName":           f.user,
		"DestinationHostName":      f.host,
		"RequestURL":               f.url,
		"SentBytes":                f.sent,
		"ReceivedBytes":            f.received,
		"CommunicationDirection":   direction,
		"DeviceInboundInterface":   inbound,
		"DeviceOutboundInterface":  outbound,
		"DeviceCustomString1":      "rule-" + class,
		"DeviceCustomString1Label": "Rule",
		"AdditionalExtensions":     "PanOSSessionID=" + strconv.Itoa(100000+r.IntN(900000)),
		"Type":                     TableCommonSecurityLog,
	}
}

// --- DnsEvents ----------------------------------------------------------------

// lookup is one DnsEvents row on DC01.
type lookup struct {
	at     time.Time
	client string
	name   string
	answer string
	qtype  string
	code   int
}

// burstHosts are the "unusual volume of DNS queries" noise (incidents 114 and 128).
var dnsBursts = []struct {
	host string
	at   time.Duration
	n    int
}{{"WKS-ENG-11", 3*day + 20*hour, 560}, {"WKS-ENG-14", 4 * hour, 540}}

func (g *gen) storyLookups(r *rand.Rand) []lookup {
	var out []lookup
	// The stager's download host and the phishing page.
	out = append(out, lookup{at: g.ago(tExec - 2*time.Second), client: victimIP, name: payloadDomain, answer: phishHostIP, qtype: "A"})
	out = append(out, lookup{at: g.ago(tPhishSend - 20*time.Minute + time.Second), client: "10.0.0.15", name: phishDomain, answer: phishHostIP, qtype: "A"})
	// The beacon.
	for d := tBeacon; d > 0; d -= beaconEvery {
		out = append(out, lookup{at: g.jitter(r, g.ago(d), 10*time.Second), client: victimIP, name: c2Domain, answer: c2IP, qtype: "A"})
	}
	// Build machines resolving package mirrors.
	for _, b := range dnsBursts {
		h := hostByName(b.host)
		start := g.ago(b.at)
		for i := 0; i < b.n; i++ {
			name := "pkg-" + strconv.Itoa(r.IntN(900)) + ".registry.npmjs.org"
			out = append(out, lookup{at: g.clamp(start.Add(time.Duration(i) * time.Hour / time.Duration(b.n))), client: h.ip, name: name,
				answer: saasIPs[12], qtype: "A"})
		}
	}
	return out
}

func (g *gen) dnsEvents() error {
	r := g.id.rng(TableDnsEvents)
	for _, l := range g.storyLookups(r) {
		if err := g.emit(TableDnsEvents, g.dnsRow(r, l)); err != nil {
			return err
		}
	}
	for i, n := 0, g.volume(volDNS); i < n; i++ {
		var l lookup
		h := pick(r, windowsHosts)
		if u, ok := ownerOf(h); ok {
			l.at = g.workday(r, u.site)
		} else {
			l.at = g.anytime(r)
		}
		l.client, l.qtype = h.ip, "A"
		if r.IntN(3) == 0 {
			in := pick(r, internalNames)
			l.name, l.answer = in.name, in.ip
			if l.answer == "" {
				l.code = 3
			}
			if l.name[0] == '_' {
				l.qtype = "SRV"
			}
		} else {
			s := pick(r, saasServices)
			l.name, l.answer = s.domain, s.ip
			if r.IntN(8) == 0 {
				l.qtype, l.answer = "AAAA", ""
			}
		}
		if err := g.emit(TableDnsEvents, g.dnsRow(r, l)); err != nil {
			return err
		}
	}
	return nil
}

func (g *gen) dnsRow(r *rand.Rand, l lookup) map[string]any {
	result := "Success"
	if l.code != 0 {
		result = "Failure"
	}
	return map[string]any{
		"TenantId":         g.tenant,
		"SourceSystem":     "OpsManager",
		"TimeGenerated":    l.at,
		"Computer":         g.hv(dc01).computer,
		"EventId":          int64(257),
		"SubType":          "LookupQuery",
		"ClientIP":         l.client,
		"Name":             l.name,
		"IPAddresses":      l.answer,
		"QueryType":        l.qtype,
		"ResultCode":       int64(l.code),
		"Result":           result,
		"TaskCategory":     "LOOK_UP",
		"SourceComputerId": g.hv(dc01).agentID,
		"Type":             TableDnsEvents,
	}
}
