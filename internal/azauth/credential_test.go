package azauth

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"

	"github.com/triage-dev/triage/internal/config"
)

const (
	testTenant = "72f988bf-86f1-41af-91ab-2d7cd011db47"
	authTenant = "69d28fd7-42a5-48bc-a619-af56397b9f28"
	testClient = "66b9818a-26cd-4584-8eb0-7f7a499242aa"
	// testSecret is a client secret; no error or prompt may contain it.
	testSecret = "LEAK-client-secret-3f9d"
)

// noEnv is an empty environment.
func noEnv(string) string { return "" }

// envOf is an environment holding only m.
func envOf(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// isolate keeps the process environment from changing what
// DefaultAzureCredential builds.
func isolate(t *testing.T) {
	t.Helper()
	for _, k := range []string{"AZURE_TOKEN_CREDENTIALS", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET", "AZURE_TENANT_ID", "AZURE_FEDERATED_TOKEN_FILE"} {
		t.Setenv(k, "") // restores the variable after the test
		os.Unsetenv(k)
	}
}

func TestCredentialBuildsEachMethod(t *testing.T) {
	isolate(t)
	tests := []struct {
		method string
		auth   config.Auth
		want   azcore.TokenCredential // the type wanted
	}{
		{config.AuthDefault, config.Auth{}, &azidentity.DefaultAzureCredential{}},
		{config.AuthCLI, config.Auth{}, &azidentity.AzureCLICredential{}},
		{config.AuthDeviceCode, config.Auth{}, &azidentity.DeviceCodeCredential{}},
		{config.AuthClientSecret, config.Auth{ClientID: testClient, ClientSecret: config.NewSecret(testSecret)}, &azidentity.ClientSecretCredential{}},
		{config.AuthManagedIdentity, config.Auth{}, &azidentity.ManagedIdentityCredential{}},
		{config.AuthManagedIdentity, config.Auth{ManagedIdentityClientID: testClient}, &azidentity.ManagedIdentityCredential{}},
	}
	for _, tt := range tests {
		t.Run(tt.method, func(t *testing.T) {
			tt.auth.Methods = []string{tt.method}
			cred, err := Credential(Options{
				Auth: tt.auth, TenantID: testTenant, Getenv: noEnv, Prompt: &bytes.Buffer{},
				Endpoints: config.Endpoints{AuthorityHost: "https://login.microsoftonline.us"},
			})
			if err != nil {
				t.Fatal(err)
			}
			if got, want := reflect.TypeOf(cred), reflect.TypeOf(tt.want); got != want {
				t.Errorf("credential is %v, want %v", got, want)
			}
		})
	}

	t.Run("no methods means default", func(t *testing.T) {
		cred, err := Credential(Options{Getenv: noEnv})
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := cred.(*azidentity.DefaultAzureCredential); !ok {
			t.Errorf("credential is %T, want *azidentity.DefaultAzureCredential", cred)
		}
	})
	t.Run("several methods are chained", func(t *testing.T) {
		cred, err := Credential(Options{Auth: config.Auth{Methods: []string{config.AuthCLI, config.AuthDeviceCode}}, Getenv: noEnv, Prompt: &bytes.Buffer{}})
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := cred.(*azidentity.ChainedTokenCredential); !ok {
			t.Errorf("credential is %T, want *azidentity.ChainedTokenCredential", cred)
		}
	})
}

func TestCredentialErrors(t *testing.T) {
	isolate(t)
	tests := []struct {
		name string
		opts Options
		want string // the whole message
	}{
		{
			name: "no client secret",
			opts: Options{Auth: config.Auth{Methods: []string{config.AuthClientSecret}, ClientID: testClient}, TenantID: testTenant, Getenv: noEnv},
			want: "clientsecret: no client secret: set auth.client_secret or AZURE_CLIENT_SECRET",
		},
		{
			name: "nothing for clientsecret",
			opts: Options{Auth: config.Auth{Methods: []string{config.AuthClientSecret}}, Getenv: noEnv},
			want: "clientsecret: no client id: set auth.client_id or AZURE_CLIENT_ID; no client secret: set auth.client_secret or AZURE_CLIENT_SECRET; no tenant: set auth.tenant_id, the workspace's tenant_id or AZURE_TENANT_ID",
		},
		{
			name: "secret from an unset variable says so",
			opts: Options{Auth: config.Auth{Methods: []string{config.AuthClientSecret}, ClientID: testClient, ClientSecret: unsetEnvSecret(t)}, TenantID: testTenant, Getenv: noEnv},
			want: "clientsecret: no client secret (environment variable SP_SECRET is not set): set auth.client_secret or AZURE_CLIENT_SECRET",
		},
		{
			name: "unknown method",
			opts: Options{Auth: config.Auth{Methods: []string{"browser"}}, Getenv: noEnv},
			want: `unknown sign-in method "browser": want one of default, cli, devicecode, clientsecret, managedidentity`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cred, err := Credential(tt.opts)
			if err == nil {
				t.Fatalf("got %T, want error %q", cred, tt.want)
			}
			if err.Error() != tt.want {
				t.Errorf("error\n got %q\nwant %q", err, tt.want)
			}
		})
	}

	t.Run("bad tenant names the method", func(t *testing.T) {
		_, err := Credential(Options{Auth: config.Auth{Methods: []string{config.AuthCLI}}, TenantID: "not a tenant!", Getenv: noEnv})
		if err == nil || !strings.HasPrefix(err.Error(), "cli: ") {
			t.Errorf("error %v, want one starting with \"cli: \"", err)
		}
	})
}

