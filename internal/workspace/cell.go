package workspace

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// DecodeCell converts one JSON cell of a query answer to the Go type Table
// documents for the Log Analytics type name typ (lower case): datetime to
// time.Time in UTC, long and int to an exact int64 (read from the text of
// the number, never through float64), real and decimal to float64 (NaN and
// the infinities as Log Analytics writes them), bool, dynamic to the decoded
// JSON value (a string holding JSON is decoded too), and any other type to
// its text. JSON null is nil. Services have sent numbers and bools as text,
// so both forms are read. The Log Analytics and advanced hunting clients
// decode with it, so a cell has one Go type whichever service answered.
func DecodeCell(typ string, raw json.RawMessage) (any, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	// Text and numbers, nearly every cell, are read without a decoder of
	// their own: a whole answer has hundreds of thousands of cells.
	var v any
	switch c := raw[0]; {
	case c == '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, err
		}
		v = s
	case (c == '-' || c >= '0' && c <= '9') && json.Valid(raw):
		v = json.Number(raw)
	default:
		d := json.NewDecoder(bytes.NewReader(raw))
		d.UseNumber()
		if err := d.Decode(&v); err != nil {
			return nil, err
		}
	}
	s, isText := v.(string)
	switch typ {
	case "datetime":
		if !isText {
			return nil, fmt.Errorf("datetime is not text: %s", raw)
		}
		if s == "" {
			return nil, nil
		}
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return nil, err
		}
		return t.UTC(), nil
	case "long", "int":
		n := fmt.Sprint(v)
		if isText && s == "" {
			return nil, nil
		}
		i, err := strconv.ParseInt(n, 10, 64)
		if err != nil {
			f, ferr := strconv.ParseFloat(n, 64)
			if ferr != nil || f != math.Trunc(f) {
				return nil, fmt.Errorf("not an integer: %s", raw)
			}
			return int64(f), nil
		}
		return i, nil
	case "real", "decimal":
		n := fmt.Sprint(v)
		if isText && s == "" {
			return nil, nil
		}
		switch strings.ToLower(n) {
		case "nan":
			return math.NaN(), nil
		case "infinity", "+infinity":
			return math.Inf(1), nil
		case "-infinity":
			return math.Inf(-1), nil
		}
		return strconv.ParseFloat(n, 64)
	case "bool", "boolean":
		switch x := v.(type) {
		case bool:
			return x, nil
		case json.Number:
			return x.String() != "0", nil
		case string:
			return strconv.ParseBool(strings.ToLower(x))
		}
		return nil, fmt.Errorf("not a bool: %s", raw)
	case "dynamic":
		if isText {
			t := strings.TrimSpace(s)
			if t == "" {
				return nil, nil
			}
			if t[0] != '{' && t[0] != '[' {
				return s, nil
			}
			var inner any
			d := json.NewDecoder(strings.NewReader(t))
			d.UseNumber()
			if err := d.Decode(&inner); err != nil {
				return s, nil // text that only looks like JSON stays text
			}
			return plain(inner), nil
		}
		return plain(v), nil
	}
	if isText {
		return s, nil
	}
	return fmt.Sprint(plain(v)), nil
}

// plain converts the json.Numbers inside a dynamic value to float64, as
// every workspace decodes dynamic values; a number float64 cannot hold
// exactly (beyond 2^53) is kept as its decimal text.
func plain(v any) any {
	switch x := v.(type) {
	case json.Number:
		f, err := x.Float64()
		if i, ierr := x.Int64(); err != nil || ierr == nil && int64(f) != i {
			return x.String()
		}
		return f
	case map[string]any:
		for k, e := range x {
			x[k] = plain(e)
		}
	case []any:
		for i, e := range x {
			x[i] = plain(e)
		}
	}
	return v
}
