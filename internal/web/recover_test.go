package web

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// newBareServer is a server whose workspace never opens, logging to buf.
func newBareServer(t *testing.T, buf *bytes.Buffer) *Server {
	t.Helper()
	s, err := New(Options{
		Workspaces: []string{"none"},
		Open:       func(context.Context, string) (*Env, error) { return nil, errors.New("no workspace") },
		Log:        slog.New(slog.NewTextHandler(buf, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// A handler's panic is answered with a plain 500 page that does not show
// it, and logged with the method and the route, never the request's
// values.
func TestPanicRecovered(t *testing.T) {
	var logs bytes.Buffer
	s := newBareServer(t, &logs)
	s.mux.HandleFunc("GET /boom/{value}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Disposition", `attachment; filename="x"`)
		var a []int
		_ = a[len(r.PathValue("value"))-100] // index out of range
	})
	h := s.HTTPServer().Handler
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/boom/pathsecret?q=querysecret", nil))
	body := w.Body.String()
	if w.Code != http.StatusInternalServerError || strings.Contains(body, "index out of range") || strings.Contains(body, "secret") {
		t.Errorf("a panicking handler: %d %q, want 500 with a page that shows nothing of the panic", w.Code, body)
	}
	if cd := w.Header().Get("Content-Disposition"); cd != "" {
		t.Errorf("the 500 page is sent as an attachment: %q", cd)
	}
	log := logs.String()
	for _, want := range []string{"handler panicked", "method=GET", `route="GET /boom/{value}"`, "index out of range"} {
		if !strings.Contains(log, want) {
			t.Errorf("the log does not say %q:\n%s", want, log)
		}
	}
	if strings.Contains(log, "secret") {
		t.Errorf("the log shows the request's values:\n%s", log)
	}
}

// A panic after the response has started cuts it: a client never takes a
// truncated page for a whole one.
func TestPanicAfterWriteCuts(t *testing.T) {
	var logs bytes.Buffer
	s := newBareServer(t, &logs)
	s.mux.HandleFunc("GET /half", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("half a page"))
		panic("broken")
	})
	h := s.HTTPServer().Handler
	defer func() {
		if v := recover(); v != http.ErrAbortHandler {
			t.Errorf("a panic after the response started: %v, want http.ErrAbortHandler (the connection cut)", v)
		}
		if !strings.Contains(logs.String(), `route="GET /half"`) {
			t.Errorf("the panic is not logged with its route:\n%s", logs.String())
		}
	}()
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/half", nil))
}
