package importer

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// apiReader reads the rows of a Sentinel API body.
type apiReader struct {
	yield   func(row) error
	n       int            // rows yielded
	groups  []*entityGroup // entities, by the incident they were listed for
	skipped map[string]int // objects of types not imported, by type
}

// emit hands a row on.
func (r *apiReader) emit(rw row) error {
	r.n++
	return r.yield(rw)
}

// entityGroup is the entity objects listed for one incident ("" when the
// body does not say which).
type entityGroup struct {
	incident string
	where    string // where the first of them was
	items    []any
}

// readAPIJSON reads a Sentinel API body (see the package documentation for
// the shapes). incident names the incident the body's alerts and entities
// belong to, when known ("" otherwise); an x-ms-examples wrapper's
// parameters.incidentId is used when incident is "". Objects of a type
// that has no table (incident comments, bookmarks, …) are skipped, and notes
// say so. A list (a bare list or value[]) is read one item at a time; any
// other body is read whole.
func readAPIJSON(in *decoded, incident string, yield func(row) error) (notes []string, _ error) {
	d := json.NewDecoder(in)
	d.UseNumber()
	off := func() string { return fmt.Sprintf("offset %d", d.InputOffset()) }
	notJSON := func(err error) error { return errAt(off(), fmt.Errorf("not JSON: %w", err)) }
	r := &apiReader{yield: yield, skipped: map[string]int{}}
	// stream reads the items of a list whose '[' was read.
	stream := func(where string) error {
		for i := 0; d.More(); i++ {
			var it any
			if err := d.Decode(&it); err != nil {
				return errAt(fmt.Sprintf("%s[%d]", where, i), err)
			}
			if err := r.items([]any{it}, where, i, incident); err != nil {
				return err
			}
		}
		if _, err := d.Token(); err != nil {
			return notJSON(err)
		}
		return nil
	}
	tok, err := d.Token()
	if err != nil {
		return nil, notJSON(err)
	}
	var body any
	switch tok {
	case json.Delim('['):
		if err := stream(""); err != nil {
			return nil, err
		}
	case json.Delim('{'):
		obj := map[string]any{}
		listed := false // value[] was read
		for d.More() {
			kt, err := d.Token()
			if err != nil {
				return nil, notJSON(err)
			}
			key, _ := kt.(string)
			if key == "value" && !listed {
				// A list body: its items are read as they come.
				vt, err := d.Token()
				if err != nil {
					return nil, notJSON(err)
				}
				if vt == json.Delim('[') {
					listed = true
					if err := stream("value"); err != nil {
						return nil, err
					}
					continue
				}
				// Anything else under "value": kept, and body says what
				// is wrong with it.
				v, err := rest(d, vt)
				if err != nil {
					return nil, notJSON(err)
				}
				obj[key] = v
				continue
			}
			var v any
			if err := d.Decode(&v); err != nil {
				return nil, notJSON(err)
			}
			obj[key] = v
		}
		if _, err := d.Token(); err != nil {
			return nil, notJSON(err)
		}
		body = obj
		if !listed {
			b, params, _ := unwrapExample(obj)
			if incident == "" {
				incident, _ = params["incidentId"].(string)
			}
			body = b
			if err := r.body(b, "", incident); err != nil {
				return nil, err
			}
		}
	default:
		body = tok
		if err := r.body(tok, "", incident); err != nil {
			return nil, err
		}
	}
	if d.More() {
		return nil, errAt(off(), errors.New("more JSON after the body"))
	}
	for _, g := range r.groups {
		if err := r.carrier(g); err != nil {
			return nil, err
		}
	}
	for _, typ := range sortedKeys(r.skipped) {
		notes = append(notes, fmt.Sprintf("%d objects of type %s skipped: they have no table in a local workspace", r.skipped[typ], typ))
	}
	if m, ok := body.(map[string]any); ok {
		if next, _ := m["nextLink"].(string); next != "" {
			notes = append(notes, "the body has a nextLink: it is one page of a longer list, and only this page is imported")
		}
	}
	if r.n == 0 && len(notes) == 0 {
		notes = append(notes, "the body lists no incidents, alerts or entities")
	}
	return notes, nil
}

