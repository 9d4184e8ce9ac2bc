package cache_test

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/triage-dev/triage/internal/intel"
	"github.com/triage-dev/triage/internal/intel/cache"
	"github.com/triage-dev/triage/internal/ioc"
)

var t0 = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

// open opens a store at path (":memory:" or a file), closed when the test
// ends, with its clock at t0.
func open(t testing.TB, path string) *cache.Store {
	t.Helper()
	s, err := cache.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
	s.SetClock(func() time.Time { return t0 })
	return s
}

func tempPath(t testing.TB) string {
	t.Helper()
	return filepath.Join(t.TempDir(), "intel.db")
}

var key = intel.CacheKey{Provider: "virustotal", Fingerprint: "fp1", Type: string(ioc.IPv4), Value: "198.51.100.7"}

func result(k intel.CacheKey, summary string) intel.Result {
	return intel.Result{
		Indicator: k.Value,
		Type:      ioc.Kind(k.Type),
		Provider:  k.Provider,
		Status:    intel.StatusOK,
		Severity:  intel.SeverityWarning,
		Summary:   summary,
	}
}

func put(t testing.TB, s *cache.Store, k intel.CacheKey, r intel.Result, expires time.Time) {
	t.Helper()
	if err := s.Put(context.Background(), k, r, expires); err != nil {
		t.Fatal(err)
	}
}

func get(t testing.TB, s *cache.Store, k intel.CacheKey, now time.Time) (intel.Result, bool) {
	t.Helper()
	r, ok, err := s.Get(context.Background(), k, now)
	if err != nil {
		t.Fatal(err)
	}
	return r, ok
}

func TestRoundTrip(t *testing.T) {
	for _, path := range []string{":memory:", "file"} {
		t.Run(path, func(t *testing.T) {
			if path == "file" {
				path = tempPath(t)
			}
			s := open(t, path)
			in := intel.Result{
				Indicator: key.Value,
				Type:      ioc.IPv4,
				Provider:  key.Provider,
				Status:    intel.StatusOK,
				Reason:    "",
				Severity:  intel.SeverityHigh,
				Summary:   "12/94 engines: malicious",
				Details: map[string]any{
					"malicious": 12.0,
					"tags":      []any{"botnet", "scanner"},
					"asn":       map[string]any{"number": 64500.0, "owner": "Example <Net> & Co"},
					"seen":      nil,
					"reputable": false,
				},
				Link: "https://www.virustotal.com/gui/ip-address/198.51.100.7",
				// Whitespace, key order and HTML characters are kept as given.
				Raw:       json.RawMessage("{\n  \"data\": {\"id\": \"198.51.100.7\", \"b\": 1, \"a\": \"<&>\"}\n}\n"),
				FromCache: false,
				FetchedAt: t0.Add(-time.Minute),
			}
			put(t, s, key, in, t0.Add(time.Hour))
			got, ok := get(t, s, key, t0)
			if !ok {
				t.Fatal("stored answer not found")
			}
			want := in
			want.FromCache = true
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("round trip (-want +got):\n%s", diff)
			}
			if string(got.Raw) != string(in.Raw) {
				t.Errorf("Raw = %q, want %q", got.Raw, in.Raw)
			}

			// A Result with FromCache already set stores the same way, and
			// a failure (no verdict, no Raw) round-trips too.
			fail := intel.Result{Indicator: key.Value, Type: ioc.IPv4, Provider: key.Provider,
				Status: intel.StatusNotFound, Reason: "never seen", Severity: intel.SeverityUnknown, FromCache: true}
			k2 := key
			k2.Value = "203.0.113.9"
			put(t, s, k2, fail, t0.Add(time.Hour))
			got, ok = get(t, s, k2, t0)
			if !ok {
				t.Fatal("negative answer not found")
			}
			if diff := cmp.Diff(fail, got); diff != "" {
				t.Errorf("negative round trip (-want +got):\n%s", diff)
			}

			if got, ok := get(t, s, intel.CacheKey{Provider: "virustotal"}, t0); ok {
				t.Errorf("empty key found %+v", got)
			}
		})
	}
}

