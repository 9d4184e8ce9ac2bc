package summary

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/triage-dev/triage/internal/demo"
	"github.com/triage-dev/triage/internal/workspace"
)

func TestResourcePath(t *testing.T) {
	const sub = "/subscriptions/s1"
	tests := []struct {
		id   string
		want []string
	}{
		{sub, []string{sub}},
		{sub + "/resourceGroups/rg", []string{sub, sub + "/resourceGroups/rg"}},
		{sub + "/resourcegroups/rg/providers/microsoft.compute/virtualmachines/vm1/", []string{
			sub, sub + "/resourcegroups/rg", sub + "/resourcegroups/rg/providers/microsoft.compute/virtualmachines/vm1"}},
		// An extension resource: the second namespace is no name either.
		{sub + "/resourcegroups/rg/providers/a.b/t/r/providers/microsoft.authorization/roleassignments/x", []string{
			sub, sub + "/resourcegroups/rg", sub + "/resourcegroups/rg/providers/a.b/t/r",
			sub + "/resourcegroups/rg/providers/a.b/t/r/providers/microsoft.authorization/roleassignments/x"}},
		{"/providers/microsoft.management/managementgroups/mg", []string{"/providers/microsoft.management/managementgroups/mg"}},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, resourcePath(tt.id)); diff != "" {
			t.Errorf("resourcePath(%q) (-want +got):\n%s", tt.id, diff)
		}
	}

	ids := []string{
		sub + "/resourcegroups/rg-x/providers/microsoft.compute/virtualmachines/vm-1",
		sub + "/resourcegroups/rg-y/providers/microsoft.compute/virtualmachines/vm-10",
	}
	for _, tt := range []struct {
		name        string
		named, like []string
	}{
		{"rg-x", []string{sub + "/resourcegroups/rg-x"}, []string{sub + "/resourcegroups/rg-x"}},
		{"vm-1", []string{ids[0]}, ids}, // not vm-10
		{"virtualmachines/vm-1", []string{ids[0]}, ids},
		{"compute/virtualmachines/vm-1", nil, ids}, // a namespace is no name, but the ids contain it
		{"rg", nil, []string{sub + "/resourcegroups/rg-x", sub + "/resourcegroups/rg-y"}},
	} {
		if got := resourcesNamed(ids, tt.name); !slices.Equal(got, tt.named) {
			t.Errorf("resourcesNamed(%q) = %v, want %v", tt.name, got, tt.named)
		}
		if got := resourcesLike(ids, tt.name); !slices.Equal(got, tt.like) {
			t.Errorf("resourcesLike(%q) = %v, want %v", tt.name, got, tt.like)
		}
	}
}

// TestNameQueries: the names queries bind their names in a let statement
// (KQL) and as a parameter (SQL), find the names that contain the ones
// asked on the demo workspace, each row naming the name it matched, and
// take names that need quoting as they are.
func TestNameQueries(t *testing.T) {
	ws, cat, _ := demoWorkspace(t)
	tests := []struct {
		query string
		names []string
		col   string
		want  []string // some of the col values of the first name
	}{
		{qResourceNames, []string{"rg-finance-prod", "zz-none"}, "ResourceId",
			[]string{"/subscriptions/7725679f-6fa8-4075-abf9-4113bf57dce5/resourcegroups/rg-finance-prod/providers/microsoft.compute/virtualmachines/vm-build-01"}},
		{qHostNames, []string{"wks-fin", "zz-none"}, "Host", []string{"wks-fin-07.contoso-demo.example", "wks-fin-03.contoso-demo.example"}},
		{qAccountNames, []string{"taylor", "zz-none"}, "Account", []string{`contoso\sam.taylor`, "sam.taylor@contoso-demo.example"}},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			q, err := cat.Get(tt.query)
			if err != nil {
				t.Fatal(err)
			}
			if q.Bodies[workspace.KQL] == "" || q.Bodies[workspace.SQL] == "" || q.Description == "" {
				t.Fatalf("want a description and both bodies")
			}
			p := workspace.Params{"names": tt.names, "start": now.Add(-demo.Window), "end": now}
			text, _, err := q.Bind(workspace.KQL, p)
			if err != nil || !strings.HasPrefix(text, "let names = dynamic([") {
				t.Errorf("Bind(KQL): %v %.60q", err, text)
			}
			tab, err := ws.Query(context.Background(), q, p)
			if err != nil {
				t.Fatalf("SQL: %v", err)
			}
			var got []string
			for _, r := range tab.Records() {
				if r.String("Value") != tt.names[0] {
					t.Errorf("row matched %q, want only %q", r.String("Value"), tt.names[0])
				}
				got = append(got, r.String(tt.col))
			}
			for _, w := range tt.want {
				if !slices.Contains(got, w) {
					t.Errorf("%s %v lacks %q", tt.col, got, w)
				}
			}
			hostile := workspace.Params{"names": []string{`o'brien`, `a"b\c`, "x') OR 1=1 --", "%", "_"}, "start": now.Add(-demo.Window), "end": now}
			if tab, err := ws.Query(context.Background(), q, hostile); err != nil || len(tab.Rows) != 0 {
				t.Errorf("names that need quoting: %v, %d rows", err, len(tab.Rows))
			}
		})
	}
}
