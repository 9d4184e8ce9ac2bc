package geoip

import (
	"bufio"
	"cmp"
	"compress/gzip"
	"encoding/binary"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/triage-dev/triage/internal/english"
	"github.com/triage-dev/triage/internal/enrich"
)

// csvSource is an ip-location-db CSV file, held in memory as ranges sorted
// by their first address.
//
// Each line is an inclusive range, ip_range_start,ip_range_end (addresses,
// or addresses as decimal numbers in the -num files), or a CIDR prefix,
// followed by one of three layouts, told apart by the number of columns:
//
//	country: country_code
//	asn:     autonomous_system_number, autonomous_system_organization
//	city:    country_code, state1, state2, city, postcode, latitude, longitude, timezone
//
// ip-location-db has also published city files with the columns in another
// order (country_code, city, state1, state2, latitude, longitude, postcode,
// timezone); which order a file uses is told by where the coordinates are.
// Ranges must not overlap (ip-location-db's do not).
type csvSource struct {
	v4   []span[uint32]
	v6   []span[u128]
	recs []csvRecord
}

type span[A any] struct {
	start, end A
	rec        uint32 // index in recs
}

type csvRecord struct {
	loc    enrich.Location
	coords bool
}

// The layouts of what follows the range.
const (
	layoutCountry = 1 // columns after the range
	layoutASN     = 2
	layoutCity    = 8
)

// The column orders of the city layout.
const (
	cityUnknown = iota
	cityStateFirst
	cityCityFirst
)

// csvLayouts says what to do with an unknown layout.
const csvLayouts = "want ip-location-db's ip_range_start,ip_range_end followed by country_code (country), autonomous_system_number,autonomous_system_organization (asn) or the 8 city columns; MaxMind's own CSV files are not supported: use the .mmdb file"

func openCSV(path string) (source, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("geoip: %s: cannot read it: check its permissions (%w)", path, err)
	}
	defer f.Close()
	var r io.Reader = bufio.NewReaderSize(f, 1<<16)
	if strings.HasSuffix(strings.ToLower(path), ".gz") {
		zr, err := gzip.NewReader(r)
		if err != nil {
			return nil, fmt.Errorf("geoip: %s: not a gzip file (corrupt?): download it again with triage geoip update (%w)", path, err)
		}
		r = zr
	}
	v6 := strings.Contains(strings.ToLower(filepath.Base(path)), "ipv6")
	s, err := readCSV(r, v6)
	if err != nil {
		return nil, fmt.Errorf("geoip: %s: %w", path, err)
	}
	if len(s.v4)+len(s.v6) == 0 {
		switch {
		case s.bad > 0:
			return nil, fmt.Errorf("geoip: %s: no usable line (line %d: %v): %s", path, s.firstBad, s.badErr, csvLayouts)
		case s.header != nil:
			return nil, fmt.Errorf("geoip: %s: no usable line (line 1: %v): %s", path, s.header, csvLayouts)
		}
		return nil, fmt.Errorf("geoip: %s: no entries: download it again with triage geoip update", path)
	}
	if s.bad > 0 {
		return &s.csvSource, fmt.Errorf("geoip: %s: %d %s skipped, the first is line %d: %v: check the file or download it again", path, s.bad, english.Noun(s.bad, "line", "lines"), s.firstBad, s.badErr)
	}
	return &s.csvSource, nil
}

// csvLoad is a CSV file being read.
type csvLoad struct {
	csvSource
	index    map[csvRecord]uint32
	cols     int   // columns after the range, from the first line
	city     int   // the city column order, once known
	header   error // why line 1 was taken for a header
	bad      int   // lines skipped
	firstBad int
	badErr   error
}

// readCSV reads a CSV file. numV6 says numeric addresses are IPv6 even when
// small. An error means the file cannot be used at all.
func readCSV(r io.Reader, numV6 bool) (*csvLoad, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	cr.TrimLeadingSpace = true
	cr.Comment = '#'
	s := &csvLoad{index: map[csvRecord]uint32{}}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			s.skip(pe.StartLine, pe.Err)
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("cannot read it (corrupt?): download it again with triage geoip update (%w)", err)
		}
		line, _ := cr.FieldPos(0)
		if err := s.add(rec, numV6); err != nil {
			if line == 1 && s.cols == 0 {
				s.header = err // a header, or not a CSV file we know
				continue
			}
			if errors.Is(err, errLayout) {
				return nil, fmt.Errorf("line %d: %w: %s", line, err, csvLayouts)
			}
			s.skip(line, err)
		}
	}
	slices.SortFunc(s.v4, func(a, b span[uint32]) int { return cmp.Compare(a.start, b.start) })
	slices.SortFunc(s.v6, func(a, b span[u128]) int { return a.start.cmp(b.start) })
	s.index = nil
	return s, nil
}

