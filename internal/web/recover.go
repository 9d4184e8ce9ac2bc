package web

import (
	"fmt"
	"net/http"
	"runtime/debug"
)

// serveGuarded serves a request with each write of its response bounded
// (timedWriter) and a handler's panic recovered.
func (s *Server) serveGuarded(w http.ResponseWriter, r *http.Request) {
	tw := s.timed(w)
	defer s.recovered(tw, r)
	s.ServeHTTP(tw, r)
}

// recovered answers a request whose handler panicked with a plain 500
// page, and logs the panic with the request's method and route pattern, the
// panic's message and the stack. The log never gets the request's values
// (the path's, the query string, the form): they are the client's, and may
// be anyone's. The page never gets the panic: it could tell an attacker
// how the handler broke. A response that has started is cut instead (the
// client sees a truncated response, not one that looks whole).
//
// It must be deferred by the function that calls the handler.
func (s *Server) recovered(tw *timedWriter, r *http.Request) {
	v := recover()
	if v == nil {
		return
	}
	if v == http.ErrAbortHandler {
		panic(v) // a deliberate abort: net/http cuts the response silently
	}
	_, route := s.mux.Handler(r)
	s.log.Error("handler panicked", "method", r.Method, "route", route,
		"panic", fmt.Sprintf("%T: %.300v", v, v), "stack", string(debug.Stack()))
	if tw.started {
		panic(http.ErrAbortHandler)
	}
	h := tw.Header()
	for _, k := range []string{"Content-Disposition", "Content-Encoding", "Content-Length", "Last-Modified", "ETag"} {
		h.Del(k)
	}
	http.Error(tw, "triage: this page failed on the server; the server's log says why.", http.StatusInternalServerError)
}
