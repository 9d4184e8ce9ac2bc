package sentinelti

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/triage-dev/triage/internal/intel"
	"github.com/triage-dev/triage/internal/ioc"
)

func TestLookupBatch(t *testing.T) {
	var asked []string
	p := New(func(_ context.Context, values []string) ([]intel.TIMatch, error) {
		asked = values
		return []intel.TIMatch{
			{ObservableKey: "ipv4-addr:value", ObservableValue: "203.0.113.66", Confidence: 90, Name: "spray source"},
			{ObservableKey: "ipv4-addr:value", ObservableValue: "203.0.113.66", Confidence: 40},
			{ObservableKey: "domain-name:value", ObservableValue: "EVIL.example.net", Confidence: 50},
			// A hash row must not answer for a domain of the same text.
			{ObservableKey: "file:hashes.'SHA-256'", ObservableValue: "files.example.org", Confidence: 99},
		}, nil
	})
	inds := []ioc.Indicator{
		{Kind: ioc.IPv4, Value: "203.0.113.66"},
		{Kind: ioc.Hostname, Value: "evil.example.net"},
		{Kind: ioc.Hostname, Value: "files.example.org"},
	}
	got, err := p.LookupBatch(context.Background(), inds)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(asked, []string{"203.0.113.66", "evil.example.net", "files.example.org"}) {
		t.Errorf("asked for %q", asked)
	}
	if len(got) != 2 {
		t.Fatalf("got %d results, want 2: %+v", len(got), got)
	}
	if got[0].Indicator != "203.0.113.66" || got[0].Severity != intel.SeverityHigh || got[0].Details["matches"] != 2 {
		t.Errorf("ip result = %+v, want high from the confidence-90 row of 2 matches", got[0])
	}
	if got[1].Indicator != "evil.example.net" || got[1].Severity != intel.SeverityWarning {
		t.Errorf("domain result = %+v, want warning", got[1])
	}
}

func TestLookupErrors(t *testing.T) {
	boom := errors.New("boom")
	p := New(func(context.Context, []string) ([]intel.TIMatch, error) { return nil, boom })
	if _, err := p.Lookup(context.Background(), ioc.Indicator{Kind: ioc.IPv4, Value: "192.0.2.1"}); !errors.Is(err, boom) {
		t.Errorf("err = %v, want the query's error", err)
	}
	p = New(func(context.Context, []string) ([]intel.TIMatch, error) { return nil, nil })
	if _, err := p.Lookup(context.Background(), ioc.Indicator{Kind: ioc.IPv4, Value: "192.0.2.1"}); !errors.Is(err, intel.ErrNotFound) {
		t.Errorf("err = %v, want ErrNotFound", err)
	}
}
