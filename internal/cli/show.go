package cli

import (
	"encoding/json"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/triage-dev/triage/internal/english"
	"github.com/triage-dev/triage/internal/triage"
)

func newShowCmd(s *IO, g *globalOptions) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "show <incident>",
		Short: "Show an incident with its alerts and entities",
		Long: `Show an incident's header, its alerts, and its entities grouped by kind.
INCIDENT is the incident number or its name (GUID).`,
		Example: `  triage show 42
  triage show 42 --json`,
		Args: oneIncident,
		RunE: func(cmd *cobra.Command, args []string) error {
			e, err := open(cmd.Context(), s, g)
			if err != nil {
				return err
			}
			defer e.Close()
			inc, err := e.Workspace.Incident(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			d, err := e.Workspace.Details(cmd.Context(), inc)
			if err != nil {
				return err
			}
			if asJSON {
				enc := json.NewEncoder(s.Out)
				enc.SetIndent("", "  ")
				return enc.Encode(struct {
					Incident triage.Incident `json:"incident"`
					triage.Details
				}{inc, d})
			}
			printShow(s, e.now(s), inc, d)
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func printShow(s *IO, now time.Time, inc triage.Incident, d triage.Details) {
	w := s.Out
	fmt.Fprintf(w, "Incident %d: %s\n", inc.Number, clean(inc.Title, 0))
	fmt.Fprintf(w, "  Severity  %s\n  Status    %s", inc.Severity, inc.Status)
	if inc.Classification != "" {
		fmt.Fprintf(w, " (%s)", inc.Classification)
	}
	fmt.Fprintf(w, "\n  Owner     %s\n  Created   %s (%s)\n  Name      %s\n",
		orDash(clean(inc.Owner.String(), 0)), inc.Created.UTC().Format("2006-01-02 15:04 UTC"), ago(now, inc.Created), inc.Name)
	if inc.Description != "" {
		fmt.Fprintf(w, "\n  %s\n", clean(inc.Description, 0))
	}

	fmt.Fprintf(w, "\nAlerts (%d)\n", len(d.Alerts))
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, a := range d.Alerts {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", a.Start.UTC().Format("2006-01-02 15:04"), a.Severity, clean(a.Name, 70), english.Plural(len(a.EntityKeys), "entity", "entities"))
	}
	tw.Flush()

	byKind := make(map[triage.Kind][]triage.Entity)
	var kinds []triage.Kind
	for _, e := range d.Entities {
		if byKind[e.Kind] == nil {
			kinds = append(kinds, e.Kind)
		}
		byKind[e.Kind] = append(byKind[e.Kind], e)
	}
	fmt.Fprintf(w, "\nEntities (%d)\n", len(d.Entities))
	for _, k := range kinds {
		fmt.Fprintf(w, "  %s\n", k)
		for _, e := range byKind[k] {
			fmt.Fprintf(w, "    %s\n", clean(e.Name, 0)) // whole: hashes, URLs and paths are copied from here
		}
	}
	if len(d.Problems) > 0 {
		fmt.Fprintf(s.Err, "\n%s reading the incident:\n", english.Plural(len(d.Problems), "problem", "problems"))
		for _, p := range d.Problems {
			fmt.Fprintf(s.Err, "  %s\n", clean(p.String(), 0))
		}
	}
}
