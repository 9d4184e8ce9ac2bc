package geoip

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/oschwald/maxminddb-golang/v2"

	"github.com/triage-dev/triage/internal/enrich"
)

// The test databases (see testdata/README.md).
const (
	cityDB    = "testdata/GeoLite2-City-Test.mmdb"
	asnDB     = "testdata/GeoLite2-ASN-Test.mmdb"
	countryDB = "testdata/GeoIP2-Country-Test.mmdb"
	brokenDB  = "testdata/GeoIP2-City-Test-Broken-Double-Format.mmdb"
	asnCSV    = "testdata/ip-location-db/asn.csv"
	cityCSV   = "testdata/ip-location-db/city-ipv4.csv"
)

var london = enrich.Location{
	CountryCode: "GB", Country: "United Kingdom", Region: "England", City: "London",
	Latitude: 51.5142, Longitude: -0.0931,
}

func open(t testing.TB, o Options) *DB {
	t.Helper()
	db := Open(o)
	t.Cleanup(func() { db.Close() })
	return db
}

func noProblems(t testing.TB, db *DB) {
	t.Helper()
	if p := db.Problems(); len(p) > 0 {
		t.Fatalf("Problems() = %v, want none", p)
	}
}

func with(l enrich.Location, f func(*enrich.Location)) enrich.Location {
	f(&l)
	return l
}

func TestLookupMerged(t *testing.T) {
	db := open(t, Options{Files: []string{countryDB, cityDB, asnDB, asnCSV, cityCSV}})
	noProblems(t, db)
	tests := []struct {
		addr string
		want enrich.Location
	}{
		// City from the City database, ASN from the first source knowing
		// it (the ASN database has no 81.2.69.142).
		{"81.2.69.142", with(london, func(l *enrich.Location) {
			l.ASN, l.ASOrg = 20712, "Example Transit Ltd"
			l.Network, l.Source = "81.2.69.142/31", "GeoLite2-City-Test.mmdb, asn.csv"
		})},
		{"216.160.83.56", enrich.Location{
			CountryCode: "US", Country: "United States", Region: "Washington", City: "Milton",
			Latitude: 47.2513, Longitude: -122.3149, ASN: 209,
			Network: "216.160.83.56/29", Source: "GeoLite2-City-Test.mmdb, GeoLite2-ASN-Test.mmdb",
		}},
		// Only an AS: the earlier file wins over asn.csv's 13335.
		{"1.0.0.1", enrich.Location{ASN: 15169, ASOrg: "Google Inc.", Network: "1.0.0.0/24", Source: "GeoLite2-ASN-Test.mmdb"}},
		// IPv6, and an IPv4-mapped address looked up as IPv4.
		{"2001:480::1", enrich.Location{
			CountryCode: "US", Country: "United States", Region: "California", City: "San Diego",
			Latitude: 32.7203, Longitude: -117.1552, Network: "2001:480::/43", Source: "GeoLite2-City-Test.mmdb",
		}},
		{"::ffff:81.2.69.142", with(london, func(l *enrich.Location) {
			l.ASN, l.ASOrg = 20712, "Example Transit Ltd"
			l.Network, l.Source = "81.2.69.142/31", "GeoLite2-City-Test.mmdb, asn.csv"
		})},
		{"2001:db8::1", enrich.Location{ASN: 64501, ASOrg: "Example IPv6 Net", Network: "2001:db8::/32", Source: "asn.csv"}},
		// A city from a CSV file, which has no country names.
		{"203.0.113.9", enrich.Location{
			CountryCode: "US", Region: "California", City: "Mountain View, CA", Latitude: 37.422, Longitude: -122.085,
			ASN: 64500, ASOrg: "Documentation AS, Inc.", Network: "203.0.113.0/24", Source: "asn.csv, city-ipv4.csv",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			got, err := db.Lookup(netip.MustParseAddr(tt.addr))
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("Lookup(%s) (-want +got):\n%s", tt.addr, d)
			}
		})
	}
}

