package local

import (
	"strings"

	"github.com/triage-dev/triage/internal/workspace"
)

// noTable returns err as a *workspace.NoTableError when SQLite says a table
// does not exist ("no such table: X", or "main.X" when qualified), else err.
func noTable(err error) error {
	const marker = "no such table: "
	msg := err.Error()
	i := strings.Index(msg, marker)
	if i < 0 {
		return err
	}
	name := msg[i+len(marker):]
	if end := strings.IndexAny(name, " '\n)"); end >= 0 {
		name = name[:end]
	}
	if _, after, ok := strings.Cut(name, "."); ok {
		name = after
	}
	if name == "" {
		return err
	}
	return &workspace.NoTableError{Table: name, Err: err}
}
