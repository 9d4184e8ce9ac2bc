package triage

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// ParseSecurityAlert builds an Alert and its entities from one SecurityAlert
// row given as column name -> value. Values may be strings, time.Time,
// float64/int64, bool, nil or decoded JSON; times may also be RFC 3339 text or
// "2006-01-02 15:04:05" as found in CSV exports. Column names are matched
// exactly, then without regard to case; both today's names and the 2019
// schema's are read (DisplayName or AlertDisplayName, AlertSeverity or
// Severity, StartTime or StartTimeUtc, EndTime or EndTimeUtc). Tactics and
// Techniques may be JSON lists or comma lists; ExtendedProperties a JSON object
// (as text or decoded), whose values are turned into text; Entities JSON text
// or a decoded value, parsed by ParseAlertEntities.
//
// Alert.EntityKeys lists the keys of the entities the alert names, top-level
// and nested, in order of appearance, and each returned entity has Alerts set
// to the alert's id. A missing SystemAlertId is a Problem; the alert then gets
// a stable id made from a hash of the row ("nosystemalertid-" + 16 hex digits).
func ParseSecurityAlert(row map[string]any) (Alert, []Entity, []Problem) {
	r := alertRow(row)
	var probs []Problem
	a := Alert{
		ID:                r.text("SystemAlertId"),
		Name:              r.text("DisplayName", "AlertDisplayName", "AlertName"),
		AlertType:         r.text("AlertType"),
		Severity:          parseSeverity(r.text("AlertSeverity", "Severity")),
		Product:           r.text("ProductName"),
		Provider:          r.text("ProviderName"),
		Vendor:            r.text("VendorName"),
		Status:            r.text("Status"),
		Description:       r.text("Description"),
		CompromisedEntity: r.text("CompromisedEntity"),
		EntityKeys:        []string{},
	}
	where := "alert " + a.ID
	if a.ID == "" {
		a.ID = "nosystemalertid-" + shortHash(canonicalRow(row), 16)
		where = "alert " + a.ID
		if a.Name != "" {
			where += " (" + a.Name + ")"
		}
		probs = append(probs, Problem{Where: where, What: "no SystemAlertId; using an id made from a hash of the row"})
	}
	problem := func(what string) { probs = append(probs, Problem{Where: where, What: what}) }

	for _, f := range []struct {
		dst   *time.Time
		names []string
	}{
		{&a.Start, []string{"StartTime", "StartTimeUtc", "StartTimeUTC"}},
		{&a.End, []string{"EndTime", "EndTimeUtc", "EndTimeUTC"}},
		{&a.TimeGenerated, []string{"TimeGenerated"}},
	} {
		name, v := r.get(f.names...)
		t, err := toTime(v)
		if err != nil {
			problem(name + ": " + err.Error())
		}
		*f.dst = t
	}
	var err error
	if a.Tactics, err = toList(r.value("Tactics")); err != nil {
		problem("Tactics: " + err.Error())
	}
	if a.Techniques, err = toList(r.value("Techniques")); err != nil {
		problem("Techniques: " + err.Error())
	}
	if a.ExtendedProperties, err = toStringMap(r.value("ExtendedProperties")); err != nil {
		problem("ExtendedProperties: " + err.Error())
	}

	var ents []Entity
	var ep []Problem
	ewhere := where + " entities"
	switch v := r.value("Entities").(type) {
	case nil:
	case string:
		ents, ep = ParseAlertEntities([]byte(v), ewhere)
	case []byte:
		ents, ep = ParseAlertEntities(v, ewhere)
	case json.RawMessage:
		ents, ep = ParseAlertEntities(v, ewhere)
	default:
		b, err := json.Marshal(v)
		if err != nil {
			ep = []Problem{{Where: ewhere, What: fmt.Sprintf("entities are a %T that cannot be read as JSON: %v", v, err)}}
			break
		}
		ents, ep = ParseAlertEntities(b, ewhere)
	}
	probs = append(probs, ep...)
	for i := range ents {
		ents[i].Alerts = []string{a.ID}
		a.EntityKeys = append(a.EntityKeys, ents[i].Key)
	}
	return a, ents, probs
}

