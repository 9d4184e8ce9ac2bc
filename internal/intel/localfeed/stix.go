package localfeed

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"
)

// stixIndicator is the part of a STIX 2.1 indicator object the provider
// reads.
type stixIndicator struct {
	Type         string   `json:"type"`
	ID           string   `json:"id"`
	Name         string   `json:"name"`
	Description  string   `json:"description"`
	Pattern      *string  `json:"pattern"`
	PatternType  string   `json:"pattern_type"`
	ValidFrom    string   `json:"valid_from"`
	ValidUntil   string   `json:"valid_until"`
	Modified     string   `json:"modified"`
	Revoked      bool     `json:"revoked"`
	Confidence   *int     `json:"confidence"`
	Labels       []string `json:"labels"`
	CreatedByRef string   `json:"created_by_ref"`
}

// stixObject is one indicator with where it was found.
type stixObject struct {
	ind      stixIndicator
	where    string // "file:line: objects[3] (indicator--...)"
	modified time.Time
}

// stix loads a STIX 2.1 bundle. Objects other than indicators are skipped,
// except identities, whose names become the source of the indicators they
// created. Of several versions of one indicator only the last modified is
// read.
func (l *loader) stix(name string, data []byte) {
	objs, err := bundleObjects(data)
	if err != nil {
		l.errorf("%s%v", name, err)
		return
	}
	base := filepath.Base(name)
	identities := make(map[string]string)
	var order []string
	latest := make(map[string]*stixObject)
	for _, o := range objs {
		where := fmt.Sprintf("%s:%d: objects[%d]", name, o.line, o.index)
		var head struct {
			Type string `json:"type"`
			ID   string `json:"id"`
			Name string `json:"name"`
		}
		if err := json.Unmarshal(o.raw, &head); err != nil {
			l.errorf("%s: %v", where, err)
			continue
		}
		if head.ID != "" {
			where += " (" + head.ID + ")"
		}
		switch head.Type {
		case "identity":
			identities[head.ID] = head.Name
			continue
		case "indicator":
		default:
			continue
		}
		var ind stixIndicator
		if err := json.Unmarshal(o.raw, &ind); err != nil {
			l.errorf("%s: %v", where, err)
			continue
		}
		if ind.ID == "" {
			l.errorf("%s: indicator without an id", where)
			continue
		}
		so := &stixObject{ind: ind, where: where}
		if ind.Modified != "" {
			if so.modified, err = time.Parse(time.RFC3339Nano, ind.Modified); err != nil {
				l.errorf("%s: modified: bad time %q", where, clip(ind.Modified))
				continue
			}
		}
		if old, ok := latest[ind.ID]; ok {
			l.p.stats.Superseded++
			if so.modified.Before(old.modified) {
				continue
			}
		} else {
			order = append(order, ind.ID)
		}
		latest[ind.ID] = so
	}
	for _, id := range order {
		so := latest[id]
		source := identities[so.ind.CreatedByRef]
		if source == "" {
			source = base
		}
		l.indicator(name, base, source, so)
		if len(l.errs) >= maxErrors {
			return
		}
	}
}

// indicator files the values of one STIX indicator.
func (l *loader) indicator(name, base, source string, so *stixObject) {
	ind := so.ind
	skip := func(first *[]Skipped, n *int, reason string) {
		*n++
		if len(*first) < maxSkipped {
			*first = append(*first, Skipped{File: name, ID: ind.ID, Reason: reason})
		}
	}
	unreadable := func(reason string) {
		skip(&l.p.stats.UnreadableFirst, &l.p.stats.Unreadable, reason)
	}
	if ind.Revoked {
		l.p.stats.Revoked++
		return
	}
	tmpl := entry{Confidence: -1, Name: ind.Name, Description: ind.Description, Source: source, Tags: ind.Labels,
		Origin: base + " " + ind.ID}
	if ind.Confidence != nil {
		if c := *ind.Confidence; c < 0 || c > 100 {
			l.errorf("%s: confidence %d is not in 0–100", so.where, c)
			return
		}
		tmpl.Confidence = *ind.Confidence
	}
	var err error
	for _, t := range []struct {
		field string
		s     string
		dst   *time.Time
	}{{"valid_from", ind.ValidFrom, &tmpl.ValidFrom}, {"valid_until", ind.ValidUntil, &tmpl.ValidUntil}} {
		if t.s == "" {
			continue
		}
		if *t.dst, err = time.Parse(time.RFC3339Nano, t.s); err != nil {
			l.errorf("%s: %s: bad time %q", so.where, t.field, clip(t.s))
			return
		}
	}
	if pt := strings.ToLower(ind.PatternType); pt != "stix" && pt != "" {
		unreadable(fmt.Sprintf("pattern_type %q", clip(ind.PatternType)))
		return
	}
	if ind.Pattern == nil || strings.TrimSpace(*ind.Pattern) == "" {
		unreadable("no pattern")
		return
	}
	cs, err := parsePattern(*ind.Pattern)
	if err != nil {
		unreadable(err.Error())
		return
	}
	var (
		read     int
		firstBad string
	)
	for _, c := range cs {
		es, err := comparisonEntries(c)
		if err != nil {
			if firstBad == "" {
				firstBad = err.Error()
			}
			continue
		}
		for _, e := range es {
			e.Severity, e.Confidence = tmpl.Severity, tmpl.Confidence
			e.Name, e.Description, e.Source, e.Tags = tmpl.Name, tmpl.Description, tmpl.Source, tmpl.Tags
			e.ValidFrom, e.ValidUntil, e.Origin = tmpl.ValidFrom, tmpl.ValidUntil, tmpl.Origin
			l.add(e)
			read++
		}
	}
	switch {
	case read == 0:
		unreadable(firstBad)
	case firstBad != "":
		skip(&l.p.stats.PartialFirst, &l.p.stats.Partial, firstBad)
	}
}

