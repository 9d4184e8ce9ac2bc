package sentinel

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/monitor/query/azlogs"

	"github.com/triage-dev/triage/internal/workspace"
)

// Query runs a named query's kql body through Log Analytics. Parameters are
// bound as a let prelude of KQL literals (never spliced into the body); when
// the query has datetime parameters start and end they are also the request's
// timespan. At most the configured number of queries are in flight; the
// server timeout is the configured one. The result's first table is
// returned with datetimes as time.Time, longs as exact int64 (decoded from
// the response body, not through float64) and dynamic columns decoded. An
// answer marked partial (HTTP 200 with an error) comes back with Warnings.
func (w *Workspace) Query(ctx context.Context, q *workspace.Query, p workspace.Params) (workspace.Table, error) {
	if w.logs == nil {
		return workspace.Table{}, fmt.Errorf("sentinel workspace %s: query %s: no workspace_id configured for log queries", w.cfg.Name, q.Name)
	}
	text, _, err := q.Bind(workspace.KQL, p)
	if err != nil {
		return workspace.Table{}, err
	}
	body := azlogs.QueryBody{Query: &text}
	start, ok1 := p["start"].(time.Time)
	end, ok2 := p["end"].(time.Time)
	if ok1 && ok2 && end.After(start) {
		body.Timespan = ptr(azlogs.NewTimeInterval(start.UTC(), end.UTC()))
	}
	wait := int(math.Ceil(w.timeout.Seconds()))
	opts := &azlogs.QueryWorkspaceOptions{Options: &azlogs.QueryOptions{Wait: &wait}}

	select {
	case w.slots <- struct{}{}:
	case <-ctx.Done():
		return workspace.Table{}, ctx.Err()
	}
	defer func() { <-w.slots }()

	var raw *http.Response
	res, err := w.logs.QueryWorkspace(policy.WithCaptureResponse(ctx, &raw), w.cfg.WorkspaceID, body, opts)
	if table := noTableIn(err); table != "" {
		return workspace.Table{}, fmt.Errorf("sentinel workspace %s: query %s: %w", w.cfg.Name, q.Name, &workspace.NoTableError{Table: table, Err: err})
	}
	if err != nil {
		return workspace.Table{}, w.classify(err, "query "+q.Name)
	}
	payload, err := readPayload(raw)
	if err != nil {
		return workspace.Table{}, fmt.Errorf("sentinel workspace %s: query %s: %w", w.cfg.Name, q.Name, err)
	}
	t, err := decodeResults(payload)
	if err != nil {
		return workspace.Table{}, fmt.Errorf("sentinel workspace %s: query %s: malformed response: %w", w.cfg.Name, q.Name, err)
	}
	if res.Error != nil && len(t.Warnings) == 0 {
		t.Warnings = append(t.Warnings, res.Error.Code)
	}
	return t, nil
}

// readPayload returns the body of a response the SDK has already read.
func readPayload(resp *http.Response) ([]byte, error) {
	if resp == nil {
		return nil, errors.New("no response captured")
	}
	return runtime.Payload(resp)
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

// laResponse is the Log Analytics query response.
type laResponse struct {
	Tables []struct {
		Name    string `json:"name"`
		Columns []struct {
			Name string `json:"name"`
			Type string `json:"type"`
		} `json:"columns"`
		Rows [][]json.RawMessage `json:"rows"`
	} `json:"tables"`
	Error *laError `json:"error"`
}

type laError struct {
	Code    string    `json:"code"`
	Message string    `json:"message"`
	Details []laError `json:"details"`
	Inner   *laError  `json:"innererror"`
}

func (e *laError) text() string {
	s := e.Code
	if e.Message != "" {
		s += ": " + e.Message
	}
	for _, d := range e.Details {
		if d.Message != "" && !strings.Contains(s, d.Message) {
			s += "; " + d.Message
		}
	}
	if e.Inner != nil && e.Inner.Message != "" && !strings.Contains(s, e.Inner.Message) {
		s += "; " + e.Inner.Message
	}
	return s
}

// decodeResults decodes a query response body into the first table.
func decodeResults(payload []byte) (workspace.Table, error) {
	var r laResponse
	if err := json.Unmarshal(payload, &r); err != nil {
		return workspace.Table{}, err
	}
	var t workspace.Table
	if r.Error != nil {
		t.Warnings = append(t.Warnings, r.Error.text())
	}
	if len(r.Tables) == 0 {
		if r.Error != nil {
			return t, nil
		}
		return t, errors.New("no tables")
	}
	tab := r.Tables[0]
	t.Columns = make([]workspace.Column, len(tab.Columns))
	for i, c := range tab.Columns {
		t.Columns[i] = workspace.Column{Name: c.Name, Type: strings.ToLower(c.Type)}
	}
	t.Rows = make([][]any, 0, len(tab.Rows))
	for i, row := range tab.Rows {
		if len(row) != len(t.Columns) {
			return t, fmt.Errorf("row %d has %d cells for %d columns", i, len(row), len(t.Columns))
		}
		out := make([]any, len(row))
		for j, cell := range row {
			v, err := workspace.DecodeCell(t.Columns[j].Type, cell)
			if err != nil {
				return t, fmt.Errorf("row %d column %s (%s): %w", i, t.Columns[j].Name, t.Columns[j].Type, err)
			}
			out[j] = v
		}
		t.Rows = append(t.Rows, out)
	}
	return t, nil
}
