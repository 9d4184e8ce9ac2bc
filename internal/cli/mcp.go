package cli

import (
	"bytes"
	"cmp"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/spf13/cobra"

	"github.com/triage-dev/triage/internal/buildinfo"
	"github.com/triage-dev/triage/internal/config"
	"github.com/triage-dev/triage/internal/intel"
	"github.com/triage-dev/triage/internal/mcpserver"
	"github.com/triage-dev/triage/internal/pipeline"
	"github.com/triage-dev/triage/internal/report"
	"github.com/triage-dev/triage/internal/report/render"
	"github.com/triage-dev/triage/internal/timespan"
	"github.com/triage-dev/triage/internal/triage"
	"github.com/triage-dev/triage/internal/workspace"
)

type mcpOptions struct {
	allowWrites     bool
	listen          string
	tlsCert, tlsKey string
	logFile         string
	maxOutput       int
}

func newMCPCmd(s *IO, g *globalOptions) *cobra.Command {
	o := &mcpOptions{maxOutput: mcpserver.DefaultMaxOutput}
	cmd := &cobra.Command{
		Use:   "mcp",
		Short: "Serve triage's tools to AI agents (Model Context Protocol)",
		Long: `Serve triage to AI agents as a Model Context Protocol server: the tools
list_incidents, triage_incident, summarize_entity, lookup_indicators,
related_alerts, providers and run_named_query, each returning the JSON of
the matching command's --json, and every recorded triage report as the
resource triage://WORKSPACE/incidents/N/report. It serves the workspaces
serve offers (those configured and those import made in the data dir):
each tool takes one by name, by default the one --workspace names, which is
opened when the server starts; the others are opened on first use, and each
is kept open. Providers, cache, quotas and OPSEC rules are the CLI's
(--config, the intel flags).

The server speaks over stdin and stdout (the default: an MCP client starts
it as a command), or over Streamable HTTP with --listen ADDR (loopback by
default; any other address asks every request for a token, as triage serve
does: the one in TRIAGE_SERVE_TOKEN or a new one printed on stderr, sent as
"Authorization: Bearer TOKEN"; --tls-cert and --tls-key serve HTTPS).

The write tools comment_incident and update_incident exist only with
--allow-writes, and even then write in two calls: the first returns the
exact change and a confirmation token (good once, for these arguments, for
5 minutes), and only a second call with that token writes; update's etag
rule holds (if the incident changed in between, nothing is written).

Every tool call is logged on stderr, or in --log FILE: the tool, its
arguments, the outcome and the time taken. Each output is cut to
--max-output bytes of JSON, cutting its longest lists and saying so in
"truncated".`,
		Example: `  triage mcp
  triage mcp -w sentinel-prod --allow-writes
  triage mcp --listen 127.0.0.1:8808 --log mcp.log`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return mcpRun(cmd.Context(), s, g, o, cmd.InOrStdin())
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&o.allowWrites, "allow-writes", false, "offer the write tools comment_incident and update_incident (each write still takes a confirmation)")
	fl.StringVar(&o.listen, "listen", "", "serve Streamable HTTP on this address (host:port) instead of stdio")
	fl.StringVar(&o.tlsCert, "tls-cert", "", "with --listen: serve HTTPS with this certificate (PEM file)")
	fl.StringVar(&o.tlsKey, "tls-key", "", "the private key of --tls-cert (PEM file)")
	fl.StringVar(&o.logFile, "log", "", "log every tool call to this file (appended) instead of stderr")
	fl.IntVar(&o.maxOutput, "max-output", o.maxOutput, "cut each tool's output to this many bytes of JSON (0: no limit)")
	intelFlags(cmd, g)
	waitFlag(cmd, g)
	return cmd
}

