package workspace

// NoTableError is a query over a table the workspace does not have: a
// connector never enabled, a table never imported. Every workspace's Query
// returns it (wrapped) for such a query, so that callers recognise it with
// errors.As and pass the table over, without knowing how each service words
// it (SQLite: "no such table: X"; Log Analytics: SEM0100, "Failed to
// resolve table or column expression named 'X'").
type NoTableError struct {
	Table string // the table, as the query names it
	Err   error  // the service's own error
}

func (e *NoTableError) Error() string { return "the workspace has no " + e.Table + " table" }
func (e *NoTableError) Unwrap() error { return e.Err }
