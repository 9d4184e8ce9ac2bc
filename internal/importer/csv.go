package importer

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// inferTable guesses a CSV's table from its header (folded names).
func inferTable(has func(string) bool) string {
	switch {
	case has("systemalertid") && (has("alertdisplayname") || has("displayname") || has("alertname")):
		return "SecurityAlert"
	case has("incidentname") && has("incidentnumber"):
		return "SecurityIncident"
	case has("eventid") && has("computer") && (has("account") || has("targetusername") || has("logontype")):
		return "SecurityEvent"
	case has("facility") && has("syslogmessage"):
		return "Syslog"
	case has("computer") && has("osname") && has("computerip"):
		return "Heartbeat"
	case has("userprincipalname") && has("appdisplayname") && has("resulttype"):
		return "SigninLogs"
	}
	return ""
}

// sniffDelimiter picks the field separator from the header line: a comma,
// unless the line has none and has tabs or semicolons.
func sniffDelimiter(data []byte) rune {
	line := data
	if i := bytes.IndexByte(line, '\n'); i >= 0 {
		line = line[:i]
	}
	switch {
	case bytes.IndexByte(line, ',') >= 0:
		return ','
	case bytes.IndexByte(line, '\t') >= 0:
		return '\t'
	case bytes.IndexByte(line, ';') >= 0:
		return ';'
	}
	return ','
}

// readCSV reads a CSV export record by record (see the package
// documentation), handing each row to yield.
func readCSV(in *decoded, table string, yield func(row) error) error {
	head, _ := in.Peek(64 << 10) // the header line, to tell the separator
	r := csv.NewReader(in)
	r.Comma = sniffDelimiter(head)
	r.FieldsPerRecord = -1
	r.ReuseRecord = true
	header, err := r.Read()
	if errors.Is(err, io.EOF) {
		return errAt("header", errors.New("empty CSV: no header row"))
	}
	if err != nil {
		return errAt("header", err)
	}
	header = slices.Clone(header)
	folded := make(map[string]bool)
	for _, h := range header {
		name, _, _ := splitZone(h)
		folded[foldName(name)] = true
	}
	if table == "" && !folded["type"] {
		if table = inferTable(func(s string) bool { return folded[s] }); table == "" {
			return errAt("header", errors.New("cannot tell the table from the CSV columns: give the table (--table)"))
		}
	}
	// When table is still "", each row's Type column names it (a CSV export
	// holds one table, so the first row decides).
	var names []string         // by header position; "" drops the column
	var zones []*time.Location // by header position; the zone of a datetime column
	var types map[string]string
	setup := func(t string) error {
		canon, ok := knownTable(t)
		if !ok {
			return fmt.Errorf("unknown table %q (known: %s)", t, strings.Join(tableNames(), ", "))
		}
		table = canon
		cm := newColumnMap(table, header)
		types = cm.types
		names = make([]string, len(header))
		zones = make([]*time.Location, len(header))
		used := make(map[string]string)
		for i, h := range header {
			if strings.TrimSpace(h) == "" {
				continue // an unnamed (index) column
			}
			base, loc, zone := splitZone(h)
			name := cm.column(base)
			switch {
			case zone == "":
			case types[name] == "datetime" && loc == nil:
				return zoneError(h, zone)
			case types[name] != "datetime":
				name, loc = cm.column(h), nil // brackets that are part of the name
			}
			if prev, dup := used[name]; dup {
				return fmt.Errorf("columns %q and %q are both %s", prev, h, name)
			}
			used[name] = h
			names[i], zones[i] = name, loc
		}
		return nil
	}
	if table != "" {
		if err := setup(table); err != nil {
			return errAt("header", err)
		}
	}
	for n := 1; ; n++ {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return errAt(fmt.Sprintf("row %d", n), err)
		}
		line, _ := r.FieldPos(0)
		where := fmt.Sprintf("row %d (line %d)", n, line)
		if names == nil { // table from the Type column
			for i, h := range header {
				if foldName(h) == "type" && i < len(rec) {
					if err := setup(rec[i]); err != nil {
						return errAtf(where, "column %s: %w", strings.TrimSpace(h), err)
					}
				}
			}
			if names == nil {
				return errAtf(where, "column Type: missing (the file's table is unknown: give the table)")
			}
		}
		if len(rec) > len(header) {
			return errAtf(where, "%d fields, the header has %d", len(rec), len(header))
		}
		m := make(map[string]any, len(rec))
		for i, cell := range rec {
			name := names[i]
			if name == "" {
				continue
			}
			var v any = cell
			if zones[i] != nil && types[name] == "datetime" && strings.TrimSpace(cell) != "" {
				t, err := parseTimeIn(cell, zones[i])
				if err != nil {
					return errAtf(where, "column %s: %w", strings.TrimSpace(header[i]), err)
				}
				v = t
			}
			cv, ok, err := convert(types[name], v)
			if err != nil {
				return errAtf(where, "column %s: %w", strings.TrimSpace(header[i]), err)
			}
			if ok {
				m[name] = cv
			}
		}
		if t, ok := m["Type"].(string); ok && t != "" && !strings.EqualFold(t, table) {
			return errAtf(where, "column Type: %q, but the file's table is %s (a CSV export holds one table)", t, table)
		}
		fillTimeGenerated(m)
		if err := yield(row{table: table, rec: m, where: where}); err != nil {
			return err
		}
	}
	return nil
}
