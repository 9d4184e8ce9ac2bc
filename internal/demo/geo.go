package demo

import (
	"net/netip"
	"strconv"

	"github.com/triage-dev/triage/internal/enrich"
)

// Locations returns where every public address of the demo is, as fixed
// GeoIP entries (geoip.Options.Static), so that the demo can show a map
// without a GeoIP download: one single-address prefix each. Every address is
// from a documentation range (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24,
// 2001:db8::/32) and every ASN from the documentation range 64496-64511; the
// places are real cities.
func Locations() map[netip.Prefix]enrich.Location {
	out := make(map[netip.Prefix]enrich.Location, len(geoTable))
	for _, l := range geoTable {
		a := netip.MustParseAddr(l.ip)
		out[netip.PrefixFrom(a, a.BitLen())] = l.Location
	}
	return out
}

// addrLocation is a public demo address and where it is.
type addrLocation struct {
	ip string
	enrich.Location
}

// place is a city.
type place struct {
	cc, country, region, city string
	lat, lon                  float64
}

var (
	plSeattle      = place{"US", "United States", "Washington", "Seattle", 47.6062, -122.3321}
	plRedmond      = place{"US", "United States", "Washington", "Redmond", 47.6740, -122.1215}
	plBellevue     = place{"US", "United States", "Washington", "Bellevue", 47.6101, -122.2015}
	plTacoma       = place{"US", "United States", "Washington", "Tacoma", 47.2529, -122.4443}
	plAshburn      = place{"US", "United States", "Virginia", "Ashburn", 39.0438, -77.4874}
	plDallas       = place{"US", "United States", "Texas", "Dallas", 32.7767, -96.7970}
	plSanAntonio   = place{"US", "United States", "Texas", "San Antonio", 29.4241, -98.4936}
	plToronto      = place{"CA", "Canada", "Ontario", "Toronto", 43.6532, -79.3832}
	plLondon       = place{"GB", "United Kingdom", "England", "London", 51.5074, -0.1278}
	plReading      = place{"GB", "United Kingdom", "England", "Reading", 51.4543, -0.9781}
	plCambridge    = place{"GB", "United Kingdom", "England", "Cambridge", 52.2053, 0.1218}
	plManchester   = place{"GB", "United Kingdom", "England", "Manchester", 53.4808, -2.2426}
	plDublin       = place{"IE", "Ireland", "Leinster", "Dublin", 53.3498, -6.2603}
	plAmsterdam    = place{"NL", "Netherlands", "North Holland", "Amsterdam", 52.3676, 4.9041}
	plFrankfurt    = place{"DE", "Germany", "Hesse", "Frankfurt am Main", 50.1109, 8.6821}
	plParis        = place{"FR", "France", "Ile-de-France", "Paris", 48.8566, 2.3522}
	plVilnius      = place{"LT", "Lithuania", "Vilnius County", "Vilnius", 54.6872, 25.2797}
	plBucharest    = place{"RO", "Romania", "Bucharest", "Bucharest", 44.4268, 26.1025}
	plSaoPaulo     = place{"BR", "Brazil", "Sao Paulo", "Sao Paulo", -23.5505, -46.6333}
	plJohannesburg = place{"ZA", "South Africa", "Gauteng", "Johannesburg", -26.2041, 28.0473}
	plMumbai       = place{"IN", "India", "Maharashtra", "Mumbai", 19.0760, 72.8777}
	plHanoi        = place{"VN", "Vietnam", "Hanoi", "Hanoi", 21.0278, 105.8342}
	plSeoul        = place{"KR", "South Korea", "Seoul", "Seoul", 37.5665, 126.9780}
	plSingapore    = place{"SG", "Singapore", "Singapore", "Singapore", 1.3521, 103.8198}
)

// network is an autonomous system of the demo (documentation ASNs only).
type network struct {
	asn int
	org string
}

