package importer

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// laColumn is a column of a Log Analytics response table.
type laColumn struct {
	Name string `json:"name"`
	Type string `json:"type"`
	// ColumnName, ColumnType and DataType are the older API's.
	ColumnName string `json:"ColumnName"`
	ColumnType string `json:"ColumnType"`
	DataType   string `json:"DataType"`
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
// (as a data export rule writes them). It walks the JSON token by token,
// decoding one table row or one record at a time; an x-ms-examples wrapper
// is read whole, as its body may come after its parameters.
func readLAJSON(in *decoded, table string, yield func(row) error) error {
	if table != "" {
		canon, ok := knownTable(table)
		if !ok {
			return errAt("offset 0", fmt.Errorf("unknown table %q", table))
		}
		table = canon
	}
	d := json.NewDecoder(in)
	d.UseNumber()
	off := func() string { return fmt.Sprintf("offset %d", d.InputOffset()) }
	notResponse := func(err error) error {
		return errAt(off(), fmt.Errorf("not a Log Analytics query response: %w", err))
	}
	tok, err := d.Token()
	if err != nil {
		return notResponse(err)
	}
	rr := &recordReader{table: table, maps: map[string]*columnMap{}, yield: yield}
	switch tok {
	case json.Delim('['):
		return rr.list(d, "record")
	case json.Delim('{'):
	default:
		return notResponse(fmt.Errorf("a %s, not an object or a list", tokenKind(tok)))
	}
	lr := &laReader{table: table, yield: yield}
	obj := map[string]any{}
	sawTables := false
	for d.More() {
		kt, err := d.Token()
		if err != nil {
			return notResponse(err)
		}
		key, _ := kt.(string)
		if strings.EqualFold(key, "tables") {
			sawTables = true
			if err := lr.tables(d); err != nil {
				return err
			}
			continue
		}
		var v any
		if err := d.Decode(&v); err != nil {
			return notResponse(err)
		}
		obj[key] = v
	}
	if _, err := d.Token(); err != nil {
		return notResponse(err)
	}
	if sawTables {
		if !lr.list {
			return errAt(off(), errors.New("not a Log Analytics query response: no tables"))
		}
		return nil
	}
	// Not a response: an x-ms-examples wrapper of one, or the first of
	// JSON lines of records.
	var body any = obj
	if u, _, ok := unwrapExample(obj); ok {
		body = u
	}
	switch b := body.(type) {
	case []any:
		if d.More() {
			return errAt(off(), errors.New("not a Log Analytics query response: more JSON after the list"))
		}
		for i, v := range b {
			if err := rr.record(fmt.Sprintf("record %d", i+1), v); err != nil {
				return err
			}
		}
		return rr.done(off())
	case map[string]any:
		for k, v := range b {
			if strings.EqualFold(k, "tables") { // an unwrapped response
				data, err := json.Marshal(v)
				if err != nil {
					return errAt(off(), err)
				}
				bd := json.NewDecoder(strings.NewReader(string(data)))
				bd.UseNumber()
				if err := lr.tables(bd); err != nil {
					return err
				}
				if !lr.list {
					return errAt(off(), errors.New("not a Log Analytics query response: no tables"))
				}
				return nil
			}
		}
		if err := rr.record("line record 1", b); err != nil {
			return err
		}
		for i := 2; d.More(); i++ {
			var v any
			if err := d.Decode(&v); err != nil {
				return errAt(fmt.Sprintf("line record %d", i), err)
			}
			if err := rr.record(fmt.Sprintf("line record %d", i), v); err != nil {
				return err
			}
		}
		return rr.done(off())
	}
	return notResponse(fmt.Errorf("the example's body is a %s", jsonKind(body)))
}

// tokenKind names the JSON type of a token for errors.
func tokenKind(tok json.Token) string {
	switch tok {
	case json.Delim('{'):
		return "object"
	case json.Delim('['):
		return "list"
	}
	return jsonKind(tok)
}

// laReader reads the tables of a Log Analytics response.
type laReader struct {
	table string // Options.Table, canonical, or ""
	yield func(row) error
	list  bool // a tables list was found
	n     int  // tables so far
}

// tables reads a tables list, the next value of d.
func (lr *laReader) tables(d *json.Decoder) error {
	off := func() string { return fmt.Sprintf("offset %d", d.InputOffset()) }
	tok, err := d.Token()
	switch {
	case err != nil:
		return errAt(off(), err)
	case tok == nil:
		return nil
	case tok != json.Delim('['):
		return errAtf(off(), "not a Log Analytics query response: tables is a %s, not a list", tokenKind(tok))
	}
	lr.list = true
	for d.More() {
		if err := lr.readTable(d, lr.n); err != nil {
			return err
		}
		lr.n++
	}
	if _, err := d.Token(); err != nil {
		return errAt(off(), err)
	}
	return nil
}

// readTable reads one table of the list, its rows one at a time. Rows
// listed before the table's columns (which no API does) wait for them.
func (lr *laReader) readTable(d *json.Decoder, ti int) error {
	off := func() string { return fmt.Sprintf("offset %d", d.InputOffset()) }
	tok, err := d.Token()
	if err != nil {
		return errAt(off(), err)
	}
	if tok != json.Delim('{') {
		return errAtf(off(), "tables[%d]: a %s, not a table object", ti, tokenKind(tok))
	}
	var name, tableName string
	var cols []laColumn
	haveCols := false
	var pending [][]any
	var t *laTable
	tname := func() string { return cmp.Or(name, tableName, fmt.Sprintf("#%d", ti)) }
	ri := 0
	convert := func(r []any) error {
		if t == nil {
			if t, err = newLATable(tname(), cols, lr.table); err != nil {
				return err
			}
		}
		ri++
		rw, err := t.row(ri, r)
		if err != nil {
			return err
		}
		return lr.yield(rw)
	}
	for d.More() {
		kt, err := d.Token()
		if err != nil {
			return errAt(off(), err)
		}
		key, _ := kt.(string)
		switch {
		case strings.EqualFold(key, "name"):
			err = d.Decode(&name)
		case strings.EqualFold(key, "TableName"):
			err = d.Decode(&tableName)
		case strings.EqualFold(key, "columns"):
			err = d.Decode(&cols)
			haveCols = true
		case strings.EqualFold(key, "rows"):
			tok, err := d.Token()
			if err != nil {
				return errAt(off(), err)
			}
			if tok == nil {
				continue
			}
			if tok != json.Delim('[') {
				return errAtf("table "+tname(), "rows: a %s, not a list", tokenKind(tok))
			}
			for d.More() {
				var r []any
				if err := d.Decode(&r); err != nil {
					return errAt(fmt.Sprintf("table %s row %d", tname(), ri+len(pending)+1), err)
				}
				if !haveCols {
					pending = append(pending, r)
					continue
				}
				if err := convert(r); err != nil {
					return err
				}
			}
			if _, err := d.Token(); err != nil {
				return errAt(off(), err)
			}
		default:
			var skip any
			err = d.Decode(&skip)
		}
		if err != nil {
			return errAt(off(), fmt.Errorf("table %s: %s: %w", tname(), key, err))
		}
	}
	if _, err := d.Token(); err != nil {
		return errAt(off(), err)
	}
	for _, r := range pending {
		if err := convert(r); err != nil {
			return err
		}
	}
	return nil
}

// laTable converts the rows of one table of a response.
type laTable struct {
	name    string
	table   string   // Options.Table, canonical, or ""
	names   []string // the response's column names
	decl    []string // and types
	typeCol int      // the Type column, or -1
	// mapped: the table's column names and types, by target table.
	mapped map[string]laColumns
}

type laColumns struct {
	names []string
	types map[string]string
}

func newLATable(name string, cols []laColumn, table string) (*laTable, error) {
	t := &laTable{name: name, table: table, names: make([]string, len(cols)), decl: make([]string, len(cols)),
		typeCol: -1, mapped: map[string]laColumns{}}
	for i, c := range cols {
		t.names[i], t.decl[i] = c.Name, c.Type
		if t.names[i] == "" {
			t.names[i] = c.ColumnName
		}
		if t.decl[i] == "" {
			t.decl[i] = cmp.Or(strings.ToLower(c.ColumnType), laTypes[c.DataType])
		}
		if strings.EqualFold(t.names[i], "Type") {
			t.typeCol = i
		}
	}
	return t, nil
}

// row converts the table's row ri (from 1).
func (t *laTable) row(ri int, r []any) (row, error) {
	where := fmt.Sprintf("table %s row %d", t.name, ri)
	if len(r) != len(t.names) {
		return row{}, errAtf(where, "%d values, %d columns", len(r), len(t.names))
	}
	target := t.table
	if target == "" && t.typeCol >= 0 {
		s, _ := r[t.typeCol].(string)
		canon, ok := knownTable(s)
		if !ok {
			return row{}, errAtf(where, "column Type: unknown table %q (give the table)", s)
		}
		target = canon
	}
	if target == "" {
		return row{}, errAtf(where, "no Type column: give the table")
	}
	cols, ok := t.mapped[target]
	if !ok {
		cm := newColumnMap(target, t.names)
		cols.types = cm.types
		used := make(map[string]string)
		for _, n := range t.names {
			c := cm.column(n)
			if prev, dup := used[c]; dup {
				return row{}, errAtf("table "+t.name, "columns %q and %q are both %s", prev, n, c)
			}
			used[c] = n
			cols.names = append(cols.names, c)
		}
		t.mapped[target] = cols
	}
	m := make(map[string]any, len(r))
	for i, v := range r {
		name := cols.names[i]
		typ, known := cols.types[name]
		if !known {
			typ = t.decl[i]
		}
		cv, ok, err := convert(typ, v)
		if err != nil {
			return row{}, errAtf(where, "column %s: %w", t.names[i], err)
		}
		if ok {
			m[name] = cv
		}
	}
	if s, ok := m["Type"].(string); ok && s != target {
		m["Type"] = target
	}
	fillTimeGenerated(m)
	return row{table: target, rec: m, where: where}, nil
}

// recordReader reads query results given as objects keyed by column name.
// The table is table, else the record's Type, else inferred from its
// columns. Values are typed by the table's schema; columns it does not know
// keep their JSON values (numbers as int64 or float64).
type recordReader struct {
	table string                // Options.Table, canonical, or ""
	maps  map[string]*columnMap // by table and column names
	yield func(row) error
	n     int // records read
}

// list reads the records of a JSON list whose '[' was read.
func (rr *recordReader) list(d *json.Decoder, what string) error {
	off := func() string { return fmt.Sprintf("offset %d", d.InputOffset()) }
	for i := 1; d.More(); i++ {
		var v any
		if err := d.Decode(&v); err != nil {
			return errAt(fmt.Sprintf("%s %d", what, i), err)
		}
		if err := rr.record(fmt.Sprintf("%s %d", what, i), v); err != nil {
			return err
		}
	}
	if _, err := d.Token(); err != nil {
		return errAt(off(), err)
	}
	if d.More() {
		return errAt(off(), errors.New("not a Log Analytics query response: more JSON after the list"))
	}
	return rr.done(off())
}

// done is the error of a file without records.
func (rr *recordReader) done(where string) error {
	if rr.n == 0 {
		return errAt(where, errors.New("no records"))
	}
	return nil
}

// record reads one record.
func (rr *recordReader) record(where string, rv any) error {
	rr.n++
	obj, ok := rv.(map[string]any)
	if !ok {
		return errAtf(where, "a %s, not an object of columns", jsonKind(rv))
	}
	names := sortedKeys(obj)
	target := rr.table
	if target == "" {
		for _, k := range names {
			if foldName(k) == "type" {
				s, _ := obj[k].(string)
				canon, ok := knownTable(s)
				if !ok {
					return errAtf(where, "column %s: unknown table %q (give the table)", k, s)
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
			return errAtf(where, "no Type column and the columns do not tell the table: give the table")
		}
	}
	sig := target + "\x00" + strings.Join(names, "\x00")
	cm := rr.maps[sig]
	if cm == nil {
		if len(rr.maps) >= 1024 {
			clear(rr.maps) // records of ever new columns: bound the cache
		}
		cm = newColumnMap(target, names)
		rr.maps[sig] = cm
	}
	m := make(map[string]any, len(obj))
	from := make(map[string]string, len(obj))
	for _, k := range names {
		name := cm.column(k)
		if prev, dup := from[name]; dup {
			return errAtf(where, "columns %q and %q are both %s", prev, k, name)
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
			return errAtf(where, "column %s: %w", k, err)
		}
		if ok {
			m[name] = cv
		}
	}
	if s, ok := m["Type"].(string); ok && s != target {
		m["Type"] = target
	}
	fillTimeGenerated(m)
	return rr.yield(row{table: target, rec: m, where: where})
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
