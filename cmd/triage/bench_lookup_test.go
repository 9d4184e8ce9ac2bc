package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// latencyFake answers OTX, GreyNoise and AbuseIPDB requests (under /otx,
// /gn and /abuse) after a fixed latency, each with a clean answer.
func latencyFake(latency time.Duration) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(latency)
		w.Header().Set("Content-Type", "application/json")
		parts := strings.Split(r.URL.Path, "/")
		ip := parts[len(parts)-1]
		switch {
		case strings.HasPrefix(r.URL.Path, "/otx/"):
			ip = parts[len(parts)-2]
			fmt.Fprintf(w, `{"indicator":%q,"type":"IPv4","pulse_info":{"count":0,"pulses":[]}}`, ip)
		case strings.HasPrefix(r.URL.Path, "/gn/"):
			fmt.Fprintf(w, `{"ip":%q,"noise":false,"riot":false,"classification":"unknown","message":"Success"}`, ip)
		case strings.HasPrefix(r.URL.Path, "/abuse/"):
			fmt.Fprintf(w, `{"data":{"ipAddress":%q,"isPublic":true,"abuseConfidenceScore":0,"totalReports":0}}`, r.URL.Query().Get("ipAddress"))
		default:
			http.NotFound(w, r)
		}
	}))
}

// BenchmarkLookupProcess times whole `triage lookup` processes of public
// addresses in OTX, GreyNoise and AbuseIPDB, each answering after 200 ms,
// with no workspace used: 50 addresses with quotas that do not bind (the
// bound is the latency, 0.2 s), and 500 with 100 requests a second each
// (the bound: ⌊499/100⌋ s + 0.2 s). Every iteration starts with an empty cache
// and request log. bound-x is the time over the bound; calls-per-lookup
// checks that nothing was asked twice.
func BenchmarkLookupProcess(b *testing.B) {
	bin := binary(b)
	srv := latencyFake(200 * time.Millisecond)
	defer srv.Close()
	for _, bc := range []struct {
		name      string
		n, perSec int
		bound     time.Duration
	}{
		{"50x3", 50, 100000, 200 * time.Millisecond},
		{"500x3", 500, 100, 4*time.Second + 200*time.Millisecond}, // ⌊499/100⌋ s + latency
	} {
		b.Run(bc.name, func(b *testing.B) {
			var ips []string
			for i := range bc.n {
				ips = append(ips, fmt.Sprintf("8.%d.%d.%d", 8+i/62500, i/250%250, 1+i%250))
			}
			args := append([]string{"lookup", "--json", "--provider", "otx", "--provider", "greynoise", "--provider", "abuseipdb"}, ips...)
			for range b.N {
				b.StopTimer()
				dir := b.TempDir()
				cfg := filepath.Join(dir, "triage.yaml")
				// Every window given: the free tiers' other windows (GreyNoise's 7 a
				// day) would bind otherwise.
				quota := fmt.Sprintf("{per_second: %d, per_minute: 1000000, per_hour: 1000000, per_day: 1000000, per_month: 1000000}", bc.perSec)
				os.WriteFile(cfg, []byte(fmt.Sprintf(`data_dir: %[1]s/data
providers:
  otx: {api_key: otx-key, base_url: %[2]s/otx, quota: %[3]s}
  greynoise: {base_url: %[2]s/gn, quota: %[3]s}
  abuseipdb: {api_key: abuse-key, base_url: %[2]s/abuse, quota: %[3]s}
`, dir, srv.URL, quota)), 0o600)
				cmd := exec.Command(bin, append([]string{"--config", cfg}, args...)...)
				cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "MSTICPYCONFIG=" + filepath.Join(dir, "none.yaml")}
				b.StartTimer()
				start := time.Now()
				out, err := cmd.Output()
				el := time.Since(start)
				b.StopTimer()
				if err != nil {
					b.Fatalf("lookup: %v\n%.2000s", err, out)
				}
				var doc struct{ Results []struct{ Status string } }
				if err := json.Unmarshal(out, &doc); err != nil {
					b.Fatal(err)
				}
				ok := 0
				for _, r := range doc.Results {
					if r.Status == "ok" {
						ok++
					}
				}
				if ok != 3*bc.n || len(doc.Results) != 3*bc.n {
					b.Fatalf("%d ok of %d results, want %d", ok, len(doc.Results), 3*bc.n)
				}
				if _, err := os.Stat(filepath.Join(dir, ".cache", "triage", "demo")); err == nil {
					b.Fatal("the lookup opened the demo workspace")
				}
				b.ReportMetric(el.Seconds()/bc.bound.Seconds(), "bound-x")
				b.StartTimer()
			}
		})
	}
}
