package cli

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// TestLookupWaitBudget looks up 5 public addresses in a VirusTotal whose
// quota has room for 2, without waiting: 2 are answered, the other 3 are
// rate_limited saying so, the verdict is unknown and incomplete, stderr says
// how to finish, and a second run asks nothing again.
func TestLookupWaitBudget(t *testing.T) {
	var calls atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, `{"error":{"code":"NotFoundError","message":"not found"}}`)
	}))
	defer srv.Close()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "triage.yaml")
	if err := os.WriteFile(cfg, []byte(fmt.Sprintf(`data_dir: %s
providers:
  virustotal:
    api_key: vt-test-key
    base_url: %s
    quota: {per_minute: 2}
`, filepath.Join(dir, "data"), srv.URL)), 0o600); err != nil {
		t.Fatal(err)
	}
	args := []string{"--config", cfg, "lookup", "--provider", "virustotal", "--wait", "0", "--json",
		"9.9.9.9", "1.1.1.1", "8.8.8.8", "8.8.4.4", "208.67.222.222"}
	out, errOut, code := run(t, args...)
	var doc struct {
		Verdict struct {
			Severity    string
			Explanation string
			Complete    bool
		}
		Results []struct{ Indicator, Status, Reason string }
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("exit %d, stderr %q: %v", code, errOut, err)
	}
	limited := 0
	for _, r := range doc.Results {
		switch r.Status {
		case "not_found":
		case "rate_limited":
			limited++
			if !strings.Contains(r.Reason, "2 per minute") || !strings.Contains(r.Reason, "3 of 5 indicators not looked up by virustotal") {
				t.Errorf("%s: reason %q, want the quota and the 3 of 5 left", r.Indicator, r.Reason)
			}
		default:
			t.Errorf("%s: %s %q", r.Indicator, r.Status, r.Reason)
		}
	}
	if limited != 3 || calls.Load() != 2 {
		t.Errorf("%d rate_limited after %d requests; want 3 after the quota's 2", limited, calls.Load())
	}
	if doc.Verdict.Severity != "unknown" || doc.Verdict.Complete || !strings.Contains(doc.Verdict.Explanation, "virustotal did not answer 3 lookups") {
		t.Errorf("verdict %+v, want unknown and incomplete: never clean", doc.Verdict)
	}
	if code != ExitPartial || !strings.Contains(errOut, "3 lookups were not made") || !strings.Contains(errOut, "--wait forever") {
		t.Errorf("exit %d, stderr %q; want 3 and how to finish", code, errOut)
	}

	// The answers are cached and the quota's use is kept: nothing is asked.
	run(t, args...)
	if calls.Load() != 2 {
		t.Errorf("a second run made %d more requests, want 0", calls.Load()-2)
	}
}
