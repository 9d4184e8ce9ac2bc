package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/triage-dev/triage/internal/config"
	"github.com/triage-dev/triage/internal/importer"
)

// runQuick is run that fails the test when the command takes longer than
// limit: what import refuses, it refuses at once.
func runQuick(t *testing.T, limit time.Duration, args ...string) (string, string, int) {
	t.Helper()
	type result struct {
		out, errOut string
		code        int
	}
	ch := make(chan result, 1)
	go func() {
		var r result
		r.out, r.errOut, r.code = run(t, args...)
		ch <- r
	}()
	select {
	case r := <-ch:
		return r.out, r.errOut, r.code
	case <-time.After(limit):
		t.Fatalf("triage %s: still running after %v", strings.Join(args, " "), limit)
	}
	return "", "", 0
}

// What is not a regular file is refused at once, naming the file.
func TestImportRefusesNonRegularFiles(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "ws.db")
	cases := map[string]string{dir: "a directory"}
	if runtime.GOOS != "windows" {
		cases["/dev/zero"] = "a device"
	}
	if p, ok := makeFIFO(t, dir); ok {
		cases[p] = "a named pipe (FIFO)"
	}
	for path, what := range cases {
		_, errOut, code := runQuick(t, 10*time.Second, "import", "--db", db, "--format", "csv", "--table", "SecurityEvent", path)
		if code != ExitError || !strings.Contains(errOut, path+" is "+what+", not a file") {
			t.Errorf("import %s: exit %d, stderr %q; want exit 1 and %q", path, code, errOut, what)
		}
		if strings.Contains(errOut, "the others were imported") {
			t.Errorf("import %s: stderr %q speaks of other files; there were none", path, errOut)
		}
	}
}

// A file over --max-size is refused before it is read; the message names
// the file, the limit and how to raise it.
func TestImportMaxSize(t *testing.T) {
	src := needFixture(t, alertList)
	db := filepath.Join(t.TempDir(), "ws.db")
	_, errOut, code := run(t, "import", "--db", db, "--max-size", "10KB", src)
	for _, want := range []string{src, "10 KiB", "--max-size"} {
		if code != ExitError || !strings.Contains(errOut, want) {
			t.Errorf("exit %d, stderr %q; want exit 1 and %q", code, errOut, want)
		}
	}
	if n := countRows(t, db, "SecurityAlert"); n != 0 {
		t.Errorf("%d alerts written from a file over the limit", n)
	}
	if _, errOut, code := run(t, "import", "--db", db, "--max-size", "1MB", src); code != ExitOK {
		t.Errorf("--max-size 1MB: exit %d: %s", code, errOut)
	}
	if _, errOut, code := run(t, "import", "--db", db, "--max-size", "lots", src); code != ExitUsage || !strings.Contains(errOut, "--max-size") {
		t.Errorf("--max-size lots: exit %d, stderr %q; want a usage error", code, errOut)
	}
}

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{"100": 100, "10KB": 10 << 10, "1.5m": 3 << 19, "2GiB": 2 << 30, "4 GB": 4 << 30, "1T": 1 << 40} {
		if got, err := parseSize(in); err != nil || got != want {
			t.Errorf("parseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "0", "-1", "x", "1PB", "1e300"} {
		if _, err := parseSize(in); err == nil {
			t.Errorf("parseSize(%q): no error", in)
		}
	}
}

// A second import into a workspace file another import holds fails at once
// with a message naming the file; once it is free, the import runs.
func TestImportLockedWorkspace(t *testing.T) {
	src := needFixture(t, alertList)
	db := filepath.Join(t.TempDir(), "ws.db")
	lock, err := importer.LockWorkspace(db)
	if err != nil {
		t.Fatal(err)
	}
	_, errOut, code := runQuick(t, 10*time.Second, "import", "--db", db, src)
	if want := "another import into " + db + " is running"; code != ExitError || !strings.Contains(errOut, want) {
		t.Errorf("exit %d, stderr %q; want exit 1 and %q", code, errOut, want)
	}
	if err := lock.Release(); err != nil {
		t.Fatal(err)
	}
	if _, errOut, code := run(t, "import", "--db", db, src); code != ExitOK {
		t.Fatalf("after the lock was released: exit %d: %s", code, errOut)
	}
}

// Two imports of one file into one workspace file at once: one succeeds,
// the other is refused (or, if the first was over before it began, adds
// nothing), and no alert is there twice.
func TestConcurrentImports(t *testing.T) {
	src := needFixture(t, alertList)
	db := filepath.Join(t.TempDir(), "ws.db")
	for trial := range 3 {
		var wg sync.WaitGroup
		codes := make([]int, 2)
		errs := make([]string, 2)
		start := make(chan struct{})
		for i := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				_, errs[i], codes[i] = run(t, "import", "--db", db, src)
			}()
		}
		close(start)
		wg.Wait()
		ok := 0
		for i := range 2 {
			switch {
			case codes[i] == ExitOK:
				ok++
			case !strings.Contains(errs[i], "another import into "+db+" is running"):
				t.Errorf("trial %d: import %d: exit %d, stderr %q", trial, i, codes[i], errs[i])
			}
		}
		if trial == 0 && ok == 0 {
			t.Errorf("neither import succeeded")
		}
	}
	if a := countRows(t, db, "SecurityAlert"); a != 189 {
		t.Errorf("%d alert rows, want 189 (no duplicates)", a)
	}
}

