package web

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
)

// authCookie names the cookie that proves the browser gave the server's
// token: a MAC of its session id keyed by the token, so it is worth
// nothing with another session, and stays valid across restarts with the
// same configured token.
const authCookie = "triage_auth"

// authorized reports whether the request may go on: the server needs no
// token (Options.Token is empty), or the request carries the proof of it.
// Otherwise it has answered: a GET with the right ?token= is redirected to
// the same URL without it, with a new session and its proof in cookies
// (the token is exchanged once and never kept in the page's address); any
// other request gets 401 and a short page saying how to get in.
func (s *Server) authorized(w http.ResponseWriter, r *http.Request) bool {
	if s.opts.Token == "" {
		return true
	}
	w.Header().Set("Cache-Control", "no-store")
	q := r.URL.Query()
	if q.Has("token") {
		if (r.Method == http.MethodGet || r.Method == http.MethodHead) && s.tokenMatches(q.Get("token")) {
			sess := newSession(w, r)
			http.SetCookie(w, &http.Cookie{
				Name: authCookie, Value: s.authProof(sess), Path: "/",
				HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil,
			})
			q.Del("token")
			http.Redirect(w, r, localURL(r.URL.EscapedPath(), q), http.StatusSeeOther)
			return false
		}
		unauthorized(w, "This token is not the server's.")
		return false
	}
	sc, err := r.Cookie(sessionCookie)
	if err == nil {
		if ac, err := r.Cookie(authCookie); err == nil && hmac.Equal([]byte(ac.Value), []byte(s.authProof(sc.Value))) {
			return true
		}
	}
	unauthorized(w, "This server is reachable from other machines, so it asks for its token.")
	return false
}

// tokenMatches compares a token with the server's in constant time: both
// are hashed first, so not even their lengths are compared.
func (s *Server) tokenMatches(got string) bool {
	a, b := sha256.Sum256([]byte(got)), sha256.Sum256([]byte(s.opts.Token))
	return subtle.ConstantTimeCompare(a[:], b[:]) == 1
}

// authProof is the auth cookie's value for session sess.
func (s *Server) authProof(sess string) string {
	m := hmac.New(sha256.New, []byte(s.opts.Token))
	m.Write([]byte("triage auth\x00"))
	m.Write([]byte(sess))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// localURL is path with query q, never a URL of another host ("//host").
func localURL(path string, q url.Values) string {
	if !strings.HasPrefix(path, "/") || strings.HasPrefix(path, "//") || strings.HasPrefix(path, "/\\") {
		path = "/"
	}
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	return path
}

// unauthorized answers 401 with a page that names nothing of the server's
// (no workspace, no layout): why, and how to get in.
func unauthorized(w http.ResponseWriter, why string) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusUnauthorized)
	// why is one of this file's constant sentences: nothing to escape.
	w.Write([]byte(`<!doctype html>
<html lang="en"><meta charset="utf-8"><title>Token needed · triage</title>
<h1>This triage server needs its token</h1>
<p>` + why + `</p>
<p>Open the address <code>triage serve</code> printed when it started (it ends in <code>?token=…</code>),
or add <code>?token=</code> and the token the server was configured with to this page's address.
The browser then keeps a cookie, and the address works without the token.</p>
</html>
`))
}