func TestLookupCountryNameFromAnotherSource(t *testing.T) {
	// A CSV file placing 81.2.69.0/24 in London without a country name; the
	// Country database knows the name and agrees on the country.
	csv := filepath.Join(t.TempDir(), "gb.csv")
	writeFile(t, csv, "81.2.69.0,81.2.69.255,GB,England,,Camden,NW1,51.54,-0.14,Europe/London\n")
	db := open(t, Options{Files: []string{csv, countryDB}})
	noProblems(t, db)
	got, err := db.Lookup(netip.MustParseAddr("81.2.69.142"))
	if err != nil {
		t.Fatal(err)
	}
	want := enrich.Location{
		CountryCode: "GB", Country: "United Kingdom", Region: "England", City: "Camden", Latitude: 51.54, Longitude: -0.14,
		Network: "81.2.69.0/24", Source: "gb.csv, GeoIP2-Country-Test.mmdb",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("Lookup (-want +got):\n%s", d)
	}

	// A country database disagreeing on the country gives no name.
	writeFile(t, csv, "81.2.69.0,81.2.69.255,IE,,,Dublin,,53.35,-6.26,\n")
	db = open(t, Options{Files: []string{csv, countryDB}})
	got, _ = db.Lookup(netip.MustParseAddr("81.2.69.142"))
	if got.Country != "" || got.CountryCode != "IE" || got.Source != "gb.csv" {
		t.Errorf("Lookup = %+v, want IE with no country name from the database that says GB", got)
	}
}

func TestLookupStatic(t *testing.T) {
	db := open(t, Options{
		Files: []string{cityDB, asnCSV},
		Static: map[netip.Prefix]enrich.Location{
			netip.MustParsePrefix("81.2.69.0/24"):            {CountryCode: "NL", City: "Amsterdam", Latitude: 52.37, Longitude: 4.89, Source: "ignored", Network: "ignored"},
			netip.MustParsePrefix("81.0.0.0/8"):              {CountryCode: "FR"},
			netip.MustParsePrefix("2.125.160.0/24"):          {ASN: 64999, ASOrg: "Static AS"},
			netip.MustParsePrefix("::ffff:198.51.100.0/120"): {CountryCode: "BE", City: "Brussels"},
			netip.MustParsePrefix("2001:db8:1::/48"):         {CountryCode: "DK"},
			netip.MustParsePrefix("216.160.83.0/24"):         {CountryCode: "CA"},
		},
	})
	noProblems(t, db)
	if got, want := db.Sources(), []string{"static", "GeoLite2-City-Test.mmdb", "asn.csv"}; !cmp.Equal(got, want) {
		t.Errorf("Sources() = %q, want %q", got, want)
	}
	tests := []struct {
		addr string
		want enrich.Location
	}{
		// The longest static prefix wins over the City database; the AS
		// still comes from asn.csv.
		{"81.2.69.142", enrich.Location{CountryCode: "NL", City: "Amsterdam", Latitude: 52.37, Longitude: 4.89,
			ASN: 20712, ASOrg: "Example Transit Ltd", Network: "81.2.69.0/24", Source: "static, asn.csv"}},
		{"81.9.9.9", enrich.Location{CountryCode: "FR", Network: "81.0.0.0/8", Source: "static"}},
		// Even a less precise one: the City database's Milton, US is not
		// used.
		{"216.160.83.56", enrich.Location{CountryCode: "CA", Network: "216.160.83.0/24", Source: "static"}},
		// A static entry with only an AS leaves the location to files.
		{"2.125.160.216", enrich.Location{CountryCode: "GB", Country: "United Kingdom", Region: "England", City: "Boxford",
			Latitude: 51.75, Longitude: -1.25, ASN: 64999, ASOrg: "Static AS", Network: "2.125.160.216/29",
			Source: "static, GeoLite2-City-Test.mmdb"}},
		{"198.51.100.7", enrich.Location{CountryCode: "BE", City: "Brussels", Network: "198.51.100.0/24", Source: "static"}},
		{"2001:db8:1::5", enrich.Location{CountryCode: "DK", ASN: 64501, ASOrg: "Example IPv6 Net", Network: "2001:db8:1::/48", Source: "static, asn.csv"}},
	}
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			got, err := db.Lookup(netip.MustParseAddr(tt.addr))
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("Lookup(%s) (-want +got):\n%s", tt.addr, d)
			}
		})
	}
}

