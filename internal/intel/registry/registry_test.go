package registry

import (
	"context"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/triage-dev/triage/internal/config"
	"github.com/triage-dev/triage/internal/intel"
	"github.com/triage-dev/triage/internal/intel/sentinelti"
	"github.com/triage-dev/triage/internal/ioc"
)

func testConfig(t *testing.T) *config.Config {
	t.Helper()
	feed := filepath.Join(t.TempDir(), "feed.csv")
	if err := os.WriteFile(feed, []byte("indicator,severity\n198.51.100.1,high\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := &config.Config{DataDir: t.TempDir(), Providers: map[string]config.Provider{}}
	for _, id := range config.ProviderIDs {
		cfg.Providers[id] = config.Provider{Name: id, Enabled: true, Primary: true,
			APIKey: config.NewSecret("key-" + id), APIID: config.NewSecret("id-" + id)}
	}
	lf := cfg.Providers[config.ProviderLocalFeed]
	lf.Files = []string{feed}
	cfg.Providers[config.ProviderLocalFeed] = lf
	return cfg
}

var noTI sentinelti.QueryFunc = func(context.Context, []string) ([]sentinelti.Match, error) { return nil, nil }

// TestKindsTable keeps the static table of kinds true to the providers.
func TestKindsTable(t *testing.T) {
	cfg := testConfig(t)
	e, sts, err := Build(context.Background(), cfg, Options{SentinelTI: noTI})
	if err != nil {
		t.Fatal(err)
	}
	if len(e.Providers) != len(config.ProviderIDs) {
		t.Fatalf("%d providers built, want all %d: %+v", len(e.Providers), len(config.ProviderIDs), sts)
	}
	for _, p := range e.Providers {
		var got []ioc.Kind
		for _, k := range ioc.Kinds {
			if p.Supports(k) {
				got = append(got, k)
			}
		}
		if !slices.Equal(got, kinds[p.Name()]) {
			t.Errorf("%s supports %v, the table says %v", p.Name(), got, kinds[p.Name()])
		}
		i := slices.IndexFunc(sts, func(s Status) bool { return s.Name == p.Name() })
		if sts[i].External != p.External() {
			t.Errorf("%s: status says external %v, the provider %v", p.Name(), sts[i].External, p.External())
		}
	}
}

func TestBuildReasons(t *testing.T) {
	cfg := testConfig(t)
	vt := cfg.Providers[config.ProviderVirusTotal]
	vt.APIKey = config.Secret{}
	vt.Quota = config.Quota{PerMinute: 2}
	cfg.Providers[config.ProviderVirusTotal] = vt
	otx := cfg.Providers[config.ProviderOTX]
	otx.Primary = false
	cfg.Providers[config.ProviderOTX] = otx
	ab := cfg.Providers[config.ProviderAbuseIPDB]
	ab.Enabled, ab.DisabledBy = false, "triage.yaml:3 (providers.abuseipdb.enabled)"
	cfg.Providers[config.ProviderAbuseIPDB] = ab

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
	ab := cfg.Providers[config.ProviderAbuseIPDB]
	ab.Enabled, ab.DisabledBy = false, "enabled: false in triage.yaml:3"
	cfg.Providers[config.ProviderAbuseIPDB] = ab
	cfg.Providers[config.ProviderVirusTotal] = config.Provider{Name: config.ProviderVirusTotal, Primary: true} // never configured
	cfg.Providers[config.ProviderTor] = config.Provider{Name: config.ProviderTor, Primary: true}               // never configured, needs no key
	xf := cfg.Providers[config.ProviderXForce]
	xf.APIID = config.Secret{}
	cfg.Providers[config.ProviderXForce] = xf // enabled, misconfigured

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
			e, _, err := Build(context.Background(), cfg, Options{Only: []string{tt.only}, SentinelTI: noTI})
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
	e, _, _ := Build(context.Background(), cfg, Options{SentinelTI: noTI})
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
