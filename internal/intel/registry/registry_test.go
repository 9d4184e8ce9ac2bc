package registry

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/triage-dev/triage/internal/config"
	"github.com/triage-dev/triage/internal/intel"
	"github.com/triage-dev/triage/internal/intel/providers"
	"github.com/triage-dev/triage/internal/ioc"
)

func testConfig(t *testing.T) *config.Config {
	t.Helper()
	feed := filepath.Join(t.TempDir(), "feed.csv")
	if err := os.WriteFile(feed, []byte("indicator,severity\n198.51.100.1,high\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := &config.Config{DataDir: t.TempDir(), Providers: map[string]config.Provider{}}
	for _, id := range providers.Names() {
		cfg.Providers[id] = config.Provider{Name: id, Enabled: true, Primary: true,
			APIKey: config.NewSecret("key-" + id), APIID: config.NewSecret("id-" + id)}
	}
	lf := cfg.Providers["localfeed"]
	lf.Files = []string{feed}
	cfg.Providers["localfeed"] = lf
	return cfg
}

var noTI intel.WorkspaceTI = func(context.Context, []string) ([]intel.TIMatch, error) { return nil, nil }

// TestEverySpecBuilds builds every provider of the list from a complete
// configuration, and checks each is what its spec declares.
func TestEverySpecBuilds(t *testing.T) {
	cfg := testConfig(t)
	e, sts, err := Build(context.Background(), cfg, Options{WorkspaceTI: noTI})
	if err != nil {
		t.Fatal(err)
	}
	if len(e.Providers) != len(providers.All) || len(sts) != len(providers.All) {
		t.Fatalf("%d providers built, %d statuses; want all %d: %+v", len(e.Providers), len(sts), len(providers.All), sts)
	}
	seen := map[string]bool{}
	for i, spec := range providers.All {
		if seen[spec.Name] || spec.Name != strings.ToLower(spec.Name) || spec.New == nil || len(spec.Kinds) == 0 {
			t.Errorf("spec %d: name %q twice or not lower case, or no New or Kinds", i, spec.Name)
		}
		seen[spec.Name] = true
		p, st := e.Providers[i], sts[i]
		if p.Name() != spec.Name || st.Name != spec.Name {
			t.Fatalf("provider %d is %s (status %s), want %s in the list's order", i, p.Name(), st.Name, spec.Name)
		}
		if p.External() != spec.External || st.External != spec.External {
			t.Errorf("%s: external %v, status %v; the spec says %v", spec.Name, p.External(), st.External, spec.External)
		}
		if st.State != intel.ProviderRuns || !st.Running || st.Reason != "" {
			t.Errorf("%s: state %q, running %v, reason %q; want it running", spec.Name, st.State, st.Running, st.Reason)
		}
	}
}

// TestKindsAreWhatProvidersLookUp checks each spec's Kinds against what
// its provider does: Supports says so for exactly those kinds, a lookup of
// any other kind is refused as unsupported, and a lookup of one of them is
// not (the providers' own tables of endpoints agree with their specs).
func TestKindsAreWhatProvidersLookUp(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		w.Write([]byte(`{}`))
	}))
	defer srv.Close()
	cfg := testConfig(t)
	cfg.Intel.Timeout = 2 * time.Second
	for id, pc := range cfg.Providers {
		pc.BaseURL = srv.URL
		cfg.Providers[id] = pc
	}
	e, _, err := Build(context.Background(), cfg, Options{WorkspaceTI: noTI, HTTP: srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	sample := map[ioc.Kind]string{
		ioc.IPv4: "198.51.100.7", ioc.IPv6: "2001:db8::7", ioc.Domain: "example.com", ioc.Hostname: "www.example.com",
		ioc.URL: "https://example.com/x", ioc.MD5: "d41d8cd98f00b204e9800998ecf8427e",
		ioc.SHA1:   "da39a3ee5e6b4b0d3255bfef95601890afd80709",
		ioc.SHA256: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", ioc.Email: "someone@example.com",
	}
	for i, spec := range providers.All {
		p := e.Providers[i]
		for _, k := range ioc.Kinds {
			want := slices.Contains(spec.Kinds, k)
			if p.Supports(k) != want {
				t.Errorf("%s: Supports(%s) = %v, its spec's Kinds %v", spec.Name, k, !want, spec.Kinds)
			}
			_, err := p.Lookup(context.Background(), ioc.Indicator{Kind: k, Value: sample[k]})
			if refused := errors.Is(err, intel.ErrUnsupported); refused == want {
				t.Errorf("%s: lookup of a %s: %v; its spec's Kinds %v", spec.Name, k, err, spec.Kinds)
			}
		}
	}
}

// TestState checks the one state every provider is given, and that the
// state and the engine agree.
func TestState(t *testing.T) {
	cfg := testConfig(t)
	cfg.Intel.NoExternal = true
	vt := cfg.Providers["virustotal"]
	vt.APIKey = config.Secret{}
	cfg.Providers["virustotal"] = vt
	otx := cfg.Providers["otx"]
	otx.Primary = false
	cfg.Providers["otx"] = otx
	ab := cfg.Providers["abuseipdb"]
	ab.Enabled = false
	cfg.Providers["abuseipdb"] = ab

	e, sts, err := Build(context.Background(), cfg, Options{WorkspaceTI: noTI})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]intel.ProviderState{
		"virustotal": intel.ProviderNotConfigured, "otx": intel.ProviderOnRequest, "abuseipdb": intel.ProviderOff,
		"greynoise": intel.ProviderSkipped, "xforce": intel.ProviderSkipped,
		"tor": intel.ProviderRuns, "localfeed": intel.ProviderRuns, "sentinel-ti": intel.ProviderRuns,
	}
	for _, st := range sts {
		if w, ok := want[st.Name]; ok && st.State != w {
			t.Errorf("%s: state %q, want %q (%+v)", st.Name, st.State, w, st)
		}
		built := slices.ContainsFunc(e.Providers, func(p intel.Provider) bool { return p.Name() == st.Name })
		if built != st.Running || st.Running != (st.State == intel.ProviderRuns || st.State == intel.ProviderSkipped) {
			t.Errorf("%s: state %q, running %v, in the engine %v", st.Name, st.State, st.Running, built)
		}
		if (st.State == intel.ProviderRuns) == (st.Reason != "") {
			t.Errorf("%s: state %q with reason %q", st.Name, st.State, st.Reason)
		}
		if spec, _ := providers.Find(st.Name); st.NeedsKey != spec.NeedsKey || st.ReadsWorkspace != spec.ReadsWorkspace {
			t.Errorf("%s: needs key %v, reads the workspace %v; not as its spec says", st.Name, st.NeedsKey, st.ReadsWorkspace)
		}
	}
}

