package cli

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/triage-dev/triage/internal/config"
	"github.com/triage-dev/triage/internal/history"
	"github.com/triage-dev/triage/internal/intel"
	"github.com/triage-dev/triage/internal/pipeline"
	"github.com/triage-dev/triage/internal/triage"
	"github.com/triage-dev/triage/internal/workspace"
)

// cursorOverlap is how far before the cursor a pass still looks: changes
// stamped with the cursor's own time, or a little before it but listed
// late, are not missed. What the overlap lets through twice is skipped by
// its current record, not triaged again.
const cursorOverlap = 5 * time.Minute

// leaseTTL is how long a watch's lease of an incident lasts unrenewed: it
// is renewed while the triage runs, however long, so this is how soon
// the incidents of a watch that died are free for another.
const leaseTTL = 15 * time.Minute

// writeTimeout bounds the writes a watch finishes after it was told to
// stop (the summary comment already sent, the label).
const writeTimeout = 30 * time.Second

// maxBackoff is the longest a watch waits between passes after failures.
const maxBackoff = 30 * time.Minute

type watchOptions struct {
	once      bool
	window    time.Duration
	interval  time.Duration
	post      bool
	label     string
	logFormat string
	all       bool // --all-workspaces
}

func newWatchCmd(s *IO, g *globalOptions) *cobra.Command {
	o := &watchOptions{window: 48 * time.Hour, interval: time.Minute}
	cmd := &cobra.Command{
		Use:   "watch",
		Short: "Triage new and changed incidents as they come",
		Long: `Watch the workspace and triage each incident once per change: the new ones,
and those changed since their last recorded triage (see triage history),
highest severity first. The first pass over a workspace takes the incidents
created within --window; each later pass asks the service only for those
modified since the previous one, however old: one from before the window
that was reopened, gained an alert or was otherwise changed is triaged too,
unless the change closed it. Closed incidents of the window are triaged
like the others (closing one is a change). Every triage is recorded in
<data_dir>/history.db; with --post its summary comment is posted on the
incident, replacing the one an earlier triage posted, and with --label the
label is added; a comment or label the service refused, or that a stop
left unsent, is sent by a later pass, which triages the incident again.

Several workspaces may be watched: --workspace repeated, or
--all-workspaces for every one configured in triage.yaml. A pass lists
each in turn, then triages what they listed as one queue, highest
severity first, sharing each threat-intel provider's quota among them;
each is opened once for the life of the watch, and one that cannot be
opened or listed is logged and retried on the next pass while the others
go on.

The workspace's cursor, the latest change a pass saw, is kept in the
history file, so a restarted watch neither misses nor repeats one. Several
watches may share one data directory: each takes an incident's lease in the
history file before triaging it, renewed while the triage runs, and skips
the incidents another holds. A label write that meets someone else's change
to the incident (its etag moved) is logged, and the label added to the
incident as it now stands: their change is kept.

Each incident gets one line on stderr (log/slog, text or --log-format json):
workspace, incident, verdict, priority, whether the comment was posted, the
duration, or the error. With --once one pass runs (for cron or CI) and the
exit status is 1 when some incident failed; otherwise a pass runs every
--interval, waiting longer after failures and throttling, until SIGINT or
SIGTERM, which stops it between two writes: a summary comment is sent
whole or not at all.`,
		Example: `  triage watch --once --post
  triage watch -w contoso-prod --post --label triaged --interval 5m
  triage watch --once --window 7d --log-format json
  triage watch -w contoso-prod -w contoso-dev --post
  triage watch --all-workspaces --post --label triaged`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.check(cmd.Flags().Changed("label")); err != nil {
				return err
			}
			if o.all && len(g.workspaces) > 0 {
				return &FlagError{errors.New("--all-workspaces and --workspace: give one or the other")}
			}
			ctx := cmd.Context()
			cfg, err := config.Load(s.ConfigOptions(g.config))
			if err != nil {
				return &ConfigError{err}
			}
			names, err := watchTargets(cfg, g.workspaces, o.all)
			if err != nil {
				return err
			}
			st, err := openHistory(ctx, s, cfg)
			if err != nil {
				return fmt.Errorf("watch: %w", err)
			}
			defer st.Close()
			m := newWatchSet(s, g, st, o, names)
			defer m.Close()
			if o.once {
				_, err := m.pass(ctx)
				return err
			}
			return m.loop(ctx)
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&o.once, "once", false, "run one pass and exit")
	fl.BoolVar(&o.all, "all-workspaces", false, "watch every workspace configured in triage.yaml (not the built-in demo)")
	fl.Var(durationValue{&o.window}, "window", "watch the incidents created within this window ending now, e.g. 48h, 7d")
	fl.Var(durationValue{&o.interval}, "interval", "time between passes")
	fl.BoolVar(&o.post, "post", false, "post each triage's summary comment on its incident (replacing the earlier one)")
	fl.StringVar(&o.label, "label", "", "add this label to each incident triaged (e.g. triaged)")
	fl.StringVar(&o.logFormat, "log-format", "text", "log format: {text|json}")
	intelFlags(cmd, g)
	waitFlag(cmd, g)
	return cmd
}

