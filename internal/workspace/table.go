package workspace

import "time"

// Column is one column of a query result. Type is the Log Analytics type name:
// string, datetime, long, int, real, bool, dynamic, guid, timespan.
type Column struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

// Table is a query result. Cell values are nil, string, int64, float64, bool,
// time.Time (UTC), or for dynamic columns the decoded JSON value
// (map[string]any, []any, ...).
type Table struct {
	Columns []Column `json:"columns"`
	Rows    [][]any  `json:"rows"`
	// Warnings holds what the service reported as a partial failure. A table
	// with warnings is usable but may be incomplete.
	Warnings []string `json:"warnings,omitempty"`
	// Source names the service that answered, when a workspace can ask more
	// than one ("advanced hunting"); empty for the workspace's own store.
	// The summary sections show it beside the table names.
	Source string `json:"source,omitempty"`
}

// Col returns the index of the named column, or -1.
func (t Table) Col(name string) int {
	for i, c := range t.Columns {
		if c.Name == name {
			return i
		}
	}
	return -1
}

// Records returns the rows as maps keyed by column name.
func (t Table) Records() []Record {
	out := make([]Record, len(t.Rows))
	for i, row := range t.Rows {
		r := make(Record, len(t.Columns))
		for j, c := range t.Columns {
			if j < len(row) {
				r[c.Name] = row[j]
			}
		}
		out[i] = r
	}
	return out
}

// Record is one row keyed by column name.
type Record map[string]any

// String returns the named value as a string, or "" when it is absent or not a string.
func (r Record) String(name string) string {
	s, _ := r[name].(string)
	return s
}

// Time returns the named value as a time, or the zero time.
func (r Record) Time(name string) time.Time {
	t, _ := r[name].(time.Time)
	return t
}

// Int returns the named value as an integer, or 0.
func (r Record) Int(name string) int64 {
	switch v := r[name].(type) {
	case int64:
		return v
	case float64:
		return int64(v)
	case int:
		return int64(v)
	}
	return 0
}
