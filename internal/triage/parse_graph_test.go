package triage

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseGraphEvidenceKeepsUnknownTypesWhole(t *testing.T) {
	data := `[
	  {"@odata.type": "#microsoft.graph.security.kubernetesPodEvidence", "name": "web-1", "verdict": "suspicious", "labels": {"app": "web"}},
	  {"@odata.type": "#microsoft.graph.security.kubernetesPodEvidence", "name": "web-1", "verdict": "suspicious", "labels": {"app": "web"}},
	  42,
	  {"verdict": "malicious"}
	]`
	ents, probs := ParseGraphEvidence([]byte(data), "alert da1")
	if len(ents) != 1 {
		t.Fatalf("entities = %+v, want the pod once", ents)
	}
	e := ents[0]
	if e.Kind != "kubernetesPodEvidence" || e.Properties["name"] != "web-1" || e.Properties["verdict"] != "suspicious" {
		t.Errorf("entity = %+v, want the pod kept whole", e)
	}
	if _, ok := e.Properties["@odata.type"]; ok {
		t.Error("the type is the kind, not a property")
	}
	if len(probs) != 2 || !strings.Contains(probs[0].String(), "alert da1[2]") || !strings.Contains(probs[1].String(), "without @odata.type") {
		t.Errorf("problems = %v, want the number and the untyped item named", probs)
	}
	if _, probs := ParseGraphEvidence([]byte(`{"a":1}`), "alert x"); len(probs) != 1 {
		t.Errorf("an object is not a list of evidence: problems %v", probs)
	}
	// A type no schema has yet is kept whole too.
	ents, _ = ParseGraphEvidence([]byte(`[{"@odata.type":"#microsoft.graph.security.quantumEvidence","qubits":3}]`), "a")
	if len(ents) != 1 || ents[0].Kind != "quantumEvidence" || ents[0].Prop("qubits") != "3" {
		t.Errorf("entities = %+v, want the new type kept whole", ents)
	}
}

// csdl is the part of an OData CSDL document the tests read.
type csdl struct {
	Schemas []struct {
		Namespace    string `xml:"Namespace,attr"`
		Alias        string `xml:"Alias,attr"`
		ComplexTypes []struct {
			Name       string `xml:"Name,attr"`
			BaseType   string `xml:"BaseType,attr"`
			Properties []struct {
				Name string `xml:"Name,attr"`
				Type string `xml:"Type,attr"`
			} `xml:"Property"`
		} `xml:"ComplexType"`
		EnumTypes []struct {
			Name    string `xml:"Name,attr"`
			Members []struct {
				Name string `xml:"Name,attr"`
			} `xml:"Member"`
		} `xml:"EnumType"`
	} `xml:"DataServices>Schema"`
}

// securitySchema is the microsoft.graph.security schema of the CSDL in
// testdata: its complex types by name (with their base types' properties)
// and the first member of each enum.
type securitySchema struct {
	types map[string][]csdlProp // properties, the base types' included
	base  map[string]string     // type -> base type, without the alias
	enums map[string]string     // enum -> its first member
}

type csdlProp struct{ name, typ string }

var (
	schemaOnce sync.Once
	schemaVal  *securitySchema
	schemaErr  error
)

// readSecuritySchema reads testdata/graph-security/security-v1.0.csdl.xml
// once per test binary.
func readSecuritySchema(t testing.TB) *securitySchema {
	t.Helper()
	schemaOnce.Do(func() {
		var doc csdl
		if err := xml.Unmarshal(readTestdata(t, "graph-security/security-v1.0.csdl.xml"), &doc); err != nil {
			schemaErr = err
			return
		}
		s := &securitySchema{types: map[string][]csdlProp{}, base: map[string]string{}, enums: map[string]string{}}
		own := map[string][]csdlProp{}
		for _, sc := range doc.Schemas {
			if sc.Namespace != "microsoft.graph.security" {
				continue
			}
			strip := func(n string) string {
				inner, coll := strings.CutPrefix(n, "Collection(")
				inner = strings.TrimSuffix(inner, ")")
				inner = strings.TrimPrefix(strings.TrimPrefix(inner, sc.Alias+"."), sc.Namespace+".")
				if coll {
					return "Collection(" + inner + ")"
				}
				return inner
			}
			for _, ct := range sc.ComplexTypes {
				for _, p := range ct.Properties {
					own[ct.Name] = append(own[ct.Name], csdlProp{p.Name, strip(p.Type)})
				}
				if ct.BaseType != "" {
					s.base[ct.Name] = strip(ct.BaseType)
				}
				if _, ok := own[ct.Name]; !ok {
					own[ct.Name] = nil
				}
			}
			for _, et := range sc.EnumTypes {
				if len(et.Members) > 0 {
					s.enums[et.Name] = et.Members[0].Name
				}
			}
		}
		for name := range own {
			for n := name; n != ""; n = s.base[n] {
				s.types[name] = append(s.types[name], own[n]...)
			}
		}
		if len(s.types) == 0 {
			schemaErr = fmt.Errorf("no complex types in the microsoft.graph.security schema")
		}
		schemaVal = s
	})
	if schemaErr != nil {
		t.Fatal(schemaErr)
	}
	return schemaVal
}

