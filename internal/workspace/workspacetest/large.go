package workspacetest

import (
	"fmt"
	"strings"
	"time"
)

// ManyEntities returns a SecurityAlert.Entities value naming n distinct
// entities, shaped as Defender alerts name them: hosts, accounts, and
// processes that refer to their host and account by {"$ref": ...} and hold
// their image file (with its hash) inline, addresses, URLs and DNS
// resolutions, in a repeating pattern. seed makes the values distinct from
// another call's. Every entity has an identity, so none merges with another.
func ManyEntities(seed, n int) string {
	var b strings.Builder
	b.WriteString("[")
	id := 0
	next := func() int { id++; return id }
	host, account, ip := 0, 0, 0 // the $id of the latest host, account and address
	for i, slot := 0, 0; i < n; slot++ {
		if i > 0 {
			b.WriteString(",")
		}
		v := seed*1_000_000 + i
		s := slot % 8
		if s == 5 && n-i < 3 {
			s = 2 // no room for a process, its file and hash
		}
		i++
		switch s {
		case 0:
			host = next()
			fmt.Fprintf(&b, `{"$id":"%d","HostName":"host-%d","DnsDomain":"corp.example","OSFamily":"Windows","Type":"host"}`, host, v)
		case 1:
			account = next()
			fmt.Fprintf(&b, `{"$id":"%d","Name":"user%d","UPNSuffix":"contoso.example","NTDomain":"CONTOSO","Type":"account"}`, account, v)
		case 2, 6:
			ip = next()
			fmt.Fprintf(&b, `{"$id":"%d","Address":"%s","Type":"ip"}`, ip, address(v))
		case 3:
			fmt.Fprintf(&b, `{"$id":"%d","Url":"https://site%d.example/path?q=%d","Type":"url"}`, next(), v, v)
		case 4:
			fmt.Fprintf(&b, `{"$id":"%d","DomainName":"name%d.example","IpAddresses":[{"$ref":"%d"}],"Type":"dns"}`, next(), v, ip)
		case 5:
			// A process, its image file and the file's hash: three entities.
			proc, file, hash := next(), next(), next()
			fmt.Fprintf(&b, `{"$id":"%d","ProcessId":"%d","CommandLine":"tool%d.exe --run %d","CreationTimeUtc":"2024-05-01T00:00:00Z",`+
				`"ImageFile":{"$id":"%d","Directory":"C:\\Tools","Name":"tool%d.exe","FileHashes":[{"$id":"%d","Algorithm":"SHA256","Value":"%064x","Type":"filehash"}],"Type":"file"},`+
				`"Host":{"$ref":"%d"},"Account":{"$ref":"%d"},"Type":"process"}`,
				proc, 1000+i, v, v, file, v, hash, v, host, account)
			i += 2
		default:
			fmt.Fprintf(&b, `{"$id":"%d","MailboxPrimaryAddress":"box%d@contoso.example","DisplayName":"Box %d","Type":"mailbox"}`, next(), v, v)
		}
	}
	b.WriteString("]")
	return b.String()
}

// address is a distinct documentation address for v: IPv4 for the first
// values of a seed, IPv6 for the others.
func address(v int) string {
	if v%1_000_000 < 1<<16 && v/1_000_000 < 2 {
		return fmt.Sprintf("198.%d.%d.%d", 18+v/1_000_000, (v>>8)%256, v%256)
	}
	return fmt.Sprintf("2001:db8::%x:%x", v>>16, v&0xffff)
}

// LargeIncident returns records for one incident (number 1, LargeIncidentName)
// of alerts alerts, each naming perAlert entities of its own (ManyEntities),
// at t0.
func LargeIncident(t0 time.Time, alerts, perAlert int) map[string][]map[string]any {
	var ids []any
	var rows []map[string]any
	for i := range alerts {
		id := fmt.Sprintf("b0b0b0b0-0000-4000-8000-%012d", i+1)
		ids = append(ids, id)
		at := t0.Add(time.Duration(i-alerts) * time.Minute)
		rows = append(rows, map[string]any{
			"TimeGenerated": at, "SystemAlertId": id, "AlertName": fmt.Sprintf("Alert %d", i+1),
			"DisplayName": fmt.Sprintf("Alert %d", i+1), "AlertSeverity": "Medium", "StartTime": at, "EndTime": at,
			"Status": "New", "ProviderName": "test", "ProductName": "Microsoft Defender for Endpoint",
			"Entities": ManyEntities(i, perAlert),
		})
	}
	return map[string][]map[string]any{
		"SecurityIncident": {{
			"TimeGenerated": t0, "IncidentName": LargeIncidentName, "IncidentNumber": 1, "Title": "Large incident",
			"Severity": "High", "Status": "New", "CreatedTime": t0, "FirstActivityTime": t0.Add(-time.Duration(alerts) * time.Minute),
			"LastActivityTime": t0, "LastModifiedTime": t0, "AlertIds": ids,
		}},
		"SecurityAlert": rows,
	}
}

// LargeIncidentName is the incident LargeIncident makes.
const LargeIncidentName = "1a1a1a1a-0000-4000-8000-000000000001"
