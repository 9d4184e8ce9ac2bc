package local

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/triage-dev/triage/internal/workspace"
)

// Query runs the SQL body of q with parameters p and decodes the result (see
// the package documentation for how column types are found). Errors name the
// query.
func (w *Workspace) Query(ctx context.Context, q *workspace.Query, p workspace.Params) (workspace.Table, error) {
	if q == nil {
		return workspace.Table{}, errors.New("query: nil query")
	}
	text, args, err := q.Bind(workspace.SQL, p)
	if err != nil {
		return workspace.Table{}, err
	}
	names, decls, raw, err := w.run(ctx, text, args)
	if err != nil {
		return workspace.Table{}, fmt.Errorf("query %q: %w", q.Name, noTable(err))
	}
	t, err := w.decode(q.Columns, names, decls, raw)
	if err != nil {
		return workspace.Table{}, fmt.Errorf("query %q: %w", q.Name, err)
	}
	return t, nil
}

// run executes a statement, its ROLLUP constructs expanded (see
// rollupsql.go), and reads all rows, so that the connection is free again
// before any caller code runs.
func (w *Workspace) run(ctx context.Context, text string, args []any) (names, decls []string, raw [][]any, err error) {
	refs, err := parseRollups(text, w.rollupsByName)
	if err != nil {
		return nil, nil, nil, err
	}
	built, err := w.ensureIndexes(ctx, text, refs)
	if err != nil {
		return nil, nil, nil, err
	}
	text, args, err = expandRollups(text, args, refs, func(r *rollupInfo) bool { return built[r] })
	if err != nil {
		return nil, nil, nil, err
	}
	return scanAll(w.reads.QueryContext(ctx, text, args...))
}

