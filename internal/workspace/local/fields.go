package local

import (
	"context"
	"fmt"
)

// RecordFieldValues returns the distinct non-null text values of one field
// of the Record column (json_extract(Record, '$."field"')) over every row of
// table. The importer uses it to read the fingerprints of records it wrote
// earlier. An unknown table is an error.
func (w *Workspace) RecordFieldValues(ctx context.Context, table, field string) (map[string]bool, error) {
	if _, ok := w.schema.byName[table]; !ok {
		return nil, fmt.Errorf("record field values: unknown table %q", table)
	}
	path := `$."` + field + `"`
	q := fmt.Sprintf("SELECT DISTINCT json_extract(%s, ?) FROM %s WHERE json_extract(%s, ?) IS NOT NULL",
		recordColumn, quoteIdent(table), recordColumn)
	rows, err := w.db.QueryContext(ctx, q, path, path)
	if err != nil {
		return nil, fmt.Errorf("record field values %s.%s: %w", table, field, err)
	}
	defer rows.Close()
	out := make(map[string]bool)
	for rows.Next() {
		var v any
		if err := rows.Scan(&v); err != nil {
			return nil, fmt.Errorf("record field values %s.%s: %w", table, field, err)
		}
		out[fmt.Sprint(v)] = true
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("record field values %s.%s: %w", table, field, err)
	}
	return out, nil
}
