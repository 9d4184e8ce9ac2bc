package azauth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azsecrets"

	"github.com/triage-dev/triage/internal/config"
)

// SecretStore reads Key Vault secrets with azsecrets; it implements
// config.SecretStore. It keeps one client per vault and is safe for
// concurrent use.
type SecretStore struct {
	cred azcore.TokenCredential
	opts azsecrets.ClientOptions

	mu      sync.Mutex
	clients map[string]*azsecrets.Client // by vault URL
}

var _ config.SecretStore = (*SecretStore)(nil)

// NewSecretStore returns a store signing in with cred; opts may be nil.
func NewSecretStore(cred azcore.TokenCredential, opts *azsecrets.ClientOptions) *SecretStore {
	s := &SecretStore{cred: cred, clients: map[string]*azsecrets.Client{}}
	if opts != nil {
		s.opts = *opts
	}
	return s
}

// GetSecret returns the current version of secret name in the vault at
// vaultURL (e.g. https://contoso-kv.vault.azure.net). Its errors say which
// secret and vault, and what to do; they never contain a value. A missing
// secret or a denied read is not retried.
func (s *SecretStore) GetSecret(ctx context.Context, vaultURL, name string) (string, error) {
	c, err := s.client(vaultURL)
	if err != nil {
		return "", err
	}
	resp, err := c.GetSecret(ctx, name, "", nil)
	if err != nil {
		return "", secretError(vaultURL, name, err)
	}
	if resp.Value == nil || *resp.Value == "" {
		return "", fmt.Errorf("secret %s in %s has no value: set one in the vault", name, vaultURL)
	}
	return *resp.Value, nil
}

// client returns the vault's client, making it on first use.
func (s *SecretStore) client(vaultURL string) (*azsecrets.Client, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c, ok := s.clients[vaultURL]; ok {
		return c, nil
	}
	opts := s.opts
	c, err := azsecrets.NewClient(vaultURL, s.cred, &opts)
	if err != nil {
		return nil, fmt.Errorf("key vault %s: %w", vaultURL, err)
	}
	s.clients[vaultURL] = c
	return c, nil
}

// secretError turns a failed read into an error saying what to do. The
// service's answer is kept for errors.As but not printed: only its status
// and error code are.
func secretError(vault, name string, err error) error {
	var re *azcore.ResponseError
	if !errors.As(err, &re) {
		// A sign-in or transport failure: its text is the credential's
		// or the network's, never the secret's.
		return fmt.Errorf("read secret %s in %s: %w", name, vault, err)
	}
	var msg string
	switch re.StatusCode {
	case http.StatusNotFound:
		msg = fmt.Sprintf("secret %s not found in %s", name, vault)
	case http.StatusUnauthorized, http.StatusForbidden:
		msg = fmt.Sprintf("not allowed to read secret %s in %s: grant Key Vault Secrets User (or a get-secret access policy) to the signed-in identity", name, vault)
	default:
		status := fmt.Sprintf("HTTP %d", re.StatusCode)
		if re.ErrorCode != "" {
			status += " " + re.ErrorCode
		}
		msg = fmt.Sprintf("read secret %s in %s: %s", name, vault, status)
	}
	return &vaultError{msg: msg, err: err}
}

// vaultError is a Key Vault answer told in triage's words.
type vaultError struct {
	msg string
	err error
}

func (e *vaultError) Error() string { return e.msg }
func (e *vaultError) Unwrap() error { return e.err }