// TestQuotaPerLookup: a lookup that costs two requests (VirusTotal with
// resolutions, OTX with passive DNS) gets half the quota, in lookups.
func TestQuotaPerLookup(t *testing.T) {
	cfg := testConfig(t)
	vt := cfg.Providers["virustotal"]
	vt.Options = map[string]string{"resolutions": "true"}
	cfg.Providers["virustotal"] = vt
	otx := cfg.Providers["otx"]
	otx.Options = map[string]string{"passive_dns": "true"}
	otx.Quota = config.Quota{PerMinute: 3, PerHour: 1}
	cfg.Providers["otx"] = otx
	_, sts, err := Build(context.Background(), cfg, Options{WorkspaceTI: noTI})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]intel.Quota{
		"virustotal": {PerMinute: 2, PerDay: 250, PerMonth: 7750},
		"otx":        {PerMinute: 1, PerHour: 1},
		"greynoise":  {PerDay: 7},
	}
	for _, st := range sts {
		if w, ok := want[st.Name]; ok && st.Quota != w {
			t.Errorf("%s: quota %+v, want %+v", st.Name, st.Quota, w)
		}
	}
}

func TestBuildReasons(t *testing.T) {
	cfg := testConfig(t)
	vt := cfg.Providers["virustotal"]
	vt.APIKey = config.Secret{}
	vt.Quota = config.Quota{PerMinute: 2}
	cfg.Providers["virustotal"] = vt
	otx := cfg.Providers["otx"]
	otx.Primary = false
	cfg.Providers["otx"] = otx
	ab := cfg.Providers["abuseipdb"]
	ab.Enabled, ab.DisabledBy = false, "triage.yaml:3 (providers.abuseipdb.enabled)"
	cfg.Providers["abuseipdb"] = ab

	e, sts, err := Build(context.Background(), cfg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]Status{}
	for _, s := range sts {
		byName[s.Name] = s
	}
	if s := byName["virustotal"]; s.Running || !strings.Contains(s.Reason, "providers.virustotal.api_key") || s.Quota.PerMinute != 2 || s.Quota.PerDay != 500 {
		t.Errorf("virustotal without key: %+v", s)
	}
	if e.NotConfigured["virustotal"] == "" {
		t.Error("virustotal without key gives no not_configured rows")
	}
	if s := byName["otx"]; s.Running || !strings.Contains(s.Reason, "not primary") {
		t.Errorf("otx not primary: %+v", s)
	}
	if s := byName["abuseipdb"]; s.Running || !strings.Contains(s.Reason, "triage.yaml:3") {
		t.Errorf("abuseipdb disabled: %+v", s)
	}
	if s := byName["sentinel-ti"]; s.Running || !strings.Contains(s.Reason, "no workspace") {
		t.Errorf("sentinel-ti without workspace: %+v", s)
	}
	e, _, _ = Build(context.Background(), cfg, Options{All: true})
	if !slices.ContainsFunc(e.Providers, func(p intel.Provider) bool { return p.Name() == "otx" }) {
		t.Error("--all leaves out the non-primary otx")
	}
	e, _, _ = Build(context.Background(), cfg, Options{Only: []string{"greynoise"}})
	if len(e.Providers) != 1 || e.Providers[0].Name() != "greynoise" {
		t.Errorf("--provider greynoise built %d providers", len(e.Providers))
	}
}

