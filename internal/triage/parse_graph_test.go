package triage

import (
	"strings"
	"testing"
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
}
