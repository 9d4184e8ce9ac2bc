// Package geoip locates IP addresses from local databases: MaxMind
// GeoIP2/GeoLite2 City, Country and ASN files, the ip-location-db mmdb and
// CSV files, and fixed entries (the demo's).
//
// Open reads every file it is given and keeps those it can use; Problems
// says, file by file, what could not be used and what to do about it.
// Lookup asks every source and merges the answers: the location (country,
// region, city, coordinates) from the source that knows it most precisely,
// the AS number and organisation from the first source that knows them.
// Update downloads databases. Nothing here reaches the network except
// Update.
package geoip

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/triage-dev/triage/internal/enrich"
)

// ErrNotFound is returned by Lookup when no database knows the address. It
// matches enrich.ErrUnknown.
var ErrNotFound = enrich.Unknown("address not in any GeoIP database")

// ErrClosed is returned by Lookup after Close.
var ErrClosed = errors.New("geoip: database closed")

// StaticSource is the Source of fixed entries.
const StaticSource = "static"

// Options says which databases Open reads.
type Options struct {
	// Files are MaxMind DB files (.mmdb: MaxMind GeoIP2/GeoLite2, DB-IP or
	// ip-location-db) and ip-location-db CSV files (.csv: the country, asn
	// and city layouts, addresses as text, numbers or CIDR prefixes); either
	// may be gzipped (.gz). Earlier files win when two are equally precise.
	Files []string
	// Static are fixed entries; they win over files. The longest matching
	// prefix applies; its Network and Source are set by Lookup.
	Static map[netip.Prefix]enrich.Location
}

// DB answers lookups from the sources Open could use. It is safe for
// concurrent use.
type DB struct {
	// mu is held for reading by lookups and for writing by Close: a
	// memory-mapped file must not be unmapped under a lookup.
	mu      sync.RWMutex
	closed  bool
	static  []staticEntry // longest prefix first
	sources []*fileSource
	names   []string

	pmu      sync.Mutex
	problems []error
}

type staticEntry struct {
	prefix netip.Prefix
	loc    enrich.Location
}

// fileSource is one file that Open could use.
type fileSource struct {
	name   string // base name, reported as Source
	path   string
	src    source
	broken atomic.Bool // set when a lookup found the file damaged
}

// source is one database file's contents.
type source interface {
	// lookup returns what the file knows about a (an unmapped address
	// without zone). An error means the file is damaged.
	lookup(a netip.Addr) (hit, error)
	close() error
}

// hit is one source's answer.
type hit struct {
	loc    enrich.Location // Network and Source unset
	prefix netip.Prefix
	coords bool // loc's Latitude and Longitude are known (0,0 is a place)
	src    string
}

// precision ranks how finely h locates the address: 0 not at all, 1 the
// country, 2 a region, 3 a city or coordinates.
func (h *hit) precision() int {
	switch {
	case h.loc.City != "" || h.coords:
		return 3
	case h.loc.Region != "":
		return 2
	case h.loc.CountryCode != "" || h.loc.Country != "":
		return 1
	}
	return 0
}

func (h *hit) hasAS() bool { return h.loc.ASN != 0 || h.loc.ASOrg != "" }

// Open opens the databases o names. It never fails: a file that is missing,
// unreadable, of an unknown kind or corrupt is left out and reported by
// Problems, and the others still answer. The DB holds memory-mapped files
// open until Close.
func Open(o Options) *DB {
	db := &DB{}
	if len(o.Static) > 0 {
		db.names = append(db.names, StaticSource)
	}
	for p, loc := range o.Static {
		if !p.IsValid() {
			db.problems = append(db.problems, fmt.Errorf("geoip: static entry %q: not a valid prefix: fix or remove it", p))
			continue
		}
		if p.Addr().Is4In6() && p.Bits() >= 96 {
			p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
		}
		db.static = append(db.static, staticEntry{p.Masked(), loc})
	}
	slices.SortFunc(db.static, func(a, b staticEntry) int {
		if d := b.prefix.Bits() - a.prefix.Bits(); d != 0 {
			return d
		}
		return a.prefix.Addr().Compare(b.prefix.Addr())
	})
	for _, path := range o.Files {
		src, problem := openFile(path)
		if problem != nil {
			db.problems = append(db.problems, problem)
		}
		if src == nil {
			continue
		}
		name := filepath.Base(path)
		db.sources = append(db.sources, &fileSource{name: name, path: path, src: src})
		db.names = append(db.names, name)
	}
	return db
}

// openFile opens one database file. It returns the source, nil when the
// file cannot be used, and the problem, if any: a file can be usable and
// still have one (a CSV file with bad lines).
func openFile(path string) (source, error) {
	fi, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("geoip: %s: no such file: download it with triage geoip update, or correct geoip.databases (%w)", path, fs.ErrNotExist)
	case err != nil:
		return nil, fmt.Errorf("geoip: %s: cannot read it: check its permissions (%w)", path, err)
	case fi.IsDir():
		return nil, fmt.Errorf("geoip: %s: is a directory: name the database files in it", path)
	}
	switch kind(path) {
	case ".mmdb":
		return openMMDB(path)
	case ".csv":
		return openCSV(path)
	}
	return nil, fmt.Errorf("geoip: %s: unknown kind of database: want a MaxMind DB file (.mmdb) or an ip-location-db CSV file (.csv), optionally gzipped (.gz)", path)
}