// evidenceTypes are the schema's types deriving from alertEvidence.
func (s *securitySchema) evidenceTypes() []string {
	var out []string
	for name := range s.types {
		for b := s.base[name]; b != ""; b = s.base[b] {
			if b == "alertEvidence" {
				out = append(out, name)
				break
			}
		}
	}
	sort.Strings(out)
	return out
}

// TestGraphEvidenceTypesAllAccountedFor fails when the schema in testdata
// (refreshed) has an evidence type that is neither mapped nor deliberately
// kept whole, or when a list names a type the schema does not have.
func TestGraphEvidenceTypesAllAccountedFor(t *testing.T) {
	s := readSecuritySchema(t)
	types := s.evidenceTypes()
	if len(types) < 40 {
		t.Fatalf("only %d evidence types in the schema: %v", len(types), types)
	}
	for _, name := range types {
		mapped, whole := slices.Contains(graphEvidenceMapped, name), slices.Contains(graphEvidenceKeptWhole, name)
		switch {
		case mapped && whole:
			t.Errorf("%s is both mapped and kept whole", name)
		case !mapped && !whole:
			t.Errorf("%s (in the schema) is neither mapped nor in graphEvidenceKeptWhole: decide", name)
		}
	}
	for _, name := range slices.Concat(graphEvidenceMapped, graphEvidenceKeptWhole) {
		if !slices.Contains(types, name) {
			t.Errorf("%s is listed but is no evidence type of the schema", name)
		}
	}
	// A mapped type becomes a kind of the model; a kept-whole one its own.
	for _, name := range types {
		ents, _ := ParseGraphEvidence([]byte(`[{"@odata.type":"#microsoft.graph.security.`+name+`"}]`), name)
		if len(ents) == 0 {
			t.Errorf("%s: no entity", name)
			continue
		}
		if known := ents[0].Kind.IsKnown(); known != slices.Contains(graphEvidenceMapped, name) {
			t.Errorf("%s became kind %s", name, ents[0].Kind)
		}
	}
}

// sampleValue is a value of the schema type typ for property prop:
// strings say where they came from ("s:fileDetails.sha1") so that a test
// can find them again; complex types are filled in to a few levels.
func (s *securitySchema) sampleValue(typ, path string, depth int) (any, bool) {
	if inner, ok := strings.CutPrefix(typ, "Collection("); ok {
		v, ok := s.sampleValue(strings.TrimSuffix(inner, ")"), path+"[0]", depth)
		if !ok {
			return nil, false
		}
		return []any{v}, true
	}
	switch typ {
	case "Edm.String":
		return "s:" + path, true
	case "Edm.Int64", "Edm.Int32":
		return json.Number("7"), true
	case "Edm.Double":
		return json.Number("1.5"), true
	case "Edm.Boolean":
		return true, true
	case "Edm.DateTimeOffset":
		return "2026-03-04T05:06:07Z", true
	case "Edm.Guid":
		return "6f1d4c8e-0000-4000-8000-00000000000" + string(rune('0'+len(path)%10)), true
	}
	if m, ok := s.enums[typ]; ok {
		return m, true
	}
	props, ok := s.types[typ]
	if !ok || depth > 3 {
		return nil, false
	}
	obj := map[string]any{}
	for _, p := range props {
		if v, ok := s.sampleValue(p.typ, path+"."+p.name, depth+1); ok {
			obj[p.name] = v
		}
	}
	return obj, true
}

// strings collects the "s:..." strings of a value.
func sampleStrings(v any, out map[string]bool) {
	switch t := v.(type) {
	case string:
		if strings.HasPrefix(t, "s:") {
			out[t] = true
		}
	case []any:
		for _, x := range t {
			sampleStrings(x, out)
		}
	case map[string]any:
		for _, x := range t {
			sampleStrings(x, out)
		}
	}
}

// TestGraphEvidenceLosesNothing fills every property the schema declares
// for each mapped type and checks that every text value reaches some
// entity: renamed, flattened or nested, never dropped.
func TestGraphEvidenceLosesNothing(t *testing.T) {
	s := readSecuritySchema(t)
	for _, name := range graphEvidenceMapped {
		item, _ := s.sampleValue(name, name, 0)
		m := item.(map[string]any)
		m["@odata.type"] = graphEvidencePrefix + name
		want := map[string]bool{}
		sampleStrings(m, want)
		data, err := json.Marshal([]any{m})
		if err != nil {
			t.Fatal(err)
		}
		ents, _ := ParseGraphEvidence(data, name)
		checkEntities(t, ents)
		got := map[string]bool{}
		for _, e := range ents {
			sampleStrings(e.Properties, got)
		}
		for v := range want {
			if !got[v] {
				t.Errorf("%s: %q reached no entity", name, v)
			}
		}
		if ents[0].Properties["verdict"] != "unknown" || ents[0].Properties["roles"] == nil || ents[0].Properties["remediationStatus"] != "none" {
			t.Errorf("%s: the common evidence properties are not on %s: %v", name, ents[0].Key, ents[0].Properties)
		}
	}
}

