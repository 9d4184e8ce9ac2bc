package geoip

import (
	"bytes"
	"encoding/binary"
	"math"
	"net/netip"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/triage-dev/triage/internal/enrich"
)

// mmdbFile builds a MaxMind DB file, as ip-location-db publishes them:
// 32-bit records, flat maps. IPv4 prefixes go in the IPv4 subtree (::/96) of
// an IPv6 database. Values may be strings, float64, uint32 and maps.
func mmdbFile(t testing.TB, dbType string, ipVersion int, records map[netip.Prefix]map[string]any) []byte {
	t.Helper()
	type node struct{ rec [2]int } // ≥0 a node, -1 nothing, ≤-2 data -(i+2)
	nodes := []node{{[2]int{-1, -1}}}
	var data bytes.Buffer
	var offsets []int
	prefixes := make([]netip.Prefix, 0, len(records))
	for p := range records {
		prefixes = append(prefixes, p)
	}
	slices.SortFunc(prefixes, func(a, b netip.Prefix) int { return a.Addr().Compare(b.Addr()) })
	for _, p := range prefixes {
		offsets = append(offsets, data.Len())
		mmdbEncode(t, &data, records[p])
		a, bits := p.Addr().As16(), p.Bits()
		if p.Addr().Is4() {
			if ipVersion == 6 {
				a, bits = [16]byte{}, bits+96
				copy(a[12:], p.Addr().AsSlice())
			} else {
				copy(a[:], p.Addr().AsSlice())
			}
		}
		n := 0
		for i := range bits {
			b := a[i/8] >> (7 - i%8) & 1
			if i == bits-1 {
				nodes[n].rec[b] = -(len(offsets) - 1) - 2
				break
			}
			if nodes[n].rec[b] == -1 {
				nodes = append(nodes, node{[2]int{-1, -1}})
				nodes[n].rec[b] = len(nodes) - 1
			}
			if nodes[n].rec[b] < 0 {
				t.Fatalf("mmdbFile: %s overlaps another prefix", p)
			}
			n = nodes[n].rec[b]
		}
	}
	var out bytes.Buffer
	count := len(nodes)
	for _, nd := range nodes {
		for _, r := range nd.rec {
			v := count // nothing
			switch {
			case r >= 0:
				v = r
			case r <= -2:
				v = count + 16 + offsets[-r-2]
			}
			binary.Write(&out, binary.BigEndian, uint32(v))
		}
	}
	out.Write(make([]byte, 16))
	out.Write(data.Bytes())
	out.WriteString("\xAB\xCD\xEFMaxMind.com")
	mmdbEncode(t, &out, map[string]any{
		"node_count": uint32(count), "record_size": uint16(32), "ip_version": uint16(ipVersion),
		"database_type": dbType, "binary_format_major_version": uint16(2), "binary_format_minor_version": uint16(0),
		"build_epoch": uint32(1780000000), "languages": []any{"en"}, "description": map[string]any{"en": "triage test database"},
	})
	return out.Bytes()
}

// mmdbEncode appends v in the MaxMind DB data format.
func mmdbEncode(t testing.TB, w *bytes.Buffer, v any) {
	t.Helper()
	ctrl := func(typ, size int) {
		bits, extra := size, -1
		switch {
		case size >= 29+256:
			t.Fatalf("mmdbEncode: size %d too large for this encoder", size)
		case size >= 29:
			bits, extra = 29, size-29
		}
		if typ <= 7 {
			w.WriteByte(byte(typ<<5 | bits))
		} else {
			w.WriteByte(byte(bits))
			w.WriteByte(byte(typ - 7))
		}
		if extra >= 0 {
			w.WriteByte(byte(extra))
		}
	}
	switch v := v.(type) {
	case string:
		ctrl(2, len(v))
		w.WriteString(v)
	case float64:
		ctrl(3, 8)
		binary.Write(w, binary.BigEndian, math.Float64bits(v))
	case uint16:
		ctrl(5, 2)
		binary.Write(w, binary.BigEndian, v)
	case uint32:
		ctrl(6, 4)
		binary.Write(w, binary.BigEndian, v)
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		ctrl(7, len(keys))
		for _, k := range keys {
			mmdbEncode(t, w, k)
			mmdbEncode(t, w, v[k])
		}
	case []any:
		ctrl(11, len(v))
		for _, e := range v {
			mmdbEncode(t, w, e)
		}
	default:
		t.Fatalf("mmdbEncode: %T not supported", v)
	}
}

