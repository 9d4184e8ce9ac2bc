package demo

import (
	"net/netip"
	"testing"
)

// TestRegistry: every public address of the demo has a registration whose
// network holds it and names its owner; the story's outside names resolve
// to the addresses its DNS server logged; other names do not.
func TestRegistry(t *testing.T) {
	for _, l := range Locations() {
		n, ok := NetworkOf(l.IP)
		if !ok {
			t.Errorf("%s: no registration", l.IP)
			continue
		}
		p, err := netip.ParsePrefix(n.CIDR)
		if err != nil || !p.Contains(netip.MustParseAddr(l.IP)) || n.Org != l.Org || n.Country != l.CountryCode || n.Handle == "" {
			t.Errorf("%s: registration %+v does not hold it", l.IP, n)
		}
	}
	if _, ok := NetworkOf("10.0.0.10"); ok {
		t.Error("a private address has a registration")
	}
	for name, want := range map[string]string{c2Domain: c2IP, phishDomain + ".": phishHostIP, "SVC-TELEMETRY.example.net": c2IP} {
		if a, ok := Resolve(name); !ok || len(a) != 1 || a[0] != want {
			t.Errorf("Resolve(%s) = %v, %v; want %s", name, a, ok, want)
		}
	}
	if a, ok := Resolve("unknown.example.com"); ok {
		t.Errorf("Resolve(unknown) = %v", a)
	}
	if d, ok := DomainOf("example.net"); !ok || d.Registrar == "" || d.Created.IsZero() {
		t.Errorf("DomainOf(example.net) = %+v, %v", d, ok)
	}
}
