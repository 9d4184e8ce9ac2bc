package cli

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// summarizeJSON runs triage summarize KIND VALUE --format json on the demo.
func summarizeJSON(t *testing.T, kind, value string) summaryDoc {
	t.Helper()
	out, errOut, code := run(t, "summarize", kind, value, "--format", "json")
	var docs []summaryDoc
	if err := json.Unmarshal([]byte(out), &docs); err != nil || len(docs) != 1 || code != ExitOK {
		t.Fatalf("summarize %s %q: exit %d, stderr %q, %v:\n%.500s", kind, value, code, errOut, err, out)
	}
	return docs[0]
}

type summaryDoc struct {
	Status, Reason string
	Facts          []struct{ Label, Value string }
	Sections       []summarySection
}

type summarySection struct {
	Name, Status, Source string
	Table                *struct {
		Columns []struct{ Name, Header, Type string }
		Rows    [][]string
	}
}

func (d summaryDoc) fact(label string) string {
	for _, f := range d.Facts {
		if f.Label == label {
			return f.Value
		}
	}
	return ""
}

// TestSummarizeDemoSources: on the demo, with no configuration and no
// network, an address's location and registration and a name's registration
// and DNS answers come from the demo's own sources.
func TestSummarizeDemoSources(t *testing.T) {
	for _, tt := range []struct {
		kind, value string
		sources     map[string]string // section: its source
	}{
		{"ip", "203.0.113.66", map[string]string{"Geolocation": "static", "Registration": "the demo's registry"}},
		{"domain", "svc-telemetry.example.net", map[string]string{"Registration": "the demo's registry", "DNS answers": "DNS"}},
	} {
		doc := summarizeJSON(t, tt.kind, tt.value)
		for name, source := range tt.sources {
			i := slices.IndexFunc(doc.Sections, func(s summarySection) bool { return s.Name == name })
			if i < 0 || doc.Sections[i].Status != "ok" || doc.Sections[i].Source != source {
				t.Errorf("summarize %s %s: section %s = %+v, want ok from %q", tt.kind, tt.value, name, doc.Sections, source)
			}
		}
	}
}

const (
	demoSub   = "/subscriptions/7725679f-6fa8-4075-abf9-4113bf57dce5"
	demoGroup = demoSub + "/resourcegroups/rg-finance-prod"
)

