package summary

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/triage-dev/triage/internal/enrich"
	"github.com/triage-dev/triage/internal/enrich/domain"
	"github.com/triage-dev/triage/internal/report"
	"github.com/triage-dev/triage/internal/triage"
	"github.com/triage-dev/triage/internal/workspace"
)

// entityOfKind returns the first demo entity of kind whose key contains sub.
func entityOfKind(t *testing.T, kind triage.Kind, sub string) triage.Entity {
	t.Helper()
	_, _, ents := demoWorkspace(t)
	keys := make([]string, 0, len(ents))
	for k := range ents {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if e := ents[k]; e.Kind == kind && strings.Contains(strings.ToLower(k), sub) {
			return e
		}
	}
	t.Fatalf("no demo %s entity with %q", kind, sub)
	return triage.Entity{}
}

// fakeDNS answers every name with one address.
type fakeDNS struct{}

func (fakeDNS) Resolve(_ context.Context, name string) (enrich.DNSAnswers, error) {
	if strings.HasSuffix(name, ".internal") {
		return enrich.DNSAnswers{}, domain.ErrInternal
	}
	return enrich.DNSAnswers{A: []string{"198.51.100.23"}}, nil
}

func TestURLSummary(t *testing.T) {
	env := demoEnv(t)
	env.DNS = fakeDNS{}
	u := entityOfKind(t, triage.KindURL, "svc-telemetry")
	s := Summarize(context.Background(), env, []triage.Entity{u})[0]
	if factOf(s.Facts, "Host") != "svc-telemetry.example.net" || factOf(s.Facts, "Registered domain") != "example.net" {
		t.Errorf("facts %v", s.Facts)
	}
	secs := wantOK(t, s, "Who resolved it", "Devices that connected to it", "Firewall and proxy records", "DNS answers")
	if got := column(t, secs["Devices that connected to it"].Table, "Device"); !slices.ContainsFunc(got, func(d string) bool { return strings.HasPrefix(d, "wks-fin-07") }) {
		t.Errorf("devices %v, want WKS-FIN-07 (the beacon)", got)
	}
	if got := column(t, secs["Firewall and proxy records"].Table, "Source address"); !slices.Contains(got, "10.0.0.10") {
		t.Errorf("proxy sources %v, want 10.0.0.10", got)
	}
	// demoRegistry knows no domain: an honest "empty".
	wantStatus(t, sectionOf(t, s, "Registration"), report.StatusEmpty, "no registration record")

	// A look-alike name is flagged, and a name no log mentions is empty, not an error.
	e, err := triage.NewEntity(triage.KindDNS, map[string]any{"domainName": "xn--pypal-4ve.com"})
	if err != nil {
		t.Fatal(err)
	}
	s = Summarize(context.Background(), env, []triage.Entity{e})[0]
	if !strings.Contains(factOf(s.Facts, "Scripts"), "Cyrillic") || factOf(s.Facts, "Looks like") != "paypal.com" {
		t.Errorf("look-alike facts %v", s.Facts)
	}
	wantStatus(t, sectionOf(t, s, "Who resolved it"), report.StatusEmpty, "no DNS query")
}

func TestFileSummaries(t *testing.T) {
	env := demoEnv(t)
	byName := entityOfKind(t, triage.KindFile, "onedriveupdater")
	hash := entityOfKind(t, triage.KindFileHash, "818ede854daf")
	sums := Summarize(context.Background(), env, []triage.Entity{byName, hash})
	sec := wantOK(t, sums[0], "Where a file of this name was seen")["Where a file of this name was seen"]
	if got := column(t, sec.Table, "Device"); len(got) == 0 || !strings.HasPrefix(got[0], "wks-fin-07") {
		t.Errorf("file by name seen on %v", got)
	}
	wantOK(t, sums[1], "Where the file was seen")
}

func TestPivotSkipsAndFailures(t *testing.T) {
	env := demoEnv(t)
	mbox, err := triage.NewEntity(triage.KindMailbox, map[string]any{"mailboxPrimaryAddress": "nobody@contoso-demo.example"})
	if err != nil {
		t.Fatal(err)
	}
	s := Summarize(context.Background(), env, []triage.Entity{mbox})[0]
	wantStatus(t, sectionOf(t, s, "Mailbox activity"), report.StatusEmpty, "no Office activity")

	env.Workspace = faultyWS{env.Workspace, noTable("OfficeActivity")}
	s = Summarize(context.Background(), env, []triage.Entity{mbox})[0]
	wantStatus(t, sectionOf(t, s, "Mailbox activity"), report.StatusSkipped, "no OfficeActivity table")

	// A failing query is an error section with its reason, and the summary
	// is partial.
	env.Workspace = faultyWS{demoEnv(t).Workspace, func(q *workspace.Query) error {
		if q.Name == "mailbox_activity" {
			return errors.New("database is locked")
		}
		return nil
	}}
	s = Summarize(context.Background(), env, []triage.Entity{mbox})[0]
	wantStatus(t, sectionOf(t, s, "Mailbox activity"), report.StatusError, "database is locked")
	if s.Status != report.StatusError {
		t.Errorf("summary status %s, want error (its only section failed)", s.Status)
	}
}

// TestAzureResourceSummary: a resource group's summary has the activity on
// the resources in it (the demo logs none on the group itself), and no
// activity of another group whose id it begins.
func TestAzureResourceSummary(t *testing.T) {
	env := demoEnv(t)
	rg := entityOfKind(t, triage.KindAzureResource, "rg-finance-prod")
	other, err := triage.NewEntity(triage.KindAzureResource, map[string]any{"resourceId": rg.Prop("resourceId") + "-old"})
	if err != nil {
		t.Fatal(err)
	}
	sums := Summarize(context.Background(), env, []triage.Entity{rg, other})
	sec := wantOK(t, sums[0], "Activity on the resource")["Activity on the resource"]
	if got := column(t, sec.Table, "Resources"); len(got) == 0 || strings.Contains(got[0], "/") || got[0] == "" {
		t.Errorf("resources %v, want the names of the group's resources", got)
	}
	wantStatus(t, sectionOf(t, sums[1], "Activity on the resource"), report.StatusEmpty, "no Azure activity")
}
