package importer

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

type laResponse struct {
	Tables []struct {
		Name      string `json:"name"`
		TableName string `json:"TableName"` // the older API's spelling
		Columns   []struct {
			Name string `json:"name"`
			Type string `json:"type"`
			// ColumnName, ColumnType and DataType are the older API's.
			ColumnName string `json:"ColumnName"`
			ColumnType string `json:"ColumnType"`
			DataType   string `json:"DataType"`
		} `json:"columns"`
		Rows [][]any `json:"rows"`
	} `json:"tables"`
}

// laTypes maps the older API's .NET type names to Log Analytics types.
var laTypes = map[string]string{
	"String": "string", "DateTime": "datetime", "Int64": "long", "Int32": "int",
	"Double": "real", "Boolean": "bool", "Object": "dynamic", "Guid": "guid", "SByte": "bool",
	"TimeSpan": "timespan",
}

// readLAJSON reads a Log Analytics query response ({"tables": [...]}), or
// query results as records: a JSON array of objects keyed by column name (as
// az monitor log-analytics query prints them), or JSON lines of such objects
// (as a data export rule writes them).
func readLAJSON(data []byte, table string) (_ []row, err error) {
	d := json.NewDecoder(bytes.NewReader(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))))
	d.UseNumber()
	var body any
	if err := d.Decode(&body); err != nil {
		return nil, fmt.Errorf("not a Log Analytics query response: %w", err)
	}
	// An x-ms-examples file wraps the response in responses["200"].body.
	if u, _, ok := unwrapExample(body); ok {
		body = u
		if data, err = json.Marshal(u); err != nil {
			return nil, err
		}
	}
	switch b := body.(type) {
	case []any:
		if d.More() {
			return nil, errors.New("not a Log Analytics query response: more JSON after the list")
		}
		return readRecords(b, table, "record")
	case map[string]any:
		if !hasKeyFold(b, "tables") {
			recs := []any{b}
			for d.More() {
				var v any
				if err := d.Decode(&v); err != nil {
					return nil, fmt.Errorf("line record %d: %w", len(recs)+1, err)
				}
				recs = append(recs, v)
			}
			return readRecords(recs, table, "line record")
		}
	}
	d = json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	var resp laResponse
	if err := d.Decode(&resp); err != nil {
		return nil, fmt.Errorf("not a Log Analytics query response: %w", err)
	}
	if resp.Tables == nil {
		return nil, errors.New("not a Log Analytics query response: no tables")
	}
	if table != "" {
		canon, ok := knownTable(table)
		if !ok {
			return nil, fmt.Errorf("unknown table %q", table)
		}
		table = canon
	}
	var rows []row
	for ti, t := range resp.Tables {
		tname := cmp.Or(t.Name, t.TableName)
		if tname == "" {
			tname = fmt.Sprintf("#%d", ti)
		}
		names := make([]string, len(t.Columns))
		decl := make([]string, len(t.Columns))
		typeCol := -1
		// The table's column names and types, by target table.
		type columns struct {
			names []string
			types map[string]string
		}
		mapped := make(map[string]columns)
		for i, c := range t.Columns {
			names[i], decl[i] = c.Name, c.Type
			if names[i] == "" {
				names[i] = c.ColumnName
			}
			if decl[i] == "" {
				decl[i] = cmp.Or(strings.ToLower(c.ColumnType), laTypes[c.DataType])
			}
			if strings.EqualFold(names[i], "Type") {
				typeCol = i
			}
		}
		for ri, r := range t.Rows {
			where := fmt.Sprintf("table %s row %d", tname, ri+1)
			if len(r) != len(names) {
				return nil, fmt.Errorf("%s: %d values, %d columns", where, len(r), len(names))
			}
			target := table
			if target == "" && typeCol >= 0 {
				s, _ := r[typeCol].(string)
				canon, ok := knownTable(s)
				if !ok {
					return nil, fmt.Errorf("%s: column Type: unknown table %q (give the table)", where, s)
				}
				target = canon
			}
			if target == "" {
				return nil, fmt.Errorf("%s: no Type column: give the table", where)
			}
			cols, ok := mapped[target]
			if !ok {
				cm := newColumnMap(target, names)
				cols.types = cm.types
				used := make(map[string]string)
				for _, n := range names {
					c := cm.column(n)
					if prev, dup := used[c]; dup {
						return nil, fmt.Errorf("table %s: columns %q and %q are both %s", tname, prev, n, c)
					}
					used[c] = n
					cols.names = append(cols.names, c)
				}
				mapped[target] = cols
			}
			m := make(map[string]any, len(r))
			for i, v := range r {
				name := cols.names[i]
				typ, known := cols.types[name]
				if !known {
					typ = decl[i]
				}
				cv, ok, err := convert(typ, v)
				if err != nil {
					return nil, fmt.Errorf("%s: column %s: %w", where, names[i], err)
				}
				if ok {
					m[name] = cv
				}
			}
			if s, ok := m["Type"].(string); ok && s != target {
				m["Type"] = target
			}
			fillTimeGenerated(m)
			rows = append(rows, row{table: target, rec: m, where: where})
		}
	}
	return rows, nil
}

