package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

// hostileInputs are values a client may put in any header, path segment,
// query value or form field: numbers out of range, negative or not
// numbers, bytes that are not UTF-8, escapes, very long values, nothing.
var hostileInputs = []string{
	"", " ", "-1", "0", "-9223372036854775808", "9223372036854775807", "99999999999999999999999999",
	"1e9", "0x10", "+7", "NaN", "\xff\xfe\xfd", "\x00", "%", "%zz", "../../../etc/passwd",
	`<script>alert(1)</script>`, "a\u202eb", strings.Repeat("9", 10_000), strings.Repeat("é", 50_000),
}

// request is one request of the table: a method, a target whose X is
// replaced by a hostile value (escaped for where it stands), a form and
// headers whose X values are replaced too.
type request struct {
	method, target string
	form           url.Values
	header         map[string]string
}

// build makes the request with x in place of X.
func (rq request) build(host string, x string) *http.Request {
	target := rq.target
	if path, query, ok := strings.Cut(target, "?"); ok {
		target = strings.ReplaceAll(path, "X", url.PathEscape(x)) + "?" + strings.ReplaceAll(query, "X", url.QueryEscape(x))
	} else {
		target = strings.ReplaceAll(target, "X", url.PathEscape(x))
	}
	var body *strings.Reader
	form := url.Values{}
	for k, vs := range rq.form {
		for _, v := range vs {
			form.Add(k, strings.ReplaceAll(v, "X", x))
		}
	}
	body = strings.NewReader(form.Encode())
	req := httptest.NewRequest(rq.method, target, body)
	req.Host = host
	if rq.method == http.MethodPost {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", "http://"+host)
	}
	for k, v := range rq.header {
		req.Header.Set(k, strings.ReplaceAll(v, "X", x))
	}
	return req
}

