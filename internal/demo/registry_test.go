package demo

import (
	"context"
	"errors"
	"net/netip"
	"testing"

	"github.com/triage-dev/triage/internal/enrich"
)

// TestRegistry: every public address of the demo has a location and a
// registration whose network holds it and names its owner; the story's
// outside names resolve to the addresses its DNS server logged; other
// addresses, names and domains are unknown.
func TestRegistry(t *testing.T) {
	ctx := context.Background()
	locs := Locations()
	if len(locs) != len(geoTable) {
		t.Errorf("%d locations for %d addresses", len(locs), len(geoTable))
	}
	for prefix, l := range locs {
		a := prefix.Addr()
		if !prefix.IsSingleIP() || l.CountryCode == "" || l.City == "" || l.ASN == 0 {
			t.Errorf("%s: location %+v", prefix, l)
		}
		n, err := Registry{}.Network(ctx, a)
		if err != nil {
			t.Errorf("%s: no registration: %v", a, err)
			continue
		}
		p, err := netip.ParsePrefix(n.CIDR)
		if err != nil || !p.Contains(a) || n.Org != l.ASOrg || n.Country != l.CountryCode || n.Handle == "" || n.Source != RegistrySource {
			t.Errorf("%s: registration %+v does not hold it", a, n)
		}
	}
	if _, err := (Registry{}).Network(ctx, netip.MustParseAddr("10.0.0.10")); !errors.Is(err, enrich.ErrUnknown) {
		t.Errorf("a private address: %v, want enrich.ErrUnknown", err)
	}
	for name, want := range map[string]string{c2Domain: c2IP, phishDomain + ".": phishHostIP, "SVC-TELEMETRY.example.net": c2IP} {
		if a, err := (DNS{}).Resolve(ctx, name); err != nil || len(a.A) != 1 || a.A[0] != want || a.Errors != nil {
			t.Errorf("Resolve(%s) = %+v, %v; want %s", name, a, err, want)
		}
	}
	if a, err := (DNS{}).Resolve(ctx, "unknown.example.com"); err != nil || len(a.A) != 0 || a.Errors["A"] == "" {
		t.Errorf("Resolve(unknown) = %+v, %v; want no such host", a, err)
	}
	if d, err := (Registry{}).Domain(ctx, "example.net"); err != nil || d.Registrar == "" || d.Created.IsZero() || d.Source != RegistrySource {
		t.Errorf("Domain(example.net) = %+v, %v", d, err)
	}
	if _, err := (Registry{}).Domain(ctx, "contoso.com"); !errors.Is(err, enrich.ErrUnknown) {
		t.Errorf("Domain(contoso.com): %v, want enrich.ErrUnknown", err)
	}
}
