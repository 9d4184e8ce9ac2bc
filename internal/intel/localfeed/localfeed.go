// Package localfeed looks indicators up in the organisation's own feeds:
// CSV files and STIX 2.1 bundles, read once from disk by New. Nothing leaves
// the machine, so the provider is not External and answers for internal
// indicators too.
//
// A file is read as CSV when its name ends in .csv, as STIX when it ends in
// .json or .stix, and otherwise by its first character ("{" is STIX).
//
// A CSV feed has a header row; columns are matched case-insensitively and
// unknown ones are ignored: indicator|value|ioc|observable (required),
// type|kind (ipv4, ipv6, ip, domain, hostname, url, md5, sha1, sha256,
// hash, email and STIX-style names such as domain-name; when absent the
// value is typed by ioc.Parse), severity (high, warning, information, or
// malicious, suspicious, benign), confidence (0–100), name|title,
// description, source, tags|labels (split on , ; or |), valid_from and
// valid_until|expires (RFC 3339 or yyyy-mm-dd, UTC; a date alone ends at the
// end of that day). Lines starting with "#" are comments. Values may be
// defanged, and an IP value may be a CIDR range. A row that cannot be read
// fails New with its file and line.
//
// A STIX 2.1 feed is a bundle ({"type": "bundle", "objects": [...]}) whose
// indicator objects with pattern_type "stix" are read; other objects are
// skipped, except identities, whose names become the source of the
// indicators they created. Patterns are OR-joined observations of OR-joined
// comparisons of ipv4-addr:value, ipv6-addr:value, domain-name:value,
// url:value, email-addr:value and file:hashes.MD5 / 'SHA-1' / 'SHA-256'
// with =, IN or (for addresses) ISSUBSET. A pattern that cannot be read
// (AND, FOLLOWEDBY, qualifiers, another pattern_type, no readable
// comparison) is counted in Stats and skipped; an object that is not valid
// (a bad time or confidence) fails New with its file, line and id. revoked,
// valid_from, valid_until, confidence, name, description and labels are
// honoured, and of several versions of an indicator the last modified wins.
//
// Values are matched after normalisation: IP addresses in canonical form
// (and IP ranges, from CIDR values, by containment), domains, host names,
// e-mail addresses and hashes lower-cased, URLs with the scheme and host
// lower-cased as ioc.Parse does and otherwise as given, trimmed. Domains and
// host names match each other, so a feed's "domain" row answers for what
// ioc types as a host name.
//
// An entry's severity is its own when the feed gives one; otherwise it comes
// from its confidence: 80 or more is high, anything else a warning. Entries
// whose confidence is below Options.MinConfidence are dropped, and so are
// revoked STIX indicators and entries that have expired when the feed is
// loaded. Validity windows are checked again at every lookup. A miss is
// intel.ErrNotFound.
package localfeed

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/triage-dev/triage/internal/intel"
	"github.com/triage-dev/triage/internal/intel/httpapi"
	"github.com/triage-dev/triage/internal/ioc"
)

// Spec declares the provider to the rest of triage: its feeds are
// providers.localfeed.files, and options.min_confidence is
// Options.MinConfidence.
var Spec = intel.Spec{
	Name:  name,
	Kinds: ioc.Kinds,
	Files: "CSV or STIX 2.1 files",
	New: func(s intel.Setup) (intel.Provider, error) {
		minConf := 0
		if v := s.Options["min_confidence"]; v != "" {
			n, err := strconv.Atoi(v)
			if err != nil {
				return nil, fmt.Errorf("options.min_confidence %q is not a number", v)
			}
			minConf = n
		}
		if len(s.Files) == 0 {
			return nil, fmt.Errorf("no feed files: set providers.%s.files", name)
		}
		return intel.Provide(New(Options{Files: s.Files, MinConfidence: minConf, Now: s.Now}))
	},
}

// name is the provider's name, Spec.Name.
const name = "localfeed"

// Options configures the provider.
type Options struct {
	// Files are the feeds, CSV or STIX 2.1 JSON (see the package doc).
	Files []string
	// MinConfidence drops entries whose confidence is given and lower
	// (0–100; 0 keeps everything).
	MinConfidence int
	// Now is the clock for validity windows; nil means time.Now.
	Now func() time.Time
}

