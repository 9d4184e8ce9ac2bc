package importer_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/triage-dev/triage/internal/importer"
)

const eventsCSV = "TimeGenerated,Computer,EventID,Account\n2019-01-15 05:15:02,h1,4624,a\n2019-01-15 05:16:02,h2,4624,b\n"

// A file that is not the same on the second pass (it was still being
// written) is an error, and nothing is written.
func TestFileChangedBetweenPasses(t *testing.T) {
	ws, count := open(t)
	path := writeFile(t, "events.csv", eventsCSV)
	changed := false
	_, err := importer.Import(context.Background(), ws, path, importer.Options{
		Progress: func(p importer.Progress) {
			if p.Pass == "writing" && !changed {
				changed = true
				if err := os.WriteFile(path, []byte(strings.Replace(eventsCSV, "h2", "h3", 1)), 0o600); err != nil {
					t.Error(err)
				}
			}
		},
	})
	if err == nil || !strings.Contains(err.Error(), "changed while it was being imported") || !strings.Contains(err.Error(), path) {
		t.Fatalf("error %v, want one saying %s changed", err, path)
	}
	if n := count("SecurityEvent"); n != 0 {
		t.Errorf("%d rows written from a file that changed", n)
	}
}

// A file that grows past the limit while it is read is refused, and
// nothing is written.
func TestFileGrowsPastLimit(t *testing.T) {
	ws, count := open(t)
	path := writeFile(t, "events.csv", eventsCSV)
	grown := false
	_, err := importer.Import(context.Background(), ws, path, importer.Options{
		MaxSize: 4096,
		Progress: func(p importer.Progress) {
			if !grown {
				grown = true
				f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
				if err != nil {
					t.Fatal(err)
				}
				f.WriteString(strings.Repeat("2019-01-15 05:15:02,h1,4624,a\n", 300))
				f.Close()
			}
		},
	})
	var tooLarge *importer.TooLargeError
	if !errors.As(err, &tooLarge) || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "4 KiB") {
		t.Fatalf("error %v, want a TooLargeError naming %s and 4 KiB", err, path)
	}
	if n := count("SecurityEvent"); n != 0 {
		t.Errorf("%d rows written from a file over the limit", n)
	}
}

// A CSV whose Type column is past the end of a row is an error naming the
// row (it used to panic).
func TestCSVShortRowWithTypeColumn(t *testing.T) {
	ws, _ := open(t)
	path := writeFile(t, "typed.csv", "TimeGenerated,Computer,Type\n2019-01-15,h1\n")
	_, err := importer.Import(context.Background(), ws, path, importer.Options{})
	if err == nil || !strings.Contains(err.Error(), "row 1") || !strings.Contains(err.Error(), path) {
		t.Fatalf("error %v, want one naming %s row 1", err, path)
	}
}

// One lock per workspace file: the second is refused at once, naming the
// file; after Release it can be taken again.
func TestLockWorkspace(t *testing.T) {
	db := writeFile(t, "ws.db", "")
	l1, err := importer.LockWorkspace(db)
	if err != nil {
		t.Fatal(err)
	}
	_, err = importer.LockWorkspace(db)
	var locked *importer.LockedError
	if !errors.As(err, &locked) || !strings.Contains(err.Error(), db) || !strings.Contains(err.Error(), "another import") {
		t.Fatalf("second lock: %v, want a LockedError naming %s", err, db)
	}
	if err := l1.Release(); err != nil {
		t.Fatal(err)
	}
	l2, err := importer.LockWorkspace(db)
	if err != nil {
		t.Fatalf("after Release: %v", err)
	}
	l2.Release()
	fi, err := os.Stat(importer.LockPath(db))
	if err == nil && fi.Mode().Perm() != 0o600 {
		t.Errorf("lock file mode %o, want 600", fi.Mode().Perm())
	}
}

// Every decode error names the file and where in it.
func TestDecodeErrorsNameWhere(t *testing.T) {
	for _, c := range []struct{ name, body, where string }{
		{"a.json", `{"tables": [{"name": "T", "columns": [{"name": "TimeGenerated", "type": "datetime"}], "rows": [["x"]`, "table T row 1"},
		{"b.json", `{"tables": [{"name": "T", "columns": [}`, "offset"},
		{"c.json", `{"value": [{"kind": "Ip", "properties": {}}, 3]}`, "value[1]"},
		{"d.json", `{"tables": 3}`, "offset"},
		{"e.csv", "TimeGenerated,Computer,EventID\n2019-01-15,h1,\"4624\n", "row 1"},
	} {
		t.Run(c.name, func(t *testing.T) {
			ws, _ := open(t)
			path := writeFile(t, c.name, c.body)
			_, err := importer.Import(context.Background(), ws, path, importer.Options{Table: "SecurityEvent"})
			var de *importer.DecodeError
			if !errors.As(err, &de) || de.File != path || !strings.Contains(de.Where, c.where) {
				t.Fatalf("error %v, want a DecodeError of %s at %q", err, path, c.where)
			}
			if !strings.HasPrefix(err.Error(), "import "+path+": ") {
				t.Errorf("error %q does not start with import and the file", err)
			}
		})
	}
}
