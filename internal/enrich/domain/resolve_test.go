package domain

import (
	"context"
	"errors"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/triage-dev/triage/internal/enrich"
)

// fakeDNS answers from its fields and records every question. A nil func
// answers "no such host", as for a name with no such records.
type fakeDNS struct {
	host  func(ctx context.Context, name string) ([]string, error)
	cname func(ctx context.Context, name string) (string, error)
	mx    func(ctx context.Context, name string) ([]*net.MX, error)
	ns    func(ctx context.Context, name string) ([]*net.NS, error)

	mu    sync.Mutex
	asked []string // "MX example.com"
}

func (f *fakeDNS) record(q, name string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.asked = append(f.asked, q+" "+name)
}

func (f *fakeDNS) questions() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	q := slices.Clone(f.asked)
	slices.Sort(q)
	return q
}

func notFound(name string) error {
	return &net.DNSError{Err: "no such host", Name: name, IsNotFound: true}
}

func (f *fakeDNS) LookupHost(ctx context.Context, name string) ([]string, error) {
	f.record("HOST", name)
	if f.host == nil {
		return nil, notFound(name)
	}
	return f.host(ctx, name)
}

func (f *fakeDNS) LookupCNAME(ctx context.Context, name string) (string, error) {
	f.record("CNAME", name)
	if f.cname == nil {
		return "", notFound(name)
	}
	return f.cname(ctx, name)
}

func (f *fakeDNS) LookupMX(ctx context.Context, name string) ([]*net.MX, error) {
	f.record("MX", name)
	if f.mx == nil {
		return nil, notFound(name)
	}
	return f.mx(ctx, name)
}

func (f *fakeDNS) LookupNS(ctx context.Context, name string) ([]*net.NS, error) {
	f.record("NS", name)
	if f.ns == nil {
		return nil, notFound(name)
	}
	return f.ns(ctx, name)
}

// answering returns a fake with a full set of answers for any name.
func answering() *fakeDNS {
	return &fakeDNS{
		host: func(context.Context, string) ([]string, error) {
			return []string{"2606:2800:21f:cb07:6820:80da:af6b:8b2c", "93.184.215.14", "::ffff:93.184.215.15", "93.184.215.14", "not-an-ip"}, nil
		},
		cname: func(context.Context, string) (string, error) {
			return "Login.MSO.MSIdentity.com.", nil
		},
		mx: func(context.Context, string) ([]*net.MX, error) {
			return []*net.MX{{Host: "mx2.example.com.", Pref: 20}, {Host: "MX1.example.com.", Pref: 10}, {Host: "mx0.example.com.", Pref: 20}, nil}, nil
		},
		ns: func(context.Context, string) ([]*net.NS, error) {
			return []*net.NS{{Host: "b.iana-servers.net."}, {Host: "a.iana-servers.net."}, {Host: "a.iana-servers.net."}}, nil
		},
	}
}

