package report

import (
	"time"

	"github.com/triage-dev/triage/internal/intel"
	"github.com/triage-dev/triage/internal/triage"
)

// Changes is what changed in an incident's triage since the previous
// recorded one: what the later triage has that the earlier had not, and
// the verdict and priority when they moved. Package history works it out
// (history.Diff); the model only carries it.
type Changes struct {
	// First is set when no earlier triage of the incident is recorded:
	// nothing else is then set.
	First bool `json:"first,omitempty"`
	// Previous is when the previous triage was made, and PreviousVersion
	// the version of the program that made it.
	Previous        time.Time `json:"previous,omitzero"`
	PreviousVersion string    `json:"previous_version,omitempty"`
	// NewAlerts are the incident's alerts the previous triage did not have.
	NewAlerts []ChangedAlert `json:"new_alerts"`
	// NewEntities are the entities, by key, the previous triage did not have.
	NewEntities []ChangedEntity `json:"new_entities"`
	// Verdict is set when the threat-intel verdict or its completeness moved.
	Verdict *VerdictMove `json:"verdict,omitempty"`
	// Priority is set when the priority score moved, or appeared or went.
	Priority *PriorityMove `json:"priority,omitempty"`
	// NewRelatedAlerts are related alerts (by ID) the previous triage did
	// not list, each once.
	NewRelatedAlerts []RelatedAlert `json:"new_related_alerts"`
}

// None reports whether nothing changed (and there was an earlier triage).
func (c *Changes) None() bool {
	return !c.First && len(c.NewAlerts) == 0 && len(c.NewEntities) == 0 &&
		c.Verdict == nil && c.Priority == nil && len(c.NewRelatedAlerts) == 0
}

// ChangedAlert is an alert of the incident new since the previous triage.
type ChangedAlert struct {
	ID       string          `json:"id"`
	Name     string          `json:"name"`
	Severity triage.Severity `json:"severity"`
}

// ChangedEntity is an entity of the incident new since the previous triage.
type ChangedEntity struct {
	Key  string      `json:"key"`
	Kind triage.Kind `json:"kind"`
	Name string      `json:"name"`
}

// VerdictMove is the threat-intel verdict before and now.
type VerdictMove struct {
	From         intel.Severity `json:"from"`
	To           intel.Severity `json:"to"`
	FromComplete bool           `json:"from_complete"`
	ToComplete   bool           `json:"to_complete"`
}

// PriorityMove is the priority score before and now; nil where the triage
// had none.
type PriorityMove struct {
	From *int `json:"from"`
	To   *int `json:"to"`
}
