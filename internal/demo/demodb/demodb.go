// Package demodb keeps the demo workspace in a SQLite file, built once and
// opened by every command after it.
//
// Building the demo (its rows and indexes) takes seconds; opening a file
// takes milliseconds. The file lives in a cache directory
// under a name made of what changes its contents: the program (a hash of
// the running executable, since the demo is whatever this build's
// generator makes), the scale, and the UTC day its times are anchored to.
// A file is built under a temporary name and renamed into place once it is
// complete, so two commands starting at once build it once or harmlessly
// twice, and a file cut short by a crash is never opened: one whose size
// or completion mark is wrong is rebuilt.
//
// The demo's times are anchored at the start of the UTC day (AsOf), not at
// the moment a command runs, so that one file serves the whole day. Windows
// that end "now" (the incidents of the last 48 hours) should end at AsOf on
// the demo, or its oldest incidents would drift out of them as the day
// goes on.
//
// Commands open the file read-only. A command that writes (a comment, an
// incident update) gets a private copy, removed on Close, so the cached
// file never changes and a change lasts as long as the process. Copies left
// by processes that died are removed by the next Open.
//
// A file that cannot be kept (no cache directory, a full disk) costs speed,
// not the demo: it is then built in memory for the one process.
package demodb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"hash/crc64"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/triage-dev/triage/internal/demo"
	"github.com/triage-dev/triage/internal/workspace"
	"github.com/triage-dev/triage/internal/workspace/local"
)

// Name is the demo workspace's name.
const Name = "demo"

// Options says which demo workspace to open and where its file is kept.
type Options struct {
	// Dir is the cache directory the file is kept in, created if missing.
	// "" builds the demo in memory instead, as every command did before
	// there was a cache.
	Dir string
	// Now places the demo: it is anchored at the start of Now's UTC day.
	Now   time.Time
	Scale int // 0 or 1: the default size; N multiplies the log volume
	// Catalog is the query catalog; nil means the built-in one.
	Catalog *workspace.Catalog
	// Writable opens a private copy the caller may change (comments,
	// updates), removed on Close.
	Writable bool
	// Building, when set, is called before the file is built, so that the
	// caller can say what it is waiting for.
	Building func(path string)
	// Warn, when set, is told why the file could not be kept (a full disk,
	// a directory that cannot be written) when Open builds the demo in
	// memory instead.
	Warn func(msg string)
}

// Workspace is the demo workspace: a local workspace whose data ends at
// AsOf.
type Workspace struct {
	*local.Workspace
	// AsOf is the demo's anchor: its data is what a workspace would hold at
	// this time, the start of a UTC day.
	AsOf time.Time
	// Path is the cached file the workspace was opened from; "" when it
	// was built in memory.
	Path string

	copy string // the private copy, removed on Close
}

// Close closes the workspace and removes its private copy.
func (w *Workspace) Close() error {
	err := w.Workspace.Close()
	if w.copy != "" {
		removeDB(w.copy)
	}
	return err
}

// AsOf returns the anchor of the demo built for now: the start of its UTC
// day.
func AsOf(now time.Time) time.Time { return now.UTC().Truncate(24 * time.Hour) }

// Open opens the demo workspace for o, building its file first if there is
// none yet for this program, scale and day.
func Open(ctx context.Context, o Options) (*Workspace, error) {
	if o.Now.IsZero() {
		return nil, errors.New("demo workspace: Options.Now is required")
	}
	if o.Scale < 1 {
		o.Scale = 1
	}
	asOf := AsOf(o.Now)
	if o.Dir == "" {
		return inMemory(ctx, o, asOf)
	}
	// Without its file the demo still opens: in memory, as it was built
	// before there was a cache, and slower.
	inMemoryInstead := func(err error) (*Workspace, error) {
		if ctx.Err() != nil {
			return nil, err
		}
		if o.Warn != nil {
			o.Warn(fmt.Sprintf("%v; building it in memory for this command instead", err))
		}
		return inMemory(ctx, o, asOf)
	}
	path, err := cached(ctx, o, asOf)
	if err != nil {
		return inMemoryInstead(err)
	}
	w := &Workspace{AsOf: asOf, Path: path}
	if o.Writable {
		if w.copy, err = copyFile(path); err != nil {
			return inMemoryInstead(fmt.Errorf("demo workspace: private copy: %w", err))
		}
		w.Workspace, err = local.Open(ctx, Name, w.copy, o.Catalog)
	} else {
		w.Workspace, err = local.OpenReadOnly(ctx, Name, path, o.Catalog)
	}
	if err != nil {
		if w.copy != "" {
			removeDB(w.copy)
		}
		return nil, fmt.Errorf("demo workspace: %w", err)
	}
	return w, nil
}

