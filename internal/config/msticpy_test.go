package config

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// providerView is what the tests compare of a Provider.
type providerView struct {
	Enabled, Primary bool
	Key, KeyFrom     string
	ID, IDFrom       string
	DisabledBy       string
	Options          map[string]string
}

func viewProviders(ps map[string]Provider) map[string]providerView {
	out := map[string]providerView{}
	for id, p := range ps {
		out[id] = providerView{
			Enabled: p.Enabled, Primary: p.Primary,
			Key: p.APIKey.Reveal(), KeyFrom: p.APIKey.Source().String(),
			ID: p.APIID.Reveal(), IDFrom: p.APIID.Source().String(),
			DisabledBy: p.DisabledBy, Options: p.Options,
		}
	}
	return out
}

func TestLoadMsticpyFixture(t *testing.T) {
	c, err := Load(LoadOptions{
		MsticpyPath: fixture,
		Getenv:      envOf(map[string]string{"VTAUTHKEY": "vt-from-env", "XFORCE_ID": "xf-id", "XFORCE_KEY": "xf-key", "MAXMIND_AUTH": "mm-key"}),
		HomeDir:     "/home/analyst",
	})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{fixture}, c.Files); diff != "" {
		t.Errorf("Files (-want +got):\n%s", diff)
	}
	if c.DefaultWorkspace != "Default" {
		t.Errorf("DefaultWorkspace = %q, want Default", c.DefaultWorkspace)
	}

	// Azure.auth_methods [env, cli, msi, interactive]; "env" takes the
	// service principal from DataProviders.AzureCLI.Args.
	auth := Auth{
		Methods:  []string{AuthClientSecret, AuthCLI, AuthManagedIdentity, AuthDeviceCode},
		TenantID: "69d28fd7-42a5-48bc-a619-af56397b2222",
		ClientID: "69d28fd7-42a5-48bc-a619-af56397b1111",
		ClientSecret: secretOf("69d28fd7-42a5-48bc-a619-af56397b3333", SecretSource{
			Kind: SecretPlain, Origin: Origin{File: fixture, Line: 128, Key: "DataProviders.AzureCLI.Args.clientSecret"},
		}, nil),
	}
	public := cloudEndpoints[CloudPublic]
	want := map[string]Workspace{
		"demo": {Name: "demo", Kind: KindDemo},
		"Default": {
			Name: "Default", Kind: KindSentinel,
			WorkspaceID: "52b1ab41-869e-4138-9e40-2a4457f09bf3", TenantID: "72f988bf-86f1-41af-91ab-2d7cd011db49",
			Cloud: CloudPublic, Endpoints: public, Auth: auth,
			MaxConcurrentQueries: 5, QueryTimeout: DefaultQueryTimeout,
			Origins: []Origin{{File: fixture, Line: 3, Key: "AzureSentinel.Workspaces.Default"}},
		},
		"MyTestWS": {
			Name: "MyTestWS", Kind: KindSentinel,
			WorkspaceID: "a927809c-8142-43e1-96b3-4ad87cfe95a3", TenantID: "69d28fd7-42a5-48bc-a619-af56397b9f28",
			Cloud: CloudPublic, Endpoints: public, Auth: auth,
			MaxConcurrentQueries: 5, QueryTimeout: DefaultQueryTimeout,
			Origins: []Origin{{File: fixture, Line: 6, Key: "AzureSentinel.Workspaces.MyTestWS"}},
		},
	}
	if diff := cmp.Diff(want, c.Workspaces); diff != "" {
		t.Errorf("Workspaces (-want +got):\n%s", diff)
	}

	at := func(line int, key string) string {
		return "the value at " + (Origin{File: fixture, Line: line, Key: key}).String()
	}
	wantProviders := map[string]providerView{
		"otx":        {Enabled: true, Primary: true, Key: "987654321", KeyFrom: at(21, "TIProviders.OTX.Args.AuthKey"), IDFrom: "nowhere (not configured)"},
		"virustotal": {Enabled: true, Primary: true, Key: "vt-from-env", KeyFrom: "environment variable VTAUTHKEY", IDFrom: "nowhere (not configured)"},
		"xforce": {Enabled: true, Primary: false, Key: "xf-key", KeyFrom: "environment variable XFORCE_KEY",
			ID: "xf-id", IDFrom: "environment variable XFORCE_ID"},
		"greynoise": {Enabled: true, Primary: true, KeyFrom: at(40, "TIProviders.GreyNoise.Args.AuthKey"), IDFrom: "nowhere (not configured)"},
		"abuseipdb": {Enabled: true, Primary: true, Key: "[PLACEHOLDER]", KeyFrom: at(77, "TIProviders.AbuseIPDB.Args.AuthKey"), IDFrom: "nowhere (not configured)"},
		"tor":       {Enabled: true, Primary: true, KeyFrom: "nowhere (not configured)", IDFrom: "nowhere (not configured)"},
		"sentinel-ti": {Primary: true, KeyFrom: "nowhere (not configured)", IDFrom: "nowhere (not configured)",
			DisabledBy: "Provider: --no-load-- in " + fixture + ":43 (TIProviders.AzureSentinel)"},
		"localfeed": {Primary: true, KeyFrom: "nowhere (not configured)", IDFrom: "nowhere (not configured)"},
	}
	if diff := cmp.Diff(wantProviders, viewProviders(c.Providers)); diff != "" {
		t.Errorf("Providers (-want +got):\n%s", diff)
	}

	wantGeo := GeoIP{
		DBFolder:    "/home/analyst/.msticpy",
		Databases:   []string{"/home/analyst/.msticpy/GeoLite2-City.mmdb", "/home/analyst/.msticpy/GeoLite2-ASN.mmdb"},
		LicenseKey:  secretOf("mm-key", SecretSource{Kind: SecretEnv, Env: "MAXMIND_AUTH", Origin: Origin{File: fixture, Line: 93, Key: "OtherProviders.GeoIPLite.Args.AuthKey"}}, nil),
		DownloadURL: DefaultGeoIPDownloadURL,
		Origins:     []Origin{{File: fixture, Line: 91, Key: "OtherProviders.GeoIPLite"}},
	}
	if diff := cmp.Diff(wantGeo, c.GeoIP); diff != "" {
		t.Errorf("GeoIP (-want +got):\n%s", diff)
	}

	wantWarnings := []string{
		fixture + ":49: TIProviders.OpenPageRank: provider OPR is not supported by triage; ignored",
		fixture + ":58: TIProviders.RiskIQ: provider RiskIQ is not supported by triage; ignored",
		fixture + ":64: TIProviders.IntSights: provider IntSights is not supported by triage; ignored",
		fixture + ":70: TIProviders.CrowdSec: provider CrowdSec is not supported by triage; ignored",
		fixture + ":80: TIProviders.IPQualityScore: provider IPQualityScore is not supported by triage; ignored",
		fixture + ":85: TIProviders.BinaryEdge: provider BinaryEdge is not supported by triage; ignored",
		fixture + ":97: OtherProviders.IPStack: provider IPStackLookup is not supported by triage; ignored (triage reads MaxMind GeoLite2 databases)",
	}
	if diff := cmp.Diff(wantWarnings, c.Warnings); diff != "" {
		t.Errorf("Warnings (-want +got):\n%s", diff)
	}
}

