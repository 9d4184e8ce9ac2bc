package importer

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// aliases maps, per table, old column names (folded, see foldName) to the
// current ones. An alias applies only when the file does not also have the
// current name.
var aliases = map[string]map[string]string{
	"SecurityAlert": {
		"alertdisplayname": "DisplayName",
		"severity":         "AlertSeverity",
		"starttimeutc":     "StartTime",
		"endtimeutc":       "EndTime",
		"provideralertid":  "VendorOriginalId",
		"timegeneratedutc": "TimeGenerated",
	},
	"SecurityIncident": {
		"createdtimeutc":       "CreatedTime",
		"firstactivitytimeutc": "FirstActivityTime",
		"lastactivitytimeutc":  "LastActivityTime",
		"lastmodifiedtimeutc":  "LastModifiedTime",
		"closedtimeutc":        "ClosedTime",
		"timegeneratedutc":     "TimeGenerated",
	},
}

// foldName lower-cases a column name and drops spaces, '-', '.' and every
// '_' but a leading one, so that "Created time", "created_time" and
// "CreatedTime" match but "_ResourceId" and "ResourceId" do not.
func foldName(s string) string {
	var b strings.Builder
	for i, r := range strings.ToLower(strings.TrimSpace(s)) {
		switch {
		case r == '_' && i == 0:
		case r == ' ', r == '_', r == '-', r == '.', r == '\t':
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// columnMap maps a file's column names onto one table's columns.
type columnMap struct {
	table   string
	types   map[string]string // column -> Log Analytics type
	lower   map[string]string // lower-case name -> column
	folded  map[string]string // folded name -> column, when only one column folds to it
	present map[string]bool   // folded names of the file's columns
	exact   map[string]bool   // lower-case names of the file's columns
}

func newColumnMap(table string, fileColumns []string) *columnMap {
	types, lower := schemaTypes(table)
	m := &columnMap{table: table, types: types, lower: lower, folded: map[string]string{}, present: map[string]bool{}, exact: map[string]bool{}}
	clash := map[string]bool{}
	for c := range types {
		f := foldName(c)
		if prev, ok := m.folded[f]; ok && prev != c {
			clash[f] = true
		}
		m.folded[f] = c
	}
	for f := range clash {
		delete(m.folded, f)
	}
	for _, h := range fileColumns {
		name, _, _ := splitZone(h)
		m.present[foldName(name)] = true
		m.exact[strings.ToLower(name)] = true
	}
	return m
}

// column returns the table column for the file's column name h: the schema
// column of that name (ignoring case, then spaces, '_', '-' and '.'), else
// the current name of an old-schema alias, else h as written (trimmed). A
// loose match (spaces, '_', …) or an alias is not used when the file also
// has a column of exactly the target's name.
func (m *columnMap) column(h string) string {
	h = strings.TrimSpace(h)
	if c, ok := m.lower[strings.ToLower(h)]; ok {
		return c
	}
	f := foldName(h)
	if c, ok := m.folded[f]; ok && !m.exact[strings.ToLower(c)] {
		return c
	}
	if c, ok := aliases[m.table][f]; ok && !m.present[foldName(c)] {
		return c
	}
	return h
}

// zoneSuffix matches the time-zone suffix the Log Analytics portal adds to
// the names of datetime columns in its CSV export ("TimeGenerated [UTC]").
var zoneSuffix = regexp.MustCompile(`^(.*?)\s*\[([^\]]*)\]$`)

// utcOffset matches "UTC", "GMT", "UTC+02:00", "UTC-5", "UTC+0530".
var utcOffset = regexp.MustCompile(`^(?i:UTC|GMT|Z)(?:\s*([+-])(\d{1,2})(?::?(\d{2}))?)?$`)

// splitZone splits "TimeGenerated [UTC+02:00]" into the column name and the
// zone the values are in. loc is nil when h has no bracketed suffix; zone is
// the suffix as written when it is there but not a UTC offset (then loc is
// nil and the caller decides whether that matters).
func splitZone(h string) (name string, loc *time.Location, zone string) {
	h = strings.TrimSpace(h)
	sm := zoneSuffix.FindStringSubmatch(h)
	if sm == nil {
		return h, nil, ""
	}
	zone = strings.TrimSpace(sm[2])
	om := utcOffset.FindStringSubmatch(zone)
	if om == nil {
		return sm[1], nil, zone
	}
	if om[1] == "" {
		return sm[1], time.UTC, zone
	}
	hours, _ := strconv.Atoi(om[2])
	mins, _ := strconv.Atoi(om[3])
	off := hours*3600 + mins*60
	if om[1] == "-" {
		off = -off
	}
	return sm[1], time.FixedZone(zone, off), zone
}

// zoneError is the error for a datetime column in a zone that cannot be
// read.
func zoneError(h, zone string) error {
	return fmt.Errorf("column %q: times in %q, which is not a UTC offset (export with the display time zone set to UTC)", h, zone)
}