// check checks the options' values, as watch and serve --watch take
// them; labelSet says --label was given.
func (o *watchOptions) check(labelSet bool) error {
	if o.logFormat != "text" && o.logFormat != "json" {
		return &FlagError{fmt.Errorf("--log-format %q: want text or json", o.logFormat)}
	}
	if o.window <= 0 || o.interval <= 0 {
		return &FlagError{errors.New("--window and --interval must be more than 0")}
	}
	if labelSet && strings.TrimSpace(o.label) == "" {
		return &FlagError{errors.New("a label must not be empty")}
	}
	return nil
}

// watchTargets names the workspaces a watch goes over: each --workspace
// given (once each), every workspace configured with all (the built-in
// demo is not configured), else the default workspace.
func watchTargets(cfg *config.Config, given []string, all bool) ([]string, error) {
	if all {
		var names []string
		for _, n := range slices.Sorted(maps.Keys(cfg.Workspaces)) {
			if cfg.Workspaces[n].Kind != config.KindDemo {
				names = append(names, n)
			}
		}
		if len(names) == 0 {
			return nil, &ConfigError{errors.New("--all-workspaces: no workspace is configured in triage.yaml")}
		}
		return names, nil
	}
	if len(given) == 0 {
		def, err := cfg.Workspace("")
		if err != nil {
			return nil, &ConfigError{err}
		}
		return []string{def.Name}, nil
	}
	var names []string
	for _, n := range given {
		if !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	return names, nil
}

// watchSet is a watch over several workspaces: a pass lists each in turn
// and triages what they listed as one queue.
// Each workspace is opened on the first pass that reaches it and kept open
// for the life of the watch; one that fails to open is tried again on the
// next pass, and its failure, like a failure to list or triage, is logged
// and does not stop the others.
type watchSet struct {
	s      *IO
	g      *globalOptions
	st     *history.Store
	o      *watchOptions
	log    *slog.Logger
	holder string
	names  []string
	open   map[string]*watcher // by name in names, once opened

	// openEnv opens a workspace for the watch; owned says the watch closes
	// what it opened (serve's watch shares the pages' workspaces, which
	// serve closes).
	openEnv func(ctx context.Context, name string) (*env, error)
	owned   bool
}

func newWatchSet(s *IO, g *globalOptions, st *history.Store, o *watchOptions, names []string) *watchSet {
	var h slog.Handler = slog.NewTextHandler(s.Err, nil)
	if o.logFormat == "json" {
		h = slog.NewJSONHandler(s.Err, nil)
	}
	m := &watchSet{s: s, g: g, st: st, o: o, log: slog.New(h), holder: leaseHolder(), names: names, open: map[string]*watcher{}, owned: true}
	quotas := &intel.Quotas{}
	m.openEnv = func(ctx context.Context, name string) (*env, error) {
		g := *m.g
		g.workspace = name
		g.writes = m.o.post || m.o.label != ""
		e, err := open(ctx, m.s, &g)
		if err != nil {
			return nil, err
		}
		shareQuotas(e, quotas)
		return e, nil
	}
	return m
}

// shareQuotas makes e's threat-intel engine keep its providers' quota use
// in q, shared with the other workspaces' engines given q: one process
// spends one quota per provider, whichever workspace it triages. It is
// called as e is opened, before any lookup.
func shareQuotas(e *env, q *intel.Quotas) {
	if e.Intel != nil {
		e.Intel.Quotas = q
	}
}

// watcher returns workspace name's watcher, opening the workspace if it is
// not open yet.
func (m *watchSet) watcher(ctx context.Context, name string) (*watcher, error) {
	if w, ok := m.open[name]; ok {
		return w, nil
	}
	e, err := m.openEnv(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("watch %s: open the workspace: %w", name, err)
	}
	w := newWatcher(m.s, e, m.st, m.o)
	w.log, w.holder = m.log, m.holder
	m.open[name] = w
	return w, nil
}

// pass runs a pass over the workspaces: it lists each in turn, then
// triages what they listed as one queue, highest severity first
// (triageAll), so that the most severe incident of any workspace is
// triaged, and its indicators looked up in the shared quotas, first. It
// returns the failures of all the workspaces joined, and the context's
// error when it was cancelled.
func (m *watchSet) pass(ctx context.Context) (passResult, error) {
	var ls []*listing
	var errs []error
	failed := func(name string, err error) {
		if err != nil && ctx.Err() == nil {
			m.log.LogAttrs(ctx, slog.LevelWarn, "pass failed", slog.String("workspace", name), slog.String("error", err.Error()))
			errs = append(errs, err)
		}
	}
	for _, name := range m.names {
		if ctx.Err() != nil {
			break
		}
		w, err := m.watcher(ctx, name)
		if err == nil {
			var l *listing
			if l, err = w.list(ctx); err == nil {
				ls = append(ls, l)
			}
		}
		failed(name, err)
	}
	triageAll(ctx, ls)
	var total passResult
	for _, l := range ls {
		failed(l.w.e.Workspace.Name(), l.finish(ctx))
		total.Listed += l.res.Listed
		total.Triaged += l.res.Triaged
		total.Failed += l.res.Failed
	}
	if err := ctx.Err(); err != nil {
		return total, err
	}
	return total, errors.Join(errs...)
}

// Close closes the workspaces the watch opened.
func (m *watchSet) Close() error {
	if !m.owned {
		return nil
	}
	var errs []error
	for _, w := range m.open {
		errs = append(errs, w.e.Close())
	}
	return errors.Join(errs...)
}

// watcher runs the passes of one watch over the env's workspace.
type watcher struct {
	s      *IO
	quiet  *IO // s without stderr: what postSummary says, the log says
	e      *env
	st     *history.Store
	o      *watchOptions
	log    *slog.Logger
	holder string        // names this watch in the leases
	ttl    time.Duration // of the leases: leaseTTL
}

func newWatcher(s *IO, e *env, st *history.Store, o *watchOptions) *watcher {
	var h slog.Handler = slog.NewTextHandler(s.Err, nil)
	if o.logFormat == "json" {
		h = slog.NewJSONHandler(s.Err, nil)
	}
	q := *s
	q.Err = io.Discard
	return &watcher{s: s, quiet: &q, e: e, st: st, o: o, log: slog.New(h), holder: leaseHolder(), ttl: leaseTTL}
}

// leaseHolder names this process in the leases: its pid and a random part,
// so that a pid reused after a restart is another holder.
func leaseHolder() string {
	b := make([]byte, 6)
	rand.Read(b)
	return fmt.Sprintf("%d-%s", os.Getpid(), hex.EncodeToString(b))
}

// passResult is what a pass did.
type passResult struct {
	Listed, Triaged, Failed int
}

// passFilter is what a pass lists: on the first pass over a workspace (no
// cursor) the incidents created within the window ending at now; after
// it, those modified since the cursor (less the overlap), however long
// ago they were created, so that the service sends what changed and not
// the whole queue again.
func passFilter(cursor, now time.Time, window time.Duration) workspace.IncidentFilter {
	if cursor.IsZero() {
		return workspace.IncidentFilter{Start: now.Add(-window)}
	}
	return workspace.IncidentFilter{ModifiedSince: cursor.Add(-cursorOverlap)}
}

// listing is what a pass listed in one workspace, and what became of it.
type listing struct {
	w      *watcher
	todo   []triage.Incident // to triage: those without a current record
	newest time.Time         // the latest change listed
	floor  time.Time         // the earliest change left for the next pass
	res    passResult
	first  error // the first incident's failure
}

// leave keeps inc's change for the next pass: the cursor stays before it.
func (l *listing) leave(inc triage.Incident) {
	if l.floor.IsZero() || inc.LastModified.Before(l.floor) {
		l.floor = inc.LastModified
	}
}

// pass runs a pass over the watcher's one workspace, as watchSet.pass
// does over several.
func (w *watcher) pass(ctx context.Context) (passResult, error) {
	l, err := w.list(ctx)
	if err != nil {
		return passResult{}, err
	}
	triageAll(ctx, []*listing{l})
	err = l.finish(ctx)
	if ctx.Err() != nil {
		return l.res, ctx.Err()
	}
	return l.res, err
}

// list lists the incidents of the workspace changed since the cursor
// (passFilter) and keeps those with no current record, and not closed
// from before the window, to triage.
func (w *watcher) list(ctx context.Context) (*listing, error) {
	l := &listing{w: w}
	ws := w.e.Workspace
	name := ws.Name()
	cursor, err := w.st.Cursor(ctx, name)
	if err != nil {
		return nil, err
	}
	var changed []triage.Incident
	err = ws.ListIncidents(ctx, passFilter(cursor, w.e.now(w.s), w.o.window), func(inc triage.Incident) error {
		l.res.Listed++
		if inc.LastModified.After(l.newest) {
			l.newest = inc.LastModified
		}
		changed = append(changed, inc)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("watch %s: list incidents: %w", name, err)
	}
	latest, err := w.st.Latest(ctx, name)
	if err != nil {
		return nil, err
	}
	start := w.e.now(w.s).Add(-w.o.window)
	l.todo = slices.DeleteFunc(changed, func(inc triage.Incident) bool {
		if rec, ok := latest[inc.Name]; ok && rec.Current(inc) {
			return true
		}
		// An incident from before the window that changed is triaged,
		// unless the change closed it: its triage is of no use to anyone
		// then. One of the window is triaged closed or not.
		return inc.Status == triage.StatusClosed && inc.Created.Before(start)
	})
	return l, nil
}

// triageAll triages the incidents the listings hold as one queue, the
// highest severity first and, of one severity, the latest created
// first: the watch's triages share the threat-intel quotas (watchSet
// gives its workspaces' engines one intel.Quotas), and each triage's
// lookups take their turn in its own priority order, so the scarce
// lookups go to the most severe incidents' indicators. An incident not
// triaged (failed, leased by another watch, or left when ctx ended) is
// left in its listing for the next pass.
func triageAll(ctx context.Context, ls []*listing) {
	type job struct {
		l   *listing
		inc triage.Incident
	}
	var jobs []job
	for _, l := range ls {
		for _, inc := range l.todo {
			jobs = append(jobs, job{l, inc})
		}
	}
	slices.SortStableFunc(jobs, func(a, b job) int { return triageOrder(a.inc, b.inc) })
	for i, j := range jobs {
		if ctx.Err() != nil {
			for _, left := range jobs[i:] {
				left.l.leave(left.inc)
			}
			return
		}
		done, err := j.l.w.triage(ctx, j.inc)
		switch {
		case err != nil:
			j.l.res.Failed++
			j.l.first = cmp.Or(j.l.first, err)
			j.l.leave(j.inc)
		case !done:
			j.l.leave(j.inc)
		default:
			j.l.res.Triaged++
		}
	}
}

// triageOrder is the order in which a batch of incidents is triaged (watch,
// queue --triage): the highest severity first and, of one severity, the
// latest created first. The triages share the threat-intel quotas, so
// this is also the order in which the incidents' indicators get them.
func triageOrder(a, b triage.Incident) int {
	return cmp.Or(b.Severity.Rank()-a.Severity.Rank(), b.Created.Compare(a.Created))
}

// finish moves the workspace's cursor on to the latest change listed, or,
// when some incident was not triaged, to the earliest change of those, so
// that the next pass sees them again; after a cancellation too, as what
// was done is kept. It returns an error when some incident failed.
func (l *listing) finish(ctx context.Context) error {
	name := l.w.e.Workspace.Name()
	next := l.newest
	if !l.floor.IsZero() && l.floor.Before(next) {
		next = l.floor
	}
	if !next.IsZero() {
		if err := l.w.st.SetCursor(context.WithoutCancel(ctx), name, next); err != nil {
			return err
		}
	}
	if l.res.Failed > 0 {
		return fmt.Errorf("watch %s: %d of %d incidents failed (see the log); the first: %w", name, l.res.Failed, len(l.todo), l.first)
	}
	return nil
}

// triage triages inc under its lease, records it, posts its summary and
// labels it as asked, and logs one line. It reports false, with no
// error, when it left the incident to another watch.
func (w *watcher) triage(ctx context.Context, inc triage.Incident) (bool, error) {
	start := time.Now()
	ws := w.e.Workspace
	attrs := []slog.Attr{slog.String("workspace", ws.Name()), slog.Int("incident", inc.Number)}
	if inc.Number == 0 {
		attrs[1] = slog.String("incident", inc.Name)
	}
	fail := func(err error) (bool, error) {
		attrs = append(attrs, slog.Duration("duration", time.Since(start)))
		if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
			// Told to stop, not a failure: what was sent stands (posted=true),
			// the rest is left for the next watch.
			w.log.LogAttrs(ctx, slog.LevelWarn, "stopped", attrs...)
			return false, err
		}
		attrs = append(attrs, slog.String("error", err.Error()))
		w.log.LogAttrs(ctx, slog.LevelError, "triage failed", attrs...)
		return false, err
	}
	// The lease is renewed while the triage runs, however long it takes.
	held, err := w.st.Hold(ctx, ws.Name(), inc.Name, w.holder, w.ttl)
	if err != nil {
		return fail(err)
	}
	if held == nil {
		w.log.LogAttrs(ctx, slog.LevelInfo, "left to another watch", attrs...)
		return false, nil
	}
	defer held.Release(context.WithoutCancel(ctx))
	// lost: the lease went to another watch (this one could not renew it
	// in time), which may be triaging the incident: this triage is not
	// recorded. Once recorded it is posted: the other watch, finding the
	// record current, leaves the incident.
	lost := func() bool {
		if !held.Lost() {
			return false
		}
		w.log.LogAttrs(ctx, slog.LevelWarn, "lease lost to another watch; the triage is dropped", attrs...)
		return true
	}
	// Another watch may have triaged it between the listing and the lease.
	if recs, err := w.st.Latest(ctx, ws.Name(), inc.Name); err != nil {
		return fail(err)
	} else if rec, ok := recs[inc.Name]; ok && rec.Current(inc) {
		w.log.LogAttrs(ctx, slog.LevelInfo, "triaged by another watch", attrs...)
		return true, nil
	}

	opts := pipeline.Options{Sources: w.e.Sources, Now: w.s.Now, Priority: w.e.cfg.Priority}
	r, err := pipeline.Run(ctx, opts, inc.Name)
	if err != nil {
		return fail(err)
	}
	if err := ctx.Err(); err != nil {
		return fail(err) // a triage cut short is neither recorded nor posted
	}
	if lost() {
		return false, nil
	}
	// With writes to make, the record is current only once they are made
	// (SetIncidentModified below): one that fails, or that a stop leaves
	// unmade, leaves the incident to be triaged again, not without them.
	add := w.st.Add
	if w.o.post || w.o.label != "" {
		add = w.st.AddPending
	}
	rec, err := add(ctx, *r)
	if err != nil {
		return fail(err)
	}
	attrs = append(attrs, slog.String("verdict", string(r.TI.Severity)))
	if r.Priority != nil {
		attrs = append(attrs, slog.Int("priority", r.Priority.Score))
	}
	if r.Partial() {
		attrs = append(attrs, slog.Bool("partial", true))
	}
	wrote := false
	if w.o.post {
		// Started only while the watch runs; once started it finishes,
		// so that a stop never leaves a comment half sent.
		if err := ctx.Err(); err != nil {
			return fail(err)
		}
		wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), writeTimeout)
		err := postSummary(wctx, w.quiet, w.e, r, false)
		cancel()
		if err != nil {
			return fail(err)
		}
		wrote = true
		attrs = append(attrs, slog.Bool("posted", true))
	}
	if w.o.label != "" {
		if err := ctx.Err(); err != nil {
			return fail(err)
		}
		added, err := w.addLabel(ctx, inc.Name, attrs)
		if err != nil {
			return fail(err)
		}
		wrote = wrote || added
		attrs = append(attrs, slog.Bool("labelled", added))
	}
	// The record is of the incident as the triage's own writes left it, or
	// the next pass would find it stale; and its alert count is the
	// incident's, which Record.Current compares (the report's alerts may
	// count an alert twice). An alert added meanwhile leaves the record
	// as the triage saw it.
	after := r.Incident
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), writeTimeout)
	defer cancel()
	if wrote {
		cur, err := ws.Incident(wctx, inc.Name)
		if err != nil {
			return fail(err)
		}
		if cur.AlertCount == after.AlertCount {
			after = cur
		}
	}
	if err := w.st.SetIncidentModified(wctx, rec.ID, after.LastModified, after.AlertCount); err != nil {
		return fail(err)
	}
	attrs = append(attrs, slog.Duration("duration", time.Since(start)))
	w.log.LogAttrs(ctx, slog.LevelInfo, "triaged", attrs...)
	return true, nil
}

