package sentineltest

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// parseLets splits a query bound by workspace.Query.Bind for KQL into its
// parameters (the "let name = literal;" prelude) and the body after it.
func parseLets(text string) (map[string]any, string, error) {
	params := map[string]any{}
	rest := text
	for strings.HasPrefix(rest, "let ") {
		rest = rest[len("let "):]
		eq := strings.Index(rest, " = ")
		if eq < 0 {
			return nil, "", errors.New("let without =")
		}
		name := rest[:eq]
		v, tail, err := parseLiteral(rest[eq+3:])
		if err != nil {
			return nil, "", fmt.Errorf("let %s: %w", name, err)
		}
		if !strings.HasPrefix(tail, ";\n") {
			return nil, "", fmt.Errorf("let %s: no ;\\n after the literal", name)
		}
		params[name] = v
		rest = tail[2:]
	}
	return params, rest, nil
}

// parseLiteral reads one literal as workspace.KQLLiteral writes them.
func parseLiteral(s string) (any, string, error) {
	switch {
	case strings.HasPrefix(s, `"`):
		return parseString(s)
	case strings.HasPrefix(s, "true"):
		return true, s[4:], nil
	case strings.HasPrefix(s, "false"):
		return false, s[5:], nil
	case strings.HasPrefix(s, "dynamic(["):
		rest := s[len("dynamic(["):]
		list := []string{}
		for !strings.HasPrefix(rest, "])") {
			v, tail, err := parseString(rest)
			if err != nil {
				return nil, "", fmt.Errorf("dynamic list: %w", err)
			}
			list = append(list, v.(string))
			rest = strings.TrimPrefix(tail, ", ")
		}
		return list, rest[2:], nil
	}
	open := strings.IndexByte(s, '(')
	end := strings.IndexByte(s, ')')
	if open < 0 || end < open {
		return nil, "", fmt.Errorf("unknown literal %.20q", s)
	}
	fn, arg, rest := s[:open], s[open+1:end], s[end+1:]
	switch fn {
	case "datetime":
		t, err := time.Parse("2006-01-02T15:04:05.0000000Z", arg)
		return t, rest, err
	case "long":
		n, err := strconv.ParseInt(arg, 10, 64)
		return n, rest, err
	case "real":
		f, err := strconv.ParseFloat(arg, 64)
		return f, rest, err
	case "timespan":
		var d, h, m, sec, frac int64
		if _, err := fmt.Sscanf(arg, "%d.%d:%d:%d.%d", &d, &h, &m, &sec, &frac); err != nil {
			return nil, "", fmt.Errorf("timespan %q: %w", arg, err)
		}
		return time.Duration(((d*24+h)*60+m)*60+sec)*time.Second + time.Duration(frac*100), rest, nil
	}
	return nil, "", fmt.Errorf("unknown literal %s(...)", fn)
}

// parseString reads a double-quoted KQL string literal.
func parseString(s string) (any, string, error) {
	if !strings.HasPrefix(s, `"`) {
		return nil, "", fmt.Errorf("want a string at %.20q", s)
	}
	var b strings.Builder
	for i := 1; i < len(s); {
		c := s[i]
		switch c {
		case '"':
			return b.String(), s[i+1:], nil
		case '\\':
			if i+1 >= len(s) {
				return nil, "", errors.New("unterminated escape")
			}
			switch s[i+1] {
			case '"', '\\':
				b.WriteByte(s[i+1])
			case 'n':
				b.WriteByte('\n')
			case 'r':
				b.WriteByte('\r')
			case 't':
				b.WriteByte('\t')
			case 'u':
				if i+6 > len(s) {
					return nil, "", errors.New("short \\u escape")
				}
				n, err := strconv.ParseUint(s[i+2:i+6], 16, 32)
				if err != nil {
					return nil, "", err
				}
				b.WriteRune(rune(n))
				i += 6
				continue
			default:
				return nil, "", fmt.Errorf("unknown escape \\%c", s[i+1])
			}
			i += 2
		default:
			r, size := utf8.DecodeRuneInString(s[i:])
			b.WriteRune(r)
			i += size
		}
	}
	return nil, "", errors.New("unterminated string")
}