func TestRawLimit(t *testing.T) {
	s := open(t, ":memory:")
	raw := func(n int) json.RawMessage {
		return json.RawMessage(`"` + strings.Repeat("x", n-2) + `"`)
	}
	for _, tc := range []struct {
		name string
		raw  json.RawMessage
		want json.RawMessage
	}{
		{"at the limit", raw(cache.MaxRaw), raw(cache.MaxRaw)},
		{"over the limit", raw(cache.MaxRaw + 1), nil},
		{"not JSON", json.RawMessage("<html>busy</html>"), json.RawMessage("<html>busy</html>")},
		{"empty", json.RawMessage{}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k := key
			k.Value = tc.name
			r := result(k, "s")
			r.Raw = tc.raw
			put(t, s, k, r, t0.Add(time.Hour))
			got, ok := get(t, s, k, t0)
			if !ok {
				t.Fatal("not found")
			}
			if string(got.Raw) != string(tc.want) || (got.Raw == nil) != (tc.want == nil) {
				t.Errorf("Raw of %d bytes, want %d", len(got.Raw), len(tc.want))
			}
			if got.Summary != "s" {
				t.Errorf("Summary = %q: the rest of the answer was not kept", got.Summary)
			}
		})
	}
}

func TestExpiry(t *testing.T) {
	s := open(t, ":memory:")
	expires := t0.Add(time.Hour)
	put(t, s, key, result(key, "first"), expires)
	for _, tc := range []struct {
		now  time.Time
		want bool
	}{
		{time.Time{}, true},
		{t0, true},
		{expires.Add(-time.Nanosecond), true},
		{expires, false},
		{expires.Add(time.Nanosecond), false},
		{expires.Add(24 * time.Hour), false},
		// The same instant in another zone.
		{expires.In(time.FixedZone("UTC+2", 2*3600)).Add(-time.Nanosecond), true},
	} {
		if _, ok := get(t, s, key, tc.now); ok != tc.want {
			t.Errorf("Get at %v (expiry %v) found %v, want %v", tc.now, expires, ok, tc.want)
		}
	}

	// Putting again replaces the answer and its expiry.
	put(t, s, key, result(key, "second"), expires.Add(time.Hour))
	if r, ok := get(t, s, key, expires); !ok || r.Summary != "second" {
		t.Errorf("after a second Put: found %v, summary %q", ok, r.Summary)
	}
	put(t, s, key, result(key, "third"), t0)
	if _, ok := get(t, s, key, t0); ok {
		t.Error("a Put with a past expiry left the older answer readable")
	}

	// The zero time is before everything, and times are kept to the
	// nanosecond up to 2262, later ones all the same.
	k := key
	k.Value = "zero"
	put(t, s, k, result(k, "zero"), time.Time{})
	if _, ok := get(t, s, k, time.Time{}); ok {
		t.Error("an answer expiring at the zero time was found")
	}
	k.Value = "far"
	far := time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
	put(t, s, k, result(k, "far"), far)
	if _, ok := get(t, s, k, time.Date(2262, 1, 1, 0, 0, 0, 0, time.UTC)); !ok {
		t.Error("an answer expiring in 9999 was not found in 2262")
	}
}

