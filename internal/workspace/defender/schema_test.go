package defender

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/triage-dev/triage/internal/triage"
	"github.com/triage-dev/triage/internal/workspace"
	"github.com/triage-dev/triage/internal/workspace/defender/defendertest"
	"github.com/triage-dev/triage/internal/workspace/workspacetest"
)

// csdl is the part of the Graph schema the checks read.
type csdl struct {
	Schemas []struct {
		Namespace string `xml:"Namespace,attr"`
		Entities  []struct {
			Name  string `xml:"Name,attr"`
			Props []struct {
				Name string `xml:"Name,attr"`
			} `xml:"Property"`
			Navs []struct {
				Name string `xml:"Name,attr"`
			} `xml:"NavigationProperty"`
		} `xml:"EntityType"`
		Complex []struct {
			Name  string `xml:"Name,attr"`
			Base  string `xml:"BaseType,attr"`
			Props []struct {
				Name string `xml:"Name,attr"`
			} `xml:"Property"`
		} `xml:"ComplexType"`
		Enums []struct {
			Name    string `xml:"Name,attr"`
			Members []struct {
				Name string `xml:"Name,attr"`
			} `xml:"Member"`
		} `xml:"EnumType"`
	} `xml:"DataServices>Schema"`
}

func loadSchema(t *testing.T) (props map[string]map[string]bool, enums map[string][]string) {
	t.Helper()
	b, err := os.ReadFile("testdata/security-v1.0.csdl.xml")
	if err != nil {
		t.Fatal(err)
	}
	var c csdl
	if err := xml.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	props, enums = map[string]map[string]bool{}, map[string][]string{}
	for _, s := range c.Schemas {
		if s.Namespace != "microsoft.graph.security" {
			continue
		}
		for _, e := range s.Entities {
			m := map[string]bool{"id": true} // from graph.entity
			for _, p := range e.Props {
				m[p.Name] = true
			}
			for _, p := range e.Navs {
				m[p.Name] = true
			}
			props[e.Name] = m
		}
		bases := map[string]string{}
		for _, e := range s.Complex {
			m := map[string]bool{}
			for _, p := range e.Props {
				m[p.Name] = true
			}
			props[e.Name] = m
			bases[e.Name] = strings.TrimPrefix(e.Base, "self.")
		}
		// A derived type has its base types' properties too (evidence
		// types derive from alertEvidence).
		for name := range bases {
			for b := bases[name]; b != ""; b = bases[b] {
				for p := range props[b] {
					props[name][p] = true
				}
			}
		}
		for _, e := range s.Enums {
			for _, m := range e.Members {
				enums[e.Name] = append(enums[e.Name], m.Name)
			}
		}
	}
	return props, enums
}

// Every field the workspace reads is a property of its Graph type.
func TestReadFieldsAreInTheSchema(t *testing.T) {
	props, _ := loadSchema(t)
	for typ, v := range map[string]any{"incident": graphIncident{}, "alert": graphAlert{}, "alertComment": graphComment{}} {
		rt := reflect.TypeOf(v)
		for i := 0; i < rt.NumField(); i++ {
			name := strings.Split(rt.Field(i).Tag.Get("json"), ",")[0]
			if !props[typ][name] {
				t.Errorf("%s.%s (field %s) is not a property of microsoft.graph.security.%s", rt.Name(), name, rt.Field(i).Name, typ)
			}
		}
	}
}

// Every field a PATCH writes is a documented writable property.
func TestPatchFieldsAreWritable(t *testing.T) {
	props, _ := loadSchema(t)
	st, tp, owner, labels := triage.StatusClosed, triage.ClassTruePositive, triage.Owner{UPN: "a@b.c"}, []string{"x"}
	body := patchOf(triage.Incident{}, workspace.Change{Status: &st, Classification: &tp, Owner: &owner, Labels: &labels})
	writable := map[string]bool{"status": true, "assignedTo": true, "classification": true, "determination": true, "customTags": true}
	for k := range body {
		if !props["incident"][k] || !writable[k] {
			t.Errorf("PATCH writes %s, not a documented writable property of incident", k)
		}
	}
	if len(body) != 5 {
		t.Errorf("PATCH body %v, want the five fields the change sets", body)
	}
}

