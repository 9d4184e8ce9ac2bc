package triage

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// exampleBody returns responses["200"].body of an x-ms-examples file.
func exampleBody(t testing.TB, name string) []byte {
	t.Helper()
	var x struct {
		Responses map[string]struct {
			Body json.RawMessage `json:"body"`
		} `json:"responses"`
	}
	if err := json.Unmarshal(readTestdata(t, "sentinel-api/"+name), &x); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return x.Responses["200"].Body
}

func TestParseAPIEntitiesFixtures(t *testing.T) {
	type row struct {
		Kind  Kind
		Key   string
		Name  string
		Links []Link
	}
	tests := []struct {
		file      string
		want      []row
		wantProbs []Problem
	}{
		{
			file: "GetAllIncidentEntities.json",
			want: []row{{KindAccount, `Account:domain\administrator`, "administrator", nil}},
		},
		{
			file: "GetEntities.json",
			want: []row{
				{KindAccount, "Account:administrator@contoso", "administrator", nil},
				{KindHost, "Host:vm1.contoso", "vm1", nil},
				{KindFile, `File:c:\windows\system32\cmd.exe`, "cmd.exe", nil},
			},
		},
		{
			file: "GetDnsEntityById.json",
			want: []row{{KindDNS, "DnsResolution:domain", "domain", nil}},
			wantProbs: []Problem{{
				"f[0] (f4e74920-f2c0-4412-a45f-66d94fdf01f8)",
				`ipAddressEntityIds "475d3120-33e0-4841-9f1c-a8f15a801d19" names no entity in this response`,
			}},
		},
		{
			file: "GetFileHashEntityById.json",
			want: []row{{KindFileHash, "FileHash:e923636f1093c414aab39f846e9d7a372beefa7b628b28179197e539c56aa0f0",
				"E923636F1093C414AAB39F846E9D7A372BEEFA7B628B28179197E539C56AA0F0(SHA256)", nil}},
		},
		{
			file: "GetIpEntityById.json",
			want: []row{{KindIP, "Ip:10.3.2.8", "10.3.2.8", nil}},
		},
		{
			file: "GetMailboxEntityById.json",
			want: []row{{KindMailbox, "Mailbox:emailaddress1", "emailAddress1", nil}},
		},
		{
			file: "GetProcessEntityById.json",
			want: []row{{KindProcess, `Process:|174664|||"cmd"`, "cmd.exe", nil}},
			wantProbs: []Problem{{
				"f[0] (7264685c-038c-42c6-948c-38e14ef1fb98)",
				`imageFileEntityId "bba7b47b-c1c1-4021-b568-5b07b9292f5e" names no entity in this response`,
			}},
		},
		{
			file: "GetSecurityAlertEntityById.json",
			want: []row{{KindSecurityAlert, "SecurityAlert:4aa486e0-6f85-41af-99ea-7acdce7be6c8", "Suspicious account detected", nil}},
		},
		{
			file: "GetUrlEntityById.json",
			want: []row{{KindURL, "Url:https://bing.com", "https://bing.com", nil}},
		},
		{
			file: "GetAllIncidentAlerts.json",
			want: []row{{KindSecurityAlert, "SecurityAlert:baa8a239-6fde-4ab7-a093-d09f7b75c58c", "myAlert", nil}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			got, probs := ParseAPIEntities(exampleBody(t, tt.file), "f")
			var rows []row
			for _, e := range got {
				rows = append(rows, row{e.Kind, e.Key, e.Name, e.Links})
			}
			if diff := cmp.Diff(tt.want, rows); diff != "" {
				t.Errorf("entities mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantProbs, probs); diff != "" {
				t.Errorf("problems mismatch (-want +got):\n%s", diff)
			}
			checkEntities(t, got)
		})
	}
}

func TestParseAPIEntitiesProperties(t *testing.T) {
	got, _ := ParseAPIEntities(exampleBody(t, "GetProcessEntityById.json"), "f")
	want := map[string]any{
		"commandLine":       `"cmd"`,
		"friendlyName":      "cmd.exe",
		"processId":         "0x2aa48",
		"imageFileEntityId": "bba7b47b-c1c1-4021-b568-5b07b9292f5e", // unresolved: kept
	}
	if diff := cmp.Diff(want, got[0].Properties); diff != "" {
		t.Errorf("properties mismatch (-want +got):\n%s", diff)
	}
}

// TestParseAPIEntitiesLinks resolves EntityId and EntityIds references by the
// entities' name GUIDs, in any order and case.
func TestParseAPIEntitiesLinks(t *testing.T) {
	body := `{"entities":[
	 {"name":"p1","kind":"Process","properties":{"processId":"0x10","creationTimeUtc":"2024-01-02T03:04:05Z","hostEntityId":"H1","imageFileEntityId":"f1","accountEntityId":"a1","parentProcessEntityId":"p0","friendlyName":"evil.exe"}},
	 {"name":"h1","kind":"Host","properties":{"hostName":"vm1","dnsDomain":"contoso.com"}},
	 {"name":"f1","kind":"File","properties":{"fileName":"evil.exe","fileHashEntityIds":["fh1","fh2"]}},
	 {"name":"fh1","kind":"FileHash","properties":{"algorithm":"SHA1","hashValue":"AA"}},
	 {"name":"fh2","kind":"FileHash","properties":{"algorithm":"MD5","hashValue":"BB"}},
	 {"name":"a1","kind":"Account","properties":{"accountName":"bob","ntDomain":"CONTOSO","hostEntityId":"h1"}},
	 {"name":"rk","kind":"RegistryKey","properties":{"hive":"HKEY_LOCAL_MACHINE","key":"Software\\Run"}},
	 {"name":"rv","kind":"RegistryValue","properties":{"keyEntityId":"rk","valueName":"x","valueData":"y"}},
	 {"name":"ip1","kind":"Ip","properties":{"address":"10.0.0.1"}},
	 {"name":"d1","kind":"DnsResolution","properties":{"domainName":"x.example","ipAddressEntityIds":["ip1"],"hostIpAddressEntityId":"ip1"}}
	],"metaData":[]}`
	got, probs := ParseAPIEntities([]byte(body), "incident 1 entities")
	want := map[string][]Link{
		"Process:vm1.contoso.com|16|2024-01-02T03:04:05Z": {
			{"account", `Account:contoso\bob`}, {"host", "Host:vm1.contoso.com"}, {"imageFile", "File:evil.exe|aa,bb"},
		},
		"Host:vm1.contoso.com": nil,
		"File:evil.exe|aa,bb":  {{"fileHashes", "FileHash:aa"}, {"fileHashes", "FileHash:bb"}},
		"FileHash:aa":          nil,
		"FileHash:bb":          nil,
		`Account:contoso\bob`:  {{"host", "Host:vm1.contoso.com"}},
		`RegistryKey:hkey_local_machine\software\run`:     nil,
		`RegistryValue:hkey_local_machine\software\run\x`: {{"key", `RegistryKey:hkey_local_machine\software\run`}},
		"Ip:10.0.0.1":             nil,
		"DnsResolution:x.example": {{"hostIpAddress", "Ip:10.0.0.1"}, {"ipAddresses", "Ip:10.0.0.1"}},
	}
	links := map[string][]Link{}
	for _, e := range got {
		links[e.Key] = e.Links
		for k := range e.Properties {
			if _, _, isLink := relFromEntityID(k); isLink && k != "parentProcessEntityId" {
				t.Errorf("%s: link property %s left in properties", e.Key, k)
			}
		}
	}
	if diff := cmp.Diff(want, links); diff != "" {
		t.Errorf("links mismatch (-want +got):\n%s", diff)
	}
	wantProbs := []Problem{{"incident 1 entities[0] (p1)", `parentProcessEntityId "p0" names no entity in this response`}}
	if diff := cmp.Diff(wantProbs, probs); diff != "" {
		t.Errorf("problems mismatch (-want +got):\n%s", diff)
	}
	checkEntities(t, got)
}

func TestParseAPIEntitiesShapes(t *testing.T) {
	tests := []struct {
		name      string
		body      string
		wantKeys  []string
		wantProbs []Problem
	}{
		{"empty", "", nil, nil},
		{"null", "null", nil, nil},
		{"empty object", "{}", nil, nil},
		{"empty entities", `{"entities":[],"metaData":[]}`, nil, nil},
		{"bare list", `[{"kind":"Ip","properties":{"address":"10.0.0.1"}},{"kind":"Url","properties":{"url":"http://x/"}}]`, []string{"Ip:10.0.0.1", "Url:http://x"}, nil},
		{"value list", `{"value":[{"kind":"Ip","properties":{"address":"10.0.0.1"}}]}`, []string{"Ip:10.0.0.1"}, nil},
		{"single", `{"kind":"DnsResolution","properties":{"domainName":"a.b"}}`, []string{"DnsResolution:a.b"}, nil},
		{"flattened", `[{"kind":"Ip","address":"10.0.0.1","friendlyName":"x"}]`, []string{"Ip:10.0.0.1"}, nil},
		{"same entity twice", `[{"kind":"Ip","properties":{"address":"10.0.0.1"}},{"kind":"Ip","properties":{"address":"10.0.0.01.0"}},{"kind":"ip","properties":{"address":"10.0.0.1","location":{"city":"x"}}}]`,
			[]string{"Ip:10.0.0.1", "Ip:10.0.0.01.0"}, []Problem{{"x[1]", `ip entity: invalid address "10.0.0.01.0"`}}},
		{"not JSON", `<html>`, nil, []Problem{{"x", "entities are not valid JSON: invalid character '<' looking for beginning of value"}}},
		{"a string", `"x"`, nil, []Problem{{"x", "entities are a string, not a list or an object"}}},
		{"entities not a list", `{"entities":{"a":1}}`, nil, []Problem{{"x", `"entities" is a object, not a list`}}},
		{"value not a list", `{"value":"a"}`, nil, []Problem{{"x", `"value" is a string, not a list`}}},
		{"other object", `{"error":{"code":"NotFound"}}`, nil, []Problem{{"x", "no entities: an object with keys error"}}},
		{"bad elements", `[1,{"properties":{"address":"10.0.0.1"}},{"kind":"Ip","properties":"x"},{"kind":"Process","properties":{"hostEntityId":5}}]`,
			[]string{"Ip:#", "Process:#"}, []Problem{
				{"x[0]", "element is a number, not an entity object"},
				{"x[1]", "entity without kind; skipped"},
				{"x[2]", "properties are a string, not an object"},
				{"x[3]", "hostEntityId is a number, not an entity id"},
				{"x[2]", "ip entity without address: keyed by a hash of its properties"},
				{"x[3]", "process entity without processId: keyed by a hash of its properties"},
			}},
		{"unknown kind", `[{"kind":"Blob","properties":{"url":"https://x/y","containerEntityId":"c1"}},{"name":"c1","kind":"BlobContainer","properties":{"name":"c"}}]`,
			[]string{"Blob:#", "BlobContainer:#"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, probs := ParseAPIEntities([]byte(tt.body), "x")
			var keys []string
			for _, e := range got {
				k := e.Key
				if i := strings.Index(k, ":#"); i >= 0 {
					k = k[:i+2]
				}
				keys = append(keys, k)
			}
			if diff := cmp.Diff(tt.wantKeys, keys); diff != "" {
				t.Errorf("keys mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantProbs, probs); diff != "" {
				t.Errorf("problems mismatch (-want +got):\n%s", diff)
			}
			checkEntities(t, got)
		})
	}
}