func TestFlatMMDB(t *testing.T) {
	dir := t.TempDir()
	country := filepath.Join(dir, "geo-whois-asn-country.mmdb")
	writeFile(t, country, string(mmdbFile(t, "geo-whois-asn-country", 6, map[netip.Prefix]map[string]any{
		netip.MustParsePrefix("192.0.2.0/24"):  {"country_code": "FR"},
		netip.MustParsePrefix("2001:db8::/32"): {"country_code": "DE"},
	})))
	city := filepath.Join(dir, "dbip-city-ipv4.mmdb")
	writeFile(t, city, string(mmdbFile(t, "city ipv4", 4, map[netip.Prefix]map[string]any{
		netip.MustParsePrefix("198.51.100.0/24"): {"city": "Amsterdam", "country_code": "NL", "latitude": "52.374", "longitude": "4.8897", "state1": "North Holland", "state2": "", "postcode": "1012", "timezone": "Europe/Amsterdam"},
		netip.MustParsePrefix("203.0.113.0/25"):  {"city": "Nowhere", "country_code": "US", "latitude": "", "longitude": ""},
		netip.MustParsePrefix("192.0.2.0/25"):    {"city": "Paris", "country_code": "FR", "latitude": 48.8566, "longitude": 2.3522},
	})))
	asn := filepath.Join(dir, "asn.mmdb")
	writeFile(t, asn, string(mmdbFile(t, "asn", 6, map[netip.Prefix]map[string]any{
		netip.MustParsePrefix("81.2.69.0/24"): {"autonomous_system_number": uint32(20712), "autonomous_system_organization": "Example Transit Ltd"},
	})))

	db := open(t, Options{Files: []string{country, city, asn, countryDB}})
	noProblems(t, db)
	for a, want := range map[string]enrich.Location{
		// The city file's Paris is more precise than the country file's FR.
		"192.0.2.7":   {CountryCode: "FR", City: "Paris", Latitude: 48.8566, Longitude: 2.3522, Network: "192.0.2.0/25", Source: "dbip-city-ipv4.mmdb"},
		"192.0.2.200": {CountryCode: "FR", Network: "192.0.2.0/24", Source: "geo-whois-asn-country.mmdb"},
		"198.51.100.1": {CountryCode: "NL", Region: "North Holland", City: "Amsterdam", Latitude: 52.374, Longitude: 4.8897,
			Network: "198.51.100.0/24", Source: "dbip-city-ipv4.mmdb"},
		// Coordinates given as "" are unknown, not 0,0.
		"203.0.113.1": {CountryCode: "US", City: "Nowhere", Network: "203.0.113.0/25", Source: "dbip-city-ipv4.mmdb"},
		// The IPv4-only file is not asked about IPv6 (and is not taken
		// for damaged).
		"2001:db8::1": {CountryCode: "DE", Network: "2001:db8::/32", Source: "geo-whois-asn-country.mmdb"},
		// The country name comes from MaxMind's Country file, which
		// agrees on GB; the AS from the flat ASN file.
		"81.2.69.142": {CountryCode: "GB", Country: "United Kingdom", ASN: 20712, ASOrg: "Example Transit Ltd",
			Network: "81.2.69.142/31", Source: "asn.mmdb, GeoIP2-Country-Test.mmdb"},
	} {
		got, err := db.Lookup(netip.MustParseAddr(a))
		if err != nil {
			t.Errorf("Lookup(%s): %v", a, err)
			continue
		}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("Lookup(%s) (-want +got):\n%s", a, d)
		}
	}
	noProblems(t, db)

	for _, f := range []string{country, city} {
		s, err := openFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if !s.(*mmdbSource).flat {
			t.Errorf("%s not read as ip-location-db's flat layout", f)
		}
		s.close()
	}
	s, err := openFile(cityDB)
	if err != nil {
		t.Fatal(err)
	}
	defer s.close()
	if s.(*mmdbSource).flat {
		t.Errorf("%s read as a flat layout, want MaxMind's", cityDB)
	}
}

// Update checks a flat file in full, as it does MaxMind's.
func TestValidateFlatMMDB(t *testing.T) {
	p := filepath.Join(t.TempDir(), "x.mmdb")
	writeFile(t, p, string(mmdbFile(t, "country", 6, map[netip.Prefix]map[string]any{netip.MustParsePrefix("192.0.2.0/24"): {"country_code": "FR"}})))
	if err := validate(p, "x.mmdb"); err != nil {
		t.Errorf("validate: %v", err)
	}
	writeFile(t, p, strings.Repeat("x", 100))
	if err := validate(p, "x.mmdb"); err == nil {
		t.Error("validate accepted a file that is not a database")
	}
}