// rest decodes the rest of a value whose first token, tok, was read.
func rest(d *json.Decoder, tok json.Token) (any, error) {
	switch tok {
	case json.Delim('{'):
		m := map[string]any{}
		for d.More() {
			kt, err := d.Token()
			if err != nil {
				return nil, err
			}
			key, _ := kt.(string)
			var v any
			if err := d.Decode(&v); err != nil {
				return nil, err
			}
			m[key] = v
		}
		_, err := d.Token()
		return m, err
	case json.Delim('['):
		var l []any
		for d.More() {
			var v any
			if err := d.Decode(&v); err != nil {
				return nil, err
			}
			l = append(l, v)
		}
		_, err := d.Token()
		return l, err
	}
	return tok, nil
}

// skippedTypes are the API resource types (their last segment, lower case)
// that are skipped rather than an error.
var skippedTypes = []string{"comments", "bookmarks", "relations", "tasks", "watchlists", "alertrules", "automationrules"}

// body reads one body: a list ({"value": [...]} or [...]), an incident
// entities body ({"entities": [...]}), a bundle ({"incident": {...},
// "alerts": ..., "entities": ...}) or a single incident, alert or entity.
func (r *apiReader) body(v any, where, incident string) error {
	switch b := v.(type) {
	case []any:
		return r.items(b, where, 0, incident)
	case map[string]any:
		if _, ok := b["value"]; ok {
			list, ok := b["value"].([]any)
			if !ok {
				return errAtf(where+"value", "a %s, not a list", jsonKind(b["value"]))
			}
			return r.items(list, where+"value", 0, incident)
		}
		if inc, ok := b["incident"].(map[string]any); ok {
			return r.item(inc, where+"incident", incident, b)
		}
		_, hasProps := b["properties"]
		_, hasKind := b["kind"]
		if hasProps || hasKind || b["systemAlertId"] != nil {
			w := strings.TrimSuffix(where, ".")
			if w == "" {
				w = "body"
			}
			return r.item(b, w, incident, nil)
		}
		if e, ok := b["entities"]; ok {
			return r.entities(e, where+"entities", incident)
		}
		if a, ok := b["alerts"]; ok {
			return r.body(a, where+"alerts.", incident)
		}
		return errAtf(at(where), "not a Sentinel API body: an object with keys %s (want value[], entities[], or an incident, alert or entity with properties)", strings.Join(sortedKeys(b), ", "))
	case nil:
		return nil
	}
	return errAtf(at(where), "not a Sentinel API body: a %s", jsonKind(v))
}

// at is where an error happened: where, or "body" at the top.
func at(where string) string {
	if where = strings.TrimSuffix(where, "."); where == "" {
		return "body"
	}
	return where
}

// items reads the items of a list; first is the index of the first.
func (r *apiReader) items(list []any, where string, first int, incident string) error {
	for i, it := range list {
		i += first
		obj, ok := it.(map[string]any)
		if !ok {
			return errAtf(fmt.Sprintf("%s[%d]", where, i), "a %s, not an object", jsonKind(it))
		}
		if err := r.item(obj, fmt.Sprintf("%s[%d]", where, i), incident, nil); err != nil {
			return err
		}
	}
	return nil
}

// entities reads the entities listed for an incident: a list or a body
// with entities[] or value[].
func (r *apiReader) entities(v any, where, incident string) error {
	var list []any
	switch e := v.(type) {
	case nil:
		return nil
	case []any:
		list = e
	case map[string]any:
		switch {
		case e["entities"] != nil:
			list, _ = e["entities"].([]any)
			where += ".entities"
		case e["value"] != nil:
			list, _ = e["value"].([]any)
			where += ".value"
		}
		if list == nil {
			return errAtf(where, "an object without an entities[] or value[] list")
		}
	default:
		return errAtf(where, "a %s, not a list of entities", jsonKind(v))
	}
	for i, it := range list {
		obj, ok := it.(map[string]any)
		if !ok {
			return errAtf(fmt.Sprintf("%s[%d]", where, i), "a %s, not an entity object", jsonKind(it))
		}
		w := fmt.Sprintf("%s[%d]", where, i)
		if isAlert(obj) {
			if err := r.item(obj, w, incident, nil); err != nil {
				return err
			}
		}
		r.addEntity(obj, w, incident) // alerts too, so links to them resolve
	}
	return nil
}

func (r *apiReader) addEntity(obj map[string]any, where, incident string) {
	for _, g := range r.groups {
		if strings.EqualFold(g.incident, incident) {
			g.items = append(g.items, obj)
			return
		}
	}
	r.groups = append(r.groups, &entityGroup{incident: incident, where: where, items: []any{obj}})
}

