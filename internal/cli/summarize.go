package cli

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/triage-dev/triage/internal/ioc"
	"github.com/triage-dev/triage/internal/pipeline"
	"github.com/triage-dev/triage/internal/report"
	"github.com/triage-dev/triage/internal/report/render"
	"github.com/triage-dev/triage/internal/summary"
	"github.com/triage-dev/triage/internal/triage"
)

type summarizeOptions struct {
	since      time.Duration
	start, end string
	format     string
}

func newSummarizeCmd(s *IO, g *globalOptions) *cobra.Command {
	o := &summarizeOptions{since: 7 * 24 * time.Hour}
	cmd := &cobra.Command{
		Use:   "summarize KIND VALUE",
		Short: "Summarise one entity outside any incident: an IP, account, host, URL, domain, file hash...",
		Long: `Summarise one entity on its own, as the triage of an incident summarises
each of its entities: the analyst's pivot ("what else did this touch?").

KIND is one of ip, account, host, url, domain, filehash, mailbox,
azureresource (or any Sentinel entity kind). VALUE is the address, the
account (alice@contoso.com, CONTOSO\alice, alice, a SID or an Entra object
id: an id is also looked for under the names the logs give it), the host
name or FQDN, the URL, the domain, the hash, the mailbox address, or the
Azure resource's id or name (the last part of its id, as reports print it,
or its last parts: virtualMachines/vm-01). A name several accounts, hosts or
resources share gives all of them, each labelled. A value the logs do not
know gives an empty summary that says which names contain it, or what forms
are accepted. Activity is looked at over --since (7 days by default) or
--start/--end; threat intelligence as for lookup.`,
		Example: `  triage summarize ip 203.0.113.66
  triage summarize account 'CONTOSO\sam.taylor' --since 30d
  triage summarize host WKS-FIN-07 --format json
  triage summarize azureresource rg-finance-prod`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			format, err := render.ParseFormat(o.format)
			if err != nil {
				return &FlagError{err}
			}
			if format == render.HTML {
				return &FlagError{fmt.Errorf("--format html is for whole reports (triage run); summaries are json or md")}
			}
			ent, err := entityOf(args[0], args[1])
			if err != nil {
				return &FlagError{err}
			}
			if _, _, err := window(s.Now(), o.since, o.start, o.end); err != nil {
				return err
			}
			e, err := open(cmd.Context(), s, g)
			if err != nil {
				return err
			}
			defer e.Close()
			start, end, err := window(e.now(s), o.since, o.start, o.end)
			if err != nil {
				return err
			}
			sums := summarizeEntity(cmd.Context(), e, ent, start, end)
			if err := render.Summaries(s.Out, sums, format); err != nil {
				return err
			}
			if sums[0].Status == report.StatusError || sums[0].Status == report.StatusPartial {
				fmt.Fprintf(s.Err, "triage: the summary is partial: %s\n", sums[0].Reason)
				return errPartial
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.Var(durationValue{&o.since}, "since", "window ending now (on the demo: at the start of today, UTC, where its data ends), e.g. 48h, 7d")
	fl.StringVar(&o.start, "start", "", "window start (RFC 3339 or 2006-01-02)")
	fl.StringVar(&o.end, "end", "", "window end (RFC 3339 or 2006-01-02)")
	fl.StringVar(&o.format, "format", "md", "output format: {json|md}")
	intelFlags(cmd, g)
	waitFlag(cmd, g)
	return cmd
}

// summarizeEntity summarises ent over the window start-end, with the
// threat intel of its indicators: what summarize prints and triage mcp's
// summarize_entity returns.
func summarizeEntity(ctx context.Context, e *env, ent triage.Entity, start, end time.Time) []report.Summary {
	var inds []ioc.Indicator
	for _, ind := range pipeline.Indicators(nil, []triage.Entity{ent}) {
		inds = append(inds, ioc.Indicator{Kind: ind.Type, Value: ind.Value, Scope: ind.Scope})
	}
	env := summary.Env{Sources: e.Sources, Start: start, End: end, TI: e.Intel.Lookup(ctx, inds)}
	return summary.Summarize(ctx, env, []triage.Entity{ent})
}

var sidPattern = regexp.MustCompile(`^(?i)S-1-\d+(-\d+)+$`)

// entityOf builds the entity KIND VALUE stands for.
func entityOf(kind, value string) (triage.Entity, error) {
	value = strings.TrimSpace(value)
	if value == "" {
		return triage.Entity{}, fmt.Errorf("empty %s value", kind)
	}
	props := map[string]any{}
	var k triage.Kind
	switch strings.ToLower(strings.NewReplacer("-", "", "_", "").Replace(kind)) {
	case "ip", "address":
		k, props["address"] = triage.KindIP, value
	case "account", "user":
		k = triage.KindAccount
		switch {
		case sidPattern.MatchString(value):
			props["sid"] = value
		case triage.IsGUID(value):
			props["aadUserId"] = value
		case strings.Contains(value, `\`):
			d, n, _ := strings.Cut(value, `\`)
			props["ntDomain"], props["accountName"] = d, n
		case strings.Contains(value, "@"):
			n, d, _ := strings.Cut(value, "@")
			props["accountName"], props["upnSuffix"] = n, d
		default:
			props["accountName"] = value
		}
	case "host", "computer", "device":
		k = triage.KindHost
		name, domain, _ := strings.Cut(value, ".")
		props["hostName"] = name
		if domain != "" {
			props["dnsDomain"] = domain
		}
	case "url":
		k, props["url"] = triage.KindURL, value
	case "domain", "dns", "dnsresolution":
		k, props["domainName"] = triage.KindDNS, strings.TrimSuffix(strings.ToLower(value), ".")
	case "hash", "filehash":
		k = triage.KindFileHash
		props["hashValue"] = value
		if ind, err := ioc.Parse(value); err == nil && ind.Kind.IsHash() {
			props["algorithm"] = strings.ToUpper(string(ind.Kind))
		}
	case "mailbox", "email":
		k, props["mailboxPrimaryAddress"] = triage.KindMailbox, value
	case "azureresource", "resource":
		k, props["resourceId"] = triage.KindAzureResource, value
	default:
		return triage.Entity{}, fmt.Errorf("unknown kind %q: use ip, account, host, url, domain, filehash, mailbox or azureresource", kind)
	}
	e, err := triage.NewEntity(k, props)
	if err != nil {
		return triage.Entity{}, fmt.Errorf("%s %q: %w", kind, value, err)
	}
	return e, nil
}