// The workspace files import creates and their lock file are readable by
// their owner only.
func TestImportFilesArePrivate(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no Unix modes")
	}
	src := needFixture(t, alertList)
	dir := t.TempDir()
	db := filepath.Join(dir, "lab.db")
	cfg := filepath.Join(dir, "triage.yaml")
	data := filepath.Join(dir, "data")
	if err := os.WriteFile(cfg, []byte("data_dir: "+data+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	// The files are checked while the workspace is open, when its -wal and
	// -shm exist: a second import holds it open through a workspace it
	// opens itself.
	if _, errOut, code := run(t, "import", "--db", db, src); code != ExitOK {
		t.Fatalf("import --db: exit %d: %s", code, errOut)
	}
	if _, errOut, code := run(t, "--config", cfg, "-w", "lab", "import", src); code != ExitOK {
		t.Fatalf("import -w lab: exit %d: %s", code, errOut)
	}
	for _, base := range []string{db, filepath.Join(data, "workspaces", "lab.db")} {
		ws := openForWAL(t, base)
		for _, p := range []string{base, base + "-wal", base + "-shm", importer.LockPath(base)} {
			fi, err := os.Stat(p)
			if err != nil {
				t.Errorf("%v", err)
				continue
			}
			if m := fi.Mode().Perm(); m != 0o600 {
				t.Errorf("%s: mode %o, want 600", p, m)
			}
		}
		ws()
	}
}

// Progress goes to stderr when it is a terminal, and nowhere otherwise.
func TestImportProgressOnTerminal(t *testing.T) {
	src := needFixture(t, alertList)
	for _, tty := range []bool{true, false} {
		db := filepath.Join(t.TempDir(), "ws.db")
		var out, errb bytes.Buffer
		s := &IO{
			Out: &out, Err: &errb, ErrTTY: tty,
			Now: func() time.Time { return testNow },
			ConfigOptions: func(path string) config.LoadOptions {
				return config.LoadOptions{ConfigPath: path, UserCacheDir: testCacheDir}
			},
		}
		if code := Run(context.Background(), s, []string{"import", "--db", db, src}); code != ExitOK {
			t.Fatalf("exit %d: %s", code, errb.String())
		}
		shown := strings.Contains(errb.String(), "checking alertlist.csv:") && strings.Contains(errb.String(), "writing alertlist.csv:")
		if shown != tty {
			t.Errorf("stderr a terminal %v: stderr %q", tty, errb.String())
		}
		if tty && !strings.HasSuffix(errb.String(), clearLine) {
			t.Errorf("the progress line is not cleared: %q", errb.String())
		}
	}
}
