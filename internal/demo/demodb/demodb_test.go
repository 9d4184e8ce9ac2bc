package demodb

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/triage-dev/triage/internal/triage"
	"github.com/triage-dev/triage/internal/workspace"
	"github.com/triage-dev/triage/internal/workspace/local"
)

var now = time.Date(2026, 11, 26, 15, 4, 5, 0, time.UTC)

// TestOpen builds the demo's file once, from two Opens racing on an empty
// directory, and checks what every later Open finds: the cached file, read
// only; a private copy for writes, gone on Close; a damaged file rebuilt.
func TestOpen(t *testing.T) {
	ctx := context.Background()
	// SQLite reads % in a URI filename as an escape.
	dir := filepath.Join(t.TempDir(), "cache %41 dir")
	var mu sync.Mutex
	builds := 0
	opts := Options{Dir: dir, Now: now, Building: func(string) { mu.Lock(); builds++; mu.Unlock() }}

	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range errs {
		wg.Go(func() {
			ws, err := Open(ctx, opts)
			if err == nil {
				err = ws.Close()
			}
			errs[i] = err
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatalf("concurrent opens: %v", err)
	}
	if builds < 1 || builds > 2 {
		t.Fatalf("%d builds for two concurrent opens, want 1 or 2", builds)
	}

	builds = 0
	ws, err := Open(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	if builds != 0 {
		t.Errorf("an open with the file in place built it again")
	}
	want := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
	if !ws.AsOf.Equal(want) {
		t.Errorf("AsOf = %v, want the start of the day %v", ws.AsOf, want)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 || filepath.Join(dir, entries[0].Name()) != ws.Path {
		t.Errorf("cache dir holds %v, want only %s (no temporary files, journals or copies)", names(entries), ws.Path)
	}
	before, err := os.ReadFile(ws.Path)
	if err != nil {
		t.Fatal(err)
	}

	inc := incident(t, ws, "121")
	if inc.Created.After(ws.AsOf) || inc.Created.Before(ws.AsOf.Add(-3*24*time.Hour)) {
		t.Errorf("incident 121 created %v, want in the days before %v", inc.Created, ws.AsOf)
	}
	if _, err := ws.PostComment(ctx, inc, "", "read-only?"); !errors.Is(err, local.ErrReadOnly) {
		t.Errorf("comment on the read-only demo: %v, want ErrReadOnly", err)
	}
	if err := ws.Load(ctx, func(func(string, map[string]any) error) error { return nil }); !errors.Is(err, local.ErrReadOnly) {
		t.Errorf("load into the read-only demo: %v, want ErrReadOnly", err)
	}
	ws.Close()

	opts.Writable = true
	rw, err := Open(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rw.PostComment(ctx, incident(t, rw, "121"), "", "kept by this process"); err != nil {
		t.Fatalf("comment on the writable demo: %v", err)
	}
	if cs, err := rw.Comments(ctx, incident(t, rw, "121")); err != nil || len(cs) != 1 {
		t.Errorf("comments after one: %d, %v", len(cs), err)
	}
	if err := rw.Close(); err != nil {
		t.Fatal(err)
	}
	if after, err := os.ReadFile(ws.Path); err != nil || !bytes.Equal(before, after) {
		t.Errorf("the cached file changed through the writable copy (%v)", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("after Close the cache dir holds %v, want the copy gone", names(entries))
	}

	// A file cut short is not opened but rebuilt.
	if err := os.Truncate(ws.Path, int64(len(before)/2)); err != nil {
		t.Fatal(err)
	}
	if err := check(ws.Path); err == nil {
		t.Fatal("check accepts a file cut in half")
	}
	opts.Writable = false
	builds = 0
	ws, err = Open(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	if builds != 1 {
		t.Errorf("%d builds over a file cut in half, want 1", builds)
	}
	if err := check(ws.Path); err != nil {
		t.Errorf("rebuilt file: %v", err)
	}
	incident(t, ws, "121")
}

func TestCheckRefusesUnfinishedFiles(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "unsealed.db")
	ws, err := local.Open(ctx, Name, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	ws.Close()
	if err := check(path); err == nil {
		t.Error("check accepts a workspace file that was never sealed")
	}
	if err := seal(path); err != nil {
		t.Fatal(err)
	}
	if err := check(path); err != nil {
		t.Errorf("check after seal: %v", err)
	}
	if err := check(filepath.Join(t.TempDir(), "missing.db")); err == nil {
		t.Error("check accepts a missing file")
	}
}

func TestSweep(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("copies are never swept where open files cannot be removed")
	}
	dir := t.TempDir()
	asOf := AsOf(now)
	day := "demo-" + asOf.Format("20060102") + "-"
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-2 * time.Hour)
	files := map[string]bool{ // name → kept
		"demo-20261125-aaaa-x1.db":                        false, // another day
		day + "cur-x1.db":                                 true,  // the key opened
		day + "b-x1.db":                                   true,  // newest others of the day
		day + "c-x1.db":                                   true,
		day + "d-x1.db":                                   false, // beyond them
		day + "cur-x1.db.tmp-1-1":                         true,  // a build in progress
		day + "cur-x1.db.tmp-2-2":                         false, // a build stopped long ago
		fmt.Sprintf("copy-%d-1.db", dead.Process.Pid):     false,
		fmt.Sprintf("copy-%d-1.db-wal", dead.Process.Pid): false,
		fmt.Sprintf("copy-%d-2.db", os.Getpid()):          true, // this process's
		"notes.txt":                                       true,
	}
	for i, n := range []string{day + "b-x1.db", day + "c-x1.db", day + "d-x1.db"} {
		// b newest, d oldest.
		write(t, filepath.Join(dir, n), time.Now().Add(-time.Duration(i+1)*time.Minute))
	}
	for n := range files {
		if _, err := os.Stat(filepath.Join(dir, n)); err == nil {
			continue
		}
		mod := time.Now()
		if n == day+"cur-x1.db.tmp-2-2" {
			mod = old
		}
		write(t, filepath.Join(dir, n), mod)
	}
	sweep(dir, day+"cur-x1", asOf)
	for n, kept := range files {
		_, err := os.Stat(filepath.Join(dir, n))
		if (err == nil) != kept {
			t.Errorf("%s: kept %v, want %v", n, err == nil, kept)
		}
	}
}

func write(t *testing.T, path string, mod time.Time) {
	t.Helper()
	if err := os.WriteFile(path, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(path, mod, mod); err != nil {
		t.Fatal(err)
	}
}

func incident(t *testing.T, ws workspace.Workspace, ref string) triage.Incident {
	t.Helper()
	inc, err := ws.Incident(context.Background(), ref)
	if err != nil {
		t.Fatalf("incident %s: %v", ref, err)
	}
	return inc
}

func names(es []os.DirEntry) []string {
	var out []string
	for _, e := range es {
		out = append(out, e.Name())
	}
	return out
}

// TestOpenWithoutItsFile checks that a cache directory that cannot be made
// costs speed, not the demo: it is built in memory, with a warning that
// says why.
func TestOpenWithoutItsFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "a-file")
	write(t, file, time.Now())
	var warned string
	ws, err := Open(context.Background(), Options{Dir: filepath.Join(file, "cache"), Now: now, Warn: func(msg string) { warned = msg }})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	if ws.Path != "" || !strings.Contains(warned, "a-file") || !strings.Contains(warned, "in memory") {
		t.Errorf("path %q, warning %q; want no file and a warning naming the directory", ws.Path, warned)
	}
	inc := incident(t, ws, "121")
	if _, err := ws.PostComment(context.Background(), inc, "", "in memory"); err != nil {
		t.Errorf("comment on the in-memory demo: %v", err)
	}
}
