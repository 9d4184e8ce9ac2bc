package config

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
)

const fixture = "testdata/msticpyconfig.yaml"

// envOf returns a Getenv over m.
func envOf(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// writeFile writes content to dir/name (creating directories) and returns
// the path.
func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// loadTriage loads content as triage.yaml (and no msticpyconfig.yaml) with
// env.
func loadTriage(t *testing.T, content string, env map[string]string) (*Config, string, error) {
	t.Helper()
	p := writeFile(t, t.TempDir(), "triage.yaml", content)
	c, err := Load(LoadOptions{ConfigPath: p, Getenv: envOf(env), HomeDir: "/home/analyst"})
	return c, p, err
}

// mustLoadTriage is loadTriage that fails the test on an error.
func mustLoadTriage(t *testing.T, content string, env map[string]string) (*Config, string) {
	t.Helper()
	c, p, err := loadTriage(t, content, env)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return c, p
}

// secretOf builds the Secret Load makes, for comparisons.
func secretOf(value string, src SecretSource, err error) Secret {
	return newSecret(value, src, err)
}

// fakeStore is a SecretStore over a map keyed "vaultURL|name"; it counts
// calls.
type fakeStore struct {
	mu      sync.Mutex
	secrets map[string]string
	fail    map[string]error
	calls   map[string]int
}

func (f *fakeStore) GetSecret(ctx context.Context, vaultURL, name string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	k := vaultURL + "|" + name
	if f.calls == nil {
		f.calls = map[string]int{}
	}
	f.calls[k]++
	if err := f.fail[k]; err != nil {
		return "", err
	}
	v, ok := f.secrets[k]
	if !ok {
		return "", errors.New("SecretNotFound")
	}
	return v, nil
}

// findingsOf returns the findings about subject as "level: message".
func findingsOf(fs []Finding, subject string) []string {
	var out []string
	for _, f := range fs {
		if f.Subject == subject {
			out = append(out, string(f.Level)+": "+f.Message)
		}
	}
	return out
}

// errorLines returns each *Error in err as "line key: message" (the file
// left out), sorted.
func errorLines(err error) []string {
	var out []string
	var walk func(error)
	walk = func(err error) {
		if j, ok := err.(interface{ Unwrap() []error }); ok {
			for _, e := range j.Unwrap() {
				walk(e)
			}
			return
		}
		var fe *Error
		if errors.As(err, &fe) {
			out = append(out, strings.TrimSpace(strings.Join([]string{itoa(fe.Line), fe.Key + ":", fe.Err.Error()}, " ")))
			return
		}
		out = append(out, err.Error())
	}
	walk(err)
	sort.Strings(out)
	return out
}

// itoa pads line numbers to three digits so that they sort.
func itoa(i int) string { return fmt.Sprintf("%03d", i) }