func mcpRun(ctx context.Context, s *IO, g *globalOptions, o *mcpOptions, stdin io.Reader) error {
	if o.maxOutput < 0 {
		return &FlagError{fmt.Errorf("--max-output must be 0 (no limit) or more, got %d", o.maxOutput)}
	}
	if o.listen != "" {
		if _, _, err := net.SplitHostPort(o.listen); err != nil {
			return &FlagError{fmt.Errorf("--listen %q: want host:port, e.g. 127.0.0.1:8808", o.listen)}
		}
	} else if o.tlsCert != "" || o.tlsKey != "" {
		return &FlagError{errors.New("--tls-cert and --tls-key go with --listen")}
	}
	tlsConf, err := serveTLS(o.tlsCert, o.tlsKey)
	if err != nil {
		return err
	}
	logw := s.Err
	if o.logFile != "" {
		f, err := os.OpenFile(o.logFile, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
		if err != nil {
			return &FlagError{fmt.Errorf("--log: %w", pathErrOf(o.logFile, err))}
		}
		defer f.Close()
		logw = f
	}
	// The protocol owns stdout on stdio: what the commands' functions
	// would print there goes to stderr.
	bs := *s
	bs.Out, bs.OutTTY, bs.ErrTTY = s.Err, false, false
	cfg, err := config.Load(s.ConfigOptions(g.config))
	if err != nil {
		return &ConfigError{err}
	}
	def, err := cfg.Workspace(g.workspace)
	if err != nil {
		return &ConfigError{err}
	}
	cat, err := workspace.LoadCatalog(g.queries)
	if err != nil {
		return &ConfigError{fmt.Errorf("query catalog: %w", err)}
	}
	// Every workspace serve would offer, each opened on first use and
	// kept open; the default one now, so that what stops it from opening
	// stops the server from starting.
	envs := &serveEnvs{s: &bs, g: g, open: map[string]*env{}, readOnly: !o.allowWrites}
	defer envs.Close()
	b := &mcpBackend{s: &bs, cfg: cfg, envs: envs, names: servedWorkspaces(&bs, cfg, def.Name), cat: cat,
		allowWrites: o.allowWrites, writers: map[string]workspace.Writer{}}
	if _, err := b.env(ctx, def.Name); err != nil {
		return err
	}
	if o.allowWrites {
		// At the start: a default workspace that cannot write is told now,
		// not at the agent's first write.
		if _, _, err := b.writer(ctx, def.Name); err != nil {
			return &FlagError{fmt.Errorf("--allow-writes: %w", err)}
		}
	}
	srv := mcpserver.New(mcpserver.Options{
		Backend: b, AllowWrites: o.allowWrites, MaxOutput: cmp.Or(o.maxOutput, -1), // the flag's 0 is no limit
		Log: slog.New(slog.NewTextHandler(logw, nil)), Now: s.Now, Version: buildinfo.String(),
	})
	if o.listen == "" {
		err := srv.Run(ctx, mcpserver.Stdio(stdin, s.Out))
		if ctx.Err() != nil || errors.Is(err, mcp.ErrConnectionClosed) || errors.Is(err, io.EOF) {
			return nil // the client went away, or a signal: a normal end
		}
		return err
	}
	return mcpServeHTTP(ctx, s, g, o, srv, tlsConf)
}

// pathErrOf is err without the path an *fs.PathError repeats, with path as
// given in front.
func pathErrOf(path string, err error) error { return fmt.Errorf("%s: %w", path, pathErr(err)) }

// mcpServeHTTP serves srv over Streamable HTTP on o.listen, with serve's
// token rule off loopback, until ctx ends.
func mcpServeHTTP(ctx context.Context, s *IO, g *globalOptions, o *mcpOptions, srv *mcp.Server, tc *tls.Config) error {
	ln, err := net.Listen("tcp", o.listen)
	if err != nil {
		return fmt.Errorf("mcp: %w", err)
	}
	addr := ln.Addr().(*net.TCPAddr)
	token, generated, err := serveToken(s.ConfigOptions(g.config).Getenv, addr.IP.IsLoopback())
	if err != nil {
		ln.Close()
		return &ConfigError{err}
	}
	if !addr.IP.IsLoopback() {
		fmt.Fprintf(s.Err, "triage: warning: listening on %s, not a loopback address: other machines can reach these tools, their workspace and credentials, with the token\n", addr)
		if tc == nil {
			fmt.Fprintln(s.Err, "triage: warning: without --tls-cert and --tls-key, the token and the answers cross the network in clear")
		}
	}
	hs := &http.Server{Handler: mcpserver.Handler(srv, token), ReadHeaderTimeout: 10 * time.Second, TLSConfig: tc}
	done := make(chan error, 1)
	go func() {
		if tc != nil {
			done <- hs.ServeTLS(ln, "", "")
			return
		}
		done <- hs.Serve(ln)
	}()
	u := browserURL(addr, tc != nil)
	switch {
	case generated:
		// Printed here only, once: the client's configuration takes it.
		fmt.Fprintf(s.Err, "triage: mcp serving %s (send Authorization: Bearer %s)\n", u, token)
	case token != "":
		fmt.Fprintf(s.Err, "triage: mcp serving %s (send Authorization: Bearer and the token in %s)\n", u, serveTokenEnv)
	default:
		fmt.Fprintf(s.Err, "triage: mcp serving %s\n", u)
	}
	select {
	case err = <-done:
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		err = hs.Shutdown(sctx)
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// mcpBackend is mcpserver.Backend over the CLI's own functions, on the
// workspaces serve offers, each opened once for the life of the server.
type mcpBackend struct {
	s           *IO
	cfg         *config.Config
	envs        *serveEnvs
	names       []string // the workspaces served, the default first
	cat         *workspace.Catalog
	allowWrites bool

	mu      sync.Mutex
	writers map[string]workspace.Writer // by workspace, with --allow-writes only
}

func (b *mcpBackend) Workspaces() []string { return b.names }

// env is the workspace a call names (none: the default), opened.
func (b *mcpBackend) env(ctx context.Context, name string) (*env, error) {
	name = cmp.Or(name, b.names[0])
	if !slices.Contains(b.names, name) {
		return nil, &FlagError{fmt.Errorf("workspace %q is not served here: want one of %s", clean(name, 80), strings.Join(b.names, ", "))}
	}
	return b.envs.get(ctx, name)
}

// writer is the writer of workspace name, with its env; made once per
// workspace (its clock set before tools use it concurrently).
func (b *mcpBackend) writer(ctx context.Context, name string) (workspace.Writer, *env, error) {
	e, err := b.env(ctx, name)
	if err != nil {
		return nil, nil, err
	}
	if !b.allowWrites {
		return nil, e, errNoWrites
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	w, ok := b.writers[e.wsName]
	if !ok {
		if w, err = writerOf(b.s, e); err != nil {
			return nil, e, err
		}
		b.writers[e.wsName] = w
	}
	return w, e, nil
}

// window is the window a tool's arguments give, ending at workspace e's
// now, with def as the length when none is given.
func (b *mcpBackend) window(e *env, w mcpserver.Window, def time.Duration) (time.Time, time.Time, error) {
	since := def
	if w.Since != "" {
		d, err := timespan.Parse(w.Since)
		if err != nil {
			return time.Time{}, time.Time{}, &FlagError{fmt.Errorf("since: %w", err)}
		}
		since = d
	}
	return window(e.now(b.s), since, w.Start, w.End)
}

func (b *mcpBackend) ListIncidents(ctx context.Context, a mcpserver.ListIncidentsArgs) (mcpserver.IncidentList, error) {
	o := &incidentsOptions{since: 48 * time.Hour, start: a.Start, end: a.End,
		severities: a.Severity, statuses: a.Status, owner: a.Owner, title: a.Title}
	if a.Since != "" {
		if err := (durationValue{&o.since}).Set(a.Since); err != nil {
			return mcpserver.IncidentList{}, &FlagError{fmt.Errorf("since: %w", err)}
		}
	}
	e, err := b.env(ctx, a.Workspace)
	if err != nil {
		return mcpserver.IncidentList{}, err
	}
	// The window resolved once, here, is the one listed and the one said.
	f, err := o.filter(e.now(b.s))
	if err != nil {
		return mcpserver.IncidentList{}, err
	}
	o.start, o.end = f.Start.Format(time.RFC3339Nano), f.End.Format(time.RFC3339Nano)
	incs, err := o.list(ctx, b.s, e)
	if incs == nil {
		incs = []triage.Incident{}
	}
	return mcpserver.IncidentList{Incidents: incs, Window: report.Window{Start: f.Start, End: f.End}}, err
}

func (b *mcpBackend) Triage(ctx context.Context, a mcpserver.TriageArgs, progress func(report.Section)) (*report.Report, error) {
	e, err := b.env(ctx, a.Workspace)
	if err != nil {
		return nil, err
	}
	start, err := parseTimeFlag("start", a.Start)
	if err != nil {
		return nil, err
	}
	end, err := parseTimeFlag("end", a.End)
	if err != nil {
		return nil, err
	}
	opts := triageOptions(b.s, e, start, end)
	if opts.Wait, err = waitOf(a.Wait); err != nil {
		return nil, err
	}
	if progress != nil {
		opts.Progress = func(sec report.Section, _ *report.Report) { progress(sec) }
	}
	r, err := pipeline.Run(ctx, opts, a.Incident)
	if err != nil {
		return nil, err
	}
	recordTriage(ctx, b.s, e.cfg, r, false)
	return r, nil
}

func (b *mcpBackend) Summarize(ctx context.Context, a mcpserver.SummarizeArgs) (json.RawMessage, error) {
	ent, err := entityOf(a.Kind, a.Value)
	if err != nil {
		return nil, &FlagError{err}
	}
	e, err := b.env(ctx, a.Workspace)
	if err != nil {
		return nil, err
	}
	start, end, err := b.window(e, a.Window, 7*24*time.Hour)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	buf.WriteString(`{"summaries":`)
	if err := render.Summaries(&buf, summarizeEntity(ctx, e, ent, start, end), render.JSON); err != nil {
		return nil, err
	}
	buf.WriteString("}")
	return buf.Bytes(), nil
}

func (b *mcpBackend) Lookup(ctx context.Context, a mcpserver.LookupArgs) (any, error) {
	o := &lookupOptions{hits: a.Hits}
	var stdin io.Reader
	if a.Text != "" {
		o.file, stdin = "-", strings.NewReader(a.Text)
	}
	inds, err := o.indicators(stdin, a.Values)
	if err != nil {
		return nil, err
	}
	e, err := b.env(ctx, a.Workspace)
	if err != nil {
		return nil, err
	}
	wait, err := waitOf(a.Wait)
	if err != nil {
		return nil, err
	}
	inds = pipeline.Order(inds)
	return lookupAnswerOf(inds, e.Intel.LookupWithin(ctx, inds, cmp.Or(wait, e.Intel.MaxWait)), o.hits), nil
}

// waitOf is a tool's "wait", read as --wait is: intel.NoWait for 0, and
// 0, the engine's own budget, when none is given.
func waitOf(s string) (time.Duration, error) {
	if s == "" {
		return 0, nil
	}
	w, err := intel.ParseWait(s)
	if err != nil {
		return 0, &FlagError{fmt.Errorf("wait: %w", err)}
	}
	if w == 0 {
		w = intel.NoWait // 0 here means "never wait", as --wait 0
	}
	return w, nil
}

// relatedAnswer is related_alerts' output.
type relatedAnswer struct {
	Entity string `json:"entity"` // the entity's identity key
	// Searched is the span of alert times searched: the window, from
	// pipeline.RelatedLookback before its start as a triage searches.
	Searched report.Window    `json:"searched"`
	Related  []report.Related `json:"related"`
	Problems []triage.Problem `json:"problems"`
}

func (b *mcpBackend) RelatedAlerts(ctx context.Context, a mcpserver.RelatedArgs) (any, error) {
	ent, err := entityOf(a.Kind, a.Value)
	if err != nil {
		return nil, &FlagError{err}
	}
	e, err := b.env(ctx, a.Workspace)
	if err != nil {
		return nil, err
	}
	start, end, err := b.window(e, a.Window, 7*24*time.Hour)
	if err != nil {
		return nil, err
	}
	ans := relatedAnswer{Entity: ent.Key, Searched: report.Window{Start: start.Add(-pipeline.RelatedLookback), End: end},
		Related: []report.Related{}, Problems: []triage.Problem{}}
	rel, err := pipeline.Related(ctx, e.Workspace, report.Window{Start: start, End: end}, nil, []triage.Entity{ent},
		func(p triage.Problem) { ans.Problems = append(ans.Problems, p) })
	var pe *pipeline.PartialError
	if err != nil && !errors.As(err, &pe) {
		return nil, err
	}
	if rel != nil {
		ans.Related = rel
	}
	return ans, nil
}

// providersAnswer is providers' output, the rows of providers --json.
type providersAnswer struct {
	Providers []providerRow `json:"providers"`
}

func (b *mcpBackend) Providers(ctx context.Context, a mcpserver.ProvidersArgs) (any, error) {
	e, err := b.env(ctx, a.Workspace)
	if err != nil {
		return nil, err
	}
	rows, err := providerRows(ctx, e, b.s.Now())
	if rows == nil {
		rows = []providerRow{}
	}
	return providersAnswer{rows}, err
}

func (b *mcpBackend) Queries() []mcpserver.QueryInfo {
	var qs []mcpserver.QueryInfo
	for _, n := range b.cat.Names() {
		q, err := b.cat.Get(n)
		if err != nil {
			continue
		}
		info := mcpserver.QueryInfo{Name: q.Name, Description: q.Description, Params: []mcpserver.ParamInfo{}}
		for _, p := range q.Params {
			info.Params = append(info.Params, mcpserver.ParamInfo{Name: p.Name, Type: string(p.Type), Description: p.Description, Required: p.Default == nil})
		}
		qs = append(qs, info)
	}
	return qs
}

// RunQuery types the parameters JSON cannot carry (datetimes, timespans)
// by the query's declaration, and leaves every other check to the
// catalog: unknown and missing parameters, wrong types.
func (b *mcpBackend) RunQuery(ctx context.Context, a mcpserver.RunQueryArgs) (any, error) {
	q, err := b.cat.Get(a.Name)
	if err != nil {
		return nil, &FlagError{fmt.Errorf("%w (the queries: %s)", err, strings.Join(b.cat.Names(), ", "))}
	}
	p := workspace.Params{}
	for name, v := range a.Params {
		prm, ok := q.Param(name)
		str, isStr := v.(string)
		switch {
		case ok && isStr && prm.Type == workspace.TypeDatetime:
			t, err := parseTime(str)
			if err != nil {
				return nil, &FlagError{fmt.Errorf("query %q: param %q: %w", q.Name, name, err)}
			}
			v = t
		case ok && isStr && prm.Type == workspace.TypeTimespan:
			d, err := timespan.Parse(str)
			if err != nil {
				return nil, &FlagError{fmt.Errorf("query %q: param %q: %w", q.Name, name, err)}
			}
			v = d
		}
		p[name] = v
	}
	e, err := b.env(ctx, a.Workspace)
	if err != nil {
		return nil, err
	}
	t, err := e.Workspace.Run(ctx, q.Name, p)
	if err != nil {
		return nil, err
	}
	if t.Rows == nil {
		t.Rows = [][]any{}
	}
	return queryAnswer{q.Name, t}, nil
}

// queryAnswer is run_named_query's output: the query's name and its table.
type queryAnswer struct {
	Query string `json:"query"`
	workspace.Table
}

// summariesAnswer is the shape of summarize_entity's output, which
// render.Summaries writes.
type summariesAnswer struct {
	Summaries []report.Summary `json:"summaries"`
}

// Outputs are the schemas of the answers above.
func (b *mcpBackend) Outputs() mcpserver.Outputs {
	return mcpserver.Outputs{
		Summarize:     mcpserver.OutputSchema[summariesAnswer](),
		Lookup:        mcpserver.OutputSchema[lookupAnswer](),
		RelatedAlerts: mcpserver.OutputSchema[relatedAnswer](),
		Providers:     mcpserver.OutputSchema[providersAnswer](),
		RunQuery:      mcpserver.OutputSchema[queryAnswer](),
	}
}

// errNoWrites is a write asked of a server started without --allow-writes
// (mcpserver does not register the write tools then: a defence in depth).
var errNoWrites = errors.New("this server was started without --allow-writes: it changes no incident")

// commentPlan is what comment_incident's first call shows.
type commentPlan struct {
	Incident string `json:"incident"`
	Name     string `json:"name"`
	Comment  string `json:"comment"`
}

func (b *mcpBackend) PlanComment(ctx context.Context, a mcpserver.CommentArgs) (mcpserver.Plan, error) {
	msg, err := (&commentOptions{message: a.Text}).read(nil)
	if err != nil {
		return mcpserver.Plan{}, err
	}
	_, e, err := b.writer(ctx, a.Workspace)
	if err != nil {
		return mcpserver.Plan{}, err
	}
	inc, err := e.Workspace.Incident(ctx, a.Incident)
	if err != nil {
		return mcpserver.Plan{}, err
	}
	return mcpserver.Plan{Change: commentPlan{incidentRef(inc), inc.Name, msg}, Version: inc.ETag}, nil
}

func (b *mcpBackend) ApplyComment(ctx context.Context, a mcpserver.CommentArgs, _ string) (any, error) {
	msg, err := (&commentOptions{message: a.Text}).read(nil)
	if err != nil {
		return nil, err
	}
	w, e, err := b.writer(ctx, a.Workspace)
	if err != nil {
		return nil, err
	}
	inc, err := e.Workspace.Incident(ctx, a.Incident)
	if err != nil {
		return nil, err
	}
	c, err := w.PostComment(ctx, inc, "", msg)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(b.s.Err, "triage: added comment %s to incident %s\n", c.ID, incidentRef(inc))
	return struct {
		Incident string `json:"incident"`
		Comment  string `json:"comment_id"`
	}{incidentRef(inc), c.ID}, nil
}

// updateOptionsOf are the update command's options for an update_incident
// call, so that its values are read by the same parsers.
func updateOptionsOf(a mcpserver.UpdateArgs) *updateOptions {
	o := &updateOptions{status: a.Status, severity: a.Severity, labels: a.AddLabels, removeLabels: a.RemoveLabels}
	if a.Owner != nil {
		o.owner, o.setOwner = *a.Owner, true
	}
	if a.Classification != nil {
		o.classification, o.setClass = *a.Classification, true
	}
	if a.ClassificationReason != nil {
		o.reason, o.setReason = *a.ClassificationReason, true
	}
	if a.ClassificationComment != nil {
		o.comment, o.setComment = *a.ClassificationComment, true
	}
	return o
}

// planUpdateOf is update's plan of a on the incident as it is now; an
// error when it changes nothing.
func (b *mcpBackend) planUpdateOf(ctx context.Context, a mcpserver.UpdateArgs) (workspace.Writer, triage.Incident, workspace.Change, error) {
	o := updateOptionsOf(a)
	fixed, err := o.fixedChange()
	if err != nil {
		return nil, triage.Incident{}, fixed, err
	}
	w, e, err := b.writer(ctx, a.Workspace)
	if err != nil {
		return nil, triage.Incident{}, fixed, err
	}
	inc, ch, err := planUpdate(ctx, b.s, e, o, fixed, a.Incident)
	if err != nil {
		return nil, inc, ch, err
	}
	if len(workspace.Diff(inc, ch.Apply(inc))) == 0 {
		return nil, inc, ch, fmt.Errorf("incident %s already has these values; nothing to change", incidentRef(inc))
	}
	return w, inc, ch, nil
}

func (b *mcpBackend) PlanUpdate(ctx context.Context, a mcpserver.UpdateArgs) (mcpserver.Plan, error) {
	_, inc, ch, err := b.planUpdateOf(ctx, a)
	if err != nil {
		return mcpserver.Plan{}, err
	}
	return mcpserver.Plan{Change: dryRunOf(inc, ch), Version: inc.ETag}, nil
}

// ApplyUpdate sends the change only to the incident as it was shown:
// read again, it must still be at version, and the write is etag-checked
// as update's.
func (b *mcpBackend) ApplyUpdate(ctx context.Context, a mcpserver.UpdateArgs, version string) (any, error) {
	w, inc, ch, err := b.planUpdateOf(ctx, a)
	if err != nil {
		return nil, err
	}
	if inc.ETag != version {
		return nil, fmt.Errorf("incident %s changed since the change was shown; nothing was written. Call update_incident again without confirmation_token to see the change against the incident as it is now", incidentRef(inc))
	}
	updated, err := w.Update(ctx, inc, ch)
	var ce *workspace.ConflictError
	if errors.As(err, &ce) {
		return nil, fmt.Errorf("incident %s changed since it was read; nothing was written. What changed: %s. Call update_incident again without confirmation_token to see the change against the incident as it is now",
			incidentRef(inc), strings.Join(ce.Changed, "; "))
	}
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(b.s.Err, "triage: updated incident %s\n", incidentRef(inc))
	changed := workspace.Diff(inc, updated)
	if changed == nil {
		changed = []string{}
	}
	return struct {
		Incident string   `json:"incident"`
		Changed  []string `json:"changed"`
		After    any      `json:"after"`
	}{incidentRef(inc), changed, fieldsOf(updated)}, nil
}

// Reports are the latest records of the history, which every workspace
// served shares, of each workspace served: the default's first, newest
// incident first.
func (b *mcpBackend) Reports(ctx context.Context) ([]mcpserver.RecordedReport, error) {
	st, err := openHistory(ctx, b.s, b.cfg)
	if errors.Is(err, errNoDataDir) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer st.Close()
	var out []mcpserver.RecordedReport
	for _, ws := range b.names {
		latest, err := st.Latest(ctx, ws)
		if err != nil {
			return nil, err
		}
		var recs []mcpserver.RecordedReport
		for _, rec := range latest {
			recs = append(recs, mcpserver.RecordedReport{Workspace: ws, Incident: rec.Incident, At: rec.At.UTC().Format(time.RFC3339), Verdict: string(rec.Verdict)})
		}
		slices.SortFunc(recs, func(x, y mcpserver.RecordedReport) int { return y.Incident - x.Incident })
		out = append(out, recs...)
	}
	return out, nil
}

func (b *mcpBackend) Report(ctx context.Context, ws string, incident int) (json.RawMessage, error) {
	st, err := openHistory(ctx, b.s, b.cfg)
	if errors.Is(err, errNoDataDir) {
		return nil, mcpserver.ErrNoReport
	}
	if err != nil {
		return nil, err
	}
	defer st.Close()
	ref := strconv.Itoa(incident)
	latest, err := st.Latest(ctx, ws, ref)
	if err != nil {
		return nil, err
	}
	rec, ok := latest[ref]
	if !ok {
		return nil, fmt.Errorf("incident %d: %w", incident, mcpserver.ErrNoReport)
	}
	r, err := st.Report(ctx, rec.ID)
	if err != nil {
		return nil, err
	}
	return json.Marshal(r)
}
