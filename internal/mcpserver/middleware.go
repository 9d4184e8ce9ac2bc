package mcpserver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// maxLoggedArgs bounds the arguments a log line quotes (a comment may be
// long).
const maxLoggedArgs = 2048

// logCalls logs every tool call once it is answered: the tool, its
// arguments (the confirmation token left out: it is a write's key),
// the outcome and the error's message, the output's size and the time
// taken.
func (s *server) logCalls(next mcp.MethodHandler) mcp.MethodHandler {
	return func(ctx context.Context, method string, req mcp.Request) (mcp.Result, error) {
		p, ok := req.GetParams().(*mcp.CallToolParamsRaw)
		if method != "tools/call" || !ok {
			return next(ctx, method, req)
		}
		start := time.Now()
		res, err := next(ctx, method, req)
		attrs := []any{"tool", p.Name, "args", loggedArgs(p.Arguments), "duration", time.Since(start).Round(time.Millisecond)}
		ctr, _ := res.(*mcp.CallToolResult)
		switch {
		case err != nil:
			s.log.Warn("tool call failed", append(attrs, "outcome", "protocol error", "error", err.Error())...)
		case ctr != nil && ctr.IsError:
			s.log.Info("tool call", append(attrs, "outcome", "error", "error", resultText(ctr))...)
		default:
			n := 0
			if ctr != nil {
				n = len(resultText(ctr))
			}
			s.log.Info("tool call", append(attrs, "outcome", "ok", "bytes", n)...)
		}
		return res, err
	}
}

func loggedArgs(raw json.RawMessage) string {
	var m map[string]any
	if json.Unmarshal(raw, &m) == nil {
		if _, ok := m["confirmation_token"]; ok {
			m["confirmation_token"] = "(given)"
		}
		raw, _ = json.Marshal(m)
	}
	s := string(raw)
	if len(s) > maxLoggedArgs {
		s = s[:maxLoggedArgs] + fmt.Sprintf("… (%d bytes)", len(raw))
	}
	return s
}

func resultText(r *mcp.CallToolResult) string {
	var sb strings.Builder
	for _, c := range r.Content {
		if t, ok := c.(*mcp.TextContent); ok {
			sb.WriteString(t.Text)
		}
	}
	return sb.String()
}

// refuseWrites answers a call of a write tool, when writes are not
// allowed, with a tool error that says why, rather than the protocol's
// "unknown tool": an agent that read of the tool elsewhere learns it is
// off, not missing.
func (s *server) refuseWrites(next mcp.MethodHandler) mcp.MethodHandler {
	return func(ctx context.Context, method string, req mcp.Request) (mcp.Result, error) {
		if p, ok := req.GetParams().(*mcp.CallToolParamsRaw); ok && method == "tools/call" && !s.o.AllowWrites &&
			(p.Name == ToolComment || p.Name == ToolUpdate) {
			return &mcp.CallToolResult{IsError: true, Content: []mcp.Content{&mcp.TextContent{Text: p.Name +
				" is off: this server was started without --allow-writes, so it changes no incident. Nothing was written. The analyst can restart it with triage mcp --allow-writes."}}}, nil
		}
		return next(ctx, method, req)
	}
}

// The recorded reports' resources.
const (
	reportTemplate = "triage://{workspace}/incidents/{number}/report"
	reportMIME     = "application/json"
)

func reportURI(workspace string, n int) string {
	return "triage://" + url.PathEscape(workspace) + "/incidents/" + strconv.Itoa(n) + "/report"
}

func (s *server) addResources(srv *mcp.Server) {
	srv.AddResourceTemplate(&mcp.ResourceTemplate{
		Name:        "incident-report",
		Title:       "Recorded triage report",
		URITemplate: reportTemplate,
		MIMEType:    reportMIME,
		Description: `The latest recorded triage report of incident N in WORKSPACE, the JSON triage_incident returns, read from the triage history without recomputing it. Only incidents already triaged (by triage_incident, triage run, the web UI or triage watch) have one; resources/list lists them.`,
	}, s.readReport)
}

