package cli

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/triage-dev/triage/internal/english"
	"github.com/triage-dev/triage/internal/history"
	"github.com/triage-dev/triage/internal/pipeline"
	"github.com/triage-dev/triage/internal/report"
	"github.com/triage-dev/triage/internal/triage"
)

// The states of an incident's triage in the queue.
const (
	stateCurrent    = "current"     // its latest triage is of the incident as it stands
	stateStale      = "stale"       // the incident changed since its latest triage
	stateNotTriaged = "not triaged" // no triage of it is recorded
)

// queueRow is one incident of the queue with its latest triage. In JSON,
// triage is null when the incident was never triaged, and priority is the
// latest triage's score with its reasons as recorded with it (null
// without a triage or a score).
type queueRow struct {
	Incident triage.Incident  `json:"incident"`
	Triage   *history.Record  `json:"triage"`
	State    string           `json:"state"`
	Priority *report.Priority `json:"priority"`
}

type queueOptions struct {
	incidentsOptions // the window and filters, as incidents reads them
	tsv              bool
	output           string
	triage           bool
}

func newQueueCmd(s *IO, g *globalOptions) *cobra.Command {
	o := &queueOptions{incidentsOptions: incidentsOptions{since: 48 * time.Hour}}
	cmd := &cobra.Command{
		Use:   "queue",
		Short: "List the incidents of a window with their latest triage, by priority",
		Long: `List the incidents created in a time window (by default the last 48 hours)
with each one's latest recorded triage: its verdict, its priority, when it
was made, and whether it is current (the incident has not changed since),
stale (it has) or not triaged.

The incidents with a priority come first, highest first; then those without
one (not triaged, or triaged without a score), highest severity first. Ties
go to the newest incident. The triages are read from <data_dir>/history.db
in one query; the workspace is asked only for the incidents.

The output is a table, or tab-separated with RFC 3339 times with --tsv, or
a JSON array with --json: each row has the incident, its latest triage
record (null when not triaged), its state and its priority with the
reasons recorded with the triage (triage history INCIDENT lists all its
triages).

With --triage the incidents without a current triage are triaged first,
one after another, the most severe first (a scarce threat-intel quota goes
to them), as triage run does, and each triage is recorded; the list
follows. Exit status 3 means some of those triages failed or were
partial.`,
		Example: `  triage queue
  triage queue --since 7d --severity high,medium --json
  triage queue --triage --wait 1m
  triage queue --tsv -o queue.tsv`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.json && o.tsv {
				return &FlagError{errors.New("--json and --tsv go apart: choose one")}
			}
			if err := checkOutput(o.output); err != nil {
				return err
			}
			if _, err := o.filter(s.Now()); err != nil {
				return err
			}
			e, err := open(cmd.Context(), s, g)
			if err != nil {
				return err
			}
			defer e.Close()
			incs, err := o.list(cmd.Context(), s, e)
			if err != nil {
				return err
			}
			var failed error
			if o.triage && len(incs) > 0 {
				if e.cfg.DataDir == "" {
					return fmt.Errorf("queue --triage: %w", errNoDataDir)
				}
				latest, err := queueLatest(cmd.Context(), s, e, incs)
				if err != nil {
					return err
				}
				failed = triageQueue(cmd.Context(), s, e, joinQueue(incs, latest))
			}
			latest, err := queueLatest(cmd.Context(), s, e, incs)
			if err != nil {
				return err
			}
			rows := joinQueue(incs, latest)
			sortQueue(rows)
			write := func(w io.Writer) error {
				switch {
				case o.json:
					return writeQueueJSON(w, rows)
				case o.tsv:
					return writeQueueTSV(w, rows)
				}
				return writeQueueTable(w, e.now(s), rows)
			}
			if o.output == "" {
				err = write(s.Out)
			} else {
				err = writeFile(o.output, write)
			}
			if err != nil {
				return err
			}
			return failed
		},
	}
	fl := cmd.Flags()
	fl.Var(durationValue{&o.since}, "since", "window ending now (on the demo: at the start of today, UTC, where its data ends), e.g. 48h, 7d")
	fl.StringVar(&o.start, "start", "", "window start (RFC 3339 or 2006-01-02)")
	fl.StringVar(&o.end, "end", "", "window end (RFC 3339 or 2006-01-02)")
	fl.StringSliceVar(&o.severities, "severity", nil, "only these severities: {high|medium|low|informational}")
	fl.StringSliceVar(&o.statuses, "status", nil, "only these statuses: {new|active|closed}")
	fl.StringVar(&o.owner, "owner", "", `only incidents of this owner, or "unassigned"`)
	fl.StringVar(&o.title, "title", "", "only incidents whose title contains this text")
	fl.BoolVar(&o.json, "json", false, "print JSON, with each priority's reasons")
	fl.BoolVar(&o.tsv, "tsv", false, "print tab-separated values")
	fl.StringVarP(&o.output, "output", "o", "", "write to this file instead of stdout")
	fl.BoolVar(&o.triage, "triage", false, "first triage (and record) the incidents without a current triage")
	intelFlags(cmd, g)
	waitFlag(cmd, g)
	return cmd
}

