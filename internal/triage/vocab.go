package triage

import (
	"fmt"
	"strings"
)

// The parsers of the words an analyst types for an incident's fields, one
// rule each for the CLI's flags and the web UI's forms. Each trims white
// space, compares case-insensitively and, on failure, returns an error that
// names the value and what is accepted; callers that speak to a person in
// their own words (a form's field message) may show their own instead.

// ParseSeverity reads a severity: high, medium, low, informational (or
// info), in any case.
func ParseSeverity(v string) (Severity, error) {
	v = strings.TrimSpace(v)
	for _, s := range []Severity{SeverityHigh, SeverityMedium, SeverityLow, SeverityInformational} {
		if strings.EqualFold(v, string(s)) {
			return s, nil
		}
	}
	if strings.EqualFold(v, "info") {
		return SeverityInformational, nil
	}
	return "", fmt.Errorf("unknown severity %q (want high, medium, low or informational)", v)
}

// ParseStatus reads a status: new, active or closed, in any case.
func ParseStatus(v string) (Status, error) {
	v = strings.TrimSpace(v)
	for _, s := range []Status{StatusNew, StatusActive, StatusClosed} {
		if strings.EqualFold(v, string(s)) {
			return s, nil
		}
	}
	return "", fmt.Errorf("unknown status %q (want new, active or closed)", v)
}

// ParseClassification reads a classification as Sentinel spells it or as
// people write it: TruePositive, true-positive, true_positive, "true
// positive" (see SameWord), or the short tp, bp and fp.
func ParseClassification(v string) (Classification, error) {
	short := map[string]Classification{"tp": ClassTruePositive, "bp": ClassBenignPositive, "fp": ClassFalsePositive}
	if c, ok := short[foldKind(v)]; ok {
		return c, nil
	}
	for _, c := range []Classification{ClassTruePositive, ClassBenignPositive, ClassFalsePositive, ClassUndetermined} {
		if SameWord(v, string(c)) {
			return c, nil
		}
	}
	return "", fmt.Errorf("unknown classification %q (want true-positive, benign-positive, false-positive or undetermined)", strings.TrimSpace(v))
}

// ParseOwner reads who to assign an incident to: "", none or unassigned
// (any case) is nobody, the zero Owner; a GUID is an Entra object id; a
// value with an @ and no white space is a user principal name, kept as
// written.
//
// An object id is written in lower case: Entra compares object ids
// case-insensitively and Sentinel returns them in lower case, so the same
// owner typed in capitals is the same owner and a change to it is no
// change.
func ParseOwner(v string) (Owner, error) {
	v = strings.TrimSpace(v)
	switch {
	case v == "" || strings.EqualFold(v, "none") || strings.EqualFold(v, "unassigned"):
		return Owner{}, nil
	case IsGUID(v):
		return Owner{ObjectID: strings.ToLower(v)}, nil
	case strings.Contains(v, "@") && !strings.ContainsAny(v, " \t\r\n"):
		return Owner{UPN: v}, nil
	}
	return Owner{}, fmt.Errorf("unknown owner %q (want a user principal name such as alice@contoso.com, an object id (a GUID), or none to unassign)", v)
}

// IsGUID reports whether s is a GUID as Azure writes one: 32 hexadecimal
// digits, either case, in groups of 8-4-4-4-12 joined by hyphens, without
// braces.
func IsGUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case i == 8 || i == 13 || i == 18 || i == 23:
			if c != '-' {
				return false
			}
		case !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'):
			return false
		}
	}
	return true
}

// SameWord reports whether a and b are the same word as people write it:
// equal once lower-cased and stripped of '-', '_' and white space, so that
// "true-positive", "true positive" and "TruePositive" are one word.
func SameWord(a, b string) bool { return foldKind(a) == foldKind(b) }
