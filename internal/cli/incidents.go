package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/triage-dev/triage/internal/english"
	"github.com/triage-dev/triage/internal/triage"
	"github.com/triage-dev/triage/internal/workspace"
)

type incidentsOptions struct {
	since      time.Duration
	start, end string
	severities []string
	statuses   []string
	owner      string
	title      string
	json       bool
}

func newIncidentsCmd(s *IO, g *globalOptions) *cobra.Command {
	o := &incidentsOptions{since: 48 * time.Hour} // before the flag: its help shows this default
	cmd := &cobra.Command{
		Use:   "incidents",
		Short: "List the incidents in a time window",
		Long: `List the incidents created in a time window, newest first: by default the
last 48 hours. On a terminal the list is a table; otherwise it is
tab-separated with RFC 3339 times. --json prints a JSON array.`,
		Example: `  triage incidents
  triage incidents --since 14d --severity high,medium --status new
  triage incidents --owner unassigned --json`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			// Bad flags are told before the workspace is opened.
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
			return printIncidents(s, e.now(s), incs, o.json)
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
	fl.BoolVar(&o.json, "json", false, "print JSON")
	return cmd
}

// explainEmpty says on stderr why no incident was listed: the filters
// (named as given in flags) removed the window's incidents, or the window
// held none, and then when the newest incident of the workspace is, since
// old exports and quiet workspaces look empty in the default 48 hours.
func explainEmpty(ctx context.Context, s *IO, e *env, f workspace.IncidentFilter, filters []string) {
	window := fmt.Sprintf("from %s to %s", f.Start.UTC().Format(time.RFC3339), f.End.UTC().Format(time.RFC3339))
	if len(filters) > 0 {
		// Listed again without the filters only now, when the answer is
		// empty: the usual listing costs one query.
		n := 0
		err := e.Workspace.ListIncidents(ctx, workspace.IncidentFilter{Start: f.Start, End: f.End}, func(triage.Incident) error {
			n++
			return nil
		})
		if err == nil && n > 0 {
			fmt.Fprintf(s.Err, "triage: no incident matches %s (%s in the window %s)\n", strings.Join(filters, " "), english.Plural(n, "incident", "incidents"), window)
			return
		}
	}
	var newest triage.Incident
	errFound := errors.New("found")
	err := e.Workspace.ListIncidents(ctx, workspace.IncidentFilter{}, func(inc triage.Incident) error {
		newest = inc
		return errFound
	})
	if err != nil && !errors.Is(err, errFound) || newest.Name == "" {
		fmt.Fprintf(s.Err, "triage: no incident %s; the workspace has none\n", window)
		return
	}
	fmt.Fprintf(s.Err, "triage: no incident %s; the newest, %d, was created %s (widen the window with --since or --start)\n",
		window, newest.Number, newest.Created.UTC().Format(time.RFC3339))
}

// filterFlags returns the filters given, as flags with their values.
func (o *incidentsOptions) filterFlags() []string {
	var fs []string
	if len(o.severities) > 0 {
		fs = append(fs, "--severity "+strings.Join(o.severities, ","))
	}
	if len(o.statuses) > 0 {
		fs = append(fs, "--status "+strings.Join(o.statuses, ","))
	}
	if o.owner != "" {
		fs = append(fs, fmt.Sprintf("--owner %q", clean(o.owner, 80)))
	}
	if o.title != "" {
		fs = append(fs, fmt.Sprintf("--title %q", clean(o.title, 80)))
	}
	return fs
}

func (o *incidentsOptions) filter(now time.Time) (workspace.IncidentFilter, error) {
	f := workspace.IncidentFilter{Owner: o.owner, Title: o.title}
	var err error
	if f.Start, f.End, err = window(now, o.since, o.start, o.end); err != nil {
		return f, err
	}
	for _, v := range o.severities {
		sev, err := parseSeverity(v)
		if err != nil {
			return f, err
		}
		f.Severities = append(f.Severities, sev)
	}
	for _, v := range o.statuses {
		st, err := parseStatus(v)
		if err != nil {
			return f, err
		}
		f.Statuses = append(f.Statuses, st)
	}
	return f, nil
}

func printIncidents(s *IO, now time.Time, incs []triage.Incident, asJSON bool) error {
	if asJSON {
		if incs == nil {
			incs = []triage.Incident{}
		}
		enc := json.NewEncoder(s.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(incs)
	}
	if s.OutTTY {
		if len(incs) == 0 {
			return nil // explainEmpty said why on stderr
		}
		tw := tabwriter.NewWriter(s.Out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "NUMBER\tCREATED\tSEVERITY\tSTATUS\tOWNER\tALERTS\tTITLE")
		for _, inc := range incs {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%d\t%s\n", inc.Number, ago(now, inc.Created),
				inc.Severity, inc.Status, orDash(inc.Owner.String()), inc.AlertCount, clean(inc.Title, 80))
		}
		return tw.Flush()
	}
	for _, inc := range incs {
		fmt.Fprintf(s.Out, "%d\t%s\t%s\t%s\t%s\t%d\t%s\n", inc.Number, inc.Created.UTC().Format(time.RFC3339),
			inc.Severity, inc.Status, inc.Owner.String(), inc.AlertCount, clean(inc.Title, 0))
	}
	return nil
}

func parseSeverity(v string) (triage.Severity, error) {
	s, err := triage.ParseSeverity(v)
	if err != nil {
		return "", &FlagError{err}
	}
	return s, nil
}

func parseStatus(v string) (triage.Status, error) {
	s, err := triage.ParseStatus(v)
	if err != nil {
		return "", &FlagError{err}
	}
	return s, nil
}

// list lists the incidents the options select in e's workspace, saying
// why when there are none.
func (o *incidentsOptions) list(ctx context.Context, s *IO, e *env) ([]triage.Incident, error) {
	f, err := o.filter(e.now(s))
	if err != nil {
		return nil, err
	}
	var incs []triage.Incident
	err = e.Workspace.ListIncidents(ctx, f, func(inc triage.Incident) error {
		incs = append(incs, inc)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(incs) == 0 {
		explainEmpty(ctx, s, e, f, o.filterFlags())
	}
	return incs, nil
}