// inMemory builds the demo in memory.
func inMemory(ctx context.Context, o Options, asOf time.Time) (*Workspace, error) {
	ws, err := build(ctx, ":memory:", asOf, o.Scale, o.Catalog)
	if err != nil {
		return nil, err
	}
	return &Workspace{Workspace: ws, AsOf: asOf}, nil
}

// cached returns the path of the demo's file in o.Dir, building it first
// when it is missing or damaged.
func cached(ctx context.Context, o Options, asOf time.Time) (string, error) {
	key, err := fileKey(asOf, o.Scale)
	if err != nil {
		return "", fmt.Errorf("demo workspace: %w", err)
	}
	if err := os.MkdirAll(o.Dir, 0o700); err != nil {
		return "", fmt.Errorf("demo workspace: %w", err)
	}
	path := filepath.Join(o.Dir, key+".db")
	if err := check(path); err != nil {
		if o.Building != nil {
			o.Building(path)
		}
		if err := buildFile(ctx, path, asOf, o.Scale, o.Catalog); err != nil {
			return "", err
		}
	}
	sweep(o.Dir, key, asOf)
	return path, nil
}

// build generates the demo into a new workspace at path (":memory:" for
// memory) and builds its indexes and rollups.
func build(ctx context.Context, path string, asOf time.Time, scale int, cat *workspace.Catalog) (*local.Workspace, error) {
	ws, err := local.Open(ctx, Name, path, cat)
	if err != nil {
		return nil, fmt.Errorf("demo workspace: %w", err)
	}
	err = ws.Load(ctx, func(emit func(string, map[string]any) error) error {
		return demo.Generate(demo.Options{Now: asOf, Scale: scale}, emit)
	})
	if err == nil && path != ":memory:" {
		// The file is opened read-only later, where nothing can be built.
		err = ws.BuildIndexes(ctx)
	}
	if err != nil {
		ws.Close()
		return nil, fmt.Errorf("demo workspace: %w", err)
	}
	return ws, nil
}

// complete is the file's user_version once its build has finished.
const complete = 0x64656d6f // "demo"

// buildFile builds the demo's file at path, through a temporary file in the
// same directory renamed into place when it is complete.
func buildFile(ctx context.Context, path string, asOf time.Time, scale int, cat *workspace.Catalog) error {
	tmp := fmt.Sprintf("%s.tmp-%d-%d", path, os.Getpid(), time.Now().UnixNano())
	defer removeDB(tmp)
	ws, err := build(ctx, tmp, asOf, scale, cat)
	if err != nil {
		return err
	}
	if err := ws.Close(); err != nil {
		return fmt.Errorf("demo workspace: %w", err)
	}
	if err := seal(tmp); err != nil {
		return fmt.Errorf("demo workspace: %s: %w", tmp, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("demo workspace: %w", err)
	}
	return nil
}

// seal leaves WAL mode, which read-only immutable opens cannot read, and
// marks the file complete.
func seal(path string) error {
	db, err := sql.Open("sqlite", path)
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	for _, p := range []string{"PRAGMA journal_mode = DELETE", "PRAGMA user_version = " + strconv.Itoa(complete)} {
		if _, err := db.Exec(p); err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
	}
	return db.Close()
}

// check returns nil when path holds a complete demo file: marked complete
// by seal and as long as its pages say.
func check(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	db, err := sql.Open("sqlite", path+"?_pragma=query_only(1)")
	if err != nil {
		return err
	}
	defer db.Close()
	var version, pages, pageSize int64
	for _, q := range []struct {
		pragma string
		v      *int64
	}{{"user_version", &version}, {"page_count", &pages}, {"page_size", &pageSize}} {
		if err := db.QueryRow("PRAGMA " + q.pragma).Scan(q.v); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
	}
	if version != complete || pages*pageSize != fi.Size() {
		return fmt.Errorf("%s: incomplete (version %#x, %d pages of %d bytes, file of %d bytes)", path, version, pages, pageSize, fi.Size())
	}
	return nil
}

// fileKey names the demo's file for this program, anchor and scale.
func fileKey(asOf time.Time, scale int) (string, error) {
	prog, err := programHash()
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("demo-%s-%s-x%d", asOf.Format("20060102"), prog, scale), nil
}

var programHash = sync.OnceValues(func() (string, error) {
	exe, err := os.Executable()
	if err != nil {
		return "", err
	}
	f, err := os.Open(exe)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := crc64.New(crc64.MakeTable(crc64.ECMA))
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("hash %s: %w", exe, err)
	}
	return fmt.Sprintf("%016x", h.Sum64()), nil
})

