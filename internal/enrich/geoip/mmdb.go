package geoip

import (
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"strconv"
	"strings"

	"github.com/oschwald/maxminddb-golang/v2"
	"github.com/oschwald/maxminddb-golang/v2/mmdbdata"

	"github.com/triage-dev/triage/internal/enrich"
)

// mmdbSource is a MaxMind DB file: MaxMind's (and DB-IP's) nested GeoIP2
// layout, or ip-location-db's flat one.
type mmdbSource struct {
	r      *maxminddb.Reader
	flat   bool // ip-location-db's layout: country_code, city, state1, latitude...
	v4only bool // the file holds IPv4 networks only
}

// sampleSize is how many records Open decodes to find a file's layout and
// to catch a damaged file early. Checking every record (Verify) takes
// seconds on a city database, so Open leaves that to Update; a damaged
// record met later disables the file (DB.markBroken).
const sampleSize = 32

func openMMDB(path string) (source, error) {
	var r *maxminddb.Reader
	var err error
	if strings.HasSuffix(strings.ToLower(path), ".gz") {
		r, err = openMMDBGzip(path)
	} else {
		r, err = maxminddb.Open(path)
	}
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			return nil, fmt.Errorf("geoip: %s: cannot read it: check its permissions (%w)", path, err)
		}
		return nil, fmt.Errorf("geoip: %s: not a MaxMind database (corrupt?): download it again with triage geoip update (%w)", path, err)
	}
	s := &mmdbSource{r: r, v4only: r.Metadata.IPVersion == 4}
	if err := s.sample(); err != nil {
		r.Close()
		return nil, fmt.Errorf("geoip: %s: corrupt MaxMind database: download it again with triage geoip update (%w)", path, err)
	}
	return s, nil
}

