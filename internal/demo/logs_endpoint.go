package demo

import (
	"math/rand/v2"
	"strings"
	"time"
)

// Endpoint logs: SecurityEvent, Heartbeat and the Defender for Endpoint
// Device* tables.

// --- SecurityEvent ------------------------------------------------------------

var eventActivity = map[int]string{
	4624: "4624 - An account was successfully logged on.",
	4625: "4625 - An account failed to log on.",
	4634: "4634 - An account was logged off.",
	4672: "4672 - Special privileges assigned to new logon.",
	4688: "4688 - A new process has been created.",
	4697: "4697 - A service was installed in the system.",
	4698: "4698 - A scheduled task was created.",
	4720: "4720 - A user account was created.",
	4728: "4728 - A member was added to a security-enabled global group.",
	4729: "4729 - A member was removed from a security-enabled global group.",
	4732: "4732 - A member was added to a security-enabled local group.",
	4768: "4768 - A Kerberos authentication ticket (TGT) was requested.",
	4769: "4769 - A Kerberos service ticket was requested.",
	4776: "4776 - The computer attempted to validate the credentials for an account.",
	7045: "7045 - A service was installed in the system.",
}

var logonTypeNames = map[int]string{
	2: "2 - Interactive", 3: "3 - Network", 5: "5 - Service", 7: "7 - Unlock",
	10: "10 - RemoteInteractive", 11: "11 - CachedInteractive",
}

// secBase is what every SecurityEvent row has.
func (g *gen) secBase(r *rand.Rand, h host, at time.Time, id int) map[string]any {
	rec := make(map[string]any, 40)
	rec["TenantId"] = g.tenant
	rec["SourceSystem"] = "OpsManager"
	rec["TimeGenerated"] = at
	rec["TimeCreated"] = at
	rec["Computer"] = g.hv(h).computer
	rec["EventID"] = int64(id)
	rec["Activity"] = eventActivity[id]
	rec["Channel"] = "Security"
	rec["EventSourceName"] = "Microsoft-Windows-Security-Auditing"
	rec["Level"] = "8"
	rec["SourceComputerId"] = g.hv(h).agentID
	rec["EventOriginId"] = randGUID(r)
	rec["ManagementGroupName"] = "AOI-" + g.ws.workspaceID
	rec["Type"] = TableSecurityEvent
	return rec
}

// who is a Windows security principal.
type who struct {
	name, domain, sid string
	machine           bool
}

func domainUser(u user) who { return who{u.sam, ntDomain, u.sid(), false} }

var (
	whoSystem  = who{"SYSTEM", "NT AUTHORITY", "S-1-5-18", false}
	whoLocal   = who{"LOCAL SERVICE", "NT AUTHORITY", "S-1-5-19", false}
	whoNetwork = who{"NETWORK SERVICE", "NT AUTHORITY", "S-1-5-20", false}
	whoNobody  = who{"-", "-", "S-1-0-0", false}
	whoSvcSQL  = who{"svc-sql", ntDomain, domainSID + "-1301", false}
)

func machineAccount(h host) who {
	return who{h.name + "$", ntDomain, domainSID + "-" + itoa(int(2000+hashString(h.name)%900)), true}
}

