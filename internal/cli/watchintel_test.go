package cli

import (
	"context"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/triage-dev/triage/internal/config"
	"github.com/triage-dev/triage/internal/intel"
)

// quotaIncident is incident n of an incidents API export: one alert of
// severity sev naming the public address ip, created at the given hour
// of testNow's day.
func quotaIncident(n int, sev, ip string, hour int) string {
	created := fmt.Sprintf("2026-11-26T%02d:00:00Z", hour)
	return fmt.Sprintf(`{"name": "22222222-0000-4000-8000-%012d", "type": "Microsoft.SecurityInsights/incidents",
	  "properties": {"incidentNumber": %d, "title": "Quota %d", "severity": %q, "status": "New",
	    "createdTimeUtc": %q, "lastModifiedTimeUtc": %q},
	  "alerts": {"value": [{"kind": "SecurityAlert", "name": "q%d", "properties": {
	    "systemAlertId": "q%d", "alertDisplayName": "Alert %d", "severity": %q, "timeGenerated": %q}}]},
	  "entities": [{"kind": "Ip", "name": "qe%d", "properties": {"address": %q}}]}`,
		n, n, n, sev, created, created, n, n, n, sev, created, n, ip)
}

// quotaLab imports labs (workspace → its incidents) into a fresh data
// directory whose triage.yaml configures a VirusTotal (a fake that finds
// nothing) with a quota of perMinute lookups a minute. It returns the
// args that select the config and every workspace, and a func that says
// which values VirusTotal was asked about, sorted.
func quotaLab(t *testing.T, labs map[string][]string, perMinute int) (args []string, asked func() []string) {
	t.Helper()
	var mu sync.Mutex
	var values []string
	vt := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		values = append(values, r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:])
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, `{"error":{"code":"NotFoundError","message":"not found"}}`)
	}))
	t.Cleanup(vt.Close)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "triage.yaml")
	yaml := fmt.Sprintf("data_dir: %s\nproviders:\n  virustotal:\n    api_key: vt-test-key\n    base_url: %s\n    quota: {per_minute: %d}\n",
		filepath.Join(dir, "data"), vt.URL, perMinute)
	if err := os.WriteFile(cfg, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	args = []string{"--config", cfg}
	for _, name := range slices.Sorted(maps.Keys(labs)) {
		src := filepath.Join(dir, name+".json")
		body := `{"value": [` + strings.Join(labs[name], ", ") + `]}`
		if err := os.WriteFile(src, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, errOut, code := run(t, "--config", cfg, "-w", name, "import", src); code != ExitOK {
			t.Fatalf("import -w %s: exit %d: %s", name, code, errOut)
		}
		args = append(args, "-w", name)
	}
	return args, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return slices.Sorted(slices.Values(values))
	}
}

// The threat-intel quota is one for every incident a watch triages, in
// one workspace or several, and its scarce lookups go to the most severe
// incidents first: with room for two lookups and no wait, the High and
// the Medium incident's addresses are looked up, and the Low one's is
// not, whichever workspace each is in and whatever order they were
// created in.
func TestWatchSharesTheIntelQuotaBySeverity(t *testing.T) {
	for _, tt := range []struct {
		name string
		labs map[string][]string // workspace → its incidents
	}{
		{"one workspace", map[string][]string{"lab": {
			quotaIncident(1, "Low", "9.9.9.9", 11),
			quotaIncident(2, "Medium", "8.8.4.4", 10),
			quotaIncident(3, "High", "1.1.1.1", 9),
		}}},
		{"two workspaces", map[string][]string{
			"lab": {quotaIncident(1, "Low", "9.9.9.9", 11), quotaIncident(2, "Medium", "8.8.4.4", 10)},
			// Visited second, it holds the incident that matters most.
			"lab2": {quotaIncident(3, "High", "1.1.1.1", 9)},
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			args, asked := quotaLab(t, tt.labs, 2)
			_, errOut, code := run(t, append(args, "watch", "--once", "--window", "1d", "--provider", "virustotal", "--wait", "0")...)
			if code != ExitOK {
				t.Fatalf("watch: exit %d:\n%s", code, errOut)
			}
			if n := len(logLines(errOut, "triaged")); n != 3 {
				t.Errorf("%d incidents triaged, want 3:\n%s", n, errOut)
			}
			if got := asked(); fmt.Sprint(got) != "[1.1.1.1 8.8.4.4]" {
				t.Errorf("virustotal was asked about %v, want the High and the Medium incident's addresses (1.1.1.1, 8.8.4.4) and only those:\n%s", got, errOut)
			}
		})
	}
}

// The engines of a watch's workspaces keep their quota use in one
// intel.Quotas: over the passes of a long watch, one workspace's lookups
// count against the quota the others' see (a quota's use is otherwise
// read from the request log once, when an engine first asks a provider).
func TestWatchWorkspacesShareOneQuotas(t *testing.T) {
	cfg, _ := importedLabs(t)
	s := &IO{Out: io.Discard, Err: io.Discard, Now: func() time.Time { return testNow },
		ConfigOptions: func(path string) config.LoadOptions {
			return config.LoadOptions{ConfigPath: path, UserCacheDir: testCacheDir}
		}}
	m := newWatchSet(s, &globalOptions{config: cfg, demoScale: 1}, nil, &watchOptions{logFormat: "text"}, []string{"lab", "lab2"})
	defer m.Close()
	var qs []*intel.Quotas
	for _, name := range m.names {
		w, err := m.watcher(context.Background(), name)
		if err != nil {
			t.Fatal(err)
		}
		if w.e.Intel == nil {
			t.Fatalf("workspace %s has no threat-intel engine", name)
		}
		qs = append(qs, w.e.Intel.Quotas)
	}
	if qs[0] == nil || qs[0] != qs[1] {
		t.Errorf("the workspaces' engines keep their quotas in %p and %p, want one shared", qs[0], qs[1])
	}
}

// queue --triage spends a scarce threat-intel quota as watch does: on the
// most severe incidents first, whatever order they were created in.
func TestQueueTriageBySeverity(t *testing.T) {
	args, asked := quotaLab(t, map[string][]string{"lab": {
		quotaIncident(1, "Low", "9.9.9.9", 11),
		quotaIncident(2, "Medium", "8.8.4.4", 10),
		quotaIncident(3, "High", "1.1.1.1", 9),
	}}, 2)
	_, errOut, code := run(t, append(args, "queue", "--since", "1d", "--triage", "--provider", "virustotal", "--wait", "0")...)
	if code != ExitOK && code != ExitPartial || !strings.Contains(errOut, "triaged 3 incidents") {
		t.Fatalf("queue --triage: exit %d: %s", code, errOut)
	}
	if got := asked(); fmt.Sprint(got) != "[1.1.1.1 8.8.4.4]" {
		t.Errorf("virustotal was asked about %v, want the High and the Medium incident's addresses (1.1.1.1, 8.8.4.4) and only those:\n%s", got, errOut)
	}
}