func (s *csvLoad) skip(line int, err error) {
	if s.bad == 0 {
		s.firstBad, s.badErr = line, err
	}
	s.bad++
}

var errLayout = errors.New("not an ip-location-db CSV file")

// add adds one line.
func (s *csvLoad) add(rec []string, numV6 bool) error {
	if len(rec) < 2 {
		return fmt.Errorf("%d column: %w", len(rec), errLayout)
	}
	var start, end netip.Addr
	var rest []string
	if strings.Contains(rec[0], "/") {
		p, err := netip.ParsePrefix(strings.TrimSpace(rec[0]))
		if err != nil {
			return err
		}
		p = p.Masked()
		start, end, rest = p.Addr(), lastAddr(p), rec[1:]
	} else {
		var err error
		if start, err = parseAddr(rec[0], numV6); err != nil {
			return err
		}
		if end, err = parseAddr(rec[1], numV6); err != nil {
			return err
		}
		rest = rec[2:]
	}
	if start.Is4() != end.Is4() || end.Less(start) {
		return fmt.Errorf("range %s-%s is not a range", start, end)
	}
	if s.cols == 0 {
		switch len(rest) {
		case layoutCountry, layoutASN, layoutCity:
			s.cols = len(rest)
		default:
			return fmt.Errorf("%d columns: %w", len(rec), errLayout)
		}
	}
	if len(rest) != s.cols {
		return fmt.Errorf("%d columns, the first line has %d", len(rec), len(rec)-len(rest)+s.cols)
	}
	r, ok, err := s.record(rest)
	if err != nil || !ok {
		return err
	}
	i, seen := s.index[r]
	if !seen {
		l := &r.loc
		l.CountryCode, l.Region, l.City, l.ASOrg = strings.Clone(l.CountryCode), strings.Clone(l.Region), strings.Clone(l.City), strings.Clone(l.ASOrg)
		if len(s.recs) == math.MaxUint32 {
			return errors.New("too many distinct entries")
		}
		i = uint32(len(s.recs))
		s.recs = append(s.recs, r)
		s.index[r] = i
	}
	if start.Is4() {
		s.v4 = append(s.v4, span[uint32]{v4(start), v4(end), i})
	} else {
		s.v6 = append(s.v6, span[u128]{u128From(start), u128From(end), i})
	}
	return nil
}

// record returns what a line says about its range; ok is false when it
// says nothing.
func (s *csvLoad) record(c []string) (r csvRecord, ok bool, err error) {
	switch s.cols {
	case layoutCountry:
		r.loc.CountryCode = strings.ToUpper(strings.TrimSpace(c[0]))
	case layoutASN:
		n := strings.TrimPrefix(strings.ToUpper(strings.TrimSpace(c[0])), "AS")
		asn, err := strconv.ParseUint(n, 10, 32)
		if err != nil {
			return r, false, fmt.Errorf("AS number %q: want a number", c[0])
		}
		r.loc.ASN, r.loc.ASOrg = uint(asn), strings.TrimSpace(c[1])
	case layoutCity:
		if s.city == cityUnknown {
			switch {
			case isCoord(c[5]) && isCoord(c[6]):
				s.city = cityStateFirst
			case isCoord(c[4]) && isCoord(c[5]):
				s.city = cityCityFirst
			}
		}
		cc, region, city, lat, lon := c[0], c[1], c[3], c[5], c[6]
		if s.city == cityCityFirst {
			cc, city, region, lat, lon = c[0], c[1], c[2], c[4], c[5]
		}
		r.loc.CountryCode = strings.ToUpper(strings.TrimSpace(cc))
		r.loc.Region, r.loc.City = strings.TrimSpace(region), strings.TrimSpace(city)
		la, errLa := strconv.ParseFloat(strings.TrimSpace(lat), 64)
		lo, errLo := strconv.ParseFloat(strings.TrimSpace(lon), 64)
		if errLa == nil && errLo == nil && math.Abs(la) <= 90 && math.Abs(lo) <= 180 {
			r.loc.Latitude, r.loc.Longitude, r.coords = la, lo, true
		}
	}
	return r, r.loc != (enrich.Location{}), nil
}

// isCoord reports whether s looks like a coordinate: a number with a
// decimal point (a postcode has none).
func isCoord(s string) bool {
	s = strings.TrimSpace(s)
	if !strings.Contains(s, ".") {
		return false
	}
	_, err := strconv.ParseFloat(s, 64)
	return err == nil
}

