package config

import (
	"errors"
	"io/fs"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/triage-dev/triage/internal/intel"
	"github.com/triage-dev/triage/internal/intel/providers"
)

func TestLoadPaths(t *testing.T) {
	root := t.TempDir()
	cwd := filepath.Join(root, "cwd")
	user := filepath.Join(root, "config")
	explicit := writeFile(t, root, "explicit.yaml", "data_dir: /x\n")
	fromEnv := writeFile(t, root, "env.yaml", "data_dir: /x\n")
	inCwd := writeFile(t, cwd, "triage.yaml", "data_dir: /x\n")
	inUser := writeFile(t, user, "triage/triage.yaml", "data_dir: /x\n")
	mEnv := writeFile(t, root, "m-env.yaml", "")
	mCwd := writeFile(t, cwd, "msticpyconfig.yaml", "")
	mExplicit := writeFile(t, root, "m-explicit.yaml", "")
	emptyDir := filepath.Join(root, "empty")
	os.MkdirAll(emptyDir, 0o755)
	noMsticpy := writeFile(t, root, "no-msticpy.yaml", "msticpy_config: none\n")
	namedMsticpy := writeFile(t, root, "named-msticpy.yaml", "msticpy_config: m-explicit.yaml\n")
	badMsticpy := writeFile(t, root, "bad-msticpy.yaml", "\n\nmsticpy_config: gone.yaml\n")

	tests := []struct {
		name        string
		opts        LoadOptions
		env         map[string]string
		wantTriage  string
		wantMsticpy string
		wantWarn    []string
		wantErr     string
	}{
		{name: "--config wins", opts: LoadOptions{ConfigPath: explicit, Dir: cwd, UserConfigDir: user},
			env: map[string]string{"TRIAGE_CONFIG": fromEnv}, wantTriage: explicit, wantMsticpy: mCwd},
		{name: "TRIAGE_CONFIG next", opts: LoadOptions{Dir: cwd, UserConfigDir: user},
			env: map[string]string{"TRIAGE_CONFIG": fromEnv}, wantTriage: fromEnv, wantMsticpy: mCwd},
		{name: "working directory next", opts: LoadOptions{Dir: cwd, UserConfigDir: user}, wantTriage: inCwd, wantMsticpy: mCwd},
		{name: "user config dir last", opts: LoadOptions{Dir: emptyDir, UserConfigDir: user}, wantTriage: inUser},
		{name: "nothing", opts: LoadOptions{Dir: emptyDir, UserConfigDir: filepath.Join(root, "nope")}},
		{name: "--config missing", opts: LoadOptions{ConfigPath: filepath.Join(root, "gone.yaml"), Dir: cwd},
			wantErr: "configuration file " + filepath.Join(root, "gone.yaml") + " (from --config): no such file: file does not exist"},
		{name: "TRIAGE_CONFIG missing", opts: LoadOptions{Dir: cwd}, env: map[string]string{"TRIAGE_CONFIG": filepath.Join(root, "gone.yaml")},
			wantErr: "configuration file " + filepath.Join(root, "gone.yaml") + " (from TRIAGE_CONFIG): no such file: file does not exist"},
		{name: "--config is a directory", opts: LoadOptions{ConfigPath: cwd}, wantErr: "configuration file " + cwd + " (from --config) is a directory"},
		{name: "MSTICPYCONFIG before the working directory", opts: LoadOptions{Dir: cwd},
			env: map[string]string{"MSTICPYCONFIG": mEnv}, wantTriage: inCwd, wantMsticpy: mEnv},
		{name: "MSTICPYCONFIG missing falls back", opts: LoadOptions{Dir: cwd},
			env: map[string]string{"MSTICPYCONFIG": "/nowhere/m.yaml"}, wantTriage: inCwd, wantMsticpy: mCwd,
			wantWarn: []string{"MSTICPYCONFIG=/nowhere/m.yaml: no such file; looking for msticpyconfig.yaml in the working directory"}},
		{name: "explicit msticpy path wins", opts: LoadOptions{MsticpyPath: mExplicit, Dir: cwd},
			env: map[string]string{"MSTICPYCONFIG": mEnv}, wantTriage: inCwd, wantMsticpy: mExplicit},
		{name: "msticpy_config: none", opts: LoadOptions{ConfigPath: noMsticpy, Dir: cwd},
			env: map[string]string{"MSTICPYCONFIG": mEnv}, wantTriage: noMsticpy},
		{name: "msticpy_config names a file", opts: LoadOptions{ConfigPath: namedMsticpy, Dir: cwd},
			env: map[string]string{"MSTICPYCONFIG": mEnv}, wantTriage: namedMsticpy, wantMsticpy: mExplicit},
		{name: "msticpy_config names a missing file", opts: LoadOptions{ConfigPath: badMsticpy},
			wantErr: badMsticpy + ":3: msticpy_config: " + filepath.Join(root, "gone.yaml") + ": no such file: file does not exist"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.Getenv = envOf(tt.env)
			c, err := Load(tt.opts)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("err = %v, want %s", err, tt.wantErr)
				}
				if strings.Contains(tt.wantErr, "no such file") && !errors.Is(err, fs.ErrNotExist) {
					t.Errorf("err does not match fs.ErrNotExist")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := []string{c.TriageFile, c.MsticpyFile}
			if diff := cmp.Diff([]string{tt.wantTriage, tt.wantMsticpy}, got); diff != "" {
				t.Errorf("files (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantWarn, c.Warnings); diff != "" {
				t.Errorf("warnings (-want +got):\n%s", diff)
			}
		})
	}
}

