package config

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const checkYAML = `default_workspace: soc
key_vault: {vault_name: soc-kv}
workspaces:
  soc:
    workspace_id: 52b1ab41-869e-4138-9e40-2a4457f09bf3
    tenant_id: 72f988bf-86f1-41af-91ab-2d7cd011db49
    subscription_id: 3b701f84-d04b-4479-89b1-fa8827eb537e
    resource_group: soc-rg
    workspace_name: soc-ws
    auth: {method: cli}
  queries-only:
    workspace_id: a927809c-8142-43e1-96b3-4ad87cfe95a3
    auth: {method: clientsecret}
  chained:
    workspace_id: 0b7bcb9d-4a43-4c4c-9a3b-2f1c1a0e9e11
    tenant_id: 72f988bf-86f1-41af-91ab-2d7cd011db49
    subscription_id: 3b701f84-d04b-4479-89b1-fa8827eb537e
    resource_group: soc-rg
    workspace_name: other-ws
    cloud: usgov
    auth: {method: [clientsecret, cli]}
  lab:
    cloud: custom
    endpoints: {resource_manager: "https://127.0.0.1:8443", log_analytics: "https://127.0.0.1:8444"}
    workspace_id: 0b7bcb9d-4a43-4c4c-9a3b-2f1c1a0e9e12
    tenant_id: 72f988bf-86f1-41af-91ab-2d7cd011db49
  offline: {path: offline.db}
  fresh: {path: new.db}
providers:
  virustotal: {api_key: {env: VTKEY}}
  otx: {api_key: "[PLACEHOLDER]"}
  greynoise: {}
  xforce: {api_id: xf-user, api_key: {keyvault: xf}}
  abuseipdb: {api_key: plain-abuse-key, primary: false}
  tor: {}
  localfeed: {files: [feed.csv, missing.csv]}
geoip:
  db_folder: geo
  license_key: {env: MAXMIND}
`