// parseAddr parses an address given as text or as a decimal number; a
// number is IPv4 if it fits in 32 bits, unless v6.
func parseAddr(s string, v6 bool) (netip.Addr, error) {
	s = strings.TrimSpace(s)
	if strings.ContainsAny(s, ".:") {
		a, err := netip.ParseAddr(s)
		return a.Unmap(), err
	}
	if n, err := strconv.ParseUint(s, 10, 64); err == nil {
		if !v6 && n <= math.MaxUint32 {
			return v4addr(uint32(n)), nil
		}
		return u128{0, n}.addr(), nil
	}
	n, ok := new(big.Int).SetString(s, 10)
	if !ok || n.Sign() < 0 || n.BitLen() > 128 {
		return netip.Addr{}, fmt.Errorf("%q is not an IP address", s)
	}
	var b [16]byte
	return netip.AddrFrom16([16]byte(n.FillBytes(b[:]))), nil
}

func (s *csvSource) lookup(a netip.Addr) (hit, error) {
	var rec uint32
	var p netip.Prefix
	if a.Is4() {
		x := v4(a)
		i, found := slices.BinarySearchFunc(s.v4, x, func(e span[uint32], x uint32) int { return cmp.Compare(e.start, x) })
		if !found {
			i--
		}
		if i < 0 || s.v4[i].end < x {
			return hit{}, nil
		}
		rec, p = s.v4[i].rec, widest4(x, s.v4[i].start, s.v4[i].end)
	} else {
		x := u128From(a)
		i, found := slices.BinarySearchFunc(s.v6, x, func(e span[u128], x u128) int { return e.start.cmp(x) })
		if !found {
			i--
		}
		if i < 0 || s.v6[i].end.cmp(x) < 0 {
			return hit{}, nil
		}
		rec, p = s.v6[i].rec, widest6(x, s.v6[i].start, s.v6[i].end)
	}
	r := s.recs[rec]
	return hit{loc: r.loc, coords: r.coords, prefix: p}, nil
}

func (s *csvSource) close() error { return nil }

var _ source = (*csvSource)(nil)

// widest4 returns the shortest prefix holding x within [start, end].
func widest4(x, start, end uint32) netip.Prefix {
	for bits := 0; bits < 32; bits++ {
		m := ^uint32(0) << (32 - bits)
		if lo := x & m; lo >= start && lo|^m <= end {
			return netip.PrefixFrom(v4addr(lo), bits)
		}
	}
	return netip.PrefixFrom(v4addr(x), 32)
}

// widest6 returns the shortest prefix holding x within [start, end].
func widest6(x, start, end u128) netip.Prefix {
	for bits := 0; bits < 128; bits++ {
		m := mask128(bits)
		lo := u128{x.hi & m.hi, x.lo & m.lo}
		hi := u128{lo.hi | ^m.hi, lo.lo | ^m.lo}
		if lo.cmp(start) >= 0 && hi.cmp(end) <= 0 {
			return netip.PrefixFrom(lo.addr(), bits)
		}
	}
	return netip.PrefixFrom(x.addr(), 128)
}

// lastAddr returns the last address of p.
func lastAddr(p netip.Prefix) netip.Addr {
	if p.Addr().Is4() {
		return v4addr(v4(p.Addr()) | ^(^uint32(0) << (32 - p.Bits())))
	}
	x, m := u128From(p.Addr()), mask128(p.Bits())
	return u128{x.hi | ^m.hi, x.lo | ^m.lo}.addr()
}

func v4(a netip.Addr) uint32 {
	b := a.As4()
	return binary.BigEndian.Uint32(b[:])
}

func v4addr(x uint32) netip.Addr {
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], x)
	return netip.AddrFrom4(b)
}

// u128 is an IPv6 address as a number.
type u128 struct{ hi, lo uint64 }

func u128From(a netip.Addr) u128 {
	b := a.As16()
	return u128{binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:])}
}

func (u u128) addr() netip.Addr {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], u.hi)
	binary.BigEndian.PutUint64(b[8:], u.lo)
	return netip.AddrFrom16(b)
}

func (u u128) cmp(v u128) int {
	if c := cmp.Compare(u.hi, v.hi); c != 0 {
		return c
	}
	return cmp.Compare(u.lo, v.lo)
}

// mask128 returns the mask of a prefix of bits bits.
func mask128(bits int) u128 {
	switch {
	case bits <= 0:
		return u128{}
	case bits <= 64:
		return u128{^uint64(0) << (64 - bits), 0}
	case bits < 128:
		return u128{^uint64(0), ^uint64(0) << (128 - bits)}
	}
	return u128{^uint64(0), ^uint64(0)}
}