func TestResolve(t *testing.T) {
	dns := answering()
	got, err := Resolver{Lookup: dns}.Resolve(context.Background(), "login.microsoftonline[.]com")
	if err != nil {
		t.Fatal(err)
	}
	want := enrich.DNSAnswers{
		A:     []string{"93.184.215.14", "93.184.215.15"},
		AAAA:  []string{"2606:2800:21f:cb07:6820:80da:af6b:8b2c"},
		CNAME: []string{"login.mso.msidentity.com"},
		MX:    []string{"mx1.example.com", "mx0.example.com", "mx2.example.com"},
		NS:    []string{"a.iana-servers.net", "b.iana-servers.net"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Resolve mismatch (-want +got):\n%s", diff)
	}
	wantAsked := []string{"CNAME login.microsoftonline.com", "HOST login.microsoftonline.com", "MX login.microsoftonline.com", "NS login.microsoftonline.com"}
	if diff := cmp.Diff(wantAsked, dns.questions()); diff != "" {
		t.Errorf("questions asked (-want +got):\n%s", diff)
	}
}

func TestResolveIDNAskedAsALabel(t *testing.T) {
	dns := answering()
	if _, err := (Resolver{Lookup: dns}).Resolve(context.Background(), "Bücher.de."); err != nil {
		t.Fatal(err)
	}
	for _, q := range dns.questions() {
		if !strings.HasSuffix(q, " xn--bcher-kva.de") {
			t.Errorf("asked %q, want the A-label xn--bcher-kva.de", q)
		}
	}
}

func TestResolveCNAMEOfItself(t *testing.T) {
	dns := answering()
	dns.cname = func(_ context.Context, name string) (string, error) { return strings.ToUpper(name) + ".", nil }
	got, err := Resolver{Lookup: dns}.Resolve(context.Background(), "www.example.com")
	if err != nil {
		t.Fatal(err)
	}
	if got.CNAME != nil {
		t.Errorf("CNAME = %q, want none: the name is canonical", got.CNAME)
	}
}

func TestResolvePartialFailure(t *testing.T) {
	dns := answering()
	dns.mx = nil // no such records
	dns.ns = func(context.Context, string) ([]*net.NS, error) {
		return nil, &net.DNSError{Err: "server misbehaving", Name: "example.com", Server: "10.0.0.53:53", IsTemporary: true}
	}
	dns.cname = func(context.Context, string) (string, error) {
		return "", errors.New("connection refused by a very long explanation " + strings.Repeat("x", 200))
	}
	got, err := Resolver{Lookup: dns}.Resolve(context.Background(), "example.com")
	if err != nil {
		t.Fatalf("Resolve failed although addresses were found: %v", err)
	}
	want := map[string]string{
		"MX":    "no such host",
		"NS":    "server misbehaving",
		"CNAME": "connection refused by a very long explanation " + strings.Repeat("x", 34) + "...",
	}
	if diff := cmp.Diff(want, got.Errors); diff != "" {
		t.Errorf("Errors mismatch (-want +got):\n%s", diff)
	}
	if len(got.A) != 2 || got.MX != nil || got.NS != nil {
		t.Errorf("answers = %+v", got)
	}
}

func TestResolveAllFail(t *testing.T) {
	dns := &fakeDNS{} // NXDOMAIN for everything
	got, err := Resolver{Lookup: dns}.Resolve(context.Background(), "does-not-exist.example.com")
	if err == nil {
		t.Fatalf("Resolve = %+v, want an error when every question failed", got)
	}
	if want := "domain: resolve does-not-exist.example.com: every question failed: no such host"; err.Error() != want {
		t.Errorf("error = %q, want %q", err, want)
	}
	wantErrs := map[string]string{"A": "no such host", "AAAA": "no such host", "CNAME": "no such host", "MX": "no such host", "NS": "no such host"}
	if diff := cmp.Diff(enrich.DNSAnswers{Errors: wantErrs}, got); diff != "" {
		t.Errorf("answers with the error (-want +got):\n%s", diff)
	}

	// Different reasons are all given, in question order.
	dns.ns = func(context.Context, string) ([]*net.NS, error) {
		return nil, &net.DNSError{Err: "i/o timeout", IsTimeout: true}
	}
	_, err = Resolver{Lookup: dns}.Resolve(context.Background(), "does-not-exist.example.com")
	if err == nil || !strings.HasSuffix(err.Error(), "every question failed: no such host; timeout") {
		t.Errorf("error = %v, want both reasons", err)
	}
}

func TestResolveTimeout(t *testing.T) {
	dns := answering()
	dns.mx = func(ctx context.Context, _ string) ([]*net.MX, error) {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	dns.ns = func(context.Context, string) ([]*net.NS, error) {
		<-release // ignores its context
		return []*net.NS{{Host: "late.example.net."}}, nil
	}
	start := time.Now()
	got, err := Resolver{Lookup: dns, Timeout: 50 * time.Millisecond}.Resolve(context.Background(), "example.com")
	if elapsed := time.Since(start); elapsed > 2*time.Second {
		t.Errorf("Resolve took %v with a 50ms timeout", elapsed)
	}
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"MX": "timeout", "NS": "timeout"}
	if diff := cmp.Diff(want, got.Errors); diff != "" {
		t.Errorf("Errors mismatch (-want +got):\n%s", diff)
	}
	if got.A == nil || got.CNAME == nil {
		t.Errorf("answers that came in time are missing: %+v", got)
	}
}

func TestResolveDefaultTimeout(t *testing.T) {
	var deadline time.Duration
	dns := answering()
	dns.mx = func(ctx context.Context, _ string) ([]*net.MX, error) {
		d, ok := ctx.Deadline()
		if !ok {
			return nil, errors.New("no deadline")
		}
		deadline = time.Until(d)
		return nil, nil
	}
	if _, err := (Resolver{Lookup: dns}).Resolve(context.Background(), "example.com"); err != nil {
		t.Fatal(err)
	}
	if deadline <= 2*time.Second || deadline > DefaultTimeout {
		t.Errorf("question deadline %v away, want about %v", deadline, DefaultTimeout)
	}
}

// TestResolveConcurrent fails unless all four questions are in flight at
// once: each waits until the others have started.
func TestResolveConcurrent(t *testing.T) {
	var wg sync.WaitGroup
	wg.Add(4)
	all := make(chan struct{})
	go func() { wg.Wait(); close(all) }()
	wait := func(ctx context.Context) error {
		wg.Done()
		select {
		case <-all:
			return nil
		case <-ctx.Done():
			return errors.New("questions asked one after another")
		}
	}
	dns := &fakeDNS{
		host:  func(ctx context.Context, _ string) ([]string, error) { return []string{"198.51.100.7"}, wait(ctx) },
		cname: func(ctx context.Context, _ string) (string, error) { return "cdn.example.net.", wait(ctx) },
		mx:    func(ctx context.Context, _ string) ([]*net.MX, error) { return nil, wait(ctx) },
		ns:    func(ctx context.Context, _ string) ([]*net.NS, error) { return nil, wait(ctx) },
	}
	got, err := Resolver{Lookup: dns, Timeout: 5 * time.Second}.Resolve(context.Background(), "www.example.com")
	if err != nil {
		t.Fatal(err)
	}
	if got.Errors != nil {
		t.Errorf("Errors = %v", got.Errors)
	}
}

func TestResolveCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	dns := answering()
	block := func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() }
	dns.host = func(ctx context.Context, _ string) ([]string, error) { return nil, block(ctx) }
	dns.cname = func(ctx context.Context, _ string) (string, error) { return "", block(ctx) }
	dns.mx = func(ctx context.Context, _ string) ([]*net.MX, error) { return nil, block(ctx) }
	dns.ns = func(ctx context.Context, _ string) ([]*net.NS, error) { return nil, block(ctx) }
	got, err := Resolver{Lookup: dns}.Resolve(ctx, "example.com")
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error = %v, want context.Canceled", err)
	}
	if got.Errors["A"] != "canceled" || got.Errors["NS"] != "canceled" {
		t.Errorf("Errors = %v", got.Errors)
	}
}