// alertRow looks columns up by name, exactly and then case-insensitively.
type alertRow map[string]any

// get returns the first of names that the row has with a non-empty value, and
// that value; else the first name and nil.
func (r alertRow) get(names ...string) (string, any) {
	for _, n := range names {
		if v, ok := r[n]; ok && !isBlank(v) {
			return n, v
		}
	}
	keys := sortedKeys(r)
	for _, n := range names {
		for _, k := range keys {
			if v := r[k]; strings.EqualFold(k, n) && !isBlank(v) {
				return k, v
			}
		}
	}
	return names[0], nil
}

func (r alertRow) value(names ...string) any {
	_, v := r.get(names...)
	return v
}

// text returns the first non-empty of the named columns as trimmed text.
func (r alertRow) text(names ...string) string {
	return strings.TrimSpace(stringify(r.value(names...)))
}

// isBlank reports nil and white-space-only strings.
func isBlank(v any) bool {
	switch t := v.(type) {
	case nil:
		return true
	case string:
		return strings.TrimSpace(t) == ""
	}
	return false
}

// parseSeverity reads a severity as ParseSeverity does; other values are
// kept as written.
func parseSeverity(s string) Severity {
	if sev, err := ParseSeverity(s); err == nil {
		return sev
	}
	return Severity(s)
}

// toTime reads a time.Time or a time as text; nil is the zero time.
func toTime(v any) (time.Time, error) {
	switch t := v.(type) {
	case nil:
		return time.Time{}, nil
	case time.Time:
		return t.UTC(), nil
	case string:
		if tt, ok := parseTime(t); ok {
			return tt, nil
		}
		return time.Time{}, fmt.Errorf("unrecognised time %q", truncate(t, 60))
	}
	return time.Time{}, fmt.Errorf("unrecognised time of type %T", v)
}

// toList reads a JSON list, a JSON list as text or a comma-separated list.
func toList(v any) ([]string, error) {
	var items []any
	switch t := v.(type) {
	case nil:
		return nil, nil
	case []string:
		for _, s := range t {
			items = append(items, s)
		}
	case []any:
		items = t
	case string:
		s := strings.TrimSpace(t)
		if strings.HasPrefix(s, "[") {
			dv, err := decodeJSON([]byte(s))
			list, ok := dv.([]any)
			if err != nil || !ok {
				return splitList(strings.Trim(s, "[]")), fmt.Errorf("not a JSON list: %q", truncate(s, 60))
			}
			items = list
			break
		}
		return splitList(s), nil
	default:
		s := stringify(v)
		return splitList(s), nil
	}
	var out []string
	for _, x := range items {
		if s := strings.TrimSpace(stringify(x)); s != "" {
			out = append(out, s)
		}
	}
	return out, nil
}

// splitList splits a comma-separated list, dropping empty items.
func splitList(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ",") {
		if p := strings.Trim(strings.TrimSpace(part), `"`); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// toStringMap reads a JSON object, as text or decoded, with values as text.
func toStringMap(v any) (map[string]string, error) {
	var m map[string]any
	switch t := v.(type) {
	case nil:
		return nil, nil
	case map[string]any:
		m = t
	case map[string]string:
		out := make(map[string]string, len(t))
		for k, x := range t {
			out[k] = x
		}
		return out, nil
	case string:
		dv, err := decodeJSON([]byte(t))
		if err != nil {
			return nil, fmt.Errorf("not JSON: %v", err)
		}
		obj, ok := dv.(map[string]any)
		if !ok {
			if dv == nil {
				return nil, nil
			}
			return nil, fmt.Errorf("a JSON %s, not an object", jsonType(dv))
		}
		m = obj
	default:
		return nil, fmt.Errorf("a %T, not a JSON object", v)
	}
	if len(m) == 0 {
		return nil, nil
	}
	out := make(map[string]string, len(m))
	for k, x := range m {
		out[k] = stringify(x)
	}
	return out, nil
}

// canonicalRow renders a row deterministically for the fallback alert id.
func canonicalRow(row map[string]any) string {
	var b strings.Builder
	for _, k := range sortedKeys(row) {
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(stringify(row[k]))
		b.WriteByte(';')
	}
	return b.String()
}
