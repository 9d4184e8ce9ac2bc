package web

import (
	"net/http"
	"net/url"
)

// crossSiteSubresource reports whether another site made the browser ask
// for r other than as a top-level navigation: in a frame, an image, a
// script, a fetch. An iframe is a navigation too, and frame-ancestors only
// hides its page once the work is done, so only Sec-Fetch-Dest: document
// is let through.
func crossSiteSubresource(r *http.Request) bool {
	switch r.Header.Get("Sec-Fetch-Site") {
	case "cross-site", "same-site":
		return r.Header.Get("Sec-Fetch-Dest") != "document"
	}
	return false
}

// fromOtherSite reports whether r was started from another site's page: a
// link or a script there. Browsers say so in Sec-Fetch-Site (typing the
// address is "none"); one that sends no Sec-Fetch headers is judged by its
// Referer, and a request with neither is taken as typed.
func fromOtherSite(r *http.Request) bool {
	switch r.Header.Get("Sec-Fetch-Site") {
	case "cross-site", "same-site":
		return true
	case "same-origin", "none":
		return false
	}
	if ref := r.Header.Get("Referer"); ref != "" {
		u, err := url.Parse(ref)
		return err != nil || u.Host != r.Host
	}
	return false
}

// openPage asks for a click before a page that starts work is opened from
// another site.
type openPage struct {
	base
	Href string // the page itself, opened from here
	What string // the work it starts
}

// askFirst serves h, unless the request comes from another site: then
// nothing is started, and a page with a link to the same address asks for
// a click (which is then a same-origin navigation). what says the work,
// for that page ("runs a triage of the incident").
func (s *Server) askFirst(what string, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !fromOtherSite(r) {
			h(w, r)
			return
		}
		p := &openPage{base: s.newBase(r, "Open this page?", "", s.wsName(r)), Href: r.URL.RequestURI(), What: what}
		s.render(w, r, http.StatusOK, "open", p)
	}
}