func TestResolveRefused(t *testing.T) {
	tests := []struct {
		name     string
		internal bool
		msg      string
	}{
		{"dc01.contoso.local", true, "domain: dc01.contoso.local: internal name, not resolved"},
		{"dc01", true, "domain: dc01: internal name, not resolved"},
		{"localhost", true, "domain: localhost: internal name, not resolved"},
		{"printer.home.arpa", true, "domain: printer.home.arpa: internal name, not resolved"},
		{"7.100.51.198.in-addr.arpa", true, "domain: 7.100.51.198.in-addr.arpa: internal name, not resolved"},
		{"db.svc.internal", true, "domain: db.svc.internal: internal name, not resolved"},
		{"evil.zzzz", true, "domain: evil.zzzz: internal name, not resolved"},
		{"DC01.CONTOSO.CORP.", true, "domain: dc01.contoso.corp: internal name, not resolved"},
		{"8.8.8.8", false, `domain: cannot resolve "8.8.8.8": an IP address, not a name`},
		{"exa mple.com", false, `domain: cannot resolve "exa mple.com": bad character ' ' in label "exa mple"`},
		{"", false, `domain: cannot resolve "": empty name`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dns := answering()
			got, err := Resolver{Lookup: dns}.Resolve(context.Background(), tt.name)
			if err == nil {
				t.Fatalf("Resolve(%q) = %+v, want an error", tt.name, got)
			}
			if errors.Is(err, ErrInternal) != tt.internal {
				t.Errorf("Resolve(%q) error %v: errors.Is(ErrInternal) = %v", tt.name, err, !tt.internal)
			}
			if err.Error() != tt.msg {
				t.Errorf("Resolve(%q) error = %q, want %q", tt.name, err, tt.msg)
			}
			if q := dns.questions(); q != nil {
				t.Errorf("Resolve(%q) asked %q", tt.name, q)
			}
		})
	}
}
