// Package azauth signs in to Azure for triage: token credentials built from
// configuration, and the Key Vault secret store.
//
// Credential turns a configuration's sign-in methods into one azidentity
// credential without any network I/O; the first token request is what
// reaches Microsoft Entra ID (or runs az). SecretStore reads Key Vault
// secrets for config.Config.ResolveSecrets. Secret values are handed to the
// SDK and nowhere else: they never appear in an error.
package azauth

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"

	"github.com/triage-dev/triage/internal/config"
)

// Options says how to sign in.
type Options struct {
	Auth      config.Auth         // methods tried in order; empty means [default]
	TenantID  string              // the workspace's tenant; Auth.TenantID wins when set
	Endpoints config.Endpoints    // AuthorityHost is used as the login endpoint
	Prompt    io.Writer           // where the device-code prompt goes (stderr); never stdout
	Getenv    func(string) string // environment lookup (os.Getenv when nil)
}

// Credential builds the token credential for opts without any network I/O:
// one azidentity credential per method, chained when there are several, so
// that each is tried in order until one gives a token.
//
// The methods are those of config.AuthMethods: default is azidentity's
// DefaultAzureCredential, cli the Azure CLI's signed-in account, devicecode
// a code the user enters at a URL (the prompt goes to opts.Prompt, or
// os.Stderr when it is nil), clientsecret a service principal (client id,
// secret and tenant default to AZURE_CLIENT_ID, AZURE_CLIENT_SECRET and
// AZURE_TENANT_ID), managedidentity the host's managed identity (a
// user-assigned one with Auth.ManagedIdentityClientID). Every credential
// that signs in through Microsoft Entra ID uses Endpoints.AuthorityHost when
// it is set.
//
// Errors name the method and what is missing or wrong. When a chain has
// other methods that can be built, a clientsecret method that lacks a
// setting is skipped (as config.Config.Check warns): it stays in the chain
// and fails, saying why, only if it is reached.
func Credential(opts Options) (azcore.TokenCredential, error) {
	return newCredential(opts, nil)
}

// newCredential is Credential with every HTTP request sent through
// transport (nil for the default); tests use it to sign in against a fake.
func newCredential(opts Options, transport policy.Transporter) (azcore.TokenCredential, error) {
	methods := opts.Auth.Methods
	if len(methods) == 0 {
		methods = []string{config.AuthDefault}
	}
	b := builder{opts: opts, getenv: opts.Getenv, transport: transport}
	if b.getenv == nil {
		b.getenv = os.Getenv
	}
	var creds []azcore.TokenCredential
	var missing []error
	built := 0
	for _, m := range methods {
		cred, err := b.build(m)
		var me *missingError
		switch {
		case errors.As(err, &me):
			missing = append(missing, err)
			creds = append(creds, unavailable{err})
			continue
		case err != nil:
			return nil, err
		}
		creds = append(creds, cred)
		built++
	}
	if built == 0 {
		return nil, errors.Join(missing...)
	}
	if len(creds) == 1 {
		return creds[0], nil
	}
	chain, err := azidentity.NewChainedTokenCredential(creds, nil)
	if err != nil {
		return nil, fmt.Errorf("sign-in with %s: %w", strings.Join(methods, " then "), err)
	}
	return chain, nil
}

// builder builds the credential of one method.
type builder struct {
	opts      Options
	getenv    func(string) string
	transport policy.Transporter
}

// tenant is the tenant to sign in to: Auth.TenantID, else the workspace's.
func (b builder) tenant() string {
	if b.opts.Auth.TenantID != "" {
		return b.opts.Auth.TenantID
	}
	return b.opts.TenantID
}

// clientOptions are the options every credential that talks to Microsoft
// Entra ID gets.
func (b builder) clientOptions() azcore.ClientOptions {
	var co azcore.ClientOptions
	if h := b.opts.Endpoints.AuthorityHost; h != "" {
		co.Cloud = cloud.Configuration{ActiveDirectoryAuthorityHost: h}
	}
	if b.transport != nil {
		co.Transport = b.transport
	}
	return co
}

