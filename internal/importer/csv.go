package importer

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
)

// aliases maps, per table, old column names (lower case) to the current
// ones. A header that already has the current name keeps the old one as is.
var aliases = map[string]map[string]string{
	"SecurityAlert": {
		"alertdisplayname": "DisplayName",
		"severity":         "AlertSeverity",
		"starttimeutc":     "StartTime",
		"endtimeutc":       "EndTime",
		"provideralertid":  "VendorOriginalId",
	},
	"SecurityIncident": {
		"createdtimeutc":       "CreatedTime",
		"firstactivitytimeutc": "FirstActivityTime",
		"lastactivitytimeutc":  "LastActivityTime",
		"lastmodifiedtimeutc":  "LastModifiedTime",
	},
}

// inferTable guesses a CSV's table from its header (lower-cased names).
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

func readCSV(data []byte, table string) ([]row, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if errors.Is(err, io.EOF) {
		return nil, errors.New("empty CSV: no header row")
	}
	if err != nil {
		return nil, fmt.Errorf("header: %w", err)
	}
	lower := make(map[string]bool)
	for _, h := range header {
		lower[strings.ToLower(strings.TrimSpace(h))] = true
	}
	if table == "" && lower["type"] {
		// Decided from the first row's Type below.
	} else if table == "" {
		if table = inferTable(func(s string) bool { return lower[s] }); table == "" {
			return nil, errors.New("cannot tell the table from the CSV columns: give the table (--table)")
		}
	}
	var rows []row
	var names []string // by header position; "" drops the column
	var types map[string]string
	setup := func(t string) error {
		canon, ok := knownTable(t)
		if !ok {
			return fmt.Errorf("unknown table %q", t)
		}
		table = canon
		var folded map[string]string
		types, folded = schemaTypes(table)
		al := aliases[table]
		names = make([]string, len(header))
		used := make(map[string]bool)
		for i, h := range header {
			h = strings.TrimSpace(h)
			l := strings.ToLower(h)
			switch {
			case h == "":
				continue // an unnamed (index) column
			case folded[l] != "":
				names[i] = folded[l]
			case al[l] != "" && !lower[strings.ToLower(al[l])]:
				names[i] = al[l]
			default:
				names[i] = h
			}
			if used[names[i]] {
				return fmt.Errorf("header: column %s appears twice", names[i])
			}
			used[names[i]] = true
		}
		return nil
	}
	if table != "" {
		if err := setup(table); err != nil {
			return nil, err
		}
	}
	for n := 1; ; n++ {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("row %d: %w", n, err)
		}
		line, _ := r.FieldPos(0)
		where := fmt.Sprintf("row %d (line %d)", n, line)
		if names == nil { // table from the Type column
			for i, h := range header {
				if strings.EqualFold(strings.TrimSpace(h), "type") && i < len(rec) {
					if err := setup(rec[i]); err != nil {
						return nil, fmt.Errorf("%s: column Type: %w", where, err)
					}
				}
			}
		}
		if len(rec) > len(header) {
			return nil, fmt.Errorf("%s: %d fields, the header has %d", where, len(rec), len(header))
		}
		m := make(map[string]any, len(rec))
		for i, cell := range rec {
			name := names[i]
			if name == "" {
				continue
			}
			v, ok, err := convert(types[name], cell)
			if err != nil {
				return nil, fmt.Errorf("%s: column %s: %w", where, header[i], err)
			}
			if ok {
				m[name] = v
			}
		}
		if t, ok := m["Type"].(string); ok && t != "" && !strings.EqualFold(t, table) {
			return nil, fmt.Errorf("%s: column Type: %q, but the file's table is %s (a CSV export holds one table)", where, t, table)
		}
		fillTimeGenerated(m)
		rows = append(rows, row{table: table, rec: m, where: where})
	}
	return rows, nil
}