// queueLatest reads the latest triage of each of incs from the history, in
// one query. Without a history file there is none, and none is created.
func queueLatest(ctx context.Context, s *IO, e *env, incs []triage.Incident) (map[string]history.Record, error) {
	if e.cfg.DataDir == "" || len(incs) == 0 {
		return nil, nil
	}
	if _, err := os.Stat(filepath.Join(e.cfg.DataDir, history.FileName)); err != nil {
		return nil, nil // no triage recorded yet
	}
	st, err := openHistory(ctx, s, e.cfg)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	return latestOf(ctx, st, e.Workspace.Name(), incs)
}

// latestOf is the latest record of each of incs in the store, keyed by the
// incident's name.
func latestOf(ctx context.Context, st *history.Store, workspace string, incs []triage.Incident) (map[string]history.Record, error) {
	names := make([]string, len(incs))
	for i, inc := range incs {
		names[i] = inc.Name
	}
	return st.Latest(ctx, workspace, names...)
}

// joinQueue pairs each incident with its latest triage (keyed by the
// incident's name), with its priority and reasons, and says whether that
// triage is current.
func joinQueue(incs []triage.Incident, latest map[string]history.Record) []queueRow {
	rows := make([]queueRow, len(incs))
	for i, inc := range incs {
		rows[i] = queueRow{Incident: inc, State: stateNotTriaged}
		rec, ok := latest[inc.Name]
		if !ok {
			continue
		}
		rows[i].Triage = &rec
		rows[i].State = stateStale
		if rec.Current(inc) {
			rows[i].State = stateCurrent
		}
		if rec.Priority != nil {
			rows[i].Priority = &report.Priority{Score: *rec.Priority}
		}
	}
	return rows
}

// sortQueue orders the rows: those with a priority first, highest first;
// then the others, highest severity first; ties go to the newest incident,
// then the highest number.
func sortQueue(rows []queueRow) {
	slices.SortFunc(rows, func(a, b queueRow) int {
		if (a.Priority == nil) != (b.Priority == nil) {
			if a.Priority != nil {
				return -1
			}
			return 1
		}
		if a.Priority != nil && a.Priority.Score != b.Priority.Score {
			return cmp.Compare(b.Priority.Score, a.Priority.Score)
		}
		if c := cmp.Compare(b.Incident.Severity.Rank(), a.Incident.Severity.Rank()); c != 0 {
			return c
		}
		if c := b.Incident.Created.Compare(a.Incident.Created); c != 0 {
			return c
		}
		return cmp.Compare(b.Incident.Number, a.Incident.Number)
	})
}