// graphEvidenceSample is one Defender alert's evidence, as Graph v1.0
// shapes it, naming the things the Sentinel fixtures in testdata name.
const graphEvidenceSample = `[
 {"@odata.type": "#microsoft.graph.security.deviceEvidence", "verdict": "suspicious", "remediationStatus": "none", "roles": ["compromised"],
  "createdDateTime": "2018-11-15T23:54:30Z", "mdeDeviceId": "7b1c4a55e0f1d2c3b4a5968778695a4b3c2d1e0f",
  "azureAdDeviceId": "3b1f2f0e-5b1e-4f8e-9c3d-2f1e0d9c8b7a", "deviceDnsName": "msticalertswin1", "hostName": "MSTICALERTSWIN1",
  "osPlatform": "Windows10", "osBuild": 19045, "loggedOnUsers": [{"accountName": "MSTICAlertsWin1$", "domainName": "WORKGROUP"}]},
 {"@odata.type": "#microsoft.graph.security.processEvidence", "verdict": "malicious", "remediationStatus": "remediated", "roles": [],
  "detectionStatus": "detected", "mdeDeviceId": "7b1c4a55e0f1d2c3b4a5968778695a4b3c2d1e0f",
  "processId": 1720, "processCommandLine": ".\\mimikatz.exe", "processCreationDateTime": "2018-11-15T23:54:29.300019Z",
  "parentProcessId": 5464, "parentProcessCreationDateTime": null,
  "imageFile": {"fileName": "mimikatz.exe", "filePath": "c:\\windows\\servic~2\\networ~1\\appdata\\local\\temp", "sha1": "d241df7b9d2ec0b8194751cd5ce153e27cc40fa4", "sha256": null, "md5": null},
  "parentProcessImageFile": {"@odata.type": "microsoft.graph.security.fileDetails", "fileName": "cmd.exe", "filePath": "c:\\windows\\system32\\cmd.exe"},
  "userAccount": {"@odata.type": "microsoft.graph.security.userAccount", "accountName": "MSTICAlertsWin1$", "domainName": "WORKGROUP", "userSid": "S-1-5-20", "azureAdUserId": null, "userPrincipalName": null}},
 {"@odata.type": "#microsoft.graph.security.fileEvidence", "verdict": "noThreatsFound", "remediationStatus": "none", "roles": [],
  "detectionStatus": null, "mdeDeviceId": "7b1c4a55e0f1d2c3b4a5968778695a4b3c2d1e0f",
  "fileDetails": {"fileName": "cmd.exe", "filePath": "C:\\Windows\\System32", "fileSize": 289792, "filePublisher": "Microsoft Corporation",
   "sha1": null, "sha256": "e923636f1093c414aab39f846e9d7a372beefa7b628b28179197e539c56aa0f0", "md5": "1678dc29219270a9b4a9dbd88a688cc8"}},
 {"@odata.type": "#microsoft.graph.security.ipEvidence", "verdict": "suspicious", "remediationStatus": "none", "roles": ["attacker"],
  "ipAddress": "23.54.94.45", "countryLetterCode": "US"},
 {"@odata.type": "#microsoft.graph.security.ipEvidence", "verdict": "unknown", "remediationStatus": "none", "roles": [], "ipAddress": "10.3.2.8"},
 {"@odata.type": "#microsoft.graph.security.deviceEvidence", "verdict": "unknown", "remediationStatus": "none", "roles": [],
  "mdeDeviceId": "0c4e8f1a", "deviceDnsName": "DHCPContoso77", "hostName": "DHCPContoso77"},
 {"@odata.type": "#microsoft.graph.security.userEvidence", "verdict": "suspicious", "remediationStatus": "none", "roles": ["compromised"],
  "userAccount": {"accountName": "brians", "domainName": "CONTOSOSI", "userSid": "S-1-5-21-1-2-3-1104",
   "azureAdUserId": "5e9f1c2d-3b4a-4c5d-8e9f-0a1b2c3d4e5f", "userPrincipalName": "brians@ContosoSI.onmicrosoft.com", "displayName": "Brian S"}},
 {"@odata.type": "#microsoft.graph.security.urlEvidence", "verdict": "malicious", "remediationStatus": "blocked", "roles": [], "url": "HTTPS://Bing.com/"}
]`