func TestMergePrecedence(t *testing.T) {
	dir := t.TempDir()
	triage := writeFile(t, dir, "triage.yaml", `default_workspace: mytestws
azure:
  cloud: usgov
workspaces:
  mytestws:
    subscription_id: 3b701f84-d04b-4479-89b1-fa8827eb537e
    resource_group: soc-rg
    workspace_name: test-ws
    max_concurrent_queries: 3
providers:
  virustotal:
    api_key: {env: VT_API_KEY}
  xforce:
    primary: true
  sentinel-ti:
    enabled: true
  tor:
    enabled: false
geoip:
  db_folder: geo
`)
	c, err := Load(LoadOptions{
		ConfigPath:  triage,
		MsticpyPath: fixture,
		Getenv:      envOf(map[string]string{"VTAUTHKEY": "old", "VT_API_KEY": "new", "MAXMIND_AUTH": "mm"}),
	})
	if err != nil {
		t.Fatal(err)
	}
	if c.DefaultWorkspace != "mytestws" {
		t.Errorf("DefaultWorkspace = %q, want mytestws", c.DefaultWorkspace)
	}
	if diff := cmp.Diff([]string{"Default", "demo", "mytestws"}, sortedKeys(c.Workspaces)); diff != "" {
		t.Errorf("workspaces (-want +got):\n%s", diff)
	}
	ws := c.Workspaces["mytestws"]
	wantWS := Workspace{
		Name: "mytestws", Kind: KindSentinel,
		WorkspaceID: "a927809c-8142-43e1-96b3-4ad87cfe95a3", TenantID: "69d28fd7-42a5-48bc-a619-af56397b9f28",
		SubscriptionID: "3b701f84-d04b-4479-89b1-fa8827eb537e", ResourceGroup: "soc-rg", WorkspaceName: "test-ws",
		Cloud: CloudUSGov, Endpoints: cloudEndpoints[CloudUSGov], Auth: c.Azure.Auth,
		MaxConcurrentQueries: 3, QueryTimeout: DefaultQueryTimeout,
		Origins: []Origin{
			{File: fixture, Line: 6, Key: "AzureSentinel.Workspaces.MyTestWS"},
			{File: triage, Line: 5, Key: "workspaces.mytestws"},
		},
	}
	if diff := cmp.Diff(wantWS, ws); diff != "" {
		t.Errorf("mytestws (-want +got):\n%s", diff)
	}
	if c.Workspaces["Default"].Cloud != CloudUSGov {
		t.Errorf("azure.cloud from triage.yaml does not win over msticpy's Azure.cloud")
	}
	if !ws.IncidentsAPI() || ws.ResourceID() != "/subscriptions/3b701f84-d04b-4479-89b1-fa8827eb537e/resourceGroups/soc-rg/providers/Microsoft.OperationalInsights/workspaces/test-ws" {
		t.Errorf("ResourceID = %q", ws.ResourceID())
	}

	got := viewProviders(c.Providers)
	for id, want := range map[string]providerView{
		// The key comes from triage.yaml; Primary stays msticpy's.
		"virustotal":  {Enabled: true, Primary: true, Key: "new", KeyFrom: "environment variable VT_API_KEY", IDFrom: "nowhere (not configured)"},
		"sentinel-ti": {Enabled: true, Primary: true, KeyFrom: "nowhere (not configured)", IDFrom: "nowhere (not configured)"},
		"tor": {Primary: true, KeyFrom: "nowhere (not configured)", IDFrom: "nowhere (not configured)",
			DisabledBy: "enabled: false in " + triage + ":18"},
	} {
		if diff := cmp.Diff(want, got[id]); diff != "" {
			t.Errorf("%s (-want +got):\n%s", id, diff)
		}
	}
	if !c.Providers["xforce"].Primary {
		t.Errorf("xforce primary: triage.yaml's true does not win")
	}
	if c.GeoIP.DBFolder != filepath.Join(dir, "geo") || c.GeoIP.LicenseKey.Reveal() != "mm" {
		t.Errorf("GeoIP = %+v", c.GeoIP)
	}
	if diff := cmp.Diff([]string{triage, fixture}, c.Files); diff != "" {
		t.Errorf("Files (-want +got):\n%s", diff)
	}
}

