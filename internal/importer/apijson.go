package importer

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// readAPIJSON reads a Sentinel incidents API body: incidents (value[] or a
// single incident) or an incident's alerts (value[] of kind SecurityAlert).
// An entities body has no table of its own and is an error.
func readAPIJSON(data []byte) ([]row, error) {
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	var body any
	if err := d.Decode(&body); err != nil {
		return nil, fmt.Errorf("not JSON: %w", err)
	}
	body, _ = unwrapExample(body)
	var items []any
	switch b := body.(type) {
	case map[string]any:
		if v, ok := b["value"].([]any); ok {
			items = v
		} else if _, ok := b["entities"]; ok {
			return nil, errors.New("an incident entities body has no table to import into; import the incident's alerts (their Entities hold the entities) or a SecurityAlert export")
		} else if _, ok := b["properties"]; ok {
			items = []any{b}
		} else {
			return nil, errors.New("not a Sentinel API body: no value[] or properties")
		}
	case []any:
		items = b
	default:
		return nil, errors.New("not a Sentinel API body")
	}
	var rows []row
	for i, it := range items {
		where := fmt.Sprintf("value[%d]", i)
		obj, ok := it.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%s: not an object", where)
		}
		props, _ := obj["properties"].(map[string]any)
		if props == nil {
			return nil, fmt.Errorf("%s: column properties: missing", where)
		}
		var (
			table string
			rec   map[string]any
			err   error
		)
		kind, _ := obj["kind"].(string)
		typ, _ := obj["type"].(string)
		switch {
		case kind == "SecurityAlert" || props["systemAlertId"] != nil:
			table = "SecurityAlert"
			rec, err = alertRecord(obj, props)
		case strings.HasSuffix(strings.ToLower(typ), "/incidents") || props["incidentNumber"] != nil:
			table = "SecurityIncident"
			rec, err = incidentRecord(obj, props)
		default:
			return nil, fmt.Errorf("%s: neither an incident nor an alert (kind %q, type %q)", where, kind, typ)
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", where, err)
		}
		fillTimeGenerated(rec)
		rows = append(rows, row{table: table, rec: rec, where: where})
	}
	return rows, nil
}

// unwrapExample returns responses["200"].body of an x-ms-examples file;
// ok is false (and v is returned) for anything else.
func unwrapExample(v any) (_ any, ok bool) {
	m, ok := v.(map[string]any)
	if !ok {
		return v, false
	}
	resp, ok := m["responses"].(map[string]any)
	if !ok {
		return v, false
	}
	r200, ok := resp["200"].(map[string]any)
	if !ok {
		return v, false
	}
	if body, ok := r200["body"]; ok {
		return body, true
	}
	return v, false
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
	if name, _ := obj["name"].(string); name != "" {
		rec["IncidentName"] = name
	} else {
		return nil, errors.New("column IncidentName (name): missing")
	}
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
