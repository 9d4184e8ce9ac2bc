package summary

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/triage-dev/triage/internal/enrich"
	"github.com/triage-dev/triage/internal/triage"
)

// entityLocation reads the location Sentinel attaches to an Ip entity
// (properties.location: countryCode, countryName, state, city, latitude,
// longitude, asn, organization or carrier), for when no GeoIP database
// knows the address. ok is false when the entity carries none.
func entityLocation(e triage.Entity) (enrich.Location, bool) {
	loc, _ := e.Properties["location"].(map[string]any)
	if loc == nil {
		return enrich.Location{}, false
	}
	l := enrich.Location{
		CountryCode: lookupFold(loc, "countryCode"),
		Country:     lookupFold(loc, "countryName"),
		Region:      lookupFold(loc, "state"),
		City:        lookupFold(loc, "city"),
		ASOrg:       firstNonEmpty(lookupFold(loc, "organization"), lookupFold(loc, "carrier")),
		Source:      "the incident's entity",
	}
	l.Latitude, _ = strconv.ParseFloat(lookupFold(loc, "latitude"), 64)
	l.Longitude, _ = strconv.ParseFloat(lookupFold(loc, "longitude"), 64)
	if n, err := strconv.ParseUint(lookupFold(loc, "asn"), 10, 32); err == nil {
		l.ASN = uint(n)
	}
	return l, l.CountryCode != "" || l.Country != "" || l.City != "" || l.ASN != 0
}

// lookupFold returns the value of key in m, matching names
// case-insensitively, formatted as text; "" for absent, empty or zero.
func lookupFold(m map[string]any, key string) string {
	for k, v := range m {
		if strings.EqualFold(k, key) && v != nil {
			s := fmt.Sprint(v)
			if s != "" && s != "0" {
				return s
			}
		}
	}
	return ""
}

// placeOf is a location as one line: "Seattle, Washington, United States".
func placeOf(l enrich.Location) string {
	var parts []string
	for _, s := range []string{l.City, l.Region, firstNonEmpty(l.Country, l.CountryCode)} {
		if s != "" {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, ", ")
}