func openMMDBGzip(path string) (*maxminddb.Reader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, err
	}
	b, err := io.ReadAll(io.LimitReader(zr, maxFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxFileSize {
		return nil, fmt.Errorf("larger than %d MiB unpacked", maxFileSize>>20)
	}
	return maxminddb.OpenBytes(b)
}

// sample decodes the first records to tell the layouts apart (MaxMind's
// "country" and "city" are maps, ip-location-db's "city" is a string and it
// has "country_code") and to check that they decode.
func (s *mmdbSource) sample() error {
	n := 0
	decided := false
	for res := range s.r.Networks() {
		if n == sampleSize {
			break
		}
		n++
		if !decided {
			var p struct {
				Country     any `maxminddb:"country"`
				City        any `maxminddb:"city"`
				Location    any `maxminddb:"location"`
				CountryCode any `maxminddb:"country_code"`
				Latitude    any `maxminddb:"latitude"`
			}
			if err := res.Decode(&p); err != nil {
				return err
			}
			_, cityName := p.City.(string)
			switch {
			case isMap(p.Country) || isMap(p.City) || isMap(p.Location):
				decided = true
			case p.CountryCode != nil || cityName || p.Latitude != nil:
				s.flat, decided = true, true
			}
		}
		if _, err := s.decode(res); err != nil {
			return err
		}
	}
	return nil
}

func isMap(v any) bool {
	_, ok := v.(map[string]any)
	return ok
}

func (s *mmdbSource) lookup(a netip.Addr) (hit, error) {
	if s.v4only && a.Is6() {
		return hit{}, nil
	}
	res := s.r.Lookup(a)
	if err := res.Err(); err != nil {
		return hit{}, err
	}
	if !res.Found() {
		return hit{}, nil
	}
	h, err := s.decode(res)
	var te maxminddb.UnmarshalTypeError
	if errors.As(err, &te) {
		// A record of another shape than expected is not damage: the
		// file knows nothing we can use about a.
		return hit{}, nil
	}
	if err != nil {
		return hit{}, err
	}
	h.prefix = res.Prefix()
	return h, nil
}

func (s *mmdbSource) decode(res maxminddb.Result) (hit, error) {
	if s.flat {
		var r flatRecord
		if err := res.Decode(&r); err != nil {
			return hit{}, err
		}
		return r.hit(), nil
	}
	var r geoIP2Record
	if err := res.Decode(&r); err != nil {
		return hit{}, err
	}
	return r.hit(), nil
}

func (s *mmdbSource) close() error { return s.r.Close() }

var _ source = (*mmdbSource)(nil)

// names are a record's names; only the English one is decoded.
type names struct {
	En string `maxminddb:"en"`
}

// geoIP2Record is the part of a MaxMind GeoIP2/GeoLite2 City, Country or
// ASN record (and DB-IP's) that Location holds.
type geoIP2Record struct {
	Country struct {
		ISOCode string `maxminddb:"iso_code"`
		Names   names  `maxminddb:"names"`
	} `maxminddb:"country"`
	Subdivisions []struct {
		Names names `maxminddb:"names"`
	} `maxminddb:"subdivisions"`
	City struct {
		Names names `maxminddb:"names"`
	} `maxminddb:"city"`
	Location struct {
		Latitude  *float64 `maxminddb:"latitude"`
		Longitude *float64 `maxminddb:"longitude"`
	} `maxminddb:"location"`
	ASN   uint   `maxminddb:"autonomous_system_number"`
	ASOrg string `maxminddb:"autonomous_system_organization"`
}

func (r *geoIP2Record) hit() hit {
	h := hit{loc: enrich.Location{
		CountryCode: r.Country.ISOCode,
		Country:     r.Country.Names.En,
		City:        r.City.Names.En,
		ASN:         r.ASN,
		ASOrg:       r.ASOrg,
	}}
	if len(r.Subdivisions) > 0 {
		h.loc.Region = r.Subdivisions[0].Names.En
	}
	if r.Location.Latitude != nil && r.Location.Longitude != nil {
		h.loc.Latitude, h.loc.Longitude, h.coords = *r.Location.Latitude, *r.Location.Longitude, true
	}
	return h
}

// flatRecord is an ip-location-db record: country, city or asn.
type flatRecord struct {
	CountryCode string `maxminddb:"country_code"`
	State1      string `maxminddb:"state1"`
	City        string `maxminddb:"city"`
	Latitude    coord  `maxminddb:"latitude"`
	Longitude   coord  `maxminddb:"longitude"`
	ASN         uint   `maxminddb:"autonomous_system_number"`
	ASOrg       string `maxminddb:"autonomous_system_organization"`
}

func (r *flatRecord) hit() hit {
	h := hit{loc: enrich.Location{
		CountryCode: r.CountryCode,
		Region:      r.State1,
		City:        r.City,
		ASN:         r.ASN,
		ASOrg:       r.ASOrg,
	}}
	if r.Latitude.ok && r.Longitude.ok {
		h.loc.Latitude, h.loc.Longitude, h.coords = r.Latitude.v, r.Longitude.v, true
	}
	return h
}

// coord is a latitude or longitude that ip-location-db stores as a string
// ("" when unknown) and other flat files as a number.
type coord struct {
	v  float64
	ok bool
}

var _ mmdbdata.CursorUnmarshaler = (*coord)(nil)

// UnmarshalMaxMindDBCursor decodes a string or floating-point number.
func (c *coord) UnmarshalMaxMindDBCursor(cur mmdbdata.Cursor) (mmdbdata.Cursor, error) {
	k, err := cur.Kind()
	if err != nil {
		return mmdbdata.Cursor{}, err
	}
	switch k {
	case mmdbdata.KindString:
		s, next, err := cur.ReadStringMaxSize(64)
		if err != nil {
			return mmdbdata.Cursor{}, mmdbdata.NormalizeUnmarshalError[coord](err)
		}
		if v, err := strconv.ParseFloat(strings.TrimSpace(s), 64); err == nil {
			c.v, c.ok = v, true
		}
		return next, nil
	case mmdbdata.KindFloat64, mmdbdata.KindFloat32:
		v, next, err := cur.ReadFloat()
		if err != nil {
			return mmdbdata.Cursor{}, mmdbdata.NormalizeUnmarshalError[coord](err)
		}
		c.v, c.ok = v, true
		return next, nil
	}
	next, err := cur.Skip()
	return next, err
}
