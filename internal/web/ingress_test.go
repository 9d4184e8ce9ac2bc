package web_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/triage-dev/triage/internal/intel"
	"github.com/triage-dev/triage/internal/ioc"
	"github.com/triage-dev/triage/internal/web"
)

// countingBody is a request body that counts the bytes read of it.
type countingBody struct {
	r    io.Reader
	read atomic.Int64
}

func (c *countingBody) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.read.Add(int64(n))
	return n, err
}

func (c *countingBody) Close() error { return nil }

// bigForm returns a form of about size bytes with the security token tok,
// urlencoded or multipart (with a file part), and its Content-Type.
func bigForm(t testing.TB, multi bool, tok string, size int) ([]byte, string) {
	t.Helper()
	if !multi {
		return []byte(url.Values{"csrf": {tok}, "text": {strings.Repeat("a", size)}}.Encode()), "application/x-www-form-urlencoded"
	}
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	mw.WriteField("csrf", tok)
	fw, err := mw.CreateFormFile("text", "big.txt")
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(bytes.Repeat([]byte("a"), size))
	mw.Close()
	return b.Bytes(), mw.FormDataContentType()
}

// Every body is limited to what its route takes before anything reads it:
// a refused request's body is not read at all, an accepted form's no
// further than the form limit, and a form over it is refused as too large.
func TestBodyLimits(t *testing.T) {
	srv, err := web.New(options(t))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/lookup", nil))
	cookie := rec.Result().Cookies()[0]
	tok := token(t, rec.Body.String(), "/lookup")
	const size, limit = 3 << 20, 1 << 20

	for _, c := range []struct {
		name         string
		method, path string
		multi        bool
		origin       string // "" is the server's own
		noCookie     bool
		chunked      bool
		want         int
		maxRead      int64
		says         string
	}{
		{"PUT", http.MethodPut, "/lookup", true, "", false, false, http.StatusMethodNotAllowed, 0, "does not take PUT"},
		{"PUT urlencoded", http.MethodPut, "/incidents/120/comment?ws=demo", false, "", false, false, http.StatusMethodNotAllowed, 0, ""},
		{"POST to a page", http.MethodPost, "/incidents/120?ws=demo", true, "", false, true, http.StatusMethodNotAllowed, 0, ""},
		{"POST nowhere", http.MethodPost, "/nothing", true, "", false, false, http.StatusMethodNotAllowed, 0, ""},
		{"DELETE", http.MethodDelete, "/", false, "", false, true, http.StatusMethodNotAllowed, 0, ""},
		{"GET with a body", http.MethodGet, "/providers", true, "", false, true, http.StatusOK, 0, ""},
		{"foreign origin, multipart", http.MethodPost, "/lookup", true, "http://evil.example", false, false, http.StatusForbidden, 0, ""},
		{"foreign origin", http.MethodPost, "/lookup", false, "http://evil.example", false, true, http.StatusForbidden, 0, ""},
		{"no cookie, multipart", http.MethodPost, "/lookup", true, "", true, true, http.StatusForbidden, 0, ""},
		{"no cookie", http.MethodPost, "/lookup", false, "", true, false, http.StatusForbidden, 0, ""},
		{"multipart with a valid token", http.MethodPost, "/lookup", true, "", false, false, http.StatusUnsupportedMediaType, 0, "x-www-form-urlencoded"},
		{"multipart with a valid token, chunked", http.MethodPost, "/lookup", true, "", false, true, http.StatusUnsupportedMediaType, 0, ""},
		{"too large with a valid token", http.MethodPost, "/lookup", false, "", false, false, http.StatusRequestEntityTooLarge, 0, "this form is too large"},
		{"too large with a valid token, chunked", http.MethodPost, "/lookup", false, "", false, true, http.StatusRequestEntityTooLarge, limit + 1, "this form is too large"},
	} {
		t.Run(c.name, func(t *testing.T) {
			b, ct := bigForm(t, c.multi, tok, size)
			body := &countingBody{r: bytes.NewReader(b)}
			req := httptest.NewRequest(c.method, c.path, nil)
			req.Body, req.ContentLength = body, int64(len(b))
			if c.chunked {
				req.ContentLength = -1
			}
			req.Header.Set("Content-Type", ct)
			req.Header.Set("Origin", "http://"+req.Host)
			if c.origin != "" {
				req.Header.Set("Origin", c.origin)
			}
			if !c.noCookie {
				req.AddCookie(cookie)
			}
			rec := httptest.NewRecorder()
			srv.ServeHTTP(rec, req)
			if rec.Code != c.want || !strings.Contains(rec.Body.String(), c.says) {
				t.Errorf("%d, want %d saying %q\n%.600s", rec.Code, c.want, c.says, rec.Body.String())
			}
			if strings.Contains(rec.Body.String(), "no security token") {
				t.Error("the refusal says the form has no security token")
			}
			if n := body.read.Load(); n > c.maxRead {
				t.Errorf("%d bytes of the body read, want at most %d", n, c.maxRead)
			}
		})
	}

	// A form within the limit is read whole and served.
	b := []byte(url.Values{"csrf": {tok}, "text": {strings.Repeat("x", limit-100<<10) + " 203.0.113.66"}}.Encode())
	body := &countingBody{r: bytes.NewReader(b)}
	req := httptest.NewRequest(http.MethodPost, "/lookup", nil)
	req.Body, req.ContentLength = body, -1
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(cookie)
	rec = httptest.NewRecorder()
	srv.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "203.0.113.66") || body.read.Load() != int64(len(b)) {
		t.Errorf("a form of %d bytes: %d, %d bytes read\n%.600s", len(b), rec.Code, body.read.Load(), rec.Body.String())
	}
}

