package triage

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestParseAlertEntitiesMsticpy parses msticpy's entities.json: an object keyed
// by $id, with an image file defined twice inline and $ref links.
func TestParseAlertEntitiesMsticpy(t *testing.T) {
	got, probs := ParseAlertEntities(readTestdata(t, "entities.json"), "entities.json")
	if len(probs) > 0 {
		t.Errorf("problems: %v", probs)
	}
	const (
		host     = "Host:msticalertswin1"
		cmdFile  = `File:c:\windows\system32\cmd.exe`
		cmdProc  = `Process:msticalertswin1|5464||c:\windows\system32\cmd.exe|`
		account  = `Account:workgroup\msticalertswin1$`
		mimiFile = `File:c:\windows\servic~2\networ~1\appdata\local\temp\mimikatz.exe`
		mimiProc = "Process:msticalertswin1|1720|2018-11-15T23:54:29.300019Z"
	)
	want := []Entity{
		{Kind: KindHost, Key: host, Name: "MSTICALERTSWIN1", Properties: map[string]any{
			"hostName": "MSTICALERTSWIN1", "netBiosName": "MSTICALERTSWIN1", "osFamily": "Windows", "isDomainJoined": false,
		}},
		{Kind: KindFile, Key: cmdFile, Name: "cmd.exe", Properties: map[string]any{
			"directory": `c:\windows\system32`, "fileName": "cmd.exe",
		}},
		{Kind: KindProcess, Key: cmdProc, Name: "cmd.exe (pid 0x1558)", Properties: map[string]any{
			"processId": "0x1558",
		}, Links: []Link{{"host", host}, {"imageFile", cmdFile}}},
		{Kind: KindAccount, Key: account, Name: `WORKGROUP\MSTICAlertsWin1$`, Properties: map[string]any{
			"accountName": "MSTICAlertsWin1$", "ntDomain": "WORKGROUP", "sid": "S-1-5-20", "isDomainJoined": true, "logonId": "0x3e4",
		}, Links: []Link{{"host", host}}},
		{Kind: KindFile, Key: mimiFile, Name: "mimikatz.exe", Properties: map[string]any{
			"directory": `c:\windows\servic~2\networ~1\appdata\local\temp`, "fileName": "mimikatz.exe",
		}},
		{Kind: KindProcess, Key: mimiProc, Name: "mimikatz.exe (pid 0x6b8)", Properties: map[string]any{
			"processId": "0x6b8", "commandLine": `.\mimikatz.exe`, "elevationToken": "Default", "creationTimeUtc": "2018-11-15T23:54:29.300019Z",
		}, Links: []Link{{"account", account}, {"host", host}, {"imageFile", mimiFile}, {"parentProcess", cmdProc}}},
		{Kind: KindLogonSession, Key: "HostLogonSession:msticalertswin1|0x3e4", Name: "logon session 0x3e4 on MSTICALERTSWIN1", Properties: map[string]any{
			"sessionId": "0x3e4", "startTimeUtc": "2018-11-15T23:54:29.300019Z", "endTimeUtc": "2018-11-15T23:54:29.300019Z",
		}, Links: []Link{{"account", account}, {"host", host}}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("entities mismatch (-want +got):\n%s", diff)
	}

	// The same entities as a list (the SecurityAlert.Entities form) give the
	// same result.
	var byID map[string]json.RawMessage
	if err := json.Unmarshal(readTestdata(t, "entities.json"), &byID); err != nil {
		t.Fatal(err)
	}
	var list []json.RawMessage
	for _, id := range []string{"3", "4", "5", "6", "7", "8", "9"} {
		list = append(list, byID[id])
	}
	b, _ := json.Marshal(list)
	got2, probs2 := ParseAlertEntities(b, "list")
	if len(probs2) > 0 {
		t.Errorf("problems: %v", probs2)
	}
	if diff := cmp.Diff(want, got2); diff != "" {
		t.Errorf("list form mismatch (-want +got):\n%s", diff)
	}
}

// TestParseAlertEntitiesKinds covers today's entity types and their property
// renames, nested lists of references and inline nested entities.
func TestParseAlertEntitiesKinds(t *testing.T) {
	data := `[
	 {"$id":"1","Type":"ip","Address":"2001:DB8::1","Location":{"$id":"9","CountryCode":"NL","City":"Amsterdam","Asn":1136}},
	 {"$id":"2","Type":"dns","DomainName":"Evil.Example.","IpAddresses":[{"$ref":"1"},{"$id":"3","Type":"ip","Address":"198.51.100.7"}]},
	 {"$id":"4","Type":"filehash","Algorithm":"SHA256","Value":"AA11"},
	 {"$id":"5","Type":"file","Name":"evil.exe","FileHashes":[{"$ref":"4"}]},
	 {"$id":"6","Type":"account","Name":"bob","UPNSuffix":"contoso.com","AadUserId":"u1","Sid":"S-1-5-21-9","NTDomain":"CONTOSO"},
	 {"$id":"7","Type":"mailbox","MailboxPrimaryAddress":"Bob@contoso.com","Upn":"bob@contoso.com","DisplayName":"Bob"},
	 {"$id":"8","Type":"mailMessage","NetworkMessageId":"N1","Recipient":"bob@contoso.com","Subject":"Hi","P1Sender":"a@b.c","Files":[{"$ref":"5"}],"Urls":[{"$id":"10","Type":"url","Url":"https://Evil.Example/a"}]},
	 {"$id":"11","Type":"MailCluster","NetworkMessageIds":["N1","N2"],"Query":"q","Source":"Similar"},
	 {"$id":"12","Type":"SubmissionMail","SubmissionId":"S1","Recipient":"bob@contoso.com","NetworkMessageId":"N1"},
	 {"$id":"13","Type":"cloud-application","AppId":11161,"Name":"Office 365","InstanceName":"Office 365"},
	 {"$id":"14","Type":"azure-resource","ResourceId":"/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/sa1"},
	 {"$id":"15","Type":"malware","Name":"Emotet","Category":"Trojan","Files":[{"$ref":"5"}]},
	 {"$id":"16","Type":"security-group","SID":"S-1-5-32-544","DistinguishedName":"CN=Administrators,CN=Builtin,DC=contoso,DC=com","ObjectGuid":"g1"},
	 {"$id":"17","Type":"iotdevice","DeviceId":"d1","DeviceName":"cam","IoTHub":{"$id":"18","Type":"azure-resource","ResourceId":"/subscriptions/s/hub"},"IpAddress":{"$ref":"3"}},
	 {"$id":"19","Type":"nic","MacAddress":"00:15:5D:00:01:FF","IpAddress":{"$ref":"3"}},
	 {"$id":"20","Type":"network-connection","SourceAddress":{"$ref":"3"},"SourcePort":50000,"DestinationAddress":{"$ref":"1"},"DestinationPort":443,"Protocol":"Tcp"},
	 {"$id":"21","Type":"registry-key","Hive":"HKEY_LOCAL_MACHINE","Key":"SOFTWARE\\Run"},
	 {"$id":"22","Type":"registry-value","Key":{"$ref":"21"},"Name":"evil","Value":"c:\\evil.exe","ValueType":"String"},
	 {"$id":"23","Type":"host","HostName":"vm1","DnsDomain":"contoso.com","OSFamily":"Windows","AzureID":"/subscriptions/s/vm1","OMSAgentID":"o1"}
	]`
	got, probs := ParseAlertEntities([]byte(data), "kinds")
	if len(probs) > 0 {
		t.Errorf("problems: %v", probs)
	}
	type row struct {
		Kind  Kind
		Key   string
		Name  string
		Links []Link
	}
	var rows []row
	for _, e := range got {
		rows = append(rows, row{e.Kind, e.Key, e.Name, e.Links})
	}
	want := []row{
		{KindIP, "Ip:2001:db8::1", "2001:db8::1", nil},
		{KindDNS, "DnsResolution:evil.example", "Evil.Example.", []Link{{"ipAddresses", "Ip:2001:db8::1"}, {"ipAddresses", "Ip:198.51.100.7"}}},
		{KindIP, "Ip:198.51.100.7", "198.51.100.7", nil},
		{KindFileHash, "FileHash:aa11", "sha256 aa11", nil},
		{KindFile, "File:evil.exe|aa11", "evil.exe", []Link{{"fileHashes", "FileHash:aa11"}}},
		{KindAccount, "Account:bob@contoso.com", "bob@contoso.com", nil},
		{KindMailbox, "Mailbox:bob@contoso.com", "Bob@contoso.com", nil},
		{KindMailMessage, "MailMessage:n1|bob@contoso.com", "Hi to bob@contoso.com", []Link{{"files", "File:evil.exe|aa11"}, {"urls", "Url:https://evil.example/a"}}},
		{KindURL, "Url:https://evil.example/a", "https://Evil.Example/a", nil},
		{KindMailCluster, "MailCluster:n1,n2", "mail cluster of 2 messages", nil},
		{KindSubmissionMail, "SubmissionMail:s1|bob@contoso.com", "submission S1 to bob@contoso.com", nil},
		{KindCloudApplication, "CloudApplication:11161", "Office 365", nil},
		{KindAzureResource, "AzureResource:/subscriptions/s/resourcegroups/rg/providers/microsoft.storage/storageaccounts/sa1", "sa1", nil},
		{KindMalware, "Malware:emotet", "Emotet", []Link{{"files", "File:evil.exe|aa11"}}},
		{KindSecurityGroup, "SecurityGroup:S-1-5-32-544", "Administrators", nil},
		{KindIoTDevice, "IoTDevice:d1", "cam", []Link{{"iotHub", "AzureResource:/subscriptions/s/hub"}, {"ipAddress", "Ip:198.51.100.7"}}},
		{KindAzureResource, "AzureResource:/subscriptions/s/hub", "hub", nil},
		{KindNic, "Nic:00:15:5d:00:01:ff", "00:15:5D:00:01:FF", []Link{{"ipAddress", "Ip:198.51.100.7"}}},
		{KindNetworkConnection, "NetworkConnection:198.51.100.7:50000->[2001:db8::1]:443/tcp", "198.51.100.7:50000->[2001:db8::1]:443/tcp",
			[]Link{{"destinationAddress", "Ip:2001:db8::1"}, {"sourceAddress", "Ip:198.51.100.7"}}},
		{KindRegistryKey, `RegistryKey:hkey_local_machine\software\run`, `HKEY_LOCAL_MACHINE\SOFTWARE\Run`, nil},
		{KindRegistryValue, `RegistryValue:hkey_local_machine\software\run\evil`, `HKEY_LOCAL_MACHINE\SOFTWARE\Run\evil`, []Link{{"key", `RegistryKey:hkey_local_machine\software\run`}}},
		{KindHost, "Host:vm1.contoso.com", "vm1.contoso.com", nil},
	}
	if diff := cmp.Diff(want, rows); diff != "" {
		t.Errorf("entities mismatch (-want +got):\n%s", diff)
	}

	// Property names follow the API.
	props := map[Kind]map[string]any{}
	for _, e := range got {
		if _, seen := props[e.Kind]; !seen {
			props[e.Kind] = e.Properties
		}
	}
	wantProps := map[Kind]map[string]any{
		KindIP:                {"address": "2001:DB8::1", "location": map[string]any{"countryCode": "NL", "city": "Amsterdam", "asn": json.Number("1136")}},
		KindDNS:               {"domainName": "Evil.Example."},
		KindFileHash:          {"algorithm": "SHA256", "hashValue": "AA11"},
		KindFile:              {"fileName": "evil.exe"},
		KindAccount:           {"accountName": "bob", "upnSuffix": "contoso.com", "aadUserId": "u1", "sid": "S-1-5-21-9", "ntDomain": "CONTOSO"},
		KindMailbox:           {"mailboxPrimaryAddress": "Bob@contoso.com", "upn": "bob@contoso.com", "displayName": "Bob"},
		KindMailMessage:       {"networkMessageId": "N1", "recipient": "bob@contoso.com", "subject": "Hi", "p1Sender": "a@b.c"},
		KindURL:               {"url": "https://Evil.Example/a"},
		KindMailCluster:       {"networkMessageIds": []any{"N1", "N2"}, "query": "q", "source": "Similar"},
		KindSubmissionMail:    {"submissionId": "S1", "recipient": "bob@contoso.com", "networkMessageId": "N1"},
		KindCloudApplication:  {"appId": json.Number("11161"), "appName": "Office 365", "instanceName": "Office 365"},
		KindAzureResource:     {"resourceId": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/sa1"},
		KindMalware:           {"malwareName": "Emotet", "category": "Trojan"},
		KindSecurityGroup:     {"sid": "S-1-5-32-544", "distinguishedName": "CN=Administrators,CN=Builtin,DC=contoso,DC=com", "objectGuid": "g1"},
		KindIoTDevice:         {"deviceId": "d1", "deviceName": "cam"},
		KindNic:               {"macAddress": "00:15:5D:00:01:FF"},
		KindNetworkConnection: {"sourcePort": json.Number("50000"), "destinationPort": json.Number("443"), "protocol": "Tcp"},
		KindRegistryKey:       {"hive": "HKEY_LOCAL_MACHINE", "key": `SOFTWARE\Run`},
		KindRegistryValue:     {"valueName": "evil", "valueData": `c:\evil.exe`, "valueType": "String"},
		KindHost:              {"hostName": "vm1", "dnsDomain": "contoso.com", "osFamily": "Windows", "azureID": "/subscriptions/s/vm1", "omsAgentID": "o1"},
	}
	if diff := cmp.Diff(wantProps, props); diff != "" {
		t.Errorf("properties mismatch (-want +got):\n%s", diff)
	}
}

// TestParseAlertEntitiesBadInput checks that bad input gives problems naming
// where and what, never a panic, and that the rest is still parsed.
func TestParseAlertEntitiesBadInput(t *testing.T) {
	deep := strings.Repeat(`{"$id":"x","Type":"process","ProcessId":"1","ParentProcess":`, 100) + `{"Type":"process","ProcessId":"2"}` + strings.Repeat("}", 100)
	deepJSON := strings.Repeat("[", 5000) + strings.Repeat("]", 5000)
	var nested strings.Builder
	for i := 0; i < 60; i++ {
		fmt.Fprintf(&nested, `{"$id":"%d","Type":"process","ProcessId":"%d","ParentProcess":`, i+1, i+1)
	}
	nested.WriteString(`{"Type":"process","ProcessId":"999"}`)
	nested.WriteString(strings.Repeat("}", 60))

	tests := []struct {
		name      string
		data      string
		wantKeys  []string
		wantProbs []Problem
		someProbs bool // only check that there are problems, and not too many
	}{
		{
			name:     "empty",
			data:     "  ",
			wantKeys: nil,
		},
		{
			name:     "null",
			data:     "null",
			wantKeys: nil,
		},
		{
			name:      "not JSON",
			data:      "Entities: 10.0.0.1",
			wantProbs: []Problem{{"a", "entities are not valid JSON: invalid character 'E' looking for beginning of value"}},
		},
		{
			name:      "truncated array",
			data:      `[{"$id":"1","Type":"ip","Address":"10.0.0.1"},{"$id":"2","Type":"ip"`,
			wantProbs: []Problem{{"a", "entities are not valid JSON: unexpected EOF"}},
		},
		{
			name:      "trailing garbage",
			data:      `[] ]`,
			wantProbs: []Problem{{"a", "entities are not valid JSON: unexpected data after the JSON value at offset 3"}},
		},
		{
			name:      "a number",
			data:      `42`,
			wantProbs: []Problem{{"a", "entities are a number, not a list"}},
		},
		{
			name:      "a plain string",
			data:      `"10.0.0.1"`,
			wantProbs: []Problem{{"a", `entities are a string, not a list: "10.0.0.1"`}},
		},
		{
			name:     "encoded twice",
			data:     `"[{\"$id\":\"1\",\"Type\":\"ip\",\"Address\":\"10.0.0.1\"}]"`,
			wantKeys: []string{"Ip:10.0.0.1"},
		},
		{
			name:     "single object",
			data:     `{"$id":"1","Type":"ip","Address":"10.0.0.1"}`,
			wantKeys: []string{"Ip:10.0.0.1"},
		},
		{
			name:     "$values wrapper",
			data:     `{"$id":"1","$values":[{"$id":"2","Type":"ip","Address":"10.0.0.1"}]}`,
			wantKeys: []string{"Ip:10.0.0.1"},
		},
		{
			name:     "malformed elements",
			data:     `[1, "x", null, [], {"$id":"1","Type":"ip","Address":"10.0.0.1"}]`,
			wantKeys: []string{"Ip:10.0.0.1"},
			wantProbs: []Problem{
				{"a[0]", "element is a number, not an entity object"},
				{"a[1]", "element is a string, not an entity object"},
				{"a[2]", "element is a null, not an entity object"},
				{"a[3]", "element is a list, not an entity object"},
			},
		},
		{
			name:     "ref to missing id",
			data:     `[{"$id":"1","Type":"host","HostName":"h1"},{"$id":"2","Type":"process","ProcessId":"0x10","CreationTimeUtc":"2020-01-01T00:00:00Z","Host":{"$ref":"9"}}]`,
			wantKeys: []string{"Host:h1", "Process:|16|2020-01-01T00:00:00Z"},
			wantProbs: []Problem{
				{"a[1].Host", `$ref "9" names no entity: no $id "9" in these entities`},
			},
		},
		{
			name:      "top-level ref to missing id",
			data:      `[{"$ref":"7"}]`,
			wantProbs: []Problem{{"a[0]", `$ref "7" names no entity: no $id "7" in these entities`}},
		},
		{
			name:     "entity without Type",
			data:     `[{"$id":"1","Address":"10.0.0.1"},{"$id":"2","Type":"ip","Address":"10.0.0.2"}]`,
			wantKeys: []string{"Ip:10.0.0.2"},
			wantProbs: []Problem{
				{"a[0]", "entity without Type; skipped"},
			},
		},
		{
			name:     "entity without identity",
			data:     `[{"$id":"1","Type":"ip","Location":{"City":"x"}},{"$id":"2","Type":"account","IsDomainJoined":true}]`,
			wantKeys: []string{"Ip:#", "Account:#"},
			wantProbs: []Problem{
				{"a[0]", "ip entity without address: keyed by a hash of its properties"},
				{"a[1]", "account entity without accountName: keyed by a hash of its properties"},
			},
		},
		{
			name:      "invalid ip",
			data:      `[{"$id":"1","Type":"ip","Address":"not-an-ip"}]`,
			wantKeys:  []string{"Ip:not-an-ip"},
			wantProbs: []Problem{{"a[0]", `ip entity: invalid address "not-an-ip"`}},
		},
		{
			name:     "ref cycle",
			data:     `[{"$id":"1","Type":"process","ProcessId":"1","ParentProcess":{"$ref":"2"}},{"$id":"2","Type":"process","ProcessId":"2","ParentProcess":{"$ref":"1"}}]`,
			wantKeys: []string{"Process:|1|||", "Process:|2|||"},
		},
		{
			name:     "self reference",
			data:     `[{"$id":"1","Type":"process","ProcessId":"1","ParentProcess":{"$ref":"1"},"Host":{"$ref":"1"}}]`,
			wantKeys: []string{"Process:|1|||"},
		},
		{
			name:      "ref chain loop",
			data:      `[{"$id":"1","$ref":"1"}]`,
			wantProbs: []Problem{{"a[0]", `$ref "1": chain of more than 8 references`}},
		},
		{
			name:     "process key depends on a process as host (kind checked, no loop)",
			data:     `[{"$id":"1","Type":"process","ProcessId":"1","Host":{"$ref":"2"}},{"$id":"2","Type":"process","ProcessId":"2","Host":{"$ref":"1"}}]`,
			wantKeys: []string{"Process:|1|||", "Process:|2|||"},
		},
		{
			name:     "duplicate id with different content",
			data:     `[{"$id":"1","Type":"ip","Address":"10.0.0.1"},{"$id":"2","Type":"dns","DomainName":"x","IpAddresses":[{"$id":"1","Type":"ip","Address":"10.0.0.2"}]}]`,
			wantKeys: []string{"Ip:10.0.0.1", "DnsResolution:x"},
			wantProbs: []Problem{
				{"a[1].IpAddresses[0]", `$id "1" is defined twice with different content; the first definition (a[0]) is used`},
			},
		},
		{
			name:     "same entity twice merges",
			data:     `[{"$id":"1","Type":"ip","Address":"10.0.0.1"},{"$id":"2","Type":"ip","Address":"10.0.0.1","Location":{"City":"x"}}]`,
			wantKeys: []string{"Ip:10.0.0.1"},
		},
		{
			name:     "unknown kind kept",
			data:     `[{"$id":"1","Type":"blob","Url":"https://x/y","Name":"y","Count":3}]`,
			wantKeys: []string{"blob:#"},
		},
		{
			name:     "deep inline nesting",
			data:     nested.String(),
			wantKeys: nil, // checked below
		},
		{
			name:      "nested duplicate $id inline",
			data:      deep,
			wantKeys:  []string{"Process:|1|||"}, // every level is $id "x": the first definition
			someProbs: true,
		},
		{
			name:      "deep JSON",
			data:      deepJSON,
			wantProbs: []Problem{{"a[0]", "element is a list, not an entity object"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, probs := ParseAlertEntities([]byte(tt.data), "a")
			if tt.name == "deep inline nesting" {
				if len(got) != 61 || len(probs) != 0 {
					t.Errorf("got %d entities and problems %v, want 61 and none", len(got), probs)
				}
				checkEntities(t, got)
				return
			}
			var keys []string
			for _, e := range got {
				k := e.Key
				if i := strings.Index(k, ":#"); i >= 0 {
					k = k[:i+2] // hashed keys: compare the prefix
				}
				keys = append(keys, k)
			}
			if diff := cmp.Diff(tt.wantKeys, keys); diff != "" {
				t.Errorf("keys mismatch (-want +got):\n%s", diff)
			}
			if tt.name == "deep JSON" {
				// The depth problem comes first; only check the element one is there too.
				if len(probs) == 0 || probs[len(probs)-1] != tt.wantProbs[0] {
					t.Errorf("problems = %v", probs)
				}
				return
			}
			switch {
			case tt.someProbs:
				if len(probs) == 0 || len(probs) > maxProblems+1 {
					t.Errorf("got %d problems, want 1 to %d", len(probs), maxProblems+1)
				}
			default:
				if diff := cmp.Diff(tt.wantProbs, probs); diff != "" {
					t.Errorf("problems mismatch (-want +got):\n%s", diff)
				}
			}
			checkEntities(t, got)
		})
	}
}

func TestParseAlertEntitiesUnknownKindKeepsRawProperties(t *testing.T) {
	data := `[{"$id":"1","Type":"oauth-application","OAuthAppId":"A1","Permissions":["Mail.Read"],"Publisher":{"Name":"x"},"Host":{"$id":"2","Type":"host","HostName":"h"}}]`
	got, probs := ParseAlertEntities([]byte(data), "a")
	if len(probs) > 0 {
		t.Errorf("problems: %v", probs)
	}
	if len(got) != 2 {
		t.Fatalf("got %d entities, want 2", len(got))
	}
	e := got[0]
	want := map[string]any{
		"OAuthAppId":  "A1",
		"Permissions": []any{"Mail.Read"},
		"Publisher":   map[string]any{"Name": "x"},
		"Host":        map[string]any{"$id": "2", "Type": "host", "HostName": "h"},
	}
	if diff := cmp.Diff(want, e.Properties); diff != "" {
		t.Errorf("properties mismatch (-want +got):\n%s", diff)
	}
	if e.Kind != "oauth-application" || e.Name != "oauth-application" {
		t.Errorf("kind, name = %q, %q", e.Kind, e.Name)
	}
	if diff := cmp.Diff([]Link{{"host", "Host:h"}}, e.Links); diff != "" {
		t.Errorf("links mismatch (-want +got):\n%s", diff)
	}
}

// checkEntities checks the invariants every parse result keeps.
func checkEntities(t testing.TB, ents []Entity) {
	t.Helper()
	keys := map[string]bool{}
	for _, e := range ents {
		if e.Kind == "" || e.Name == "" || !strings.HasPrefix(e.Key, string(e.Kind)+":") || len(e.Key) <= len(e.Kind)+1 {
			t.Errorf("bad entity: kind %q key %q name %q", e.Kind, e.Key, e.Name)
		}
		if keys[e.Key] {
			t.Errorf("key %q returned twice", e.Key)
		}
		keys[e.Key] = true
		if e.Properties == nil {
			t.Errorf("%s: nil properties", e.Key)
		}
	}
	for _, e := range ents {
		for _, l := range e.Links {
			if !keys[l.Key] {
				t.Errorf("%s: link %s -> %q is to no returned entity", e.Key, l.Rel, l.Key)
			}
			if l.Key == e.Key {
				t.Errorf("%s: links to itself", e.Key)
			}
		}
	}
}

// TestParseAlertEntitiesLongRefChain: a process tree 2000 deep, each process
// naming its parent by $ref before the parent is defined.
func TestParseAlertEntitiesLongRefChain(t *testing.T) {
	const n = 2000
	var b strings.Builder
	b.WriteString(`[{"$id":"h","Type":"host","HostName":"vm1"}`)
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, `,{"$id":"p%d","Type":"process","ProcessId":"%d","CreationTimeUtc":"2024-01-01T00:00:00Z","Host":{"$ref":"h"}`, i, i)
		if i < n-1 {
			fmt.Fprintf(&b, `,"ParentProcess":{"$ref":"p%d"}`, i+1)
		}
		b.WriteString("}")
	}
	b.WriteString("]")
	got, probs := ParseAlertEntities([]byte(b.String()), "a")
	if len(probs) > 0 {
		t.Errorf("problems: %v", probs)
	}
	if len(got) != n+1 {
		t.Fatalf("got %d entities, want %d", len(got), n+1)
	}
	checkEntities(t, got)
	want := []Link{{"host", "Host:vm1"}, {"parentProcess", "Process:vm1|1|2024-01-01T00:00:00Z"}}
	if diff := cmp.Diff(want, got[1].Links); diff != "" {
		t.Errorf("links of the first process (-want +got):\n%s", diff)
	}
}
