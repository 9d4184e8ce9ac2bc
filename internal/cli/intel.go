package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/triage-dev/triage/internal/english"
	"github.com/triage-dev/triage/internal/intel"
	"github.com/triage-dev/triage/internal/intel/cache"
	"github.com/triage-dev/triage/internal/intel/providers"
	"github.com/triage-dev/triage/internal/intel/registry"
	"github.com/triage-dev/triage/internal/ioc"
	"github.com/triage-dev/triage/internal/pipeline"
	"github.com/triage-dev/triage/internal/triage"
)

// storeFile is the name of triage's store in the data directory.
const storeFile = "intel.db"

// openIntel builds the threat-intel engine from the configuration, with ti
// as sentinel-ti's query on the workspace. The store (cache and request
// log) is opened only when an external provider runs: lookups that stay
// inside need neither.
func (e *env) openIntel(ctx context.Context, s *IO, g *globalOptions, ti intel.WorkspaceTI) error {
	for _, name := range g.providers {
		if !slices.Contains(knownProviders(), name) {
			return &FlagError{fmt.Errorf("--provider %q: not one of %s", name, strings.Join(knownProviders(), ", "))}
		}
	}
	opts := registry.Options{
		WorkspaceTI: ti,
		All:         g.allProviders, Only: g.providers, Refresh: g.refresh, Now: s.Now,
		Notify: func(msg string) { fmt.Fprintln(s.Err, "triage:", msg) },
	}
	eng, sts, err := registry.Build(ctx, e.cfg, opts)
	if err != nil {
		return &ConfigError{err}
	}
	if needsStore(sts) {
		st, err := cache.Open(ctx, filepath.Join(e.cfg.DataDir, storeFile))
		if err != nil {
			fmt.Fprintf(s.Err, "triage: warning: the intel cache is unavailable, every lookup asks its provider: %v\n", err)
		} else {
			e.store = st
			eng.Cache, eng.Requests = st, st
		}
	}
	if g.waitSet {
		eng.MaxWait = g.wait
	}
	e.Intel, e.providers = eng, sts
	return nil
}

func needsStore(sts []registry.Status) bool {
	for _, st := range sts {
		if st.Running && st.External {
			return true
		}
	}
	return false
}

// knownProviders are the names --provider takes.
func knownProviders() []string { return providers.Names() }

// waitFlag adds --wait to a command that waits for lookups.
func waitFlag(cmd *cobra.Command, g *globalOptions) {
	cmd.Flags().Var(waitValue{&g.wait, &g.waitSet}, "wait",
		"how long lookups may wait for providers' quotas, e.g. 20s; 0 never waits, forever for batch jobs (default: intel.max_wait, else 20s)")
}

// intelFlags adds the flags that choose providers and the cache.
func intelFlags(cmd *cobra.Command, g *globalOptions) {
	fl := cmd.Flags()
	fl.BoolVar(&g.refresh, "refresh", false, "ask the providers again instead of using cached answers")
	fl.BoolVar(&g.allProviders, "all", false, "also ask enabled providers that are not primary")
	fl.StringSliceVar(&g.providers, "provider", nil, "ask only these providers (repeatable): "+strings.Join(knownProviders(), ", "))
}

type lookupOptions struct {
	file string
	json bool
	hits bool
}

