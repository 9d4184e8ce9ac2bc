package importer

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

type laResponse struct {
	Tables []struct {
		Name    string `json:"name"`
		Columns []struct {
			Name string `json:"name"`
			Type string `json:"type"`
			// ColumnName/DataType are the older API's spelling.
			ColumnName string `json:"ColumnName"`
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

func readLAJSON(data []byte, table string) (_ []row, err error) {
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	var body any
	if err := d.Decode(&body); err != nil {
		return nil, fmt.Errorf("not a Log Analytics query response: %w", err)
	}
	// An x-ms-examples file wraps the response in responses["200"].body.
	if u, ok := unwrapExample(body); ok {
		if data, err = json.Marshal(u); err != nil {
			return nil, err
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
		tname := t.Name
		if tname == "" {
			tname = fmt.Sprintf("#%d", ti)
		}
		names := make([]string, len(t.Columns))
		decl := make([]string, len(t.Columns))
		typeCol := -1
		for i, c := range t.Columns {
			names[i], decl[i] = c.Name, c.Type
			if names[i] == "" {
				names[i] = c.ColumnName
			}
			if decl[i] == "" {
				decl[i] = laTypes[c.DataType]
			}
			if names[i] == "Type" {
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
			types, folded := schemaTypes(target)
			m := make(map[string]any, len(r))
			for i, v := range r {
				name := names[i]
				if canon := folded[strings.ToLower(name)]; canon != "" {
					name = canon
				}
				typ, known := types[name]
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