// isAlert reports whether an API object is an alert: an entity of kind
// SecurityAlert, or anything with a systemAlertId.
func isAlert(obj map[string]any) bool {
	kind, _ := obj["kind"].(string)
	props, _ := obj["properties"].(map[string]any)
	return strings.EqualFold(kind, "SecurityAlert") || props["systemAlertId"] != nil || obj["systemAlertId"] != nil
}

// isIncident reports whether an API object is an incident.
func isIncident(obj map[string]any) bool {
	typ, _ := obj["type"].(string)
	props, _ := obj["properties"].(map[string]any)
	return strings.HasSuffix(strings.ToLower(typ), "/incidents") || props["incidentNumber"] != nil || obj["incidentNumber"] != nil
}

// item reads one incident, alert or entity. bundle, when not nil, is the
// object holding the incident beside its alerts and entities.
func (r *apiReader) item(obj map[string]any, where, incident string, bundle map[string]any) error {
	props, _ := obj["properties"].(map[string]any)
	kind, _ := obj["kind"].(string)
	typ, _ := obj["type"].(string)
	switch {
	case isAlert(obj):
		if props == nil {
			props = flatProps(obj)
		}
		rec, err := alertRecord(obj, props)
		if err != nil {
			return errAt(where, err)
		}
		if incident != "" {
			rec[IncidentLinkField] = incident
		}
		fillTimeGenerated(rec)
		if err := r.emit(row{table: "SecurityAlert", rec: rec, where: where}); err != nil {
			return err
		}
	case isIncident(obj):
		nested := props // where alerts and entities may be, besides obj
		if props == nil {
			props = flatProps(obj)
		}
		rec, err := incidentRecord(obj, props)
		if err != nil {
			return errAt(where, err)
		}
		fillTimeGenerated(rec)
		if err := r.emit(row{table: "SecurityIncident", rec: rec, where: where}); err != nil {
			return err
		}
		name := rec["IncidentName"].(string)
		// Alerts and entities exported with the incident: beside its
		// properties, inside them, or beside it in a bundle.
		for _, src := range []struct {
			m map[string]any
			w string
		}{{obj, where + "."}, {nested, where + ".properties."}, {bundle, ""}} {
			if src.m == nil {
				continue
			}
			if a, ok := src.m["alerts"]; ok && a != nil {
				if err := r.body(a, src.w+"alerts.", name); err != nil {
					return err
				}
			}
			if e, ok := src.m["entities"]; ok && e != nil {
				if err := r.entities(e, src.w+"entities", name); err != nil {
					return err
				}
			}
		}
	case slices.Contains(skippedTypes, strings.ToLower(typ[strings.LastIndexByte(typ, '/')+1:])):
		r.skipped[typ]++
	case kind != "" || strings.HasSuffix(strings.ToLower(typ), "/entities"):
		r.addEntity(obj, where, incident)
	case props == nil:
		return errAtf(where, "column properties: missing")
	default:
		return errAtf(where, "neither an incident, an alert nor an entity (kind %q, type %q)", kind, typ)
	}
	return nil
}

// flatProps returns the properties of an object that has them beside its
// kind rather than in properties.
func flatProps(obj map[string]any) map[string]any {
	p := make(map[string]any, len(obj))
	for k, v := range obj {
		switch k {
		case "id", "name", "type", "kind", "etag", "systemData":
		default:
			p[k] = v
		}
	}
	return p
}

// unwrapExample returns responses["200"].body (or "201") of an x-ms-examples
// file and its parameters; ok is false (and v is returned) for anything else.
func unwrapExample(v any) (_ any, params map[string]any, ok bool) {
	m, ok := v.(map[string]any)
	if !ok {
		return v, nil, false
	}
	resp, ok := m["responses"].(map[string]any)
	if !ok {
		return v, nil, false
	}
	params, _ = m["parameters"].(map[string]any)
	for _, code := range []string{"200", "201"} {
		r, ok := resp[code].(map[string]any)
		if !ok {
			continue
		}
		if body, ok := r["body"]; ok {
			return body, params, true
		}
	}
	return v, nil, false
}

// field is one mapping from an API property to a column.
type field struct{ prop, col string }

// setFields converts the listed properties into rec by the table's types.
func setFields(rec map[string]any, table string, props map[string]any, fields []field) error {
	types, _ := schemaTypes(table)
	for _, f := range fields {
		v, ok := props[f.prop]
		if !ok || v == nil {
			continue
		}
		cv, ok, err := convert(types[f.col], v)
		if err != nil {
			return fmt.Errorf("column %s (%s): %w", f.col, f.prop, err)
		}
		if ok {
			rec[f.col] = cv
		}
	}
	return nil
}

