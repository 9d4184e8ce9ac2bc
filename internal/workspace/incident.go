package workspace

import (
	"encoding/json"
	"errors"
	"strconv"
	"time"

	"github.com/triage-dev/triage/internal/triage"
)

// IncidentFromRecord converts one SecurityIncident row (Log Analytics column
// names) into an Incident. Dynamic columns (Owner, Labels, AlertIds,
// AdditionalData) may be decoded JSON values or JSON text; datetimes may be
// time.Time or RFC 3339 text. Owner is {objectId, email, assignedTo,
// userPrincipalName}; Labels is [{labelName, labelType}]; AdditionalData holds
// alertsCount, alertProductNames and tactics. The alert count is
// AdditionalData.alertsCount, or the number of AlertIds when that is absent.
// A row without an IncidentName is an error.
func IncidentFromRecord(r Record) (triage.Incident, error) {
	inc := triage.Incident{
		Name:                  r.String("IncidentName"),
		Title:                 r.String("Title"),
		Description:           r.String("Description"),
		Severity:              triage.Severity(r.String("Severity")),
		Status:                triage.Status(r.String("Status")),
		Classification:        triage.Classification(r.String("Classification")),
		ClassificationReason:  r.String("ClassificationReason"),
		ClassificationComment: r.String("ClassificationComment"),
		URL:                   r.String("IncidentUrl"),
		Created:               recordTime(r["CreatedTime"]),
		FirstActivity:         recordTime(r["FirstActivityTime"]),
		LastActivity:          recordTime(r["LastActivityTime"]),
		LastModified:          recordTime(r["LastModifiedTime"]),
	}
	if inc.Name == "" {
		return triage.Incident{}, errors.New("no IncidentName in the SecurityIncident row")
	}
	switch v := r["IncidentNumber"].(type) {
	case string:
		n, _ := strconv.Atoi(v)
		inc.Number = n
	default:
		inc.Number = int(r.Int("IncidentNumber"))
	}
	if owner, ok := dynamicValue(r["Owner"]).(map[string]any); ok {
		inc.Owner = triage.Owner{
			ObjectID:   stringOf(owner["objectId"]),
			Email:      stringOf(owner["email"]),
			AssignedTo: stringOf(owner["assignedTo"]),
			UPN:        stringOf(owner["userPrincipalName"]),
		}
	}
	if labels, ok := dynamicValue(r["Labels"]).([]any); ok {
		for _, l := range labels {
			switch l := l.(type) {
			case map[string]any:
				if name := stringOf(l["labelName"]); name != "" {
					inc.Labels = append(inc.Labels, name)
				}
			case string:
				if l != "" {
					inc.Labels = append(inc.Labels, l)
				}
			}
		}
	}
	inc.AlertIDs = stringList(dynamicValue(r["AlertIds"]))
	inc.AlertCount = len(inc.AlertIDs)
	if ad, ok := dynamicValue(r["AdditionalData"]).(map[string]any); ok {
		switch n := ad["alertsCount"].(type) {
		case float64:
			inc.AlertCount = int(n)
		case int64:
			inc.AlertCount = int(n)
		case int:
			inc.AlertCount = n
		}
		inc.ProductNames = stringList(ad["alertProductNames"])
		inc.Tactics = stringList(ad["tactics"])
	}
	return inc, nil
}

// dynamicValue decodes JSON text holding an object or array; other values
// are returned as they are.
func dynamicValue(v any) any {
	s, ok := v.(string)
	if !ok || s == "" || (s[0] != '{' && s[0] != '[') {
		return v
	}
	var out any
	if err := json.Unmarshal([]byte(s), &out); err != nil {
		return v
	}
	return out
}

func stringOf(v any) string {
	s, _ := v.(string)
	return s
}

func stringList(v any) []string {
	var out []string
	switch v := v.(type) {
	case []any:
		for _, x := range v {
			if s, ok := x.(string); ok && s != "" {
				out = append(out, s)
			}
		}
	case []string:
		for _, s := range v {
			if s != "" {
				out = append(out, s)
			}
		}
	}
	return out
}

func recordTime(v any) time.Time {
	switch t := v.(type) {
	case time.Time:
		return t.UTC()
	case string:
		if tm, err := time.Parse(time.RFC3339Nano, t); err == nil {
			return tm.UTC()
		}
	}
	return time.Time{}
}