func TestLoadMsticpyMissingEnv(t *testing.T) {
	c, err := Load(LoadOptions{MsticpyPath: fixture, Getenv: envOf(nil)})
	if err != nil {
		t.Fatal(err)
	}
	vt := c.Providers["virustotal"]
	if vt.APIKey.IsSet() || vt.APIKey.Err() == nil || vt.APIKey.Err().Error() != "environment variable VTAUTHKEY is not set" {
		t.Errorf("virustotal key: set %v, err %v", vt.APIKey.IsSet(), vt.APIKey.Err())
	}
	for _, w := range []string{
		fixture + ":26: TIProviders.VirusTotal.Args.AuthKey: environment variable VTAUTHKEY is not set",
		fixture + ":34: TIProviders.XForce.Args.AuthKey: environment variable XFORCE_KEY is not set",
		fixture + ":32: TIProviders.XForce.Args.ApiID: environment variable XFORCE_ID is not set",
		fixture + ":93: OtherProviders.GeoIPLite.Args.AuthKey: environment variable MAXMIND_AUTH is not set",
	} {
		if !contains(c.Warnings, w) {
			t.Errorf("no warning %q in\n%s", w, strings.Join(c.Warnings, "\n"))
		}
	}
	got := findingsOf(c.Check(), "provider virustotal")
	want := []string{"error: api key from environment variable VTAUTHKEY, which is not set: export VTAUTHKEY=… or set providers.virustotal.api_key in triage.yaml"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("virustotal findings (-want +got):\n%s", diff)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

const msticpyKeyVault = `
KeyVault:
  VaultName: mstic-kv
  TenantId: 72f988bf-86f1-41af-91ab-2d7cd011db49
  Authority: global
TIProviders:
  OTX:
    Args:
      AuthKey:
        KeyVault:
    Primary: True
  VirusTotal:
    Args:
      AuthKey:
        KeyVault: othervault/vt_key
  XForce:
    Args:
      ApiID:
        KeyVault: default
      AuthKey:
        KeyVault: xforce.key
  AbuseIPDB:
    Args:
      AuthKey:
        KeyVault: broken
OtherProviders:
  GeoIPLite:
    Args:
      AuthKey:
        KeyVault: https://geo-kv.vault.azure.net/secrets/maxmind/0123
`

func TestMsticpyKeyVault(t *testing.T) {
	load := func(t *testing.T) (*Config, string) {
		p := writeFile(t, t.TempDir(), "msticpyconfig.yaml", msticpyKeyVault)
		c, err := Load(LoadOptions{MsticpyPath: p})
		if err != nil {
			t.Fatal(err)
		}
		return c, p
	}
	const def = "https://mstic-kv.vault.azure.net"
	refs := map[string][2]string{ // setting → vault URL, secret name
		"otx api_key":        {def, "TIProviders-OTX-Args-AuthKey"},
		"virustotal api_key": {"https://othervault.vault.azure.net", "vt-key"},
		"xforce api_id":      {def, "TIProviders-XForce-Args-ApiID"},
		"xforce api_key":     {def, "xforce-key"},
		"abuseipdb api_key":  {def, "broken"},
		"geoip license_key":  {"https://geo-kv.vault.azure.net", "maxmind"},
	}
	secrets := func(c *Config) map[string]Secret {
		return map[string]Secret{
			"otx api_key":        c.Providers["otx"].APIKey,
			"virustotal api_key": c.Providers["virustotal"].APIKey,
			"xforce api_id":      c.Providers["xforce"].APIID,
			"xforce api_key":     c.Providers["xforce"].APIKey,
			"abuseipdb api_key":  c.Providers["abuseipdb"].APIKey,
			"geoip license_key":  c.GeoIP.LicenseKey,
		}
	}

	t.Run("nil store", func(t *testing.T) {
		c, _ := load(t)
		if err := c.ResolveSecrets(context.Background(), nil); err != nil {
			t.Fatal(err)
		}
		for k, s := range secrets(c) {
			src := s.Source()
			if got := [2]string{src.VaultURL, src.Name}; got != refs[k] || src.Kind != SecretKeyVault {
				t.Errorf("%s: source %+v, want %v", k, src, refs[k])
			}
			if s.IsSet() || !errors.Is(s.Err(), ErrKeyVaultNotRead) {
				t.Errorf("%s: set %v err %v, want unread", k, s.IsSet(), s.Err())
			}
		}
		if c.KeyVault.VaultURL != def || c.KeyVault.TenantID != "72f988bf-86f1-41af-91ab-2d7cd011db49" {
			t.Errorf("KeyVault = %+v", c.KeyVault)
		}
		got := findingsOf(c.Check(), "provider otx")
		want := []string{"error: api key is Key Vault secret TIProviders-OTX-Args-AuthKey in https://mstic-kv.vault.azure.net, which has not been read (no Key Vault access in this run): set providers.otx.api_key in triage.yaml with the value or {env: VARIABLE}"}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("otx findings (-want +got):\n%s", diff)
		}
		if got, want := findingsOf(c.Check(), "key vault"), []string{"ok: 6 secret(s) from Key Vault, default vault https://mstic-kv.vault.azure.net, 6 not read yet"}; !cmp.Equal(want, got) {
			t.Errorf("key vault findings: %q", got)
		}
	})

	t.Run("fake store", func(t *testing.T) {
		c, _ := load(t)
		store := &fakeStore{
			secrets: map[string]string{
				def + "|TIProviders-OTX-Args-AuthKey":       "otx-value",
				"https://othervault.vault.azure.net|vt-key": "vt-value",
				def + "|TIProviders-XForce-Args-ApiID":      "xf-id-value",
				def + "|xforce-key":                         "xf-key-value",
				"https://geo-kv.vault.azure.net|maxmind":    "mm-value",
			},
			fail: map[string]error{def + "|broken": errors.New("Forbidden: caller lacks secrets/get")},
		}
		err := c.ResolveSecrets(context.Background(), store)
		wantErr := "providers.abuseipdb.api_key: Key Vault secret broken in https://mstic-kv.vault.azure.net: Forbidden: caller lacks secrets/get"
		if err == nil || err.Error() != wantErr {
			t.Errorf("ResolveSecrets error = %v, want %s", err, wantErr)
		}
		got := map[string]string{}
		for k, s := range secrets(c) {
			got[k] = s.Reveal()
		}
		want := map[string]string{
			"otx api_key": "otx-value", "virustotal api_key": "vt-value", "xforce api_id": "xf-id-value",
			"xforce api_key": "xf-key-value", "abuseipdb api_key": "", "geoip license_key": "mm-value",
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("values (-want +got):\n%s", diff)
		}
		for k, n := range store.calls {
			if n != 1 {
				t.Errorf("%s read %d times", k, n)
			}
		}
		if got := findingsOf(c.Check(), "provider abuseipdb"); len(got) != 1 || !strings.Contains(got[0], "cannot be read: Key Vault secret broken in https://mstic-kv.vault.azure.net: Forbidden") {
			t.Errorf("abuseipdb findings: %q", got)
		}
		if got := findingsOf(c.Check(), "provider otx"); !cmp.Equal(got, []string{"ok: enabled, primary, api key from Key Vault secret TIProviders-OTX-Args-AuthKey in https://mstic-kv.vault.azure.net"}) {
			t.Errorf("otx findings: %q", got)
		}
	})

	t.Run("cancelled", func(t *testing.T) {
		c, _ := load(t)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		store := &fakeStore{}
		if err := c.ResolveSecrets(ctx, store); !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
		if len(store.calls) != 0 {
			t.Errorf("store called %v", store.calls)
		}
	})

	t.Run("no KeyVault section", func(t *testing.T) {
		p := writeFile(t, t.TempDir(), "msticpyconfig.yaml", "TIProviders:\n  OTX:\n    Args:\n      AuthKey:\n        KeyVault: otx\n")
		c, err := Load(LoadOptions{MsticpyPath: p})
		if err != nil {
			t.Fatal(err)
		}
		want := p + ":4: TIProviders.OTX.Args.AuthKey: bad Key Vault reference: the reference names no vault and no default vault is configured: set key_vault.vault_name in triage.yaml (or KeyVault.VaultName in msticpyconfig.yaml)"
		if diff := cmp.Diff([]string{want}, c.Warnings); diff != "" {
			t.Errorf("Warnings (-want +got):\n%s", diff)
		}
	})
}

func TestMsticpyDefaultWorkspace(t *testing.T) {
	tests := []struct {
		name        string
		yaml        string
		wantDefault string
		wantNames   []string
		check       func(t *testing.T, c *Config)
	}{
		{
			name: "Default repeats a named workspace",
			yaml: `AzureSentinel:
  Workspaces:
    Default:
      WorkspaceId: 52B1AB41-869e-4138-9e40-2a4457f09bf3
      TenantId: 72f988bf-86f1-41af-91ab-2d7cd011db49
      SubscriptionId: 3b701f84-d04b-4479-89b1-fa8827eb537e
    Contoso:
      WorkspaceId: 52b1ab41-869e-4138-9e40-2a4457f09bf3
      TenantId: 72f988bf-86f1-41af-91ab-2d7cd011db49
      ResourceGroup: soc
      WorkspaceName: contoso-ws
    Other:
      WorkspaceId: a927809c-8142-43e1-96b3-4ad87cfe95a3
`,
			wantDefault: "Contoso",
			wantNames:   []string{"Contoso", "Other", "demo"},
			check: func(t *testing.T, c *Config) {
				ws, err := c.Workspace("Default")
				if err != nil || ws.Name != "Contoso" {
					t.Errorf(`Workspace("Default") = %q, %v`, ws.Name, err)
				}
				if !ws.IncidentsAPI() || ws.SubscriptionID != "3b701f84-d04b-4479-89b1-fa8827eb537e" {
					t.Errorf("Default's SubscriptionId not merged: %+v", ws)
				}
			},
		},
		{
			name: "Default on its own",
			yaml: `AzureSentinel:
  Workspaces:
    Default: {WorkspaceId: 52b1ab41-869e-4138-9e40-2a4457f09bf3}
    Other: {WorkspaceId: a927809c-8142-43e1-96b3-4ad87cfe95a3}
`,
			wantDefault: "Default",
			wantNames:   []string{"Default", "Other", "demo"},
		},
		{
			name:        "one workspace, no Default",
			yaml:        "AzureSentinel:\n  Workspaces:\n    Only: {WorkspaceId: 52b1ab41-869e-4138-9e40-2a4457f09bf3}\n",
			wantDefault: "Only",
			wantNames:   []string{"Only", "demo"},
		},
		{
			name:        "two workspaces, no Default",
			yaml:        "AzureSentinel:\n  Workspaces:\n    A: {WorkspaceId: 52b1ab41-869e-4138-9e40-2a4457f09bf3}\n    B: {WorkspaceId: a927809c-8142-43e1-96b3-4ad87cfe95a3}\n",
			wantDefault: "demo",
			wantNames:   []string{"A", "B", "demo"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := writeFile(t, t.TempDir(), "msticpyconfig.yaml", tt.yaml)
			c, err := Load(LoadOptions{MsticpyPath: p})
			if err != nil {
				t.Fatal(err)
			}
			if c.DefaultWorkspace != tt.wantDefault {
				t.Errorf("DefaultWorkspace = %q, want %q", c.DefaultWorkspace, tt.wantDefault)
			}
			if diff := cmp.Diff(tt.wantNames, sortedKeys(c.Workspaces)); diff != "" {
				t.Errorf("workspaces (-want +got):\n%s", diff)
			}
			if tt.check != nil {
				tt.check(t, c)
			}
		})
	}
}

func TestMsticpyLenient(t *testing.T) {
	p := writeFile(t, t.TempDir(), "msticpyconfig.yaml", `AzureSentinel:
  Workspaces:
    Bad: [1, 2]
    demo: {WorkspaceId: 52b1ab41-869e-4138-9e40-2a4457f09bf3}
    Good: {workspaceid: 52b1ab41-869e-4138-9e40-2a4457f09bf3, TenantID: contoso.onmicrosoft.com, Extra: ignored}
Azure:
  cloud: de
  auth_methods: [vscode, cli, powershell]
TIProviders:
  VirusTotal:
    Args: {AuthKey: {Vault: x}}
    Primary: maybe
  VT2:
    Provider: VirusTotal
  Tor: {}
QueryDefinitions: {Custom: [x]}
`)
	c, err := Load(LoadOptions{MsticpyPath: p})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		p + ":3: AzureSentinel.Workspaces.Bad: want a mapping with WorkspaceId and TenantId, got a list; ignored",
		p + `:4: AzureSentinel.Workspaces.demo: the name "demo" is taken by the built-in demo workspace; ignored`,
		p + `:7: Azure.cloud: Azure Germany ("de") was closed in October 2021 and is not supported`,
		p + `:8: Azure.auth_methods: method "vscode" is not supported by triage; skipped (triage has default, cli, devicecode, clientsecret, managedidentity)`,
		p + `:8: Azure.auth_methods: method "powershell" is not supported by triage; skipped (triage has default, cli, devicecode, clientsecret, managedidentity)`,
		p + ":11: TIProviders.VirusTotal.Args.AuthKey: want a value, {EnvironmentVar: NAME} or {KeyVault: REF}; ignored",
		p + ":12: TIProviders.VirusTotal.Primary: want True or False, got a string; taken as False",
		p + ":13: TIProviders.VT2: virustotal is already configured by " + p + ":10 (TIProviders.VirusTotal); ignored",
	}
	if diff := cmp.Diff(want, c.Warnings); diff != "" {
		t.Errorf("Warnings (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"Good", "demo"}, sortedKeys(c.Workspaces)); diff != "" {
		t.Errorf("workspaces (-want +got):\n%s", diff)
	}
	good := c.Workspaces["Good"]
	if good.Cloud != CloudGermany || good.TenantID != "contoso.onmicrosoft.com" || !cmp.Equal(good.Auth.Methods, []string{AuthCLI}) {
		t.Errorf("Good = %+v", good)
	}
	if got := findingsOf(c.Check(), "workspace Good"); len(got) == 0 || !strings.HasPrefix(got[0], "error: Azure Germany was closed") {
		t.Errorf("Good findings: %q", got)
	}
	if !c.Providers["tor"].Enabled || !c.Providers["virustotal"].Enabled || c.Providers["virustotal"].Primary {
		t.Errorf("providers: %+v", viewProviders(c.Providers))
	}
}

func TestMsticpyNotYAML(t *testing.T) {
	p := writeFile(t, t.TempDir(), "msticpyconfig.yaml", "TIProviders:\n  OTX: [\n")
	_, err := Load(LoadOptions{MsticpyPath: p})
	var fe *Error
	if !errors.As(err, &fe) || fe.File != p || fe.Line == 0 {
		t.Fatalf("err = %v, want an *Error with a line", err)
	}
}