// unsetEnvSecret is a client secret configured as an environment variable
// that is not set.
func unsetEnvSecret(t *testing.T) config.Secret {
	t.Helper()
	p := filepath.Join(t.TempDir(), "triage.yaml")
	yaml := "workspaces:\n  sp:\n    workspace_id: a927809c-8142-43e1-96b3-4ad87cfe95a3\n" +
		"    auth: {method: clientsecret, client_id: app, tenant_id: contoso.onmicrosoft.com, client_secret: {env: SP_SECRET}}\n"
	if err := os.WriteFile(p, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(config.LoadOptions{ConfigPath: p})
	if err != nil {
		t.Fatal(err)
	}
	s := cfg.Workspaces["sp"].Auth.ClientSecret
	if s.IsSet() || s.Err() == nil {
		t.Fatalf("client secret %v (err %v), want unset with an error", s, s.Err())
	}
	return s
}

func TestClientSecretFromEnvironment(t *testing.T) {
	isolate(t)
	cred, err := Credential(Options{
		Auth: config.Auth{Methods: []string{config.AuthClientSecret}},
		Getenv: envOf(map[string]string{
			"AZURE_CLIENT_ID": testClient, "AZURE_CLIENT_SECRET": testSecret, "AZURE_TENANT_ID": testTenant,
		}),
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := cred.(*azidentity.ClientSecretCredential); !ok {
		t.Errorf("credential is %T, want *azidentity.ClientSecretCredential", cred)
	}
}

// fakeAz puts an az on PATH that records its arguments and prints a token;
// it returns the file the arguments go to.
func fakeAz(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	args := filepath.Join(dir, "args")
	script := "#!/bin/sh\n" +
		"printf '%s\\n' \"$@\" > '" + args + "'\n" +
		`echo '{"accessToken":"tok","expiresOn":"2030-01-01 00:00:00.000000","expires_on":1893456000,"tenant":"t","tokenType":"Bearer"}'` + "\n"
	if err := os.WriteFile(filepath.Join(dir, "az"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	return args
}

func readArgs(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("az was not run: %v", err)
	}
	return strings.Fields(string(b))
}

// argAfter returns the argument after flag, or "".
func argAfter(args []string, flag string) string {
	for i, a := range args {
		if a == flag && i+1 < len(args) {
			return args[i+1]
		}
	}
	return ""
}

func TestCLICredentialRunsAz(t *testing.T) {
	isolate(t)
	const scope = "https://management.azure.com/.default"
	tests := []struct {
		name       string
		opts       Options
		wantTenant string
	}{
		{"workspace tenant", Options{Auth: config.Auth{Methods: []string{config.AuthCLI}}, TenantID: testTenant}, testTenant},
		{"auth tenant wins", Options{Auth: config.Auth{Methods: []string{config.AuthCLI}, TenantID: authTenant}, TenantID: testTenant}, authTenant},
		{"no tenant", Options{Auth: config.Auth{Methods: []string{config.AuthCLI}}}, ""},
		// clientsecret lacks its secret, so the chain skips it and reaches az.
		{"chain skips an incomplete clientsecret", Options{Auth: config.Auth{Methods: []string{config.AuthClientSecret, config.AuthCLI}, ClientID: testClient}, TenantID: testTenant}, testTenant},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			argsFile := fakeAz(t)
			tt.opts.Getenv = noEnv
			cred, err := Credential(tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			tok, err := cred.GetToken(context.Background(), policy.TokenRequestOptions{Scopes: []string{scope}})
			if err != nil {
				t.Fatal(err)
			}
			if tok.Token != "tok" {
				t.Errorf("token %q, want %q", tok.Token, "tok")
			}
			if want := time.Unix(1893456000, 0); !tok.ExpiresOn.Equal(want) {
				t.Errorf("token expires %v, want %v", tok.ExpiresOn, want)
			}
			args := readArgs(t, argsFile)
			res, sc := argAfter(args, "--resource"), argAfter(args, "--scope")
			if res != strings.TrimSuffix(scope, "/.default") && sc != scope {
				t.Errorf("az %v: want --resource %s or --scope %s", args, strings.TrimSuffix(scope, "/.default"), scope)
			}
			if got := argAfter(args, "--tenant"); got != tt.wantTenant {
				t.Errorf("az %v: --tenant %q, want %q", args, got, tt.wantTenant)
			}
		})
	}
}

func TestChainReportsSkippedMethod(t *testing.T) {
	isolate(t)
	// az exits 127 as if it were not installed.
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "az"), []byte("#!/bin/sh\nexit 127\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir)
	cred, err := Credential(Options{
		Auth:     config.Auth{Methods: []string{config.AuthClientSecret, config.AuthCLI}, ClientID: testClient},
		TenantID: testTenant, Getenv: noEnv,
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = cred.GetToken(context.Background(), policy.TokenRequestOptions{Scopes: []string{"https://api.loganalytics.io/.default"}})
	if err == nil {
		t.Fatal("got a token, want an error")
	}
	if !strings.Contains(err.Error(), "clientsecret: no client secret: set auth.client_secret or AZURE_CLIENT_SECRET") {
		t.Errorf("chain error does not say why clientsecret was skipped:\n%v", err)
	}
}

// fakeEntra is a Microsoft Entra ID that serves discovery, device codes and
// tokens. Every request is sent to it whatever its host (see rewrite), so
// nothing reaches the network.
type fakeEntra struct {
	srv *httptest.Server

	mu    sync.Mutex
	hosts []string     // the host of every request
	paths []string     // the path of every request
	forms []url.Values // the token requests' forms
}

func newFakeEntra(t *testing.T) *fakeEntra {
	t.Helper()
	f := &fakeEntra{}
	f.srv = httptest.NewTLSServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

// Do sends req to the fake server, recording the host it was meant for.
func (f *fakeEntra) Do(req *http.Request) (*http.Response, error) {
	f.mu.Lock()
	f.hosts = append(f.hosts, req.URL.Host)
	f.paths = append(f.paths, req.URL.Path)
	f.mu.Unlock()
	u, _ := url.Parse(f.srv.URL)
	r := req.Clone(req.Context())
	r.Header.Set("X-Original-Host", req.URL.Host)
	r.URL.Scheme, r.URL.Host, r.Host = u.Scheme, u.Host, ""
	return f.srv.Client().Transport.RoundTrip(r)
}

func (f *fakeEntra) serve(w http.ResponseWriter, r *http.Request) {
	host := r.Header.Get("X-Original-Host")
	base := "https://" + host
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	w.Header().Set("Content-Type", "application/json")
	write := func(code int, v any) {
		w.WriteHeader(code)
		json.NewEncoder(w).Encode(v)
	}
	switch {
	case r.URL.Path == "/common/discovery/instance":
		au, _ := url.Parse(r.URL.Query().Get("authorization_endpoint"))
		tenant := strings.Split(strings.Trim(au.Path, "/"), "/")[0]
		write(200, map[string]any{
			"tenant_discovery_endpoint": "https://" + au.Host + "/" + tenant + "/v2.0/.well-known/openid-configuration",
			"api-version":               "1.1",
			"metadata":                  []map[string]any{{"preferred_network": au.Host, "preferred_cache": au.Host, "aliases": []string{au.Host}}},
		})
	case strings.HasSuffix(r.URL.Path, "/v2.0/.well-known/openid-configuration"):
		tb := base + "/" + parts[0]
		write(200, map[string]any{
			"authorization_endpoint":        tb + "/oauth2/v2.0/authorize",
			"token_endpoint":                tb + "/oauth2/v2.0/token",
			"device_authorization_endpoint": tb + "/oauth2/v2.0/devicecode",
			"issuer":                        tb + "/v2.0",
		})
	case strings.HasSuffix(r.URL.Path, "/oauth2/v2.0/devicecode"):
		write(200, map[string]any{
			"user_code": "FAKE-CODE", "device_code": "device-code", "verification_uri": "https://microsoft.com/devicelogin",
			"expires_in": 900, "interval": 1,
			"message": "To sign in, use a web browser to open the page https://microsoft.com/devicelogin and enter the code FAKE-CODE to authenticate.",
		})
	case strings.HasSuffix(r.URL.Path, "/oauth2/v2.0/token"):
		r.ParseForm()
		f.mu.Lock()
		f.forms = append(f.forms, r.PostForm)
		f.mu.Unlock()
		if r.PostForm.Get("grant_type") == "client_credentials" {
			write(200, map[string]any{"access_token": "sp-token", "expires_in": 3600, "token_type": "Bearer"})
			return
		}
		// The user never enters the code.
		write(400, map[string]any{"error": "expired_token", "error_description": "AADSTS70020: The provided value for the input parameter 'device_code' is not valid."})
	default:
		write(404, map[string]any{"error": "not_found", "error_description": "fake Entra ID: no " + r.URL.Path})
	}
}

func TestDeviceCodePromptGoesToPrompt(t *testing.T) {
	isolate(t)
	entra := newFakeEntra(t)
	var prompt bytes.Buffer
	cred, err := newCredential(Options{
		Auth:      config.Auth{Methods: []string{config.AuthDeviceCode}},
		TenantID:  testTenant,
		Endpoints: config.Endpoints{AuthorityHost: "https://login.example.test"},
		Prompt:    &prompt,
		Getenv:    noEnv,
	}, entra)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err = cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{"https://management.azure.com/.default"}})
	if err == nil {
		t.Fatal("got a token though the code was never entered")
	}
	if want := "enter the code FAKE-CODE to authenticate.\n"; !strings.HasSuffix(prompt.String(), want) {
		t.Errorf("prompt %q, want one ending %q", prompt.String(), want)
	}
	entra.mu.Lock()
	defer entra.mu.Unlock()
	if len(entra.forms) == 0 || entra.forms[0].Get("device_code") != "device-code" {
		t.Errorf("token requests %v, want one with the device code", entra.forms)
	}
	if !containsHost(entra.hosts, "login.example.test") {
		t.Errorf("requests went to %v, want the configured authority host login.example.test", entra.hosts)
	}
}

func TestClientSecretSignsInAtAuthorityHost(t *testing.T) {
	isolate(t)
	entra := newFakeEntra(t)
	cred, err := newCredential(Options{
		Auth:      config.Auth{Methods: []string{config.AuthClientSecret}, ClientID: testClient, ClientSecret: config.NewSecret(testSecret), TenantID: authTenant},
		TenantID:  testTenant,
		Endpoints: config.Endpoints{AuthorityHost: "https://login.example.test"},
		Getenv:    noEnv,
	}, entra)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := cred.GetToken(context.Background(), policy.TokenRequestOptions{Scopes: []string{"https://api.loganalytics.io/.default"}})
	if err != nil {
		t.Fatal(err)
	}
	if tok.Token != "sp-token" {
		t.Errorf("token %q, want sp-token", tok.Token)
	}
	entra.mu.Lock()
	defer entra.mu.Unlock()
	if len(entra.forms) != 1 {
		t.Fatalf("%d token requests, want 1", len(entra.forms))
	}
	form := entra.forms[0]
	if form.Get("client_id") != testClient || form.Get("client_secret") != testSecret {
		t.Errorf("token request sent client_id %q and the secret %v, want %q and the configured secret",
			form.Get("client_id"), form.Get("client_secret") == testSecret, testClient)
	}
	if !containsHost(entra.hosts, "login.example.test") {
		t.Errorf("requests went to %v, want the configured authority host login.example.test", entra.hosts)
	}
	if !containsHost(entra.paths, "/"+authTenant+"/oauth2/v2.0/token") {
		t.Errorf("requests for %v, want a token from auth.tenant_id's tenant %s", entra.paths, authTenant)
	}
}

func containsHost(hosts []string, want string) bool {
	for _, h := range hosts {
		if h == want {
			return true
		}
	}
	return false
}
