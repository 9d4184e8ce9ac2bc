package config

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"strconv"
)

// redacted is what a set Secret shows instead of its value.
const redacted = "<redacted>"

// Secret holds a credential: an API key, a client secret, a licence key.
//
// A Secret prints, formats with every fmt verb, marshals to JSON, YAML and
// text, and logs through log/slog as "<redacted>". An unset Secret shows as ""
// so that output still tells a missing key from a present one. Only Reveal
// returns the value.
//
// A Secret also remembers where its value comes from (Source) and, when it
// has none, why (Err); neither contains the value. The zero Secret is unset.
// Secrets are immutable and safe to copy and to use concurrently. The value
// is held in a closure, so even printing that bypasses these methods (fmt
// on a Secret in an unexported field, reflection) shows a function address,
// never the value.
type Secret struct{ p *secretData }

type secretData struct {
	value func() string // nil when unset
	src   SecretSource
	err   error
}

var noSecret secretData

// NewSecret returns a Secret holding value, given plainly.
func NewSecret(value string) Secret {
	return newSecret(value, SecretSource{Kind: SecretPlain}, nil)
}

func newSecret(value string, src SecretSource, err error) Secret {
	d := &secretData{src: src, err: err}
	if value != "" {
		d.value = func() string { return value }
	}
	return Secret{p: d}
}

func (s Secret) data() *secretData {
	if s.p == nil {
		return &noSecret
	}
	return s.p
}

// Reveal returns the value. Call it only where the value is sent to the
// service it is for.
func (s Secret) Reveal() string {
	if v := s.data().value; v != nil {
		return v()
	}
	return ""
}

// IsSet reports whether the Secret has a non-empty value.
func (s Secret) IsSet() bool { return s.data().value != nil }

// IsZero reports whether the Secret is unset; with it, encoding/json's
// omitzero leaves unset secrets out.
func (s Secret) IsZero() bool { return !s.IsSet() }

// Source says where the value comes from: given plainly, an environment
// variable or a Key Vault secret. It is the zero SecretSource for a Secret
// that was never configured.
func (s Secret) Source() SecretSource { return s.data().src }

// Err says why a configured Secret has no value: the environment variable is
// not set, the Key Vault secret has not been read (it wraps
// ErrKeyVaultNotRead) or could not be. It is nil for a set Secret and for one
// that was never configured.
func (s Secret) Err() error { return s.data().err }

// Equal reports whether s and o hold the same value from the same source (and
// the same problem, if any). go-cmp uses it.
func (s Secret) Equal(o Secret) bool {
	a, b := s.data(), o.data()
	return subtle.ConstantTimeCompare([]byte(s.Reveal()), []byte(o.Reveal())) == 1 &&
		a.src == b.src && errText(a.err) == errText(b.err)
}

// Fingerprint returns a short hash of the value that identifies it (for a
// cache key, say) without revealing it, or "" when the Secret is unset.
func (s Secret) Fingerprint() string {
	if !s.IsSet() {
		return ""
	}
	h := sha256.Sum256([]byte("triage secret fingerprint\x00" + s.Reveal()))
	return hex.EncodeToString(h[:8])
}

// String returns "<redacted>", or "" when the Secret is unset.
func (s Secret) String() string {
	if s.IsSet() {
		return redacted
	}
	return ""
}

// GoString is String: %#v never shows the value.
func (s Secret) GoString() string { return s.String() }

// Format implements fmt.Formatter for every verb: %q quotes String, every
// other verb prints it as is.
func (s Secret) Format(f fmt.State, verb rune) {
	if verb == 'q' {
		io.WriteString(f, strconv.Quote(s.String()))
		return
	}
	io.WriteString(f, s.String())
}

// MarshalJSON encodes String.
func (s Secret) MarshalJSON() ([]byte, error) { return json.Marshal(s.String()) }

// MarshalText encodes String.
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// MarshalYAML encodes String (go.yaml.in/yaml/v3 Marshaler).
func (s Secret) MarshalYAML() (any, error) { return s.String(), nil }

// LogValue implements slog.LogValuer.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// SecretKind is the form a secret is given in.
type SecretKind string

// The forms of a secret.
const (
	SecretPlain    SecretKind = "plain"    // the value itself, in the file
	SecretEnv      SecretKind = "env"      // an environment variable
	SecretKeyVault SecretKind = "keyvault" // an Azure Key Vault secret
)