// TestGraphEvidenceMergesWithSentinel: a device, a user, files, hashes,
// addresses, a URL and a process from Defender get the keys the same
// things get from Sentinel's real payloads in testdata, and merge with
// them into one entity each.
func TestGraphEvidenceMergesWithSentinel(t *testing.T) {
	graph, probs := ParseGraphEvidence([]byte(graphEvidenceSample), "alert da1")
	if len(probs) > 0 {
		t.Errorf("problems: %v", probs)
	}
	checkEntities(t, graph)
	for _, e := range graph {
		if _, ok := e.Properties["@odata.type"]; ok {
			t.Errorf("%s keeps a nested object's @odata.type: %v", e.Key, e.Properties)
		}
	}

	var sentinel []Entity
	add := func(ents []Entity, probs []Problem) {
		t.Helper()
		if len(probs) > 0 {
			t.Errorf("sentinel problems: %v", probs)
		}
		sentinel = append(sentinel, ents...)
	}
	add(ParseAlertEntities(readTestdata(t, "entities.json"), "entities.json"))
	for _, row := range alertListRows(t) {
		if row["SystemAlertId"] == "401f2680-cc05-4e6f-a1f6-69cff2055cd9" { // ip, host, account with a UPN
			add(ParseAlertEntities([]byte(row["Entities"].(string)), "alertlist"))
		}
	}
	for _, f := range []string{"GetIpEntityById.json", "GetUrlEntityById.json", "GetFileHashEntityById.json"} {
		add(ParseAPIEntities(exampleBody(t, f), f))
	}
	graphKeys := map[string]Entity{}
	for _, e := range graph {
		graphKeys[e.Key] = e
	}
	for _, key := range []string{
		"Host:msticalertswin1",
		"Host:dhcpcontoso77",
		`Account:workgroup\msticalertswin1$`,
		"Account:brians@contososi.onmicrosoft.com",
		"Ip:23.54.94.45",
		"Ip:10.3.2.8",
		"Url:https://bing.com",
		"FileHash:e923636f1093c414aab39f846e9d7a372beefa7b628b28179197e539c56aa0f0",
		`File:c:\windows\system32\cmd.exe`,
		`File:c:\windows\servic~2\networ~1\appdata\local\temp\mimikatz.exe`,
		"Process:msticalertswin1|1720|2018-11-15T23:54:29.300019Z",
	} {
		if _, ok := graphKeys[key]; !ok {
			t.Errorf("Defender's evidence has no %s", key)
		}
		if !slices.ContainsFunc(sentinel, func(e Entity) bool { return e.Key == key }) {
			t.Errorf("the Sentinel fixtures have no %s", key)
		}
	}
	set := NewSet()
	for _, e := range sentinel {
		set.Add(e)
	}
	before := set.Len()
	for _, e := range graph {
		set.Add(e)
	}
	// Defender adds only what Sentinel's payloads do not name: the
	// mimikatz hash and the cmd.exe MD5.
	var added []string
	for _, e := range set.Entities() {
		if !slices.ContainsFunc(sentinel, func(s Entity) bool { return s.Key == e.Key }) {
			added = append(added, e.Key)
		}
	}
	sort.Strings(added)
	want := []string{
		"FileHash:1678dc29219270a9b4a9dbd88a688cc8",
		"FileHash:d241df7b9d2ec0b8194751cd5ce153e27cc40fa4",
	}
	if diff := cmp.Diff(want, added); diff != "" {
		t.Errorf("entities Defender added (-want +got):\n%s", diff)
	}
	if set.Len() != before+len(want) {
		t.Errorf("%d entities after the merge, want %d", set.Len(), before+len(want))
	}
	host, _ := set.Get("Host:msticalertswin1")
	if host.Prop("verdict") != "suspicious" || host.Prop("mdatpDeviceId") == "" || host.Prop("netBiosName") != "MSTICALERTSWIN1" {
		t.Errorf("merged host = %v, want Sentinel's and Defender's properties", host.Properties)
	}
}