func incidentRecord(obj, props map[string]any) (map[string]any, error) {
	rec := map[string]any{}
	name, _ := obj["name"].(string)
	if name == "" {
		id, _ := obj["id"].(string)
		name = id[strings.LastIndexByte(id, '/')+1:]
	}
	if name == "" {
		return nil, errors.New("column IncidentName (name): missing")
	}
	rec["IncidentName"] = name
	err := setFields(rec, "SecurityIncident", props, []field{
		{"lastModifiedTimeUtc", "TimeGenerated"},
		{"incidentNumber", "IncidentNumber"},
		{"title", "Title"},
		{"description", "Description"},
		{"severity", "Severity"},
		{"status", "Status"},
		{"classification", "Classification"},
		{"classificationReason", "ClassificationReason"},
		{"classificationComment", "ClassificationComment"},
		{"owner", "Owner"},
		{"providerName", "ProviderName"},
		{"providerIncidentId", "ProviderIncidentId"},
		{"createdTimeUtc", "CreatedTime"},
		{"firstActivityTimeUtc", "FirstActivityTime"},
		{"lastActivityTimeUtc", "LastActivityTime"},
		{"lastModifiedTimeUtc", "LastModifiedTime"},
		{"labels", "Labels"},
		{"additionalData", "AdditionalData"},
		{"relatedAnalyticRuleIds", "RelatedAnalyticRuleIds"},
		{"incidentUrl", "IncidentUrl"},
	})
	if err != nil {
		return nil, err
	}
	rec["AlertIds"] = []any{}
	rec["BookmarkIds"] = []any{}
	if _, ok := rec["Labels"]; !ok {
		rec["Labels"] = []any{}
	}
	if s, _ := rec["Status"].(string); s == "Closed" {
		if t, ok := rec["LastModifiedTime"]; ok {
			rec["ClosedTime"] = t
		}
	}
	return rec, nil
}

func alertRecord(obj, props map[string]any) (map[string]any, error) {
	rec := map[string]any{}
	err := setFields(rec, "SecurityAlert", props, []field{
		{"timeGenerated", "TimeGenerated"},
		{"systemAlertId", "SystemAlertId"},
		{"alertDisplayName", "DisplayName"},
		{"alertDisplayName", "AlertName"},
		{"severity", "AlertSeverity"},
		{"description", "Description"},
		{"productName", "ProductName"},
		{"productComponentName", "ProductComponentName"},
		{"vendorName", "VendorName"},
		{"providerAlertId", "VendorOriginalId"},
		{"alertType", "AlertType"},
		{"confidenceLevel", "ConfidenceLevel"},
		{"confidenceScore", "ConfidenceScore"},
		{"startTimeUtc", "StartTime"},
		{"endTimeUtc", "EndTime"},
		{"processingEndTime", "ProcessingEndTime"},
		{"compromisedEntity", "CompromisedEntity"},
		{"status", "Status"},
		{"alertLink", "AlertLink"},
		{"remediationSteps", "RemediationSteps"},
	})
	if err != nil {
		return nil, err
	}
	if _, ok := rec["DisplayName"]; !ok {
		if fn, ok := props["friendlyName"].(string); ok && fn != "" {
			rec["DisplayName"], rec["AlertName"] = fn, fn
		}
	}
	if _, ok := rec["SystemAlertId"]; !ok {
		name, _ := obj["name"].(string)
		if name == "" {
			return nil, errors.New("column SystemAlertId (systemAlertId): missing")
		}
		rec["SystemAlertId"] = name
	}
	if pn, ok := rec["ProductName"]; ok {
		rec["ProviderName"] = pn
	}
	rec["Entities"] = "[]"
	for _, p := range []struct{ prop, col string }{{"tactics", "Tactics"}, {"techniques", "Techniques"}} {
		if l, ok := props[p.prop].([]any); ok {
			var parts []string
			for _, e := range l {
				if s, ok := e.(string); ok {
					parts = append(parts, s)
				}
			}
			rec[p.col] = strings.Join(parts, ",")
		}
	}
	if ad, ok := props["additionalData"].(map[string]any); ok {
		b, err := json.Marshal(ad)
		if err != nil {
			return nil, fmt.Errorf("column ExtendedProperties (additionalData): %w", err)
		}
		rec["ExtendedProperties"] = string(b)
	}
	return rec, nil
}

// jsonKind names the JSON type of a decoded value for errors.
func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case map[string]any:
		return "object"
	case []any:
		return "list"
	case string:
		return "string"
	case bool:
		return "bool"
	}
	return "number"
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