// count returns the number of rows in a table of the cache file at path.
func count(t *testing.T, path, table string) int {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow("SELECT count(*) FROM " + table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestExpiredAnswersAreDeleted(t *testing.T) {
	path := tempPath(t)
	s, err := cache.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	s.SetClock(func() time.Time { return t0 })
	// Answers expiring 1 to 10 hours after t0, and one already expired.
	for i := range 11 {
		k := key
		k.Value = fmt.Sprint(i)
		put(t, s, k, result(k, "s"), t0.Add(time.Duration(i)*time.Hour))
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	// The first Put deleted its own answer, expired at once; the others
	// were not yet due for a sweep.
	if n := count(t, path, "results"); n != 10 {
		t.Fatalf("%d rows, want 10", n)
	}

	// A new run, 5½ hours later: its first Put deletes answers 1 to 5.
	s = open(t, path)
	s.SetClock(func() time.Time { return t0.Add(5*time.Hour + 30*time.Minute) })
	k := key
	k.Value = "new"
	put(t, s, k, result(k, "s"), t0.Add(48*time.Hour))
	if n := count(t, path, "results"); n != 6 {
		t.Errorf("%d rows after the sweep, want 6 (answers 6 to 10 and the new one)", n)
	}
}

func TestKeyIsolation(t *testing.T) {
	s := open(t, ":memory:")
	vary := map[string]func(*intel.CacheKey){
		"base":               func(*intel.CacheKey) {},
		"provider":           func(k *intel.CacheKey) { k.Provider = "otx" },
		"provider case":      func(k *intel.CacheKey) { k.Provider = "VirusTotal" },
		"fingerprint":        func(k *intel.CacheKey) { k.Fingerprint = "fp2" },
		"empty fingerprint":  func(k *intel.CacheKey) { k.Fingerprint = "" },
		"type":               func(k *intel.CacheKey) { k.Type = string(ioc.Domain) },
		"value":              func(k *intel.CacheKey) { k.Value = "198.51.100.8" },
		"value prefix":       func(k *intel.CacheKey) { k.Value = "198.51.100." },
		"trailing space":     func(k *intel.CacheKey) { k.Value += " " },
		"value case":         func(k *intel.CacheKey) { k.Type, k.Value = string(ioc.Domain), "Example.com" },
		"value lower":        func(k *intel.CacheKey) { k.Type, k.Value = string(ioc.Domain), "example.com" },
		"fields shifted":     func(k *intel.CacheKey) { k.Fingerprint, k.Type = k.Fingerprint+k.Type, "" },
		"fields shifted too": func(k *intel.CacheKey) { k.Fingerprint, k.Type = "", k.Fingerprint+k.Type },
	}
	keys := make(map[string]intel.CacheKey)
	for name, f := range vary {
		k := key
		f(&k)
		keys[name] = k
		put(t, s, k, result(k, name), t0.Add(time.Hour))
	}
	for name, k := range keys {
		r, ok := get(t, s, k, t0)
		if !ok || r.Summary != name {
			t.Errorf("%s: found %v with summary %q", name, ok, r.Summary)
		}
	}
	st, err := s.Stats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, p := range st {
		total += p.Entries
	}
	if total != len(vary) {
		t.Errorf("%d entries, want %d", total, len(vary))
	}
}

// hostile are values an attacker can put in an incident.
var hostile = []string{
	`'`,
	`''; DROP TABLE results; --`,
	`x' OR '1'='1`,
	`"); DELETE FROM requests; --`,
	`%`,
	`_`,
	`\`,
	`?`,
	`$1`,
	`ｅｘａｍｐｌｅ.com`,
	"\u202egnp.exe",
	"🙂.example",
	"line\nbreak\ttab\r",
	"\xff\xfe not UTF-8",
	strings.Repeat("ä'\"😈\\%_;--", 100_000/18+1),
}

func TestHostileValues(t *testing.T) {
	s := open(t, tempPath(t))
	ctx := context.Background()
	plain := key
	put(t, s, plain, result(plain, "plain"), t0.Add(time.Hour))
	for i, v := range hostile {
		keys := []intel.CacheKey{
			{Provider: key.Provider, Fingerprint: key.Fingerprint, Type: key.Type, Value: v},
			{Provider: v, Fingerprint: key.Fingerprint, Type: key.Type, Value: key.Value},
			{Provider: key.Provider, Fingerprint: v, Type: key.Type, Value: key.Value},
			{Provider: key.Provider, Fingerprint: key.Fingerprint, Type: v, Value: key.Value},
		}
		for j, k := range keys {
			in := result(k, v)
			in.Reason = v
			in.Details = map[string]any{v: v}
			put(t, s, k, in, t0.Add(time.Hour))
			got, ok := get(t, s, k, t0)
			if !ok {
				t.Errorf("value %d (%.20q…), field %d: not found", i, v, j)
				continue
			}
			in.FromCache = true
			if diff := cmp.Diff(in, got); diff != "" && !strings.HasPrefix(v, "\xff") {
				t.Errorf("value %d (%.20q…), field %d (-want +got):\n%.2000s", i, v, j, diff)
			}
		}
		if err := s.Record(ctx, v, t0); err != nil {
			t.Fatal(err)
		}
		times, err := s.Since(ctx, v, t0)
		if err != nil {
			t.Fatal(err)
		}
		if len(times) != 1 {
			t.Errorf("value %d (%.20q…): %d requests, want 1", i, v, len(times))
		}
		if n, err := s.Clear(ctx, v+"x"); err != nil || n != 0 {
			t.Errorf("Clear of an unknown hostile provider: %d, %v", n, err)
		}
	}
	if r, ok := get(t, s, plain, t0); !ok || r.Summary != "plain" {
		t.Errorf("plain key: found %v, summary %q", ok, r.Summary)
	}
	st, err := s.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// virustotal holds the plain key and three keys per value; each value
	// is also a provider with one answer and one request.
	if got := st[key.Provider].Entries; got != 1+3*len(hostile) {
		t.Errorf("virustotal has %d entries, want %d", got, 1+3*len(hostile))
	}
	for _, v := range hostile {
		if p := st[v]; p.Entries != 1 || p.Requests24h != 1 {
			t.Errorf("provider %.20q…: %+v", v, p)
		}
	}
}

func TestConcurrentUse(t *testing.T) {
	for _, path := range []string{":memory:", "file"} {
		t.Run(path, func(t *testing.T) {
			if path == "file" {
				path = tempPath(t)
			}
			s := open(t, path)
			ctx := context.Background()
			const workers, ops = 16, 30
			var wg sync.WaitGroup
			errs := make(chan error, workers)
			for w := range workers {
				wg.Go(func() {
					provider := fmt.Sprintf("p%d", w%4)
					for i := range ops {
						// Workers share keys, so Puts race on the same rows.
						k := intel.CacheKey{Provider: provider, Fingerprint: "fp", Type: "ipv4", Value: fmt.Sprint(i % 10)}
						if err := s.Put(ctx, k, result(k, "s"), t0.Add(time.Hour)); err != nil {
							errs <- err
							return
						}
						r, ok, err := s.Get(ctx, k, t0)
						if err != nil || !ok || r.Indicator != k.Value {
							errs <- fmt.Errorf("get after put: %v %v %q", ok, err, r.Indicator)
							return
						}
						at := t0.Add(time.Duration(i) * time.Second)
						if err := s.Record(ctx, provider, at); err != nil {
							errs <- err
							return
						}
						if times, err := s.Since(ctx, provider, at); err != nil || len(times) == 0 {
							errs <- fmt.Errorf("since after record: %v %v", times, err)
							return
						}
					}
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
			st, err := s.Stats(ctx)
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]ProviderCounts{}
			for p := range 4 {
				want[fmt.Sprintf("p%d", p)] = ProviderCounts{Entries: 10, Requests: workers / 4 * ops}
			}
			if diff := cmp.Diff(want, counts(st)); diff != "" {
				t.Errorf("stats (-want +got):\n%s", diff)
			}
		})
	}
}

// ProviderCounts is the part of cache.ProviderStats the concurrency tests
// can predict.
type ProviderCounts struct{ Entries, Requests int }

func counts(st map[string]cache.ProviderStats) map[string]ProviderCounts {
	m := make(map[string]ProviderCounts)
	for p, s := range st {
		m[p] = ProviderCounts{Entries: s.Entries, Requests: s.Requests24h}
	}
	return m
}

func TestTwoStoresShareAFile(t *testing.T) {
	path := tempPath(t)
	a, b := open(t, path), open(t, path)
	ctx := context.Background()

	put(t, a, key, result(key, "from a"), t0.Add(time.Hour))
	if r, ok := get(t, b, key, t0); !ok || r.Summary != "from a" {
		t.Errorf("b sees %v, %q", ok, r.Summary)
	}
	if err := b.Record(ctx, "virustotal", t0); err != nil {
		t.Fatal(err)
	}
	if times, err := a.Since(ctx, "virustotal", t0); err != nil || len(times) != 1 {
		t.Errorf("a sees %v, %v", times, err)
	}
	if _, err := b.Clear(ctx, ""); err != nil {
		t.Fatal(err)
	}
	if _, ok := get(t, a, key, t0); ok {
		t.Error("a still sees what b cleared")
	}

	// Both write at once, on the same keys.
	const workers, ops = 8, 40
	var wg sync.WaitGroup
	errs := make(chan error, 2*workers)
	for _, s := range []*cache.Store{a, b} {
		for w := range workers {
			wg.Go(func() {
				for i := range ops {
					k := intel.CacheKey{Provider: "shared", Fingerprint: "fp", Type: "ipv4", Value: fmt.Sprint(w*ops + i)}
					if err := s.Put(ctx, k, result(k, "s"), t0.Add(time.Hour)); err != nil {
						errs <- err
						return
					}
					if err := s.Record(ctx, "shared", t0); err != nil {
						errs <- err
						return
					}
				}
			})
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	want := map[string]ProviderCounts{
		"shared":     {Entries: workers * ops, Requests: 2 * workers * ops},
		"virustotal": {Requests: 1},
	}
	for _, s := range []*cache.Store{a, b} {
		st, err := s.Stats(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, counts(st)); diff != "" {
			t.Errorf("stats (-want +got):\n%s", diff)
		}
	}
}

// childEnv names the cache file a child process of TestTwoProcesses writes.
const childEnv = "TRIAGE_CACHE_TEST_CHILD"

const childOps = 150

// TestMain runs the child's part when the test binary is started by
// TestTwoProcesses.
func TestMain(m *testing.M) {
	if path := os.Getenv(childEnv); path != "" {
		if err := child(path); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// processWrites puts and records childOps times, from 4 goroutines, under
// provider name.
func processWrites(s *cache.Store, name string) error {
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for w := range 4 {
		wg.Go(func() {
			for i := w; i < childOps; i += 4 {
				k := intel.CacheKey{Provider: name, Fingerprint: "fp", Type: "ipv4", Value: fmt.Sprint(i)}
				if err := s.Put(ctx, k, result(k, "s"), t0.Add(time.Hour)); err != nil {
					errs <- err
					return
				}
				if err := s.Record(ctx, name, t0); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	return errors.Join(slicesOf(errs)...)
}

func slicesOf(c chan error) []error {
	var out []error
	for err := range c {
		out = append(out, err)
	}
	return out
}

// child opens the cache at path, says "ready" on stdout, waits for a line
// on stdin and then writes, so that parent and child write at once.
func child(path string) error {
	s, err := cache.Open(context.Background(), path)
	if err != nil {
		return err
	}
	s.SetClock(func() time.Time { return t0 })
	fmt.Println("ready")
	if _, err := bufio.NewReader(os.Stdin).ReadString('\n'); err != nil {
		return errors.Join(err, s.Close())
	}
	err = processWrites(s, "child")
	return errors.Join(err, s.Close())
}

func TestTwoProcesses(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Skip("no test executable:", err)
	}
	path := tempPath(t)
	s := open(t, path)
	cmd := exec.Command(exe, "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+path)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if line, err := bufio.NewReader(stdout).ReadString('\n'); line != "ready\n" {
		cmd.Wait()
		t.Fatalf("child said %q, %v\n%s", line, err, &stderr)
	}
	if _, err := io.WriteString(stdin, "go\n"); err != nil {
		t.Fatal(err)
	}
	werr := processWrites(s, "parent")
	if err := cmd.Wait(); err != nil {
		t.Errorf("child: %v\n%s", err, &stderr)
	}
	if werr != nil {
		t.Error(werr)
	}
	st, err := s.Stats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]ProviderCounts{
		"child":  {Entries: childOps, Requests: childOps},
		"parent": {Entries: childOps, Requests: childOps},
	}
	if diff := cmp.Diff(want, counts(st)); diff != "" {
		t.Errorf("stats (-want +got):\n%s", diff)
	}
}

func TestRequestLog(t *testing.T) {
	s := open(t, ":memory:")
	ctx := context.Background()
	times := []time.Time{t0.Add(3 * time.Second), t0, t0.Add(time.Second), t0, t0.Add(-time.Hour)}
	for _, at := range times {
		if err := s.Record(ctx, "otx", at); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Record(ctx, "greynoise", t0.Add(2*time.Second)); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		since time.Time
		want  []time.Time
	}{
		{time.Time{}, []time.Time{t0.Add(-time.Hour), t0, t0, t0.Add(time.Second), t0.Add(3 * time.Second)}},
		{t0, []time.Time{t0, t0, t0.Add(time.Second), t0.Add(3 * time.Second)}},
		{t0.Add(time.Nanosecond), []time.Time{t0.Add(time.Second), t0.Add(3 * time.Second)}},
		{t0.Add(3 * time.Second), []time.Time{t0.Add(3 * time.Second)}},
		{t0.Add(3*time.Second + 1), nil},
	} {
		got, err := s.Since(ctx, "otx", tc.since)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("Since(%v) (-want +got):\n%s", tc.since, diff)
		}
		for _, g := range got {
			if g.Location() != time.UTC {
				t.Errorf("Since returned %v, not in UTC", g)
			}
		}
	}
	if got, err := s.Since(ctx, "unknown", time.Time{}); err != nil || got != nil {
		t.Errorf("Since for an unknown provider: %v, %v", got, err)
	}
}

func TestRequestPruning(t *testing.T) {
	path := tempPath(t)
	ctx := context.Background()
	now := t0
	record := func(s *cache.Store, provider string, ages ...time.Duration) {
		t.Helper()
		for _, age := range ages {
			if err := s.Record(ctx, provider, now.Add(-age)); err != nil {
				t.Fatal(err)
			}
		}
	}
	s, err := cache.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	s.SetClock(func() time.Time { return now })
	day := 24 * time.Hour
	// The first Record prunes before 31 days before now (nothing yet).
	record(s, "a", 0, 40*day, 31*day+time.Second, 31*day, 30*day)
	record(s, "b", 50*day)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if n := count(t, path, "requests"); n != 6 {
		t.Fatalf("%d requests, want 6", n)
	}

	// The next run's first Record forgets the requests older than 31 days,
	// of every provider.
	s = open(t, path)
	s.SetClock(func() time.Time { return now })
	record(s, "c", 0)
	got, err := s.Since(ctx, "a", time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	want := []time.Time{now.Add(-31 * day), now.Add(-30 * day), now}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("requests kept (-want +got):\n%s", diff)
	}
	if n := count(t, path, "requests"); n != 4 {
		t.Errorf("%d requests, want 4", n)
	}

	// A Record with an older time than the clock prunes relative to it:
	// requests a caller with a slow clock still counts are kept.
	s = open(t, path)
	s.SetClock(func() time.Time { return now.Add(365 * day) })
	record(s, "c", 0)
	if n := count(t, path, "requests"); n != 5 {
		t.Errorf("%d requests after a Record at an old time, want 5", n)
	}
}

func TestStatsAndClear(t *testing.T) {
	s := open(t, ":memory:")
	ctx := context.Background()
	now := t0
	s.SetClock(func() time.Time { return now })
	at := func(d time.Duration) { now = t0.Add(d) }

	putStatus := func(provider, value string, st intel.Status, ttl time.Duration) {
		t.Helper()
		k := intel.CacheKey{Provider: provider, Fingerprint: "fp", Type: "ipv4", Value: value}
		r := result(k, "s")
		r.Status = st
		put(t, s, k, r, now.Add(ttl))
	}
	at(-3 * time.Hour)
	putStatus("vt", "1", intel.StatusOK, 24*time.Hour)
	putStatus("vt", "expired", intel.StatusOK, time.Hour)
	at(-2 * time.Hour)
	putStatus("vt", "2", intel.StatusNotFound, 24*time.Hour)
	at(-time.Hour)
	putStatus("vt", "3", intel.StatusError, 24*time.Hour)
	putStatus("otx", "1", intel.StatusOK, 24*time.Hour)
	at(0)

	for _, d := range []time.Duration{time.Hour, 23 * time.Hour, 25 * time.Hour, 29 * 24 * time.Hour, 30*24*time.Hour + time.Second} {
		if err := s.Record(ctx, "vt", now.Add(-d)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Record(ctx, "abuseipdb", now); err != nil {
		t.Fatal(err)
	}

	got, err := s.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]cache.ProviderStats{
		"vt": {Entries: 3, Negative: 2, Oldest: t0.Add(-3 * time.Hour), Newest: t0.Add(-time.Hour),
			Requests24h: 2, Requests30d: 4},
		"otx":       {Entries: 1, Oldest: t0.Add(-time.Hour), Newest: t0.Add(-time.Hour)},
		"abuseipdb": {Requests24h: 1, Requests30d: 1},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("stats (-want +got):\n%s", diff)
	}

	if n, err := s.Clear(ctx, "vt"); err != nil || n != 3 {
		t.Errorf("Clear(vt) = %d, %v; want 3", n, err)
	}
	if n, err := s.Clear(ctx, "vt"); err != nil || n != 0 {
		t.Errorf("second Clear(vt) = %d, %v; want 0", n, err)
	}
	got, err = s.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// The request log stays.
	want["vt"] = cache.ProviderStats{Requests24h: 2, Requests30d: 4}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("stats after Clear(vt) (-want +got):\n%s", diff)
	}

	putStatus("vt", "4", intel.StatusOK, time.Hour)
	if n, err := s.Clear(ctx, ""); err != nil || n != 2 {
		t.Errorf(`Clear("") = %d, %v; want 2`, n, err)
	}
	got, err = s.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want = map[string]cache.ProviderStats{
		"vt":        {Requests24h: 2, Requests30d: 4},
		"abuseipdb": {Requests24h: 1, Requests30d: 1},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf(`stats after Clear("") (-want +got):\n%s`, diff)
	}
}

func TestOpenErrors(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()

	garbage := filepath.Join(dir, "garbage.db")
	if err := os.WriteFile(garbage, []byte(strings.Repeat("this is not a database\n", 400)), 0o600); err != nil {
		t.Fatal(err)
	}

	// A real cache file with its pages after the first overwritten.
	damaged := filepath.Join(dir, "damaged.db")
	s := open(t, damaged)
	for i := range 200 {
		k := key
		k.Value = fmt.Sprint(i)
		put(t, s, k, result(k, strings.Repeat("s", 500)), t0.Add(time.Hour))
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(damaged)
	if err != nil {
		t.Fatal(err)
	}
	for i := 4096; i < len(b); i++ {
		b[i] = 0xA5
	}
	if err := os.WriteFile(damaged, b, 0o600); err != nil {
		t.Fatal(err)
	}

	newer := filepath.Join(dir, "newer.db")
	foreign := filepath.Join(dir, "foreign.db")
	for path, stmt := range map[string]string{
		newer:   "PRAGMA user_version = 2",
		foreign: "CREATE TABLE SigninLogs (TimeGenerated TEXT)",
	} {
		db, err := sql.Open("sqlite", path)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(stmt); err != nil {
			t.Fatal(err)
		}
		db.Close()
	}
	notDir := filepath.Join(dir, "file")
	if err := os.WriteFile(notDir, nil, 0o600); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name, path string
		want       []string
		is         error
	}{
		{"garbage", garbage, []string{garbage, "not a usable SQLite file", "remove it"}, nil},
		{"damaged", damaged, []string{damaged}, nil},
		{"newer", newer, []string{newer, "schema version 2", "newer version"}, cache.ErrNewerSchema},
		{"foreign", foreign, []string{foreign, "not an intel cache", "SigninLogs"}, nil},
		{"question mark", filepath.Join(dir, "a?b.db"), []string{"must not contain ?"}, nil},
		{"empty", "", []string{"empty path"}, nil},
		{"directory", dir, []string{dir}, nil},
		{"under a file", filepath.Join(notDir, "x.db"), []string{notDir}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := cache.Open(ctx, tc.path)
			if err == nil {
				// A damaged file may open; then its first read fails.
				_, _, err = s.Get(ctx, intel.CacheKey{Provider: "virustotal", Fingerprint: "fp1", Type: "ipv4", Value: "7"}, t0)
				if err == nil {
					_, err = s.Stats(ctx)
				}
				s.Close()
				if err == nil {
					t.Fatal("no error")
				}
				if tc.name != "damaged" {
					t.Fatalf("Open succeeded, and then: %v", err)
				}
				tc.want = append(tc.want, "not a usable SQLite file")
			}
			t.Log(err)
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("error %q is not %v", err, tc.is)
			}
		})
	}
	// The foreign database was not written to.
	if n := count(t, foreign, "sqlite_schema"); n != 1 {
		t.Errorf("foreign file has %d schema rows, want 1", n)
	}
}

func TestFileModes(t *testing.T) {
	base := t.TempDir()
	dir := filepath.Join(base, "a", "b")
	path := filepath.Join(dir, "intel.db")
	s := open(t, path)
	put(t, s, key, result(key, "s"), t0.Add(time.Hour))
	if s.Path() != path {
		t.Errorf("Path() = %q, want %q", s.Path(), path)
	}
	for _, f := range []struct {
		path string
		perm os.FileMode
	}{
		{filepath.Join(base, "a"), 0o700},
		{dir, 0o700},
		{path, 0o600},
		{path + "-wal", 0o600},
		{path + "-shm", 0o600},
	} {
		fi, err := os.Stat(f.path)
		if err != nil {
			t.Error(err)
			continue
		}
		// The umask can only take permissions away.
		if got := fi.Mode().Perm(); got&^f.perm != 0 {
			t.Errorf("%s has mode %v, want at most %v", f.path, got, f.perm)
		}
	}

	// A relative path is made absolute.
	t.Chdir(dir)
	r := open(t, "rel.db")
	if want := filepath.Join(dir, "rel.db"); r.Path() != want {
		t.Errorf("Path() = %q, want %q", r.Path(), want)
	}
}

func TestMemoryStoresArePrivate(t *testing.T) {
	a, b := open(t, ":memory:"), open(t, ":memory:")
	put(t, a, key, result(key, "s"), t0.Add(time.Hour))
	if _, ok := get(t, b, key, t0); ok {
		t.Error("one in-memory store sees another's answer")
	}
}

func TestUnstorableResult(t *testing.T) {
	s := open(t, ":memory:")
	r := result(key, "s")
	r.Details = map[string]any{"score": math.NaN()}
	if err := s.Put(context.Background(), key, r, t0.Add(time.Hour)); err == nil {
		t.Error("Put of a result JSON cannot hold succeeded")
	}
	if _, ok := get(t, s, key, t0); ok {
		t.Error("an unstorable result was stored")
	}
}

func TestCancelledContext(t *testing.T) {
	s := open(t, tempPath(t))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.Put(ctx, key, result(key, "s"), t0.Add(time.Hour)); err == nil {
		t.Error("Put with a cancelled context succeeded")
	}
	if _, _, err := s.Get(ctx, key, t0); err == nil {
		t.Error("Get with a cancelled context succeeded")
	}
	if err := s.Record(ctx, "vt", t0); err == nil {
		t.Error("Record with a cancelled context succeeded")
	}
}
