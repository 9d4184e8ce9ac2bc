package pipeline

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/triage-dev/triage/internal/report"
	"github.com/triage-dev/triage/internal/triage"
	"github.com/triage-dev/triage/internal/workspace"
)

// searchProps names, per kind, the properties whose raw values find candidate
// alerts. Candidates are then kept only when they name an entity with the
// same identity key: the search may be loose, the match never is.
var searchProps = map[triage.Kind][]string{
	triage.KindIP:               {"address"},
	triage.KindURL:              {"url"},
	triage.KindDNS:              {"domainName"},
	triage.KindFileHash:         {"hashValue"},
	triage.KindFile:             {"fileName"},
	triage.KindAccount:          {"aadUserId", "sid", "accountName"},
	triage.KindHost:             {"hostName", "azureID", "omsAgentID"},
	triage.KindMailbox:          {"mailboxPrimaryAddress", "upn"},
	triage.KindMailMessage:      {"networkMessageId"},
	triage.KindSubmissionMail:   {"submissionId"},
	triage.KindCloudApplication: {"appId", "appName"},
	triage.KindAzureResource:    {"resourceId"},
	triage.KindMalware:          {"malwareName"},
	triage.KindRegistryKey:      {"key"},
	triage.KindRegistryValue:    {"valueName"},
	triage.KindSecurityGroup:    {"sid", "objectGuid", "distinguishedName"},
	triage.KindIoTDevice:        {"deviceId"},
	triage.KindNic:              {"macAddress"},
}

// PartialError is returned with a usable result that the workspace marked
// incomplete.
type PartialError struct{ Warnings []string }

func (e *PartialError) Error() string {
	return "the workspace marked the result partial: " + strings.Join(e.Warnings, "; ")
}

// Related finds the alerts outside the incident, from RelatedLookback before
// the window to its end, that name one of the incident's entities. An alert
// relates to an entity only when it names an entity with the same identity
// key (10.0.0.1 does not match 10.0.0.10).
//
// When the workspace marks the query's result partial, the related alerts
// found are returned with a *PartialError.
func Related(ctx context.Context, ws workspace.Workspace, cat *workspace.Catalog, win report.Window,
	alerts []triage.Alert, ents []triage.Entity, problem func(triage.Problem)) ([]report.Related, error) {
	var values, keys []string
	for _, e := range ents {
		for _, p := range searchProps[e.Kind] {
			if vs := stringValues(e.Properties[p]); len(vs) > 0 {
				values = append(values, vs[0])
				keys = append(keys, e.Key)
				break
			}
		}
	}
	if len(values) == 0 {
		return nil, nil
	}
	q, err := cat.Get("related_alerts")
	if err != nil {
		return nil, err
	}
	t, err := ws.Query(ctx, q, workspace.Params{
		"start":  win.Start.Add(-RelatedLookback),
		"end":    win.End,
		"values": dedupeStrings(values),
		"keys":   dedupeStrings(keys),
	})
	if err != nil {
		return nil, fmt.Errorf("related alerts: %w", err)
	}
	for _, w := range t.Warnings {
		problem(triage.Problem{Where: "related alerts query", What: w})
	}
	var partial error
	if len(t.Warnings) > 0 {
		partial = &PartialError{Warnings: t.Warnings}
	}
	own := make(map[string]bool, len(alerts))
	for _, a := range alerts {
		own[a.ID] = true
	}
	wanted := make(map[string]bool, len(keys))
	for _, k := range keys {
		wanted[k] = true
	}
	byKey := make(map[string][]report.RelatedAlert)
	seen := make(map[[2]string]bool)
	for _, rec := range t.Records() {
		a, _, _ := triage.ParseSecurityAlert(rec)
		if own[a.ID] {
			continue
		}
		for _, k := range a.EntityKeys {
			if !wanted[k] || seen[[2]string{k, a.ID}] {
				continue
			}
			seen[[2]string{k, a.ID}] = true
			byKey[k] = append(byKey[k], report.RelatedAlert{
				ID: a.ID, Name: a.Name, Severity: a.Severity, Time: alertTime(a), Product: a.Product,
			})
		}
	}
	var out []report.Related
	for _, e := range ents {
		ras := byKey[e.Key]
		if len(ras) == 0 {
			continue
		}
		slices.SortFunc(ras, func(a, b report.RelatedAlert) int {
			return cmp.Or(b.Time.Compare(a.Time), cmp.Compare(a.ID, b.ID))
		})
		out = append(out, report.Related{Entity: e.Key, Kind: e.Kind, Name: e.Name, Alerts: ras})
	}
	return out, partial
}

func alertTime(a triage.Alert) time.Time {
	switch {
	case !a.Start.IsZero():
		return a.Start
	case !a.TimeGenerated.IsZero():
		return a.TimeGenerated
	}
	return a.End
}

func dedupeStrings(ss []string) []string {
	seen := make(map[string]bool, len(ss))
	out := make([]string, 0, len(ss))
	for _, s := range ss {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}