// Refused and accepted multipart requests, large enough to be spooled to
// disk if they were parsed, leave no temporary file behind.
func TestNoMultipartFiles(t *testing.T) {
	ts := newServer(t) // built before TMPDIR moves: the demo is shared
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	_, page := ts.get(t, "/lookup")
	tok := token(t, page, "/lookup")
	b, ct := bigForm(t, true, tok, 40<<20)
	for _, c := range []struct {
		name, method, path, origin string
		jar                        bool
	}{
		{"PUT", http.MethodPut, "/incidents/120/comment", ts.URL, true},
		{"wrong route", http.MethodPost, "/incidents/120", ts.URL, true},
		{"foreign origin", http.MethodPost, "/lookup", "http://evil.example", true},
		{"no cookie", http.MethodPost, "/lookup", ts.URL, false},
		{"valid token", http.MethodPost, "/lookup", ts.URL, true},
	} {
		req, _ := http.NewRequest(c.method, ts.URL+c.path+"?ws=demo", bytes.NewReader(b))
		req.Header.Set("Content-Type", ct)
		req.Header.Set("Origin", c.origin)
		client := ts.client
		if !c.jar {
			client = &http.Client{}
		}
		// The server answers without reading and may close the connection
		// while the body is being sent: an error here is no failure.
		if res, err := client.Do(req); err == nil {
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode < 400 {
				t.Errorf("%s: %d, want a refusal", c.name, res.StatusCode)
			}
		}
	}
	left, _ := filepath.Glob(filepath.Join(tmp, "multipart-*"))
	if len(left) > 0 {
		t.Errorf("temporary files left behind: %v", left)
	}
	if os.TempDir() != tmp {
		t.Fatalf("os.TempDir() = %s, not the test's", os.TempDir())
	}
}

const testToken = "the-token-of-the-test-0123456789"

