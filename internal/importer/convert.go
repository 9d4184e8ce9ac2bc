package importer

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/triage-dev/triage/internal/workspace/local"
)

// timeLayouts are the datetime forms accepted besides RFC 3339; all without
// a zone are in the column's zone (UTC unless the header says otherwise).
var timeLayouts = []string{
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999 -0700",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04",
	"2006-01-02T15:04",
	"2006/01/02 15:04:05.999999999",
	"2006-01-02",
	"1/2/2006, 3:04:05.999999999 PM", // the portal's CSV export
	"1/2/2006 3:04:05.999999999 PM",
	"1/2/2006, 3:04 PM",
	"1/2/2006 3:04 PM",
	"1/2/2006, 15:04:05.999999999",
	"1/2/2006 15:04:05.999999999", // month first, as US-locale exports write it
	"1/2/2006 15:04",
}

func parseTime(s string) (time.Time, error) { return parseTimeIn(s, time.UTC) }

// parseTimeIn parses a datetime; one without a zone is taken to be in loc.
func parseTimeIn(s string, loc *time.Location) (time.Time, error) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), nil
	}
	for _, l := range timeLayouts {
		if t, err := time.ParseInLocation(l, s, loc); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("want datetime, got %q", clip(s))
}

// convert converts a value read from a file (string, json.Number, bool,
// float64, map, slice or nil) to the Go value Load takes for a column of
// Log Analytics type typ. ok is false when the field is to be left out (an
// empty cell of a non-string column, or null).
func convert(typ string, v any) (out any, ok bool, err error) {
	if v == nil {
		return nil, false, nil
	}
	s, isStr := v.(string)
	if isStr && typ != "string" && typ != "guid" && typ != "" && strings.TrimSpace(s) == "" {
		return nil, false, nil
	}
	switch typ {
	case "string", "guid", "", "timespan":
		switch x := v.(type) {
		case string:
			return x, true, nil
		case json.Number:
			return x.String(), true, nil
		case bool:
			return strconv.FormatBool(x), true, nil
		case float64:
			return strconv.FormatFloat(x, 'f', -1, 64), true, nil
		default: // objects and arrays in a string column: their JSON text
			b, err := json.Marshal(x)
			if err != nil {
				return nil, false, err
			}
			return string(b), true, nil
		}
	case "datetime":
		switch x := v.(type) {
		case string:
			t, err := parseTime(x)
			return t, err == nil, err
		case time.Time:
			return x.UTC(), true, nil
		}
	case "long", "int":
		var n int64
		switch x := v.(type) {
		case string:
			x = ungroup(strings.TrimSpace(x))
			var err error
			if n, err = strconv.ParseInt(x, 10, 64); err != nil {
				f, ferr := strconv.ParseFloat(x, 64)
				if ferr != nil || f != math.Trunc(f) || math.Abs(f) >= 1<<63 {
					return nil, false, fmt.Errorf("want %s, got %q", typ, clip(x))
				}
				n = int64(f)
			}
		case json.Number:
			return convert(typ, x.String())
		case float64:
			if x != math.Trunc(x) || math.Abs(x) >= 1<<63 {
				return nil, false, fmt.Errorf("want %s, got %v", typ, x)
			}
			n = int64(x)
		case bool:
			if x {
				n = 1
			}
		default:
			return nil, false, fmt.Errorf("want %s, got %T", typ, v)
		}
		if typ == "int" && (n < math.MinInt32 || n > math.MaxInt32) {
			return nil, false, fmt.Errorf("want int, %d is out of range", n)
		}
		return n, true, nil
	case "real":
		switch x := v.(type) {
		case string:
			f, err := strconv.ParseFloat(ungroup(strings.TrimSpace(x)), 64)
			if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
				return nil, false, fmt.Errorf("want real, got %q", clip(x))
			}
			return f, true, nil
		case json.Number:
			return convert(typ, x.String())
		case float64:
			return x, true, nil
		}
	case "bool":
		switch x := v.(type) {
		case bool:
			return x, true, nil
		case string:
			switch strings.ToLower(strings.TrimSpace(x)) {
			case "true", "1", "yes":
				return true, true, nil
			case "false", "0", "no":
				return false, true, nil
			}
			return nil, false, fmt.Errorf("want bool, got %q", clip(x))
		case json.Number:
			return convert(typ, x.String())
		case float64:
			return x != 0, true, nil
		}
	case "dynamic":
		switch x := v.(type) {
		case string:
			t := strings.TrimSpace(x)
			if t != "" && (t[0] == '{' || t[0] == '[') {
				var dv any
				d := json.NewDecoder(strings.NewReader(t))
				d.UseNumber()
				if err := d.Decode(&dv); err != nil || d.More() {
					return nil, false, fmt.Errorf("want dynamic, got text that starts like JSON but is not valid JSON")
				}
				return dv, true, nil
			}
			return x, true, nil
		default:
			return x, true, nil
		}
	default:
		return v, true, nil
	}
	return nil, false, fmt.Errorf("want %s, got %T", typ, v)
}

// grouped matches a number written with thousands separators, as
// spreadsheet exports do ("23,034").
var grouped = regexp.MustCompile(`^[-+]?\d{1,3}(,\d{3})+(\.\d+)?$`)

// ungroup drops the thousands separators of a grouped number.
func ungroup(s string) string {
	if grouped.MatchString(s) {
		return strings.ReplaceAll(s, ",", "")
	}
	return s
}

func clip(s string) string {
	if len(s) > 60 {
		return s[:60] + "…"
	}
	return s
}

// schemaTypes returns a table's column types by name and by lower-case
// name (to the canonical name).
func schemaTypes(table string) (types map[string]string, folded map[string]string) {
	cols, _ := local.Columns(table)
	types = make(map[string]string, len(cols))
	folded = make(map[string]string, len(cols))
	for _, c := range cols {
		types[c.Name] = c.Type
		folded[strings.ToLower(c.Name)] = c.Name
	}
	return types, folded
}

func knownTable(name string) (string, bool) {
	for _, t := range local.Tables() {
		if strings.EqualFold(t, name) {
			return t, true
		}
	}
	return "", false
}

// tableNames lists the tables a local workspace has.
func tableNames() []string { return local.Tables() }
