package cli

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/triage-dev/triage/internal/history"
	"github.com/triage-dev/triage/internal/intel"
	"github.com/triage-dev/triage/internal/priority"
	"github.com/triage-dev/triage/internal/report"
	"github.com/triage-dev/triage/internal/summary"
	"github.com/triage-dev/triage/internal/triage"
)

// demoHarmless are the demo's incidents that the story calls benign
// (suspicious but expected) or noise (real, unrelated to the attack), by
// number: internal/demo/incidents.go, roleBenign and roleNoise.
var demoHarmless = []int{101, 102, 103, 104, 106, 107, 108, 109, 111, 112, 113, 114, 115, 116, 120, 124, 125, 127, 128, 129, 130, 131}

// TestQueueReasonsAreTrue triages the demo's queue (queue --triage) and
// reads queue --json: the known-bad 121 ranks above every benign and noise
// incident of the window, and every reason of every incident's priority is
// true of the incident, as its recorded report shows it, read here fact
// by fact (not by working the priority out again), with the points of the
// table of weights; the score is their sum, capped.
func TestQueueReasonsAreTrue(t *testing.T) {
	cfg, dataDir := historyConfig(t)
	if _, errOut, code := run(t, "--config", cfg, "queue", "--triage", "--wait", "0"); code != ExitOK && code != ExitPartial {
		t.Fatalf("queue --triage: exit %d: %s", code, errOut)
	}
	rows := queueJSON(t, "--config", cfg, "queue")
	st, err := history.Open(context.Background(), filepath.Join(dataDir, history.FileName))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()

	i121, _ := rowOf(t, rows, 121)
	harmless := 0
	for i, row := range rows {
		if slices.Contains(demoHarmless, row.Incident.Number) {
			harmless++
			if i < i121 {
				t.Errorf("%d (%s, priority %+v) ranks above the known-bad 121", row.Incident.Number, row.Incident.Title, row.Priority)
			}
		}
		if row.Priority == nil || row.Triage == nil {
			t.Errorf("incident %d: no priority after queue --triage (%s)", row.Incident.Number, row.State)
			continue
		}
		r, err := st.Report(context.Background(), row.Triage.ID)
		if err != nil {
			t.Fatalf("incident %d: %v", row.Incident.Number, err)
		}
		sum := 0
		for _, x := range row.Priority.Reasons {
			sum += x.Points
			if problem := untrue(&r, x); problem != "" {
				t.Errorf("incident %d: reason %s (%d points, %q): %s", row.Incident.Number, x.Factor, x.Points, x.Detail, problem)
			}
		}
		if want := max(0, min(100, sum)); row.Priority.Score != want {
			t.Errorf("incident %d: score %d, its reasons add up to %d", row.Incident.Number, row.Priority.Score, want)
		}
	}
	if harmless < 3 {
		t.Errorf("the window holds %d benign or noise incidents, want several to rank 121 against", harmless)
	}
}

