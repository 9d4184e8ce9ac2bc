// Package workspacetest is the conformance suite for workspace.Workspace
// implementations: Run loads a small fixed data set into a workspace and
// checks the interface contract (listing and filtering incidents, finding
// them, reading their details, running the built-in catalog queries, errors
// and concurrent use).
package workspacetest

import (
	"fmt"
	"time"
)

// T0 is the base time of the data set.
var T0 = time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)

// The incident names (GUIDs) of the data set.
const (
	Incident1 = "0b1c6a3e-5d4f-4e8a-9a51-1d2f3a4b5c61"
	Incident2 = "0b1c6a3e-5d4f-4e8a-9a51-1d2f3a4b5c62"
	Incident3 = "0b1c6a3e-5d4f-4e8a-9a51-1d2f3a4b5c63"
	Incident4 = "0b1c6a3e-5d4f-4e8a-9a51-1d2f3a4b5c64"
)

// The alert ids of the data set. AlertMissing is listed by incident 1 but has
// no SecurityAlert row; AlertOther belongs to no incident. Incident 2 lists
// Alert3 before Alert2, which began earlier.
const (
	Alert1       = "a1a1a1a1-0000-4000-8000-000000000001"
	Alert2       = "a2a2a2a2-0000-4000-8000-000000000002"
	Alert3       = "a3a3a3a3-0000-4000-8000-000000000003"
	Alert4       = "a4a4a4a4-0000-4000-8000-000000000004"
	AlertOther   = "a5a5a5a5-0000-4000-8000-000000000005"
	AlertMissing = "a9a9a9a9-0000-4000-8000-000000000009"
)

func at(h float64) time.Time { return T0.Add(time.Duration(h * float64(time.Hour))) }

