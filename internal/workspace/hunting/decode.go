package hunting

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/triage-dev/triage/internal/workspace"
)

// answer is runHuntingQuery's answer: the columns, then one object per row
// keyed by column name. Keys are matched case-insensitively (samples write
// Name/Type as well as name/type, and encoding/json matches either).
type answer struct {
	Schema []struct {
		Name string `json:"name"`
		Type string `json:"type"`
	} `json:"schema"`
	Results []map[string]json.RawMessage `json:"results"`
}

// types maps the type names advanced hunting writes (.NET's, such as
// DateTime, Int64, Object) to the Log Analytics names workspace.Table
// uses. Names not listed are kept, lower-cased: the set is open, and
// workspace.DecodeCell reads a cell of a type it does not know as text.
var types = map[string]string{
	"datetime": "datetime", "datetimeoffset": "datetime",
	"string": "string",
	"int64":  "long", "long": "long",
	"int32": "int", "int": "int", "int16": "int",
	"double": "real", "single": "real", "float": "real", "real": "real",
	"decimal": "decimal",
	"boolean": "bool", "bool": "bool", "sbyte": "bool",
	"object": "dynamic", "dynamic": "dynamic",
	"guid":     "guid",
	"timespan": "timespan",
}

// decode turns an answer's body into a table.
func decode(payload []byte) (workspace.Table, error) {
	var a answer
	d := json.NewDecoder(bytes.NewReader(payload))
	if err := d.Decode(&a); err != nil {
		return workspace.Table{}, err
	}
	if a.Schema == nil {
		return workspace.Table{}, errors.New("no schema")
	}
	t := workspace.Table{Columns: make([]workspace.Column, len(a.Schema))}
	for i, c := range a.Schema {
		if c.Name == "" {
			return workspace.Table{}, fmt.Errorf("schema column %d has no name", i)
		}
		typ := strings.ToLower(c.Type)
		if known, ok := types[typ]; ok {
			typ = known
		}
		t.Columns[i] = workspace.Column{Name: c.Name, Type: typ}
	}
	t.Rows = make([][]any, 0, len(a.Results))
	for i, r := range a.Results {
		// A row's keys as written, else case-insensitively.
		var folded map[string]json.RawMessage
		row := make([]any, len(t.Columns))
		for j, c := range t.Columns {
			raw, ok := r[c.Name]
			if !ok {
				if folded == nil {
					folded = make(map[string]json.RawMessage, len(r))
					for k, v := range r {
						folded[strings.ToLower(k)] = v
					}
				}
				raw = folded[strings.ToLower(c.Name)]
			}
			v, err := workspace.DecodeCell(c.Type, raw)
			if err != nil {
				return workspace.Table{}, fmt.Errorf("row %d column %s (%s): %w", i, c.Name, c.Type, err)
			}
			row[j] = v
		}
		t.Rows = append(t.Rows, row)
	}
	return t, nil
}