func TestCheck(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "offline.db", "")
	writeFile(t, dir, "feed.csv", "")
	writeFile(t, dir, "geo/GeoLite2-City.mmdb", "")
	p := writeFile(t, dir, "triage.yaml", checkYAML)
	c, err := Load(LoadOptions{ConfigPath: p})
	if err != nil {
		t.Fatal(err)
	}
	const (
		noClientID  = "no client id: set AZURE_CLIENT_ID or workspaces.%s.auth.client_id in triage.yaml"
		noSecret    = "client secret from environment variable AZURE_CLIENT_SECRET, which is not set: export AZURE_CLIENT_SECRET=… or set workspaces.%s.auth.client_secret in triage.yaml"
		queriesOnly = "Log Analytics queries only: the incidents API (listing, showing, commenting on and updating incidents) also needs subscription_id, resource_group, workspace_name: set them under workspaces.%s in triage.yaml; the workspace's Overview page in the Azure portal shows them"
	)
	f := func(s, name string) string { return strings.ReplaceAll(s, "%s", name) }
	want := []Finding{
		{"workspace soc", true, LevelOK, "the default workspace: Sentinel workspace 52b1ab41-869e-4138-9e40-2a4457f09bf3 (soc-ws in resource group soc-rg, subscription 3b701f84-d04b-4479-89b1-fa8827eb537e), tenant 72f988bf-86f1-41af-91ab-2d7cd011db49, public cloud; sign-in: cli"},
		{"workspace chained", true, LevelWarning, "sign-in with clientsecret will be skipped: " + f(noClientID, "chained") + "; " + f(noSecret, "chained")},
		{"workspace chained", true, LevelOK, "Sentinel workspace 0b7bcb9d-4a43-4c4c-9a3b-2f1c1a0e9e11 (other-ws in resource group soc-rg, subscription 3b701f84-d04b-4479-89b1-fa8827eb537e), tenant 72f988bf-86f1-41af-91ab-2d7cd011db49, usgov cloud; sign-in: cli"},
		{"workspace demo", true, LevelOK, "built-in demo workspace: generated incidents and logs, no network"},
		{"workspace fresh", true, LevelWarning, "DIR/new.db does not exist yet: triage import creates it"},
		{"workspace fresh", true, LevelOK, "local workspace in DIR/new.db"},
		{"workspace lab", true, LevelWarning, f(queriesOnly, "lab")},
		{"workspace lab", true, LevelOK, "Sentinel workspace 0b7bcb9d-4a43-4c4c-9a3b-2f1c1a0e9e12, tenant 72f988bf-86f1-41af-91ab-2d7cd011db49, custom cloud (resource manager https://127.0.0.1:8443, Log Analytics https://127.0.0.1:8444); sign-in: default"},
		{"workspace offline", true, LevelOK, "local workspace in DIR/offline.db"},
		{"workspace queries-only", false, LevelError, "sign-in with clientsecret cannot work: " + f(noClientID, "queries-only") + "; " + f(noSecret, "queries-only") + "; no tenant: set AZURE_TENANT_ID or workspaces.queries-only.auth.tenant_id in triage.yaml"},
		{"workspace queries-only", false, LevelWarning, "no tenant id: signing in uses the account's home tenant; if the workspace is in another tenant, set workspaces.queries-only.tenant_id in triage.yaml"},
		{"workspace queries-only", false, LevelWarning, f(queriesOnly, "queries-only")},
		{"provider virustotal", false, LevelError, "api key from environment variable VTKEY, which is not set: export VTKEY=… or set providers.virustotal.api_key in triage.yaml"},
		{"provider otx", false, LevelError, "api key from the value at DIR/triage.yaml:31 (providers.otx.api_key) looks like a placeholder, not a real one: set providers.otx.api_key in triage.yaml"},
		{"provider greynoise", true, LevelOK, "enabled, primary, no api key (community API)"},
		{"provider xforce", false, LevelError, "api key is Key Vault secret xf in https://soc-kv.vault.azure.net, which has not been read (no Key Vault access in this run): set providers.xforce.api_key in triage.yaml with the value or {env: VARIABLE}"},
		{"provider abuseipdb", true, LevelOK, "enabled, secondary (looked up when asked for), api key in DIR/triage.yaml"},
		{"provider tor", true, LevelOK, "enabled, primary"},
		{"provider localfeed", false, LevelError, "feed DIR/missing.csv: no such file: file does not exist"},
		{"provider sentinel-ti", true, LevelOK, "enabled, primary, reads the workspace's ThreatIntelIndicators table"},
		{"geoip", true, LevelWarning, "MaxMind license key from environment variable MAXMIND, which is not set: export MAXMIND=… or set geoip.license_key in triage.yaml (only needed to download databases)"},
		{"geoip", true, LevelOK, "using DIR/geo/GeoLite2-City.mmdb; missing GeoLite2-ASN.mmdb"},
		{"key vault", true, LevelWarning, "no tenant id: signing in to Key Vault uses the account's home tenant; set key_vault.tenant_id in triage.yaml"},
		{"key vault", true, LevelOK, "1 secret(s) from Key Vault, default vault https://soc-kv.vault.azure.net, 1 not read yet"},
		{"config", true, LevelWarning, "DIR/triage.yaml:30: providers.virustotal.api_key: environment variable VTKEY is not set"},
		{"config", true, LevelWarning, "DIR/triage.yaml:39: geoip.license_key: environment variable MAXMIND is not set"},
	}
	got := c.Check()
	for i := range got {
		got[i].Message = strings.ReplaceAll(got[i].Message, dir, "DIR")
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Check (-want +got):\n%s", diff)
	}
}

