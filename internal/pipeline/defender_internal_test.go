package pipeline

import (
	"testing"

	"github.com/triage-dev/triage/internal/intel"
	"github.com/triage-dev/triage/internal/ioc"
	"github.com/triage-dev/triage/internal/triage"
)

// TestDefenderResults: one result per entity Defender judged malicious or
// suspicious, named by the indicator the entity is, else by its name and
// kind.
func TestDefenderResults(t *testing.T) {
	ents, probs := triage.ParseGraphEvidence([]byte(`[
	 {"@odata.type":"#microsoft.graph.security.ipEvidence","verdict":"Suspicious","ipAddress":"203.0.113.7","roles":["attacker","source"]},
	 {"@odata.type":"#microsoft.graph.security.userEvidence","verdict":"malicious","userAccount":{"accountName":"bob","domainName":"CONTOSO"}},
	 {"@odata.type":"#microsoft.graph.security.urlEvidence","verdict":"noThreatsFound","url":"https://a.example/"},
	 {"@odata.type":"#microsoft.graph.security.kubernetesPodEvidence","verdict":"malicious","name":"web-1"},
	 {"@odata.type":"#microsoft.graph.security.fileHashEvidence","verdict":"unknown","algorithm":"sha1","value":"d241df7b9d2ec0b8194751cd5ce153e27cc40fa4"}
	]`), "a")
	if len(probs) > 0 {
		t.Fatal(probs)
	}
	got := defenderResults(ents)
	want := []struct {
		ind  string
		typ  ioc.Kind
		sev  intel.Severity
		summ string
	}{
		{"203.0.113.7", ioc.IPv4, intel.SeverityWarning, "suspicious (roles attacker, source)"},
		{`CONTOSO\bob`, "account", intel.SeverityHigh, "malicious"},
		{"web-1", "kubernetesPodEvidence", intel.SeverityHigh, "malicious"},
	}
	if len(got) != len(want) {
		t.Fatalf("results %+v, want %d", got, len(want))
	}
	for i, w := range want {
		g := got[i]
		if g.Indicator != w.ind || g.Type != w.typ || g.Severity != w.sev || g.Summary != w.summ ||
			g.Provider != DefenderSource || g.Status != intel.StatusOK || g.Details["entity"] == nil {
			t.Errorf("result %d = %+v, want %+v", i, g, w)
		}
	}
}