func TestLookupNotFound(t *testing.T) {
	db := open(t, Options{Files: []string{cityDB, asnDB}})
	for _, a := range []netip.Addr{netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("fe80::1%eth0"), {}} {
		if l, err := db.Lookup(a); !errors.Is(err, ErrNotFound) || l != (enrich.Location{}) {
			t.Errorf("Lookup(%v) = %+v, %v; want ErrNotFound", a, l, err)
		}
	}
	// As an enrich.Locator, not knowing an address is enrich.ErrUnknown,
	// which a damaged or closed database is not.
	if _, err := db.Locate(context.Background(), netip.MustParseAddr("10.0.0.1")); !errors.Is(err, enrich.ErrUnknown) {
		t.Errorf("Locate(10.0.0.1) = %v, want enrich.ErrUnknown", err)
	}
	empty := open(t, Options{})
	if _, err := empty.Lookup(netip.MustParseAddr("81.2.69.142")); !errors.Is(err, ErrNotFound) {
		t.Errorf("Lookup with no database: %v, want ErrNotFound", err)
	}
	empty.Close()
	if _, err := empty.Locate(context.Background(), netip.MustParseAddr("81.2.69.142")); err == nil || errors.Is(err, enrich.ErrUnknown) {
		t.Errorf("Locate after Close = %v, want a failure, not enrich.ErrUnknown", err)
	}
	if len(empty.Sources()) != 0 || len(empty.Problems()) != 0 {
		t.Errorf("no options: Sources %v, Problems %v; want none", empty.Sources(), empty.Problems())
	}
}

func TestProblems(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "GeoLite2-City.mmdb")
	garbage := filepath.Join(dir, "garbage.mmdb")
	writeFile(t, garbage, strings.Repeat("not a database\n", 100))
	empty := filepath.Join(dir, "empty.mmdb")
	writeFile(t, empty, "")
	maxmindCSV := filepath.Join(dir, "GeoLite2-City-Blocks-IPv4.csv")
	writeFile(t, maxmindCSV, "network,geoname_id,registered_country_geoname_id,represented_country_geoname_id,is_anonymous_proxy,is_satellite_provider\n1.0.0.0/24,2077456,2077456,,0,0\n")
	unknown := filepath.Join(dir, "GeoLite2-City.dat")
	writeFile(t, unknown, "x")

	db := open(t, Options{
		Files:  []string{missing, brokenDB, garbage, cityDB, empty, maxmindCSV, unknown, dir, asnDB},
		Static: map[netip.Prefix]enrich.Location{{}: {CountryCode: "XX"}},
	})
	// Each unusable file is reported once, named, with what to do.
	want := []struct{ file, says string }{
		{"static entry", "not a valid prefix"},
		{missing, "no such file: download it with triage geoip update"},
		{brokenDB, "corrupt MaxMind database: download it again with triage geoip update"},
		{garbage, "not a MaxMind database (corrupt?): download it again with triage geoip update"},
		{empty, "not a MaxMind database (corrupt?): download it again with triage geoip update"},
		{maxmindCSV, "not an ip-location-db CSV file"},
		{unknown, "unknown kind of database: want a MaxMind DB file (.mmdb) or an ip-location-db CSV file (.csv)"},
		{dir, "is a directory"},
	}
	got := db.Problems()
	if len(got) != len(want) {
		t.Fatalf("Problems() = %d errors, want %d:\n%v", len(got), len(want), errors.Join(got...))
	}
	for i, w := range want {
		if msg := got[i].Error(); !strings.Contains(msg, w.file) || !strings.Contains(msg, w.says) {
			t.Errorf("problem %d = %q, want one naming %s that says %q", i, msg, w.file, w.says)
		}
	}
	if !errors.Is(got[1], fs.ErrNotExist) {
		t.Errorf("missing file: %v does not match fs.ErrNotExist", got[1])
	}

	// The usable files still answer.
	if want := []string{"static", "GeoLite2-City-Test.mmdb", "GeoLite2-ASN-Test.mmdb"}; !cmp.Equal(db.Sources(), want) {
		t.Errorf("Sources() = %q, want %q", db.Sources(), want)
	}
	got1, err := db.Lookup(netip.MustParseAddr("81.2.69.142"))
	if err != nil || got1.City != "London" {
		t.Errorf("Lookup = %+v, %v; want London from the good City database", got1, err)
	}
	got2, err := db.Lookup(netip.MustParseAddr("1.128.0.1"))
	if err != nil || got2.ASN != 1221 {
		t.Errorf("Lookup = %+v, %v; want AS1221 from the ASN database", got2, err)
	}
}

func TestProblemUnreadable(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root reads any file")
	}
	p := filepath.Join(t.TempDir(), "GeoLite2-City.mmdb")
	copyFile(t, cityDB, p)
	if err := os.Chmod(p, 0); err != nil {
		t.Fatal(err)
	}
	db := open(t, Options{Files: []string{p}})
	if got := db.Problems(); len(got) != 1 || !strings.Contains(got[0].Error(), "check its permissions") {
		t.Errorf("Problems() = %v, want one saying to check the permissions", got)
	}
}