// Records returns the data set, by table: four incidents (incident 1 with two
// revisions, incident 3 with a non-ASCII title and owner, incident 4 without
// alerts), their alerts (alert 4 with malformed Entities, alert 1 with two
// rows), an unrelated alert naming 10.0.0.1, one naming 10.0.0.10, threat
// intelligence indicators (active, expired, revoked, inactive) and a few
// sign-ins. It returns fresh maps on every call.
func Records() map[string][]map[string]any {
	incident := func(name string, number int, rev float64, created float64, title, sev, status string,
		owner map[string]any, alerts []any, extra map[string]any) map[string]any {
		r := map[string]any{
			"TimeGenerated":     at(rev),
			"IncidentName":      name,
			"IncidentNumber":    number,
			"Title":             title,
			"Description":       "Description of " + title,
			"Severity":          sev,
			"Status":            status,
			"Owner":             owner,
			"CreatedTime":       at(created),
			"FirstActivityTime": at(created - 0.5),
			"LastActivityTime":  at(created - 0.1),
			"LastModifiedTime":  at(rev),
			"AlertIds":          alerts,
			"ProviderName":      "Azure Sentinel",
			"IncidentUrl":       fmt.Sprintf("https://portal.azure.com/#asset/Microsoft_Azure_Security_Insights/Incident/%s", name),
			"AdditionalData": map[string]any{
				"alertsCount":       len(alerts),
				"alertProductNames": []any{"Azure Active Directory Identity Protection"},
				"tactics":           []any{"InitialAccess"},
			},
			"TenantId": "72f988bf-0000-0000-0000-000000000000",
		}
		for k, v := range extra {
			r[k] = v
		}
		return r
	}
	none := map[string]any{"objectId": nil, "email": nil, "assignedTo": nil, "userPrincipalName": nil}
	alice := map[string]any{"objectId": "0c0c0c0c-1111-2222-3333-444444444444", "email": "alice@contoso.com",
		"assignedTo": "Alice Smith", "userPrincipalName": "alice@contoso.com"}
	bjorn := map[string]any{"objectId": "0d0d0d0d-1111-2222-3333-444444444444", "email": "bjorn@contoso.com",
		"assignedTo": "Björn Ünal", "userPrincipalName": "bjorn@contoso.com"}
	labels := map[string]any{"Labels": []any{map[string]any{"labelName": "vip", "labelType": "User"}}}

	alert := func(id string, h float64, name, sev, status, entities string) map[string]any {
		return map[string]any{
			"TimeGenerated":      at(h),
			"SystemAlertId":      id,
			"DisplayName":        name,
			"AlertName":          name,
			"AlertSeverity":      sev,
			"Description":        "Alert " + name,
			"ProviderName":       "IPC",
			"VendorName":         "Microsoft",
			"ProductName":        "Azure Active Directory Identity Protection",
			"AlertType":          "AnonymousLogin",
			"StartTime":          at(h - 0.5),
			"EndTime":            at(h - 0.4),
			"Status":             status,
			"CompromisedEntity":  "alice@contoso.com",
			"Tactics":            "InitialAccess",
			"Techniques":         `["T1078"]`,
			"ExtendedProperties": `{"Source IPs":"10.0.0.1","Detail":"x"}`,
			"Entities":           entities,
			"ConfidenceScore":    0.5,
			"IsIncident":         false,
		}
	}
	ipAccount := func(ip, user string) string {
		return fmt.Sprintf(`[{"$id":"2","Address":"%s","Type":"ip"},`+
			`{"$id":"3","Name":"%s","UPNSuffix":"contoso.com","AadUserId":"%s","Type":"account"}]`,
			ip, user, "11111111-2222-3333-4444-"+fmt.Sprintf("%012d", len(user)))
	}

	ti := func(id string, h float64, value, key string, active bool, validUntil time.Time, extra map[string]any) map[string]any {
		r := map[string]any{
			"TimeGenerated":   at(h),
			"Id":              id,
			"ObservableKey":   key,
			"ObservableValue": value,
			"Confidence":      80,
			"IsActive":        active,
			"IsDeleted":       false,
			"ValidFrom":       at(-240),
			"ValidUntil":      validUntil,
			"Created":         at(-240),
			"Modified":        at(h),
			"Tags":            `["malware","c2"]`,
			"Data":            map[string]any{"name": "Indicator " + value, "description": "Seen in campaign X", "labels": []any{"c2"}},
			"Pattern":         "[" + key + " = '" + value + "']",
			"SourceSystem":    "Microsoft Defender Threat Intelligence",
		}
		for k, v := range extra {
			r[k] = v
		}
		return r
	}
	later := at(24 * 30)

	return map[string][]map[string]any{
		"SecurityIncident": {
			incident(Incident1, 1, 1, 1, "Suspicious sign-in from 10.0.0.1", "High", "New", none,
				[]any{Alert1, AlertMissing}, labels),
			incident(Incident1, 1, 2, 1, "Suspicious sign-in from 10.0.0.1", "High", "Active", alice,
				[]any{Alert1, AlertMissing}, labels),
			incident(Incident2, 2, 3, 3, "Mass download by bob", "Medium", "New", none, []any{Alert3, Alert2}, nil),
			incident(Incident3, 3, 6, 5, "Malware on HOST-Ä", "Low", "Closed", bjorn, []any{Alert4},
				map[string]any{"Classification": "TruePositive", "ClassificationReason": "SuspiciousActivity"}),
			incident(Incident4, 4, 5, 5, "Incident without alerts", "Informational", "New", nil, []any{}, nil),
		},
		"SecurityAlert": {
			alert(Alert1, 0.9, "Sign-in from anonymous IP address", "High", "New", ipAccount("10.0.0.1", "alice")),
			alert(Alert1, 1.5, "Sign-in from anonymous IP address", "High", "Resolved", ipAccount("10.0.0.1", "alice")),
			alert(Alert3, 2.9, "Mass download", "Medium", "New", ipAccount("10.0.0.10", "bob")),
			alert(Alert2, 2.6, "Unusual file access", "Medium", "New", ipAccount("10.0.0.20", "bob")),
			alert(Alert4, 4.9, "Malware detected", "Low", "New", `[{"$id":"1","Type":"host",`),
			alert(AlertOther, 4, "Unfamiliar sign-in properties", "Medium", "New", ipAccount("10.0.0.1", "carol")),
		},
		"ThreatIntelIndicators": {
			ti("indicator--1", 0, "203.0.113.7", "ipv4-addr:value", true, later, nil),
			ti("indicator--2", 0, "EVIL.example.com", "domain-name:value", true, later, nil),
			ti("indicator--3", 0, "198.51.100.9", "ipv4-addr:value", true, at(-24), nil),
			ti("indicator--4", 0, "192.0.2.55", "ipv4-addr:value", true, later, nil),
			ti("indicator--4", 1, "192.0.2.55", "ipv4-addr:value", false, later, map[string]any{"Revoked": true}),
			ti("indicator--5", 0, "192.0.2.66", "ipv4-addr:value", false, later, nil),
		},
		"SigninLogs": {
			{
				"TimeGenerated": at(0.9), "UserPrincipalName": "alice@contoso.com", "IPAddress": "10.0.0.1",
				"ResultType": "0", "AppDisplayName": "Azure Portal", "IsInteractive": true,
				"LocationDetails": map[string]any{"city": "Redmond", "countryOrRegion": "US"},
				"DurationMs":      120, "UserType": "Member",
			},
			{
				"TimeGenerated": at(1.1), "UserPrincipalName": "alice@contoso.com", "IPAddress": "10.0.0.10",
				"ResultType": "50126", "AppDisplayName": "Azure Portal", "IsInteractive": true,
			},
		},
	}
}

// Emitter returns a loader that emits every record of recs, for a local
// workspace's Load: ws.Load(ctx, workspacetest.Emitter(recs)).
func Emitter(recs map[string][]map[string]any) func(emit func(table string, rec map[string]any) error) error {
	return func(emit func(string, map[string]any) error) error {
		for table, rs := range recs {
			for _, r := range rs {
				if err := emit(table, r); err != nil {
					return err
				}
			}
		}
		return nil
	}
}