// TestGraphEvidenceLinks: nested evidence becomes linked entities with the
// relations the other formats use.
func TestGraphEvidenceLinks(t *testing.T) {
	ents, probs := ParseGraphEvidence([]byte(graphEvidenceSample), "alert da1")
	if len(probs) > 0 {
		t.Errorf("problems: %v", probs)
	}
	byKey := map[string]Entity{}
	for _, e := range ents {
		byKey[e.Key] = e
	}
	proc := byKey["Process:msticalertswin1|1720|2018-11-15T23:54:29.300019Z"]
	wantLinks := []Link{
		{"imageFile", `File:c:\windows\servic~2\networ~1\appdata\local\temp\mimikatz.exe`},
		{"account", `Account:workgroup\msticalertswin1$`},
		{"parentProcess", `Process:msticalertswin1|5464||c:\windows\system32\cmd.exe|`},
		{"host", "Host:msticalertswin1"},
	}
	if diff := cmp.Diff(wantLinks, proc.Links); diff != "" {
		t.Errorf("process links (-want +got):\n%s", diff)
	}
	if proc.Name != "mimikatz.exe (pid 1720)" || proc.Prop("commandLine") != `.\mimikatz.exe` || proc.Prop("verdict") != "malicious" ||
		proc.Prop("detectionStatus") != "detected" || proc.Prop("remediationStatus") != "remediated" {
		t.Errorf("process = %+v", proc)
	}
	parent := byKey[`Process:msticalertswin1|5464||c:\windows\system32\cmd.exe|`]
	if diff := cmp.Diff([]Link{{"imageFile", `File:c:\windows\system32\cmd.exe`}, {"host", "Host:msticalertswin1"}}, parent.Links); diff != "" {
		t.Errorf("parent links (-want +got):\n%s", diff)
	}
	file := byKey[`File:c:\windows\system32\cmd.exe`]
	wantLinks = []Link{
		{"fileHashes", "FileHash:1678dc29219270a9b4a9dbd88a688cc8"},
		{"fileHashes", "FileHash:e923636f1093c414aab39f846e9d7a372beefa7b628b28179197e539c56aa0f0"},
		{"host", "Host:msticalertswin1"},
	}
	if diff := cmp.Diff(wantLinks, file.Links); diff != "" {
		t.Errorf("file links (-want +got):\n%s", diff)
	}
	if !strings.EqualFold(file.Prop("directory"), `C:\Windows\System32`) || file.Prop("fileName") != "cmd.exe" || file.Prop("fileSize") != "289792" {
		t.Errorf("file = %v", file.Properties)
	}
	if h := byKey["FileHash:1678dc29219270a9b4a9dbd88a688cc8"]; h.Prop("algorithm") != "MD5" || h.Name != "md5 1678dc29219270a9b4a9dbd88a688cc8" {
		t.Errorf("hash = %+v", h)
	}
	if a := byKey["Account:brians@contososi.onmicrosoft.com"]; a.Prop("upnSuffix") != "ContosoSI.onmicrosoft.com" || a.Prop("ntDomain") != "CONTOSOSI" ||
		a.Prop("aadUserId") == "" || a.Prop("sid") == "" || a.Prop("verdict") != "suspicious" {
		t.Errorf("account = %v", a.Properties)
	}
	if ip := byKey["Ip:23.54.94.45"]; !cmp.Equal(ip.Properties["location"], map[string]any{"countryCode": "US"}) || ip.Prop("countryLetterCode") != "US" {
		t.Errorf("address = %v, want its country code in its location", ip.Properties)
	}
	if u := byKey["Url:https://bing.com"]; u.Prop("verdict") != "malicious" || u.Prop("remediationStatus") != "blocked" {
		t.Errorf("url = %+v", u)
	}
}

