package summary

import (
	"slices"
	"strings"
	"testing"

	"github.com/triage-dev/triage/internal/triage"
)

// TestNamedBy: how an alert's entity names an incident's entity, or not,
// and that the text search for the incident's entity finds the alert's.
func TestNamedBy(t *testing.T) {
	ent := func(k triage.Kind, props map[string]any) triage.Entity {
		e, _ := triage.NewEntity(k, props)
		return e
	}
	samAccount := ent(triage.KindAccount, map[string]any{"accountName": "sam.taylor", "ntDomain": "CONTOSO",
		"upnSuffix": "contoso-demo.example", "sid": "S-1-5-21-1-2-3-1121"})
	samMailbox := ent(triage.KindMailbox, map[string]any{"mailboxPrimaryAddress": "Sam.Taylor@contoso-demo.example"})
	host := ent(triage.KindHost, map[string]any{"hostName": "WKS-FIN-07", "dnsDomain": "contoso-demo.example"})
	tests := []struct {
		name  string
		e, a  triage.Entity
		named string
	}{
		{"the same address", ent(triage.KindIP, map[string]any{"address": "10.0.0.1"}),
			ent(triage.KindIP, map[string]any{"address": "10.0.0.1"}), "10.0.0.1"},
		{"an address it begins", ent(triage.KindIP, map[string]any{"address": "10.0.0.1"}),
			ent(triage.KindIP, map[string]any{"address": "10.0.0.10"}), ""},
		{"an account as its mailbox", samAccount, samMailbox, "Sam.Taylor@contoso-demo.example (mailbox)"},
		{"a mailbox as its account", samMailbox, samAccount, "sam.taylor@contoso-demo.example (account)"},
		{"an account by its SID alone", samAccount, ent(triage.KindAccount, map[string]any{"sid": "S-1-5-21-1-2-3-1121"}),
			"S-1-5-21-1-2-3-1121"},
		{"another account's mailbox", samAccount,
			ent(triage.KindMailbox, map[string]any{"mailboxPrimaryAddress": "judy.santos@contoso-demo.example"}), ""},
		{"another account of the name", samAccount,
			ent(triage.KindAccount, map[string]any{"accountName": "sam.taylor", "ntDomain": "WKS-FIN-07", "sid": "S-1-5-21-9-1001"}), ""},
		{"a host by its name", host, ent(triage.KindHost, map[string]any{"hostName": "wks-fin-07"}), "wks-fin-07"},
		{"a host of another domain", host, ent(triage.KindHost, map[string]any{"fqdn": "wks-fin-07.other.example"}), ""},
		{"a host's address", host, ent(triage.KindIP, map[string]any{"address": "10.0.0.10"}), ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := NamedBy(tc.e, tc.a); got != tc.named {
				t.Errorf("NamedBy(%s, %s) = %q, want %q", tc.e.Key, tc.a.Key, got, tc.named)
			}
			if tc.named == "" {
				return
			}
			// The alert's entity as its Entities JSON holds it: one of the
			// values looked for is in it.
			var text string
			for _, v := range tc.a.Properties {
				if s, ok := v.(string); ok {
					text += " " + strings.ToLower(s)
				}
			}
			if !slices.ContainsFunc(RelatedValues(tc.e), func(v string) bool { return strings.Contains(text, strings.ToLower(v)) }) {
				t.Errorf("RelatedValues(%s) = %v: none is in %s's properties %v", tc.e.Key, RelatedValues(tc.e), tc.a.Key, tc.a.Properties)
			}
		})
	}
}
