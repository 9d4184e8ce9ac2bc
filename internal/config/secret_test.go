package config

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.yaml.in/yaml/v3"
)

func TestSecretShowsRedacted(t *testing.T) {
	const value = "s3cr3t-value"
	set, unset := NewSecret(value), Secret{}
	tests := []struct {
		name string
		got  func(Secret) string
		set  string
		zero string
	}{
		{"%v", func(s Secret) string { return fmt.Sprintf("%v", s) }, "<redacted>", ""},
		{"%s", func(s Secret) string { return fmt.Sprintf("%s", s) }, "<redacted>", ""},
		{"%q", func(s Secret) string { return fmt.Sprintf("%q", s) }, `"<redacted>"`, `""`},
		{"%+v", func(s Secret) string { return fmt.Sprintf("%+v", s) }, "<redacted>", ""},
		{"%#v", func(s Secret) string { return fmt.Sprintf("%#v", s) }, "<redacted>", ""},
		{"%x", func(s Secret) string { return fmt.Sprintf("%x", s) }, "<redacted>", ""},
		{"%d", func(s Secret) string { return fmt.Sprintf("%d", s) }, "<redacted>", ""},
		{"pointer %v", func(s Secret) string { return fmt.Sprintf("%v", &s) }, "<redacted>", ""},
		{"String", Secret.String, "<redacted>", ""},
		{"Sprint", func(s Secret) string { return fmt.Sprint(s) }, "<redacted>", ""},
		{"JSON", func(s Secret) string {
			var got string
			b, _ := json.Marshal(s)
			json.Unmarshal(b, &got)
			return got
		}, "<redacted>", ""},
		{"YAML", func(s Secret) string { b, _ := yaml.Marshal(s); return string(b) }, "<redacted>\n", "\"\"\n"},
		{"text", func(s Secret) string { b, _ := s.MarshalText(); return string(b) }, "<redacted>", ""},
		{"slog", func(s Secret) string {
			var buf bytes.Buffer
			slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{ReplaceAttr: dropTime})).Info("m", "key", s)
			return buf.String()
		}, "level=INFO msg=m key=<redacted>\n", "level=INFO msg=m key=\"\"\n"},
		{"in struct %+v", func(s Secret) string { return fmt.Sprintf("%+v", struct{ K Secret }{s}) }, "{K:<redacted>}", "{K:}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.got(set); got != tt.set {
				t.Errorf("set: got %q, want %q", got, tt.set)
			}
			if got := tt.got(unset); got != tt.zero {
				t.Errorf("unset: got %q, want %q", got, tt.zero)
			}
		})
	}
	if set.Reveal() != value || !set.IsSet() || set.IsZero() {
		t.Errorf("set secret: Reveal %q IsSet %v IsZero %v", set.Reveal(), set.IsSet(), set.IsZero())
	}
	if unset.Reveal() != "" || unset.IsSet() || !unset.IsZero() || unset.Err() != nil || unset.Source() != (SecretSource{}) {
		t.Errorf("zero secret is not unset")
	}
}

func dropTime(_ []string, a slog.Attr) slog.Attr {
	if a.Key == slog.TimeKey {
		return slog.Attr{}
	}
	return a
}

func TestSecretEqualAndFingerprint(t *testing.T) {
	a, b, c := NewSecret("one"), NewSecret("one"), NewSecret("two")
	if !a.Equal(b) || a.Equal(c) || !(Secret{}).Equal(Secret{}) || a.Equal(Secret{}) {
		t.Error("Equal compares values")
	}
	if diff := cmp.Diff(struct{ S Secret }{a}, struct{ S Secret }{b}); diff != "" {
		t.Errorf("cmp uses Equal: %s", diff)
	}
	if a.Fingerprint() != b.Fingerprint() || a.Fingerprint() == c.Fingerprint() || len(a.Fingerprint()) != 16 {
		t.Errorf("fingerprints: %q %q %q", a.Fingerprint(), b.Fingerprint(), c.Fingerprint())
	}
	if (Secret{}).Fingerprint() != "" {
		t.Error("an unset secret has no fingerprint")
	}
}

func TestSecretOmitzero(t *testing.T) {
	type T struct {
		Key Secret `json:"key,omitzero"`
	}
	for _, tt := range []struct {
		in   T
		want string
	}{
		{T{}, `{}`},
		{T{NewSecret("v")}, `{"key":"\u003credacted\u003e"}`},
	} {
		got, err := json.Marshal(tt.in)
		if err != nil || string(got) != tt.want {
			t.Errorf("got %s %v, want %s", got, err, tt.want)
		}
	}
}

func TestKVRef(t *testing.T) {
	tests := []struct {
		ref, path         string
		wantVault, wantNm string
		wantErr           bool
	}{
		{"", "TIProviders.OTX.Args.AuthKey", "", "TIProviders-OTX-Args-AuthKey", false},
		{"default", "TIProviders.OTX.Args.AuthKey", "", "TIProviders-OTX-Args-AuthKey", false},
		{"otx_key", "x", "", "otx-key", false},
		{"myvault/otx.key", "x", "myvault", "otx-key", false},
		{"https://kv.vault.azure.net/secrets/otx/abc123", "x", "https://kv.vault.azure.net", "otx", false},
		{"https://kv.vault.azure.net/", "x", "", "", true},
		{"/name", "x", "", "", true},
		{"providers.virustotal.api_key", "x", "", "providers-virustotal-api-key", false},
	}
	for _, tt := range tests {
		v, n, err := kvRef(tt.ref, tt.path)
		if v != tt.wantVault || n != tt.wantNm || (err != nil) != tt.wantErr {
			t.Errorf("kvRef(%q, %q) = %q, %q, %v; want %q, %q, err %v", tt.ref, tt.path, v, n, err, tt.wantVault, tt.wantNm, tt.wantErr)
		}
	}
}