// entry is one indicator from a feed.
type entry struct {
	Kind  ioc.Kind // as ioc types the value
	Value string   // normalised; for a range, the prefix ("198.51.100.0/24")
	// Prefix is set for an IP range, matched by containment.
	Prefix netip.Prefix
	// Severity is the feed's own; "" when it gave none.
	Severity intel.Severity
	// Confidence is 0–100, or -1 when the feed gave none.
	Confidence  int
	Name        string
	Description string
	// Source is the feed's source column, or the STIX creator's name, or
	// else the file's base name.
	Source     string
	Tags       []string
	ValidFrom  time.Time // zero when not given
	ValidUntil time.Time // zero when not given
	// Origin says where the entry came from: "file.csv:12", or
	// "bundle.json indicator--<uuid>".
	Origin string
}

// severity is the entry's severity: its own, or from its confidence.
func (e *entry) severity() intel.Severity {
	switch {
	case e.Severity != "":
		return e.Severity
	case e.Confidence >= 80:
		return intel.SeverityHigh
	}
	return intel.SeverityWarning
}

// valid reports whether the entry is in force at t.
func (e *entry) valid(t time.Time) bool {
	return (e.ValidFrom.IsZero() || !t.Before(e.ValidFrom)) && (e.ValidUntil.IsZero() || t.Before(e.ValidUntil))
}

// Skipped names a STIX indicator that was not (or not wholly) read.
type Skipped struct {
	File   string `json:"file"`
	ID     string `json:"id"`
	Reason string `json:"reason"`
}

// maxSkipped is how many skipped indicators Stats names.
const maxSkipped = 5

// Stats says what New loaded and what it left out.
type Stats struct {
	Files int `json:"files"`
	// Entries counts the values loaded: one per CSV row, one per value a
	// STIX pattern names.
	Entries int `json:"entries"`
	// Revoked counts revoked STIX indicators, which are dropped. Expired and
	// LowConfidence count values dropped because they expired before the
	// load or have a confidence below MinConfidence. NotYetValid counts
	// loaded values whose validity starts after the load.
	Revoked       int `json:"revoked"`
	Expired       int `json:"expired"`
	LowConfidence int `json:"low_confidence"`
	NotYetValid   int `json:"not_yet_valid"`
	// Superseded counts older versions of STIX indicators (same id, earlier
	// modified) that a newer version replaced.
	Superseded int `json:"superseded"`
	// Unreadable counts STIX indicators with no pattern that can be read
	// (another pattern_type, AND, FOLLOWEDBY, qualifiers, only unsupported
	// objects); the first few are named.
	Unreadable      int       `json:"unreadable"`
	UnreadableFirst []Skipped `json:"unreadable_first,omitempty"`
	// Partial counts STIX indicators of which some OR-joined comparisons
	// were read and others were not (file:name, SHA-512, LIKE, ...).
	Partial      int       `json:"partial"`
	PartialFirst []Skipped `json:"partial_first,omitempty"`
}

// String is a one-line account for logs.
func (s Stats) String() string {
	msg := fmt.Sprintf("%d entries from %d files", s.Entries, s.Files)
	for _, x := range []struct {
		n    int
		what string
	}{
		{s.Revoked, "revoked"}, {s.Expired, "expired"}, {s.LowConfidence, "below the minimum confidence"},
		{s.Superseded, "superseded"}, {s.Unreadable, "unreadable"}, {s.Partial, "partly read"},
	} {
		if x.n > 0 {
			msg += fmt.Sprintf(", %d %s", x.n, x.what)
		}
	}
	if len(s.UnreadableFirst) > 0 {
		ids := make([]string, len(s.UnreadableFirst))
		for i, k := range s.UnreadableFirst {
			ids[i] = k.ID
		}
		msg += " (unreadable: " + strings.Join(ids, ", ") + ")"
	}
	return msg
}

// class groups the kinds that match each other.
type class string

func classOf(k ioc.Kind) class {
	switch k {
	case ioc.Domain, ioc.Hostname:
		return "name"
	}
	return class(k)
}

type key struct {
	class class
	value string
}

