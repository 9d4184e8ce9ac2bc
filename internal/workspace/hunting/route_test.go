package hunting

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/triage-dev/triage/internal/workspace"
	"github.com/triage-dev/triage/internal/workspace/hunting/huntingtest"
)

// logAnalytics is a Log Analytics query function that answers with t or
// fails with err, counting its calls.
type logAnalytics struct {
	t     workspace.Table
	err   error
	calls int
}

func (l *logAnalytics) query(context.Context, *workspace.Query, workspace.Params) (workspace.Table, error) {
	l.calls++
	return l.t, l.err
}

var laTable = workspace.Table{Columns: []workspace.Column{{Name: "DeviceName", Type: "string"}}, Rows: [][]any{{"from-la"}}}

func missingTable(table string) error {
	return &workspace.NoTableError{Table: table, Err: errors.New("Failed to resolve table expression named '" + table + "'")}
}

// TestRoute: Log Analytics answers when it has the table; advanced hunting
// when it has not, or there is no Log Analytics; each answer says which;
// with neither, the missing table stands.
func TestRoute(t *testing.T) {
	huntingAnswer := func(huntingtest.Request) huntingtest.Response {
		return huntingtest.Table([]huntingtest.Column{{Name: "DeviceName", Type: "String"}}, map[string]any{"DeviceName": "from-hunting"})
	}
	q := query("DeviceInfo | take 1")
	kqlOnly := &workspace.Query{Name: "kql_only", Bodies: map[workspace.Dialect]string{workspace.KQL: "union isfuzzy=true (Heartbeat), (DeviceInfo)"}}

	t.Run("Log Analytics has the table", func(t *testing.T) {
		srv, h, _ := fixture(t, Options{})
		srv.Answer = huntingAnswer
		la := &logAnalytics{t: laTable}
		tab, err := Route(t.Context(), q, nil, la.query, h)
		if err != nil || tab.Records()[0].String("DeviceName") != "from-la" || tab.Source != LogAnalytics {
			t.Errorf("Route = %+v, %v; want Log Analytics' answer saying so", tab, err)
		}
		if len(srv.Requests()) != 0 {
			t.Error("advanced hunting was asked too")
		}
	})
	t.Run("Log Analytics lacks the table", func(t *testing.T) {
		srv, h, _ := fixture(t, Options{})
		srv.Answer = huntingAnswer
		la := &logAnalytics{err: missingTable("DeviceInfo")}
		tab, err := Route(t.Context(), q, nil, la.query, h)
		if err != nil || tab.Records()[0].String("DeviceName") != "from-hunting" || tab.Source != SourceName {
			t.Errorf("Route = %+v, %v; want advanced hunting's answer saying so", tab, err)
		}
		if la.calls != 1 || len(srv.Requests()) != 1 {
			t.Errorf("%d Log Analytics calls, %d hunting calls; want 1 and 1", la.calls, len(srv.Requests()))
		}
	})
	t.Run("no Log Analytics", func(t *testing.T) {
		srv, h, _ := fixture(t, Options{})
		srv.Answer = huntingAnswer
		tab, err := Route(t.Context(), q, nil, nil, h)
		if err != nil || tab.Source != SourceName || len(tab.Rows) != 1 {
			t.Errorf("Route = %+v, %v; want advanced hunting's answer", tab, err)
		}
	})
	t.Run("Log Analytics fails otherwise", func(t *testing.T) {
		srv, h, _ := fixture(t, Options{})
		la := &logAnalytics{err: errors.New("log analytics is down")}
		if _, err := Route(t.Context(), q, nil, la.query, h); err == nil || err.Error() != "log analytics is down" {
			t.Errorf("Route: %v, want Log Analytics' error as is", err)
		}
		if len(srv.Requests()) != 0 {
			t.Error("advanced hunting was asked after an error that is not a missing table")
		}
	})
	t.Run("hunting fails after Log Analytics lacked the table", func(t *testing.T) {
		srv, h, _ := fixture(t, Options{})
		srv.Answer = func(huntingtest.Request) huntingtest.Response {
			return huntingtest.Error(400, "BadRequest", "Failed to resolve table expression named 'DeviceInfo'")
		}
		la := &logAnalytics{err: missingTable("DeviceInfo")}
		_, err := Route(t.Context(), q, nil, la.query, h)
		var nt *workspace.NoTableError
		if !errors.As(err, &nt) || !strings.Contains(err.Error(), "advanced hunting") || !strings.Contains(err.Error(), "Log Analytics") {
			t.Errorf("Route: %v, want a missing table, from both", err)
		}
	})
	t.Run("no hunting body", func(t *testing.T) {
		_, h, _ := fixture(t, Options{})
		la := &logAnalytics{err: missingTable("DeviceInfo")}
		_, err := Route(t.Context(), kqlOnly, nil, la.query, h)
		var nt *workspace.NoTableError
		if !errors.As(err, &nt) || nt.Table != "DeviceInfo" {
			t.Errorf("Route: %v, want Log Analytics' missing table", err)
		}
		la = &logAnalytics{t: laTable}
		if tab, err := Route(t.Context(), kqlOnly, nil, la.query, h); err != nil || tab.Source != "" {
			t.Errorf("Route = %+v, %v; want Log Analytics' answer as it is (no choice was made)", tab, err)
		}
	})
	t.Run("neither", func(t *testing.T) {
		_, err := Route(t.Context(), kqlOnly, nil, nil, nil)
		var nt *workspace.NoTableError
		if !errors.As(err, &nt) || nt.Table != "Heartbeat" || !strings.Contains(err.Error(), "kql_only") {
			t.Errorf("Route: %v, want a missing table named from the kql body", err)
		}
		if _, err := Route(t.Context(), q, nil, nil, nil); !errors.As(err, &nt) {
			t.Errorf("Route with a hunting body but no client: %v", err)
		}
	})
}