// A provider named with --provider that cannot run gives not_configured
// rows saying why, whether it is off, has no key, or was never configured.
func TestOnlyNamesProvidersThatCannotRun(t *testing.T) {
	cfg := testConfig(t)
	ab := cfg.Providers["abuseipdb"]
	ab.Enabled, ab.DisabledBy = false, "enabled: false in triage.yaml:3"
	cfg.Providers["abuseipdb"] = ab
	cfg.Providers["virustotal"] = config.Provider{Name: "virustotal", Primary: true} // never configured
	cfg.Providers["tor"] = config.Provider{Name: "tor", Primary: true}               // never configured, needs no key
	xf := cfg.Providers["xforce"]
	xf.APIID = config.Secret{}
	cfg.Providers["xforce"] = xf // enabled, misconfigured

	tests := []struct {
		only string
		want string // in the not_configured reason
	}{
		{"virustotal", "no API key: set providers.virustotal.api_key"},
		{"abuseipdb", "turned off (enabled: false in triage.yaml:3): set providers.abuseipdb.enabled: true"},
		{"tor", "not enabled: add providers.tor to triage.yaml"},
		{"xforce", "no API id: set providers.xforce.api_id"},
	}
	ind, _ := ioc.Parse("203.0.113.5")
	for _, tt := range tests {
		t.Run(tt.only, func(t *testing.T) {
			e, _, err := Build(context.Background(), cfg, Options{Only: []string{tt.only}, WorkspaceTI: noTI})
			if err != nil {
				t.Fatal(err)
			}
			if len(e.Providers) != 0 {
				t.Errorf("built %d providers, want none", len(e.Providers))
			}
			rs := e.Lookup(context.Background(), []ioc.Indicator{ind})
			if len(rs) != 1 || rs[0].Provider != tt.only || rs[0].Status != intel.StatusNotConfigured || !strings.Contains(rs[0].Reason, tt.want) {
				t.Errorf("results %+v, want one not_configured row of %s saying %q", rs, tt.only, tt.want)
			}
		})
	}
	// Without --provider, providers that are off stay out of the answer.
	e, _, _ := Build(context.Background(), cfg, Options{WorkspaceTI: noTI})
	for _, name := range []string{"abuseipdb", "virustotal", "tor"} {
		if _, ok := e.NotConfigured[name]; ok {
			t.Errorf("%s, off and not asked for, gives not_configured rows", name)
		}
	}
}

