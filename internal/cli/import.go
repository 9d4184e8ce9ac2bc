package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/triage-dev/triage/internal/config"
	"github.com/triage-dev/triage/internal/english"
	"github.com/triage-dev/triage/internal/importer"
	"github.com/triage-dev/triage/internal/workspace/local"
)

type importOptions struct {
	db       string
	table    string
	format   string
	incident string
	maxSize  string
	json     bool
}

func newImportCmd(s *IO, g *globalOptions) *cobra.Command {
	o := &importOptions{}
	cmd := &cobra.Command{
		Use:   "import <file>...",
		Short: "Load exported data into a local workspace",
		Long: `Load exported Sentinel and Log Analytics data into a local workspace, so
that triage can work on it offline. Each FILE is one of:

  la-json         a Log Analytics query API response (tables, columns, rows), or
                  query results as a JSON list or JSON lines of records
  csv             the portal's CSV export of one table (old column names such as
                  AlertDisplayName, Severity and StartTimeUtc are understood)
  incidents-json  a Sentinel incidents API body: incidents, an incident's alerts
                  or entities, or an incident with its alerts and entities

The format is detected unless --format is given. The target is the local
workspace named by --workspace, or the SQLite file given by --db, created if
need be. --workspace NAME names a configured workspace of kind local, a
workspace file (-w ./lab.db), or a workspace in the data dir: a NAME that is
neither configured nor there yet creates <data_dir>/workspaces/NAME.db, which
every later command opens with -w NAME, with no configuration (NAME: letters,
digits, -, _ and .). After --db lab.db, the file is opened with -w lab.db.

Each file is imported in one transaction: a bad value stops that file with an
error naming the file, row and column, and leaves the workspace as it was; the
other files are still imported. Importing a file again adds nothing.

Every alert that no incident lists gets an incident of its own (label
alert-only), so it can be triaged like any other. Alerts and entities of an
incidents API export are added to their incident: the one the body names, or
the one given with --incident.

Only regular files are read (not a device, FIFO or directory), up to --max-size
each. A file is read twice as it streams: once to check every record, once to
write; on a terminal, stderr shows how far each pass has come. One import at a
time writes into a workspace file: another finds it locked (the lock is the
file's name with .lock added) and stops at once. Files import creates are
readable by their owner only.

For each file the output gives the format, and per table the rows added and the
rows skipped because they were already imported; problems that did not stop a
file are warnings on stderr. The exit status is 1 when any file failed.`,
		Example: `  triage import --db ./lab.db alertlist.csv
  triage import -w lab incidents.json alerts.json   # creates workspace lab if need be
  triage import -w lab --incident 3177 entities.json
  triage import --db ./lab.db --table SigninLogs signins.csv`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) == 0 {
				return &FlagError{errors.New("want at least one FILE to import")}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return importRun(cmd.Context(), s, g, o, args)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&o.db, "db", "", "import into this SQLite file instead of a configured workspace")
	fl.StringVar(&o.table, "table", "", "target table of CSV files and of Log Analytics rows without a Type column")
	fl.StringVar(&o.format, "format", "", "file format: {la-json|csv|incidents-json} (default: detected)")
	fl.StringVar(&o.incident, "incident", "", "the incident (number or name) the files' alerts and entities belong to")
	fl.StringVar(&o.maxSize, "max-size", importer.FormatSize(importer.DefaultMaxSize), "the largest file to read (bytes, or with a unit: 500MB, 4GB)")
	fl.BoolVar(&o.json, "json", false, "print JSON")
	return cmd
}

// importFileResult is one file's line of the --json output.
type importFileResult struct {
	File       string             `json:"file"`
	Format     string             `json:"format,omitempty"`
	Tables     []importTableCount `json:"tables"`
	Linked     int                `json:"linked_alerts"`
	Synthetic  int                `json:"synthetic_incidents"`
	Superseded int                `json:"closed_synthetic_incidents"`
	Warnings   []string           `json:"warnings,omitempty"`
	Error      string             `json:"error,omitempty"`
}

type importTableCount struct {
	Table      string `json:"table"`
	Read       int    `json:"read"`
	Added      int    `json:"added"`
	Duplicates int    `json:"already_imported"`
}