func (b builder) build(method string) (azcore.TokenCredential, error) {
	var cred azcore.TokenCredential
	var err error
	switch method {
	case config.AuthDefault:
		cred, err = azidentity.NewDefaultAzureCredential(&azidentity.DefaultAzureCredentialOptions{
			ClientOptions: b.clientOptions(),
			TenantID:      b.tenant(),
		})
	case config.AuthCLI:
		// The Azure CLI has its own cloud setting (az cloud set); it takes
		// no authority host.
		cred, err = azidentity.NewAzureCLICredential(&azidentity.AzureCLICredentialOptions{TenantID: b.tenant()})
	case config.AuthDeviceCode:
		prompt := b.opts.Prompt
		if prompt == nil {
			prompt = os.Stderr
		}
		cred, err = azidentity.NewDeviceCodeCredential(&azidentity.DeviceCodeCredentialOptions{
			ClientOptions: b.clientOptions(),
			TenantID:      b.tenant(),
			UserPrompt: func(_ context.Context, msg azidentity.DeviceCodeMessage) error {
				_, err := fmt.Fprintln(prompt, msg.Message)
				return err
			},
		})
	case config.AuthClientSecret:
		return b.clientSecret()
	case config.AuthManagedIdentity:
		o := &azidentity.ManagedIdentityCredentialOptions{ClientOptions: b.clientOptions()}
		if id := b.opts.Auth.ManagedIdentityClientID; id != "" {
			o.ID = azidentity.ClientID(id)
		}
		cred, err = azidentity.NewManagedIdentityCredential(o)
	default:
		return nil, fmt.Errorf("unknown sign-in method %q: want one of %s", method, strings.Join(config.AuthMethods, ", "))
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", method, err)
	}
	return cred, nil
}

// clientSecret builds a service principal's credential.
func (b builder) clientSecret() (azcore.TokenCredential, error) {
	a := b.opts.Auth
	tenant := b.tenant()
	if tenant == "" {
		tenant = b.getenv("AZURE_TENANT_ID")
	}
	clientID := a.ClientID
	if clientID == "" {
		clientID = b.getenv("AZURE_CLIENT_ID")
	}
	secret := a.ClientSecret.Reveal()
	if secret == "" {
		secret = b.getenv("AZURE_CLIENT_SECRET")
	}
	var why []string
	if clientID == "" {
		why = append(why, "no client id: set auth.client_id or AZURE_CLIENT_ID")
	}
	if secret == "" {
		w := "no client secret"
		// Err says why a configured secret has no value (an unset
		// variable, an unread Key Vault secret); it never holds a value.
		if err := a.ClientSecret.Err(); err != nil {
			w += " (" + err.Error() + ")"
		}
		why = append(why, w+": set auth.client_secret or AZURE_CLIENT_SECRET")
	}
	if tenant == "" {
		why = append(why, "no tenant: set auth.tenant_id, the workspace's tenant_id or AZURE_TENANT_ID")
	}
	if len(why) > 0 {
		return nil, &missingError{method: config.AuthClientSecret, why: strings.Join(why, "; ")}
	}
	cred, err := azidentity.NewClientSecretCredential(tenant, clientID, secret,
		&azidentity.ClientSecretCredentialOptions{ClientOptions: b.clientOptions()})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", config.AuthClientSecret, err)
	}
	return cred, nil
}

// missingError reports a method that lacks a setting.
type missingError struct{ method, why string }

func (e *missingError) Error() string { return e.method + ": " + e.why }

// unavailable stands in a chain for a method that could not be built: the
// chain tries the next method and, if every one fails, reports why.
type unavailable struct{ err error }

func (u unavailable) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	return azcore.AccessToken{}, azidentity.NewCredentialUnavailableError(u.err.Error())
}

var _ azcore.TokenCredential = unavailable{}