func TestFingerprint(t *testing.T) {
	a := config.Provider{BaseURL: "https://x", APIKey: config.NewSecret("secret-one")}
	b := config.Provider{BaseURL: "https://x", APIKey: config.NewSecret("secret-two")}
	c := config.Provider{BaseURL: "https://y", APIKey: config.NewSecret("secret-one")}
	fa, fb, fc := fingerprint("vt", a), fingerprint("vt", b), fingerprint("vt", c)
	if fa == fb || fa == fc || fa != fingerprint("vt", a) {
		t.Errorf("fingerprints %s %s %s: want stable, distinct by key and address", fa, fb, fc)
	}
	if strings.Contains(fa, "secret") {
		t.Error("the fingerprint holds the key")
	}
	// Options shape the answers: answers cached under others are not reused.
	d, e := a, a
	d.Options = map[string]string{"resolutions": "true", "x": "1"}
	e.Options = map[string]string{"x": "1", "resolutions": "true"}
	if fd := fingerprint("vt", d); fd == fa || fd != fingerprint("vt", e) {
		t.Errorf("fingerprint with options %s, without %s: want distinct, and stable across map order", fd, fa)
	}
}

func TestPrivate(t *testing.T) {
	p := Private(config.Intel{
		InternalDomains:  []string{"contoso.com", ".corp.fabrikam.net"},
		InternalAccounts: []string{"svc-backup", "ceo@contoso.org"},
		InternalNetworks: []netip.Prefix{netip.MustParsePrefix("198.51.100.0/24"), netip.MustParsePrefix("2001:db8:1::/48")},
	})
	for v, private := range map[string]bool{
		"fs01.contoso.com": true, "contoso.com": true, "notcontoso.com": false, "x.corp.fabrikam.net": true,
		"https://portal.contoso.com/login": true, "https://contoso.com.evil.example/": false,
		"alice@contoso.com": true, "svc-backup@fabrikam.example": true, "ceo@contoso.org": true, "bob@fabrikam.example": false,
		"198.51.100.77": true, "203.0.113.5": false, "2001:db8:1::5": true, "2001:db8:2::5": false,
	} {
		ind, err := ioc.Parse(v)
		if err != nil {
			t.Fatalf("%s: %v", v, err)
		}
		if got := p(ind) != ""; got != private {
			t.Errorf("%s: private %v (%q), want %v", v, got, p(ind), private)
		}
	}
}

func TestBase(t *testing.T) {
	for _, tc := range []struct{ configured, def, want string }{
		{"", "https://www.virustotal.com/api/v3", ""},
		{"http://127.0.0.1:8080", "https://www.virustotal.com/api/v3", "http://127.0.0.1:8080/api/v3"},
		{"http://127.0.0.1:8080/", "https://api.abuseipdb.com/api/v2", "http://127.0.0.1:8080/api/v2"},
		{"http://127.0.0.1:8080/vt", "https://www.virustotal.com/api/v3", "http://127.0.0.1:8080/vt"},
		{"http://127.0.0.1:8080", "https://api.greynoise.io", "http://127.0.0.1:8080"},
		{"http://127.0.0.1:8080", "https://check.torproject.org/exit-addresses", "http://127.0.0.1:8080/exit-addresses"},
	} {
		if got := base(tc.configured, tc.def); got != tc.want {
			t.Errorf("base(%q, %q) = %q, want %q", tc.configured, tc.def, got, tc.want)
		}
	}
}
