package mcpserver

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"slices"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/triage-dev/triage/internal/report"
	"github.com/triage-dev/triage/internal/triage"
)

// Page sizes of list_incidents.
const (
	defaultPage = 50
	maxPage     = 500
)

// errCursor is a cursor that is not one of list_incidents' own for these
// filters.
var errCursor = errors.New("the cursor is not one list_incidents returned for these filters: call again without cursor for the first page")

// incidentsPage is list_incidents' output.
type incidentsPage struct {
	Incidents []triage.Incident `json:"incidents" jsonschema:"the page's incidents, newest first, as triage incidents --json"`
	// Window is the window listed: a "since" ends when the first page was
	// asked for, and every later page lists the same window.
	Window     report.Window `json:"window" jsonschema:"the window listed, the same for every page of one listing"`
	Total      int           `json:"total" jsonschema:"how many incidents match, over every page"`
	NextCursor string        `json:"next_cursor,omitempty" jsonschema:"give it back as cursor, with the same filters, for the next page; absent on the last page"`
}

// listIncidents answers one page. The cursor holds the end of the window
// the first page resolved, so that a window ending "now" does not move
// between pages: incidents created while an agent pages are neither read
// twice nor shift others out of view; and the last incident the page
// before gave, the next page starting after it (at its offset when it is
// no longer listed): an incident of an earlier page that leaves the list
// (closed, under a status filter) does not make the next page skip one.
func (s *server) listIncidents(ctx context.Context, _ *mcp.CallToolRequest, a ListIncidentsArgs) (any, error) {
	limit := a.Limit
	switch {
	case limit <= 0:
		limit = defaultPage
	case limit > maxPage:
		limit = maxPage
	}
	cursor := a.Cursor
	a.Cursor, a.Limit = "", 0
	filters, _ := json.Marshal(a)
	var c pageCursor
	if cursor != "" {
		var err error
		if c, err = decodeCursor(cursor, filters); err != nil {
			return nil, err
		}
		a.End = c.end.Format(time.RFC3339Nano)
	}
	list, err := s.o.Backend.ListIncidents(ctx, a)
	if err != nil {
		return nil, err
	}
	incs := list.Incidents
	offset := c.offset
	if cursor != "" {
		if i := slices.IndexFunc(incs, func(inc triage.Incident) bool { return inc.Number == c.last }); i >= 0 {
			offset = i + 1
		}
	}
	p := incidentsPage{Incidents: []triage.Incident{}, Window: list.Window, Total: len(incs)}
	if offset < len(incs) {
		end := min(offset+limit, len(incs))
		p.Incidents = incs[offset:end]
		if end < len(incs) {
			p.NextCursor = encodeCursor(pageCursor{offset: end, last: incs[end-1].Number, end: list.Window.End}, filters)
		}
	}
	return p, nil
}

// pageCursor is what a cursor holds: the offset of the next page, the
// number of the incident before it and the end of the window listed.
type pageCursor struct {
	offset, last int
	end          time.Time
}

// A cursor is a pageCursor and a hash of the filters it was made for, so
// that it is not used with others.
func encodeCursor(c pageCursor, filters []byte) string {
	b := make([]byte, 24, 24+8)
	binary.BigEndian.PutUint64(b, uint64(c.offset))
	binary.BigEndian.PutUint64(b[8:], uint64(c.last))
	binary.BigEndian.PutUint64(b[16:], uint64(c.end.UnixNano()))
	h := sha256.Sum256(filters)
	return base64.RawURLEncoding.EncodeToString(append(b, h[:8]...))
}

func decodeCursor(s string, filters []byte) (pageCursor, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) != 32 {
		return pageCursor{}, errCursor
	}
	h := sha256.Sum256(filters)
	if string(b[24:]) != string(h[:8]) {
		return pageCursor{}, errCursor
	}
	off, last := binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:16])
	if off > 1<<31 || last > 1<<62 {
		return pageCursor{}, errCursor
	}
	return pageCursor{offset: int(off), last: int(last), end: time.Unix(0, int64(binary.BigEndian.Uint64(b[16:24]))).UTC()}, nil
}