// A file damaged beyond what Open samples is found by a lookup, reported,
// and no longer asked; the other files still answer.
func TestDamageFoundByLookup(t *testing.T) {
	r, err := maxminddb.Open(brokenDB)
	if err != nil {
		t.Fatal(err)
	}
	good, problem := openFile(cityDB)
	if problem != nil {
		t.Fatal(problem)
	}
	db := &DB{sources: []*fileSource{
		{name: "broken.mmdb", path: brokenDB, src: &mmdbSource{r: r}},
		{name: "GeoLite2-City-Test.mmdb", path: cityDB, src: good},
	}}
	defer db.Close()
	for range 3 {
		got, err := db.Lookup(netip.MustParseAddr("81.2.69.142"))
		if err != nil || got.City != "London" || got.Source != "GeoLite2-City-Test.mmdb" {
			t.Errorf("Lookup = %+v, %v; want London from the good file", got, err)
		}
	}
	p := db.Problems()
	if len(p) != 1 || !strings.Contains(p[0].Error(), brokenDB) || !strings.Contains(p[0].Error(), "triage geoip update") {
		t.Errorf("Problems() = %v, want the damaged file once", p)
	}
}

func TestConcurrentLookups(t *testing.T) {
	db := Open(Options{
		Files:  []string{countryDB, cityDB, asnDB, asnCSV, cityCSV, brokenDB},
		Static: map[netip.Prefix]enrich.Location{netip.MustParsePrefix("192.0.2.0/24"): {CountryCode: "ZZ"}},
	})
	addrs := []string{"81.2.69.142", "216.160.83.56", "1.0.0.1", "2001:480::1", "2001:db8::1", "203.0.113.9", "192.0.2.1", "10.0.0.1", "2a02:ff80::1"}
	type answer struct {
		loc enrich.Location
		err error
	}
	want := map[string]answer{}
	for _, a := range addrs {
		l, err := db.Lookup(netip.MustParseAddr(a))
		want[a] = answer{l, err}
	}
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for g := range 16 {
		wg.Go(func() {
			for i := range 500 {
				a := addrs[(g+i)%len(addrs)]
				l, err := db.Lookup(netip.MustParseAddr(a))
				if w := want[a]; l != w.loc || !errors.Is(err, w.err) {
					errs <- fmt.Errorf("Lookup(%s) = %+v, %v; want %+v, %v", a, l, err, w.loc, w.err)
					return
				}
				if i%100 == 0 {
					db.Problems()
					db.Sources()
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}

	// Close while lookups run: each returns an answer or ErrClosed.
	var wg2 sync.WaitGroup
	for range 8 {
		wg2.Go(func() {
			for range 200 {
				if _, err := db.Lookup(netip.MustParseAddr("81.2.69.142")); err != nil && !errors.Is(err, ErrClosed) {
					t.Errorf("Lookup during Close: %v", err)
					return
				}
			}
		})
	}
	if err := db.Close(); err != nil {
		t.Error(err)
	}
	wg2.Wait()
	if _, err := db.Lookup(netip.MustParseAddr("81.2.69.142")); !errors.Is(err, ErrClosed) {
		t.Errorf("Lookup after Close: %v, want ErrClosed", err)
	}
	if err := db.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func BenchmarkLookup(b *testing.B) {
	addrs := []netip.Addr{
		netip.MustParseAddr("81.2.69.142"), netip.MustParseAddr("216.160.83.56"),
		netip.MustParseAddr("2001:480::1"), netip.MustParseAddr("10.0.0.1"),
	}
	for _, bc := range []struct {
		name  string
		files []string
	}{
		{"city", []string{cityDB}},
		{"asn", []string{asnDB}},
		{"csv", []string{asnCSV, cityCSV}},
		{"merged", []string{countryDB, cityDB, asnDB, asnCSV}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			db := open(b, Options{Files: bc.files})
			noProblems(b, db)
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				db.Lookup(addrs[i%len(addrs)])
				i++
			}
		})
	}
	b.Run("merged-parallel", func(b *testing.B) {
		db := open(b, Options{Files: []string{countryDB, cityDB, asnDB, asnCSV}})
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			i := 0
			for pb.Next() {
				db.Lookup(addrs[i%len(addrs)])
				i++
			}
		})
	})
}

func writeFile(t testing.TB, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func copyFile(t testing.TB, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o600); err != nil {
		t.Fatal(err)
	}
}
