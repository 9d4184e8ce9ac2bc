package geoip

import (
	"net/netip"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/triage-dev/triage/internal/enrich"
)

func TestCSVLayouts(t *testing.T) {
	const dir = "testdata/ip-location-db/"
	amsterdam := enrich.Location{CountryCode: "NL", Region: "North Holland", City: "Amsterdam", Latitude: 52.374, Longitude: 4.8897, Network: "198.51.100.0/24"}
	mountainView := enrich.Location{CountryCode: "US", Region: "California", City: "Mountain View, CA", Latitude: 37.422, Longitude: -122.085, Network: "203.0.113.0/24"}
	france := enrich.Location{CountryCode: "FR", Network: "192.0.2.0/24"}
	tests := []struct {
		file string
		want map[string]enrich.Location // address → answer; missing Source is the file
	}{
		{"city-ipv4.csv", map[string]enrich.Location{"198.51.100.200": amsterdam, "203.0.113.1": mountainView, "192.0.2.9": france}},
		{"city-first-ipv4.csv", map[string]enrich.Location{"198.51.100.200": amsterdam, "203.0.113.1": mountainView, "192.0.2.9": france}},
		{"city-ipv4.csv.gz", map[string]enrich.Location{"198.51.100.200": amsterdam}},
		{"country-ipv4-num.csv", map[string]enrich.Location{"192.0.2.255": france}},
		{"country-ipv6-num.csv", map[string]enrich.Location{"2001:db8:ffff::1": {CountryCode: "DE", Network: "2001:db8::/32"}}},
		{"country-cidr.csv", map[string]enrich.Location{"192.0.2.0": france, "2001:db8::": {CountryCode: "DE", Network: "2001:db8::/32"}}},
		{"asn.csv", map[string]enrich.Location{
			"203.0.113.127": {ASN: 64500, ASOrg: "Documentation AS, Inc.", Network: "203.0.113.0/25"},
			"1.0.0.0":       {ASN: 13335, ASOrg: "Example Anycast", Network: "1.0.0.0/24"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			db := open(t, Options{Files: []string{dir + tt.file}})
			noProblems(t, db)
			for a, want := range tt.want {
				want.Source = tt.file
				got, err := db.Lookup(netip.MustParseAddr(a))
				if err != nil {
					t.Errorf("Lookup(%s): %v", a, err)
					continue
				}
				if d := cmp.Diff(want, got); d != "" {
					t.Errorf("Lookup(%s) (-want +got):\n%s", a, d)
				}
			}
			// Just outside every range.
			for _, a := range []string{"198.51.99.255", "203.0.114.0", "192.0.1.255", "192.0.3.0", "2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", "2001:db9::"} {
				if l, err := db.Lookup(netip.MustParseAddr(a)); err == nil {
					t.Errorf("Lookup(%s) = %+v, want not found", a, l)
				}
			}
		})
	}
}

// A range that is not one prefix reports the widest prefix holding the
// address within the range.
func TestCSVNetwork(t *testing.T) {
	p := filepath.Join(t.TempDir(), "asn.csv")
	writeFile(t, p, "10.0.0.0,10.0.2.255,64512,A\n10.0.3.1,10.0.3.1,64513,B\n2001:db8::,2001:db8:2:ffff:ffff:ffff:ffff:ffff,64514,C\n0.0.0.0,0.255.255.255,64515,D\n")
	db := open(t, Options{Files: []string{p}})
	noProblems(t, db)
	for a, want := range map[string]string{
		"10.0.0.1":      "10.0.0.0/23",
		"10.0.1.255":    "10.0.0.0/23",
		"10.0.2.7":      "10.0.2.0/24",
		"10.0.3.1":      "10.0.3.1/32",
		"2001:db8:1::1": "2001:db8::/47",
		"2001:db8:2::1": "2001:db8:2::/48",
		"0.1.2.3":       "0.0.0.0/8",
	} {
		got, err := db.Lookup(netip.MustParseAddr(a))
		if err != nil || got.Network != want {
			t.Errorf("Lookup(%s) = %q, %v; want network %s", a, got.Network, err, want)
		}
	}
	if _, err := db.Lookup(netip.MustParseAddr("10.0.3.0")); err == nil {
		t.Error("Lookup(10.0.3.0), between two ranges, found something")
	}
}

func TestCSVBadLines(t *testing.T) {
	p := filepath.Join(t.TempDir(), "country.csv")
	writeFile(t, p, strings.Join([]string{
		"ip_range_start,ip_range_end,country_code", // a header
		"1.0.0.0,1.0.0.255,AU",
		"1.0.1.0,nonsense,CN",
		"1.0.2.9,1.0.2.0,CN",      // backwards
		"1.0.4.0,1.0.7.255,AU,XX", // a column too many
		"# a comment",
		"1.0.8.0,1.0.15.255,cn",
		"",
	}, "\n"))
	db := open(t, Options{Files: []string{p}})
	problems := db.Problems()
	if len(problems) != 1 || !strings.Contains(problems[0].Error(), p+": 3 lines skipped, the first is line 3") {
		t.Fatalf("Problems() = %v, want one saying 3 lines skipped from line 3", problems)
	}
	for a, want := range map[string]string{"1.0.0.7": "AU", "1.0.9.1": "CN"} {
		if got, err := db.Lookup(netip.MustParseAddr(a)); err != nil || got.CountryCode != want {
			t.Errorf("Lookup(%s) = %+v, %v; want %s", a, got, err, want)
		}
	}
}

func TestCSVUnusable(t *testing.T) {
	dir := t.TempDir()
	for name, content := range map[string]string{
		"empty.csv":    "",
		"columns.csv":  "1.0.0.0,1.0.0.255,AU,x,y\n",
		"nonsense.csv": "a,b,c\nd,e,f\n",
		"bad.csv.gz":   "not gzip",
	} {
		t.Run(name, func(t *testing.T) {
			p := filepath.Join(dir, name)
			writeFile(t, p, content)
			db := open(t, Options{Files: []string{p}})
			if got := db.Problems(); len(got) != 1 || !strings.Contains(got[0].Error(), p) {
				t.Errorf("Problems() = %v, want one naming %s", got, p)
			}
			if len(db.Sources()) != 0 {
				t.Errorf("Sources() = %v, want none", db.Sources())
			}
		})
	}
}

func TestParseAddr(t *testing.T) {
	tests := []struct {
		in   string
		v6   bool
		want string
	}{
		{"16777216", false, "1.0.0.0"},
		{"4294967295", false, "255.255.255.255"},
		{"4294967296", false, "::1:0:0"},
		{"1", true, "::1"},
		{"42540766411282592856903984951653826560", false, "2001:db8::"},
		{"340282366920938463463374607431768211455", false, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"},
		{"::ffff:1.2.3.4", false, "1.2.3.4"},
		{" 2001:db8::1 ", false, "2001:db8::1"},
	}
	for _, tt := range tests {
		got, err := parseAddr(tt.in, tt.v6)
		if err != nil || got.String() != tt.want {
			t.Errorf("parseAddr(%q, %v) = %v, %v; want %s", tt.in, tt.v6, got, err, tt.want)
		}
	}
	for _, bad := range []string{"340282366920938463463374607431768211456", "-1", "x", ""} {
		if got, err := parseAddr(bad, false); err == nil {
			t.Errorf("parseAddr(%q) = %v, want an error", bad, got)
		}
	}
}
