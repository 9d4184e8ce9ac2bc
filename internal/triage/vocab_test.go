package triage

import (
	"strings"
	"testing"
)

func TestParseSeverity(t *testing.T) {
	for in, want := range map[string]Severity{
		"high": SeverityHigh, "HIGH": SeverityHigh, " Medium ": SeverityMedium, "low": SeverityLow,
		"informational": SeverityInformational, "Info": SeverityInformational,
		"urgent": "", "": "", "hi": "",
	} {
		got, err := ParseSeverity(in)
		if got != want || (err != nil) != (want == "") {
			t.Errorf("ParseSeverity(%q) = %q, %v; want %q", in, got, err, want)
		}
		if err != nil && !strings.Contains(err.Error(), `unknown severity "`+strings.TrimSpace(in)+`"`) {
			t.Errorf("ParseSeverity(%q) error %q does not name the value", in, err)
		}
	}
}

func TestParseStatus(t *testing.T) {
	for in, want := range map[string]Status{
		"new": StatusNew, "ACTIVE": StatusActive, "Closed": StatusClosed, " closed\n": StatusClosed,
		"done": "", "": "", "resolved": "",
	} {
		got, err := ParseStatus(in)
		if got != want || (err != nil) != (want == "") {
			t.Errorf("ParseStatus(%q) = %q, %v; want %q", in, got, err, want)
		}
		if err != nil && !strings.Contains(err.Error(), "want new, active or closed") {
			t.Errorf("ParseStatus(%q) error %q does not say what is accepted", in, err)
		}
	}
}

func TestParseClassification(t *testing.T) {
	for in, want := range map[string]Classification{
		"closed-nope": "", "false-positive": ClassFalsePositive, "FalsePositive": ClassFalsePositive,
		"falsepositive": ClassFalsePositive, "true_positive": ClassTruePositive, "BP": ClassBenignPositive,
		"undetermined": ClassUndetermined, "benign positive": ClassBenignPositive, "tp": ClassTruePositive,
		"fp": ClassFalsePositive, "": "", "positive": "",
	} {
		got, err := ParseClassification(in)
		if got != want || (err != nil) != (want == "") {
			t.Errorf("ParseClassification(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

func TestParseOwner(t *testing.T) {
	for in, want := range map[string]Owner{
		"none": {}, "Unassigned": {}, "": {}, "  NONE ": {},
		"alice@contoso.com":   {UPN: "alice@contoso.com"},
		" Alice@Contoso.com ": {UPN: "Alice@Contoso.com"},
		// An object id is one GUID in any case: written in lower case.
		"0C0C0C0C-1111-2222-3333-444444444444": {ObjectID: "0c0c0c0c-1111-2222-3333-444444444444"},
		"0c0c0c0c-1111-2222-3333-444444444444": {ObjectID: "0c0c0c0c-1111-2222-3333-444444444444"},
	} {
		if got, err := ParseOwner(in); err != nil || got != want {
			t.Errorf("ParseOwner(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	for _, bad := range []string{"bob", "alice smith@contoso.com", "0c0c0c0c-1111-2222-3333-44444444444", "{0c0c0c0c-1111-2222-3333-444444444444}"} {
		got, err := ParseOwner(bad)
		if err == nil {
			t.Errorf("ParseOwner(%q) = %+v, want an error", bad, got)
			continue
		}
		if !strings.Contains(err.Error(), "user principal name") || !strings.Contains(err.Error(), bad) {
			t.Errorf("ParseOwner(%q) error %q does not name the value and what is accepted", bad, err)
		}
	}
}

func TestIsGUID(t *testing.T) {
	for s, want := range map[string]bool{
		"00000000-0000-0000-0000-000000000000":  true,
		"0C0C0C0C-1111-2222-3333-44444444abcd":  true,
		"0c0c0c0c-1111-2222-3333-44444444ABCD":  true,
		"0c0c0c0c-1111-2222-3333-44444444444":   false, // one digit short
		"0c0c0c0c-1111-2222-3333-4444444444444": false,
		"0c0c0c0c11111-2222-3333-444444444444":  false, // a digit where a hyphen goes
		"0c0c0c0c-1111-2222-3333-44444444444g":  false,
		"{0c0c0c0c-1111-2222-3333-44444444444}": false,
		"0c0c0c0c-1111-2222-3333-44444444444é":  false,
		"":                                      false,
	} {
		if got := IsGUID(s); got != want {
			t.Errorf("IsGUID(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestSameWord(t *testing.T) {
	for _, p := range [][2]string{{"true-positive", "TruePositive"}, {"suspicious but expected", "SuspiciousButExpected"}, {"INACCURATE_DATA", "InaccurateData"}} {
		if !SameWord(p[0], p[1]) {
			t.Errorf("SameWord(%q, %q) = false", p[0], p[1])
		}
	}
	if SameWord("truepositive", "falsepositive") {
		t.Error("SameWord(truepositive, falsepositive) = true")
	}
}
