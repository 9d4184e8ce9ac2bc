package workspace

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
)

// Bind checks p against the declared parameters and renders the query for
// dialect d. Every required parameter must be present, every value must have
// its parameter's type, and a name that is not declared is an error; missing
// optional parameters take their defaults.
//
// For KQL and Hunting, text is a prelude of "let name = <literal>;" lines, one per
// parameter in declaration order, followed by the body unchanged, and args is
// nil. Values are rendered by KQLLiteral and never spliced into the body.
//
// For SQL, text is the body unchanged and args holds one sql.Named argument
// per parameter the body references: datetimes as TimeFormat text, lists as
// JSON array text (read them with json_each(:name)), bools as 0 or 1, ints as
// int64, reals as float64 and timespans as float64 seconds.
func (q *Query) Bind(d Dialect, p Params) (text string, args []any, err error) {
	body, ok := q.Bodies[d]
	if !ok {
		return "", nil, fmt.Errorf("query %q: no %s body", q.Name, d)
	}
	vals, err := q.resolve(p)
	if err != nil {
		return "", nil, err
	}
	switch d {
	case KQL, Hunting:
		var b strings.Builder
		for _, prm := range q.Params {
			lit, err := KQLLiteral(vals[prm.Name])
			if err != nil {
				return "", nil, fmt.Errorf("query %q: param %q: %w", q.Name, prm.Name, err)
			}
			fmt.Fprintf(&b, "let %s = %s;\n", prm.Name, lit)
		}
		b.WriteString(body)
		return b.String(), nil, nil
	case SQL:
		refs, err := sqlParamRefs(body)
		if err != nil {
			return "", nil, fmt.Errorf("query %q: sql body: %w", q.Name, err)
		}
		args = make([]any, 0, len(refs))
		for _, name := range refs {
			prm, ok := q.Param(name)
			if !ok {
				return "", nil, fmt.Errorf("query %q: sql body references undeclared param :%s", q.Name, name)
			}
			v, err := sqlValue(prm.Type, vals[name])
			if err != nil {
				return "", nil, fmt.Errorf("query %q: param %q: %w", q.Name, name, err)
			}
			args = append(args, sql.Named(name, v))
		}
		return body, args, nil
	}
	return "", nil, fmt.Errorf("query %q: unknown dialect %q", q.Name, d)
}