// TestHostileInputs sends every route hostile values in every header,
// path segment, query value and form field a handler reads: none may
// panic or answer 5xx.
func TestHostileInputs(t *testing.T) {
	o := options(t)
	logs := logTo(&o)
	ts := newServerWith(t, o)
	ts.waitTriage(t, "demo", demoIncident)
	so := stalledOptions(t)
	stalledLogs := logTo(&so)
	stalled := newServerWith(t, so)

	// A session and the tokens of the forms, so that POSTs reach their
	// handlers.
	_, page := ts.get(t, fmt.Sprintf("/incidents/%d?ws=demo", demoIncident))
	_, lookupPage := ts.get(t, "/lookup?ws=demo")
	u, _ := url.Parse(ts.URL)
	var cookie string
	for _, c := range ts.client.Jar.Cookies(u) {
		cookie = c.Name + "=" + c.Value
	}
	inc := fmt.Sprintf("/incidents/%d", demoIncident)
	commentTok, updateTok := token(t, page, inc+"/comment"), token(t, page, inc+"/update")
	lookupTok := token(t, lookupPage, "/lookup")
	session := map[string]string{"Cookie": cookie}
	form := func(tok string, kv ...string) url.Values {
		v := url.Values{"csrf": {tok}}
		for i := 0; i+1 < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v
	}

	get := func(target string) request { return request{method: http.MethodGet, target: target} }
	var table []request
	// Path segments.
	for _, p := range []string{"/incidents/X", "/incidents/X/events", "/incidents/X/sections/details", inc + "/sections/X",
		"/incidents/X/report", "/entities/X/203.0.113.66", "/entities/ip/X", "/entities/Host/X", "/entities/X/X", "/static/X", "/X"} {
		table = append(table, get(p+"?ws=demo"))
	}
	// Query values.
	for _, k := range []string{"ws", "window", "start", "end", "severity", "status", "owner", "q", "sort", "dir", "page"} {
		table = append(table, get("/?ws=demo&window=custom&"+k+"=X"))
	}
	table = append(table,
		get("/?ws=demo&"+"window=X"),
		get(inc+"?ws=X"), get(inc+"?ws=demo&done=X"),
		get(inc+"/events?ws=X"), get(inc+"/sections/details?ws=X"),
		get(inc+"/report?ws=demo&format=X"), get(inc+"/report?ws=X"),
		get("/entities/ip/203.0.113.66?ws=demo&since=X"), get("/entities/ip/203.0.113.66?ws=X"),
		get("/lookup?ws=X"), get("/providers?ws=X"), get("/static/web.css?v=X"),
	)
	// Headers.
	table = append(table,
		request{method: http.MethodGet, target: inc + "/events?ws=demo", header: map[string]string{"Last-Event-ID": "X"}},
		request{method: http.MethodGet, target: "/static/web.css", header: map[string]string{"If-None-Match": "X"}},
		request{method: http.MethodGet, target: "/", header: map[string]string{"Cookie": "triage_session=X"}},
		request{method: http.MethodGet, target: "/", header: map[string]string{"Sec-Fetch-Site": "X", "Sec-Fetch-Mode": "X"}},
		request{method: http.MethodPost, target: "/lookup", form: form(lookupTok, "text", "x"), header: map[string]string{"Cookie": cookie, "Origin": "X"}},
		request{method: http.MethodPost, target: "/lookup", form: form(lookupTok, "text", "x"), header: map[string]string{"Cookie": cookie, "Referer": "X"}},
		request{method: http.MethodPost, target: "/lookup", form: form("X", "text", "x"), header: session},
	)
	// Form fields, with the session and the form's token. No form
	// confirms a change: the shared demo workspace stays as it is.
	for _, k := range []string{"message", "confirm", "read"} {
		table = append(table, request{method: http.MethodPost, target: inc + "/comment?ws=demo", form: form(commentTok, "message", "a comment", k, "X"), header: session})
	}
	for _, k := range []string{"status", "severity", "owner", "classification", "reason", "classification_comment", "read", "confirm"} {
		table = append(table, request{method: http.MethodPost, target: inc + "/update?ws=demo", form: form(updateTok, k, "X"), header: session})
	}
	table = append(table,
		request{method: http.MethodPost, target: inc + "/update?ws=demo", form: form(updateTok, "confirm", "1", "read", "X", "status", "Active"), header: session},
		request{method: http.MethodPost, target: "/lookup?ws=demo", form: form(lookupTok, "text", "X"), header: session},
		request{method: http.MethodPost, target: "/incidents/X/run?ws=demo", form: form("X"), header: session},
		request{method: http.MethodPost, target: inc + "/run?ws=X", form: form("X"), header: session},
	)

	check := func(srv *testServer, logs *syncBuffer, rq request, x string, wait time.Duration) {
		t.Helper()
		req := rq.build(srv.Listener.Addr().String(), x)
		ctx, cancel := context.WithTimeout(req.Context(), wait)
		defer cancel()
		req = req.WithContext(ctx)
		name := fmt.Sprintf("%s %s with %.40q", rq.method, rq.target, x)
		w := httptest.NewRecorder()
		func() {
			defer func() {
				if v := recover(); v != nil {
					t.Errorf("%s: panic %v", name, v)
				}
			}()
			srv.web.HTTPServer().Handler.ServeHTTP(w, req)
		}()
		// A client that left (the stream's end) sees no status: a read
		// its leaving cancelled may answer 502.
		if w.Code >= 500 && ctx.Err() == nil {
			t.Errorf("%s: %d\n%.300s", name, w.Code, w.Body.String())
		}
		if strings.Contains(logs.String(), "handler panicked") {
			t.Fatalf("%s: a handler panicked:\n%s", name, logs)
		}
	}
	for _, rq := range table {
		for _, x := range hostileInputs {
			check(ts, logs, rq, x, 10*time.Second)
		}
	}
	// Last-Event-ID on a stream whose triage is still running: the stream
	// is left after 100 ms.
	events := request{method: http.MethodGet, target: inc + "/events?ws=demo", header: map[string]string{"Last-Event-ID": "X"}}
	check(stalled, stalledLogs, events, "", time.Second) // opens the workspace, starts the triage
	for _, x := range hostileInputs {
		check(stalled, stalledLogs, events, x, 100*time.Millisecond)
	}
}
