package config

import (
	"strings"
	"testing"
)

// A provider with a key and an http:// base_url on another machine is a
// configuration error naming the setting that allows it; loopback, a
// provider without a key, and allow_insecure_http: true are accepted.
func TestProviderKeyInClear(t *testing.T) {
	env := map[string]string{"VT_KEY": "k3y-value"}
	_, _, err := loadTriage(t, "providers:\n  virustotal:\n    api_key: {env: VT_KEY}\n    base_url: http://ti.example.com/api\n", env)
	if err == nil || !strings.Contains(err.Error(), "providers.virustotal.base_url") ||
		!strings.Contains(err.Error(), "allow_insecure_http: true on providers.virustotal") || strings.Contains(err.Error(), "k3y-value") {
		t.Errorf("http:// base_url with a key: %v", err)
	}
	for _, ok := range []struct{ yaml, provider string }{
		{"providers:\n  virustotal:\n    api_key: {env: VT_KEY}\n    base_url: http://127.0.0.1:8080/api\n", "virustotal"},
		{"providers:\n  virustotal:\n    api_key: {env: VT_KEY}\n    base_url: http://localhost:8080\n", "virustotal"},
		{"providers:\n  virustotal:\n    api_key: {env: VT_KEY}\n    base_url: http://ti.example.com/api\n    allow_insecure_http: true\n", "virustotal"},
		{"providers:\n  tor:\n    base_url: http://ti.example.com/list\n", "tor"},
		{"providers:\n  virustotal:\n    api_key: {env: VT_KEY}\n    base_url: https://ti.example.com/api\n", ""},
	} {
		c, _, err := loadTriage(t, ok.yaml, env)
		if err != nil {
			t.Errorf("%s: %v", ok.yaml, err)
			continue
		}
		// config check warns of every http:// base_url: it never calls
		// one just ok.
		if ok.provider != "" && !hasWarning(c.Check(), "provider "+ok.provider, "is http://") {
			t.Errorf("%s: no warning of the http:// base_url: %v", ok.yaml, c.Check())
		}
	}
	c := mustLoadTriageOK(t, "providers:\n  virustotal:\n    api_key: {env: VT_KEY}\n    base_url: http://ti.example.com/api\n    allow_insecure_http: true\n", env)
	if !c.Providers["virustotal"].AllowInsecureHTTP {
		t.Error("allow_insecure_http: true was not read")
	}
	if !hasWarning(c.Check(), "provider virustotal", "the api key, requests and answers cross (allow_insecure_http) the network unencrypted") {
		t.Errorf("no warning that the key goes in clear: %v", c.Check())
	}
}

// An Azure endpoint over http:// to another machine is an error (the sign-in
// token would go in clear); on this machine it is a warning of config check.
func TestAzureEndpointInClear(t *testing.T) {
	_, _, err := loadTriage(t, "azure:\n  endpoints:\n    log_analytics: http://la.example.com\n", nil)
	if err == nil || !strings.Contains(err.Error(), "azure.endpoints.log_analytics") || !strings.Contains(err.Error(), "tokens would cross the network unencrypted") {
		t.Errorf("http:// log_analytics: %v", err)
	}
	ws := "workspaces:\n  lab:\n    workspace_id: 00000000-0000-0000-0000-000000000001\n    endpoints:\n      resource_manager: http://127.0.0.1:9000\n"
	c := mustLoadTriageOK(t, ws, nil)
	if !hasWarning(c.Check(), "workspace lab", "endpoint resource_manager http://127.0.0.1:9000 is http://") {
		t.Errorf("no warning of the http:// endpoint: %v", c.Check())
	}
}

func mustLoadTriageOK(t *testing.T, content string, env map[string]string) *Config {
	t.Helper()
	c, _ := mustLoadTriage(t, content, env)
	return c
}

func hasWarning(fs []Finding, subject, text string) bool {
	for _, f := range fs {
		if f.Subject == subject && f.Level == LevelWarning && strings.Contains(f.Message, text) {
			return true
		}
	}
	return false
}
