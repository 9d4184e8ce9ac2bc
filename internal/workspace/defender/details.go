package defender

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/triage-dev/triage/internal/triage"
)

// graphAlert is a Graph security alert (alerts_v2), as far as triage reads
// it; its evidence is kept raw for triage.ParseGraphEvidence.
type graphAlert struct {
	ID                    string          `json:"id"`
	Title                 string          `json:"title"`
	Description           string          `json:"description"`
	Severity              string          `json:"severity"`
	Status                string          `json:"status"`
	Classification        string          `json:"classification"`
	Determination         string          `json:"determination"`
	ServiceSource         string          `json:"serviceSource"`
	DetectionSource       string          `json:"detectionSource"`
	ProductName           string          `json:"productName"`
	DetectorID            string          `json:"detectorId"`
	Category              string          `json:"category"`
	MitreTechniques       []string        `json:"mitreTechniques"`
	AlertWebURL           string          `json:"alertWebUrl"`
	ProviderAlertID       string          `json:"providerAlertId"`
	ThreatDisplayName     string          `json:"threatDisplayName"`
	CreatedDateTime       graphTime       `json:"createdDateTime"`
	FirstActivityDateTime graphTime       `json:"firstActivityDateTime"`
	LastActivityDateTime  graphTime       `json:"lastActivityDateTime"`
	Evidence              json.RawMessage `json:"evidence"`
}

// Details reads the incident again with its alerts ($expand=alerts) and
// maps each alert onto the model with its evidence parsed into entities
// (triage.ParseGraphEvidence), merged within the workspace's caps. An
// alert that cannot be read is a Problem naming it; so is an incident
// followed from a merged one. The error is for an incident that cannot be
// read at all.
func (w *Workspace) Details(ctx context.Context, inc triage.Incident) (triage.Details, error) {
	where := "incident " + inc.Name
	asm := triage.NewAssembly(where, w.limits)
	if from := inc.Source["redirectedFrom"]; from != "" {
		asm.Problem(triage.Problem{Where: where, What: "incident " + from + " was merged into this one (Defender redirected it): this is the incident shown and written to"})
	}
	data, err := w.getRaw(ctx, inc.Name)
	if err != nil {
		return triage.Details{}, err
	}
	var g graphIncident
	if err := json.Unmarshal(data, &g); err != nil {
		return triage.Details{}, fmt.Errorf("defender workspace %s: %s: malformed answer: %w", w.cfg.Name, where, err)
	}
	if g.Status == statusRedirected && g.RedirectIncidentID != "" {
		asm.Problem(triage.Problem{Where: where, What: "this incident was merged into incident " + g.RedirectIncidentID +
			" (Defender redirected it): its alerts and changes are there"})
	}
	for i, raw := range g.Alerts {
		a, ev, err := alertOf(raw)
		if err != nil {
			asm.Problem(triage.Problem{Where: fmt.Sprintf("%s alert %d", where, i+1), What: err.Error() + "; skipped"})
			continue
		}
		ents, probs := triage.ParseGraphEvidence(ev, where+" alert "+a.ID+" evidence")
		// Linked as ParseSecurityAlert links its entities to its alert.
		for i := range ents {
			ents[i].Alerts = []string{a.ID}
			a.EntityKeys = append(a.EntityKeys, ents[i].Key)
		}
		asm.Alert(a, ents, probs)
	}
	if len(g.Alerts) == 0 {
		asm.Problem(triage.Problem{Where: where, What: "the incident has no alerts"})
	}
	return asm.Details(), nil
}

// alertOf maps one Graph alert, returning its raw evidence.
func alertOf(raw json.RawMessage) (triage.Alert, []byte, error) {
	var x graphAlert
	if err := json.Unmarshal(raw, &x); err != nil {
		return triage.Alert{}, nil, fmt.Errorf("malformed alert: %v", err)
	}
	if x.ID == "" {
		return triage.Alert{}, nil, fmt.Errorf("alert without an id")
	}
	a := triage.Alert{
		ID: x.ID, Name: x.Title, AlertType: x.DetectorID,
		Severity: fromGraphSeverity(x.Severity), Status: fromGraphAlertStatus(x.Status),
		Product:  firstNonEmpty(x.ProductName, x.ServiceSource),
		Provider: x.DetectionSource, Vendor: "Microsoft",
		Techniques: x.MitreTechniques, Description: x.Description,
		EntityKeys: []string{},
		Start:      x.FirstActivityDateTime.UTC(), End: x.LastActivityDateTime.UTC(), TimeGenerated: x.CreatedDateTime.UTC(),
	}
	if x.FirstActivityDateTime.IsZero() {
		a.Start = time.Time{}
	}
	if x.LastActivityDateTime.IsZero() {
		a.End = time.Time{}
	}
	if x.CreatedDateTime.IsZero() {
		a.TimeGenerated = time.Time{}
	}
	if x.Category != "" {
		a.Tactics = []string{x.Category}
	}
	// Graph's own words, kept as the alert's extended properties.
	ext := map[string]string{}
	for k, v := range map[string]string{
		"serviceSource": x.ServiceSource, "detectionSource": x.DetectionSource, "status": x.Status,
		"classification": x.Classification, "determination": x.Determination, "alertWebUrl": x.AlertWebURL,
		"providerAlertId": x.ProviderAlertID, "threatDisplayName": x.ThreatDisplayName, "severity": x.Severity,
	} {
		if v != "" {
			ext[k] = v
		}
	}
	if len(ext) > 0 {
		a.ExtendedProperties = ext
	}
	ev := x.Evidence
	if s := strings.TrimSpace(string(ev)); s == "null" {
		ev = nil
	}
	return a, ev, nil
}