// TestRouteCatalogQuery: a built-in summary query that Log Analytics cannot
// answer goes to advanced hunting as its hunting body, bound, on the
// window's Timespan, and the answer is read as the kql body's would be.
func TestRouteCatalogQuery(t *testing.T) {
	cat, err := workspace.LoadCatalog("")
	if err != nil {
		t.Fatal(err)
	}
	q, err := cat.Get("summary_host_info")
	if err != nil {
		t.Fatal(err)
	}
	srv, h, _ := fixture(t, Options{})
	srv.Answer = func(huntingtest.Request) huntingtest.Response {
		return huntingtest.Table([]huntingtest.Column{{Name: "Value", Type: "String"}, {Name: "LastSeen", Type: "DateTime"}},
			map[string]any{"Value": "wks-fin-07", "LastSeen": "2026-12-07T11:00:00Z"})
	}
	la := &logAnalytics{err: missingTable("DeviceInfo")}
	p := workspace.Params{"values": []string{"wks-fin-07"}, "start": t0.Add(-48 * time.Hour), "end": t0}
	tab, err := Route(t.Context(), q, p, la.query, h)
	if err != nil {
		t.Fatal(err)
	}
	reqs := srv.Requests()
	if len(reqs) != 1 || !strings.HasSuffix(reqs[0].Query, q.Bodies[workspace.Hunting]) ||
		!strings.Contains(reqs[0].Query, `let values = dynamic(["wks-fin-07"]);`) ||
		reqs[0].Timespan != "2026-12-05T12:00:00Z/2026-12-07T12:00:00Z" {
		t.Fatalf("requests: %+v", reqs)
	}
	r := tab.Records()[0]
	if tab.Source != SourceName || r.String("Value") != "wks-fin-07" || !r.Time("LastSeen").Equal(t0.Add(-time.Hour)) {
		t.Errorf("answer %+v", tab)
	}
}

// TestFirstTable: the table a workspace without Log Analytics says it
// lacks is the first the body reads, whatever comes before it (a union, a
// let, a comment), for every query of the catalog.
func TestFirstTable(t *testing.T) {
	for body, want := range map[string]string{
		"union\n  isfuzzy=true (SigninLogs | where x), (AADNonInteractiveUserSignInLogs)": "SigninLogs",
		"let closed = SecurityIncident\n  | where TimeGenerated > start;\nclosed":         "SecurityIncident",
		"// from Defender's DeviceInfo\nHeartbeat | take 1":                               "Heartbeat",
		"print x = 1": "log",
	} {
		if got := FirstTable(body); got != want {
			t.Errorf("FirstTable(%q) = %q, want %q", body, got, want)
		}
	}
	cat, err := workspace.LoadCatalog("")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range cat.Names() {
		q, _ := cat.Get(name)
		body, ok := q.Bodies[workspace.KQL]
		if !ok {
			continue
		}
		// A table is piped from, or ends a union's leg or a let.
		got := FirstTable(body)
		if got == "log" || !regexp.MustCompile(`\b`+got+`\s*[|),;]`).MatchString(body) {
			t.Errorf("query %s: first table %q, not a table the body reads", name, got)
		}
	}
}
