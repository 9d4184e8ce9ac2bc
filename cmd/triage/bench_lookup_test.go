package main

import (
	"context"
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

	"github.com/triage-dev/triage/internal/workspace/local"
)

// latencyFake answers OTX, GreyNoise, AbuseIPDB and VirusTotal requests
// (under /otx, /gn, /abuse and /vt) after a fixed latency, each with a
// clean answer (VirusTotal: not found).
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
		case strings.HasPrefix(r.URL.Path, "/vt/"):
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprint(w, `{"error":{"code":"NotFoundError","message":"not found"}}`)
		case strings.HasPrefix(r.URL.Path, "/abuse/"):
			fmt.Fprintf(w, `{"data":{"ipAddress":%q,"isPublic":true,"abuseConfidenceScore":0,"totalReports":0}}`, r.URL.Query().Get("ipAddress"))
		default:
			http.NotFound(w, r)
		}
	}))
}

// timed runs the binary with home as its home directory and returns its
// stdout and how long the process took, the only time the benchmark counts
// (the timer is stopped around it).
func timed(b *testing.B, bin, home string, args ...string) ([]byte, time.Duration, error) {
	cmd := exec.Command(bin, args...)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + home, "MSTICPYCONFIG=" + filepath.Join(home, "none.yaml")}
	b.StartTimer()
	start := time.Now()
	out, err := cmd.Output()
	el := time.Since(start)
	b.StopTimer()
	return out, el, err
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
				out, el, err := timed(b, bin, dir, append([]string{"--config", cfg}, args...)...)
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

// BenchmarkFreeTierRun times `triage run` of an incident naming 120 public
// indicators with VirusTotal, OTX, GreyNoise and AbuseIPDB at their default
// free-tier quotas (VirusTotal 4 a minute), every answer after 200 ms, and
// the default wait budget of 20 s: it must return within the budget + 3 s
// with every section but threat intel complete. limited is how many lookups
// the quotas left for later. "addresses" names 110 addresses and 10 MD5
// hashes; "names" 60 addresses, 30 domains, 20 URLs and 10 hashes, whose
// summaries also ask DNS and RDAP, real services not faked here.
func BenchmarkFreeTierRun(b *testing.B) {
	for _, names := range []bool{false, true} {
		b.Run(map[bool]string{false: "addresses", true: "names"}[names], func(b *testing.B) { freeTierRun(b, names) })
	}
}

func freeTierRun(b *testing.B, names bool) {
	bin := binary(b)
	srv := latencyFake(200 * time.Millisecond)
	defer srv.Close()
	wsFile := filepath.Join(b.TempDir(), "many.db")
	if err := manyIndicators(wsFile, names); err != nil {
		b.Fatal(err)
	}
	for range b.N {
		b.StopTimer()
		dir := b.TempDir()
		cfg := filepath.Join(dir, "triage.yaml")
		os.WriteFile(cfg, []byte(fmt.Sprintf(`data_dir: %[1]s/data
providers:
  virustotal: {api_key: vt-key, base_url: %[2]s/vt}
  otx: {api_key: otx-key, base_url: %[2]s/otx}
  greynoise: {base_url: %[2]s/gn}
  abuseipdb: {api_key: abuse-key, base_url: %[2]s/abuse}
`, dir, srv.URL)), 0o600)
		out, el, err := timed(b, bin, dir, "--config", cfg, "-w", wsFile, "run", "1", "--format", "json")
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 3 {
			b.Fatalf("run: %v (want exit 3, partial)\n%.2000s", err, out)
		}
		var rep struct {
			Sections  []struct{ Name, Status, Reason string }
			Summaries []struct {
				Sections []struct{ Name, Status string }
			}
			TI struct {
				Complete bool
				Results  []struct{ Status string }
			}
		}
		if err := json.Unmarshal(out, &rep); err != nil {
			b.Fatal(err)
		}
		limited := 0
		for _, r := range rep.TI.Results {
			if r.Status == "rate_limited" {
				limited++
			}
		}
		for _, s := range rep.Sections {
			if s.Name != "threat intel" && s.Status != "ok" && s.Status != "empty" && s.Status != "partial" {
				b.Errorf("section %s: %s %s", s.Name, s.Status, s.Reason)
			}
		}
		// Registrations (RDAP) and DNS answers come from servers this
		// benchmark does not fake: offline, they are the parts of the
		// summaries that fail.
		for _, sum := range rep.Summaries {
			for _, sec := range sum.Sections {
				if sec.Status == "error" && sec.Name != "Registration" && sec.Name != "DNS answers" {
					b.Errorf("summary section %s failed", sec.Name)
				}
			}
		}
		if rep.TI.Complete || limited == 0 || el > 23*time.Second {
			b.Errorf("took %s, TI complete %v with %d rate_limited; want within 23 s, incomplete", el, rep.TI.Complete, limited)
		}
		b.ReportMetric(float64(limited), "limited")
		b.StartTimer()
	}
}

// manyIndicators writes a local workspace with incident 1, whose alert
// names 120 public indicators: with names, 30 of them domains and 20 URLs,
// else addresses.
func manyIndicators(path string, names bool) error {
	ctx := context.Background()
	ws, err := local.Open(ctx, "many", path, nil)
	if err != nil {
		return err
	}
	defer ws.Close()
	t0 := time.Now().UTC().Add(-time.Hour)
	var ents []string
	add := func(typ, props string) {
		ents = append(ents, fmt.Sprintf(`{"$id":"%d","Type":%q,%s}`, len(ents)+1, typ, props))
	}
	addrs := 110
	if names {
		addrs = 60
		for i := range 30 {
			add("dns", fmt.Sprintf(`"DomainName":"cdn-%d.badsite.net"`, i))
		}
		for i := range 20 {
			add("url", fmt.Sprintf(`"Url":"https://dl-%d.badsite.net/get"`, i))
		}
	}
	for i := range addrs {
		add("ip", fmt.Sprintf(`"Address":"8.9.%d.%d"`, i/250, 1+i%250))
	}
	for i := range 10 {
		add("filehash", fmt.Sprintf(`"Algorithm":"MD5","Value":"%032x"`, i+1))
	}
	return ws.Load(ctx, func(emit func(string, map[string]any) error) error {
		if err := emit("SecurityIncident", map[string]any{"TimeGenerated": t0, "IncidentName": "inc-1", "IncidentNumber": 1,
			"Title": "120 indicators", "Severity": "High", "Status": "New", "CreatedTime": t0, "LastModifiedTime": t0,
			"AlertIds": []any{"a1"}}); err != nil {
			return err
		}
		return emit("SecurityAlert", map[string]any{"TimeGenerated": t0, "SystemAlertId": "a1", "AlertName": "Many", "DisplayName": "Many",
			"AlertSeverity": "High", "StartTime": t0, "EndTime": t0, "Status": "New", "ProviderName": "test",
			"Entities": "[" + strings.Join(ents, ",") + "]"})
	})
}