// stixPaths maps the object paths read (lower-cased, hash names without
// quotes, hyphens or underscores) to the classes of their values.
var stixPaths = map[string]class{
	"ipv4-addr:value":    "ipv4",
	"ipv6-addr:value":    "ipv6",
	"domain-name:value":  "name",
	"url:value":          "url",
	"email-addr:value":   "email",
	"file:hashes.md5":    "md5",
	"file:hashes.sha1":   "sha1",
	"file:hashes.sha256": "sha256",
}

// comparisonEntries turns one comparison into entries, or says why it
// cannot.
func comparisonEntries(c comparison) ([]*entry, error) {
	path := strings.ToLower(c.path)
	if i := strings.Index(path, ":hashes."); i >= 0 {
		path = path[:i+8] + strings.NewReplacer("'", "", "-", "", "_", "").Replace(path[i+8:])
	}
	cl, ok := stixPaths[path]
	if !ok {
		return nil, fmt.Errorf("object path %s is not read", clip(c.path))
	}
	switch {
	case c.op == "=" || c.op == "IN":
	case c.op == "ISSUBSET" && (cl == "ipv4" || cl == "ipv6"):
	default:
		return nil, fmt.Errorf("operator %s on %s is not read", c.op, clip(c.path))
	}
	if len(c.values) == 0 {
		return nil, fmt.Errorf("%s is not compared with a string", clip(c.path))
	}
	var es []*entry
	for _, v := range c.values {
		e, err := normalize(v, []class{cl})
		if err != nil {
			return nil, fmt.Errorf("%s: %v", clip(c.path), err)
		}
		es = append(es, e)
	}
	return es, nil
}

// rawObject is one element of a bundle's objects, with where it starts.
type rawObject struct {
	raw   json.RawMessage
	index int
	line  int
}

// bundleObjects checks that data is a STIX bundle and returns its objects.
// Its errors start with ":line: " or ": " for the caller to put the file
// name in front.
func bundleObjects(data []byte) ([]rawObject, error) {
	d := json.NewDecoder(bytes.NewReader(data))
	fail := func(err error) ([]rawObject, error) {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			return nil, fmt.Errorf(":%d: %v", lineAt(data, se.Offset), err)
		case errors.As(err, &te):
			return nil, fmt.Errorf(":%d: %v", lineAt(data, te.Offset), err)
		case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
			return nil, fmt.Errorf(":%d: the JSON ends early", lineAt(data, int64(len(data))))
		}
		return nil, fmt.Errorf(":%d: %v", lineAt(data, d.InputOffset()), err)
	}
	if t, err := d.Token(); err != nil {
		return fail(err)
	} else if t != json.Delim('{') {
		return nil, errors.New(": not a STIX bundle (want a JSON object)")
	}
	var (
		objs      []rawObject
		typ       string
		sawObject bool
	)
	for d.More() {
		t, err := d.Token()
		if err != nil {
			return fail(err)
		}
		switch k, _ := t.(string); k {
		case "type":
			if err := d.Decode(&typ); err != nil {
				return fail(err)
			}
		case "objects":
			sawObject = true
			if t, err := d.Token(); err != nil {
				return fail(err)
			} else if t != json.Delim('[') {
				return nil, fmt.Errorf(":%d: objects is not a list", lineAt(data, d.InputOffset()))
			}
			for i := 0; d.More(); i++ {
				start := d.InputOffset()
				var raw json.RawMessage
				if err := d.Decode(&raw); err != nil {
					return fail(err)
				}
				objs = append(objs, rawObject{raw: raw, index: i, line: lineAt(data, nextValue(data, start))})
			}
			if _, err := d.Token(); err != nil {
				return fail(err)
			}
		default:
			var skip json.RawMessage
			if err := d.Decode(&skip); err != nil {
				return fail(err)
			}
		}
	}
	if _, err := d.Token(); err != nil {
		return fail(err)
	}
	if _, err := d.Token(); err != io.EOF {
		return nil, fmt.Errorf(":%d: text after the bundle", lineAt(data, d.InputOffset()))
	}
	if typ != "bundle" {
		return nil, fmt.Errorf(": not a STIX bundle (type %q)", clip(typ))
	}
	if !sawObject {
		return nil, errors.New(": the bundle has no objects list")
	}
	return objs, nil
}

// nextValue skips white space and a comma from off.
func nextValue(data []byte, off int64) int64 {
	for off < int64(len(data)) && bytes.IndexByte([]byte(" \t\r\n,"), data[off]) >= 0 {
		off++
	}
	return off
}

// lineAt is the 1-based line of byte offset off.
func lineAt(data []byte, off int64) int {
	off = min(max(off, 0), int64(len(data)))
	return bytes.Count(data[:off], []byte("\n")) + 1
}
