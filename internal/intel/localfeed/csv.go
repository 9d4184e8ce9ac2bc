package localfeed

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/triage-dev/triage/internal/intel"
)

// The CSV fields, and the header names that give them (compared
// case-insensitively, with spaces and hyphens read as underscores).
const (
	fIndicator = iota
	fType
	fSeverity
	fConfidence
	fName
	fDescription
	fSource
	fTags
	fValidFrom
	fValidUntil
	nFields
)

var headers = map[string]int{
	"indicator": fIndicator, "value": fIndicator, "ioc": fIndicator, "observable": fIndicator,
	"type": fType, "kind": fType,
	"severity":   fSeverity,
	"confidence": fConfidence,
	"name":       fName, "title": fName,
	"description": fDescription,
	"source":      fSource,
	"tags":        fTags, "labels": fTags,
	"valid_from":  fValidFrom,
	"valid_until": fValidUntil, "expires": fValidUntil,
}

// severities maps a severity column's words to severities.
var severities = map[string]intel.Severity{
	"high": intel.SeverityHigh, "malicious": intel.SeverityHigh,
	"warning": intel.SeverityWarning, "suspicious": intel.SeverityWarning,
	"information": intel.SeverityInformation, "benign": intel.SeverityInformation,
}

// csv loads a CSV feed: a header row, then one indicator a row. Lines
// starting with "#" are comments.
func (l *loader) csv(name string, data []byte) {
	r := csv.NewReader(bytes.NewReader(data))
	r.Comment = '#'
	r.TrimLeadingSpace = true
	r.ReuseRecord = true
	head, err := r.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			err = errors.New("empty file, want a header row")
		}
		l.csvError(name, err)
		return
	}
	line, _ := r.FieldPos(0)
	col := make([]int, nFields) // field → column, -1 when absent
	for i := range col {
		col[i] = -1
	}
	for i, h := range head {
		h = strings.ToLower(strings.TrimSpace(h))
		h = strings.NewReplacer(" ", "_", "-", "_").Replace(h)
		f, ok := headers[h]
		if !ok {
			continue
		}
		if col[f] >= 0 {
			l.errorf("%s:%d: columns %q and %q say the same thing", name, line, head[col[f]], head[i])
			return
		}
		col[f] = i
	}
	if col[fIndicator] < 0 {
		l.errorf("%s:%d: no indicator column in the header (want one of indicator, value, ioc, observable)", name, line)
		return
	}
	base := filepath.Base(name)
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			l.csvError(name, err)
			if len(l.errs) >= maxErrors {
				return
			}
			continue
		}
		line, _ := r.FieldPos(0)
		get := func(f int) string {
			if col[f] < 0 {
				return ""
			}
			return strings.TrimSpace(rec[col[f]])
		}
		e, err := csvEntry(get)
		if err != nil {
			l.errorf("%s:%d: %v", name, line, err)
			if len(l.errs) >= maxErrors {
				return
			}
			continue
		}
		if e.Source == "" {
			e.Source = base
		}
		e.Origin = fmt.Sprintf("%s:%d", base, line)
		l.add(e)
	}
}

// csvEntry reads one row's fields.
func csvEntry(get func(int) string) (*entry, error) {
	want, err := kindWords(get(fType))
	if err != nil {
		return nil, err
	}
	e, err := normalize(get(fIndicator), want)
	if err != nil {
		return nil, err
	}
	e.Confidence = -1
	if s := get(fSeverity); s != "" {
		sev, ok := severities[strings.ToLower(s)]
		if !ok {
			return nil, fmt.Errorf("unknown severity %q (want high, warning, information, malicious, suspicious or benign)", clip(s))
		}
		e.Severity = sev
	}
	if s := get(fConfidence); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 || n > 100 {
			return nil, fmt.Errorf("confidence %q is not a whole number from 0 to 100", clip(s))
		}
		e.Confidence = n
	}
	e.Name, e.Description, e.Source = get(fName), get(fDescription), get(fSource)
	if s := get(fTags); s != "" {
		for t := range strings.FieldsFuncSeq(s, func(r rune) bool { return r == ',' || r == ';' || r == '|' }) {
			if t = strings.TrimSpace(t); t != "" {
				e.Tags = append(e.Tags, t)
			}
		}
	}
	if s := get(fValidFrom); s != "" {
		if e.ValidFrom, err = parseTime(s, false); err != nil {
			return nil, fmt.Errorf("valid_from: %v", err)
		}
	}
	if s := get(fValidUntil); s != "" {
		if e.ValidUntil, err = parseTime(s, true); err != nil {
			return nil, fmt.Errorf("valid_until: %v", err)
		}
	}
	return e, nil
}

// csvError reports a CSV syntax error as "file:line: ...", like the others.
func (l *loader) csvError(name string, err error) {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		l.errorf("%s:%d: %v", name, pe.Line, pe.Err)
		return
	}
	l.errorf("%s: %v", name, err)
}