func TestClouds(t *testing.T) {
	tests := []struct {
		cloud string
		want  Endpoints
		name  string
	}{
		{"public", Endpoints{"https://management.azure.com", "https://management.core.windows.net", "https://api.loganalytics.io", "https://login.microsoftonline.com", "https://graph.microsoft.com", "vault.azure.net"}, CloudPublic},
		{"global", Endpoints{"https://management.azure.com", "https://management.core.windows.net", "https://api.loganalytics.io", "https://login.microsoftonline.com", "https://graph.microsoft.com", "vault.azure.net"}, CloudPublic},
		{"usgov", Endpoints{"https://management.usgovcloudapi.net", "https://management.core.usgovcloudapi.net", "https://api.loganalytics.us", "https://login.microsoftonline.us", "https://graph.microsoft.us", "vault.usgovcloudapi.net"}, CloudUSGov},
		{"AzureUSGovernment", Endpoints{"https://management.usgovcloudapi.net", "https://management.core.usgovcloudapi.net", "https://api.loganalytics.us", "https://login.microsoftonline.us", "https://graph.microsoft.us", "vault.usgovcloudapi.net"}, CloudUSGov},
		{"china", Endpoints{"https://management.chinacloudapi.cn", "https://management.core.chinacloudapi.cn", "https://api.loganalytics.azure.cn", "https://login.chinacloudapi.cn", "https://microsoftgraph.chinacloudapi.cn", "vault.azure.cn"}, CloudChina},
		{"cn", Endpoints{"https://management.chinacloudapi.cn", "https://management.core.chinacloudapi.cn", "https://api.loganalytics.azure.cn", "https://login.chinacloudapi.cn", "https://microsoftgraph.chinacloudapi.cn", "vault.azure.cn"}, CloudChina},
	}
	for _, tt := range tests {
		t.Run(tt.cloud, func(t *testing.T) {
			c, _ := mustLoadTriage(t, "azure: {cloud: "+tt.cloud+"}\nkey_vault: {vault_name: soc-kv}\nworkspaces:\n  w: {workspace_id: 52b1ab41-869e-4138-9e40-2a4457f09bf3}\n", nil)
			w := c.Workspaces["w"]
			if w.Cloud != tt.name {
				t.Errorf("Cloud = %q, want %q", w.Cloud, tt.name)
			}
			if diff := cmp.Diff(tt.want, w.Endpoints); diff != "" {
				t.Errorf("Endpoints (-want +got):\n%s", diff)
			}
			if want := "https://soc-kv." + tt.want.KeyVaultSuffix; c.KeyVault.VaultURL != want {
				t.Errorf("VaultURL = %q, want %q", c.KeyVault.VaultURL, want)
			}
		})
	}
}

