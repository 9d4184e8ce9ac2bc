package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/triage-dev/triage/internal/workspace/local"
)

// hostileStrings are attacker-controlled values: each must show as text,
// never become markup, script or a link, and never break the page's layout
// beyond its own box.
var hostileStrings = []string{
	`<script>alert("h1")</script>`,
	`"><img src=x onerror=alert('h2')>`,
	`' onmouseover='alert(3)' x='`,
	`javascript:alert(4)`,
	`<svg onload=alert(5)><circle r="40"/></svg>`,
	`<a href="javascript:alert(6)">click me</a>`,
	"broken \xff\xfe UTF-8 \xc3\x28 here",
	"invoice\u202egpj.exe\u202c and \u2067isolated\u2069",
	strings.Repeat("A", 100*1024),
	`</textarea></title></style><script>alert(9)</script>`,
	`<style>body{display:none}</style><iframe src="javascript:alert(10)"></iframe>`,
	`{{.}} ${alert(11)} #{alert(12)} %3Cscript%3Ealert(13)%3C/script%3E`,
	"multi\nline\r\n<b>bold</b>\ttab",
	`<math><mi xlink:href="javascript:alert(14)">x</mi></math>`,
	invisibleHostile,
}

// hostileNumbers are the incidents of the hostile workspace: one per
// string, numbered from 1; incident 1 also carries the hostile entities.
func hostileNumbers() []int {
	ns := make([]int, len(hostileStrings))
	for i := range ns {
		ns[i] = i + 1
	}
	return ns
}

// hostileWorkspace builds a local workspace whose incidents have hostile
// titles, owners, labels and descriptions, and whose first incident's
// alert names entities with hostile values: host and account names, URLs,
// a command line, a file name, a domain.
func hostileWorkspace(ctx context.Context) (*local.Workspace, error) {
	ws, err := local.Open(ctx, "hostile", ":memory:", nil)
	if err != nil {
		return nil, err
	}
	t0 := testNow.Add(-20 * time.Hour)
	var incidents, alerts []map[string]any
	for i, h := range hostileStrings {
		n := i + 1
		name := fmt.Sprintf("0b1c6a3e-5d4f-4e8a-9a51-%012d", n)
		alertID := fmt.Sprintf("a1a1a1a1-0000-4000-8000-%012d", n)
		created := t0.Add(time.Duration(i) * 30 * time.Minute)
		incidents = append(incidents, map[string]any{
			"TimeGenerated": created, "IncidentName": name, "IncidentNumber": n,
			"Title": h, "Description": "Description: " + h,
			"Severity": []string{"High", "Medium", "Low", "Informational"}[i%4], "Status": "New",
			"Owner":       map[string]any{"assignedTo": h, "email": "x@contoso.com", "userPrincipalName": "x@contoso.com"},
			"Labels":      []any{map[string]any{"labelName": h, "labelType": "User"}},
			"CreatedTime": created, "FirstActivityTime": created.Add(-time.Hour), "LastActivityTime": created,
			"LastModifiedTime": created, "AlertIds": []any{alertID}, "ProviderName": "Azure Sentinel",
			"IncidentUrl":    "javascript:alert('url')",
			"AdditionalData": map[string]any{"alertsCount": 1, "alertProductNames": []any{h}, "tactics": []any{h}},
		})
		var ents []map[string]any
		if n == 1 {
			ents = hostileEntities()
		} else {
			ents = []map[string]any{{"$id": "1", "Type": "host", "HostName": clipTo(h, 2000)}}
		}
		b, _ := json.Marshal(ents)
		ext, _ := json.Marshal(map[string]any{"Command line": h, "Detail": h})
		alerts = append(alerts, map[string]any{
			"TimeGenerated": created, "SystemAlertId": alertID, "DisplayName": h, "AlertName": h,
			"AlertSeverity": "High", "Description": h, "ProviderName": "MDATP", "VendorName": "Microsoft",
			"ProductName": "Microsoft Defender for Endpoint", "AlertType": h,
			"StartTime": created.Add(-time.Hour), "EndTime": created, "Status": "New",
			"CompromisedEntity": h, "Tactics": "Execution", "Techniques": `["T1059"]`,
			"ExtendedProperties": string(ext),
			"Entities":           string(b),
		})
	}
	err = ws.Load(ctx, func(emit func(string, map[string]any) error) error {
		for _, r := range incidents {
			if err := emit("SecurityIncident", r); err != nil {
				return err
			}
		}
		for _, r := range alerts {
			if err := emit("SecurityAlert", r); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		ws.Close()
		return nil, fmt.Errorf("hostile workspace: %w", err)
	}
	ws.SetClock(func() time.Time { return testNow })
	return ws, nil
}

func clipTo(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// hostileEntities are entities of every often-shown kind with hostile
// values, in SecurityAlert.Entities form.
func hostileEntities() []map[string]any {
	var out []map[string]any
	id := 0
	add := func(m map[string]any) {
		id++
		m["$id"] = fmt.Sprint(id)
		out = append(out, m)
	}
	for i, h := range hostileStrings {
		add(map[string]any{"Type": "host", "HostName": fmt.Sprintf("h%d-%s", i, clipTo(h, 4000)), "DnsDomain": "contoso.com"})
	}
	add(map[string]any{"Type": "account", "Name": hostileStrings[1], "UPNSuffix": "contoso.com"})
	add(map[string]any{"Type": "account", "Name": hostileStrings[7], "NTDomain": "CONTOSO"})
	add(map[string]any{"Type": "url", "Url": "javascript:alert('url-entity')"})
	add(map[string]any{"Type": "url", "Url": "https://evil.example/" + hostileStrings[0]})
	add(map[string]any{"Type": "url", "Url": "https://evil.example/" + strings.Repeat("x", 100*1024)})
	add(map[string]any{"Type": "dns", "DomainName": "xn--80ak6aa92e.example"})
	add(map[string]any{"Type": "ip", "Address": "203.0.113.66"})
	add(map[string]any{"Type": "process", "ProcessId": "4242", "CommandLine": `powershell -enc <script>alert("cmd")</script> "><img src=x onerror=alert(15)>`})
	add(map[string]any{"Type": "file", "Name": "invoice\u202egpj.exe", "Directory": `C:\Users\<svg onload=alert(16)>`})
	add(map[string]any{"Type": "malware", "Name": hostileStrings[4], "Category": hostileStrings[2]})
	return out
}
