package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/triage-dev/triage/internal/config"
	"github.com/triage-dev/triage/internal/english"
	"github.com/triage-dev/triage/internal/history"
	"github.com/triage-dev/triage/internal/report"
	"github.com/triage-dev/triage/internal/triage"
)

// errNoDataDir is why there is no history: no data directory to keep it in.
var errNoDataDir = errors.New("no data directory to keep the triage history in: set data_dir in triage.yaml")

// openHistory opens the record of triages in the data directory, with the
// configured retention and the command's clock.
func openHistory(ctx context.Context, s *IO, cfg *config.Config) (*history.Store, error) {
	if cfg.DataDir == "" {
		return nil, errNoDataDir
	}
	st, err := history.Open(ctx, filepath.Join(cfg.DataDir, history.FileName))
	if err != nil {
		return nil, err
	}
	st.SetRetention(cfg.History.Retention)
	st.SetClock(s.Now)
	return st, nil
}

// recordTriage records the completed triage r in the history and, with
// sinceLast, first sets r.SinceLast to what changed since the incident's
// previous record. The history failing never fails the triage: the
// report stands, and a warning says why it was not recorded (or compared).
// Without a data directory nothing is recorded, said only with sinceLast.
func recordTriage(ctx context.Context, s *IO, cfg *config.Config, r *report.Report, sinceLast bool) {
	warn := func(what string, err error) {
		fmt.Fprintf(s.Err, "triage: warning: %s: %v\n", what, err)
	}
	if cfg.DataDir == "" && !sinceLast {
		return // nowhere to keep it (no user cache dir, no data_dir): nothing to warn of unasked
	}
	st, err := openHistory(ctx, s, cfg)
	if err != nil {
		warn("the triage is not recorded", err)
		return
	}
	defer st.Close()
	if sinceLast {
		if c, err := changesSince(ctx, st, r); err != nil {
			warn("cannot say what changed since the last triage", err)
		} else {
			r.SinceLast = c
		}
	}
	if _, err := st.Add(ctx, *r); err != nil {
		warn("the triage is not recorded", err)
	}
}

// changesSince is what changed in r since the newest record of its
// incident, or First when there is none.
func changesSince(ctx context.Context, st *history.Store, r *report.Report) (*report.Changes, error) {
	ref := r.Incident.Name
	if ref == "" {
		ref = fmt.Sprint(r.Incident.Number)
	}
	recs, err := st.List(ctx, r.Workspace, ref)
	if err != nil {
		return nil, err
	}
	if len(recs) == 0 {
		return &report.Changes{First: true}, nil
	}
	prev, err := st.Report(ctx, recs[0].ID)
	if err != nil {
		return nil, err
	}
	c := history.Diff(prev, *r)
	c.PreviousVersion = recs[0].Version
	return &c, nil
}

type historyOptions struct {
	json   bool
	output string
}

func newHistoryCmd(s *IO, g *globalOptions) *cobra.Command {
	o := &historyOptions{}
	cmd := &cobra.Command{
		Use:   "history <incident>",
		Short: "List the recorded triages of an incident",
		Long: `List every recorded triage of one incident of the workspace, newest first:
when it was made, by which version of triage, its threat-intel verdict, its
priority and whether the report was partial. INCIDENT is the incident number
or its name (GUID).

Every completed triage (triage run, and the web UI's) is recorded in
<data_dir>/history.db, with its whole report; records older than
history.retention (default 90d) are deleted. Nothing is asked of the
workspace. triage run --since-last says what changed since the last one.`,
		Example: `  triage history 42
  triage history 42 --json -o incident-42-history.json`,
		Args: oneIncident,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkOutput(o.output); err != nil {
				return err
			}
			sel, err := selectWorkspace(cmd.Context(), s, g)
			if err != nil {
				return err
			}
			var recs []history.Record
			if sel.cfg.DataDir != "" {
				if _, err := os.Stat(filepath.Join(sel.cfg.DataDir, history.FileName)); err == nil {
					st, err := openHistory(cmd.Context(), s, sel.cfg)
					if err != nil {
						return err
					}
					defer st.Close()
					if recs, err = st.List(cmd.Context(), sel.wc.Name, args[0]); err != nil {
						return err
					}
				}
			}
			if recs == nil {
				recs = []history.Record{}
			}
			write := func(w io.Writer) error {
				if o.json {
					enc := json.NewEncoder(w)
					enc.SetIndent("", "  ")
					return enc.Encode(recs)
				}
				return printHistory(w, recs)
			}
			if len(recs) == 0 && !o.json {
				fmt.Fprintf(s.Err, "triage: no triage of incident %s is recorded in workspace %s\n", clean(args[0], triage.MaxNameLen), clean(sel.wc.Name, 80))
				return nil
			}
			if o.output == "" {
				return write(s.Out)
			}
			return writeFile(o.output, write)
		},
	}
	cmd.Flags().BoolVar(&o.json, "json", false, "print JSON")
	cmd.Flags().StringVarP(&o.output, "output", "o", "", "write to this file instead of stdout")
	return cmd
}

// printHistory writes the records as a table.
func printHistory(w io.Writer, recs []history.Record) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "WHEN\tVERSION\tVERDICT\tPRIORITY\tPARTIAL\tALERTS")
	for _, r := range recs {
		verdict := string(r.Verdict)
		if !r.Complete {
			verdict += " (incomplete)"
		}
		prio := "-"
		if r.Priority != nil {
			prio = fmt.Sprint(*r.Priority)
		}
		partial := map[bool]string{true: "partial", false: "-"}[r.Partial]
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\n", report.FormatTime(r.At), clean(r.Version, 40), clean(verdict, 40), prio, partial, r.Alerts)
	}
	return tw.Flush()
}

// writeFile writes what write writes to path, whole or not at all.
func writeFile(path string, write func(io.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".triage-out-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, pathErr(err))
	}
	defer os.Remove(tmp.Name())
	if err := write(tmp); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, pathErr(err))
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, pathErr(err))
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, pathErr(err))
	}
	return nil
}

// sinceLastText is what changed since the last triage, in a sentence or
// a few, for a terminal; "" when c is nil.
func sinceLastText(c *report.Changes) string {
	if c == nil {
		return ""
	}
	if c.First {
		return "no earlier triage of this incident is recorded"
	}
	if c.None() {
		return "nothing changed since the triage of " + report.FormatTime(c.Previous)
	}
	var parts []string
	if n := len(c.NewAlerts); n > 0 {
		parts = append(parts, english.Plural(n, "new alert", "new alerts"))
	}
	if n := len(c.NewEntities); n > 0 {
		parts = append(parts, english.Plural(n, "new entity", "new entities"))
	}
	if c.Verdict != nil {
		parts = append(parts, fmt.Sprintf("verdict %s → %s", c.Verdict.From, c.Verdict.To))
	}
	if c.Priority != nil {
		parts = append(parts, "priority moved")
	}
	if n := len(c.NewRelatedAlerts); n > 0 {
		parts = append(parts, english.Plural(n, "new related alert", "new related alerts"))
	}
	return "since the triage of " + report.FormatTime(c.Previous) + ": " + strings.Join(parts, ", ")
}