func TestCustomEndpoints(t *testing.T) {
	const ws = "workspace_id: 52b1ab41-869e-4138-9e40-2a4457f09bf3"
	tests := []struct {
		name      string
		yaml      string
		wantCloud string
		want      Endpoints
	}{
		{
			name: "custom cloud",
			yaml: `workspaces:
  lab:
    ` + ws + `
    cloud: custom
    endpoints:
      resource_manager: https://127.0.0.1:8443/
      log_analytics: https://127.0.0.1:8444/v1
`,
			wantCloud: CloudCustom,
			want: Endpoints{
				ResourceManager: "https://127.0.0.1:8443", ResourceManagerAudience: "https://127.0.0.1:8443",
				LogAnalytics: "https://127.0.0.1:8444", AuthorityHost: "https://login.microsoftonline.com",
			},
		},
		{
			name:      "one endpoint of the public cloud replaced",
			yaml:      "workspaces:\n  lab:\n    " + ws + "\n    endpoints: {log_analytics: 'https://la.example.test'}\n",
			wantCloud: CloudPublic,
			want: Endpoints{
				ResourceManager: "https://management.azure.com", ResourceManagerAudience: "https://management.core.windows.net",
				LogAnalytics: "https://la.example.test", AuthorityHost: "https://login.microsoftonline.com", KeyVaultSuffix: "vault.azure.net",
				Graph: "https://graph.microsoft.com",
			},
		},
		{
			name: "azure.endpoints inherited, the workspace's own win",
			yaml: `azure:
  cloud: custom
  endpoints:
    resource_manager: https://arm.example.test
    log_analytics: https://la.example.test
    authority_host: https://login.example.test
workspaces:
  lab:
    ` + ws + `
    endpoints: {log_analytics: https://la2.example.test}
`,
			wantCloud: CloudCustom,
			want: Endpoints{
				ResourceManager: "https://arm.example.test", ResourceManagerAudience: "https://arm.example.test",
				LogAnalytics: "https://la2.example.test", AuthorityHost: "https://login.example.test",
			},
		},
		{
			name:      "a workspace with its own cloud ignores azure.endpoints",
			yaml:      "azure:\n  endpoints: {resource_manager: https://arm.example.test}\nworkspaces:\n  lab:\n    " + ws + "\n    cloud: china\n",
			wantCloud: CloudChina,
			want:      cloudEndpoints[CloudChina],
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := mustLoadTriage(t, tt.yaml, nil)
			w := c.Workspaces["lab"]
			if w.Cloud != tt.wantCloud {
				t.Errorf("Cloud = %q, want %q", w.Cloud, tt.wantCloud)
			}
			if diff := cmp.Diff(tt.want, w.Endpoints); diff != "" {
				t.Errorf("Endpoints (-want +got):\n%s", diff)
			}
		})
	}
}

func TestUnknownKeys(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want []string
	}{
		{
			name: "misspelt provider setting",
			yaml: "providers:\n  virustotal:\n    api_kye: abc\n",
			want: []string{`003 providers.virustotal.api_kye: unknown key (did you mean "api_key"?)`},
		},
		{
			name: "unknown top-level key",
			yaml: "default_workspace: demo\nsentinel:\n  x: 1\n",
			want: []string{"002 sentinel: unknown key (known keys: azure, data_dir, default_workspace, geoip, history, intel, key_vault, msticpy_config, priority, providers, triage, workspaces)"},
		},
		{
			name: "deep and several",
			yaml: "workspaces:\n  w:\n    endpoints:\n      resource_mgr: https://x.test\n    tenant: t\nintel:\n  internal_domain: [a.com]\n",
			want: []string{
				`004 workspaces.w.endpoints.resource_mgr: unknown key (known keys: authority_host, graph, key_vault_suffix, log_analytics, resource_manager, resource_manager_audience)`,
				`005 workspaces.w.tenant: unknown key (known keys: auth, cloud, endpoints, kind, max_concurrent_queries, path, portal, query_timeout, resource_group, subscription_id, tenant_id, workspace_id, workspace_name)`,
				`007 intel.internal_domain: unknown key (did you mean "internal_domains"?)`,
			},
		},
		{
			name: "msticpy's names are not triage.yaml's",
			yaml: "providers:\n  otx:\n    api_key: {EnvironmentVar: OTX_KEY}\n",
			want: []string{`003 providers.otx.api_key: EnvironmentVar is msticpy's spelling: want the secret itself, {env: VARIABLE} or {keyvault: [VAULT/]SECRET}`},
		},
		{
			name: "set twice",
			yaml: "providers:\n  otx:\n    primary: true\n    primary: false\n",
			want: []string{"004 providers.otx.primary: set twice (first on line 3)"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, p, err := loadTriage(t, tt.yaml, nil)
			if err == nil {
				t.Fatal("no error")
			}
			if diff := cmp.Diff(tt.want, errorLines(err)); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
			if !strings.HasPrefix(err.Error(), p+":") {
				t.Errorf("error does not start with the file name: %v", err)
			}
		})
	}
}

