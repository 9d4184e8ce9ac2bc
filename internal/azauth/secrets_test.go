package azauth

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azsecrets"

	"github.com/triage-dev/triage/internal/config"
)

const (
	kvTenant = "8360dd21-0294-4240-9128-89611f415c53"
	kvToken  = "kv-token"
	// kvValue is the value of secret vt-key; only GetSecret may return it.
	kvValue = "LEAK-kv-value-5e1f"
	// kvBodyMarker is in every error body; errors must not repeat bodies.
	kvBodyMarker = "BODY-MARKER-77"
)

// fakeVault is a Key Vault over TLS that challenges unauthenticated
// requests, as the real one does, and serves a few secrets.
type fakeVault struct {
	srv *httptest.Server

	mu       sync.Mutex
	requests []string // "METHOD PATH auth=yes|no"
}

func newFakeVault(t *testing.T) *fakeVault {
	t.Helper()
	v := &fakeVault{}
	v.srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth := r.Header.Get("Authorization")
		v.mu.Lock()
		v.requests = append(v.requests, r.Method+" "+r.URL.Path+" auth="+map[bool]string{true: "yes", false: "no"}[auth != ""])
		v.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		fail := func(code int, errCode string) {
			w.WriteHeader(code)
			json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"code": errCode, "message": kvBodyMarker}})
		}
		if auth == "" {
			w.Header().Set("WWW-Authenticate", `Bearer authorization="https://login.microsoftonline.com/`+kvTenant+`", resource="https://vault.azure.net"`)
			fail(http.StatusUnauthorized, "Unauthorized")
			return
		}
		if auth != "Bearer "+kvToken {
			fail(http.StatusUnauthorized, "Unauthorized")
			return
		}
		if r.Method != http.MethodGet || r.URL.Query().Get("api-version") == "" {
			fail(http.StatusBadRequest, "BadParameter")
			return
		}
		name, ok := strings.CutPrefix(r.URL.Path, "/secrets/")
		name = strings.TrimSuffix(name, "/")
		switch {
		case !ok:
			fail(http.StatusNotFound, "NotFound")
		case name == "vt-key":
			json.NewEncoder(w).Encode(map[string]any{"value": kvValue, "id": v.srv.URL + "/secrets/vt-key/0123456789abcdef"})
		case name == "denied":
			fail(http.StatusForbidden, "Forbidden")
		case name == "throttled":
			fail(http.StatusConflict, "Conflict")
		default:
			fail(http.StatusNotFound, "SecretNotFound")
		}
	}))
	t.Cleanup(v.srv.Close)
	return v
}

// tokenRecorder is a credential that hands out kvToken and records what it
// was asked for.
type tokenRecorder struct {
	mu   sync.Mutex
	reqs []policy.TokenRequestOptions
}

func (c *tokenRecorder) GetToken(_ context.Context, o policy.TokenRequestOptions) (azcore.AccessToken, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.reqs = append(c.reqs, o)
	return azcore.AccessToken{Token: kvToken, ExpiresOn: time.Now().Add(time.Hour)}, nil
}

func (v *fakeVault) store(cred azcore.TokenCredential) *SecretStore {
	return NewSecretStore(cred, &azsecrets.ClientOptions{
		ClientOptions: azcore.ClientOptions{
			Transport: v.srv.Client(),
			Retry:     policy.RetryOptions{RetryDelay: time.Millisecond, MaxRetryDelay: time.Millisecond},
		},
		DisableChallengeResourceVerification: true,
	})
}