func TestCheckProvidersOff(t *testing.T) {
	c, p := mustLoadTriage(t, "intel: {no_external: true}\nproviders:\n  otx: {api_key: k}\n  sentinel-ti: {enabled: false}\n", nil)
	var got []string
	for _, f := range c.Check() {
		if strings.HasPrefix(f.Subject, "provider ") {
			if f.OK {
				t.Errorf("%s is OK", f)
			}
			got = append(got, f.String())
		}
	}
	want := []string{
		"provider virustotal: not configured: set providers.virustotal.api_key in triage.yaml to use it",
		"provider otx: off: external lookups are turned off (intel.no_external in triage.yaml)",
		"provider greynoise: not configured: add providers.greynoise: {} to triage.yaml to use it",
		"provider xforce: not configured: set providers.xforce.api_key in triage.yaml to use it",
		"provider abuseipdb: not configured: set providers.abuseipdb.api_key in triage.yaml to use it",
		"provider tor: not configured: add providers.tor: {} to triage.yaml to use it",
		"provider localfeed: not configured: set providers.localfeed.files in triage.yaml to CSV or STIX 2.1 files to use it",
		"provider sentinel-ti: turned off by enabled: false in " + p + ":4: set providers.sentinel-ti.enabled: true in triage.yaml to use it",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// Tor's list is searched locally, so it is not external: intel.no_external
// leaves it on, in config check as in the engine.
func TestCheckNoExternalKeepsLocalProviders(t *testing.T) {
	c, _ := mustLoadTriage(t, "intel: {no_external: true}\nproviders:\n  tor: {}\n", nil)
	found := false
	for _, f := range c.Check() {
		if f.Subject == "provider tor" {
			found = true
			if !f.OK || !strings.HasPrefix(f.Message, "enabled, primary") {
				t.Errorf("%s: want it enabled, its lookups do not leave the organisation", f)
			}
		}
	}
	if !found {
		t.Error("no finding for tor")
	}
}

func TestCheckMsticpyHints(t *testing.T) {
	c, err := Load(LoadOptions{MsticpyPath: fixture, Getenv: envOf(map[string]string{"VTAUTHKEY": "k"})})
	if err != nil {
		t.Fatal(err)
	}
	got := findingsOf(c.Check(), "workspace MyTestWS")
	want := []string{
		"warning: Log Analytics queries only: the incidents API (listing, showing, commenting on and updating incidents) also needs subscription_id, resource_group, workspace_name: set them under workspaces.MyTestWS in triage.yaml (or SubscriptionId, ResourceGroup, WorkspaceName under AzureSentinel.Workspaces.MyTestWS in " + fixture + "); the workspace's Overview page in the Azure portal shows them",
		"ok: Sentinel workspace a927809c-8142-43e1-96b3-4ad87cfe95a3, tenant 69d28fd7-42a5-48bc-a619-af56397b9f28, public cloud; sign-in: clientsecret then cli then managedidentity then devicecode",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	got = findingsOf(c.Check(), "provider abuseipdb")
	want = []string{"error: api key from the value at " + fixture + ":77 (TIProviders.AbuseIPDB.Args.AuthKey) looks like a placeholder, not a real one: set providers.abuseipdb.api_key in triage.yaml"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestCheckInheritedAuth(t *testing.T) {
	c, p := mustLoadTriage(t, `azure:
  auth: {method: clientsecret, client_id: app, tenant_id: contoso.onmicrosoft.com, client_secret: {env: SP}}
workspaces:
  a: {workspace_id: 52b1ab41-869e-4138-9e40-2a4457f09bf3}
  b: {workspace_id: a927809c-8142-43e1-96b3-4ad87cfe95a3}
`, nil)
	if diff := cmp.Diff([]string{p + ":2: azure.auth.client_secret: environment variable SP is not set"}, c.Warnings); diff != "" {
		t.Errorf("warnings, once (-want +got):\n%s", diff)
	}
	got := findingsOf(c.Check(), "workspace b")
	want := "error: sign-in with clientsecret cannot work: client secret from environment variable SP, which is not set: export SP=… or set azure.auth.client_secret in triage.yaml"
	if len(got) == 0 || got[0] != want {
		t.Errorf("findings: %q", got)
	}
}
