package web

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
)

// sessionCookie names the cookie that holds the browser's random session
// id, which the CSRF tokens are bound to.
const sessionCookie = "triage_session"

type sessionKey struct{}

// session returns the request's session id, setting a new one in a cookie
// when it has none.
func (s *Server) session(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(sessionCookie); err == nil && len(c.Value) == 43 {
		return c.Value
	}
	return newSession(w, r)
}

// newSession sets a new session id in the cookie and returns it. The
// cookie is Secure when the server is reached over TLS.
func newSession(w http.ResponseWriter, r *http.Request) string {
	b := make([]byte, 32)
	rand.Read(b)
	id := base64.RawURLEncoding.EncodeToString(b)
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: id, Path: "/",
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil,
	})
	return id
}

// token is the CSRF token of a form posting to action in session sess.
func (s *Server) token(sess, action string) string {
	m := hmac.New(sha256.New, s.secret)
	m.Write([]byte(sess))
	m.Write([]byte{0})
	m.Write([]byte(action))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// checkPost returns why a POST is refused, or "" when it is accepted: it
// must come from this server's own pages (Origin or Referer, when the
// browser sends them, and Sec-Fetch-Site), be a urlencoded form of at most
// limit bytes and carry the token of its form, made for this session and
// this action. The body is read only once the rest is known to be right.
// status is 403, or 413 for a form over the limit, 415 for another kind.
func (s *Server) checkPost(r *http.Request, sess string, limit int64) (status int, msg string) {
	msg = s.checkOrigin(r, sess)
	if msg != "" {
		return http.StatusForbidden, msg
	}
	if status, msg := formRefusal(r, limit); msg != "" {
		return status, msg
	}
	// admit limited the body to limit bytes.
	if err := r.ParseForm(); err != nil {
		var big *http.MaxBytesError
		if errors.As(err, &big) {
			return http.StatusRequestEntityTooLarge, tooLarge(limit)
		}
		return http.StatusBadRequest, "Refused: this form could not be read (" + err.Error() + "). Reload the page and send it again."
	}
	got := r.PostFormValue("csrf")
	if got == "" {
		return http.StatusForbidden, "Refused: this form has no security token. Reload the page and send it again."
	}
	if !hmac.Equal([]byte(got), []byte(s.token(sess, r.URL.Path))) {
		return http.StatusForbidden, "Refused: this form's security token is not valid (the server was restarted, or the form came from elsewhere). Reload the page and send it again."
	}
	return 0, ""
}

// checkOrigin returns why a POST is refused by where it comes from or the
// session it lacks, or "" when it may be read.
func (s *Server) checkOrigin(r *http.Request, sess string) string {
	if o := r.Header.Get("Origin"); o != "" && o != "null" {
		u, err := url.Parse(o)
		if err != nil || u.Host != r.Host {
			return "Refused: this form was sent from another site (" + o + "). Changes are only accepted from triage's own pages."
		}
	} else if o == "null" {
		return "Refused: this form was sent from an opaque origin. Changes are only accepted from triage's own pages."
	}
	if ref := r.Header.Get("Referer"); ref != "" {
		u, err := url.Parse(ref)
		if err != nil || u.Host != r.Host {
			return "Refused: this form was sent from another page than triage's own. Changes are only accepted from triage's own pages."
		}
	}
	switch r.Header.Get("Sec-Fetch-Site") {
	case "", "same-origin", "none":
	default:
		return "Refused: this form was sent from another site. Changes are only accepted from triage's own pages."
	}
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value != sess {
		return "Refused: your browser sent no session cookie with this form. Reload the page and try again (cookies must be allowed for this address)."
	}
	return ""
}

// sessionOf returns the session id ServeHTTP put in the request's context.
func sessionOf(r *http.Request) string {
	s, _ := r.Context().Value(sessionKey{}).(string)
	return s
}