func TestGetSecret(t *testing.T) {
	vault := newFakeVault(t)
	cred := &tokenRecorder{}
	store := vault.store(cred)
	ctx := context.Background()

	got, err := store.GetSecret(ctx, vault.srv.URL, "vt-key")
	if err != nil {
		t.Fatal(err)
	}
	if got != kvValue {
		t.Errorf("GetSecret = %q, want the secret's value", got)
	}
	// The challenge: first without a token, then with one for the tenant
	// and resource the vault named.
	vault.mu.Lock()
	if len(vault.requests) < 2 || vault.requests[0] != "GET /secrets/vt-key/ auth=no" || vault.requests[1] != "GET /secrets/vt-key/ auth=yes" {
		t.Errorf("vault saw %q, want an unauthenticated GET /secrets/vt-key/ then an authenticated one", vault.requests)
	}
	vault.mu.Unlock()
	cred.mu.Lock()
	if len(cred.reqs) == 0 || cred.reqs[0].TenantID != kvTenant || len(cred.reqs[0].Scopes) != 1 || cred.reqs[0].Scopes[0] != "https://vault.azure.net/.default" {
		t.Errorf("token requests %+v, want scope https://vault.azure.net/.default in tenant %s", cred.reqs, kvTenant)
	}
	cred.mu.Unlock()

	tests := []struct {
		name   string
		want   string
		status int
	}{
		{"missing", "secret missing not found in " + vault.srv.URL, http.StatusNotFound},
		{"denied", "not allowed to read secret denied in " + vault.srv.URL + ": grant Key Vault Secrets User (or a get-secret access policy) to the signed-in identity", http.StatusForbidden},
		{"throttled", "read secret throttled in " + vault.srv.URL + ": HTTP 409 Conflict", http.StatusConflict},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := store.GetSecret(ctx, vault.srv.URL, tt.name)
			if err == nil {
				t.Fatalf("got %q, want an error", v)
			}
			if err.Error() != tt.want {
				t.Errorf("error\n got %q\nwant %q", err, tt.want)
			}
			var re *azcore.ResponseError
			if !errors.As(err, &re) || re.StatusCode != tt.status {
				t.Errorf("error %v does not wrap a ResponseError with status %d", err, tt.status)
			}
			if strings.Contains(err.Error(), kvBodyMarker) {
				t.Errorf("error repeats the response body: %v", err)
			}
		})
	}

	// One client per vault.
	store.mu.Lock()
	if n := len(store.clients); n != 1 {
		t.Errorf("%d clients for one vault, want 1", n)
	}
	store.mu.Unlock()
}

func TestGetSecretSignInFailure(t *testing.T) {
	vault := newFakeVault(t)
	store := vault.store(failingCred{})
	_, err := store.GetSecret(context.Background(), vault.srv.URL, "vt-key")
	if err == nil || !strings.HasPrefix(err.Error(), "read secret vt-key in "+vault.srv.URL+": ") || !strings.Contains(err.Error(), "az login") {
		t.Errorf("error %v, want one naming the secret and vault and keeping the sign-in error", err)
	}
}

type failingCred struct{}

func (failingCred) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	return azcore.AccessToken{}, errors.New("AzureCLICredential: Please run 'az login' to set up an account")
}

func TestResolveSecretsWithStore(t *testing.T) {
	vault := newFakeVault(t)
	p := filepath.Join(t.TempDir(), "triage.yaml")
	yaml := "providers:\n" +
		"  virustotal: {api_key: {keyvault: \"" + vault.srv.URL + "/secrets/vt-key\"}}\n" +
		"  otx: {api_key: {keyvault: \"" + vault.srv.URL + "/secrets/missing\"}}\n"
	if err := os.WriteFile(p, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(config.LoadOptions{ConfigPath: p})
	if err != nil {
		t.Fatal(err)
	}
	if vt := cfg.Providers["virustotal"].APIKey; vt.IsSet() || vt.Source().VaultURL != vault.srv.URL {
		t.Fatalf("before ResolveSecrets the key is %v from %s, want unset from %s", vt, vt.Source(), vault.srv.URL)
	}

	err = cfg.ResolveSecrets(context.Background(), vault.store(&tokenRecorder{}))
	if err == nil || !strings.Contains(err.Error(), "providers.otx.api_key: ") || !strings.Contains(err.Error(), "secret missing not found in "+vault.srv.URL) {
		t.Errorf("ResolveSecrets error %v, want one for providers.otx.api_key saying the secret is not found", err)
	}
	if got := cfg.Providers["virustotal"].APIKey.Reveal(); got != kvValue {
		t.Errorf("virustotal api key %q after ResolveSecrets, want the vault's value", got)
	}
	if otx := cfg.Providers["otx"].APIKey; otx.IsSet() || otx.Err() == nil {
		t.Errorf("otx api key %v (err %v), want unset with the vault's error", otx, otx.Err())
	}
	if strings.Contains(err.Error(), kvValue) {
		t.Errorf("ResolveSecrets error holds a secret value: %v", err)
	}
}