func (w who) qualified() string { return w.domain + `\` + w.name }

func accountType(w who) string {
	if w.machine {
		return "Machine"
	}
	return "User"
}

// winLogon is a 4624/4625/4634 event.
type winLogon struct {
	h         host
	at        time.Time
	id        int
	target    who
	logonType int
	ip        string
	ws        string
	logonID   string
	kerberos  bool
	status    string // for 4625
	subStatus string
}

func (g *gen) logonRow(r *rand.Rand, l winLogon) map[string]any {
	rec := g.secBase(r, l.h, l.at, l.id)
	rec["Account"] = l.target.qualified()
	rec["AccountType"] = accountType(l.target)
	rec["TargetUserName"] = l.target.name
	rec["TargetDomainName"] = l.target.domain
	rec["TargetUserSid"] = l.target.sid
	rec["TargetAccount"] = l.target.qualified()
	rec["LogonType"] = int64(l.logonType)
	rec["LogonTypeName"] = logonTypeNames[l.logonType]
	logonID := l.logonID
	if logonID == "" {
		logonID = hexID(0x100000 + r.Int64N(0xefffff))
	}
	if l.id == 4634 {
		rec["TargetLogonId"] = logonID
		return rec
	}
	subject := machineAccount(l.h)
	process, pkg, lproc := `C:\Windows\System32\lsass.exe`, "Negotiate", "User32 "
	switch l.logonType {
	case 3:
		subject, process, lproc = whoNobody, "-", "NtLmSsp "
		pkg = "NTLM"
		if l.kerberos {
			pkg, lproc = "Kerberos", "Kerberos"
		}
	case 5:
		process, lproc = `C:\Windows\System32\services.exe`, "Advapi  "
	case 10:
		lproc = "User32 "
	}
	rec["SubjectUserName"] = subject.name
	rec["SubjectDomainName"] = subject.domain
	rec["SubjectUserSid"] = subject.sid
	rec["SubjectLogonId"] = "0x3e7"
	rec["TargetLogonId"] = logonID
	rec["LogonProcessName"] = lproc
	rec["AuthenticationPackageName"] = pkg
	ip, port := "-", "-"
	if l.ip != "" {
		ip, port = l.ip, itoa(49152+r.IntN(16000))
	}
	rec["IpAddress"] = ip
	rec["IpPort"] = port
	ws := l.ws
	if ws == "" {
		ws = "-"
	}
	rec["WorkstationName"] = ws
	rec["Process"] = winBase(process)
	rec["ProcessName"] = process
	rec["ElevatedToken"] = "%%1842"
	rec["ImpersonationLevel"] = "%%1833"
	if l.id == 4625 {
		rec["Status"] = l.status
		rec["SubStatus"] = l.subStatus
		rec["FailureReason"] = "%%2313"
		delete(rec, "TargetLogonId")
	}
	return rec
}

// winProcess is a 4688 event.
type winProcess struct {
	h        host
	at       time.Time
	subject  who
	logonID  string
	image    string
	cmd      string
	parent   string
	pid      int64
	ppid     int64
	elevated bool
}

func (g *gen) processRow(r *rand.Rand, p winProcess) map[string]any {
	rec := g.secBase(r, p.h, p.at, 4688)
	rec["Account"] = p.subject.qualified()
	rec["AccountType"] = accountType(p.subject)
	rec["SubjectUserName"] = p.subject.name
	rec["SubjectDomainName"] = p.subject.domain
	rec["SubjectUserSid"] = p.subject.sid
	logonID := p.logonID
	if logonID == "" {
		logonID = "0x3e7"
	}
	rec["SubjectLogonId"] = logonID
	rec["NewProcessName"] = p.image
	rec["NewProcessId"] = hexID(p.pid)
	rec["Process"] = winBase(p.image)
	rec["CommandLine"] = p.cmd
	rec["ParentProcessName"] = p.parent
	rec["ProcessId"] = hexID(p.ppid)
	rec["TargetUserName"] = "-"
	rec["TargetDomainName"] = "-"
	rec["TargetLogonId"] = "0x0"
	elevation, label := "%%1938", "S-1-16-8192"
	if p.elevated || p.subject.sid == whoSystem.sid {
		elevation, label = "%%1937", "S-1-16-16384"
	}
	rec["TokenElevationType"] = elevation
	rec["MandatoryLabel"] = label
	return rec
}

// storySecurityEvents are the Windows events of the attack and of the benign stories.
func (g *gen) storySecurityEvents(r *rand.Rand) []map[string]any {
	var out []map[string]any
	samW := domainUser(sam)
	logonAt := g.ago(tPhishOpen + 3*hour)
	out = append(out, g.logonRow(r, winLogon{h: victimHost, at: logonAt, id: 4624, target: samW, logonType: 2,
		ip: "127.0.0.1", ws: victimHost.name, logonID: samLogonID}))
	out = append(out, g.processRow(r, winProcess{h: victimHost, at: logonAt.Add(2 * time.Minute), subject: samW, logonID: samLogonID,
		image: outlookPath, cmd: `"` + outlookPath + `"`, parent: explorerPath, pid: outlookPID, ppid: 4412}))
	for _, s := range implantChain {
		out = append(out, g.processRow(r, winProcess{h: victimHost, at: g.ago(s.age), subject: samW, logonID: samLogonID,
			image: s.image, cmd: s.cmd, parent: s.parent, pid: s.pid, ppid: s.ppid, elevated: s.elevated}))
	}
	// The scheduled task, the service, the new local administrator.
	task := g.secBase(r, victimHost, g.ago(tTask-2*time.Second), 4698)
	task["Account"], task["AccountType"] = samW.qualified(), "User"
	task["SubjectUserName"], task["SubjectDomainName"], task["SubjectUserSid"], task["SubjectLogonId"] = sam.sam, ntDomain, sam.sid(), samLogonID
	task["TaskName"] = taskName
	task["TaskContent"] = `<?xml version="1.0" encoding="UTF-16"?><Task version="1.2" xmlns="http://schemas.microsoft.com/windows/2004/02/mit/task"><Triggers><TimeTrigger><Repetition><Interval>PT1H</Interval></Repetition></TimeTrigger></Triggers><Principals><Principal id="Author"><UserId>S-1-5-18</UserId><RunLevel>HighestAvailable</RunLevel></Principal></Principals><Actions Context="Author"><Exec><Command>` + updaterPath + `</Command><Arguments>/silent</Arguments></Exec></Actions></Task>`
	out = append(out, task)
	for _, id := range []int{4697, 7045} {
		svc := g.secBase(r, victimHost, g.ago(tService-3*time.Second), id)
		if id == 7045 {
			svc["Channel"], svc["EventSourceName"], svc["Level"] = "System", "Service Control Manager", "4"
		}
		svc["Account"], svc["AccountType"] = samW.qualified(), "User"
		svc["SubjectUserName"], svc["SubjectDomainName"], svc["SubjectUserSid"], svc["SubjectLogonId"] = sam.sam, ntDomain, sam.sid(), samLogonID
		svc["ServiceName"] = serviceName
		svc["ServiceFileName"] = servicePath + " --service"
		svc["ServiceType"] = "0x10"
		svc["ServiceStartType"] = "2"
		svc["ServiceAccount"] = "LocalSystem"
		out = append(out, svc)
	}
	localSID := victimHost.localSID(1009)
	created := g.secBase(r, victimHost, g.ago(tLocalAdmin+25*time.Second), 4720)
	created["Account"], created["AccountType"] = samW.qualified(), "User"
	created["SubjectUserName"], created["SubjectDomainName"], created["SubjectUserSid"], created["SubjectLogonId"] = sam.sam, ntDomain, sam.sid(), samLogonID
	created["TargetUserName"], created["TargetDomainName"], created["TargetSid"] = rogueAdmin, victimHost.name, localSID
	created["TargetAccount"] = victimHost.name + `\` + rogueAdmin
	created["SamAccountName"] = rogueAdmin
	created["UserPrincipalName"] = "-"
	out = append(out, created)
	added := g.secBase(r, victimHost, g.ago(tLocalAdmin-time.Second), 4732)
	added["Account"], added["AccountType"] = samW.qualified(), "User"
	added["SubjectUserName"], added["SubjectDomainName"], added["SubjectUserSid"], added["SubjectLogonId"] = sam.sam, ntDomain, sam.sid(), samLogonID
	added["MemberName"], added["MemberSid"] = "-", localSID
	added["TargetUserName"], added["TargetDomainName"], added["TargetSid"] = "Administrators", "Builtin", "S-1-5-32-544"
	added["TargetAccount"] = `Builtin\Administrators`
	out = append(out, added)
	// svc-backup tries the file server and fails: a local account is no use there.
	rogue := who{rogueAdmin, victimHost.name, localSID, false}
	for i := 0; i < 6; i++ {
		out = append(out, g.logonRow(r, winLogon{h: fileServer, at: g.ago(tBeacon - 10*time.Minute - time.Duration(i)*20*time.Second),
			id: 4625, target: rogue, logonType: 3, ip: victimIP, ws: victimHost.name, status: "0xc000006d", subStatus: "0xc0000064"}))
	}

	// svc-sql with an expired password (incidents 108 and 120).
	for _, x := range []struct {
		at time.Duration
		n  int
	}{{7*day + 22*hour, 60}, {36 * hour, 55}} {
		for i := 0; i < x.n; i++ {
			out = append(out, g.logonRow(r, winLogon{h: sqlServer, at: g.ago(x.at - time.Duration(i)*time.Hour/time.Duration(x.n)),
				id: 4625, target: whoSvcSQL, logonType: 5, status: "0xc000006d", subStatus: "0xc0000071"}))
		}
	}
	// The penetration tester guesses administrator passwords on SRV-APP-01 (incident 109).
	for i := 0; i < 30; i++ {
		name := []string{"administrator", "admin", "guest", "backup"}[i%4]
		out = append(out, g.logonRow(r, winLogon{h: appServer, at: g.ago(7*day + 5*hour - time.Duration(i)*time.Minute),
			id: 4625, target: who{name, appServer.name, "S-1-0-0", false}, logonType: 3, ip: pentestIP, ws: "kali",
			status: "0xc000006d", subStatus: "0xc000006a"}))
	}
	// Grace's RDP session to DC01 (incident 113).
	out = append(out, g.logonRow(r, winLogon{h: dc01, at: g.ago(4*day + 9*hour), id: 4624, target: domainUser(grace),
		logonType: 10, ip: "10.0.2.28", ws: "WKS-IT-08", logonID: "0x9f1a22"}))
	// The helpdesk's everyday directory work, logged where the directory
	// lives, on DC01: Mike gives Laura the finance share and takes Kevin out
	// of the printer group (global groups, so events only a domain
	// controller logs). In Seattle's working hours.
	for _, x := range []struct {
		id     int
		at     time.Duration
		member user
		group  string
		rid    int
	}{
		{4728, 6*day - 17*hour, laura, "Finance-Share-RW", 1402},
		{4729, 3*day - 18*hour, userByName("kevin.obrien"), "Seattle-Printers", 1407},
	} {
		e := g.secBase(r, dc01, g.ago(x.at), x.id)
		e["Account"], e["AccountType"] = domainUser(mike).qualified(), "User"
		e["SubjectUserName"], e["SubjectDomainName"], e["SubjectUserSid"], e["SubjectLogonId"] = mike.sam, ntDomain, mike.sid(), "0x2a41c7"
		e["MemberName"] = "CN=" + x.member.display + ",OU=" + x.member.dept + ",OU=Staff,DC=contoso-demo,DC=example"
		e["MemberSid"] = x.member.sid()
		e["TargetUserName"], e["TargetDomainName"], e["TargetSid"] = x.group, ntDomain, domainSID+"-"+itoa(x.rid)
		e["TargetAccount"] = ntDomain + `\` + x.group
		out = append(out, e)
	}
	// Mike's patch-compliance script (incident 112) and svc-sql's sqlcmd (incident 127).
	out = append(out, g.processRow(r, winProcess{h: itWks, at: g.ago(5*day + 3*hour), subject: domainUser(mike), logonID: "0x1c2d3e",
		image: psPath, cmd: `powershell.exe -ExecutionPolicy Bypass -File \\SRV-FILE-01\it$\Get-PatchCompliance.ps1`,
		parent: explorerPath, pid: 8812, ppid: 4120, elevated: true}))
	out = append(out, g.processRow(r, winProcess{h: sqlServer, at: g.ago(6 * hour), subject: whoSvcSQL,
		image: `C:\Program Files\Microsoft SQL Server\Client SDK\ODBC\170\Tools\Binn\SQLCMD.EXE`,
		cmd:   `SQLCMD.EXE -S localhost -E -i C:\Jobs\reindex.sql`, parent: `C:\Windows\System32\cmd.exe`, pid: 6120, ppid: 6088}))
	return out
}

func (g *gen) securityEvents() error {
	r := g.id.rng(TableSecurityEvent)
	for _, rec := range g.storySecurityEvents(r) {
		if err := g.emit(TableSecurityEvent, rec); err != nil {
			return err
		}
	}
	fileServers := []host{fileServer, appServer, dc01, sqlServer}
	for i, n := 0, g.volume(volSecEvent); i < n; i++ {
		var rec map[string]any
		switch x := r.IntN(100); {
		case x < 42: // a process
			h := pick(r, windowsHosts)
			p := hostProcs[h.name].pick(r)
			subject, at := whoSystem, g.anytime(r)
			switch p.as {
			case "user":
				if u, ok := ownerOf(h); ok {
					subject, at = domainUser(u), g.workday(r, u.site)
				}
			case "LOCAL SERVICE":
				subject = whoLocal
			case "NETWORK SERVICE":
				subject = whoNetwork
			}
			rec = g.processRow(r, winProcess{h: h, at: at, subject: subject, image: p.image, cmd: p.cmd, parent: p.parent,
				pid: 1000 + r.Int64N(30000), ppid: 500 + r.Int64N(9000)})
		case x < 58: // a user logs on to their own workstation
			h := pick(r, workstations)
			u, _ := ownerOf(h)
			lt := []int{2, 7, 7, 11}[r.IntN(4)]
			rec = g.logonRow(r, winLogon{h: h, at: g.workday(r, u.site), id: 4624, target: domainUser(u), logonType: lt,
				ip: "127.0.0.1", ws: h.name})
		case x < 68: // a network logon to a server
			h := pick(r, fileServers)
			u := pick(r, staff)
			wks := workstationOf(u.sam)
			rec = g.logonRow(r, winLogon{h: h, at: g.workday(r, u.site), id: 4624, target: domainUser(u), logonType: 3,
				ip: wks.ip, ws: wks.name, kerberos: r.IntN(5) > 0})
		case x < 74: // a service logon
			h := pick(r, windowsHosts)
			rec = g.logonRow(r, winLogon{h: h, at: g.anytime(r), id: 4624, target: whoSystem, logonType: 5})
		case x < 82: // a logoff
			h := pick(r, workstations)
			u, _ := ownerOf(h)
			rec = g.logonRow(r, winLogon{h: h, at: g.workday(r, u.site), id: 4634, target: domainUser(u), logonType: 7})
		case x < 88: // special privileges
			h := pick(r, windowsHosts)
			rec = g.secBase(r, h, g.anytime(r), 4672)
			rec["Account"], rec["AccountType"] = whoSystem.qualified(), "User"
			rec["SubjectUserName"], rec["SubjectDomainName"], rec["SubjectUserSid"] = "SYSTEM", "NT AUTHORITY", "S-1-5-18"
			rec["SubjectLogonId"] = "0x3e7"
			rec["PrivilegeList"] = "SeAssignPrimaryTokenPrivilege\r\n\t\t\tSeTcbPrivilege\r\n\t\t\tSeSecurityPrivilege\r\n\t\t\tSeBackupPrivilege"
		case x < 97: // Kerberos on the domain controller
			u := pick(r, staff)
			wks := workstationOf(u.sam)
			id := 4768
			if r.IntN(3) > 0 {
				id = 4769
			}
			rec = g.secBase(r, dc01, g.workday(r, u.site), id)
			rec["Account"], rec["AccountType"] = u.upn(), "User"
			rec["TargetUserName"], rec["TargetDomainName"], rec["TargetUserSid"] = u.sam, ntDomain, u.sid()
			rec["IpAddress"], rec["IpPort"] = "::ffff:"+wks.ip, itoa(49152+r.IntN(16000))
			rec["Status"] = "0x0"
			rec["TicketEncryptionType"], rec["TicketOptions"] = "0x12", "0x40810010"
			if id == 4769 {
				rec["ServiceName"] = pick(r, []string{"SRV-FILE-01$", "SRV-APP-01$", "krbtgt", "SRV-SQL-01$"})
			}
		default: // a mistyped password
			h := pick(r, workstations)
			u, _ := ownerOf(h)
			rec = g.logonRow(r, winLogon{h: h, at: g.workday(r, u.site), id: 4625, target: domainUser(u), logonType: 2,
				ip: "127.0.0.1", ws: h.name, status: "0xc000006d", subStatus: "0xc000006a"})
		}
		if err := g.emit(TableSecurityEvent, rec); err != nil {
			return err
		}
	}
	return nil
}

// --- Heartbeat ----------------------------------------------------------------

func (g *gen) heartbeat() error {
	every := g.every(heartbeatEvery)
	for _, h := range hosts {
		computerIP := h.ip
		var remote []any
		env, category, version := "Non-Azure", "Azure Monitor Agent", "1.21.0"
		resourceID := ""
		if h.cloud {
			env, resourceID = "Azure", g.vmResourceID(h)
			if h.public != "" {
				computerIP = h.public
			}
		}
		if h.isWindows() && h.role == "Workstation" {
			category, version = "Direct Agent", "10.20.18069.0"
		}
		var country, lat, lon any
		if l, ok := geoOf(computerIP); ok {
			country, lat, lon = l.Country, l.Latitude, l.Longitude
		}
		remote = []any{h.ip}
		phase := time.Duration(g.id.num("heartbeat/"+h.name, int64(every)))
		for t := g.now.Add(-phase); !t.Before(g.start); t = t.Add(-every) {
			rec := map[string]any{
				"TenantId":            g.tenant,
				"SourceSystem":        "OpsManager",
				"TimeGenerated":       t,
				"SourceComputerId":    g.agentID(h),
				"ComputerIP":          computerIP,
				"ComputerPrivateIPs":  remote,
				"Computer":            h.computer(),
				"Category":            category,
				"OSType":              h.os.family,
				"OSName":              h.os.name,
				"OSMajorVersion":      h.os.major,
				"OSMinorVersion":      h.os.minor,
				"Version":             version,
				"SCAgentChannel":      "Direct",
				"IsGatewayInstalled":  false,
				"RemoteIPCountry":     country,
				"RemoteIPLatitude":    lat,
				"RemoteIPLongitude":   lon,
				"ComputerEnvironment": env,
				"ResourceId":          resourceID,
				"ResourceGroup":       resourceGroupOf(resourceID),
				"SubscriptionId":      subscriptionOf(resourceID, g),
				"Solutions":           `"security", "changeTracking", "securityInsights"`,
				"VMUUID":              g.id.guid("vmuuid/" + h.name),
				"Type":                TableHeartbeat,
			}
			if err := g.emit(TableHeartbeat, rec); err != nil {
				return err
			}
		}
	}
	return nil
}

func resourceGroupOf(resourceID string) string {
	if resourceID == "" {
		return ""
	}
	parts := strings.Split(resourceID, "/")
	for i, p := range parts {
		if strings.EqualFold(p, "resourceGroups") && i+1 < len(parts) {
			return parts[i+1]
		}
	}
	return ""
}

func subscriptionOf(resourceID string, g *gen) string {
	if resourceID == "" {
		return ""
	}
	return g.ws.subscriptionID
}

// --- Defender for Endpoint ----------------------------------------------------

// mac returns the MAC address of a host's adapter.
func (g *gen) mac(h host) string {
	x := g.id.hex("mac/"+h.name, 6)
	return strings.ToUpper("3C-52-82-" + x[0:2] + "-" + x[2:4] + "-" + x[4:6])
}

func (g *gen) deviceName(h host) string { return lower(h.computer()) }

func (g *gen) deviceInfo() error {
	every := g.every(deviceInfoEvery)
	for _, h := range mdeHosts {
		var logged []any
		if u, ok := ownerOf(h); ok {
			logged = []any{map[string]any{"UserName": u.sam, "DomainName": ntDomain, "Sid": u.sid()}}
		} else {
			logged = []any{}
		}
		deviceType := "Workstation"
		if h.role != "Workstation" {
			deviceType = "Server"
		}
		phase := time.Duration(g.id.num("deviceinfo/"+h.name, int64(every)))
		for t := g.now.Add(-phase); !t.Before(g.start); t = t.Add(-every) {
			rec := map[string]any{
				"TenantId":          g.tenant,
				"SourceSystem":      "",
				"TimeGenerated":     t,
				"Timestamp":         t,
				"DeviceId":          g.deviceID(h),
				"DeviceName":        g.deviceName(h),
				"ClientVersion":     "10.8760.22621.3593",
				"PublicIP":          officeSeattleIP,
				"OSArchitecture":    "64-bit",
				"OSPlatform":        h.os.platform,
				"OSBuild":           int64(atoiSafe(h.os.build)),
				"OSVersion":         h.os.version,
				"OSDistribution":    h.os.distro,
				"IsAzureADJoined":   h.role == "Workstation",
				"JoinType":          "Hybrid Azure AD Join",
				"AadDeviceId":       g.id.guid("aaddevice/" + h.name),
				"LoggedOnUsers":     logged,
				"MachineGroup":      "Contoso Demo",
				"OnboardingStatus":  "Onboarded",
				"DeviceCategory":    "Endpoint",
				"DeviceType":        deviceType,
				"SensorHealthState": "Active",
				"ExposureLevel":     "Medium",
				"AssetValue":        "Normal",
				"Vendor":            "Example Computers",
				"Model":             "Demo 7440",
				"ReportId":          int64(t.Unix() % 100000),
				"Type":              TableDeviceInfo,
			}
			if h.role == "Workstation" && siteOfOwner(h) == siteLondon {
				rec["PublicIP"] = officeLondonIP
			}
			if err := g.emit(TableDeviceInfo, rec); err != nil {
				return err
			}
		}
	}
	return nil
}

func siteOfOwner(h host) site {
	if u, ok := ownerOf(h); ok {
		return u.site
	}
	return siteSeattle
}

func atoiSafe(s string) int {
	n := 0
	for _, c := range s {
		if c < '0' || c > '9' {
			return n
		}
		n = n*10 + int(c-'0')
	}
	return n
}

func (g *gen) deviceNetworkInfo() error {
	every := g.every(deviceInfoEvery)
	for _, h := range mdeHosts {
		prefix := h.ip[:strings.LastIndexByte(h.ip, '.')]
		addrs := []any{
			map[string]any{"IPAddress": h.ip, "SubnetPrefix": int64(24), "AddressType": "Private"},
			map[string]any{"IPAddress": "fe80::" + g.id.hex("ll/"+h.name, 4) + ":" + g.id.hex("ll2/"+h.name, 4), "SubnetPrefix": int64(64), "AddressType": "LinkLocal"},
		}
		gateway := []any{prefix + ".254"}
		dnsServers := []any{dcIP}
		networks := []any{map[string]any{"Name": tenantDomain, "Description": tenantDomain, "IsConnectedToInternet": true, "Category": "Domain"}}
		phase := time.Duration(g.id.num("devicenet/"+h.name, int64(every)))
		for t := g.now.Add(-phase); !t.Before(g.start); t = t.Add(-every) {
			rec := map[string]any{
				"TenantId":             g.tenant,
				"SourceSystem":         "",
				"TimeGenerated":        t,
				"Timestamp":            t,
				"DeviceId":             g.deviceID(h),
				"DeviceName":           g.deviceName(h),
				"NetworkAdapterName":   "Ethernet",
				"NetworkAdapterType":   "Ethernet",
				"NetworkAdapterStatus": "Up",
				"NetworkAdapterVendor": "Example Networks",
				"MacAddress":           g.mac(h),
				"IPAddresses":          addrs,
				"IPv4Dhcp":             prefix + ".254",
				"IPv6Dhcp":             "",
				"DefaultGateways":      gateway,
				"DnsAddresses":         dnsServers,
				"ConnectedNetworks":    networks,
				"TunnelType":           "None",
				"ReportId":             int64(t.Unix() % 100000),
				"Type":                 TableDeviceNetworkInfo,
			}
			if err := g.emit(TableDeviceNetworkInfo, rec); err != nil {
				return err
			}
		}
	}
	return nil
}

// devProc is one DeviceProcessEvents row.
type devProc struct {
	h         host
	at        time.Time
	account   who
	upn       string
	image     string
	cmd       string
	pid, ppid int64
	parent    string
	parentCmd string
	sha256    string
	integrity string
	elevation string
	extra     map[string]any
}

func (g *gen) devProcRow(r *rand.Rand, p devProc) map[string]any {
	sha := p.sha256
	if sha == "" {
		sha = g.hashOf(p.image)
	}
	sha1, md5 := g.hashOf("sha1:" + p.image)[:40], g.hashOf("md5:" + p.image)[:32]
	if sha == payloadSHA256 {
		sha1, md5 = payloadSHA1, payloadMD5
	}
	integrity, elevation := p.integrity, p.elevation
	if integrity == "" {
		integrity, elevation = "Medium", "TokenElevationTypeLimited"
		if p.account.sid == whoSystem.sid {
			integrity, elevation = "System", "TokenElevationTypeDefault"
		}
	}
	at := any(p.at)
	rec := map[string]any{
		"TenantId":                        g.tenant,
		"SourceSystem":                    "",
		"TimeGenerated":                   at,
		"Timestamp":                       at,
		"DeviceId":                        g.hv(p.h).deviceID,
		"DeviceName":                      g.hv(p.h).deviceName,
		"ActionType":                      "ProcessCreated",
		"FileName":                        winBase(p.image),
		"FolderPath":                      p.image,
		"SHA1":                            sha1,
		"SHA256":                          sha,
		"MD5":                             md5,
		"FileSize":                        int64(100000 + r.IntN(4000000)),
		"ProcessId":                       p.pid,
		"ProcessCommandLine":              p.cmd,
		"ProcessIntegrityLevel":           integrity,
		"ProcessTokenElevation":           elevation,
		"ProcessCreationTime":             p.at,
		"AccountDomain":                   lower(p.account.domain),
		"AccountName":                     lower(p.account.name),
		"AccountSid":                      p.account.sid,
		"AccountUpn":                      p.upn,
		"LogonId":                         int64(0),
		"InitiatingProcessFileName":       winBase(p.parent),
		"InitiatingProcessFolderPath":     p.parent,
		"InitiatingProcessCommandLine":    p.parentCmd,
		"InitiatingProcessId":             p.ppid,
		"InitiatingProcessSHA256":         g.hashOf(p.parent),
		"InitiatingProcessAccountName":    lower(p.account.name),
		"InitiatingProcessAccountDomain":  lower(p.account.domain),
		"InitiatingProcessIntegrityLevel": integrity,
		"ReportId":                        int64(r.IntN(100000)),
		"Type":                            TableDeviceProcessEvents,
	}
	if p.parent == updaterPath {
		rec["InitiatingProcessSHA256"] = payloadSHA256
	}
	for k, v := range p.extra {
		rec[k] = v
	}
	return rec
}

func (g *gen) deviceProcessEvents() error {
	r := g.id.rng(TableDeviceProcessEvents)
	samW := domainUser(sam)
	cmdOf := map[string]string{outlookPath: `"` + outlookPath + `"`}
	for _, s := range implantChain {
		cmdOf[s.image] = s.cmd
	}
	for _, s := range implantChain {
		sha := ""
		switch s.image {
		case updaterPath:
			sha = payloadSHA256
		}
		integ, elev := "", ""
		if s.elevated {
			integ, elev = "High", "TokenElevationTypeFull"
		}
		if err := g.emit(TableDeviceProcessEvents, g.devProcRow(r, devProc{h: victimHost, at: g.ago(s.age), account: samW,
			upn: sam.upn(), image: s.image, cmd: s.cmd, pid: s.pid, ppid: s.ppid, parent: s.parent, parentCmd: cmdOf[s.parent],
			sha256: sha, integrity: integ, elevation: elev})); err != nil {
			return err
		}
	}
	story := []devProc{
		{h: hostByName("WKS-SAL-04"), at: g.ago(14*hour + time.Minute), account: domainUser(bob), upn: bob.upn(),
			image: `C:\Users\bob.nguyen\Downloads\FreePDFConverterSetup.exe`, cmd: `"FreePDFConverterSetup.exe"`, pid: 9044, ppid: 3312,
			parent: `C:\Program Files (x86)\Microsoft\Edge\Application\msedge.exe`, sha256: puaSHA256},
		{h: itWks, at: g.ago(5*day + 3*hour), account: domainUser(mike), upn: mike.upn(), image: psPath,
			cmd: `powershell.exe -ExecutionPolicy Bypass -File \\SRV-FILE-01\it$\Get-PatchCompliance.ps1`, pid: 8812, ppid: 4120,
			parent: explorerPath, integrity: "High", elevation: "TokenElevationTypeFull"},
		{h: itWks, at: g.ago(13*day + 20*hour + 30*time.Second), account: domainUser(mike), upn: mike.upn(),
			image: `C:\Users\mike.adams\Downloads\eicar.com`, cmd: `eicar.com`, pid: 7720, ppid: 4120, parent: explorerPath, sha256: eicarSHA256},
	}
	for _, p := range story {
		if err := g.emit(TableDeviceProcessEvents, g.devProcRow(r, p)); err != nil {
			return err
		}
	}
	for i, n := 0, g.volume(volDevProcess); i < n; i++ {
		h := pick(r, mdeHosts)
		p := hostProcs[h.name].pick(r)
		account, at, upn := whoSystem, g.anytime(r), ""
		switch p.as {
		case "user":
			if u, ok := ownerOf(h); ok {
				account, at, upn = domainUser(u), g.workday(r, u.site), u.upn()
			}
		case "LOCAL SERVICE":
			account = whoLocal
		case "NETWORK SERVICE":
			account = whoNetwork
		}
		if err := g.emit(TableDeviceProcessEvents, g.devProcRow(r, devProc{h: h, at: at, account: account, upn: upn,
			image: p.image, cmd: p.cmd, pid: 1000 + r.Int64N(30000), ppid: 500 + r.Int64N(9000), parent: p.parent,
			sha256: p.sha256})); err != nil {
			return err
		}
	}
	return nil
}

// devLogon is one DeviceLogonEvents row.
type devLogon struct {
	h         host
	at        time.Time
	account   who
	action    string // LogonSuccess, LogonFailed
	logonType string // Interactive, Network, RemoteInteractive, Unlock
	remoteIP  string
	remote    string // remote device name
	failure   string
	protocol  string
}

func (g *gen) devLogonRow(r *rand.Rand, l devLogon) map[string]any {
	ipType := "Private"
	switch {
	case l.remoteIP == "":
		ipType = ""
	case l.remoteIP == "127.0.0.1" || l.remoteIP == "::1":
		ipType = "Loopback"
	default:
		if _, ok := geoOf(l.remoteIP); ok {
			ipType = "Public"
		}
	}
	var port any
	if l.remoteIP != "" && ipType != "Loopback" {
		port = int64(49152 + r.IntN(16000))
	}
	at := any(l.at)
	return map[string]any{
		"TenantId":                  g.tenant,
		"SourceSystem":              "",
		"TimeGenerated":             at,
		"Timestamp":                 at,
		"DeviceId":                  g.hv(l.h).deviceID,
		"DeviceName":                g.hv(l.h).deviceName,
		"ActionType":                l.action,
		"LogonType":                 l.logonType,
		"AccountDomain":             lower(l.account.domain),
		"AccountName":               lower(l.account.name),
		"AccountSid":                l.account.sid,
		"Protocol":                  l.protocol,
		"FailureReason":             l.failure,
		"IsLocalAdmin":              l.account.sid == whoSystem.sid,
		"LogonId":                   int64(r.IntN(10000000)),
		"RemoteDeviceName":          l.remote,
		"RemoteIP":                  l.remoteIP,
		"RemoteIPType":              ipType,
		"RemotePort":                port,
		"InitiatingProcessFileName": "lsass.exe",
		"ReportId":                  int64(r.IntN(100000)),
		"Type":                      TableDeviceLogonEvents,
	}
}

func (g *gen) deviceLogonEvents() error {
	r := g.id.rng(TableDeviceLogonEvents)
	story := []devLogon{
		{h: victimHost, at: g.ago(tPhishOpen + 3*hour), account: domainUser(sam), action: "LogonSuccess", logonType: "Interactive",
			remoteIP: "127.0.0.1", protocol: "Negotiate"},
		{h: dc01, at: g.ago(4*day + 9*hour), account: domainUser(grace), action: "LogonSuccess", logonType: "RemoteInteractive",
			remoteIP: "10.0.2.28", remote: "wks-it-08", protocol: "Kerberos"},
	}
	for i := 0; i < 6; i++ {
		story = append(story, devLogon{h: fileServer, at: g.ago(tBeacon - 10*time.Minute - time.Duration(i)*20*time.Second),
			account: who{rogueAdmin, victimHost.name, victimHost.localSID(1009), false}, action: "LogonFailed", logonType: "Network",
			remoteIP: victimIP, remote: lower(victimHost.name), failure: "InvalidUserNameOrPassword", protocol: "NTLM"})
	}
	for i := 0; i < 30; i++ {
		story = append(story, devLogon{h: appServer, at: g.ago(7*day + 5*hour - time.Duration(i)*time.Minute),
			account: who{[]string{"administrator", "admin", "guest", "backup"}[i%4], lower(appServer.name), "", false},
			action:  "LogonFailed", logonType: "Network", remoteIP: pentestIP, remote: "kali", failure: "InvalidUserNameOrPassword", protocol: "NTLM"})
	}
	for _, l := range story {
		if err := g.emit(TableDeviceLogonEvents, g.devLogonRow(r, l)); err != nil {
			return err
		}
	}
	fileServers := []host{fileServer, appServer, sqlServer}
	for i, n := 0, g.volume(volDevLogon); i < n; i++ {
		var l devLogon
		if r.IntN(3) > 0 {
			h := pick(r, workstations)
			u, _ := ownerOf(h)
			l = devLogon{h: h, at: g.workday(r, u.site), account: domainUser(u), action: "LogonSuccess",
				logonType: pick(r, []string{"Interactive", "Unlock", "Unlock", "CachedInteractive"}), remoteIP: "127.0.0.1", protocol: "Negotiate"}
			if r.IntN(40) == 0 {
				l.action, l.failure = "LogonFailed", "InvalidUserNameOrPassword"
			}
		} else {
			h := pick(r, fileServers)
			u := pick(r, staff)
			wks := workstationOf(u.sam)
			l = devLogon{h: h, at: g.workday(r, u.site), account: domainUser(u), action: "LogonSuccess", logonType: "Network",
				remoteIP: wks.ip, remote: lower(wks.name), protocol: "Kerberos"}
		}
		if err := g.emit(TableDeviceLogonEvents, g.devLogonRow(r, l)); err != nil {
			return err
		}
	}
	return nil
}

// devConn is one DeviceNetworkEvents row.
type devConn struct {
	h          host
	at         time.Time
	action     string // ConnectionSuccess, ConnectionFailed, InboundConnectionAccepted
	remoteIP   string
	remotePort int
	remoteURL  string
	localPort  int
	process    string // full path of the initiating process
	account    who
	sha256     string
	cmd        string
}

func (g *gen) devConnRow(r *rand.Rand, c devConn) map[string]any {
	remoteType := "Private"
	if _, ok := geoOf(c.remoteIP); ok {
		remoteType = "Public"
	}
	local := c.localPort
	if local == 0 {
		local = 49152 + r.IntN(16000)
	}
	sha := c.sha256
	if sha == "" {
		sha = g.hashOf(c.process)
	}
	at := any(c.at)
	return map[string]any{
		"TenantId":                       g.tenant,
		"SourceSystem":                   "",
		"TimeGenerated":                  at,
		"Timestamp":                      at,
		"DeviceId":                       g.hv(c.h).deviceID,
		"DeviceName":                     g.hv(c.h).deviceName,
		"ActionType":                     c.action,
		"RemoteIP":                       c.remoteIP,
		"RemotePort":                     int64(c.remotePort),
		"RemoteUrl":                      c.remoteURL,
		"RemoteIPType":                   remoteType,
		"LocalIP":                        c.h.ip,
		"LocalPort":                      int64(local),
		"LocalIPType":                    "Private",
		"Protocol":                       "Tcp",
		"InitiatingProcessFileName":      winBase(c.process),
		"InitiatingProcessFolderPath":    lower(c.process),
		"InitiatingProcessCommandLine":   c.cmd,
		"InitiatingProcessSHA256":        sha,
		"InitiatingProcessAccountName":   lower(c.account.name),
		"InitiatingProcessAccountDomain": lower(c.account.domain),
		"InitiatingProcessAccountSid":    c.account.sid,
		"ReportId":                       int64(r.IntN(100000)),
		"Type":                           TableDeviceNetworkEvents,
	}
}

func (g *gen) deviceNetworkEvents() error {
	r := g.id.rng(TableDeviceNetworkEvents)
	samW := domainUser(sam)
	ps := stepByPID(10244)
	story := []devConn{
		// The stager downloads the payload.
		{h: victimHost, at: g.ago(tExec - 3*time.Second), action: "ConnectionSuccess", remoteIP: phishHostIP, remotePort: 80,
			remoteURL: payloadDomain, process: psPath, account: samW, cmd: ps.cmd},
		// Laura clicks the link in her copy of the phishing mail.
		{h: workstationOf(laura.sam), at: g.ago(tPhishSend - 20*time.Minute), action: "ConnectionSuccess", remoteIP: phishHostIP,
			remotePort: 443, remoteURL: phishDomain, process: `C:\Program Files (x86)\Microsoft\Edge\Application\msedge.exe`, account: domainUser(laura)},
	}
	// The implant beacons every five minutes until now.
	for d := tBeacon; d > 0; d -= beaconEvery {
		story = append(story, devConn{h: victimHost, at: g.jitter(r, g.ago(d), 10*time.Second), action: "ConnectionSuccess",
			remoteIP: c2IP, remotePort: 443, remoteURL: c2Domain, process: updaterPath, account: samW, sha256: payloadSHA256,
			cmd: `"` + updaterPath + `" /silent`})
	}
	// The penetration test's connections to SRV-APP-01.
	for i, port := range []int{21, 22, 80, 135, 139, 443, 445, 1433, 3389, 5985, 8080, 8443} {
		story = append(story, devConn{h: appServer, at: g.ago(7*day + 5*hour - time.Duration(i)*2*time.Minute), action: "InboundConnectionAccepted",
			remoteIP: pentestIP, remotePort: 40000 + i, localPort: port, process: `C:\Windows\System32\svchost.exe`, account: whoNetwork})
	}
	for _, c := range story {
		if err := g.emit(TableDeviceNetworkEvents, g.devConnRow(r, c)); err != nil {
			return err
		}
	}
	internal := []struct {
		ip   string
		port int
	}{{dcIP, 389}, {dcIP, 88}, {dcIP, 445}, {"10.0.0.6", 445}, {appServerIP, 443}, {"10.0.0.5", 1433}}
	for i, n := 0, g.volume(volDevNetwork); i < n; i++ {
		h := pick(r, mdeHosts)
		c := devConn{h: h, action: "ConnectionSuccess", account: whoSystem}
		u, isWks := ownerOf(h)
		if isWks {
			c.at, c.account = g.workday(r, u.site), domainUser(u)
		} else {
			c.at = g.anytime(r)
		}
		if r.IntN(3) > 0 {
			s := pick(r, saasServices)
			c.remoteIP, c.remotePort, c.remoteURL = s.ip, 443, s.domain
			c.process = processPathFor(s.app)
			if r.IntN(50) == 0 {
				c.action = "ConnectionFailed"
			}
		} else {
			dst := pick(r, internal)
			c.remoteIP, c.remotePort = dst.ip, dst.port
			c.process = `C:\Windows\System32\svchost.exe`
			if dst.ip == h.ip {
				c.remoteIP = dcIP
			}
		}
		if err := g.emit(TableDeviceNetworkEvents, g.devConnRow(r, c)); err != nil {
			return err
		}
	}
	return nil
}

// processPathFor maps a process name to its path on a workstation.
func processPathFor(name string) string {
	switch name {
	case "OUTLOOK.EXE":
		return outlookPath
	case "msedge.exe":
		return `C:\Program Files (x86)\Microsoft\Edge\Application\msedge.exe`
	case "chrome.exe":
		return `C:\Program Files\Google\Chrome\Application\chrome.exe`
	case "OneDrive.exe":
		return `C:\Program Files\Microsoft OneDrive\OneDrive.exe`
	case "ms-teams.exe":
		return `C:\Program Files\WindowsApps\MSTeams_24102.2223.2870.9480_x64__8wekyb3d8bbwe\ms-teams.exe`
	case "MsMpEng.exe":
		return `C:\ProgramData\Microsoft\Windows Defender\Platform\4.18.24030.9-0\MsMpEng.exe`
	case "node.exe":
		return `C:\Program Files\nodejs\node.exe`
	case "python.exe":
		return `C:\Program Files\Python312\python.exe`
	}
	return `C:\Windows\System32\svchost.exe`
}
