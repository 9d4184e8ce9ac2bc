package web

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
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
	b := make([]byte, 32)
	rand.Read(b)
	id := base64.RawURLEncoding.EncodeToString(b)
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: id, Path: "/",
		HttpOnly: true, SameSite: http.SameSiteStrictMode,
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
// browser sends them, and Sec-Fetch-Site) and carry the token of its form,
// made for this session and this action.
func (s *Server) checkPost(r *http.Request, sess string) string {
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
	r.Body = http.MaxBytesReader(nil, r.Body, 1<<20)
	got := r.PostFormValue("csrf")
	if got == "" {
		return "Refused: this form has no security token. Reload the page and send it again."
	}
	if !hmac.Equal([]byte(got), []byte(s.token(sess, r.URL.Path))) {
		return "Refused: this form's security token is not valid (the server was restarted, or the form came from elsewhere). Reload the page and send it again."
	}
	return ""
}

// sessionOf returns the session id ServeHTTP put in the request's context.
func sessionOf(r *http.Request) string {
	s, _ := r.Context().Value(sessionKey{}).(string)
	return s
}