// With a token, every route answers 401 until the browser has given it;
// it is exchanged for cookies and a redirect to the URL without it.
func TestToken(t *testing.T) {
	var logs bytes.Buffer
	o := options(t)
	o.Token = testToken
	o.Log = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ts := newServerWith(t, o)
	for _, c := range []struct{ method, path string }{
		{"GET", "/"}, {"GET", "/providers?ws=demo"}, {"GET", "/static/web.css"}, {"GET", "/incidents/120?ws=demo"},
		{"GET", "/entities/Ip/203.0.113.66"}, {"GET", "/nothing"}, {"HEAD", "/lookup"},
		{"POST", "/lookup"}, {"PUT", "/"}, {"GET", "/?token=wrong"}, {"GET", "/?token="},
		{"GET", "/?token=" + testToken[:len(testToken)-1]}, {"POST", "/lookup?token=" + testToken},
	} {
		req, _ := http.NewRequest(c.method, ts.URL+c.path, strings.NewReader("csrf=x"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		res, err := ts.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusUnauthorized || c.method != "HEAD" && !strings.Contains(string(b), "?token=") {
			t.Errorf("%s %s without the token: %d, want 401 saying how to get in\n%.300s", c.method, c.path, res.StatusCode, b)
		}
		if strings.Contains(string(b), "hostile") || len(res.Cookies()) > 0 {
			t.Errorf("%s %s without the token: the 401 names a workspace or sets a cookie", c.method, c.path)
		}
	}

	res, err := ts.client.Get(ts.URL + "/providers?ws=demo&token=" + testToken)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if loc := res.Header.Get("Location"); res.StatusCode != http.StatusSeeOther || loc != "/providers?ws=demo" {
		t.Fatalf("the token: %d to %q, want 303 to /providers?ws=demo", res.StatusCode, loc)
	}
	cookies := map[string]*http.Cookie{}
	for _, c := range res.Cookies() {
		cookies[c.Name] = c
		if !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Secure {
			t.Errorf("cookie %s: %+v, want HttpOnly, SameSite=Strict, not Secure over HTTP", c.Name, c)
		}
	}
	if len(cookies) != 2 {
		t.Fatalf("cookies %v, want the session and its proof", res.Cookies())
	}
	code, body := ts.get(t, "/providers?ws=demo")
	if code != http.StatusOK || !strings.Contains(body, "sentinel-ti") {
		t.Errorf("with the cookies: %d\n%.300s", code, body)
	}
	if code, _ := ts.get(t, "/incidents/999999?ws=demo"); code != http.StatusNotFound { // a failure logged
		t.Errorf("with the cookies, a missing incident: %d", code)
	}

	// The proof is worth nothing with another session.
	for name, sess := range map[string]string{
		"another session": strings.Repeat("A", 43),
		"the same":        cookies["triage_session"].Value,
	} {
		req, _ := http.NewRequest(http.MethodGet, ts.URL+"/providers", nil)
		req.Header.Set("Cookie", "triage_session="+sess+"; triage_auth="+cookies["triage_auth"].Value)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if want := map[bool]int{true: 200, false: 401}[name == "the same"]; res.StatusCode != want {
			t.Errorf("the proof with %s: %d, want %d", name, res.StatusCode, want)
		}
	}
	if strings.Contains(logs.String(), testToken) || !strings.Contains(logs.String(), "999999") {
		t.Errorf("the log names the token, or logged nothing:\n%s", logs.String())
	}

	// Over TLS the cookies are Secure; a path of another host is not
	// followed.
	srv, err := web.New(o)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	req := httptest.NewRequest(http.MethodGet, "https://127.0.0.1//evil.example/?token="+testToken, nil)
	req.TLS = &tls.ConnectionState{}
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, req)
	for _, c := range rec.Result().Cookies() {
		if !c.Secure {
			t.Errorf("cookie %s over TLS is not Secure", c.Name)
		}
	}
	if loc := rec.Header().Get("Location"); rec.Code != http.StatusSeeOther || loc != "/" {
		t.Errorf("the token on //evil.example/: %d to %q, want 303 to /", rec.Code, loc)
	}
}

// countingProvider counts its lookups and finds nothing.
type countingProvider struct{ n atomic.Int64 }

func (*countingProvider) Name() string           { return "counting" }
func (*countingProvider) Supports(ioc.Kind) bool { return true }
func (*countingProvider) External() bool         { return false }
func (p *countingProvider) Lookup(context.Context, ioc.Indicator) (intel.Result, error) {
	p.n.Add(1)
	return intel.Result{}, intel.ErrNotFound
}

// A page that starts work does none when opened from another site: it asks
// for a click on a same-origin link first. Opened from triage's own pages,
// or typed, it works as before.
func TestCrossSiteAsksFirst(t *testing.T) {
	counter := &countingProvider{}
	o := options(t)
	open := o.Open
	o.Open = func(ctx context.Context, name string) (*web.Env, error) {
		env, err := open(ctx, name)
		if err == nil {
			env.Intel = &intel.Engine{Providers: []intel.Provider{counter}}
		}
		return env, err
	}
	ts := newServerWith(t, o)
	entity := "/entities/Ip/203.0.113.66?ws=demo"
	inc := fmt.Sprintf("/incidents/%d", demoIncident)
	get := func(path string, header map[string]string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, ts.URL+path, nil)
		for k, v := range header {
			req.Header.Set(k, v)
		}
		res, err := ts.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	link := func(site string) map[string]string {
		return map[string]string{"Sec-Fetch-Site": site, "Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "document", "Sec-Fetch-User": "?1"}
	}
	foreign := []map[string]string{
		link("cross-site"),
		link("same-site"),
		{"Referer": "http://evil.example/page"},
	}
	for _, path := range []string{entity, inc + "?ws=demo", inc + "/events?ws=demo"} {
		for _, h := range foreign {
			code, body := get(path, h)
			href := `href="` + strings.ReplaceAll(path, "&", "&amp;") + `"`
			if code != http.StatusOK || !strings.Contains(body, "Open this page?") || !strings.Contains(body, href) {
				t.Errorf("GET %s from %v: %d, want a page asking for a click on %s\n%.1500s", path, h, code, href, body)
			}
		}
	}
	if code, body := get(inc+"/sections/details?ws=demo", nil); code != http.StatusNotFound || !strings.Contains(body, "no triage yet") {
		t.Errorf("a triage was started from another site: %d %s", code, body)
	}
	_, page := get("/lookup", nil)
	res, _ := ts.post(t, "/lookup", url.Values{"csrf": {token(t, page, "/lookup")}, "text": {"203.0.113.66"}},
		map[string]string{"Origin": "", "Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "document"})
	if res.StatusCode != http.StatusForbidden {
		t.Errorf("a lookup posted from another site: %d, want 403", res.StatusCode)
	}
	if n := counter.n.Load(); n != 0 {
		t.Fatalf("%d lookups made from another site's requests", n)
	}

	// From triage's own pages, typed, or from a browser that says nothing.
	for _, h := range []map[string]string{
		link("same-origin"),
		link("none"),
		nil,
		{"Referer": ts.URL + "/"},
	} {
		before := counter.n.Load()
		code, body := get(entity, h)
		if code != http.StatusOK || strings.Contains(body, "Open this page?") || counter.n.Load() == before {
			t.Errorf("GET %s with %v: %d, %d lookups\n%.300s", entity, h, code, counter.n.Load()-before, body)
		}
	}
	if code, body := get(inc+"?ws=demo", link("same-origin")); code != http.StatusOK || strings.Contains(body, "Open this page?") {
		t.Errorf("the incident page from triage's own: %d\n%.300s", code, body)
	}
	ts.waitTriage(t, "demo", demoIncident)
}