// triageQueue triages, one after another, the incidents of rows without a
// current triage, as triage run does, recording each, in triageOrder: the
// most severe first get the threat-intel quotas first. A triage that fails
// is said on stderr and the others go on; the error returned (errPartial)
// says some failed or were partial.
func triageQueue(ctx context.Context, s *IO, e *env, rows []queueRow) error {
	var todo []triage.Incident
	for _, r := range rows {
		if r.State != stateCurrent {
			todo = append(todo, r.Incident)
		}
	}
	slices.SortStableFunc(todo, triageOrder)
	line := &statusLine{w: s.Err}
	defer line.Clear()
	bad := 0
	for i, inc := range todo {
		if err := ctx.Err(); err != nil {
			return err
		}
		if s.ErrTTY {
			line.Show("  triaging incident %d (%d of %d)", inc.Number, i+1, len(todo))
		}
		opts := pipeline.Options{Sources: e.Sources, Now: s.Now, Priority: e.cfg.Priority}
		r, err := pipeline.Run(ctx, opts, inc.Name)
		if err != nil {
			line.Clear()
			fmt.Fprintf(s.Err, "triage: incident %d: the triage failed: %v\n", inc.Number, err)
			bad++
			continue
		}
		recordTriage(ctx, s, e.cfg, r, false)
		if r.Partial() {
			bad++
		}
	}
	line.Clear()
	if len(todo) > 0 {
		fmt.Fprintf(s.Err, "triage: triaged %s\n", english.Plural(len(todo), "incident", "incidents"))
	}
	if bad > 0 {
		fmt.Fprintf(s.Err, "triage: %s failed or partial (triage run N says why)\n", english.Plural(bad, "triage was", "triages were"))
		return errPartial
	}
	return nil
}

// writeQueueJSON writes the rows with each priority's reasons, read from
// the records only here: the table and TSV do not show them.
func writeQueueJSON(w io.Writer, rows []queueRow) error {
	if rows == nil {
		rows = []queueRow{}
	}
	for _, r := range rows {
		if r.Priority != nil {
			r.Priority.Reasons = r.Triage.Reasons()
			if r.Priority.Reasons == nil {
				r.Priority.Reasons = []report.PriorityReason{} // [] when none were recorded
			}
		}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(rows)
}

// queueCells are a row's verdict, priority and triage time, "-" where
// there is none.
func queueCells(r queueRow, at func(time.Time) string) (verdict, prio, when string) {
	verdict, prio, when = "-", "-", "-"
	if r.Triage == nil {
		return
	}
	verdict = string(r.Triage.Verdict)
	if !r.Triage.Complete {
		verdict += " (incomplete)"
	}
	if r.Priority != nil {
		prio = strconv.Itoa(r.Priority.Score)
	}
	return clean(verdict, 40), prio, at(r.Triage.At)
}

func writeQueueTable(w io.Writer, now time.Time, rows []queueRow) error {
	if len(rows) == 0 {
		return nil // explainEmpty said why on stderr
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NUMBER\tSEVERITY\tSTATUS\tPRIORITY\tVERDICT\tTRIAGED\tSTATE\tTITLE")
	for _, r := range rows {
		verdict, prio, when := queueCells(r, func(t time.Time) string { return ago(now, t) })
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Incident.Number, r.Incident.Severity, r.Incident.Status,
			prio, verdict, when, r.State, clean(r.Incident.Title, 80))
	}
	return tw.Flush()
}

func writeQueueTSV(w io.Writer, rows []queueRow) error {
	for _, r := range rows {
		verdict, prio, when := queueCells(r, func(t time.Time) string { return t.UTC().Format(time.RFC3339) })
		if _, err := fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Incident.Number, r.Incident.Severity, r.Incident.Status,
			prio, verdict, when, r.State, clean(r.Incident.Title, 0)); err != nil {
			return err
		}
	}
	return nil
}