// TestGraphEvidenceOtherRelations: connections, DNS, registry values,
// mail, malware, IoT devices and logon sessions.
func TestGraphEvidenceOtherRelations(t *testing.T) {
	data := `[
	 {"@odata.type": "#microsoft.graph.security.networkConnectionEvidence", "verdict": "suspicious", "protocol": "tcp",
	  "sourceAddress": {"ipAddress": "10.1.2.3", "verdict": "unknown"}, "sourcePort": 50123,
	  "destinationAddress": {"@odata.type": "#microsoft.graph.security.ipEvidence", "ipAddress": "203.0.113.9", "verdict": "malicious"}, "destinationPort": 443},
	 {"@odata.type": "#microsoft.graph.security.dnsEvidence", "domainName": "evil.example.", "ipAddresses": [{"ipAddress": "203.0.113.9"}, {"ipAddress": "203.0.113.10"}],
	  "dnsServerIp": {"ipAddress": "10.0.0.53"}},
	 {"@odata.type": "#microsoft.graph.security.registryValueEvidence", "registryHive": "HKEY_LOCAL_MACHINE",
	  "registryKey": "SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run", "registryValueName": "updater", "registryValue": "c:\\temp\\u.exe", "registryValueType": "String"},
	 {"@odata.type": "#microsoft.graph.security.analyzedMessageEvidence", "networkMessageId": "29c1a5e4-0000-4000-8000-000000000001",
	  "internetMessageId": "<abc@mail.example>", "subject": "Invoice", "recipientEmailAddress": "alice@contoso.com", "senderIp": "198.51.100.7",
	  "p1Sender": {"emailAddress": "billing@mail.example", "displayName": "Billing", "domainName": "mail.example"}, "urls": ["https://pay.example/x"]},
	 {"@odata.type": "#microsoft.graph.security.mailboxEvidence", "primaryAddress": "alice@contoso.com", "upn": "alice@contoso.com", "displayName": "Alice",
	  "userAccount": {"accountName": "alice", "domainName": "CONTOSO", "userPrincipalName": "alice@contoso.com"}},
	 {"@odata.type": "#microsoft.graph.security.malwareEvidence", "name": "Trojan:Win32/Wacatac", "category": "Trojan",
	  "files": [{"fileDetails": {"fileName": "u.exe", "filePath": "c:\\temp", "sha256": "aaaa"}, "verdict": "malicious"}]},
	 {"@odata.type": "#microsoft.graph.security.ioTDeviceEvidence", "deviceId": "iot-7", "deviceName": "plc-7", "manufacturer": "Acme",
	  "ipAddress": {"ipAddress": "10.9.9.9"}, "nics": [{"macAddress": "00-11-22-33-44-55", "ipAddress": {"ipAddress": "10.9.9.9"}}],
	  "ioTHub": {"resourceId": "/subscriptions/s/resourceGroups/r/providers/Microsoft.Devices/IotHubs/hub1"}},
	 {"@odata.type": "#microsoft.graph.security.hostLogonSessionEvidence", "sessionId": "0x3e4", "startUtcDateTime": "2026-01-01T00:00:00Z",
	  "host": {"hostName": "web01", "dnsDomain": "contoso.com"}, "account": {"userAccount": {"accountName": "alice", "domainName": "CONTOSO", "userPrincipalName": "alice@contoso.com"}}},
	 {"@odata.type": "#microsoft.graph.security.servicePrincipalEvidence", "servicePrincipalName": "Backup App", "servicePrincipalObjectId": "9a8b7c6d-0000-4000-8000-000000000002", "appId": "app-1"},
	 {"@odata.type": "#microsoft.graph.security.oauthApplicationEvidence", "appId": "1b2c3d4e-0000-4000-8000-000000000003", "displayName": "Mail Reader"},
	 {"@odata.type": "#microsoft.graph.security.securityGroupEvidence", "securityGroupId": "4d5e6f70-0000-4000-8000-000000000004", "displayName": "Admins"}
	]`
	ents, probs := ParseGraphEvidence([]byte(data), "alert da2")
	if len(probs) > 0 {
		t.Errorf("problems: %v", probs)
	}
	checkEntities(t, ents)
	links := map[string][]Link{}
	byKey := map[string]Entity{}
	for _, e := range ents {
		links[e.Key] = e.Links
		byKey[e.Key] = e
	}
	want := map[string][]Link{
		"NetworkConnection:10.1.2.3:50123->203.0.113.9:443/tcp": {{"sourceAddress", "Ip:10.1.2.3"}, {"destinationAddress", "Ip:203.0.113.9"}},
		"DnsResolution:evil.example":                            {{"dnsServerIp", "Ip:10.0.0.53"}, {"ipAddresses", "Ip:203.0.113.9"}, {"ipAddresses", "Ip:203.0.113.10"}},
		`RegistryValue:hkey_local_machine\software\microsoft\windows\currentversion\run\updater`: {
			{"key", `RegistryKey:hkey_local_machine\software\microsoft\windows\currentversion\run`}},
		"MailMessage:29c1a5e4-0000-4000-8000-000000000001|alice@contoso.com": {{"recipient", "Mailbox:alice@contoso.com"}, {"senderIP", "Ip:198.51.100.7"}},
		"Mailbox:alice@contoso.com":                             {{"account", "Account:alice@contoso.com"}},
		"Malware:trojan:win32/wacatac":                          {{"files", `File:c:\temp\u.exe`}},
		`File:c:\temp\u.exe`:                                    {{"fileHashes", "FileHash:aaaa"}},
		"IoTDevice:iot-7":                                       {{"iotHub", "AzureResource:/subscriptions/s/resourcegroups/r/providers/microsoft.devices/iothubs/hub1"}, {"ipAddress", "Ip:10.9.9.9"}, {"nics", "Nic:00:11:22:33:44:55"}},
		"Nic:00:11:22:33:44:55":                                 {{"ipAddress", "Ip:10.9.9.9"}},
		"HostLogonSession:web01.contoso.com|0x3e4":              {{"host", "Host:web01.contoso.com"}, {"account", "Account:alice@contoso.com"}},
		"Account:9a8b7c6d-0000-4000-8000-000000000002":          nil,
		"CloudApplication:1b2c3d4e-0000-4000-8000-000000000003": nil,
		"SecurityGroup:4d5e6f70-0000-4000-8000-000000000004":    nil,
	}
	for key, l := range want {
		got, ok := links[key]
		if !ok {
			t.Errorf("no %s among %v", key, sortedKeys(links))
			continue
		}
		if diff := cmp.Diff(l, got); diff != "" {
			t.Errorf("%s links (-want +got):\n%s", key, diff)
		}
	}
	if m := byKey["MailMessage:29c1a5e4-0000-4000-8000-000000000001|alice@contoso.com"]; m.Prop("p1Sender") != "billing@mail.example" ||
		m.Prop("p1SenderDomain") != "mail.example" || m.Prop("senderIP") != "198.51.100.7" || m.Name != "Invoice to alice@contoso.com" {
		t.Errorf("message = %+v", m)
	}
	if ip := byKey["Ip:203.0.113.9"]; ip.Prop("verdict") != "malicious" {
		t.Errorf("a nested address keeps its own verdict: %v", ip.Properties)
	}
	if a := byKey["CloudApplication:1b2c3d4e-0000-4000-8000-000000000003"]; a.Name != "Mail Reader" {
		t.Errorf("oauth app = %+v", a)
	}
	if iot := byKey["IoTDevice:iot-7"]; iot.Prop("vendor") != "Acme" {
		t.Errorf("iot device = %v", iot.Properties)
	}
}