// addLabel adds the watch's label to incident name unless it has it,
// reading it afresh (the summary comment may have changed its ETag) and
// trying once more when somebody changed it in between (the ETag check
// refused the write), which it logs with attrs: what they changed is
// kept, never overwritten. It reports whether it wrote.
func (w *watcher) addLabel(ctx context.Context, name string, attrs []slog.Attr) (bool, error) {
	wr, err := writerOf(w.quiet, w.e)
	if err != nil {
		return false, err
	}
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), writeTimeout)
	defer cancel()
	for try := 0; ; try++ {
		cur, err := w.e.Workspace.Incident(wctx, name)
		if err != nil {
			return false, err
		}
		labels, _ := editLabels(cur.Labels, []string{w.o.label}, nil)
		if slices.Equal(labels, cur.Labels) {
			return false, nil
		}
		_, err = wr.Update(wctx, cur, workspace.Change{Labels: &labels})
		var ce *workspace.ConflictError
		if errors.As(err, &ce) && try == 0 {
			w.log.LogAttrs(ctx, slog.LevelWarn, "changed by someone else while labelling; labelling it as it now stands", attrs...)
			continue
		}
		if err != nil {
			return false, fmt.Errorf("label the incident: %w", err)
		}
		return true, nil
	}
}

// loop runs a pass every interval until ctx ends, and returns nil then.
// After a failed pass (some workspace failed) it waits longer, doubling up
// to maxBackoff, or as long as the service asked when it throttled.
func (m *watchSet) loop(ctx context.Context) error {
	failures := 0
	for {
		res, err := m.pass(ctx)
		if ctx.Err() != nil {
			return nil
		}
		wait := m.o.interval
		if err != nil {
			failures++
			wait = backoff(m.o.interval, failures, err)
			m.log.LogAttrs(ctx, slog.LevelWarn, "backing off",
				slog.Int("triaged", res.Triaged), slog.Int("failed", res.Failed),
				slog.Duration("next", wait))
		} else {
			failures = 0
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
	}
}

// backoff is the wait before the next pass after the failures-th failed
// pass in a row: the interval doubled for each, up to maxBackoff, and at
// least what a throttling service asked for.
func backoff(interval time.Duration, failures int, err error) time.Duration {
	d := interval
	for i := 1; i < failures && d < maxBackoff; i++ {
		d *= 2
	}
	d = min(d, max(maxBackoff, interval))
	var te *workspace.ThrottledError
	if errors.As(err, &te) && te.Wait > d {
		d = te.Wait
	}
	return d
}
