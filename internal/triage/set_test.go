package triage

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestSetMergesSameIPAcrossAlerts(t *testing.T) {
	s := NewSet()
	_, e1, _ := ParseSecurityAlert(map[string]any{"SystemAlertId": "a1",
		"Entities": `[{"$id":"1","Type":"ip","Address":"10.0.0.1"},{"$id":"2","Type":"ip","Address":"10.0.0.10"}]`})
	_, e2, _ := ParseSecurityAlert(map[string]any{"SystemAlertId": "a2",
		"Entities": `[{"$id":"1","Type":"ip","Address":"10.0.0.1","Location":{"CountryCode":"NL"}}]`})
	for _, e := range append(e1, e2...) {
		s.Add(e)
	}
	want := []Entity{
		{Kind: KindIP, Key: "Ip:10.0.0.1", Name: "10.0.0.1", Alerts: []string{"a1", "a2"},
			Properties: map[string]any{"address": "10.0.0.1", "location": map[string]any{"countryCode": "NL"}}},
		{Kind: KindIP, Key: "Ip:10.0.0.10", Name: "10.0.0.10", Alerts: []string{"a1"},
			Properties: map[string]any{"address": "10.0.0.10"}},
	}
	if diff := cmp.Diff(want, s.Entities()); diff != "" {
		t.Errorf("entities mismatch (-want +got):\n%s", diff)
	}
}