// Every enum member Graph defines maps onto the model, and what is written
// back is a member.
func TestEveryEnumMemberIsMapped(t *testing.T) {
	_, enums := loadSchema(t)
	member := func(enum, v string) bool {
		for _, m := range enums[enum] {
			if m == v {
				return true
			}
		}
		return false
	}
	for _, m := range enums["incidentStatus"] {
		if s := fromGraphStatus(m); s != triage.StatusNew && s != triage.StatusActive && s != triage.StatusClosed {
			t.Errorf("incident status %s maps to %q", m, s)
		}
	}
	for _, s := range []triage.Status{triage.StatusNew, triage.StatusActive, triage.StatusClosed} {
		if !member("incidentStatus", toGraphStatus(s)) {
			t.Errorf("status %s is written as %q, not an incidentStatus", s, toGraphStatus(s))
		}
		for _, g := range graphStatuses(s) {
			if !member("incidentStatus", g) || fromGraphStatus(g) != s {
				t.Errorf("status %s is filtered as %q", s, g)
			}
		}
	}
	for _, m := range enums["alertSeverity"] {
		if fromGraphSeverity(m).Rank() == 0 {
			t.Errorf("severity %s maps to nothing", m)
		}
	}
	for _, m := range enums["alertClassification"] {
		c, _ := fromGraphClassification(m, "", true)
		if m != "unknownFutureValue" && c == "" {
			t.Errorf("classification %s of a closed incident maps to nothing", m)
		}
	}
	for c, reasons := range workspace.ClassificationReasons {
		for _, r := range append(reasons, "") {
			for _, cur := range append(enums["alertDetermination"], "") {
				gc, gd := toGraphClassification(c, r, cur)
				if !member("alertClassification", gc) || !member("alertDetermination", gd) {
					t.Errorf("%s/%s with %q is written as %s/%s", c, r, cur, gc, gd)
				}
				if back, _ := fromGraphClassification(gc, gd, true); back != c {
					t.Errorf("%s/%s is written as %s/%s, read back as %s", c, r, gc, gd, back)
				}
			}
		}
	}
	if _, d := toGraphClassification(triage.ClassTruePositive, "SuspiciousActivity", "malware"); d != "malware" {
		t.Errorf("a true positive's determination malware became %s", d)
	}
}

// Every property the fake sends exists on its Graph type, so the fake
// invents nothing a client could come to rely on.
func TestFakeSendsSchemaProperties(t *testing.T) {
	props, _ := loadSchema(t)
	srv := defendertest.New(t, workspacetest.Records())
	req, _ := http.NewRequest("GET", srv.URL+"/v1.0/security/incidents/1?$expand=alerts", nil)
	req.Header.Set("Authorization", "Bearer x")
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var inc map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&inc); err != nil {
		t.Fatal(err)
	}
	check := func(typ string, m map[string]any) {
		for k := range m {
			if !strings.HasPrefix(k, "@odata.") && !props[typ][k] {
				t.Errorf("the fake sends %s.%s, not in the schema", typ, k)
			}
		}
	}
	check("incident", inc)
	alerts, _ := inc["alerts"].([]any)
	if len(alerts) == 0 {
		t.Fatal("no alerts")
	}
	for _, a := range alerts {
		check("alert", a.(map[string]any))
	}
}

// Every property of the rich incident's evidence (defendertest.Rich),
// nested items too, exists on its Graph type.
func TestRichEvidenceIsInTheSchema(t *testing.T) {
	props, _ := loadSchema(t)
	_, alerts := defendertest.Rich("7", time.Now())
	// nestedType is the type of a nested property of an evidence item.
	nestedType := map[string]string{
		"userAccount": "userAccount", "fileDetails": "fileDetails", "imageFile": "fileDetails",
		"parentProcessImageFile": "fileDetails", "p1Sender": "emailSender", "p2Sender": "emailSender",
		"sourceAddress": "ipEvidence", "destinationAddress": "ipEvidence", "dnsServerIp": "ipEvidence",
		"hostIpAddress": "ipEvidence", "files": "fileEvidence",
	}
	var check func(typ, where string, m map[string]any)
	check = func(typ, where string, m map[string]any) {
		if props[typ] == nil {
			t.Errorf("%s: %s is not a type of the schema", where, typ)
			return
		}
		for k, v := range m {
			if strings.HasPrefix(k, "@odata.") {
				continue
			}
			if !props[typ][k] {
				t.Errorf("%s: %s.%s is not in the schema", where, typ, k)
			}
			nt := nestedType[k]
			switch x := v.(type) {
			case map[string]any:
				check(nt, where+"."+k, x)
			case []any:
				for _, e := range x {
					if o, ok := e.(map[string]any); ok {
						check(nt, where+"."+k, o)
					}
				}
			}
		}
	}
	kinds := 0
	for _, a := range alerts {
		for k := range a {
			if !strings.HasPrefix(k, "@odata.") && !props["alert"][k] {
				t.Errorf("alert.%s is not in the schema", k)
			}
		}
		for i, e := range a["evidence"].([]any) {
			m := e.(map[string]any)
			typ := strings.TrimPrefix(m["@odata.type"].(string), "#microsoft.graph.security.")
			check(typ, fmt.Sprintf("alert %s evidence %d", a["id"], i), m)
			kinds++
		}
	}
	if kinds < 20 {
		t.Errorf("%d evidence items, want one of nearly every type", kinds)
	}
}