// scanAll reads every row of a result with the names and declared types of
// its columns, and closes rows.
func scanAll(rows *sql.Rows, err error) (names, decls []string, raw [][]any, _ error) {
	if err != nil {
		return nil, nil, nil, err
	}
	defer rows.Close()
	cts, err := rows.ColumnTypes()
	if err != nil {
		return nil, nil, nil, err
	}
	names = make([]string, len(cts))
	decls = make([]string, len(cts))
	for i, ct := range cts {
		names[i] = ct.Name()
		decls[i] = strings.ToUpper(ct.DatabaseTypeName())
	}
	n := len(cts)
	for rows.Next() {
		row := make([]any, n)
		ptrs := make([]any, n)
		for i := range row {
			ptrs[i] = &row[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, nil, nil, err
		}
		raw = append(raw, row)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, nil, err
	}
	return names, decls, raw, nil
}

// typeOfDecl maps a declared SQLite type to a Log Analytics type, or "".
func typeOfDecl(decl string) string {
	first, _, _ := strings.Cut(decl, " ")
	switch first {
	case "STRING", "TEXT", "VARCHAR", "CHAR", "CLOB":
		return "string"
	case "GUID":
		return "guid"
	case "DATETIME":
		if decl != "DATETIME" { // plain DATETIME is not one of ours
			return "datetime"
		}
	case "DYNAMIC":
		return "dynamic"
	case "TIMESPAN":
		return "timespan"
	case "LONG", "INTEGER", "BIGINT":
		return "long"
	case "INT":
		if decl == "INT INTEGER" {
			return "int"
		}
		return "long"
	case "BOOL", "BOOLEAN":
		return "bool"
	case "REAL", "FLOAT", "DOUBLE":
		return "real"
	}
	return ""
}

// decode turns raw SQLite values into a typed table.
func (w *Workspace) decode(hints map[string]string, names, decls []string, raw [][]any) (workspace.Table, error) {
	recordCol := -1
	types := make([]string, len(names))
	for i, name := range names {
		if name == recordColumn && decls[i] == declTypes["dynamic"] && hints[name] == "" {
			recordCol = i
			continue
		}
		types[i] = hints[name]
		if types[i] == "" {
			types[i] = typeOfDecl(decls[i])
		}
		if types[i] == "" {
			types[i] = w.schema.globalType[name]
		}
		if types[i] == "" {
			types[i] = inferType(raw, i)
		}
	}
	var t workspace.Table
	for i, name := range names {
		if i != recordCol {
			t.Columns = append(t.Columns, workspace.Column{Name: name, Type: types[i]})
		}
	}
	t.Rows = make([][]any, len(raw))
	for r, row := range raw {
		out := make([]any, 0, len(t.Columns))
		for i, v := range row {
			if i == recordCol {
				continue
			}
			cv, err := decodeCell(types[i], v)
			if err != nil {
				return workspace.Table{}, fmt.Errorf("row %d column %s: %w", r, names[i], err)
			}
			out = append(out, cv)
		}
		t.Rows[r] = out
	}
	if recordCol >= 0 {
		if err := w.expandRecords(&t, raw, recordCol); err != nil {
			return workspace.Table{}, err
		}
	}
	return t, nil
}

// inferType types a column with no declared type from its values.
func inferType(raw [][]any, col int) string {
	typ := ""
	for _, row := range raw {
		var vt string
		switch row[col].(type) {
		case nil:
			continue
		case int64:
			vt = "long"
		case float64:
			vt = "real"
		default:
			vt = "string"
		}
		switch {
		case typ == "":
			typ = vt
		case typ == vt:
		case typ == "long" && vt == "real" || typ == "real" && vt == "long":
			typ = "real"
		default:
			return "string"
		}
	}
	if typ == "" {
		return "string"
	}
	return typ
}

// decodeCell converts one SQLite value to the Go type for a Log Analytics type.
func decodeCell(typ string, v any) (any, error) {
	if b, ok := v.([]byte); ok {
		v = string(b)
	}
	if v == nil {
		return nil, nil
	}
	switch typ {
	case "datetime":
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("want datetime text, got %T", v)
		}
		return parseTime(s)
	case "long", "int":
		switch x := v.(type) {
		case int64:
			return x, nil
		case float64:
			if x == math.Trunc(x) && math.Abs(x) < 1<<63 {
				return int64(x), nil
			}
		case string:
			if n, err := strconv.ParseInt(x, 10, 64); err == nil {
				return n, nil
			}
		}
		return nil, fmt.Errorf("want %s, got %T %v", typ, v, v)
	case "real":
		switch x := v.(type) {
		case float64:
			return x, nil
		case int64:
			return float64(x), nil
		case string:
			if f, err := strconv.ParseFloat(x, 64); err == nil {
				return f, nil
			}
		}
		return nil, fmt.Errorf("want real, got %T %v", v, v)
	case "bool":
		switch x := v.(type) {
		case int64:
			return x != 0, nil
		case float64:
			return x != 0, nil
		case string:
			if b, err := strconv.ParseBool(x); err == nil {
				return b, nil
			}
		}
		return nil, fmt.Errorf("want bool, got %T %v", v, v)
	case "dynamic":
		s, ok := v.(string)
		if !ok {
			return v, nil // a number from json_extract
		}
		var out any
		if err := json.Unmarshal([]byte(s), &out); err != nil {
			return s, nil // plain text, as json_extract gives for a string
		}
		return out, nil
	default: // string, guid, timespan
		switch x := v.(type) {
		case string:
			return x, nil
		case int64:
			return strconv.FormatInt(x, 10), nil
		case float64:
			return strconv.FormatFloat(x, 'g', -1, 64), nil
		}
		return fmt.Sprint(v), nil
	}
}

// parseTime reads a stored datetime: workspace.TimeFormat, or RFC 3339.
func parseTime(s string) (time.Time, error) {
	if t, err := time.Parse(workspace.TimeFormat, s); err == nil {
		return t, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("not a datetime: %q", clip(s))
	}
	return t.UTC(), nil
}

