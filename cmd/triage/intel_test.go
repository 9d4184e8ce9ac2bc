package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// fakeIntel serves VirusTotal, AbuseIPDB and OTX answers under /vt, /abuse
// and /otx, and records every request path.
type fakeIntel struct {
	mu   sync.Mutex
	seen []string
}

func (f *fakeIntel) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.seen = append(f.seen, r.URL.Path+"?"+r.URL.RawQuery)
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	switch {
	case strings.HasPrefix(r.URL.Path, "/vt/"):
		if r.Header.Get("x-apikey") != "vt-test-key-0123456789" {
			w.WriteHeader(401)
			fmt.Fprint(w, `{"error":{"code":"WrongCredentialsError","message":"Wrong API key"}}`)
			return
		}
		mal := 0
		// Only the reserved example names are malicious: nothing real is.
		if strings.HasPrefix(r.URL.Path, "/vt/urls/") || strings.Contains(r.URL.Path, "svc-telemetry") {
			mal = 7
		}
		fmt.Fprintf(w, `{"data":{"id":"x","type":"ip_address","attributes":{"last_analysis_stats":{"harmless":60,"malicious":%d,"suspicious":0,"undetected":20,"timeout":0},"reputation":-5}}}`, mal)
	case strings.HasPrefix(r.URL.Path, "/abuse/"):
		w.WriteHeader(503)
		fmt.Fprint(w, `{"errors":[{"detail":"maintenance","status":503}]}`)
	default:
		w.WriteHeader(404)
	}
}

func (f *fakeIntel) requests() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.seen...)
}

// TestBinaryLookups points the binary's providers at fakes through base_url
// and looks up a mixed list: statuses and severities right, no private
// address sent out, the second run answered from the cache.
func TestBinaryLookups(t *testing.T) {
	fake := &fakeIntel{}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	dir := t.TempDir()
	cfg := fmt.Sprintf(`data_dir: %s
providers:
  virustotal:
    api_key: {env: TEST_VT_KEY}
    base_url: %s/vt
    quota: {per_minute: 100}
  abuseipdb:
    api_key: abuse-plain-key-987654
    base_url: %s/abuse
intel:
  internal_domains: [contoso.com]
`, filepath.Join(dir, "data"), srv.URL, srv.URL)
	cfgFile := filepath.Join(dir, "triage.yaml")
	must(t, os.WriteFile(cfgFile, []byte(cfg), 0o600))
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "TEST_VT_KEY=vt-test-key-0123456789",
		"MSTICPYCONFIG=" + filepath.Join(dir, "none.yaml")}
	lookup := func(args ...string) (map[string]map[string]map[string]any, string, int) {
		t.Helper()
		out, errOut, code := runBinary(t, dir, env, append([]string{"--config", cfgFile, "lookup", "--json"}, args...)...)
		for _, secret := range []string{"vt-test-key-0123456789", "abuse-plain-key-987654"} {
			if strings.Contains(out+errOut, secret) {
				t.Fatalf("an API key leaked into the output")
			}
		}
		var doc struct {
			Verdict struct{ Severity string }
			Results []map[string]any
		}
		if err := json.Unmarshal([]byte(out), &doc); err != nil {
			t.Fatalf("lookup output is not JSON (exit %d): %v\n%s\n%s", code, err, out, errOut)
		}
		got := map[string]map[string]map[string]any{}
		for _, r := range doc.Results {
			ind, prov := r["indicator"].(string), r["provider"].(string)
			if got[ind] == nil {
				got[ind] = map[string]map[string]any{}
			}
			got[ind][prov] = r
		}
		return got, doc.Verdict.Severity, code
	}

	// 9.9.9.9 is public (and clean here); 203.0.113.66 is a documentation
	// address, 10.0.0.10 private: neither may leave.
	args := []string{"9.9.9.9", "203.0.113.66", "10.0.0.10", "fs01.contoso.com", "Beacon to hxxps://svc-telemetry[.]example[.]net/update"}
	got, verdict, code := lookup(args...)
	if code != 3 {
		t.Errorf("exit %d, want 3: AbuseIPDB failed", code)
	}
	if verdict != "high" {
		t.Errorf("verdict %s, want high", verdict)
	}
	check := func(ind, prov, status, sev string) {
		t.Helper()
		r := got[ind][prov]
		if r == nil || r["status"] != status || sev != "" && r["severity"] != sev {
			t.Errorf("%s × %s = %v, want %s %s", ind, prov, r, status, sev)
		}
	}
	check("9.9.9.9", "virustotal", "ok", "information")
	check("9.9.9.9", "abuseipdb", "error", "unknown")
	check("203.0.113.66", "virustotal", "skipped", "unknown")
	check("10.0.0.10", "virustotal", "skipped", "unknown")
	check("fs01.contoso.com", "virustotal", "skipped", "unknown")
	check("https://svc-telemetry.example.net/update", "virustotal", "ok", "high")
	check("svc-telemetry.example.net", "virustotal", "ok", "high")
	first := fake.requests()
	for _, r := range first {
		if strings.Contains(r, "10.0.0.10") || strings.Contains(r, "203.0.113.66") || strings.Contains(r, "contoso") {
			t.Errorf("a private indicator was sent out: %s", r)
		}
	}

	got, _, _ = lookup(args...)
	again := fake.requests()[len(first):]
	for _, r := range again {
		if strings.HasPrefix(r, "/vt/") {
			t.Errorf("second run asked VirusTotal again: %s", r)
		}
	}
	if r := got["9.9.9.9"]["virustotal"]; r["from_cache"] != true {
		t.Errorf("second run result %v, want from the cache", r)
	}

	// The triage of an incident asks the same providers; the report names
	// what each said and never a key.
	out, errOut, code := runBinary(t, dir, env, "--config", cfgFile, "run", "121", "--format", "json")
	if code != 0 && code != 3 {
		t.Fatalf("run 121: exit %d: %s", code, errOut)
	}
	if strings.Contains(out+errOut, "vt-test-key-0123456789") || strings.Contains(out+errOut, "abuse-plain-key-987654") {
		t.Error("an API key leaked into the report")
	}
	var rep struct {
		TI struct {
			Results []struct{ Provider, Status, Indicator string }
		} `json:"ti"`
	}
	must(t, json.Unmarshal([]byte(out), &rep))
	asked := 0
	for _, r := range rep.TI.Results {
		if r.Provider == "virustotal" && r.Status == "ok" {
			asked++
		}
		if r.Provider == "virustotal" && r.Status == "ok" && strings.HasPrefix(r.Indicator, "10.") {
			t.Errorf("a private address was looked up: %+v", r)
		}
	}
	if asked == 0 {
		t.Errorf("the triage asked VirusTotal nothing: %+v", rep.TI.Results)
	}

	out, errOut, code = runBinary(t, dir, env, "--config", cfgFile, "providers")
	if code != 0 || !strings.Contains(out, "virustotal") || !strings.Contains(out, "runs") || strings.Contains(out, "vt-test-key") {
		t.Errorf("providers: exit %d\n%s\n%s", code, out, errOut)
	}
}