// TestGraphEvidenceVerdictWorstWins: the same file seen clean in one alert
// and malicious in another is malicious, in either order and across
// alerts (Set, as Assembly merges them).
func TestGraphEvidenceVerdictWorstWins(t *testing.T) {
	item := func(verdict, remediation string) string {
		return `{"@odata.type":"#microsoft.graph.security.fileEvidence","verdict":"` + verdict + `","remediationStatus":"` + remediation +
			`","fileDetails":{"fileName":"x.exe","filePath":"c:\\t"}}`
	}
	for _, order := range [][2]string{{item("noThreatsFound", "none"), item("Malicious", "blocked")}, {item("malicious", "blocked"), item("noThreatsFound", "none")}} {
		ents, _ := ParseGraphEvidence([]byte("["+order[0]+","+order[1]+"]"), "a")
		if len(ents) != 1 || ents[0].DefenderVerdict() != VerdictMalicious || ents[0].Prop("remediationStatus") != "blocked" {
			t.Errorf("one alert: %+v, want malicious, blocked", ents)
		}
		a, _ := ParseGraphEvidence([]byte("["+order[0]+"]"), "a")
		b, _ := ParseGraphEvidence([]byte("["+order[1]+"]"), "b")
		set := NewSet()
		set.Add(a[0])
		set.Add(b[0])
		if e := set.Entities()[0]; e.DefenderVerdict() != VerdictMalicious || e.Prop("remediationStatus") != "blocked" {
			t.Errorf("two alerts: %v, want malicious, blocked", e.Properties)
		}
	}
	if v, ok := ParseEvidenceVerdict("NoThreatsFound"); !ok || v != VerdictNoThreatsFound {
		t.Errorf("ParseEvidenceVerdict(NoThreatsFound) = %q, %v", v, ok)
	}
	if _, ok := ParseEvidenceVerdict("bad"); ok {
		t.Error("bad is no verdict")
	}
}

// TestGraphEvidenceMalformed: values of the wrong JSON type and missing
// identities are problems naming where; what can be kept is kept.
func TestGraphEvidenceMalformed(t *testing.T) {
	data := `[
	 {"@odata.type": "#microsoft.graph.security.processEvidence", "processId": {"x": 1}, "imageFile": "cmd.exe", "userAccount": [1]},
	 {"@odata.type": "#microsoft.graph.security.fileEvidence", "fileDetails": {"fileName": ["a"], "sha256": {"v": 1}}},
	 {"@odata.type": "#microsoft.graph.security.ipEvidence", "ipAddress": 42, "countryLetterCode": "NL", "location": "Amsterdam"},
	 {"@odata.type": "#microsoft.graph.security.ipEvidence"},
	 {"@odata.type": "#microsoft.graph.security.dnsEvidence", "domainName": "a.example", "ipAddresses": "1.2.3.4"},
	 {"@odata.type": "#microsoft.graph.security.malwareEvidence", "name": "m", "files": [7, null]},
	 {"@odata.type": "#microsoft.graph.security.userEvidence", "verdict": ["malicious"], "userAccount": {"accountName": "bob", "userSid": {"a": 1}}},
	 {"@odata.type": 5},
	 "x"
	]`
	ents, probs := ParseGraphEvidence([]byte(data), "alert bad")
	checkEntities(t, ents)
	checkProblems(t, probs)
	text := fmt.Sprint(probs)
	for _, want := range []string{
		"alert bad[0] (processEvidence): processId is a object",
		"alert bad[0] (processEvidence): imageFile is a string, not an object",
		"alert bad[0] (processEvidence): userAccount is a list, not an object",
		"alert bad[1] (fileEvidence).fileDetails: fileName is a list",
		"alert bad[1] (fileEvidence).fileDetails: sha256 is a object",
		"alert bad[2] (ipEvidence): ip entity: invalid address",
		"alert bad[2] (ipEvidence): location is a string, not an object",
		"alert bad[3] (ipEvidence): ip entity without address",
		"alert bad[4] (dnsEvidence): ipAddresses is a string, not a list",
		"alert bad[5] (malwareEvidence).files[0]: element is a number",
		"alert bad[6] (userEvidence): verdict is a list",
		"alert bad[6] (userEvidence).userAccount: userSid is a object",
		"alert bad[7]: @odata.type is a number",
		"alert bad[8]: element is a string",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("no problem %q in\n%s", want, strings.ReplaceAll(text, "} {", "}\n{"))
		}
	}
	// Nothing is dropped: the malformed values stay on their entities.
	var proc Entity
	for _, e := range ents {
		if e.Kind == KindProcess {
			proc = e
		}
	}
	if proc.Properties["imageFile"] != "cmd.exe" {
		t.Errorf("process = %v, want the malformed image file kept", proc.Properties)
	}
	if len(ents) < 7 {
		t.Errorf("%d entities: malformed items must still give theirs", len(ents))
	}
}

// TestGraphEvidenceDeviceOfAnotherAlert: a process whose device is not in
// its alert's evidence keeps the device id and links to no host; an image
// file and a user with nothing in them are none.
func TestGraphEvidenceDeviceOfAnotherAlert(t *testing.T) {
	ents, probs := ParseGraphEvidence([]byte(`[{"@odata.type":"#microsoft.graph.security.processEvidence","processId":4,"mdeDeviceId":"d9","processCommandLine":"a.exe",
	  "imageFile":{"fileName":null,"filePath":"","sha1":null},"userAccount":{"@odata.type":"microsoft.graph.security.userAccount","accountName":null}}]`), "a")
	if len(probs) > 0 || len(ents) != 1 {
		t.Fatalf("entities %+v, problems %v", ents, probs)
	}
	if e := ents[0]; len(e.Links) != 0 || e.Prop("mdeDeviceId") != "d9" || e.Key != "Process:|4|||a.exe" {
		t.Errorf("process = %+v", e)
	}
}