func TestBadValues(t *testing.T) {
	const id = "52b1ab41-869e-4138-9e40-2a4457f09bf3"
	tests := []struct {
		name, yaml, want string
	}{
		{"not a number", "workspaces:\n  w:\n    max_concurrent_queries: lots\n", "003 workspaces.w.max_concurrent_queries: want a whole number, got a string"},
		{"too few queries", "workspaces:\n  w:\n    max_concurrent_queries: 0\n", "003 workspaces.w.max_concurrent_queries: must be at least 1, got 0"},
		{"not a boolean", "providers:\n  otx:\n    enabled: maybe\n", "003 providers.otx.enabled: want true or false, got a string"},
		{"bad duration", "workspaces:\n  w:\n    query_timeout: 5 minutes\n", `003 workspaces.w.query_timeout: want a positive duration such as 30s, 5m, 24h or 7d, got "5 minutes"`},
		{"bad wait", "intel:\n  max_wait: soon\n", `002 intel.max_wait: want a wait such as 20s or 2m, 0 for none, or forever, got "soon"`},
		{"unknown cloud", "azure:\n  cloud: mars\n", `002 azure.cloud: unknown cloud "mars" (want one of public, usgov, usgovdod, china, custom)`},
		{"germany", "azure:\n  cloud: germany\n", "002 azure.cloud: Azure Germany was closed in October 2021 and is not supported (want one of public, usgov, usgovdod, china, custom)"},
		{"workspace id", "workspaces:\n  w:\n    workspace_id: contoso\n", `003 workspaces.w.workspace_id: want a workspace id (the Log Analytics workspace GUID), a GUID like 00000000-0000-0000-0000-000000000000, got "contoso"`},
		{"tenant", "workspaces:\n  w:\n    tenant_id: not a tenant\n", `003 workspaces.w.tenant_id: want a tenant id (a GUID) or domain (contoso.onmicrosoft.com), got "not a tenant"`},
		{"base url", "providers:\n  otx:\n    base_url: ftp://otx.example\n", `003 providers.otx.base_url: want an absolute https:// URL, got "ftp://otx.example"`},
		{"endpoint", "azure:\n  endpoints:\n    log_analytics: api.loganalytics.io\n", `003 azure.endpoints.log_analytics: want an absolute https:// URL, got "api.loganalytics.io"`},
		{"env name", "providers:\n  otx:\n    api_key: {env: 1BAD}\n", `003 providers.otx.api_key: env: not an environment variable name (letters, digits and _, not starting with a digit)`},
		{"secret shape", "providers:\n  otx:\n    api_key: [a, b]\n", "003 providers.otx.api_key: want the secret itself, {env: VARIABLE} or {keyvault: [VAULT/]SECRET}"},
		{"network", "intel:\n  internal_networks: [10.0.0.0/8, 300.1.1.1]\n", `002 intel.internal_networks: item 2: "300.1.1.1" is not an address or CIDR prefix`},
		{"domain", "intel:\n  internal_domains: [contoso.com, 'bad domain']\n", `002 intel.internal_domains: item 2: "bad domain" is not a domain name`},
		{"unknown provider", "providers:\n  shodan: {}\n", `002 providers.shodan: unknown provider "shodan" (known: virustotal, otx, greynoise, xforce, abuseipdb, tor, localfeed, sentinel-ti)`},
		{"provider twice", "providers:\n  sentinel-ti: {}\n  sentinelti: {}\n", "003 providers.sentinelti: provider sentinel-ti is configured twice"},
		{"api id", "providers:\n  otx:\n    api_id: x\n", "003 providers.otx.api_id: otx takes no api_id"},
		{"files", "providers:\n  otx:\n    files: [a.csv]\n", "003 providers.otx.files: only localfeed reads files"},
		{"auth method", "azure:\n  auth:\n    method: [cli, browser]\n", `003 azure.auth.method: item 2: unknown method "browser" (want default, cli, devicecode, clientsecret, managedidentity)`},
		{"demo taken", "workspaces:\n  Demo: {path: x.db}\n", `002 workspaces.Demo: the name "Demo" is taken by the built-in demo workspace; choose another`},
		{"kind", "workspaces:\n  w:\n    kind: cloud\n", `003 workspaces.w.kind: want sentinel, defender or local, got "cloud"`},
		{"local with sentinel fields", "workspaces:\n  w:\n    kind: local\n    path: w.db\n    workspace_id: " + id + "\n", "005 workspaces.w.workspace_id: workspace_id is only for Sentinel workspaces (this one is local)"},
		{"local without path", "workspaces:\n  w:\n    kind: local\n", "002 workspaces.w: a local workspace needs path: the SQLite file"},
		{"sentinel with path", "workspaces:\n  w:\n    kind: sentinel\n    path: w.db\n", "004 workspaces.w.path: path is only for local workspaces (this one is sentinel)"},
		{"custom without endpoints", "workspaces:\n  w:\n    workspace_id: " + id + "\n    cloud: custom\n", `004 workspaces.w.cloud: workspace w: cloud "custom" needs resource_manager and log_analytics under workspaces.w.endpoints (or azure.endpoints)`},
		{"default workspace", "default_workspace: nope\n", `001 default_workspace: workspace "nope" is not configured (configured: demo)`},
		{"vault name", "key_vault:\n  vault_name: my_vault\n", `002 key_vault.vault_name: "my_vault" is not a Key Vault name (3-24 letters, digits and hyphens, starting with a letter)`},
		{"not YAML", "providers:\n  otx: {api_key: x\n", "002 : not valid YAML: in the block starting here, did not find expected ',' or '}'"},
		{"tab", "providers:\n  otx:\n\tapi_key: x\n", "003 : not valid YAML: found character that cannot start any token"},
		{"not a mapping", "- a\n- b\n", "001 : want a mapping of settings at the top, got a list"},
		{"section not a mapping", "workspaces: [a]\n", "001 workspaces: want a mapping, got a list"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, p, err := loadTriage(t, tt.yaml, nil)
			if err == nil {
				t.Fatal("no error")
			}
			if diff := cmp.Diff([]string{tt.want}, errorLines(err)); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
			var fe *Error
			if !errors.As(err, &fe) || fe.File != p {
				t.Errorf("not an *Error naming %s: %v", p, err)
			}
		})
	}
}