func newLookupCmd(s *IO, g *globalOptions) *cobra.Command {
	o := &lookupOptions{}
	cmd := &cobra.Command{
		Use:   "lookup [IOC...] [-f FILE|-]",
		Short: "Look indicators up in threat intelligence",
		Long: `Look indicators up in every configured threat-intelligence provider. Each
argument is typed (IP address, domain, host name, URL, MD5/SHA-1/SHA-256
hash, e-mail address); an argument that is not one indicator, and the text of
-f FILE (or - for stdin), have their indicators extracted, defanged or not
(hxxp://, [.], (dot)).

Private and reserved addresses, names under internal or reserved domains and
configured internal networks and accounts are never sent to an external
provider: their rows say so. Answers are cached (--refresh asks again);
providers' quotas are respected, waiting where the wait is short.

Only sentinel-ti reads the workspace (its threat-intelligence tables); the
workspace is opened for sentinel-ti's first lookup, so with --provider
naming others nothing is opened (on the demo, its file is not built).

The table goes to stdout (--json for one object with the verdict and every
result), most severe first, then by indicator and provider; the verdict
names the indicators that set it. --hits shows only results rated warning
or high; the verdict is still reached over every result. Exit status 3 means
some lookup failed; its row says why.`,
		Example: `  triage lookup 203.0.113.66 svc-telemetry.example.net
  triage lookup -f phishing-mail.txt --json
  echo "callback to hxxps://evil[.]example/a" | triage lookup -f -`,
		RunE: func(cmd *cobra.Command, args []string) error {
			inds, err := o.indicators(cmd.InOrStdin(), args)
			if err != nil {
				return err
			}
			// The order lookups are made in, when a quota cannot take
			// them all; --json lists the indicators so.
			inds = pipeline.Order(inds)
			e, err := openLookup(cmd.Context(), s, g)
			if err != nil {
				return err
			}
			defer e.Close()
			line := &statusLine{w: s.Err}
			if s.ErrTTY && len(inds) > 5 {
				e.Intel.Progress = progress(line, len(inds)*len(e.Intel.Providers))
			}
			rs := e.Intel.Lookup(cmd.Context(), inds)
			line.Clear()
			ans := lookupAnswerOf(inds, rs, o.hits)
			v, shown := ans.Verdict, ans.Results
			if o.json {
				enc := json.NewEncoder(s.Out)
				enc.SetIndent("", "  ")
				err = enc.Encode(ans)
			} else {
				err = printResults(s.Out, shown, v)
				if hidden := len(rs) - len(shown); err == nil && hidden > 0 {
					_, err = fmt.Fprintf(s.Out, "\n%s not shown: --hits shows only those rated warning or high.\n", english.Plural(hidden, "result", "results"))
				}
				if w := withheld(e.Intel, inds, shown); err == nil && w != "" {
					_, err = fmt.Fprintf(s.Out, "\nNever sent to external providers: %s.\n", w)
				}
			}
			if err != nil {
				return err
			}
			if n := intel.Unfinished(rs); n > 0 {
				fmt.Fprintf(s.Err, "triage: %s not made within the wait for quotas; to finish them, run the same lookup with --wait forever (answers already given are reused from the cache)\n",
					english.Plural(n, "lookup was", "lookups were"))
			}
			for _, r := range rs {
				if r.Status == intel.StatusError || r.Status == intel.StatusTimeout || r.Status == intel.StatusRateLimited {
					return errPartial
				}
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&o.file, "file", "f", "", "read text from this file (- for stdin) and look up every indicator in it")
	cmd.Flags().BoolVar(&o.json, "json", false, "print JSON")
	cmd.Flags().BoolVar(&o.hits, "hits", false, "show only results rated warning or high (the verdict is still over every result)")
	intelFlags(cmd, g)
	waitFlag(cmd, g)
	return cmd
}

// lookupAnswer is what lookup --json prints: the indicators in the order
// they were looked up, the verdict over every result, and the results
// shown (without their raw answers), most severe first.
type lookupAnswer struct {
	Indicators []ioc.Indicator `json:"indicators"`
	Verdict    intel.Verdict   `json:"verdict"`
	Results    []intel.Result  `json:"results"`
}

// lookupAnswerOf rolls the verdict up over every result of rs and keeps
// the results to show: with hits, only those rated warning or high.
func lookupAnswerOf(inds []ioc.Indicator, rs []intel.Result, hits bool) lookupAnswer {
	v := intel.Roll(rs) // over every result, --hits or not
	shown := withoutRaw(rs)
	if hits {
		shown = slices.DeleteFunc(shown, func(r intel.Result) bool { return !isHit(r) })
	}
	slices.SortStableFunc(shown, intel.BySeverity)
	return lookupAnswer{inds, v, shown}
}

// withheld lists the indicators of the rows shown that are never sent to
// external providers, grouped by why: "203.0.113.66, 198.51.100.23
// (reserved); 10.0.0.5 (internal)".
func withheld(e *intel.Engine, inds []ioc.Indicator, shown []intel.Result) string {
	var whys []ioc.Withholding
	values := map[ioc.Withholding][]string{}
	for _, ind := range inds {
		w := e.Withheld(ind)
		if w == "" || !slices.ContainsFunc(shown, func(r intel.Result) bool { return r.Indicator == ind.Value }) {
			continue
		}
		if values[w] == nil {
			whys = append(whys, w)
		}
		values[w] = append(values[w], clean(ind.Value, triage.MaxNameLen))
	}
	parts := make([]string, len(whys))
	for i, w := range whys {
		parts[i] = strings.Join(values[w], ", ") + " (" + string(w) + ")"
	}
	return strings.Join(parts, "; ")
}

// isHit reports whether a result is one --hits shows: an answer rated
// warning or high.
func isHit(r intel.Result) bool {
	return r.Status == intel.StatusOK && r.Severity.Rank() >= intel.SeverityWarning.Rank()
}

// indicators types the arguments and extracts the file's indicators.
func (o *lookupOptions) indicators(stdin io.Reader, args []string) ([]ioc.Indicator, error) {
	var inds []ioc.Indicator
	for _, a := range args {
		if ind, err := ioc.Parse(a); err == nil {
			inds = append(inds, ind)
			continue
		}
		found := ioc.Extract(a)
		if len(found) == 0 {
			return nil, &FlagError{fmt.Errorf("%q is not an indicator and contains none", clean(a, 80))}
		}
		inds = append(inds, found...)
	}
	if o.file != "" {
		var data []byte
		var err error
		if o.file == "-" {
			data, err = io.ReadAll(io.LimitReader(stdin, 64<<20))
		} else {
			data, err = os.ReadFile(o.file)
		}
		if err != nil {
			return nil, fmt.Errorf("read indicators: %w", err)
		}
		inds = append(inds, ioc.Extract(string(data))...)
	}
	if len(inds) == 0 {
		return nil, &FlagError{fmt.Errorf("no indicators: give some as arguments or with -f FILE")}
	}
	return inds, nil
}

// progress returns a callback that shows lookups done out of total on line.
func progress(line *statusLine, total int) func(intel.Result) {
	var done atomic.Int64
	var last atomic.Int64
	return func(intel.Result) {
		n := done.Add(1)
		now := time.Now().UnixMilli()
		if p := last.Load(); n < int64(total) && now-p < 100 || !last.CompareAndSwap(last.Load(), now) {
			return
		}
		width := 30
		fill := int(n) * width / max(total, 1)
		line.Show("  [%s%s] %d/%d lookups", strings.Repeat("#", fill), strings.Repeat(".", width-fill), n, total)
	}
}

// statusLine is one line of progress on a terminal (stderr), rewritten in
// place and cleared when the work is done, so none of it is left in front
// of the answer or the next prompt. It is safe for concurrent use: steps
// and lookups report from their own goroutines.
type statusLine struct {
	mu    sync.Mutex
	w     io.Writer
	shown bool
}

// clearLine goes back to the start of the line and erases it.
const clearLine = "\r\033[K"

// Show replaces the line with the formatted text, which should fit a
// terminal's width: a wrapped line cannot be cleared.
func (l *statusLine) Show(format string, a ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	fmt.Fprintf(l.w, clearLine+format, a...)
	l.shown = true
}

// Clear erases the line if anything was shown.
func (l *statusLine) Clear() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.shown {
		fmt.Fprint(l.w, clearLine)
		l.shown = false
	}
}

func withoutRaw(rs []intel.Result) []intel.Result {
	out := slices.Clone(rs)
	for i := range out {
		out[i].Raw = nil
	}
	return out
}

// printResults writes the verdict line and the table of rs, in their order.
func printResults(w io.Writer, rs []intel.Result, v intel.Verdict) error {
	// The sentence names indicators: clean keeps their control characters
	// off the terminal.
	fmt.Fprintf(w, "Verdict: %s — %s\n\n", strings.ToUpper(string(v.Severity)), clean(v.Sentence(), 0))
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "INDICATOR\tTYPE\tPROVIDER\tSTATUS\tSEVERITY\tSUMMARY")
	// Indicators are whole (a cut hash or URL finds nothing when pasted
	// elsewhere) unless extremely long, as entity names.
	for _, r := range rs {
		what := r.Summary
		if what == "" {
			what = r.Reason
		}
		if r.FromCache {
			what += " (cached)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", clean(r.Indicator, triage.MaxNameLen), r.Type, r.Provider, r.Status, r.Severity, clean(what, 100))
	}
	return tw.Flush()
}

