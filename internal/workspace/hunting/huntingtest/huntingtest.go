// Package huntingtest is a fake of Microsoft Graph's advanced hunting
// endpoint (POST /v1.0/security/runHuntingQuery) over TLS, written from the
// documented shapes (request {"Query", "Timespan"}, answer {"schema",
// "results"}, errors {"error": {"code", "message"}}): it checks every
// request, records it, answers what the test says, and throttles past a
// quota of calls a minute by its own clock, counting the 429s it had to
// send. The endpoint itself is a Handler, which a fake of more of Graph
// (defendertest) serves at Path.
package huntingtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"
)

// Path is the endpoint's path under the Graph root.
const Path = "/v1.0/security/runHuntingQuery"

// Request is one call the fake took, as it was sent.
type Request struct {
	Query    string
	Timespan string
	At       time.Time // by the fake's clock
}

// Response is what the fake answers a call.
type Response struct {
	Status int // 0 is 200
	Header http.Header
	Body   []byte
}

// Handler is the fake endpoint itself, for a fake of more of Graph to
// serve at Path (defendertest does). Set its fields before the first call.
type Handler struct {
	// Answer answers a request that passed the checks; nil answers an
	// empty table.
	Answer func(Request) Response
	// PerMinute, when above 0, is the tenant's quota: a call with that many
	// others in the sixty seconds before it is answered 429.
	PerMinute int
	// Now is the fake's clock (time.Now).
	Now func() time.Time
	// Token is the bearer token every call must carry ("" checks none).
	Token string

	t         testing.TB
	mu        sync.Mutex
	requests  []Request
	throttled int
}

// NewHandler returns a fake endpoint that fails t on a request that is not
// as the service documents it.
func NewHandler(t testing.TB) *Handler { return &Handler{t: t} }

// Server is the fake over TLS, its Handler serving Path.
type Server struct {
	*httptest.Server
	*Handler
}

// New starts a fake, closed when the test ends. Its Client() trusts its
// certificate.
func New(t testing.TB) *Server {
	s := &Server{Handler: NewHandler(t)}
	s.Server = httptest.NewTLSServer(s.Handler)
	t.Cleanup(s.Close)
	return s
}

// Requests returns the calls taken so far, throttled ones included.
func (s *Handler) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// Throttled returns how many calls the fake answered 429 for its quota.
func (s *Handler) Throttled() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.throttled
}

func (s *Handler) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// ServeHTTP checks a call, records it, and answers it: 429 past the quota,
// else what Answer says.
func (s *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	fail := func(status int, format string, args ...any) {
		msg := fmt.Sprintf(format, args...)
		s.t.Errorf("huntingtest: bad request: %s", msg)
		write(w, Error(status, "BadRequest", msg))
	}
	if r.Method != http.MethodPost || r.URL.Path != Path {
		fail(http.StatusNotFound, "%s %s: want POST %s", r.Method, r.URL.Path, Path)
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
		fail(http.StatusUnsupportedMediaType, "Content-Type %q: want application/json; charset=utf-8", ct)
		return
	}
	if s.Token != "" && r.Header.Get("Authorization") != "Bearer "+s.Token {
		write(w, Error(http.StatusUnauthorized, "InvalidAuthenticationToken", "Access token is empty or invalid."))
		return
	}
	var body struct {
		Query    string `json:"Query"`
		Timespan string `json:"Timespan"`
	}
	data, err := io.ReadAll(r.Body)
	if err != nil {
		fail(http.StatusBadRequest, "reading the body: %v", err)
		return
	}
	d := json.NewDecoder(bytes.NewReader(data))
	d.DisallowUnknownFields()
	if err := d.Decode(&body); err != nil || body.Query == "" {
		fail(http.StatusBadRequest, "body %s: want {\"Query\": <KQL>, \"Timespan\": <optional>} (%v)", data, err)
		return
	}
	req := Request{Query: body.Query, Timespan: body.Timespan, At: s.now()}
	s.mu.Lock()
	recent := 0
	for _, prev := range s.requests {
		if req.At.Sub(prev.At) < time.Minute {
			recent++
		}
	}
	s.requests = append(s.requests, req)
	over := s.PerMinute > 0 && recent >= s.PerMinute
	if over {
		s.throttled++
	}
	s.mu.Unlock()
	if over {
		resp := Error(http.StatusTooManyRequests, "TooManyRequests",
			fmt.Sprintf("Rate limit is exceeded: %d calls per minute.", s.PerMinute))
		resp.Header = http.Header{"Retry-After": {strconv.Itoa(60)}}
		write(w, resp)
		return
	}
	if s.Answer == nil {
		write(w, Table(nil))
		return
	}
	write(w, s.Answer(req))
}

func write(w http.ResponseWriter, resp Response) {
	for k, vs := range resp.Header {
		w.Header()[k] = vs
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	if resp.Status == 0 {
		resp.Status = http.StatusOK
	}
	w.WriteHeader(resp.Status)
	w.Write(resp.Body)
}

// Column is one column of an answer's schema: its name and the type as
// advanced hunting writes it (String, DateTime, Int64, Object...).
type Column struct{ Name, Type string }

// Table is a 200 answer with the schema and the rows, each a JSON object
// keyed by column name.
func Table(schema []Column, rows ...map[string]any) Response {
	type col struct {
		Name string `json:"name"`
		Type string `json:"type"`
	}
	a := struct {
		Schema  []col            `json:"schema"`
		Results []map[string]any `json:"results"`
	}{Schema: []col{}, Results: rows}
	for _, c := range schema {
		a.Schema = append(a.Schema, col{c.Name, c.Type})
	}
	if a.Results == nil {
		a.Results = []map[string]any{}
	}
	b, err := json.Marshal(a)
	if err != nil {
		panic(err)
	}
	return Response{Body: b}
}

// Error is Graph's error answer.
func Error(status int, code, message string) Response {
	b, err := json.Marshal(map[string]any{"error": map[string]string{"code": code, "message": message}})
	if err != nil {
		panic(err)
	}
	return Response{Status: status, Body: b}
}