var (
	asContoso    = network{64496, "Contoso Demo Ltd"}
	asVPN        = network{64497, "Example Secure VPN (demo)"}
	asCloud      = network{64498, "Example Cloud Hosting (demo)"}
	asMonitor    = network{64499, "StatusPing Monitoring (demo)"}
	asPentest    = network{64500, "RedTeam Partners (demo)"}
	asAnonymiser = network{64501, "Anonymizer VPS Hosting (demo)"}
	asBulletHost = network{64502, "Bulletproof Example Hosting (demo)"}
	asSaaS       = network{64503, "Example SaaS CDN (demo)"}
	asBroadband  = network{64504, "Example Broadband (demo)"}
	asMobile     = network{64505, "Example Mobile (demo)"}
	asScanner    = network{64506, "Example Transit Networks (demo)"}
	asThreatFeed = network{64507, "Example Dedicated Servers (demo)"}
)

// geoTable holds the location of every public address; geoIndex finds them.
var (
	geoTable = buildGeo()
	geoIndex = func() map[string]int {
		m := make(map[string]int, len(geoTable))
		for i, l := range geoTable {
			m[l.ip] = i
		}
		return m
	}()
)

// geoOf returns the location of a public demo address.
func geoOf(ip string) (addrLocation, bool) {
	i, ok := geoIndex[ip]
	if !ok {
		return addrLocation{}, false
	}
	return geoTable[i], true
}

func buildGeo() []addrLocation {
	var out []addrLocation
	add := func(ip string, p place, n network) {
		out = append(out, addrLocation{ip: ip, Location: enrich.Location{
			CountryCode: p.cc, Country: p.country, Region: p.region, City: p.city,
			Latitude: p.lat, Longitude: p.lon, ASN: uint(n.asn), ASOrg: n.org,
		}})
	}

	// The attacker and its infrastructure.
	add(attackerIP, plAmsterdam, asAnonymiser)
	add(attackerIPv6, plAmsterdam, asAnonymiser)
	add(c2IP, plVilnius, asBulletHost)
	add(phishHostIP, plBucharest, asBulletHost)

	// The company's own addresses and the benign services around it.
	add(officeSeattleIP, plSeattle, asContoso)
	add(officeLondonIP, plLondon, asContoso)
	add(vpnEgressIP, plAshburn, asVPN)
	add(webPublicIP, plAmsterdam, asCloud)
	add(monitorIP, plFrankfurt, asMonitor)
	add(pentestIP, plManchester, asPentest)

	// Where the employees work from home.
	seaHomes := []place{plSeattle, plRedmond, plBellevue, plTacoma}
	lonHomes := []place{plLondon, plReading, plCambridge}
	for i, u := range users {
		homes, mobile := seaHomes, plSeattle
		if u.site == siteLondon {
			homes, mobile = lonHomes, plLondon
		}
		add(u.home, homes[i%len(homes)], asBroadband)
		if u.mobile != "" {
			add(u.mobile, mobile, asMobile)
		}
	}
	// A traveller's hotel.
	add(travelIP, plToronto, asBroadband)

	// SaaS and CDN endpoints that background traffic goes to.
	saasPlaces := []place{plDublin, plAmsterdam, plSeattle, plSanAntonio, plFrankfurt, plLondon, plSingapore, plParis}
	for i, ip := range saasIPs {
		add(ip, saasPlaces[i%len(saasPlaces)], asSaaS)
	}

	// Internet scanners that knock on the public web server.
	scanPlaces := []place{plSaoPaulo, plHanoi, plMumbai, plDallas, plSeoul, plJohannesburg, plParis, plSingapore, plBucharest, plToronto}
	for i, ip := range scannerIPs {
		add(ip, scanPlaces[i%len(scanPlaces)], asScanner)
	}

	// Addresses that are only in the threat-intelligence feed.
	feedPlaces := []place{plSingapore, plSaoPaulo, plJohannesburg, plDallas, plSeoul, plHanoi}
	n := 0
	for _, f := range unrelatedFeed {
		if f.key == obsIPv4 || f.key == obsIPv6 {
			if _, dup := findLoc(out, f.value); !dup {
				add(f.value, feedPlaces[n%len(feedPlaces)], asThreatFeed)
				n++
			}
		}
	}
	return out
}

func findLoc(ls []addrLocation, ip string) (int, bool) {
	for i, l := range ls {
		if l.ip == ip {
			return i, true
		}
	}
	return -1, false
}

// seq returns prefix+first ... prefix+(first+n-1).
func seq(prefix string, first, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = prefix + strconv.Itoa(first+i)
	}
	return out
}