func TestExampleLoads(t *testing.T) {
	env := map[string]string{
		"VT_API_KEY": "vt", "GREYNOISE_API_KEY": "gn", "XFORCE_API_ID": "xf-id",
		"GOV_CLIENT_SECRET": "gov-secret", "MAXMIND_LICENSE_KEY": "mm",
	}
	c, err := Load(LoadOptions{ConfigPath: "example.triage.yaml", Getenv: envOf(env), HomeDir: "/home/analyst", Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Warnings) > 0 {
		t.Errorf("warnings:\n%s", strings.Join(c.Warnings, "\n"))
	}
	if c.DefaultWorkspace != "contoso" || c.DataDir != "/home/analyst/.local/share/triage" {
		t.Errorf("DefaultWorkspace %q, DataDir %q", c.DefaultWorkspace, c.DataDir)
	}
	if diff := cmp.Diff([]string{"contoso", "contoso-gov", "contoso-xdr", "demo", "lab", "offline"}, sortedKeys(c.Workspaces)); diff != "" {
		t.Errorf("workspaces (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(Auth{Methods: []string{AuthCLI, AuthDeviceCode}}, c.Workspaces["contoso"].Auth); diff != "" {
		t.Errorf("contoso auth (-want +got):\n%s", diff)
	}
	gov := c.Workspaces["contoso-gov"]
	if gov.Cloud != CloudUSGov || gov.Endpoints != cloudEndpoints[CloudUSGov] || gov.Auth.ClientSecret.Reveal() != "gov-secret" ||
		gov.Auth.ClientID != "9d1a2b3c-4d5e-4f60-8a7b-9c0d1e2f3a4b" || !cmp.Equal(gov.Auth.Methods, []string{AuthClientSecret}) {
		t.Errorf("contoso-gov = %+v", gov)
	}
	if lab := c.Workspaces["lab"]; lab.Endpoints.ResourceManager != "https://127.0.0.1:8443" || lab.Endpoints.LogAnalytics != "https://127.0.0.1:8444" {
		t.Errorf("lab endpoints = %+v", lab.Endpoints)
	}
	if off := c.Workspaces["offline"]; off.Kind != KindLocal || off.Path != "exports/offline.db" {
		t.Errorf("offline = %+v", off)
	}
	if c.KeyVault.VaultURL != "https://contoso-kv.vault.azure.net" || c.KeyVault.TenantID != "contoso.onmicrosoft.com" {
		t.Errorf("KeyVault = %+v", c.KeyVault)
	}
	vt := c.Providers["virustotal"]
	if vt.APIKey.Reveal() != "vt" || vt.Quota != (Quota{PerMinute: 4, PerDay: 500, PerMonth: 15500}) || !vt.Primary {
		t.Errorf("virustotal = %+v", vt)
	}
	otx := c.Providers["otx"].APIKey.Source()
	if otx.VaultURL != "https://contoso-kv.vault.azure.net" || otx.Name != "otx-api-key" {
		t.Errorf("otx key source = %+v", otx)
	}
	xf := c.Providers["xforce"]
	if xf.APIID.Reveal() != "xf-id" || xf.APIKey.Source().Name != "xforce-api-key" || xf.APIKey.Source().VaultURL != "https://contoso-kv.vault.azure.net" {
		t.Errorf("xforce = %+v", xf)
	}
	if c.Providers["abuseipdb"].Enabled || !strings.HasPrefix(c.Providers["abuseipdb"].DisabledBy, "enabled: false in example.triage.yaml:") {
		t.Errorf("abuseipdb = %+v", c.Providers["abuseipdb"])
	}
	if lf := c.Providers["localfeed"]; !cmp.Equal(lf.Files, []string{"intel/blocklist.csv", "intel/bundle.json"}) || lf.Options["min_confidence"] != "50" {
		t.Errorf("localfeed = %+v", lf)
	}
	if gn := c.Providers["greynoise"]; gn.Primary || gn.BaseURL != "https://api.greynoise.io" {
		t.Errorf("greynoise = %+v", gn)
	}
	if tor := c.Providers["tor"]; tor.CacheTTL != 24*time.Hour || tor.NegativeCacheTTL != time.Hour {
		t.Errorf("tor = %+v", tor)
	}
	wantGeo := []string{"/home/analyst/.local/share/triage/geoip/GeoLite2-City.mmdb", "/home/analyst/.local/share/triage/geoip/GeoLite2-ASN.mmdb"}
	if !cmp.Equal(c.GeoIP.Databases, wantGeo) || c.GeoIP.AccountID != "123456" || c.GeoIP.LicenseKey.Reveal() != "mm" {
		t.Errorf("GeoIP = %+v", c.GeoIP)
	}
	wantIntel := Intel{
		InternalDomains:  []string{"contoso.com", "corp.contoso.local"},
		InternalAccounts: []string{"svc-backup", "admin@contoso.com"},
		InternalNetworks: []netip.Prefix{netip.MustParsePrefix("100.64.0.0/10"), netip.MustParsePrefix("198.51.100.0/24")},
		Timeout:          30 * time.Second, CacheTTL: 24 * time.Hour, NegativeCacheTTL: time.Hour,
		MaxWait: 20 * time.Second,
	}
	if diff := cmp.Diff(wantIntel, c.Intel, cmp.Comparer(func(a, b netip.Prefix) bool { return a == b })); diff != "" {
		t.Errorf("Intel (-want +got):\n%s", diff)
	}
}

func TestDefaults(t *testing.T) {
	c, err := Load(LoadOptions{UserCacheDir: "/cache"})
	if err != nil {
		t.Fatal(err)
	}
	if c.DefaultWorkspace != DemoWorkspace || len(c.Workspaces) != 1 || len(c.Files) != 0 {
		t.Errorf("defaults: %+v", c)
	}
	if c.DataDir != "/cache/triage" || c.GeoIP.DBFolder != "/cache/triage/geoip" {
		t.Errorf("DataDir %q, DBFolder %q", c.DataDir, c.GeoIP.DBFolder)
	}
	var on []string
	for _, id := range providers.Names() {
		if c.Providers[id].Enabled {
			on = append(on, id)
		}
	}
	if diff := cmp.Diff([]string{"sentinel-ti"}, on); diff != "" {
		t.Errorf("enabled without configuration (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(Auth{Methods: []string{AuthDefault}}, c.Azure.Auth); diff != "" {
		t.Errorf("auth (-want +got):\n%s", diff)
	}
}

func TestPathExpansion(t *testing.T) {
	env := map[string]string{"DATA": "/srv/data", "APPDATA": `C:\Users\a\AppData`}
	c, p := mustLoadTriage(t, `data_dir: $DATA/triage
geoip:
  db_folder: "%APPDATA%/geo"
  databases: [/abs/City.mmdb, ~/asn.mmdb, rel.csv]
workspaces:
  a: {path: ~/ws.db}
  b: {path: "${DATA}/b.db"}
  c: {path: exports/c.db}
  d: {path: $UNSET/d.db}
`, env)
	dir := filepath.Dir(p)
	got := map[string]string{
		"data_dir": c.DataDir, "db_folder": c.GeoIP.DBFolder,
		"a": c.Workspaces["a"].Path, "b": c.Workspaces["b"].Path, "c": c.Workspaces["c"].Path, "d": c.Workspaces["d"].Path,
	}
	want := map[string]string{
		"data_dir": "/srv/data/triage", "db_folder": filepath.Join(dir, `C:\Users\a\AppData/geo`),
		"a": "/home/analyst/ws.db", "b": "/srv/data/b.db", "c": filepath.Join(dir, "exports/c.db"), "d": filepath.Join(dir, "$UNSET/d.db"),
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("paths (-want +got):\n%s", diff)
	}
	wantDB := []string{"/abs/City.mmdb", "/home/analyst/asn.mmdb", filepath.Join(c.GeoIP.DBFolder, "rel.csv")}
	if diff := cmp.Diff(wantDB, c.GeoIP.Databases); diff != "" {
		t.Errorf("databases (-want +got):\n%s", diff)
	}
}

func TestWorkspaceLookup(t *testing.T) {
	c, _ := mustLoadTriage(t, `default_workspace: Contoso
workspaces:
  Contoso: {workspace_id: 52b1ab41-869e-4138-9e40-2a4457f09bf3, workspace_name: contoso-ws}
  contoso2: {workspace_id: a927809c-8142-43e1-96b3-4ad87cfe95a3, workspace_name: shared}
  other: {workspace_id: 0b7bcb9d-4a43-4c4c-9a3b-2f1c1a0e9e11, workspace_name: shared}
`, nil)
	tests := []struct{ in, want, err string }{
		{"", "Contoso", ""},
		{"default", "Contoso", ""},
		{"contoso", "Contoso", ""},
		{"CONTOSO2", "contoso2", ""},
		{"A927809C-8142-43E1-96B3-4AD87CFE95A3", "contoso2", ""},
		{"contoso-ws", "Contoso", ""},
		{"demo", "demo", ""},
		{"shared", "", `workspace "shared" is ambiguous: it matches contoso2, other`},
		{"nope", "", `workspace "nope" is not configured (configured: Contoso, contoso2, demo, other)`},
	}
	for _, tt := range tests {
		ws, err := c.Workspace(tt.in)
		if ws.Name != tt.want || errText(err) != tt.err {
			t.Errorf("Workspace(%q) = %q, %v; want %q, %s", tt.in, ws.Name, err, tt.want, tt.err)
		}
	}
}

// TestExampleDocumentsEverySetting keeps example.triage.yaml complete: every
// key of the format appears in it (set, or in a comment).
func TestExampleDocumentsEverySetting(t *testing.T) {
	data, err := os.ReadFile("example.triage.yaml")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[reflect.Type]bool{}
	var walk func(reflect.Type)
	walk = func(ty reflect.Type) {
		for ty.Kind() == reflect.Pointer || ty.Kind() == reflect.Map || ty.Kind() == reflect.Slice {
			ty = ty.Elem()
		}
		if ty.Kind() != reflect.Struct || seen[ty] || reflect.PointerTo(ty).Implements(unmarshalerType) {
			return
		}
		seen[ty] = true
		for i := range ty.NumField() {
			f := ty.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
			if name == "" || name == "-" {
				continue
			}
			if !strings.Contains(string(data), name+":") {
				t.Errorf("example.triage.yaml does not mention %s (in %s)", name, ty.Name())
			}
			walk(f.Type)
		}
	}
	walk(reflect.TypeFor[fileConfig]())
}

// TestReadmeExampleLoads loads the example in README.md.
func TestReadmeExampleLoads(t *testing.T) {
	data, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	const start = "### Example"
	text := string(data[strings.Index(string(data), start):])
	_, text, _ = strings.Cut(text, "```yaml\n")
	text, _, _ = strings.Cut(text, "```")
	c, _ := mustLoadTriage(t, text, map[string]string{"VT_API_KEY": "a", "OTX_API_KEY": "b", "XFORCE_ID": "c", "XFORCE_KEY": "d"})
	if len(c.Warnings) > 0 || c.DefaultWorkspace != "contoso" || c.Workspaces["offline"].Kind != KindLocal {
		t.Errorf("README example: %+v", c)
	}
}

func TestMaxWait(t *testing.T) {
	for in, want := range map[string]time.Duration{"forever": intel.WaitForever, "0": intel.NoWait, "90s": 90 * time.Second} {
		c, _ := mustLoadTriage(t, "intel:\n  max_wait: "+in+"\n", nil)
		if c.Intel.MaxWait != want {
			t.Errorf("max_wait: %s gives %v, want %v", in, c.Intel.MaxWait, want)
		}
	}
	if c, _ := mustLoadTriage(t, "intel:\n  timeout: 5s\n", nil); c.Intel.MaxWait != 0 {
		t.Errorf("max_wait unset gives %v, want 0 (the engine's default)", c.Intel.MaxWait)
	}
}

func TestHistoryRetention(t *testing.T) {
	c, _ := mustLoadTriage(t, "history:\n  retention: 30d\n", nil)
	if c.History.Retention != 30*24*time.Hour {
		t.Errorf("history.retention: 30d gives %v", c.History.Retention)
	}
	c, _ = mustLoadTriage(t, "data_dir: /tmp/x\n", nil)
	if c.History.Retention != 0 {
		t.Errorf("unset history.retention gives %v, want 0 (the history's default)", c.History.Retention)
	}
}
