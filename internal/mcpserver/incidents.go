package mcpserver

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"

	"github.com/modelcontextprotocol/go-sdk/mcp"

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
	Incidents  []triage.Incident `json:"incidents"`
	Total      int               `json:"total"`
	NextCursor string            `json:"next_cursor,omitempty"`
}

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
	offset := 0
	if cursor != "" {
		var err error
		if offset, err = decodeCursor(cursor, filters); err != nil {
			return nil, err
		}
	}
	incs, err := s.o.Backend.ListIncidents(ctx, a)
	if err != nil {
		return nil, err
	}
	p := incidentsPage{Incidents: []triage.Incident{}, Total: len(incs)}
	if offset < len(incs) {
		end := min(offset+limit, len(incs))
		p.Incidents = incs[offset:end]
		if end < len(incs) {
			p.NextCursor = encodeCursor(end, filters)
		}
	}
	return p, nil
}

// A cursor is the offset of the next page and a hash of the filters it
// was made for, so that it is not used with others.
func encodeCursor(offset int, filters []byte) string {
	b := make([]byte, 8, 8+8)
	binary.BigEndian.PutUint64(b, uint64(offset))
	h := sha256.Sum256(filters)
	return base64.RawURLEncoding.EncodeToString(append(b, h[:8]...))
}

func decodeCursor(c string, filters []byte) (int, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil || len(b) != 16 {
		return 0, errCursor
	}
	h := sha256.Sum256(filters)
	if string(b[8:]) != string(h[:8]) {
		return 0, errCursor
	}
	off := binary.BigEndian.Uint64(b[:8])
	if off > 1<<31 {
		return 0, errCursor
	}
	return int(off), nil
}
