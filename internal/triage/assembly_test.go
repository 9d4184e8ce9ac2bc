package triage_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/triage-dev/triage/internal/triage"
	"github.com/triage-dev/triage/internal/workspace/workspacetest"
)

// alertRow is a SecurityAlert row naming the entities of ManyEntities(seed, n).
func alertRow(id string, at time.Time, seed, n int) map[string]any {
	return map[string]any{"SystemAlertId": id, "DisplayName": "alert " + id, "TimeGenerated": at,
		"Entities": workspacetest.ManyEntities(seed, n)}
}

// checkClosed fails when an entity of d links to one d does not hold, or an
// alert names one.
func checkClosed(t *testing.T, d triage.Details) {
	t.Helper()
	keys := map[string]bool{}
	for _, e := range d.Entities {
		keys[e.Key] = true
	}
	for _, e := range d.Entities {
		for _, l := range e.Links {
			if !keys[l.Key] {
				t.Errorf("%s links (%s) to %s, which was left out", e.Key, l.Rel, l.Key)
			}
		}
	}
	for _, a := range d.Alerts {
		for _, k := range a.EntityKeys {
			if !keys[k] {
				t.Errorf("alert %s names %s, which was left out", a.ID, k)
			}
		}
	}
}

func problemsText(d triage.Details) string {
	var b strings.Builder
	for _, p := range d.Problems {
		b.WriteString(p.String() + "\n")
	}
	return b.String()
}

// TestAlertBeyondTheCap: an alert (Sentinel's format, with $id and $ref)
// naming more entities than the cap gives exactly the cap's entities, the
// first ones with those they refer to, and one problem that counts the rest
// by kind.
func TestAlertBeyondTheCap(t *testing.T) {
	t0 := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	all, ents, _ := triage.ParseSecurityAlert(alertRow("a1", t0, 0, 1000))
	if len(ents) != 1000 {
		t.Fatalf("the fixture names %d entities, want 1000", len(ents))
	}
	asm := triage.NewAssembly("incident 1", triage.Limits{EntitiesPerAlert: 100, EntitiesPerIncident: 5000})
	asm.Alert(triage.ParseSecurityAlert(alertRow("a1", t0, 0, 1000)))
	d := asm.Details()
	if len(d.Entities) != 100 {
		t.Errorf("%d entities kept, want the cap's 100", len(d.Entities))
	}
	checkClosed(t, d)
	// The first ones in the alert's order.
	kept := map[string]bool{}
	for _, e := range d.Entities {
		kept[e.Key] = true
	}
	for _, k := range all.EntityKeys[:90] {
		if !kept[k] {
			t.Errorf("%s, among the alert's first entities, was left out", k)
		}
	}
	if len(d.Alerts) != 1 || len(d.Alerts[0].EntityKeys) != 100 {
		t.Errorf("the alert names %d entities after the cap, want 100", len(d.Alerts[0].EntityKeys))
	}
	if d.EntitiesLeftOut != 900 {
		t.Errorf("EntitiesLeftOut = %d, want 900", d.EntitiesLeftOut)
	}
	var capped []triage.Problem
	for _, p := range d.Problems {
		if strings.Contains(p.What, "left out") {
			capped = append(capped, p)
		}
	}
	if len(capped) != 1 {
		t.Fatalf("want one problem for the cap, got:\n%s", problemsText(d))
	}
	p := capped[0]
	if p.Where != "alert a1" || !strings.Contains(p.What, "names 1,000 entities; the first 100 were kept, 900 left out (") ||
		!strings.Contains(p.What, " Account") || !strings.Contains(p.What, " Ip") {
		t.Errorf("problem %q does not name the alert, the counts and the kinds left out", p)
	}
	// Within the cap nothing is left out and nothing is said.
	asm = triage.NewAssembly("incident 1", triage.Limits{EntitiesPerAlert: 1000})
	asm.Alert(triage.ParseSecurityAlert(alertRow("a1", t0, 0, 1000)))
	if d := asm.Details(); len(d.Entities) != 1000 || d.EntitiesLeftOut != 0 || len(d.Problems) != 0 {
		t.Errorf("at the cap: %d entities, %d left out, problems:\n%s", len(d.Entities), d.EntitiesLeftOut, problemsText(d))
	}
}

