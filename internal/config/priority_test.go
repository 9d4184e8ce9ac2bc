package config

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/triage-dev/triage/internal/priority"
)

func TestPrioritySettings(t *testing.T) {
	c, _ := mustLoadTriage(t, `priority:
  weights: {ti_high: 50, closed_benign_history: -20}
  crown_jewels: [DC-01, fs-01.contoso.com]
  vip_accounts: [ceo@contoso.com, 'CONTOSO\cfo']
`, nil)
	want := priority.Settings{
		Weights:     map[string]int{"ti_high": 50, "closed_benign_history": -20},
		CrownJewels: []string{"DC-01", "fs-01.contoso.com"},
		VIPAccounts: []string{"ceo@contoso.com", `CONTOSO\cfo`},
	}
	if d := cmp.Diff(want, c.Priority); d != "" {
		t.Errorf("priority (-want +got):\n%s", d)
	}
	c, _ = mustLoadTriage(t, "default_workspace: demo\n", nil)
	if c.Priority.Weights != nil || c.Priority.CrownJewels != nil {
		t.Errorf("unset priority: %+v, want the zero value (the defaults)", c.Priority)
	}
}

func TestPriorityValidation(t *testing.T) {
	for _, tc := range []struct{ yaml, want string }{
		{"priority:\n  weights: {ti_hgh: 10}\n", `priority.weights.ti_hgh: unknown factor "ti_hgh"`},
		{"priority:\n  weights: {ti_high: 500}\n", "priority.weights.ti_high: must be between -100 and 100"},
		{"priority:\n  weights: {ti_high: lots}\n", "want a whole number"},
		{"priority:\n  crown_jewels: [dc-01, '']\n", "priority.crown_jewels: an entry is empty"},
		{"priority:\n  vip: [x]\n", "unknown key"},
	} {
		_, _, err := loadTriage(t, tc.yaml, nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want %q", tc.yaml, err, tc.want)
		}
	}
}