// copyFile copies the demo file to a private file beside it, named with
// this process's id so that a later sweep can tell whether it is in use.
func copyFile(path string) (string, error) {
	dst := fmt.Sprintf("%s%d-%d.db", filepath.Join(filepath.Dir(path), copyPrefix), os.Getpid(), time.Now().UnixNano())
	in, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		removeDB(dst)
		return "", err
	}
	if err := out.Close(); err != nil {
		removeDB(dst)
		return "", err
	}
	return dst, nil
}

// copyPrefix begins the names of private copies: copy-PID-N.db.
const copyPrefix = "copy-"

// keep is how many demo files of the current day are kept: a few programs
// (go run and a built binary, say) each keep theirs instead of rebuilding
// in turn.
const keep = 3

// sweep removes what no process will open again: files of other days,
// demo files of this day beyond the newest few, temporary files of builds
// that stopped an hour ago or more, and copies whose process has ended.
// Removing a file a process has open is harmless where files can be
// removed while open: read-only workspaces hold their connections.
func sweep(dir, key string, asOf time.Time) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	today := "demo-" + asOf.Format("20060102") + "-"
	type file struct {
		name string
		mod  time.Time
	}
	var same []file
	for _, e := range ents {
		n := e.Name()
		info, err := e.Info()
		if err != nil {
			continue
		}
		switch {
		case strings.HasPrefix(n, copyPrefix):
			if pid, ok := copyPID(n); ok && !running(pid) {
				os.Remove(filepath.Join(dir, n))
			}
		case !strings.HasPrefix(n, "demo-"):
		case strings.Contains(n, ".tmp-"):
			if time.Since(info.ModTime()) > time.Hour {
				os.Remove(filepath.Join(dir, n))
			}
		case !strings.HasPrefix(n, today):
			os.Remove(filepath.Join(dir, n))
		case strings.HasSuffix(n, ".db") && n != key+".db":
			same = append(same, file{n, info.ModTime()})
		}
	}
	slices.SortFunc(same, func(a, b file) int { return b.mod.Compare(a.mod) })
	for i := keep - 1; i < len(same); i++ {
		os.Remove(filepath.Join(dir, same[i].name))
	}
}

// copyPID returns the process id in a copy's name (copy-PID-N.db and its
// -wal and -shm files).
func copyPID(name string) (int, bool) {
	rest := strings.TrimPrefix(name, copyPrefix)
	i := strings.IndexByte(rest, '-')
	if i < 0 {
		return 0, false
	}
	pid, err := strconv.Atoi(rest[:i])
	return pid, err == nil && pid > 0
}

// removeDB removes a SQLite file and its journals.
func removeDB(path string) {
	for _, suffix := range []string{"", "-wal", "-shm", "-journal"} {
		os.Remove(path + suffix)
	}
}
