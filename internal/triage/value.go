package triage

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Prop returns the named property as text: strings as they are, numbers in
// their shortest exact form, booleans as "true"/"false". It returns "" when the
// property is absent, null or not a scalar (an object or a list).
func (e Entity) Prop(name string) string {
	s, _ := scalarString(e.Properties[name])
	return s
}

// scalarString renders a scalar JSON-ish value as text. ok is false for nil,
// maps, slices and anything else that is not a scalar.
func scalarString(v any) (s string, ok bool) {
	switch v := v.(type) {
	case string:
		return v, true
	case json.Number:
		return v.String(), true
	case float64:
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return "", false
		}
		return strconv.FormatFloat(v, 'f', -1, 64), true
	case float32:
		return scalarString(float64(v))
	case int:
		return strconv.Itoa(v), true
	case int64:
		return strconv.FormatInt(v, 10), true
	case int32:
		return strconv.FormatInt(int64(v), 10), true
	case uint64:
		return strconv.FormatUint(v, 10), true
	case uint32:
		return strconv.FormatUint(uint64(v), 10), true
	case bool:
		return strconv.FormatBool(v), true
	case time.Time:
		return v.UTC().Format(time.RFC3339Nano), true
	}
	return "", false
}

// str returns the trimmed text of a scalar property, or "".
func str(props map[string]any, name string) string {
	s, _ := scalarString(props[name])
	return strings.TrimSpace(s)
}

// firstStr returns the first non-empty property among names.
func firstStr(props map[string]any, names ...string) string {
	for _, n := range names {
		if s := str(props, n); s != "" {
			return s
		}
	}
	return ""
}

// stringify renders any value as text: scalars as scalarString does, other
// values as compact JSON.
func stringify(v any) string {
	if v == nil {
		return ""
	}
	if s, ok := scalarString(v); ok {
		return s
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// shortHash returns the first n hex digits of the SHA-256 of s.
func shortHash(s string, n int) string {
	sum := sha256.Sum256([]byte(s))
	h := hex.EncodeToString(sum[:])
	if n > len(h) {
		n = len(h)
	}
	return h[:n]
}

// canonical renders a property map as deterministic text: JSON with sorted
// keys where possible, a sorted key=value dump otherwise.
func canonical(props map[string]any) string {
	if b, err := json.Marshal(props); err == nil {
		return string(b)
	}
	keys := sortedKeys(props)
	var buf bytes.Buffer
	for _, k := range keys {
		fmt.Fprintf(&buf, "%q=%s;", k, stringify(props[k]))
	}
	return buf.String()
}

// sortedKeys returns the keys of m in ascending order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// decodeJSON decodes data keeping numbers exact (json.Number).
func decodeJSON(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	// Anything but white space after the value is an error.
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("unexpected data after the JSON value at offset %d", dec.InputOffset())
	}
	return v, nil
}

// parseTime reads the time forms found in Sentinel APIs, Log Analytics
// responses and CSV exports. Times without a zone are taken as UTC.
func parseTime(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, false
	}
	for _, layout := range timeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// timeLayouts are tried in order by parseTime.
var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04",
	"2006-01-02 15:04",
	"1/2/2006, 3:04:05.999999999 PM", // Log Analytics portal CSV export
	"1/2/2006 3:04:05 PM",
	"2006-01-02",
}

// normTime returns s as an RFC 3339 UTC time when it parses, else s trimmed.
func normTime(s string) string {
	if t, ok := parseTime(s); ok {
		return t.Format(time.RFC3339Nano)
	}
	return strings.TrimSpace(s)
}