// kind returns a database file's extension, ".mmdb" or ".csv" (with any
// ".gz" ignored), or "".
func kind(name string) string {
	name = strings.TrimSuffix(strings.ToLower(name), ".gz")
	switch ext := filepath.Ext(name); ext {
	case ".mmdb", ".csv":
		return ext
	}
	return ""
}

// Problems returns one error per file (or static entry) that could not be
// used, or only in part, naming it and saying what to do. A file found
// damaged by a lookup is added then, and no longer asked.
func (db *DB) Problems() []error {
	db.pmu.Lock()
	defer db.pmu.Unlock()
	return slices.Clone(db.problems)
}

// Sources returns the names of the sources Open could use, in the order
// they are asked: "static" when there are fixed entries, then the files'
// base names.
func (db *DB) Sources() []string { return slices.Clone(db.names) }

// Close closes the files. Lookups after Close return ErrClosed.
func (db *DB) Close() error {
	db.mu.Lock()
	defer db.mu.Unlock()
	if db.closed {
		return nil
	}
	db.closed = true
	var errs []error
	for _, s := range db.sources {
		if err := s.src.close(); err != nil {
			errs = append(errs, fmt.Errorf("geoip: close %s: %w", s.path, err))
		}
	}
	return errors.Join(errs...)
}

// Lookup returns what the sources know about addr, merged: the location
// from the most precise source (a city over a region over a country;
// static entries always, and earlier files on a tie), the country's name
// from any source agreeing on the country, and the AS from the first source
// that knows it. It returns ErrNotFound when no source knows addr. An
// IPv4-mapped IPv6 address is looked up as IPv4. Lookup is safe for
// concurrent use.
func (db *DB) Lookup(addr netip.Addr) (enrich.Location, error) {
	if !addr.IsValid() {
		return enrich.Location{}, fmt.Errorf("geoip: lookup of an invalid address: %w", ErrNotFound)
	}
	a := addr.WithZone("").Unmap()
	db.mu.RLock()
	defer db.mu.RUnlock()
	if db.closed {
		return enrich.Location{}, ErrClosed
	}
	var buf [8]hit
	hits := buf[:0]
	for _, e := range db.static {
		if e.prefix.Contains(a) {
			l := e.loc
			l.Network, l.Source = "", ""
			hits = append(hits, hit{loc: l, prefix: e.prefix, coords: l.Latitude != 0 || l.Longitude != 0, src: StaticSource})
			break
		}
	}
	for _, s := range db.sources {
		if s.broken.Load() {
			continue
		}
		h, err := s.src.lookup(a)
		if err != nil {
			db.markBroken(s, err)
			continue
		}
		if h.precision() == 0 && !h.hasAS() {
			continue
		}
		h.src = s.name
		hits = append(hits, h)
	}
	return merge(hits)
}

// Locate is Lookup as an enrich.Locator. It does no I/O, so ctx is not
// consulted.
func (db *DB) Locate(_ context.Context, addr netip.Addr) (enrich.Location, error) {
	return db.Lookup(addr)
}

var _ enrich.Locator = (*DB)(nil)

// markBroken stops asking s and reports it.
func (db *DB) markBroken(s *fileSource, err error) {
	if s.broken.Swap(true) {
		return
	}
	db.pmu.Lock()
	defer db.pmu.Unlock()
	db.problems = append(db.problems, fmt.Errorf("geoip: %s: corrupt MaxMind database: download it again with triage geoip update (%w)", s.path, err))
}

// merge combines hits, given in precedence order (static first).
func merge(hits []hit) (enrich.Location, error) {
	loc, as := -1, -1
	best := 0
	for i := range hits {
		if p := hits[i].precision(); p > best && (loc < 0 || hits[loc].src != StaticSource) {
			loc, best = i, p
		}
		if as < 0 && hits[i].hasAS() {
			as = i
		}
	}
	if loc < 0 && as < 0 {
		return enrich.Location{}, ErrNotFound
	}
	var out enrich.Location
	cn := -1 // the source of the country's name
	if loc >= 0 {
		h := hits[loc]
		out = h.loc
		out.ASN, out.ASOrg = 0, ""
		out.Network = h.prefix.String()
		if out.Country == "" && out.CountryCode != "" {
			for i := range hits {
				if hits[i].loc.Country != "" && strings.EqualFold(hits[i].loc.CountryCode, out.CountryCode) {
					out.Country, cn = hits[i].loc.Country, i
					break
				}
			}
		}
	}
	if as >= 0 {
		out.ASN, out.ASOrg = hits[as].loc.ASN, hits[as].loc.ASOrg
		if loc < 0 {
			out.Network = hits[as].prefix.String()
		}
	}
	var buf [3]string
	names := buf[:0]
	for i := range hits {
		if i == loc || i == cn || i == as {
			names = append(names, hits[i].src)
		}
	}
	out.Source = strings.Join(names, ", ")
	return out, nil
}
