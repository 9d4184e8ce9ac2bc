package workspace

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// KQLLiteral renders one value as a KQL literal:
//
//   - string: a double-quoted literal. The quote and the backslash are escaped
//     (\" and \\), so are newline, carriage return and tab (\n \r \t), and every
//     other control or line/paragraph-separator character is written as \uXXXX.
//     Those are the escapes Kusto's lexer accepts; a raw newline would end the
//     literal. A string that is not valid UTF-8 is an error.
//   - time.Time: datetime(2006-01-02T15:04:05.0000000Z), in UTC.
//   - any integer type: long(N).
//   - float64, float32: real(N), real(nan), real(+inf), real(-inf).
//   - bool: true or false.
//   - time.Duration: timespan(d.hh:mm:ss.fffffff); negative durations are an error.
//   - []string (or []any of strings): dynamic([...]) of string literals.
//
// Any other type is an error.
func KQLLiteral(v any) (string, error) {
	switch x := v.(type) {
	case string:
		return kqlString(x)
	case time.Time:
		return "datetime(" + x.UTC().Format("2006-01-02T15:04:05.0000000Z") + ")", nil
	case bool:
		if x {
			return "true", nil
		}
		return "false", nil
	case float64:
		return kqlReal(x), nil
	case float32:
		return kqlReal(float64(x)), nil
	case time.Duration:
		return kqlTimespan(x)
	case []string:
		return kqlList(x)
	case []any:
		items := make([]string, len(x))
		for i, it := range x {
			s, ok := it.(string)
			if !ok {
				return "", fmt.Errorf("list item %d: want a string, got %T", i, it)
			}
			items[i] = s
		}
		return kqlList(items)
	case nil:
		return "", errors.New("no value")
	}
	if n, ok := Int64(v); ok {
		return "long(" + strconv.FormatInt(n, 10) + ")", nil
	}
	if x, ok := v.(uint64); ok { // beyond int64
		return "", fmt.Errorf("integer %d does not fit a KQL long", x)
	}
	if x, ok := v.(uint); ok {
		return "", fmt.Errorf("integer %d does not fit a KQL long", x)
	}
	return "", fmt.Errorf("no KQL literal for %T", v)
}

func kqlString(s string) (string, error) {
	if !utf8.ValidString(s) {
		return "", errors.New("string is not valid UTF-8")
	}
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r >= 0x7f && r <= 0x9f || r == 0x2028 || r == 0x2029 || r == 0xfeff:
			// Control characters, C1 controls, the Unicode line and
			// paragraph separators and the BOM: never raw in the query.
			fmt.Fprintf(&b, `\u%04X`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String(), nil
}

func kqlReal(f float64) string {
	switch {
	case math.IsNaN(f):
		return "real(nan)"
	case math.IsInf(f, 1):
		return "real(+inf)"
	case math.IsInf(f, -1):
		return "real(-inf)"
	}
	return "real(" + strconv.FormatFloat(f, 'g', -1, 64) + ")"
}

// kqlTimespan renders d as timespan(days.hh:mm:ss.fffffff), 100 ns ticks
// being Kusto's resolution (finer parts are truncated).
func kqlTimespan(d time.Duration) (string, error) {
	if d < 0 {
		return "", fmt.Errorf("negative timespan %s", d)
	}
	ticks := int64(d / 100)
	const (
		tickSec = int64(time.Second / 100)
		tickDay = 86400 * tickSec
	)
	days := ticks / tickDay
	rest := ticks % tickDay
	h := rest / (3600 * tickSec)
	rest %= 3600 * tickSec
	m := rest / (60 * tickSec)
	rest %= 60 * tickSec
	sec := rest / tickSec
	frac := rest % tickSec
	return fmt.Sprintf("timespan(%d.%02d:%02d:%02d.%07d)", days, h, m, sec, frac), nil
}

func kqlList(items []string) (string, error) {
	var b strings.Builder
	b.WriteString("dynamic([")
	for i, s := range items {
		lit, err := kqlString(s)
		if err != nil {
			return "", fmt.Errorf("list item %d: %w", i, err)
		}
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(lit)
	}
	b.WriteString("])")
	return b.String(), nil
}
