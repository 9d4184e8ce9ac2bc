package config

import (
	"strings"
	"testing"

	"github.com/triage-dev/triage/internal/triage"
)

// TestEntityCaps: triage.max_entities_per_alert and _per_incident set the
// caps, unset ones are the defaults, and a cap below 1 is an error.
func TestEntityCaps(t *testing.T) {
	c, _ := mustLoadTriage(t, "triage:\n  max_entities_per_alert: 40\n", nil)
	if want := (triage.Limits{EntitiesPerAlert: 40, EntitiesPerIncident: triage.DefaultMaxEntitiesPerIncident}); c.Limits != want {
		t.Errorf("Limits = %+v, want %+v", c.Limits, want)
	}
	c, _ = mustLoadTriage(t, "triage:\n  max_entities_per_incident: 90\n", nil)
	if c.Limits.EntitiesPerIncident != 90 || c.Limits.EntitiesPerAlert != triage.DefaultMaxEntitiesPerAlert {
		t.Errorf("Limits = %+v", c.Limits)
	}
	c, err := Load(LoadOptions{UserCacheDir: "/cache"})
	if err != nil {
		t.Fatal(err)
	}
	if want := (triage.Limits{EntitiesPerAlert: triage.DefaultMaxEntitiesPerAlert, EntitiesPerIncident: triage.DefaultMaxEntitiesPerIncident}); c.Limits != want {
		t.Errorf("default Limits = %+v, want %+v", c.Limits, want)
	}
	_, _, err = loadTriage(t, "triage:\n  max_entities_per_alert: 0\n", nil)
	if err == nil || !strings.Contains(err.Error(), "triage.max_entities_per_alert: must be at least 1, got 0") {
		t.Errorf("a cap of 0: %v", err)
	}
}
