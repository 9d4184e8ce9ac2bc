package config

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// leakValues are the secrets the leak tests configure; none may appear in
// any output.
var leakValues = []string{
	"LEAK-plain-vt-7f3a9c", "LEAK-env-otx-51d2e0", "LEAK-kv-xforce-key-c0ffee", "LEAK-plain-xforce-id-beef",
	"LEAK-env-client-secret-0a1b", "LEAK-kv-geo-license-feed", "LEAK-plain-abuse-a11ce",
	"LEAK-msticpy-clientsecret-9999",
}

// leakyConfig loads a configuration holding every leakValue, from every
// kind of source, with its Key Vault references read.
func leakyConfig(t *testing.T) *Config {
	t.Helper()
	dir := t.TempDir()
	writeFile(t, dir, "msticpyconfig.yaml", `
Azure:
  auth_methods: [env]
DataProviders:
  AzureCLI:
    Args: {clientId: app, tenantId: contoso.onmicrosoft.com, clientSecret: LEAK-msticpy-clientsecret-9999}
AzureSentinel:
  Workspaces:
    Default: {WorkspaceId: 52b1ab41-869e-4138-9e40-2a4457f09bf3, TenantId: 72f988bf-86f1-41af-91ab-2d7cd011db49}
`)
	p := writeFile(t, dir, "triage.yaml", `msticpy_config: msticpyconfig.yaml
key_vault: {vault_name: leak-kv}
workspaces:
  sp:
    workspace_id: a927809c-8142-43e1-96b3-4ad87cfe95a3
    auth: {method: clientsecret, client_id: app, tenant_id: contoso.onmicrosoft.com, client_secret: {env: SP_SECRET}}
providers:
  virustotal: {api_key: LEAK-plain-vt-7f3a9c}
  otx: {api_key: {env: OTX_KEY}}
  xforce: {api_id: LEAK-plain-xforce-id-beef, api_key: {keyvault: xforce-key}}
  abuseipdb: {api_key: LEAK-plain-abuse-a11ce}
  greynoise: {api_key: {keyvault: leak-kv/greynoise}}
geoip:
  license_key: {keyvault: "https://geo-kv.vault.azure.net/secrets/license"}
`)
	c, err := Load(LoadOptions{ConfigPath: p, Getenv: envOf(map[string]string{
		"OTX_KEY": "LEAK-env-otx-51d2e0", "SP_SECRET": "LEAK-env-client-secret-0a1b",
	})})
	if err != nil {
		t.Fatal(err)
	}
	store := &fakeStore{
		secrets: map[string]string{
			"https://leak-kv.vault.azure.net|xforce-key": "LEAK-kv-xforce-key-c0ffee",
			"https://geo-kv.vault.azure.net|license":     "LEAK-kv-geo-license-feed",
		},
		// A store whose error quotes a secret would be a bug there, but the
		// greynoise reference fails with an ordinary error.
		fail: map[string]error{"https://leak-kv.vault.azure.net|greynoise": errors.New("(Forbidden) access denied")},
	}
	if err := c.ResolveSecrets(context.Background(), store); err == nil {
		t.Fatal("want the greynoise error")
	}
	// Make sure the secrets really are in there.
	for _, s := range []Secret{
		c.Providers["virustotal"].APIKey, c.Providers["otx"].APIKey, c.Providers["xforce"].APIKey,
		c.Providers["xforce"].APIID, c.Workspaces["sp"].Auth.ClientSecret, c.GeoIP.LicenseKey,
		c.Providers["abuseipdb"].APIKey, c.Workspaces["Default"].Auth.ClientSecret,
	} {
		if !s.IsSet() || !strings.HasPrefix(s.Reveal(), "LEAK-") {
			t.Fatalf("secret not loaded: %v from %s (%v)", s, s.Source(), s.Err())
		}
	}
	return c
}