// readReport answers a read of a report's resource.
func (s *server) readReport(ctx context.Context, req *mcp.ReadResourceRequest) (*mcp.ReadResourceResult, error) {
	uri := req.Params.URI
	ws, n, ok := s.parseReportURI(uri)
	if !ok {
		return nil, mcp.ResourceNotFoundError(uri)
	}
	b, err := s.o.Backend.Report(ctx, ws, n)
	if errors.Is(err, ErrNoReport) {
		return nil, mcp.ResourceNotFoundError(uri)
	}
	if err != nil {
		return nil, err
	}
	out, err := s.encode(b)
	if err != nil {
		return nil, err
	}
	return &mcp.ReadResourceResult{Contents: []*mcp.ResourceContents{{URI: uri, MIMEType: reportMIME, Text: string(out)}}}, nil
}

// parseReportURI reads the workspace, one this server serves, and the
// incident number of a report's URI.
func (s *server) parseReportURI(uri string) (string, int, bool) {
	rest, ok := strings.CutPrefix(uri, "triage://")
	if !ok {
		return "", 0, false
	}
	parts := strings.Split(rest, "/")
	if len(parts) != 4 || parts[1] != "incidents" || parts[3] != "report" {
		return "", 0, false
	}
	ws, err := url.PathUnescape(parts[0])
	if err != nil || !slices.Contains(s.o.Backend.Workspaces(), ws) {
		return "", 0, false
	}
	n, err := strconv.Atoi(parts[2])
	if err != nil || n <= 0 {
		return "", 0, false
	}
	return ws, n, true
}

// reportsPage is how many resources a resources/list page gives: a busy
// workspace keeps thousands of reports for the history's retention.
const reportsPage = 200

// listReports answers resources/list with the recorded reports, read from
// the history when asked (the list changes with every triage), a page at a
// time: the cursor names the last report given, and the next page starts
// after it (where it was, if it has since left the history).
func (s *server) listReports(next mcp.MethodHandler) mcp.MethodHandler {
	return func(ctx context.Context, method string, req mcp.Request) (mcp.Result, error) {
		if method != "resources/list" {
			return next(ctx, method, req)
		}
		recs, err := s.o.Backend.Reports(ctx)
		if err != nil {
			return nil, fmt.Errorf("list recorded reports: %w", err)
		}
		start := 0
		if p, ok := req.GetParams().(*mcp.ListResourcesParams); ok && p != nil && p.Cursor != "" {
			if start, err = s.reportsAfter(recs, p.Cursor); err != nil {
				return nil, err
			}
		}
		res := &mcp.ListResourcesResult{Resources: []*mcp.Resource{}}
		end := min(start+reportsPage, len(recs))
		for _, r := range recs[start:end] {
			res.Resources = append(res.Resources, &mcp.Resource{
				// The workspace's name is the analyst's configuration, not data.
				URI: reportURI(r.Workspace, r.Incident), Name: r.Workspace + "-incident-" + strconv.Itoa(r.Incident) + "-report",
				Title:       "Triage report of incident " + strconv.Itoa(r.Incident) + " in " + r.Workspace,
				Description: "Recorded " + r.At + ", verdict " + r.Verdict,
				MIMEType:    reportMIME,
			})
		}
		if end < len(recs) {
			res.NextCursor = res.Resources[len(res.Resources)-1].URI
		}
		return res, nil
	}
}

// reportsAfter is the index in recs (ordered as Backend.Reports orders
// them: by workspace served, then newest incident first) of the first
// report after the one cursor, a report's URI, names.
func (s *server) reportsAfter(recs []RecordedReport, cursor string) (int, error) {
	ws, n, ok := s.parseReportURI(cursor)
	if !ok {
		return 0, &jsonrpc.Error{Code: jsonrpc.CodeInvalidParams, Message: "the cursor is not one resources/list returned: list again without it"}
	}
	order := s.o.Backend.Workspaces()
	wi := slices.Index(order, ws)
	for i, r := range recs {
		ri := slices.Index(order, r.Workspace)
		if ri > wi || ri == wi && r.Incident < n {
			return i, nil
		}
	}
	return len(recs), nil
}
