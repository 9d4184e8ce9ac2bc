package config

import (
	"fmt"
	"net/url"
	"strings"
)

// The Azure clouds a Sentinel workspace can live in.
const (
	CloudPublic  = "public"  // Azure (msticpy "global")
	CloudUSGov   = "usgov"   // Azure US Government
	CloudChina   = "china"   // Azure China, operated by 21Vianet (msticpy "cn")
	CloudCustom  = "custom"  // no defaults: every endpoint comes from configuration
	CloudGermany = "germany" // Azure Germany (msticpy "de"), closed in 2021: recognised, never usable
)

// CloudUSGovDoD is Azure US Government with the Department of Defense's
// Microsoft Graph (dod-graph.microsoft.us); its other endpoints are US
// Government's.
const CloudUSGovDoD = "usgovdod"

// Endpoints are the Azure service addresses a Sentinel workspace is reached
// at. URLs have no trailing slash.
type Endpoints struct {
	// ResourceManager is the Azure Resource Manager endpoint (the incidents
	// API), e.g. https://management.azure.com.
	ResourceManager string `json:"resource_manager,omitempty"`
	// ResourceManagerAudience is the audience of ARM tokens (the scope is it
	// plus "/.default"), e.g. https://management.core.windows.net.
	ResourceManagerAudience string `json:"resource_manager_audience,omitempty"`
	// LogAnalytics is the Log Analytics query endpoint without "/v1", e.g.
	// https://api.loganalytics.io; it is also the token audience.
	LogAnalytics string `json:"log_analytics,omitempty"`
	// AuthorityHost is the Microsoft Entra ID login endpoint, e.g.
	// https://login.microsoftonline.com.
	AuthorityHost string `json:"authority_host,omitempty"`
	// Graph is the Microsoft Graph root, e.g. https://graph.microsoft.com
	// (the defender kind's incidents, alerts and advanced hunting); it is
	// also the token audience.
	Graph string `json:"graph,omitempty"`
	// KeyVaultSuffix is the DNS suffix of Key Vault URLs, e.g. vault.azure.net.
	KeyVaultSuffix string `json:"key_vault_suffix,omitempty"`
}

// cloudEndpoints holds each named cloud's endpoints. Azure Germany has none.
var cloudEndpoints = map[string]Endpoints{
	CloudPublic: {
		ResourceManager:         "https://management.azure.com",
		ResourceManagerAudience: "https://management.core.windows.net",
		LogAnalytics:            "https://api.loganalytics.io",
		AuthorityHost:           "https://login.microsoftonline.com",
		Graph:                   "https://graph.microsoft.com",
		KeyVaultSuffix:          "vault.azure.net",
	},
	CloudUSGov: {
		ResourceManager:         "https://management.usgovcloudapi.net",
		ResourceManagerAudience: "https://management.core.usgovcloudapi.net",
		LogAnalytics:            "https://api.loganalytics.us",
		AuthorityHost:           "https://login.microsoftonline.us",
		Graph:                   "https://graph.microsoft.us",
		KeyVaultSuffix:          "vault.usgovcloudapi.net",
	},
	CloudUSGovDoD: {
		ResourceManager:         "https://management.usgovcloudapi.net",
		ResourceManagerAudience: "https://management.core.usgovcloudapi.net",
		LogAnalytics:            "https://api.loganalytics.us",
		AuthorityHost:           "https://login.microsoftonline.us",
		Graph:                   "https://dod-graph.microsoft.us",
		KeyVaultSuffix:          "vault.usgovcloudapi.net",
	},
	CloudChina: {
		ResourceManager:         "https://management.chinacloudapi.cn",
		ResourceManagerAudience: "https://management.core.chinacloudapi.cn",
		LogAnalytics:            "https://api.loganalytics.azure.cn",
		AuthorityHost:           "https://login.chinacloudapi.cn",
		Graph:                   "https://microsoftgraph.chinacloudapi.cn",
		KeyVaultSuffix:          "vault.azure.cn",
	},
	CloudCustom:  {},
	CloudGermany: {},
}

// cloudAliases maps every accepted spelling (lower case) to a cloud name:
// ours, msticpy's and the Azure CLI's.
var cloudAliases = map[string]string{
	"public": CloudPublic, "global": CloudPublic, "azurecloud": CloudPublic, "azurepubliccloud": CloudPublic,
	"usgov": CloudUSGov, "gov": CloudUSGov, "azureusgovernment": CloudUSGov, "azureusgovernmentcloud": CloudUSGov,
	"china": CloudChina, "cn": CloudChina, "azurechinacloud": CloudChina,
	"usgovdod": CloudUSGovDoD, "usgov-dod": CloudUSGovDoD, "dod": CloudUSGovDoD,
	"custom":  CloudCustom,
	"germany": CloudGermany, "de": CloudGermany, "azuregermancloud": CloudGermany,
}

// CloudNames lists the clouds a configuration may name.
var CloudNames = []string{CloudPublic, CloudUSGov, CloudUSGovDoD, CloudChina, CloudCustom}

// CloudEndpoints returns the endpoints of a named cloud (any accepted
// spelling: "public", "global", "AzureUSGovernment", "cn"…) and its canonical
// name. It reports false for an unknown name. Custom and Germany have no
// endpoints.
func CloudEndpoints(name string) (Endpoints, string, bool) {
	c, ok := cloudAliases[strings.ToLower(strings.TrimSpace(name))]
	if !ok {
		return Endpoints{}, "", false
	}
	return cloudEndpoints[c], c, true
}

// override returns e with every non-empty field of o in place of its own.
func (e Endpoints) override(o Endpoints) Endpoints {
	set := func(dst *string, v string) {
		if v != "" {
			*dst = v
		}
	}
	set(&e.ResourceManager, o.ResourceManager)
	set(&e.ResourceManagerAudience, o.ResourceManagerAudience)
	set(&e.LogAnalytics, o.LogAnalytics)
	set(&e.AuthorityHost, o.AuthorityHost)
	set(&e.Graph, o.Graph)
	set(&e.KeyVaultSuffix, o.KeyVaultSuffix)
	return e
}

// normalizeEndpoint checks that s is an absolute http(s) URL with a host and
// returns it without a trailing slash.
func normalizeEndpoint(s string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil {
		return "", fmt.Errorf("not a URL: %q", s)
	}
	if u.Scheme != "https" && u.Scheme != "http" || u.Host == "" {
		return "", fmt.Errorf("want an absolute https:// URL, got %q", s)
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("want a URL without credentials, query or fragment, got %q", u.Redacted())
	}
	return strings.TrimRight(u.String(), "/"), nil
}

// vaultURL returns the URL of the Key Vault called name in a cloud with the
// given DNS suffix. A name that already is a URL is returned normalised.
func vaultURL(name, suffix string) (string, error) {
	if strings.Contains(name, "://") {
		return normalizeEndpoint(name)
	}
	if !validVaultName(name) {
		return "", fmt.Errorf("%q is not a Key Vault name (3-24 letters, digits and hyphens, starting with a letter)", name)
	}
	if suffix == "" {
		return "", fmt.Errorf("no Key Vault DNS suffix for this cloud: give the vault as a URL or set key_vault_suffix")
	}
	return "https://" + strings.ToLower(name) + "." + suffix, nil
}

func validVaultName(s string) bool {
	if len(s) < 3 || len(s) > 24 {
		return false
	}
	for i, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z':
		case (r >= '0' && r <= '9' || r == '-') && i > 0:
		default:
			return false
		}
	}
	return true
}
