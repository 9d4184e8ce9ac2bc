package importer

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/triage-dev/triage/internal/triage"
)

// Entities from the incidents API (an incident's ListEntities body, an
// entities list, an entity) have no table of their own in Log Analytics:
// there they are part of the alerts that name them (SecurityAlert.Entities).
// Triage reads an incident's entities from its alerts, so the importer keeps
// them the same way: the entities listed for one incident become one
// SecurityAlert row, the entity carrier, whose Entities hold them in the
// SecurityAlert.Entities shape, and the incident lists the carrier among its
// alerts. A carrier is marked as such (ProviderName CarrierProvider, severity
// Informational) so nobody takes it for a detection.

// CarrierProvider is the ProviderName of the SecurityAlert rows that carry
// entities imported from the incidents API.
const CarrierProvider = "triage (incident entities)"

// carrier adds the row carrying a group's entities.
func (r *apiReader) carrier(g *entityGroup) error {
	body, err := json.Marshal(map[string]any{"entities": g.items})
	if err != nil {
		return errAt(g.where, err)
	}
	ents, probs := triage.ParseAPIEntities(body, g.where)
	ents = slices.DeleteFunc(ents, func(e triage.Entity) bool { return e.Kind == triage.KindSecurityAlert })
	if len(ents) == 0 {
		return nil // only alerts, which are rows of their own
	}
	text, err := json.Marshal(alertEntities(ents))
	if err != nil {
		return errAt(g.where, err)
	}
	var id, title, desc string
	if g.incident != "" {
		id = madeUpID("incident-entities", strings.ToLower(g.incident))
		title = "Entities of the incident (incidents API export)"
		desc = "The entities the Sentinel incidents API lists for incident " + g.incident +
			", kept by triage import so that triage sees them. This is not an alert raised by a detection."
	} else {
		keys := make([]string, len(ents))
		for i, e := range ents {
			keys[i] = e.Key
		}
		slices.Sort(keys)
		id = madeUpID("entities", strings.Join(keys, "\n"))
		title = "Entities without an incident (incidents API export)"
		desc = "Entities exported from the Sentinel API without the incident they belong to, kept by triage import " +
			"so that triage sees them. This is not an alert raised by a detection."
	}
	rec := map[string]any{
		"SystemAlertId": id,
		"DisplayName":   title,
		"AlertName":     title,
		"AlertType":     "triage.ImportedEntities",
		"AlertSeverity": string(triage.SeverityInformational),
		"Description":   desc,
		"ProductName":   "triage",
		"ProviderName":  CarrierProvider,
		"VendorName":    "triage",
		"Status":        "New",
		"Entities":      string(text),
	}
	if g.incident != "" {
		rec[IncidentLinkField] = g.incident
	}
	var notes []string
	for i, p := range probs {
		if i == maxNotes {
			notes = append(notes, fmt.Sprintf("%d more problems with the entities", len(probs)-i))
			break
		}
		notes = append(notes, p.String())
	}
	return r.emit(row{table: "SecurityAlert", rec: rec, where: g.where + " (entities)", needTime: true, notes: notes})
}

// maxNotes is how many warnings one source of them adds to a Result.
const maxNotes = 5

// alertEntities converts entities as the incidents API names them (what
// ParseAPIEntities returns) into the SecurityAlert.Entities shape that
// ParseAlertEntities reads: objects with "$id", "Type" and the properties,
// where a link to another entity is a {"$ref": "<$id>"} under the link's
// relation name. Properties keep their API (camelCase) names, which
// ParseAlertEntities keeps as they are, so both parsers give the same keys.
func alertEntities(ents []triage.Entity) []any {
	ids := make(map[string]string, len(ents))
	for i, e := range ents {
		if _, dup := ids[e.Key]; !dup {
			ids[e.Key] = strconv.Itoa(i + 1)
		}
	}
	out := make([]any, 0, len(ents))
	for i, e := range ents {
		m := make(map[string]any, len(e.Properties)+len(e.Links)+2)
		for k, v := range e.Properties {
			m[k] = v
		}
		m["$id"] = strconv.Itoa(i + 1)
		m["Type"] = string(e.Kind)
		for _, l := range e.Links {
			id, ok := ids[l.Key]
			if !ok {
				continue // a link to an entity left out (an alert)
			}
			ref := map[string]any{"$ref": id}
			switch cur := m[l.Rel].(type) {
			case nil:
				m[l.Rel] = ref
			case []any:
				m[l.Rel] = append(cur, ref)
			default:
				m[l.Rel] = []any{cur, ref}
			}
		}
		out = append(out, m)
	}
	return out
}