// TestReferencedEntitiesKept: a process that refers to a host listed after
// it is kept with its host, its image file and the file's hash, or not at
// all.
func TestReferencedEntitiesKept(t *testing.T) {
	ents := `[{"$id":"1","Address":"198.51.100.1","Type":"ip"},
	 {"$id":"2","ProcessId":"42","CommandLine":"x.exe","CreationTimeUtc":"2024-05-01T00:00:00Z",
	  "ImageFile":{"$id":"3","Directory":"C:\\T","Name":"x.exe","FileHashes":[{"$id":"4","Algorithm":"SHA256","Value":"` +
		strings.Repeat("ab", 32) + `","Type":"filehash"}],"Type":"file"},"Host":{"$ref":"6"},"Type":"process"},
	 {"$id":"5","Address":"198.51.100.2","Type":"ip"},
	 {"$id":"6","HostName":"h1","Type":"host"},
	 {"$id":"7","Address":"198.51.100.3","Type":"ip"}]`
	row := map[string]any{"SystemAlertId": "a1", "Entities": ents}
	for _, tc := range []struct {
		cap  int
		want []string // kinds kept, sorted as Details sorts them
	}{
		{5, []string{"Host", "Ip", "FileHash", "File", "Process"}},
		{6, []string{"Host", "Ip", "Ip", "FileHash", "File", "Process"}},
		// The process brings 3 more and does not fit; the entities after it
		// that bring none do, up to the cap.
		{4, []string{"Host", "Ip", "Ip", "FileHash"}},
	} {
		asm := triage.NewAssembly("incident 1", triage.Limits{EntitiesPerAlert: tc.cap})
		asm.Alert(triage.ParseSecurityAlert(row))
		d := asm.Details()
		var got []string
		for _, e := range d.Entities {
			got = append(got, string(e.Kind))
		}
		if strings.Join(got, " ") != strings.Join(tc.want, " ") {
			t.Errorf("cap %d: kept %v, want %v", tc.cap, got, tc.want)
		}
		checkClosed(t, d)
	}
}

// TestIncidentBeyondTheCap: each alert within its cap, the incident beyond
// its own: the entities of its earliest alerts are kept, then the incidents
// API's, up to the cap, and one problem for the incident counts the rest.
func TestIncidentBeyondTheCap(t *testing.T) {
	t0 := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	asm := triage.NewAssembly("incident 7", triage.Limits{EntitiesPerAlert: 50, EntitiesPerIncident: 120})
	// Added latest first: the cap keeps by time.
	for i := 3; i >= 1; i-- {
		asm.Alert(triage.ParseSecurityAlert(alertRow(fmt.Sprintf("a%d", i), t0.Add(time.Duration(i)*time.Minute), i, 50)))
	}
	d := asm.Details()
	if len(d.Entities) != 120 {
		t.Errorf("%d entities kept, want the incident's cap of 120", len(d.Entities))
	}
	checkClosed(t, d)
	if got := []string{d.Alerts[0].ID, d.Alerts[1].ID, d.Alerts[2].ID}; got[0] != "a1" || got[2] != "a3" {
		t.Fatalf("alerts %v, want time order", got)
	}
	if len(d.Alerts[0].EntityKeys) != 50 || len(d.Alerts[1].EntityKeys) != 50 || len(d.Alerts[2].EntityKeys) != 20 {
		t.Errorf("the alerts name %d, %d and %d entities; want 50, 50 and the 20 left of the cap",
			len(d.Alerts[0].EntityKeys), len(d.Alerts[1].EntityKeys), len(d.Alerts[2].EntityKeys))
	}
	if d.EntitiesLeftOut != 30 {
		t.Errorf("EntitiesLeftOut = %d, want 30", d.EntitiesLeftOut)
	}
	text := problemsText(d)
	if !strings.Contains(text, "incident 7: the incident names 150 entities; the first 120 were kept, 30 left out (") {
		t.Errorf("no problem for the incident's cap with its counts:\n%s", text)
	}
}

// TestAPIEntitiesBeyondTheCap: the incidents API's format (entities that
// refer to others by "...EntityId") is capped with the incident, after the
// alerts' entities, its links kept whole.
func TestAPIEntitiesBeyondTheCap(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"entities":[`)
	for i := range 100 {
		if i > 0 {
			b.WriteString(",")
		}
		if i%2 == 0 {
			fmt.Fprintf(&b, `{"name":"h%d","kind":"Host","properties":{"hostName":"host%d","dnsDomain":"corp.example"}}`, i, i)
		} else {
			fmt.Fprintf(&b, `{"name":"p%d","kind":"Process","properties":{"processId":"%d","commandLine":"run %d","creationTimeUtc":"2024-05-01T00:00:00Z","hostEntityId":"h%d"}}`, i, i, i, i-1)
		}
	}
	b.WriteString(`]}`)
	ents, probs := triage.ParseAPIEntities([]byte(b.String()), "incident 9 entities")
	if len(probs) != 0 || len(ents) != 100 {
		t.Fatalf("the fixture: %d entities, problems %v", len(ents), probs)
	}
	asm := triage.NewAssembly("incident 9", triage.Limits{EntitiesPerIncident: 31})
	asm.Alert(triage.ParseSecurityAlert(alertRow("a1", time.Time{}, 0, 10)))
	asm.Entities(ents, probs)
	d := asm.Details()
	// 10 of the alert, then the hosts and processes in the body's order
	// (a process with its host) up to the cap.
	if len(d.Entities) != 31 {
		t.Errorf("%d entities kept, want the cap's 31", len(d.Entities))
	}
	checkClosed(t, d)
	procs := 0
	for _, e := range d.Entities {
		if e.Kind == triage.KindProcess {
			procs++
		}
	}
	if procs != 11 {
		t.Errorf("%d processes kept, want 11 (the alert's, and 10 of the body's, each with its host)", procs)
	}
	if !strings.Contains(problemsText(d), "incident 9: the incident names 110 entities; the first 31 were kept, 79 left out (") {
		t.Errorf("no problem for the incident's cap:\n%s", problemsText(d))
	}
}