func TestNoSecretLeaks(t *testing.T) {
	c := leakyConfig(t)
	outputs := map[string]string{}
	add := func(name string, s string) { outputs[name] = s }

	values := map[string]any{
		"config": c, "*config": *c, "workspaces": c.Workspaces, "providers": c.Providers,
		"geoip": c.GeoIP, "auth": c.Workspaces["sp"].Auth, "azure": c.Azure, "key vault": c.KeyVault,
		"secret": c.Providers["virustotal"].APIKey, "secret pointer": ptr(c.Providers["virustotal"].APIKey),
		"unexported field": struct{ s Secret }{c.Providers["virustotal"].APIKey},
		"source":           c.Providers["xforce"].APIKey.Source(),
	}
	for name, v := range values {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%T %v", "%10.3v"} {
			add(name+" "+verb, fmt.Sprintf(verb, v))
		}
		if b, err := json.Marshal(v); err == nil {
			add(name+" json", string(b))
		} else if name != "unexported field" {
			t.Errorf("json.Marshal(%s): %v", name, err)
		}
		if b, err := yaml.Marshal(v); err == nil {
			add(name+" yaml", string(b))
		}
		for hname, h := range map[string]func(*bytes.Buffer) slog.Handler{
			"text": func(b *bytes.Buffer) slog.Handler { return slog.NewTextHandler(b, nil) },
			"json": func(b *bytes.Buffer) slog.Handler { return slog.NewJSONHandler(b, nil) },
		} {
			var buf bytes.Buffer
			l := slog.New(h(&buf))
			l.Info("loaded", "value", v, slog.Group("g", "v", v), slog.Any("any", v))
			l.With("w", v).Error("failed", "err", fmt.Errorf("lookup: %v", v))
			add(name+" slog "+hname, buf.String())
		}
	}
	b, err := yaml.Marshal(c)
	if err != nil {
		t.Fatalf("yaml.Marshal(config): %v", err)
	}
	add("config yaml (checked)", string(b))

	for _, f := range c.Check() {
		add("finding "+f.Subject+" "+f.Message, f.String())
	}
	add("warnings", strings.Join(c.Warnings, "\n"))
	add("resolve error", errText(c.ResolveSecrets(context.Background(), &fakeStore{})))
	for _, s := range []Secret{c.Providers["greynoise"].APIKey, c.Workspaces["sp"].Auth.ClientSecret} {
		add("secret err", errText(s.Err())+s.Source().String()+s.Fingerprint())
	}
	add("wrapped error", fmt.Errorf("provider otx: %w: key %v", errors.New("401"), c.Providers["otx"].APIKey).Error())

	for name, out := range outputs {
		for _, v := range leakValues {
			if strings.Contains(out, v) {
				t.Errorf("%s shows secret %q:\n%s", name, v, out)
			}
		}
	}
	if !strings.Contains(outputs["config json"], `\u003credacted\u003e`) || !strings.Contains(outputs["config %+v"], "<redacted>") {
		t.Errorf("redacted marker missing")
	}
}

// TestNoSecretLeaksInErrors loads broken files holding secrets: the errors
// name the setting, never the value.
func TestNoSecretLeaksInErrors(t *testing.T) {
	const v = "LEAK-in-error-5e5e"
	for _, yml := range []string{
		"providers:\n  otx:\n    api_key: {env: OTX, value: " + v + "}\n",
		"providers:\n  otx:\n    api_key: [" + v + "]\n",
		"providers:\n  otx:\n    api_key: {" + v + ": x}\n",
		"providers:\n  otx:\n    api_key: {keyvault: [" + v + "]}\n",
		"providers:\n  otx:\n    api_key: " + v + "\n    api_key: " + v + "\n",
		"providers:\n  otx:\n    apikey: " + v + "\n",
		"providers:\n  shodan:\n    api_key: " + v + "\n",
		"workspaces:\n  w:\n    auth: {client_secret: {env: " + v + "}}\n",
		"geoip:\n  license_key: {file: " + v + "}\n",
	} {
		_, _, err := loadTriage(t, yml, nil)
		if err == nil {
			t.Errorf("no error for\n%s", yml)
			continue
		}
		if strings.Contains(err.Error(), v) {
			t.Errorf("error shows the secret: %v", err)
		}
	}
	// msticpy warnings about secrets do not show them either.
	p := writeFile(t, t.TempDir(), "msticpyconfig.yaml", "TIProviders:\n  OTX:\n    Args:\n      AuthKey: {Vault: "+v+"}\n  Shodan:\n    Args: {AuthKey: "+v+"}\n")
	c, err := Load(LoadOptions{MsticpyPath: p})
	if err != nil {
		t.Fatal(err)
	}
	if w := strings.Join(c.Warnings, "\n"); strings.Contains(w, v) || len(c.Warnings) != 2 {
		t.Errorf("warnings:\n%s", w)
	}
}