// What the report prints, and every other form of a host, an account or an
// Azure resource, finds its activity; a name that stands for nothing is an
// empty summary that says what would match.
func TestSummarizeNames(t *testing.T) {
	tests := []struct {
		kind, value string
		facts       map[string]string // label: a part of the value
		ok          []string          // sections with rows
		column      string            // a column of the first ok section's table
		reason      string            // for an empty summary: a part of its reason
	}{
		{kind: "host", value: "WKS-FIN-07", facts: map[string]string{"This host in the logs": "wks-fin-07.contoso-demo.example"},
			ok: []string{"OS and agent", "Logons", "Processes"}},
		{kind: "host", value: "wks-fin-07.contoso-demo.example", facts: map[string]string{"This host in the logs": "wks-fin-07.contoso-demo.example"},
			ok: []string{"OS and agent", "Logons", "Processes"}},
		{kind: "account", value: "sam.taylor@contoso-demo.example", facts: map[string]string{"This account in the logs": "sam.taylor@contoso-demo.example"},
			ok: []string{"Sign-ins", "Office 365 activity", "Host logons"}},
		{kind: "account", value: `CONTOSO\sam.taylor`, facts: map[string]string{"This account in the logs": `contoso\sam.taylor`},
			ok: []string{"Host logons", "Sign-ins"}},
		{kind: "account", value: "sam.taylor", facts: map[string]string{"Accounts named sam.taylor": `contoso\sam.taylor, sam.taylor@contoso-demo.example`},
			ok: []string{"Sign-ins", "Host logons"}},
		// An id finds the names the logs give it, and what they name.
		{kind: "account", value: "S-1-5-21-3623811015-3361044348-30300820-1121", facts: map[string]string{"This account in the logs": `contoso\sam.taylor`},
			ok: []string{"Host logons", "Sign-ins", "Office 365 activity"}},
		{kind: "account", value: "0eb42e8b-8793-48bd-8d08-caa9909efbe8", facts: map[string]string{"This account in the logs": "sam.taylor@contoso-demo.example"},
			ok: []string{"Sign-ins", "Office 365 activity", "Host logons"}},
		{kind: "azureresource", value: "rg-finance-prod", facts: map[string]string{"Resource named rg-finance-prod": demoGroup},
			ok: []string{"Activity on the resource"}, column: "Caller"},
		{kind: "azureresource", value: "RG-FINANCE-PROD", facts: map[string]string{"Resource named rg-finance-prod": demoGroup},
			ok: []string{"Activity on the resource"}},
		{kind: "azureresource", value: demoSub + "/resourceGroups/rg-finance-prod", ok: []string{"Activity on the resource"}},
		{kind: "azureresource", value: "virtualMachines/web-lnx-01", facts: map[string]string{"Resources named virtualmachines/web-lnx-01": "4 resources share the name"},
			ok: []string{"Activity on the resource"}, column: "Resource id"},
		{kind: "azureresource", value: "vm-build-01", facts: map[string]string{"Resources named vm-build-01": demoGroup + "/providers/microsoft.compute/virtualmachines/vm-build-01"},
			ok: []string{"Activity on the resource"}, column: "Resource id"},

		// Nothing of that name: the names that contain it, else the forms.
		{kind: "host", value: "wks-fin", reason: "hosts whose name contains wks-fin: wks-fin-03.contoso-demo.example, wks-fin-05.contoso-demo.example, wks-fin-07.contoso-demo.example"},
		{kind: "host", value: "wks-fin-99", reason: "no host named wks-fin-99 in the logs between 2026-11-19T00:00:00Z and 2026-11-26T00:00:00Z; give a host's name"},
		{kind: "account", value: "taylor", reason: `accounts whose name contains taylor: contoso\sam.taylor, sam.taylor@contoso-demo.example`},
		{kind: "account", value: "nobody.here@contoso-demo.example", reason: "no account nobody.here@contoso-demo.example in the logs"},
		{kind: "account", value: "S-1-5-21-1-2-3-4", reason: "; give an account's UPN"},
		{kind: "azureresource", value: "rg-financ", reason: "no Azure activity on a resource named rg-financ between 2026-11-19T00:00:00Z and 2026-11-26T00:00:00Z; resources whose name contains it: " + demoGroup},
		{kind: "azureresource", value: "rg-nowhere", reason: "; give a resource's name (the last part of its id"},
		{kind: "azureresource", value: "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-finance-prod", reason: "resources named rg-finance-prod: " + demoGroup},
	}
	for _, tt := range tests {
		t.Run(tt.kind+" "+tt.value, func(t *testing.T) {
			d := summarizeJSON(t, tt.kind, tt.value)
			if tt.reason != "" {
				if d.Status != "empty" || !strings.Contains(d.Reason, tt.reason) {
					t.Errorf("summary %s %q; want empty, saying %q", d.Status, d.Reason, tt.reason)
				}
				return
			}
			if d.Status != "ok" {
				t.Errorf("summary %s %q; want ok", d.Status, d.Reason)
			}
			for label, want := range tt.facts {
				if got := d.fact(label); !strings.Contains(got, want) {
					t.Errorf("fact %q = %q; want it to contain %q", label, got, want)
				}
			}
			for _, name := range tt.ok {
				i := slices.IndexFunc(d.Sections, func(s summarySection) bool { return s.Name == name })
				if i < 0 || d.Sections[i].Status != "ok" || d.Sections[i].Table == nil || len(d.Sections[i].Table.Rows) == 0 {
					t.Errorf("section %q is not ok with rows: %+v", name, d.Sections)
					continue
				}
				headers := func() (hs []string) {
					for _, c := range d.Sections[i].Table.Columns {
						hs = append(hs, c.Header)
					}
					return hs
				}
				if c := tt.column; c != "" && name == tt.ok[0] && !slices.Contains(headers(), c) {
					t.Errorf("section %q has columns %v; want %q", name, headers(), c)
				}
			}
		})
	}
}