// resolve checks p and returns a value for every declared parameter,
// converted to its canonical Go type.
func (q *Query) resolve(p Params) (map[string]any, error) {
	var unknown []string
	for name := range p {
		if _, ok := q.Param(name); !ok {
			unknown = append(unknown, name)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return nil, fmt.Errorf("query %q: unknown param %s", q.Name, strings.Join(unknown, ", "))
	}
	vals := make(map[string]any, len(q.Params))
	for _, prm := range q.Params {
		v, given := p[prm.Name]
		if !given || v == nil {
			if prm.Default == nil {
				return nil, fmt.Errorf("query %q: missing required param %q (%s)", q.Name, prm.Name, prm.Type)
			}
			vals[prm.Name] = prm.Default
			continue
		}
		cv, err := coerce(prm.Type, v)
		if err != nil {
			return nil, fmt.Errorf("query %q: param %q: %w", q.Name, prm.Name, err)
		}
		vals[prm.Name] = cv
	}
	return vals, nil
}

// coerce converts v to the canonical Go type for t: string, time.Time (UTC),
// int64, float64, bool, time.Duration or []string. Values of another type are
// errors; integers of any width are accepted for int and real.
func coerce(t ParamType, v any) (any, error) {
	switch t {
	case TypeString:
		if s, ok := v.(string); ok {
			return s, nil
		}
	case TypeDatetime:
		if tm, ok := v.(time.Time); ok {
			return tm.UTC(), nil
		}
	case TypeInt:
		if n, ok := Int64(v); ok {
			return n, nil
		}
		if f, ok := v.(float64); ok && f == math.Trunc(f) && math.Abs(f) < 1<<53 {
			return int64(f), nil
		}
	case TypeReal:
		switch x := v.(type) {
		case float64:
			return x, nil
		case float32:
			return float64(x), nil
		}
		if n, ok := Int64(v); ok {
			return float64(n), nil
		}
	case TypeBool:
		if b, ok := v.(bool); ok {
			return b, nil
		}
	case TypeTimespan:
		if d, ok := v.(time.Duration); ok {
			return d, nil
		}
	case TypeList:
		switch x := v.(type) {
		case []string:
			return x, nil
		case []any:
			out := make([]string, len(x))
			for i, it := range x {
				s, ok := it.(string)
				if !ok {
					return nil, fmt.Errorf("want a list of strings, item %d is %T", i, it)
				}
				out[i] = s
			}
			return out, nil
		}
	default:
		return nil, fmt.Errorf("unknown param type %q", t)
	}
	return nil, fmt.Errorf("want %s, got %T", t, v)
}

// Int64 converts any Go integer, or a json.Number holding one, to int64. It
// reports false for other values and for integers that do not fit.
func Int64(v any) (int64, bool) {
	switch x := v.(type) {
	case int:
		return int64(x), true
	case int8:
		return int64(x), true
	case int16:
		return int64(x), true
	case int32:
		return int64(x), true
	case int64:
		return x, true
	case uint8:
		return int64(x), true
	case uint16:
		return int64(x), true
	case uint32:
		return int64(x), true
	case uint:
		if uint64(x) <= math.MaxInt64 {
			return int64(x), true
		}
	case uint64:
		if x <= math.MaxInt64 {
			return int64(x), true
		}
	case json.Number:
		n, err := x.Int64()
		return n, err == nil
	}
	return 0, false
}

// sqlValue renders a canonical value as a database/sql argument.
func sqlValue(t ParamType, v any) (any, error) {
	switch t {
	case TypeDatetime:
		return v.(time.Time).UTC().Format(TimeFormat), nil
	case TypeBool:
		if v.(bool) {
			return int64(1), nil
		}
		return int64(0), nil
	case TypeTimespan:
		return v.(time.Duration).Seconds(), nil
	case TypeList:
		items := v.([]string)
		for i, s := range items {
			if !utf8.ValidString(s) {
				return nil, fmt.Errorf("item %d is not valid UTF-8", i)
			}
		}
		if items == nil {
			items = []string{}
		}
		b, err := json.Marshal(items)
		if err != nil {
			return nil, err
		}
		return string(b), nil
	case TypeString:
		if !utf8.ValidString(v.(string)) {
			return nil, errors.New("value is not valid UTF-8")
		}
	}
	return v, nil
}

// sqlParamRefs returns the distinct :name parameters a SQLite statement
// references, in order of first use. It skips string literals, quoted
// identifiers and comments, and rejects the other SQLite parameter forms
// (?, ?NNN, @name, $name) so that every value goes through a declared name.
func sqlParamRefs(body string) ([]string, error) {
	var refs []string
	seen := make(map[string]bool)
	isIdent := func(c byte, first bool) bool {
		return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || !first && c >= '0' && c <= '9'
	}
	for i := 0; i < len(body); {
		c := body[i]
		switch {
		case c == '\'' || c == '"' || c == '`':
			// Quoted; a doubled quote stands for itself.
			j := i + 1
			for {
				k := strings.IndexByte(body[j:], c)
				if k < 0 {
					return nil, fmt.Errorf("unterminated %c quote at offset %d", c, i)
				}
				j += k + 1
				if j < len(body) && body[j] == c {
					j++
					continue
				}
				break
			}
			i = j
		case c == '[':
			k := strings.IndexByte(body[i:], ']')
			if k < 0 {
				return nil, fmt.Errorf("unterminated [ at offset %d", i)
			}
			i += k + 1
		case c == '-' && i+1 < len(body) && body[i+1] == '-':
			k := strings.IndexByte(body[i:], '\n')
			if k < 0 {
				i = len(body)
			} else {
				i += k + 1
			}
		case c == '/' && i+1 < len(body) && body[i+1] == '*':
			k := strings.Index(body[i+2:], "*/")
			if k < 0 {
				return nil, fmt.Errorf("unterminated comment at offset %d", i)
			}
			i += k + 4
		case c == ':' && i+1 < len(body) && isIdent(body[i+1], true):
			j := i + 1
			for j < len(body) && isIdent(body[j], false) {
				j++
			}
			name := body[i+1 : j]
			if !seen[name] {
				seen[name] = true
				refs = append(refs, name)
			}
			i = j
		case c == '?' || (c == '@' || c == '$') && i+1 < len(body) && isIdent(body[i+1], true):
			return nil, fmt.Errorf("parameter at offset %d: use :name for parameters", i)
		default:
			i++
		}
	}
	return refs, nil
}