func hasKeyFold(m map[string]any, key string) bool {
	for k := range m {
		if strings.EqualFold(k, key) {
			return true
		}
	}
	return false
}

// readRecords reads query results given as objects keyed by column name.
// The table is table, else the record's Type, else inferred from its
// columns. Values are typed by the table's schema; columns it does not know
// keep their JSON values (numbers as int64 or float64).
func readRecords(recs []any, table, what string) ([]row, error) {
	if table != "" {
		canon, ok := knownTable(table)
		if !ok {
			return nil, fmt.Errorf("unknown table %q", table)
		}
		table = canon
	}
	maps := make(map[string]*columnMap) // by table and column names
	var rows []row
	for i, rv := range recs {
		where := fmt.Sprintf("%s %d", what, i+1)
		obj, ok := rv.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%s: a %s, not an object of columns", where, jsonKind(rv))
		}
		names := sortedKeys(obj)
		target := table
		if target == "" {
			for _, k := range names {
				if foldName(k) == "type" {
					s, _ := obj[k].(string)
					canon, ok := knownTable(s)
					if !ok {
						return nil, fmt.Errorf("%s: column %s: unknown table %q (give the table)", where, k, s)
					}
					target = canon
				}
			}
		}
		if target == "" {
			folded := make(map[string]bool, len(names))
			for _, k := range names {
				folded[foldName(k)] = true
			}
			if target = inferTable(func(s string) bool { return folded[s] }); target == "" {
				return nil, fmt.Errorf("%s: no Type column and the columns do not tell the table: give the table", where)
			}
		}
		sig := target + "\x00" + strings.Join(names, "\x00")
		cm := maps[sig]
		if cm == nil {
			cm = newColumnMap(target, names)
			maps[sig] = cm
		}
		m := make(map[string]any, len(obj))
		from := make(map[string]string, len(obj))
		for _, k := range names {
			name := cm.column(k)
			if prev, dup := from[name]; dup {
				return nil, fmt.Errorf("%s: columns %q and %q are both %s", where, prev, k, name)
			}
			from[name] = k
			typ, known := cm.types[name]
			if !known {
				if v := plainValue(obj[k]); v != nil {
					m[name] = v
				}
				continue
			}
			cv, ok, err := convert(typ, obj[k])
			if err != nil {
				return nil, fmt.Errorf("%s: column %s: %w", where, k, err)
			}
			if ok {
				m[name] = cv
			}
		}
		if s, ok := m["Type"].(string); ok && s != target {
			m["Type"] = target
		}
		fillTimeGenerated(m)
		rows = append(rows, row{table: target, rec: m, where: where})
	}
	if len(rows) == 0 {
		return nil, errors.New("no records")
	}
	return rows, nil
}

// plainValue turns a decoded JSON value of a column the schema does not know
// into one Load stores as is: json.Number becomes int64 or float64.
func plainValue(v any) any {
	n, ok := v.(json.Number)
	if !ok {
		return v
	}
	if i, err := n.Int64(); err == nil {
		return i
	}
	if f, err := n.Float64(); err == nil {
		return f
	}
	return n.String()
}