// SecretSource says where a secret's value comes from. It never holds the
// value.
type SecretSource struct {
	Kind SecretKind `json:"kind,omitempty"`
	// Env is the environment variable (SecretEnv).
	Env string `json:"env,omitempty"`
	// VaultURL and Name locate a Key Vault secret (SecretKeyVault). VaultURL
	// is "" when the reference names no vault and no default vault is
	// configured.
	VaultURL string `json:"vault_url,omitempty"`
	Name     string `json:"name,omitempty"`
	// Origin is where the secret is configured.
	Origin Origin `json:"origin,omitzero"`
}

// String describes the source for people, e.g. "environment variable
// VTAUTHKEY" or "Key Vault secret TIProviders-OTX-Args-AuthKey in
// https://kv.vault.azure.net".
func (s SecretSource) String() string {
	switch s.Kind {
	case SecretEnv:
		return "environment variable " + s.Env
	case SecretKeyVault:
		if s.VaultURL == "" {
			return "Key Vault secret " + s.Name + " (no vault)"
		}
		return "Key Vault secret " + s.Name + " in " + s.VaultURL
	case SecretPlain:
		if s.Origin.File != "" {
			return "the value at " + s.Origin.String()
		}
		return "a value given plainly"
	}
	return "nowhere (not configured)"
}

// ErrKeyVaultNotRead is wrapped by Secret.Err for a Key Vault reference that
// has not been read: ResolveSecrets was not called, or had no SecretStore.
var ErrKeyVaultNotRead = errors.New("key vault secret not read")

// SecretStore reads secrets from Azure Key Vault. It is implemented outside
// this package, by the code that links the Azure SDK.
//
// GetSecret returns the current value of secret name in the vault at
// vaultURL (e.g. https://contoso-kv.vault.azure.net). Errors must not contain
// the value. ResolveSecrets calls it sequentially from its own goroutine,
// once per distinct vault and name.
type SecretStore interface {
	GetSecret(ctx context.Context, vaultURL, name string) (string, error)
}

// ResolveSecrets reads every Key Vault reference in c from store and stores
// the values in c. It is the only call in this package that may reach the
// network, and only through store. With a nil store it does nothing: the
// references stay unread and Check reports them.
//
// A secret that cannot be read keeps the error (Secret.Err); ResolveSecrets
// returns all such errors joined, each naming the setting, and stops early
// only when ctx is done.
func (c *Config) ResolveSecrets(ctx context.Context, store SecretStore) error {
	if store == nil {
		return nil
	}
	type ref struct{ vault, name string }
	type answer struct {
		value string
		err   error
	}
	seen := map[ref]answer{}
	var errs []error
	c.eachSecret(func(key string, s *Secret) {
		src := s.Source()
		if src.Kind != SecretKeyVault || src.VaultURL == "" || s.IsSet() {
			return
		}
		if ctx.Err() != nil {
			return
		}
		r := ref{src.VaultURL, src.Name}
		a, ok := seen[r]
		if !ok {
			v, err := store.GetSecret(ctx, r.vault, r.name)
			switch {
			case err != nil:
				err = fmt.Errorf("%s: %w", src, err)
			case v == "":
				err = fmt.Errorf("%s is empty", src)
			}
			a = answer{v, err}
			seen[r] = a
		}
		if a.err != nil {
			*s = newSecret("", src, a.err)
			errs = append(errs, fmt.Errorf("%s: %w", key, a.err))
			return
		}
		*s = newSecret(a.value, src, nil)
	})
	if err := ctx.Err(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// eachSecret calls fn for every secret in c, in a fixed order, with the
// setting it belongs to; fn may replace the secret.
func (c *Config) eachSecret(fn func(key string, s *Secret)) {
	fn("azure.auth.client_secret", &c.Azure.Auth.ClientSecret)
	fn("key_vault.auth.client_secret", &c.KeyVault.Auth.ClientSecret)
	for _, name := range sortedKeys(c.Workspaces) {
		ws := c.Workspaces[name]
		fn("workspaces."+name+".auth.client_secret", &ws.Auth.ClientSecret)
		c.Workspaces[name] = ws
	}
	for _, name := range sortedKeys(c.Providers) {
		p := c.Providers[name]
		fn("providers."+name+".api_key", &p.APIKey)
		fn("providers."+name+".api_id", &p.APIID)
		c.Providers[name] = p
	}
	fn("geoip.license_key", &c.GeoIP.LicenseKey)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
