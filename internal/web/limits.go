package web

import (
	"fmt"
	"mime"
	"net/http"
	"strings"
)

// maxForm is the largest form the pages post: a comment of Sentinel's
// longest, every character percent-encoded, or an update carrying the
// incident as read, with room to spare.
const maxForm = 1 << 20

// bodyLimits are the bodies the routes take, by the pattern they were
// registered with. A route not listed takes none: its body is never read.
var bodyLimits = map[string]int64{
	"POST /incidents/{number}/run":     4 << 10, // the security token only
	"POST /incidents/{number}/comment": maxForm,
	"POST /incidents/{number}/update":  maxForm,
	"POST /lookup":                     maxForm,
}

// admission is what admit decided about a request: the body limit of its
// route, or why it is refused.
type admission struct {
	limit  int64
	status int    // 0: admitted
	msg    string // why not
}

// admit limits r's body to what its route takes, before anything reads
// it, and refuses, without reading the body, a method the route does not
// take.
func (s *Server) admit(w http.ResponseWriter, r *http.Request) admission {
	pattern := s.pattern(r)
	limit := bodyLimits[pattern]
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	if pattern == "" {
		w.Header().Set("Allow", strings.Join(s.allowed(r), ", "))
		return admission{status: http.StatusMethodNotAllowed, msg: fmt.Sprintf("This page does not take %s requests.", r.Method)}
	}
	return admission{limit: limit}
}

// formRefusal returns why a form's body is refused before it is read, with
// its status: not what the pages send (multipart is never parsed, so never
// spooled to temporary files), or longer than limit. "" when it may be read.
func formRefusal(r *http.Request, limit int64) (int, string) {
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct != "application/x-www-form-urlencoded" {
		return http.StatusUnsupportedMediaType, "Refused: triage's forms are sent as application/x-www-form-urlencoded; this request was not."
	}
	if r.ContentLength > limit {
		return http.StatusRequestEntityTooLarge, tooLarge(limit)
	}
	return 0, ""
}

// pattern returns the pattern of the route that serves r, or "" when no
// route takes its method. The page that says "There is no page here" is
// registered for every method, so it counts only for GET and HEAD.
func (s *Server) pattern(r *http.Request) string {
	_, p := s.mux.Handler(r)
	if p == "/" && r.Method != http.MethodGet && r.Method != http.MethodHead {
		return ""
	}
	return p
}

// allowed lists the methods a route takes at r's path, for Allow.
func (s *Server) allowed(r *http.Request) []string {
	var out []string
	for _, m := range []string{http.MethodGet, http.MethodPost} {
		probe := r.WithContext(r.Context())
		probe.Method = m
		if s.pattern(probe) != "" {
			out = append(out, m)
			if m == http.MethodGet {
				out = append(out, http.MethodHead)
			}
		}
	}
	return out
}

// tooLarge is the refusal of a form over limit bytes.
func tooLarge(limit int64) string {
	size := fmt.Sprintf("%d KB", limit>>10)
	if limit%(1<<20) == 0 {
		size = fmt.Sprintf("%d MB", limit>>20)
	}
	return "Refused: this form is too large (triage takes forms of at most " + size + "). Shorten it and send it again."
}