// TestGraphEvidenceNames: the renamings that decide keys, each case.
func TestGraphEvidenceNames(t *testing.T) {
	for _, tt := range []struct {
		name, item, key string
	}{
		{"a UPN of the account's name gives its suffix",
			`{"@odata.type":"#microsoft.graph.security.userEvidence","userAccount":{"accountName":"Alice","domainName":"CONTOSO","userPrincipalName":"alice@contoso.com"}}`,
			"Account:alice@contoso.com"},
		{"a UPN of another name is no suffix: no address nobody has",
			`{"@odata.type":"#microsoft.graph.security.userEvidence","userAccount":{"accountName":"asmith","domainName":"CONTOSO","userPrincipalName":"alice.smith@contoso.com"}}`,
			`Account:contoso\asmith`},
		{"a UPN alone",
			`{"@odata.type":"#microsoft.graph.security.userEvidence","userAccount":{"userPrincipalName":"Alice@Contoso.com","azureAdUserId":"u1"}}`,
			"Account:alice@contoso.com"},
		{"an Entra id alone",
			`{"@odata.type":"#microsoft.graph.security.userEvidence","userAccount":{"azureAdUserId":"5E9F1C2D-3B4A-4C5D-8E9F-0A1B2C3D4E5F"}}`,
			"Account:5e9f1c2d-3b4a-4c5d-8e9f-0a1b2c3d4e5f"},
		{"a DNS name with a domain is the FQDN",
			`{"@odata.type":"#microsoft.graph.security.deviceEvidence","deviceDnsName":"PC1.contoso.local.","hostName":"pc1"}`,
			"Host:pc1.contoso.local"},
		{"a DNS name without one is not, beside a host name and domain",
			`{"@odata.type":"#microsoft.graph.security.deviceEvidence","deviceDnsName":"pc1","hostName":"pc1","dnsDomain":"contoso.local"}`,
			"Host:pc1.contoso.local"},
		{"a DNS name alone is the host name",
			`{"@odata.type":"#microsoft.graph.security.deviceEvidence","deviceDnsName":"pc1","mdeDeviceId":"d1"}`,
			"Host:pc1"},
		{"a device by its id alone",
			`{"@odata.type":"#microsoft.graph.security.deviceEvidence","mdeDeviceId":"D1"}`,
			"Host:d1"},
		{"a path that ends with the file name is cut to the directory",
			`{"@odata.type":"#microsoft.graph.security.fileEvidence","fileDetails":{"fileName":"cmd.exe","filePath":"C:\\Windows\\System32\\cmd.exe"}}`,
			`File:c:\windows\system32\cmd.exe`},
		{"a path that only ends like the name is kept",
			`{"@odata.type":"#microsoft.graph.security.fileEvidence","fileDetails":{"fileName":"a.sh","filePath":"/opt/data.sh"}}`,
			"File:/opt/data.sh/a.sh"},
		{"a file known by its hash alone",
			`{"@odata.type":"#microsoft.graph.security.fileEvidence","fileDetails":{"sha1":"D241DF7B9D2EC0B8194751CD5CE153E27CC40FA4"}}`,
			"File:|d241df7b9d2ec0b8194751cd5ce153e27cc40fa4"},
		{"a registry key by hive and key",
			`{"@odata.type":"#microsoft.graph.security.registryKeyEvidence","registryHive":"HKLM","registryKey":"Software\\Run"}`,
			`RegistryKey:hkey_local_machine\software\run`},
		{"a service principal by its object id",
			`{"@odata.type":"#microsoft.graph.security.servicePrincipalEvidence","servicePrincipalName":"App","servicePrincipalObjectId":"SP1"}`,
			"Account:sp1"},
	} {
		ents, probs := ParseGraphEvidence([]byte("["+tt.item+"]"), "a")
		if len(probs) > 0 || len(ents) == 0 || ents[0].Key != tt.key {
			var key string
			if len(ents) > 0 {
				key = ents[0].Key
			}
			t.Errorf("%s: key %q, problems %v; want %q", tt.name, key, probs, tt.key)
		}
	}
}

// TestGraphEvidenceTypeSpellings: the type with or without '#' and its
// namespace, in any case.
func TestGraphEvidenceTypeSpellings(t *testing.T) {
	for _, typ := range []string{"#microsoft.graph.security.ipEvidence", "microsoft.graph.security.ipEvidence", "ipEvidence", "#microsoft.graph.security.IpEvidence"} {
		ents, probs := ParseGraphEvidence([]byte(`[{"@odata.type":"`+typ+`","ipAddress":"192.0.2.1"}]`), "a")
		if len(probs) > 0 || len(ents) != 1 || ents[0].Key != "Ip:192.0.2.1" {
			t.Errorf("%s: %+v, %v", typ, ents, probs)
		}
	}
}