// Provider answers from feeds loaded in memory. It is safe for concurrent
// use.
type Provider struct {
	now      func() time.Time
	byValue  map[key][]*entry
	prefixes []*entry
	stats    Stats
}

var _ intel.BatchProvider = (*Provider)(nil)

// maxErrors is how many problems New reports before it stops.
const maxErrors = 20

// New loads every file. Its error names each bad file with the line (CSV)
// or object (STIX) at fault, up to 20 of them.
func New(o Options) (*Provider, error) {
	if len(o.Files) == 0 {
		return nil, errors.New("localfeed: no feed files")
	}
	if o.MinConfidence < 0 || o.MinConfidence > 100 {
		return nil, fmt.Errorf("localfeed: MinConfidence %d is not in 0–100", o.MinConfidence)
	}
	p := &Provider{now: o.Now, byValue: make(map[key][]*entry)}
	if p.now == nil {
		p.now = time.Now
	}
	l := &loader{p: p, min: o.MinConfidence, now: p.now()}
	for _, f := range o.Files {
		l.file(f)
		if len(l.errs) >= maxErrors {
			break
		}
	}
	if len(l.errs) > 0 {
		if len(l.errs) >= maxErrors {
			l.errs = append(l.errs[:maxErrors], errors.New("localfeed: too many errors"))
		}
		return nil, errors.Join(l.errs...)
	}
	return p, nil
}

// Name implements intel.Provider.
func (*Provider) Name() string { return Spec.Name }

// External implements intel.Provider: false, as feeds are local files.
func (*Provider) External() bool { return Spec.External }

// Supports implements intel.Provider: the kinds of Spec, every indicator
// kind.
func (*Provider) Supports(k ioc.Kind) bool { return Spec.Supports(k) }

// Stats says what New loaded and what it left out.
func (p *Provider) Stats() Stats {
	s := p.stats
	s.UnreadableFirst = slices.Clone(s.UnreadableFirst)
	s.PartialFirst = slices.Clone(s.PartialFirst)
	return s
}

// Lookup implements intel.Provider. A hit's Details list every entry in
// force that matches; a miss is intel.ErrNotFound.
func (p *Provider) Lookup(ctx context.Context, ind ioc.Indicator) (intel.Result, error) {
	if !p.Supports(ind.Kind) {
		return intel.Result{}, fmt.Errorf("localfeed: %s: %w", ind, intel.ErrUnsupported)
	}
	if err := ctx.Err(); err != nil {
		return intel.Result{}, err
	}
	ms := p.match(ind, p.now())
	if len(ms) == 0 {
		return intel.Result{}, fmt.Errorf("localfeed: %s: %w", ind, intel.ErrNotFound)
	}
	return result(ind, ms), nil
}

// LookupBatch implements intel.BatchProvider; indicators no entry matches
// are left out of the answer.
func (p *Provider) LookupBatch(ctx context.Context, inds []ioc.Indicator) ([]intel.Result, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	now := p.now()
	var out []intel.Result
	for _, ind := range inds {
		if !p.Supports(ind.Kind) {
			continue
		}
		if ms := p.match(ind, now); len(ms) > 0 {
			out = append(out, result(ind, ms))
		}
	}
	return out, nil
}

// match returns the entries in force at now that match ind.
func (p *Provider) match(ind ioc.Indicator, now time.Time) []*entry {
	c := classOf(ind.Kind)
	v := lookupValue(ind)
	var ms []*entry
	for _, e := range p.byValue[key{c, v}] {
		if e.valid(now) {
			ms = append(ms, e)
		}
	}
	if ind.Kind.IsIP() && len(p.prefixes) > 0 {
		if a, err := netip.ParseAddr(v); err == nil {
			for _, e := range p.prefixes {
				if e.Prefix.Contains(a) && e.valid(now) {
					ms = append(ms, e)
				}
			}
		}
	}
	return ms
}

// lookupValue normalises an indicator's value as feed values are, in case
// the caller did not type it with ioc.Parse.
func lookupValue(ind ioc.Indicator) string {
	v := strings.TrimSpace(ind.Value)
	switch {
	case ind.Kind.IsIP():
		if a, err := netip.ParseAddr(v); err == nil {
			return a.WithZone("").Unmap().String()
		}
	case ind.Kind == ioc.URL:
		if n, err := ioc.Parse(v); err == nil && n.Kind == ioc.URL {
			return n.Value
		}
		return v
	case ind.Kind == ioc.Domain || ind.Kind == ioc.Hostname:
		return strings.TrimSuffix(strings.ToLower(v), ".")
	}
	return strings.ToLower(v)
}