// expandRecords replaces the Record column by the record fields that are not
// already columns. Their types come from the schema of the record's table
// (its Type field), else from the JSON values.
func (w *Workspace) expandRecords(t *workspace.Table, raw [][]any, recordCol int) error {
	have := make(map[string]bool, len(t.Columns))
	for _, c := range t.Columns {
		have[c.Name] = true
	}
	recs := make([]map[string]any, len(raw))
	extra := make(map[string]string) // name -> type
	for r, row := range raw {
		s, _ := row[recordCol].(string)
		if b, ok := row[recordCol].([]byte); ok {
			s = string(b)
		}
		if s == "" {
			continue
		}
		dec := json.NewDecoder(strings.NewReader(s))
		dec.UseNumber()
		var rec map[string]any
		if err := dec.Decode(&rec); err != nil {
			return fmt.Errorf("row %d: Record: %w", r, err)
		}
		recs[r] = rec
		var ti *tableInfo
		if name, ok := rec["Type"].(string); ok {
			ti = w.schema.byName[name]
		}
		for k, v := range rec {
			if have[k] || v == nil {
				continue
			}
			typ := ""
			if ti != nil {
				typ = ti.types[k]
			}
			if typ == "" {
				typ = jsonType(v)
			}
			extra[k] = mergeType(extra[k], typ)
		}
	}
	names := make([]string, 0, len(extra))
	for k := range extra {
		names = append(names, k)
	}
	slices.Sort(names)
	vals := make([]any, len(recs))
	for _, k := range names {
		typ := extra[k]
		for r, rec := range recs {
			v, err := jsonCell(typ, rec[k])
			if err != nil {
				// A value that does not fit the schema's type: keep the
				// column's values as they are, typed dynamic.
				typ = "dynamic"
				break
			}
			vals[r] = v
		}
		if typ == "dynamic" {
			for r, rec := range recs {
				vals[r] = plainJSON(rec[k])
			}
		}
		t.Columns = append(t.Columns, workspace.Column{Name: k, Type: typ})
		for r := range recs {
			t.Rows[r] = append(t.Rows[r], vals[r])
		}
	}
	return nil
}

// jsonType is the Log Analytics type of a JSON value decoded with UseNumber.
func jsonType(v any) string {
	switch x := v.(type) {
	case string:
		return "string"
	case bool:
		return "bool"
	case json.Number:
		if _, err := x.Int64(); err == nil {
			return "long"
		}
		return "real"
	}
	return "dynamic"
}

func mergeType(a, b string) string {
	switch {
	case a == "" || a == b:
		return b
	case (a == "long" || a == "int") && b == "real", a == "real" && (b == "long" || b == "int"):
		return "real"
	case (a == "long" && b == "int") || (a == "int" && b == "long"):
		return "long"
	}
	return "dynamic"
}

// jsonCell converts a field of a decoded Record to the Go type for typ.
func jsonCell(typ string, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch typ {
	case "datetime":
		if s, ok := v.(string); ok {
			return parseTime(s)
		}
	case "long", "int":
		if n, ok := v.(json.Number); ok {
			if i, err := n.Int64(); err == nil {
				return i, nil
			}
			if f, err := n.Float64(); err == nil && f == math.Trunc(f) {
				return int64(f), nil
			}
		}
	case "real":
		if n, ok := v.(json.Number); ok {
			return n.Float64()
		}
	case "bool":
		if b, ok := v.(bool); ok {
			return b, nil
		}
	case "string", "guid", "timespan":
		if s, ok := v.(string); ok {
			return s, nil
		}
		// A schema string column holding a JSON value: keep its text.
		var buf bytes.Buffer
		if err := json.NewEncoder(&buf).Encode(v); err != nil {
			return nil, err
		}
		return strings.TrimSuffix(buf.String(), "\n"), nil
	case "dynamic":
		return plainJSON(v), nil
	}
	return nil, fmt.Errorf("want %s, got %T %v", typ, v, v)
}

// plainJSON converts json.Number values to float64, as a plain json.Unmarshal
// would have decoded them.
func plainJSON(v any) any {
	switch x := v.(type) {
	case json.Number:
		f, err := x.Float64()
		if err != nil {
			return x.String()
		}
		return f
	case map[string]any:
		for k, e := range x {
			x[k] = plainJSON(e)
		}
		return x
	case []any:
		for i, e := range x {
			x[i] = plainJSON(e)
		}
		return x
	}
	return v
}