func newProvidersCmd(s *IO, g *globalOptions) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "providers",
		Short: "Show every threat-intel provider: configured, key, types, quota, cache",
		Long: `Show every threat-intelligence provider triage knows: whether it is enabled
and runs by default, whether its key is set (never the key), the indicator
types it looks up, its quota and what was used of it, how many answers are
cached, and why a provider would be skipped. Nothing is looked up, and the
workspace is not opened: sentinel-ti's row names the workspace it reads.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			e, err := openLookup(cmd.Context(), s, g)
			if err != nil {
				return err
			}
			defer e.Close()
			rows, err := providerRows(cmd.Context(), e, s.Now())
			if err != nil {
				return err
			}
			if asJSON {
				enc := json.NewEncoder(s.Out)
				enc.SetIndent("", "  ")
				return enc.Encode(rows)
			}
			tw := tabwriter.NewWriter(s.Out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "PROVIDER\tSTATE\tKEY\tTYPES\tQUOTA (USED)\tCACHED\tNOTE")
			for _, r := range rows {
				key := "-"
				if r.NeedsKey {
					key = map[bool]string{true: "set", false: "missing"}[r.KeySet]
				}
				note := r.Reason
				if note == "" && r.Workspace != "" {
					note = "on workspace " + clean(r.Workspace, 80)
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%s\n", r.Name, r.State, key, kindsText(r.Kinds), r.QuotaText, r.Cached, note)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	intelFlags(cmd, g)
	return cmd
}

// providerRow is one line of `triage providers`: the provider's status,
// with its state, and what was used of its quota.
type providerRow struct {
	registry.Status
	QuotaText string         `json:"quota_text"`
	Used      map[string]int `json:"used,omitempty"` // requests in the last hour, day, 30 days
	Cached    int            `json:"cached"`
	// Workspace is the workspace sentinel-ti reads, when it runs: named,
	// not opened, as listing providers needs nothing from it.
	Workspace string `json:"workspace,omitempty"`
}

func providerRows(ctx context.Context, e *env, now time.Time) ([]providerRow, error) {
	var stats map[string]cache.ProviderStats
	store := e.store
	if store == nil {
		if _, err := os.Stat(filepath.Join(e.cfg.DataDir, storeFile)); err == nil {
			if st, err := cache.Open(ctx, filepath.Join(e.cfg.DataDir, storeFile)); err == nil {
				defer st.Close()
				store = st
			}
		}
	}
	if store != nil {
		var err error
		if stats, err = store.Stats(ctx); err != nil {
			return nil, err
		}
	}
	var rows []providerRow
	for _, st := range e.providers {
		r := providerRow{Status: st, QuotaText: st.Quota.String()}
		if store != nil && !st.Quota.IsZero() {
			r.Used = map[string]int{}
			for _, w := range []struct {
				name string
				d    time.Duration
			}{{"hour", time.Hour}, {"day", 24 * time.Hour}, {"30 days", 30 * 24 * time.Hour}} {
				ts, err := store.Since(ctx, st.Name, now.Add(-w.d))
				if err == nil {
					r.Used[w.name] = len(ts)
				}
			}
			r.QuotaText += fmt.Sprintf(" (%d today)", r.Used["day"])
		}
		r.Cached = stats[st.Name].Entries
		if st.ReadsWorkspace && st.Running {
			r.Workspace = e.wsName
		}
		rows = append(rows, r)
	}
	return rows, nil
}

func kindsText(ks []ioc.Kind) string {
	if len(ks) == len(ioc.Kinds) {
		return "all"
	}
	s := make([]string, len(ks))
	for i, k := range ks {
		s[i] = string(k)
	}
	return strings.Join(s, ",")
}