// result builds the answer from the matching entries: the most severe (then
// most confident) entry speaks for them all.
func result(ind ioc.Indicator, ms []*entry) intel.Result {
	ms = slices.Clone(ms)
	slices.SortStableFunc(ms, func(a, b *entry) int {
		return cmp.Or(b.severity().Rank()-a.severity().Rank(), b.Confidence-a.Confidence)
	})
	top := ms[0]
	label := httpapi.OneLine(top.Name, 120)
	if label == "" {
		label = httpapi.OneLine(top.Description, 120)
	}
	if label == "" {
		label = "in local feed"
	}
	summary := label + " (" + top.Source
	if top.Confidence >= 0 {
		summary += fmt.Sprintf(", confidence %d", top.Confidence)
	}
	summary += ")"
	if len(ms) > 1 {
		summary += fmt.Sprintf(" and %d more", len(ms)-1)
	}
	matches := make([]map[string]any, len(ms))
	for i, e := range ms {
		matches[i] = details(e)
	}
	return intel.Result{
		Indicator: ind.Value,
		Type:      ind.Kind,
		Severity:  top.severity(),
		Summary:   summary,
		Details:   map[string]any{"count": len(ms), "matches": matches},
	}
}

func details(e *entry) map[string]any {
	d := map[string]any{
		"value":    e.Value,
		"type":     string(e.Kind),
		"severity": string(e.severity()),
		"source":   e.Source,
		"origin":   e.Origin,
	}
	if e.Confidence >= 0 {
		d["confidence"] = e.Confidence
	}
	for k, v := range map[string]string{"name": e.Name, "description": e.Description} {
		if v != "" {
			d[k] = v
		}
	}
	if len(e.Tags) > 0 {
		d["tags"] = slices.Clone(e.Tags)
	}
	if !e.ValidFrom.IsZero() {
		d["valid_from"] = e.ValidFrom.UTC().Format(time.RFC3339)
	}
	if !e.ValidUntil.IsZero() {
		d["valid_until"] = e.ValidUntil.UTC().Format(time.RFC3339)
	}
	return d
}

// loader collects entries and problems while New reads the files.
type loader struct {
	p    *Provider
	min  int
	now  time.Time
	errs []error
}

func (l *loader) errorf(format string, args ...any) {
	l.errs = append(l.errs, fmt.Errorf("localfeed: "+format, args...))
}

// file loads one feed, choosing the format by extension, or else by content.
func (l *loader) file(name string) {
	data, err := os.ReadFile(name)
	if err != nil {
		l.errorf("%v", err)
		return
	}
	l.p.stats.Files++
	data = trimBOM(data)
	switch strings.ToLower(filepath.Ext(name)) {
	case ".csv":
		l.csv(name, data)
	case ".json", ".stix":
		l.stix(name, data)
	default:
		if t := strings.TrimSpace(string(data[:min(len(data), 64)])); strings.HasPrefix(t, "{") {
			l.stix(name, data)
		} else {
			l.csv(name, data)
		}
	}
}

func trimBOM(b []byte) []byte {
	if len(b) >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF {
		return b[3:]
	}
	return b
}

// add files an entry unless it is below the minimum confidence or expired.
func (l *loader) add(e *entry) {
	switch {
	case e.Confidence >= 0 && e.Confidence < l.min:
		l.p.stats.LowConfidence++
		return
	case !e.ValidUntil.IsZero() && !l.now.Before(e.ValidUntil):
		l.p.stats.Expired++
		return
	case !e.ValidFrom.IsZero() && l.now.Before(e.ValidFrom):
		l.p.stats.NotYetValid++
	}
	l.p.stats.Entries++
	if e.Prefix.IsValid() {
		l.p.prefixes = append(l.p.prefixes, e)
		return
	}
	k := key{classOf(e.Kind), e.Value}
	l.p.byValue[k] = append(l.p.byValue[k], e)
}
