package cli

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/triage-dev/triage/internal/english"
	"github.com/triage-dev/triage/internal/pipeline"
	"github.com/triage-dev/triage/internal/report"
	"github.com/triage-dev/triage/internal/report/render"
)

type runOptions struct {
	format     string
	output     string
	start, end string
	post       bool
	dryRun     bool
	sinceLast  bool
}

func newRunCmd(s *IO, g *globalOptions) *cobra.Command {
	o := &runOptions{}
	cmd := &cobra.Command{
		Use:   "run <incident>",
		Short: "Run the whole guided triage of an incident",
		Long: `Run the guided triage of one incident: its alerts and entities, the entity
graph, threat-intel lookups of every indicator with one verdict that shows its
working, the other alerts that share its entities, and entity summaries.
INCIDENT is the incident number or its name (GUID).

The report goes to stdout, or to the file given with -o. Progress goes to
stderr when it is a terminal. Exit status 3 means some lookup or query
failed: the report says which.

With --post the report is also posted on the incident as a Markdown comment
that starts with a fixed marker line: a later run replaces that comment
rather than adding another. A report longer than the 30000 characters
Sentinel takes loses its least important sections first and says what was
cut. With --dry-run the comment is printed to stdout instead of sent (in
place of the report, unless -o is given).

Every triage that completes is recorded in <data_dir>/history.db (see
triage history). With --since-last the report starts with what changed
since the incident's previous recorded triage: new alerts, new entities,
the verdict or priority moved, new related alerts (in JSON, since_last).`,
		Example: `  triage run 42
  triage run 42 --format json -o incident-42.json
  triage run 42 --post -o incident-42.md
  triage run 42 --post --dry-run
  triage run 42 --since-last`,
		Args: oneIncident,
		RunE: func(cmd *cobra.Command, args []string) error {
			format, err := render.ParseFormat(o.format)
			if err != nil {
				return &FlagError{err}
			}
			if o.dryRun && !o.post {
				return &FlagError{errors.New("--dry-run goes with --post")}
			}
			if err := checkOutput(o.output); err != nil {
				return err
			}
			start, err := parseTimeFlag("--start", o.start)
			if err != nil {
				return err
			}
			end, err := parseTimeFlag("--end", o.end)
			if err != nil {
				return err
			}
			g.writes = o.post && !o.dryRun
			e, err := open(cmd.Context(), s, g)
			if err != nil {
				return err
			}
			defer e.Close()
			opts := triageOptions(s, e, start, end)
			line := &statusLine{w: s.Err}
			if s.ErrTTY {
				opts.Progress = func(sec report.Section, _ *report.Report) {
					line.Show("  %s: %s %s", sec.Name, sec.Status, clean(sec.Reason, 50))
				}
			}
			r, err := pipeline.Run(cmd.Context(), opts, args[0])
			line.Clear() // before the report or an error reaches the terminal
			if err != nil {
				return err
			}
			recordTriage(cmd.Context(), s, e.cfg, r, o.sinceLast)
			if t := sinceLastText(r.SinceLast); t != "" {
				fmt.Fprintln(s.Err, "triage:", t)
			}
			if !o.dryRun || o.output != "" {
				if err := writeReport(s.Out, o.output, r, format); err != nil {
					return err
				}
			}
			if o.post {
				if err := postSummary(cmd.Context(), s, e, r, o.dryRun); err != nil {
					return err
				}
			}
			if r.Partial() {
				if r.EntitiesLeftOut > 0 {
					fmt.Fprintf(s.Err, "triage: the report is partial: the caps on entities left %s out (see its problems)\n",
						english.Plural(r.EntitiesLeftOut, "entity", "entities"))
				} else {
					fmt.Fprintln(s.Err, "triage: the report is partial: some lookups or queries failed (see its sections)")
				}
				if n := pipeline.Unfinished(r); n > 0 {
					fmt.Fprintf(s.Err, "triage: %s not made within the wait for quotas; to finish them: triage run %s --wait forever (answers already given are reused from the cache)\n",
						english.Plural(n, "lookup was", "lookups were"), args[0])
				}
				return errPartial
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&o.format, "format", "md", "report format: {json|md|html}")
	fl.StringVarP(&o.output, "output", "o", "", "write the report to this file instead of stdout")
	fl.StringVar(&o.start, "start", "", "start of the window of related activity (default: the incident's first activity)")
	fl.StringVar(&o.end, "end", "", "end of the window of related activity (default: now)")
	fl.BoolVar(&o.post, "post", false, "also post the report on the incident as its triage summary comment")
	fl.BoolVar(&o.dryRun, "dry-run", false, "with --post: print the comment instead of sending it")
	fl.BoolVar(&o.sinceLast, "since-last", false, "say what changed since the incident's previous recorded triage")
	intelFlags(cmd, g)
	waitFlag(cmd, g)
	return cmd
}

// triageOptions are the options of a triage of the window start-end (zero:
// the pipeline's defaults) in e: run's, and triage mcp's triage_incident.
func triageOptions(s *IO, e *env, start, end time.Time) pipeline.Options {
	return pipeline.Options{Sources: e.Sources, Start: start, End: end, Now: s.Now, Priority: e.cfg.Priority}
}

// checkOutput says whether a report can be written to path (-o), before
// the triage rather than after it: a directory, a missing parent or a place
// that cannot be written is a usage error naming the path as given.
func checkOutput(path string) error {
	if path == "" {
		return nil
	}
	bad := func(format string, a ...any) error {
		return &FlagError{fmt.Errorf("-o %s: "+format, append([]any{path}, a...)...)}
	}
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return bad("is a directory; give a file name")
	}
	dir := filepath.Dir(path)
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return bad("directory %s does not exist", dir)
	case err != nil:
		return bad("%v", pathErr(err))
	case !fi.IsDir():
		return bad("%s is not a directory", dir)
	}
	// Only trying tells whether the directory takes a new file (permissions,
	// ACLs, read-only mounts); writeReport creates its file the same way.
	tmp, err := os.CreateTemp(dir, ".triage-report-*")
	if err != nil {
		return bad("cannot write in %s: %v", dir, pathErr(err))
	}
	tmp.Close()
	os.Remove(tmp.Name())
	return nil
}

// pathErr is err without the file names an *fs.PathError or *os.LinkError
// adds: the name of a temporary file means nothing to the user, who gave
// another.
func pathErr(err error) error {
	var pe *fs.PathError
	var le *os.LinkError
	switch {
	case errors.As(err, &pe):
		return pe.Err
	case errors.As(err, &le):
		return le.Err
	}
	return err
}

// writeReport renders r to path, or to out when path is empty. A file is
// written whole or not at all.
func writeReport(out io.Writer, path string, r *report.Report, f render.Format) error {
	if path == "" {
		return render.Report(out, r, f)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".triage-report-*")
	if err != nil {
		return fmt.Errorf("write report %s: %w", path, pathErr(err))
	}
	defer os.Remove(tmp.Name())
	if err := render.Report(tmp, r, f); err != nil {
		tmp.Close()
		return fmt.Errorf("write report %s: %w", path, pathErr(err))
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write report %s: %w", path, pathErr(err))
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write report %s: %w", path, pathErr(err))
	}
	return nil
}