// untrue says what of reason x the report r does not bear out, or "".
func untrue(r *report.Report, x report.PriorityReason) string {
	weight := func(units int) int {
		f, _ := priority.Lookup(x.Factor)
		if f.Max > 0 {
			return f.Points * min(units, f.Max)
		}
		return f.Points
	}
	points := func(units int) string {
		if w := weight(units); x.Points != w {
			return fmt.Sprintf("%d points, the table gives %d", x.Points, w)
		}
		return ""
	}
	switch x.Factor {
	case priority.TIHigh, priority.TIWarning:
		want := map[string]intel.Severity{priority.TIHigh: intel.SeverityHigh, priority.TIWarning: intel.SeverityWarning}[x.Factor]
		rated := slices.ContainsFunc(r.TI.Results, func(res intel.Result) bool {
			return res.Status == intel.StatusOK && res.Severity == want && strings.Contains(x.Detail, res.Indicator)
		})
		if r.TI.Severity != want || !rated {
			return fmt.Sprintf("the verdict is %s; an ok result rating an indicator the detail names %s: %v", r.TI.Severity, want, rated)
		}
		return points(1)
	case priority.TIIncomplete:
		if r.TI.Complete {
			return "the verdict is complete"
		}
		return points(1)
	case priority.SeverityHigh, priority.SeverityMedium, priority.SeverityLow:
		top := r.Incident.Severity
		for _, a := range r.Alerts {
			if a.Severity.Rank() > top.Rank() {
				top = a.Severity
			}
		}
		if want := "severity_" + strings.ToLower(string(top)); want != x.Factor {
			return fmt.Sprintf("the highest severity of the incident and its alerts is %s", top)
		}
		return points(1)
	case priority.Alerts:
		n := len(r.Alerts)
		if n < 2 || n != r.Incident.AlertCount || !strings.HasPrefix(x.Detail, fmt.Sprintf("%d alerts", n)) {
			return fmt.Sprintf("the report has %d alerts, the incident says %d", n, r.Incident.AlertCount)
		}
		return points(n - 1)
	case priority.EntityKinds:
		kinds := map[triage.Kind]bool{}
		for _, e := range r.Entities {
			kinds[e.Kind] = true
		}
		for k := range kinds {
			if !strings.Contains(x.Detail, string(k)) {
				return fmt.Sprintf("the detail does not name kind %s", k)
			}
		}
		if len(kinds) < 2 {
			return fmt.Sprintf("%d kinds of entity", len(kinds))
		}
		return points(len(kinds) - 1)
	case priority.RelatedAlerts:
		own := map[string]bool{}
		for _, a := range r.Alerts {
			own[a.ID] = true
		}
		ids := map[string]bool{}
		for _, rel := range r.RelatedAlerts {
			if len(rel.Alerts) > 0 && !slices.ContainsFunc(r.Entities, func(e triage.Entity) bool { return e.Key == rel.Entity }) {
				return fmt.Sprintf("related alerts name %s, not an entity of the incident", rel.Entity)
			}
			for _, a := range rel.Alerts {
				if own[a.ID] {
					return fmt.Sprintf("related alert %s is the incident's own", a.ID)
				}
				ids[a.ID] = true
			}
		}
		if len(ids) == 0 {
			return "no related alert"
		}
		return points(len(ids))
	case priority.FirstSeenAddress:
		fs := report.FirstSeen{}
		if r.Precedents != nil {
			fs = r.Precedents.FirstSeen
		}
		if fs.Status != report.StatusOK || len(fs.New) == 0 {
			return fmt.Sprintf("the sign-ins check is %q with %d new addresses", fs.Status, len(fs.New))
		}
		for _, addr := range fs.New {
			if !slices.ContainsFunc(r.Entities, func(e triage.Entity) bool { return e.Kind == triage.KindIP && e.Name == addr }) {
				return fmt.Sprintf("new address %s is not an address of the incident", addr)
			}
			if !strings.Contains(x.Detail, addr) {
				return fmt.Sprintf("the detail does not name new address %s", addr)
			}
		}
		return points(1)
	case priority.ClosedBenign:
		if r.Precedents == nil || len(r.Precedents.ClosedBenign.Incidents) == 0 {
			return "no earlier incident closed as benign"
		}
		for _, b := range r.Precedents.ClosedBenign.Incidents {
			if b.Number == r.Incident.Number || (b.Classification != triage.ClassBenignPositive && b.Classification != triage.ClassFalsePositive) {
				return fmt.Sprintf("precedent #%d is %s", b.Number, b.Classification)
			}
		}
		return points(1)
	case priority.PrivilegedAccount:
		pa := report.PrivilegedAccounts{}
		if r.Precedents != nil {
			pa = r.Precedents.Privileged
		}
		if pa.Status != report.StatusOK && pa.Status != report.StatusPartial || len(pa.Accounts) == 0 {
			return fmt.Sprintf("the privileged accounts check is %q with %d accounts", pa.Status, len(pa.Accounts))
		}
		for _, a := range pa.Accounts {
			if !slices.ContainsFunc(r.Entities, func(e triage.Entity) bool { return e.Kind == triage.KindAccount && e.Key == a.Entity }) {
				return fmt.Sprintf("privileged account %s is not an account of the incident", a.Name)
			}
			for _, h := range a.Privileges {
				if !slices.ContainsFunc(priority.PrivilegedNames, func(n string) bool { return strings.EqualFold(n, h) }) {
					return fmt.Sprintf("%s holds %q, not a privileged name", a.Name, h)
				}
			}
		}
		return points(1)
	case priority.PrivilegedChange, priority.AccountChanges, priority.HostAccountChanges:
		kind, section := triage.KindAccount, summary.SectionAccountChanges
		if x.Factor == priority.HostAccountChanges {
			kind, section = triage.KindHost, summary.SectionHostChanges
		}
		found := slices.ContainsFunc(r.Summaries, func(s report.Summary) bool {
			return s.Kind == kind && slices.ContainsFunc(s.Sections, func(sec report.SummarySection) bool {
				return sec.Name == section && sec.Table != nil && len(sec.Table.Rows) > 0
			})
		})
		if !found {
			return fmt.Sprintf("no %s summary has %q rows", kind, section)
		}
		return points(1)
	case priority.ServerHost, priority.DomainController:
		role := map[string]string{priority.ServerHost: summary.RoleServer, priority.DomainController: summary.RoleDomainController}[x.Factor]
		if !slices.ContainsFunc(r.Summaries, func(s report.Summary) bool { return s.Kind == triage.KindHost && slices.Contains(s.Roles, role) }) {
			return "no host of the incident has the role " + role
		}
		return points(1)
	case priority.Unchecked:
		p := r.Precedents
		failed := []report.Status{report.StatusError, report.StatusPartial}
		if p == nil || !slices.Contains(failed, p.FirstSeen.Status) && !slices.Contains(failed, p.ClosedBenign.Status) &&
			!slices.Contains(failed, p.Privileged.Status) {
			return "every precedents' check was made"
		}
		return points(1)
	}
	// crown_jewel and vip_account need lists, and none is configured.
	return "the factor cannot apply here"
}
