package defender

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/triage-dev/triage/internal/triage"
)

// Graph's words for incidents, and how they map onto the model's, as
// /work/shared/docs/defender-api.md section 6 sets them out. Graph writes
// enum members in camelCase (samples also show PascalCase): they are read
// case-insensitively and written in camelCase.

// The incident statuses of Graph.
const (
	statusActive         = "active"
	statusInProgress     = "inProgress"
	statusAwaitingAction = "awaitingAction"
	statusResolved       = "resolved"
	statusRedirected     = "redirected"
)

// fromGraphStatus maps an incident status: active (untriaged) is New,
// inProgress and awaitingAction are Active, resolved and redirected
// (merged) are Closed. A status Graph adds later is Active: not closed, and
// kept in Source so it is seen.
func fromGraphStatus(s string) triage.Status {
	switch strings.ToLower(s) {
	case "active":
		return triage.StatusNew
	case "resolved", "redirected":
		return triage.StatusClosed
	}
	return triage.StatusActive
}

// toGraphStatus is the status written for a model status.
func toGraphStatus(s triage.Status) string {
	switch s {
	case triage.StatusNew:
		return statusActive
	case triage.StatusClosed:
		return statusResolved
	}
	return statusInProgress
}

// graphStatuses are the Graph statuses a model status stands for, in a
// listing's $filter.
func graphStatuses(s triage.Status) []string {
	switch s {
	case triage.StatusNew:
		return []string{statusActive}
	case triage.StatusActive:
		return []string{statusInProgress, statusAwaitingAction}
	case triage.StatusClosed:
		return []string{statusResolved, statusRedirected}
	}
	return nil
}

// fromGraphSeverity maps a severity by name; unknown (unset) and anything
// else unrecognised is Informational.
func fromGraphSeverity(s string) triage.Severity {
	if v, err := triage.ParseSeverity(s); err == nil {
		return v
	}
	return triage.SeverityInformational
}

// graphSeverities are the Graph severities a model severity stands for.
func graphSeverities(s triage.Severity) []string {
	if s == triage.SeverityInformational {
		return []string{"informational", "unknown"}
	}
	return []string{strings.ToLower(string(s))}
}

// fromGraphClassification maps a classification and its determination
// onto the model's classification and reason. Graph's unknown is
// Undetermined on a closed incident and no classification on an open one.
func fromGraphClassification(class, determination string, closed bool) (triage.Classification, string) {
	switch strings.ToLower(class) {
	case "truepositive", "apt":
		return triage.ClassTruePositive, "SuspiciousActivity"
	case "informationalexpectedactivity", "securitypersonnel":
		return triage.ClassBenignPositive, "SuspiciousButExpected"
	case "falsepositive":
		if strings.EqualFold(determination, "notEnoughDataToValidate") {
			return triage.ClassFalsePositive, "InaccurateData"
		}
		return triage.ClassFalsePositive, "IncorrectAlertLogic"
	}
	if closed {
		return triage.ClassUndetermined, ""
	}
	return "", ""
}

// The determinations that go with each classification, as the Defender
// portal groups them; a current determination in the group is kept.
var determinations = map[string][]string{
	"truePositive": {"multiStagedAttack", "maliciousUserActivity", "compromisedAccount", "malware", "phishing",
		"unwantedSoftware", "apt", "other"},
	"informationalExpectedActivity": {"securityTesting", "lineOfBusinessApplication", "confirmedActivity", "securityPersonnel"},
	"falsePositive":                 {"notMalicious", "notEnoughDataToValidate"},
}

// toGraphClassification is the classification and determination written
// for a model classification and reason; current is the incident's
// determination, kept when it goes with the classification (a true
// positive's "malware" stays "malware").
func toGraphClassification(c triage.Classification, reason, current string) (string, string) {
	keep := func(class, def string) (string, string) {
		for _, d := range determinations[class] {
			if strings.EqualFold(d, current) {
				return class, d
			}
		}
		return class, def
	}
	switch c {
	case triage.ClassTruePositive:
		return keep("truePositive", "other")
	case triage.ClassBenignPositive:
		return keep("informationalExpectedActivity", "confirmedActivity")
	case triage.ClassFalsePositive:
		if reason == "InaccurateData" {
			return "falsePositive", "notEnoughDataToValidate"
		}
		return "falsePositive", "notMalicious"
	}
	return "unknown", "unknown"
}

// fromGraphAlertStatus writes an alert status as Sentinel's alert
// statuses are written (New, InProgress, Resolved).
func fromGraphAlertStatus(s string) string {
	switch strings.ToLower(s) {
	case "new":
		return "New"
	case "inprogress":
		return "InProgress"
	case "resolved":
		return "Resolved"
	}
	return s
}

// ownerOf reads assignedTo, free text that is usually a UPN.
func ownerOf(assignedTo string) triage.Owner {
	switch {
	case assignedTo == "":
		return triage.Owner{}
	case strings.Contains(assignedTo, "@") && !strings.ContainsAny(assignedTo, " \t"):
		return triage.Owner{UPN: assignedTo}
	case triage.IsGUID(assignedTo):
		return triage.Owner{ObjectID: strings.ToLower(assignedTo)}
	}
	return triage.Owner{AssignedTo: assignedTo}
}

// assignedTo writes an owner as Graph's assignedTo: its UPN, else the
// first name it has; "" unassigns.
func assignedTo(o triage.Owner) string {
	for _, s := range []string{o.UPN, o.Email, o.AssignedTo, o.ObjectID} {
		if s != "" {
			return s
		}
	}
	return ""
}

// graphTime reads a Graph DateTimeOffset: RFC 3339 with any number of
// fractional digits, or the same without a zone (read as UTC, as some
// payloads write it); null, "" and anything unreadable are the zero time,
// so that one odd timestamp never makes a whole incident unreadable.
type graphTime struct{ time.Time }

func (t *graphTime) UnmarshalJSON(b []byte) error {
	var s string
	if json.Unmarshal(b, &s) != nil || s == "" {
		t.Time = time.Time{}
		return nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02"} {
		if v, err := time.Parse(layout, s); err == nil {
			t.Time = v.UTC()
			return nil
		}
	}
	t.Time = time.Time{}
	return nil
}

// odataTime writes a time for a $filter: UTC, at most microseconds (7
// fractional digits is Graph's own precision; fewer is what every parser
// reads). up rounds a time with more precision up rather than down, for
// an exclusive end, so that the server's answer is never narrower than the
// filter; the client applies the exact filter again.
func odataTime(t time.Time, up bool) string {
	u := t.UTC().Truncate(time.Microsecond)
	if up && u.Before(t) {
		u = u.Add(time.Microsecond)
	}
	return u.Format("2006-01-02T15:04:05.999999Z")
}