func importRun(ctx context.Context, s *IO, g *globalOptions, o *importOptions, files []string) error {
	opts := importer.Options{Incident: o.incident}
	max, err := parseSize(o.maxSize)
	if err != nil {
		return &FlagError{fmt.Errorf("--max-size: %w", err)}
	}
	opts.MaxSize = max
	if o.format != "" {
		f, err := importer.ParseFormat(o.format)
		if err != nil {
			return &FlagError{fmt.Errorf("--format: %w", err)}
		}
		opts.Format = f
	}
	if o.table != "" {
		t, ok := findTable(o.table)
		if !ok {
			return &FlagError{fmt.Errorf("--table: unknown table %q (known: %s)", o.table, strings.Join(local.Tables(), ", "))}
		}
		opts.Table = t
	}
	ws, done, err := openImportTarget(ctx, s, g, o)
	if err != nil {
		return err
	}
	defer done()
	line := &statusLine{w: s.Err}
	if s.ErrTTY {
		opts.Progress = importProgress(line)
	}

	var out []importFileResult
	failed := 0
	for _, f := range files {
		if err := ctx.Err(); err != nil {
			return err
		}
		res, err := importer.Import(ctx, ws, f, opts)
		line.Clear()
		r := importFileResult{
			File: f, Format: string(res.Format), Tables: []importTableCount{},
			Linked: res.Linked, Synthetic: res.Synthetic, Superseded: res.Superseded, Warnings: res.Warnings,
		}
		if err != nil {
			failed++
			r.Error = err.Error()
			fmt.Fprintf(s.Err, "triage: %s\n", clean(err.Error(), 0))
		} else {
			for _, t := range res.Tables {
				r.Tables = append(r.Tables, importTableCount{Table: t.Table, Read: t.Read, Added: t.Added, Duplicates: t.Duplicates})
			}
		}
		for _, w := range res.Warnings {
			fmt.Fprintf(s.Err, "triage: warning: %s: %s\n", clean(f, 0), clean(w, 0))
		}
		out = append(out, r)
		if !o.json && err == nil {
			printImport(s, r)
		}
	}
	if o.json {
		enc := json.NewEncoder(s.Out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(out); err != nil {
			return err
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if failed > 0 {
		if len(files) > 1 {
			fmt.Fprintf(s.Err, "triage: %d of %d files failed to import and were left out; the others were imported\n", failed, len(files))
		}
		return fmt.Errorf("%w: import failed", errSilent)
	}
	return nil
}

func printImport(s *IO, r importFileResult) {
	fmt.Fprintf(s.Out, "%s: %s\n", clean(r.File, 0), r.Format)
	for _, t := range r.Tables {
		fmt.Fprintf(s.Out, "  %-20s %d added, %d already imported\n", t.Table, t.Added, t.Duplicates)
	}
	if r.Linked > 0 {
		fmt.Fprintf(s.Out, "  %-20s %s added to their incident\n", "SecurityIncident", english.Plural(r.Linked, "alert", "alerts"))
	}
	if r.Synthetic > 0 {
		fmt.Fprintf(s.Out, "  %-20s %s made for alerts without one (label %s)\n", "SecurityIncident", english.Plural(r.Synthetic, "incident", "incidents"), importer.SyntheticLabel)
	}
	if r.Superseded > 0 {
		fmt.Fprintf(s.Out, "  %-20s %d of those incidents closed: their alert is now in a real incident\n", "SecurityIncident", r.Superseded)
	}
}

// openImportTarget opens the workspace to import into: the file given with
// --db, else the workspace --workspace selects, which must be of kind local,
// else a new workspace in the data dir when --workspace names none. It
// holds the workspace file's import lock (importer.LockWorkspace) until
// done, which also closes the workspace, is called. A workspace file it
// creates is made readable by its owner only, before SQLite opens it, so
// that its -wal and -shm files are too.
func openImportTarget(ctx context.Context, s *IO, g *globalOptions, o *importOptions) (*local.Workspace, func(), error) {
	if o.db != "" {
		if g.workspace != "" {
			return nil, nil, &FlagError{errors.New("give --workspace or --db, not both")}
		}
		return openLocked(ctx, filepath.Base(o.db), o.db, nil)
	}
	cfg, err := config.Load(s.ConfigOptions(g.config))
	if err != nil {
		return nil, nil, &ConfigError{err}
	}
	for _, w := range cfg.Warnings {
		fmt.Fprintln(s.Err, "triage: warning:", w)
	}
	wc, err := cfg.Workspace(g.workspace)
	var unknown *config.UnknownWorkspaceError
	if errors.As(err, &unknown) && g.workspace != "" {
		return newImportTarget(ctx, s, cfg, g.workspace)
	}
	if err != nil {
		return nil, nil, &ConfigError{fmt.Errorf("import needs a local workspace: %w", err)}
	}
	if wc.Kind != config.KindLocal {
		which := "workspace " + wc.Name
		if g.workspace == "" {
			which = "the default workspace, " + wc.Name + ","
		}
		return nil, nil, &ConfigError{fmt.Errorf("import needs a local workspace: %s is of kind %s (name a local workspace with --workspace, where a new name creates one in the data dir, or give a SQLite file with --db)", which, wc.Kind)}
	}
	return openLocked(ctx, wc.Name, wc.Path, func(err error) error {
		return &ConfigError{fmt.Errorf("workspace %s: %w", wc.Name, err)}
	})
}

// openLocked takes the import lock of a workspace file, creates the file
// (mode 0600) if it does not exist, and opens it. wrap, when not nil,
// wraps an error of opening.
func openLocked(ctx context.Context, name, path string, wrap func(error) error) (*local.Workspace, func(), error) {
	if path == ":memory:" { // no file to lock or create
		ws, err := local.Open(ctx, name, path, nil)
		if err != nil {
			return nil, nil, err
		}
		return ws, func() { ws.Close() }, nil
	}
	lock, err := importer.LockWorkspace(path)
	if err != nil {
		return nil, nil, err
	}
	var ws *local.Workspace
	err = createPrivate(path)
	if err == nil {
		ws, err = local.Open(ctx, name, path, nil)
	}
	if err != nil {
		lock.Release()
		if wrap != nil {
			err = wrap(err)
		}
		return nil, nil, err
	}
	return ws, func() {
		ws.Close()
		lock.Release()
	}, nil
}

// createPrivate creates an empty file at path, readable and writable by its
// owner only, unless something is there; SQLite makes an empty file a new
// database and gives its -wal and -shm files the same mode.
func createPrivate(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("create workspace file: %w", err)
	}
	return f.Close()
}

// newImportTarget creates the local workspace name in the data dir, where
// later commands find it by that name with no configuration. Only a plain
// name creates one: a path that does not exist is more likely a typo than a
// wish for a new file, which --db is for.
func newImportTarget(ctx context.Context, s *IO, cfg *config.Config, name string) (*local.Workspace, func(), error) {
	if config.LooksLikePath(name) {
		return nil, nil, &FlagError{fmt.Errorf("--workspace %s: no such file and no configured workspace of that name (to create a workspace file there, give --db %s instead)", name, name)}
	}
	if err := config.CheckWorkspaceName(name); err != nil {
		return nil, nil, &FlagError{fmt.Errorf("--workspace: %s is not configured, and import cannot create a workspace of that name: %w", name, err)}
	}
	wc, err := cfg.DataDirWorkspace(name)
	if err != nil {
		return nil, nil, &ConfigError{fmt.Errorf("import into a new workspace: %w", err)}
	}
	if err := os.MkdirAll(filepath.Dir(wc.Path), 0o700); err != nil {
		return nil, nil, fmt.Errorf("create workspace %s: %w", name, err)
	}
	ws, done, err := openLocked(ctx, wc.Name, wc.Path, func(err error) error {
		return fmt.Errorf("create workspace %s: %w", name, err)
	})
	if err != nil {
		return nil, nil, err
	}
	fmt.Fprintf(s.Err, "triage: created local workspace %s at %s; use it with -w %s\n", name, wc.Path, name)
	return ws, done, nil
}

// importProgress shows on line how far a pass over a file has come: bytes
// read of the total and the rate, at most a few times a second.
func importProgress(line *statusLine) func(importer.Progress) {
	var start, last time.Time
	var pass, file string
	return func(p importer.Progress) {
		now := time.Now()
		if p.Pass != pass || p.File != file {
			pass, file, start = p.Pass, p.File, now
		}
		if now.Sub(last) < 200*time.Millisecond && p.Read < p.Total {
			return
		}
		last = now
		rate := ""
		if el := now.Sub(start).Seconds(); el > 0.5 {
			rate = ", " + importer.FormatSize(int64(float64(p.Read)/el)) + "/s"
		}
		line.Show("  %s %s: %s of %s%s", p.Pass, clean(filepath.Base(p.File), 40),
			importer.FormatSize(p.Read), importer.FormatSize(p.Total), rate)
	}
}

// parseSize reads a size: bytes, or a number with a unit of K, M, G or T
// (powers of 1024; "MB", "MiB" and "m" are the same).
func parseSize(s string) (int64, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	t = strings.TrimSuffix(strings.TrimSuffix(t, "b"), "i")
	mult := int64(1)
	if t != "" {
		if i := strings.IndexByte("kmgt", t[len(t)-1]); i >= 0 {
			mult = 1 << (10 * (i + 1))
			t = strings.TrimSpace(t[:len(t)-1])
		}
	}
	f, err := strconv.ParseFloat(t, 64)
	if err != nil || f <= 0 || math.IsInf(f, 0) || f*float64(mult) >= math.MaxInt64 {
		return 0, fmt.Errorf("%q is not a size (want bytes, or a number and a unit: 500MB, 4GB)", s)
	}
	return int64(f * float64(mult)), nil
}

// findTable returns the local workspace's spelling of a table name.
func findTable(name string) (string, bool) {
	for _, t := range local.Tables() {
		if strings.EqualFold(t, name) {
			return t, true
		}
	}
	return "", false
}