func TestSetMergeRules(t *testing.T) {
	s := NewSet()
	k := s.Add(Entity{Kind: KindHost, Key: "Host:vm1", Name: "vm1",
		Properties: map[string]any{"hostName": "vm1", "osFamily": "", "osVersion": "10"},
		Links:      []Link{{"ip", "Ip:10.0.0.1"}}, Alerts: []string{"a1"}})
	s.Add(Entity{Kind: KindHost, Key: "Host:vm1", Name: "VM1",
		Properties: map[string]any{"hostName": "VM1", "osFamily": "Windows", "osVersion": "11", "azureID": "/x"},
		Links:      []Link{{"ip", "Ip:10.0.0.1"}, {"ip", "Ip:10.0.0.2"}}, Alerts: []string{"a2", "a1"}})
	if k != "Host:vm1" {
		t.Errorf("Add returned %q", k)
	}
	got, ok := s.Get("Host:vm1")
	if !ok {
		t.Fatal("Get: not found")
	}
	want := Entity{Kind: KindHost, Key: "Host:vm1", Name: "vm1",
		Properties: map[string]any{"hostName": "vm1", "osFamily": "Windows", "osVersion": "10", "azureID": "/x"},
		Links:      []Link{{"ip", "Ip:10.0.0.1"}, {"ip", "Ip:10.0.0.2"}}, Alerts: []string{"a1", "a2"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("merged entity mismatch (-want +got):\n%s", diff)
	}
	if _, ok := s.Get("Host:vm2"); ok {
		t.Error("Get found an entity never added")
	}
	// The set owns its copies.
	got.Properties["hostName"] = "changed"
	if again, _ := s.Get("Host:vm1"); again.Prop("hostName") != "vm1" {
		t.Error("changing a returned entity changed the set")
	}
}

func TestSetUniqueNames(t *testing.T) {
	g1, _ := NewEntity(KindSecurityGroup, map[string]any{"friendlyName": "SecurityGroup", "sid": "S-1-5-32-544"})
	g2, _ := NewEntity(KindSecurityGroup, map[string]any{"friendlyName": "SecurityGroup", "sid": "S-1-5-32-545"})
	g3, _ := NewEntity(KindSecurityGroup, map[string]any{"description": "no names at all"})
	g4, _ := NewEntity(KindSecurityGroup, map[string]any{"description": "none either"})
	f1, _ := NewEntity(KindFile, map[string]any{"fileName": "cmd.exe", "directory": `C:\Windows\System32`})
	f2, _ := NewEntity(KindFile, map[string]any{"fileName": "cmd.exe", "directory": `C:\Temp`})
	a1, _ := NewEntity(KindAccount, map[string]any{"accountName": "bob"})
	a2, _ := NewEntity(KindAccount, map[string]any{"friendlyName": "BOB", "sid": "S-1-5-21-1"})
	s := NewSet()
	for _, e := range []Entity{g1, g2, g3, g4, f1, f2, a1, a2} {
		s.Add(e)
	}
	var names []string
	for _, e := range s.Entities() {
		names = append(names, e.Name)
	}
	want := []string{
		"bob (bob)",
		"BOB (S-1-5-21-1)",
		`cmd.exe (C:\Temp)`,
		`cmd.exe (C:\Windows\System32)`,
		"SecurityGroup (" + keySuffix(g3) + ")",
		"SecurityGroup (" + keySuffix(g4) + ")",
		"SecurityGroup (S-1-5-32-544)",
		"SecurityGroup (S-1-5-32-545)",
	}
	// Hashed keys sort by hash; compare as sets of names and check order of the rest.
	if diff := cmp.Diff(sortedUnique(want), sortedUnique(names)); diff != "" {
		t.Errorf("names mismatch (-want +got):\n%s", diff)
	}
	if len(names) != 8 {
		t.Errorf("got %d names, want 8", len(names))
	}
	if g, _ := s.Get(g1.Key); g.Name != "SecurityGroup (S-1-5-32-544)" {
		t.Errorf("Get name = %q", g.Name)
	}
}

func TestSetUniqueNamesSuffixCollision(t *testing.T) {
	// An entity whose own name equals another's disambiguated name.
	s := NewSet()
	s.Add(Entity{Kind: KindHost, Key: "Host:a", Name: "x"})
	s.Add(Entity{Kind: KindHost, Key: "Host:b", Name: "x"})
	s.Add(Entity{Kind: KindHost, Key: "Host:c", Name: "x (a)"})
	seen := map[string]bool{}
	for _, e := range s.Entities() {
		if seen[e.Name] {
			t.Errorf("name %q used twice", e.Name)
		}
		seen[e.Name] = true
	}
	if !seen["x (a)"] || !seen["x (b)"] {
		t.Errorf("names: %v", seen)
	}
}

func TestSetOrder(t *testing.T) {
	s := NewSet()
	for _, e := range []Entity{
		{Kind: "blob", Key: "blob:#1", Name: "b"},
		{Kind: KindIP, Key: "Ip:10.0.0.2", Name: "10.0.0.2"},
		{Kind: "amazon-resource", Key: "amazon-resource:#1", Name: "z"},
		{Kind: KindAccount, Key: "Account:zed", Name: "zed"},
		{Kind: KindIP, Key: "Ip:10.0.0.1", Name: "10.0.0.1"},
		{Kind: KindAccount, Key: "Account:al", Name: "Al"},
	} {
		s.Add(e)
	}
	var keys []string
	for _, e := range s.Entities() {
		keys = append(keys, e.Key)
	}
	want := []string{"Account:al", "Account:zed", "Ip:10.0.0.1", "Ip:10.0.0.2", "amazon-resource:#1", "blob:#1"}
	if diff := cmp.Diff(want, keys); diff != "" {
		t.Errorf("order mismatch (-want +got):\n%s", diff)
	}
	if s.Len() != 6 {
		t.Errorf("Len = %d", s.Len())
	}
}

func TestSetAddWithoutKey(t *testing.T) {
	s := NewSet()
	k1 := s.Add(Entity{Kind: KindIP, Properties: map[string]any{"x": 1}})
	k2 := s.Add(Entity{Properties: map[string]any{"x": 1}})
	if k1 == "" || k2 == "" || k1 == k2 {
		t.Errorf("keys %q, %q", k1, k2)
	}
	for _, e := range s.Entities() {
		if e.Name == "" || e.Kind == "" {
			t.Errorf("entity without name or kind: %+v", e)
		}
	}
}

// TestSetMergesAccountWithAndWithoutSID: an account named by DOMAIN\name in
// one alert and by DOMAIN\name plus SID (in another spelling) in the next is
// one entity with the SID.
func TestSetMergesAccountWithAndWithoutSID(t *testing.T) {
	_, e1, _ := ParseSecurityAlert(map[string]any{"SystemAlertId": "a1",
		"Entities": `[{"$id":"1","Type":"account","Name":"msticadmin","NTDomain":"msticalertswin1"}]`})
	_, e2, _ := ParseSecurityAlert(map[string]any{"SystemAlertId": "a2",
		"Entities": `[{"$id":"1","Type":"account","Name":"MSTICAdmin","NTDomain":"MSTICAlertsWin1","Sid":"S-1-5-21-1-500"}]`})
	s := NewSet()
	for _, e := range append(e1, e2...) {
		s.Add(e)
	}
	want := []Entity{{Kind: KindAccount, Key: `Account:msticalertswin1\msticadmin`, Name: `msticalertswin1\msticadmin`,
		Properties: map[string]any{"accountName": "msticadmin", "ntDomain": "msticalertswin1", "sid": "S-1-5-21-1-500"},
		Alerts:     []string{"a1", "a2"}}}
	if diff := cmp.Diff(want, s.Entities()); diff != "" {
		t.Errorf("entities mismatch (-want +got):\n%s", diff)
	}
}
