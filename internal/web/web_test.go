package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/triage-dev/triage/internal/intel"
	"github.com/triage-dev/triage/internal/ioc"
	"github.com/triage-dev/triage/internal/web"
)

func TestPages(t *testing.T) {
	ts := newServer(t)
	ts.waitTriage(t, "demo", demoIncident)
	for _, path := range []string{
		"/",
		"/?ws=demo&window=30d",
		"/?ws=hostile",
		fmt.Sprintf("/incidents/%d?ws=demo", demoIncident),
		fmt.Sprintf("/incidents/%d/sections/details?ws=demo", demoIncident),
		fmt.Sprintf("/incidents/%d/report?ws=demo&format=md", demoIncident),
		fmt.Sprintf("/incidents/%d/report?ws=demo&format=json", demoIncident),
		"/entities/Ip/203.0.113.66?ws=demo",
		"/entities/Host/wks-fin-07.contoso.com?ws=demo&since=30d",
		"/lookup",
		"/providers",
		"/static/web.css",
		"/static/web.js",
		"/static/report.css",
	} {
		t.Run(path, func(t *testing.T) {
			code, body := ts.get(t, path)
			if code != http.StatusOK {
				t.Fatalf("GET %s: %d\n%.500s", path, code, body)
			}
		})
	}
	for path, want := range map[string]int{
		"/nothing":                                 http.StatusNotFound,
		"/incidents/999999?ws=demo":                http.StatusNotFound,
		"/incidents/abc":                           http.StatusNotFound,
		"/?ws=nope":                                http.StatusNotFound,
		"/static/nope.css":                         http.StatusNotFound,
		"/entities/Nope/x?ws=demo":                 http.StatusBadRequest,
		"/incidents/1/report?ws=nope":              http.StatusNotFound,
		"/incidents/121/report?format=pdf&ws=demo": http.StatusBadRequest,
	} {
		if code, body := ts.get(t, path); code != want {
			t.Errorf("GET %s: %d, want %d\n%.300s", path, code, want, body)
		}
	}
}

// An entity page takes the name the report prints: a resource group by its
// name is the group; a name that stands for nothing says what would match.
func TestEntityPageNames(t *testing.T) {
	ts := newServer(t)
	for _, tt := range []struct{ path, want string }{
		{"/entities/AzureResource/rg-finance-prod?ws=demo",
			"/subscriptions/7725679f-6fa8-4075-abf9-4113bf57dce5/resourcegroups/rg-finance-prod"},
		{"/entities/AzureResource/rg-financ?ws=demo",
			"resources whose name contains it: /subscriptions/7725679f-6fa8-4075-abf9-4113bf57dce5/resourcegroups/rg-finance-prod"},
		{"/entities/Host/wks-fin?ws=demo", "hosts whose name contains wks-fin: wks-fin-03.contoso-demo.example"},
		{"/entities/Account/%3Cb%3Enobody?ws=demo", "no account &lt;b&gt;nobody in the logs"},
	} {
		code, body := ts.get(t, tt.path)
		if code != http.StatusOK || !strings.Contains(body, tt.want) {
			t.Errorf("GET %s: %d; want it to say %q\n%.3000s", tt.path, code, tt.want, body)
		}
	}
}

func TestSecurityHeaders(t *testing.T) {
	ts := newServer(t)
	res, err := ts.client.Get(ts.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	for k, want := range map[string]string{
		"Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
		"X-Content-Type-Options":  "nosniff",
		"X-Frame-Options":         "DENY",
		"Cache-Control":           "no-store",
	} {
		if got := res.Header.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	c := res.Cookies()
	if len(c) != 1 || !c[0].HttpOnly || c[0].SameSite != http.SameSiteStrictMode {
		t.Errorf("session cookie = %+v, want one HttpOnly SameSite=Strict cookie", c)
	}
	// Static files are versioned and cached for long.
	_, page := ts.get(t, "/")
	m := regexp.MustCompile(`/static/web\.css\?v=[0-9a-f]+`).FindString(page)
	res, err = ts.client.Get(ts.URL + m)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if cc := res.Header.Get("Cache-Control"); !strings.Contains(cc, "max-age=31536000") {
		t.Errorf("%s: Cache-Control %q", m, cc)
	}
}

// rowNumbers returns the incident numbers of the queue's rows, in order.
func rowNumbers(t *testing.T, page string) []int {
	t.Helper()
	var out []int
	for _, m := range regexp.MustCompile(`<td class="num"><a href="/incidents/(\d+)\?`).FindAllStringSubmatch(page, -1) {
		n, _ := strconv.Atoi(m[1])
		out = append(out, n)
	}
	return out
}

func TestQueueFilters(t *testing.T) {
	ts := newServer(t)
	_, page := ts.get(t, "/")
	def := rowNumbers(t, page)
	_, page = ts.get(t, "/?window=30d")
	all := rowNumbers(t, page)
	if len(def) < 5 || len(all) <= len(def) {
		t.Fatalf("default window lists %d incidents, 30 days %d: want some, and more in 30 days", len(def), len(all))
	}
	if !strings.Contains(page, `<option value="30d" selected>`) {
		t.Error("the window picker does not show 30d selected")
	}

	_, page = ts.get(t, "/?window=30d&severity=High")
	high := rowNumbers(t, page)
	if len(high) == 0 || len(high) >= len(all) {
		t.Errorf("severity High: %d of %d rows", len(high), len(all))
	}
	if n := strings.Count(page, `<span class="badge sev sev-high">High</span>`); n != len(high) {
		t.Errorf("severity High: %d rows but %d High badges", len(high), n)
	}

	_, page = ts.get(t, "/?window=30d&status=Closed")
	if closed := rowNumbers(t, page); len(closed) >= len(all) || strings.Contains(page, `inc-new">New`) {
		t.Errorf("status Closed lists %d of %d, or a New one", len(closed), len(all))
	}

	_, page = ts.get(t, "/?window=30d&owner=unassigned")
	if strings.Count(page, `<span class="muted">unassigned</span>`) != len(rowNumbers(t, page)) {
		t.Error("owner=unassigned lists assigned incidents")
	}

	_, page = ts.get(t, fmt.Sprintf("/?window=30d&q=%d", demoIncident))
	if got := rowNumbers(t, page); !slices.Contains(got, demoIncident) {
		t.Errorf("q=%d lists %v", demoIncident, got)
	}
	_, page = ts.get(t, "/?window=30d&q=zzzz-no-such-title")
	if got := rowNumbers(t, page); len(got) != 0 || !strings.Contains(page, "No incident in this window matches") {
		t.Errorf("a title that matches nothing lists %v", got)
	}

	_, page = ts.get(t, "/?window=30d&sort=number&dir=asc")
	asc := rowNumbers(t, page)
	if !slices.IsSorted(asc) {
		t.Errorf("sort=number&dir=asc: %v", asc)
	}
	if !strings.Contains(page, `aria-sort="ascending"`) {
		t.Error("the sorted column has no aria-sort")
	}
	_, page = ts.get(t, "/?window=30d&sort=number&dir=desc")
	desc := rowNumbers(t, page)
	slices.Reverse(desc)
	if !slices.Equal(asc, desc) {
		t.Error("sort=number&dir=desc is not the reverse of asc")
	}

	code, page := ts.get(t, "/?window=custom&start=2026-11-20T00:00&end=2026-11-21T00:00")
	if code != http.StatusOK || len(rowNumbers(t, page)) == 0 {
		t.Errorf("custom window: %d, %d rows", code, len(rowNumbers(t, page)))
	}
	_, page = ts.get(t, "/?window=custom&start=garbage")
	if !strings.Contains(page, "cannot read") {
		t.Error("a bad start time is not reported")
	}
}

// TestQueueAsOf checks that the windows of a workspace whose data ends
// before now (the demo, as of the start of its day) end there.
func TestQueueAsOf(t *testing.T) {
	o := options(t)
	asOf := testNow.Add(-30 * time.Hour)
	open := o.Open
	o.Open = func(ctx context.Context, name string) (*web.Env, error) {
		env, err := open(ctx, name)
		if env != nil {
			env.AsOf = asOf
		}
		return env, err
	}
	ts := newServerWith(t, o)
	_, page := ts.get(t, "/")
	got := rowNumbers(t, page)
	_, page2 := ts.get(t, "/?window=custom&start="+asOf.Add(-48*time.Hour).Format("2006-01-02T15:04")+"&end="+asOf.Format("2006-01-02T15:04"))
	if want := rowNumbers(t, page2); len(got) == 0 || !slices.Equal(got, want) {
		t.Errorf("default window lists %v, want the 48 hours before the data's end: %v", got, want)
	}
	if !strings.Contains(page, "data ends at "+asOf.Format("2006-01-02 15:04 UTC")) {
		t.Error("the queue does not say where the workspace's data ends")
	}
	_, all := ts.get(t, "/")
	if _, now := newServer(t).get(t, "/"); slices.Equal(rowNumbers(t, all), rowNumbers(t, now)) {
		t.Error("the window ending at AsOf lists what the window ending now does")
	}
}

func TestIncidentPage(t *testing.T) {
	ts := newServer(t)
	path := fmt.Sprintf("/incidents/%d?ws=demo", demoIncident)
	_, page := ts.get(t, path)
	if !strings.Contains(page, "WKS-FIN-07") && !strings.Contains(page, "wks-fin-07") {
		t.Errorf("incident %d's page does not name its host", demoIncident)
	}
	events := ts.waitTriage(t, "demo", demoIncident)
	for _, step := range []string{"details", "graph", "indicators", "ti", "related", "summaries"} {
		if !strings.Contains(events, `"slug":"`+step+`"`) {
			t.Errorf("no event for step %s", step)
		}
	}
	_, page = ts.get(t, path)
	if strings.Contains(page, `http-equiv="refresh"`) {
		t.Error("the finished triage's page still refreshes")
	}
	if strings.Contains(page, `data-status="waiting"`) {
		t.Error("the finished triage's page has a waiting step")
	}
	// Run again: a new triage starts.
	res, _ := ts.post(t, fmt.Sprintf("/incidents/%d/run?ws=demo", demoIncident), url.Values{"csrf": {token(t, page, fmt.Sprintf("/incidents/%d/run", demoIncident))}}, nil)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("run again: %d", res.StatusCode)
	}
	ts.waitTriage(t, "demo", demoIncident)
}

func TestCSRF(t *testing.T) {
	ts := newServer(t)
	const n = 120
	action := fmt.Sprintf("/incidents/%d/comment", n)
	_, page := ts.get(t, fmt.Sprintf("/incidents/%d?ws=demo", n))
	tok := token(t, page, action)
	_, other := ts.get(t, "/lookup")
	for _, c := range []struct {
		name   string
		form   url.Values
		header map[string]string
		want   int
	}{
		{"no token", url.Values{"message": {"x"}}, nil, http.StatusForbidden},
		{"wrong token", url.Values{"message": {"x"}, "csrf": {"AAAA" + tok[4:]}}, nil, http.StatusForbidden},
		{"token of another form", url.Values{"message": {"x"}, "csrf": {token(t, other, "/lookup")}}, nil, http.StatusForbidden},
		{"foreign origin", url.Values{"message": {"x"}, "csrf": {tok}}, map[string]string{"Origin": "http://evil.example"}, http.StatusForbidden},
		{"null origin", url.Values{"message": {"x"}, "csrf": {tok}}, map[string]string{"Origin": "null"}, http.StatusForbidden},
		{"foreign referer", url.Values{"message": {"x"}, "csrf": {tok}}, map[string]string{"Origin": "", "Referer": "http://evil.example/page"}, http.StatusForbidden},
		{"cross-site fetch", url.Values{"message": {"x"}, "csrf": {tok}}, map[string]string{"Sec-Fetch-Site": "cross-site"}, http.StatusForbidden},
		{"valid", url.Values{"message": {"x"}, "csrf": {tok}}, nil, http.StatusOK},
		{"valid, no origin", url.Values{"message": {"x"}, "csrf": {tok}}, map[string]string{"Origin": ""}, http.StatusOK},
	} {
		t.Run(c.name, func(t *testing.T) {
			res, body := ts.post(t, action+"?ws=demo", c.form, c.header)
			if res.StatusCode != c.want {
				t.Errorf("%d, want %d\n%.400s", res.StatusCode, c.want, body)
			}
			if c.want == http.StatusForbidden && !strings.Contains(body, "Refused") {
				t.Errorf("the refusal does not say why:\n%.400s", body)
			}
		})
	}
	// Another session (no cookie) is refused with the token of the first.
	other2 := newServer(t)
	other2.client.Jar = nil
	req, _ := http.NewRequest(http.MethodPost, ts.URL+action+"?ws=demo", strings.NewReader(url.Values{"message": {"x"}, "csrf": {tok}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusForbidden {
		t.Errorf("no session cookie: %d, want 403", res.StatusCode)
	}
}

func TestHostCheck(t *testing.T) {
	ts := newServer(t)
	_, port, _ := strings.Cut(strings.TrimPrefix(ts.URL, "http://"), ":")
	for host, want := range map[string]int{
		"127.0.0.1:" + port:        http.StatusOK,
		"localhost:" + port:        http.StatusOK,
		"evil.example:" + port:     http.StatusMisdirectedRequest,
		"127.0.0.1.nip.io:" + port: http.StatusMisdirectedRequest,
		"127.0.0.1:1":              http.StatusMisdirectedRequest,
		"10.0.0.1:" + port:         http.StatusMisdirectedRequest,
	} {
		req, _ := http.NewRequest(http.MethodGet, ts.URL+"/providers", nil)
		req.Host = host
		res, err := ts.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != want {
			t.Errorf("Host %s: %d, want %d", host, res.StatusCode, want)
		}
	}
}

func TestCrossSiteGet(t *testing.T) {
	ts := newServer(t)
	// Only a top-level navigation (Sec-Fetch-Dest: document) is let in
	// from another site: an iframe is a navigation too, and its page would
	// do its work before frame-ancestors hid it.
	for _, c := range []struct {
		site, mode, dest string
		want             int
	}{
		{"cross-site", "no-cors", "image", http.StatusForbidden},
		{"same-site", "cors", "empty", http.StatusForbidden},
		{"cross-site", "navigate", "iframe", http.StatusForbidden},
		{"same-site", "navigate", "frame", http.StatusForbidden},
		{"cross-site", "navigate", "", http.StatusForbidden},
		{"cross-site", "navigate", "document", http.StatusOK},
		{"same-site", "navigate", "document", http.StatusOK},
		{"same-origin", "cors", "empty", http.StatusOK},
		{"same-origin", "navigate", "iframe", http.StatusOK},
		{"none", "navigate", "document", http.StatusOK},
		{"", "", "", http.StatusOK},
	} {
		req, _ := http.NewRequest(http.MethodGet, ts.URL+"/providers", nil)
		for k, v := range map[string]string{"Sec-Fetch-Site": c.site, "Sec-Fetch-Mode": c.mode, "Sec-Fetch-Dest": c.dest} {
			if v != "" {
				req.Header.Set(k, v)
			}
		}
		res, err := ts.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != c.want {
			t.Errorf("Sec-Fetch-Site %q, mode %q, dest %q: %d, want %d", c.site, c.mode, c.dest, res.StatusCode, c.want)
		}
	}
}

func TestActions(t *testing.T) {
	ts := newServer(t)
	const n = 119
	incPath := fmt.Sprintf("/incidents/%d", n)
	_, page := ts.get(t, incPath+"?ws=demo")

	// A comment: reviewed, confirmed, then listed.
	msg := "Checked with the user <b>not</b> markup: travelling. " + strconv.Itoa(n)
	tok := token(t, page, incPath+"/comment")
	res, body := ts.post(t, incPath+"/comment?ws=demo", url.Values{"csrf": {tok}, "message": {msg}}, nil)
	if res.StatusCode != http.StatusOK || !strings.Contains(body, html.EscapeString(msg)) || !strings.Contains(body, "Confirm: add the comment") {
		t.Fatalf("comment review: %d\n%.600s", res.StatusCode, body)
	}
	_, before := ts.get(t, incPath+"?ws=demo")
	if strings.Contains(before, html.EscapeString(msg)) {
		t.Fatal("the comment was posted before it was confirmed")
	}
	res, _ = ts.post(t, incPath+"/comment?ws=demo", url.Values{"csrf": {token(t, body, incPath+"/comment")}, "message": {msg}, "confirm": {"1"}}, nil)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("comment confirm: %d", res.StatusCode)
	}
	_, page = ts.get(t, res.Header.Get("Location"))
	if !strings.Contains(page, html.EscapeString(msg)) || !strings.Contains(page, "Your comment was added") {
		t.Error("the confirmed comment is not listed on the incident page")
	}

	// A status change: reviewed with the exact change, confirmed, visible.
	upd := url.Values{"csrf": {token(t, page, incPath+"/update")}, "status": {"Active"}, "owner": {"alice@contoso.com"}}
	res, body = ts.post(t, incPath+"/update?ws=demo", upd, nil)
	if res.StatusCode != http.StatusOK || !strings.Contains(body, "status: &#34;") || !strings.Contains(body, "Confirm the change") {
		t.Fatalf("update review: %d\n%.800s", res.StatusCode, body)
	}
	read := regexp.MustCompile(`name="read" value="([^"]+)"`).FindStringSubmatch(body)
	if read == nil {
		t.Fatal("the confirmation carries no incident as read")
	}
	conf := url.Values{"csrf": {upd.Get("csrf")}, "status": {"Active"}, "owner": {"alice@contoso.com"}, "read": {read[1]}, "confirm": {"1"}}
	res, _ = ts.post(t, incPath+"/update?ws=demo", conf, nil)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("update confirm: %d", res.StatusCode)
	}
	_, page = ts.get(t, incPath+"?ws=demo")
	if !strings.Contains(page, `inc-active">Active`) || !strings.Contains(page, "alice@contoso.com") {
		t.Error("the status change is not visible on the incident page")
	}

	// The same confirmation again: the incident changed since it was read.
	res, body = ts.post(t, incPath+"/update?ws=demo", url.Values{"csrf": {upd.Get("csrf")}, "severity": {"Low"}, "read": {read[1]}, "confirm": {"1"}}, nil)
	if res.StatusCode != http.StatusConflict || !strings.Contains(body, "Someone changed this incident") || !strings.Contains(body, "status: ") {
		t.Errorf("stale confirmation: %d\n%.800s", res.StatusCode, body)
	}

	// Closing without a classification: the error is shown by the field.
	res, body = ts.post(t, incPath+"/update?ws=demo", url.Values{"csrf": {upd.Get("csrf")}, "status": {"Closed"}}, nil)
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `id="u-class-err"`) {
		t.Errorf("close without classification: %d\n%.600s", res.StatusCode, body)
	}
	// A reason that does not go with the classification.
	res, body = ts.post(t, incPath+"/update?ws=demo", url.Values{"csrf": {upd.Get("csrf")}, "status": {"Closed"}, "classification": {"FalsePositive"}, "reason": {"SuspiciousActivity"}}, nil)
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `id="u-reason-err"`) {
		t.Errorf("mismatched reason: %d\n%.600s", res.StatusCode, body)
	}
	// A bad owner.
	res, body = ts.post(t, incPath+"/update?ws=demo", url.Values{"csrf": {upd.Get("csrf")}, "owner": {"not an owner"}}, nil)
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `id="u-owner-err"`) {
		t.Errorf("bad owner: %d\n%.600s", res.StatusCode, body)
	}
	// An empty comment.
	res, _ = ts.post(t, incPath+"/comment?ws=demo", url.Values{"csrf": {tok}, "message": {"  "}}, nil)
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("empty comment: %d", res.StatusCode)
	}
}

func TestLookup(t *testing.T) {
	ts := newServer(t)
	_, page := ts.get(t, "/lookup")
	res, body := ts.post(t, "/lookup", url.Values{
		"csrf": {token(t, page, "/lookup")},
		"text": {"beacon to hxxps://svc-telemetry[.]example[.]net/a and 203.0.113.66, from 10.1.2.3"},
	}, nil)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("lookup: %d\n%.500s", res.StatusCode, body)
	}
	for _, want := range []string{"203.0.113.66", "10.1.2.3", "sentinel-ti", "Verdict"} {
		if !strings.Contains(body, want) {
			t.Errorf("the lookup page does not show %q", want)
		}
	}
	// The verdict names what set it; the results list the most severe first.
	if !strings.Contains(body, "rate an indicator high: 203.0.113.66 (sentinel-ti)") {
		t.Error("the lookup page's verdict does not name 203.0.113.66 (sentinel-ti)")
	}
	_, results, _ := strings.Cut(body, `id="lk-results"`)
	if hi, lo := strings.Index(results, "203.0.113.66"), strings.Index(results, "10.1.2.3"); hi < 0 || lo < hi {
		t.Errorf("the internal 10.1.2.3 is listed before the high 203.0.113.66:\n%.2000s", results)
	}
	_, body = ts.post(t, "/lookup", url.Values{"csrf": {token(t, page, "/lookup")}, "text": {"203.0.113.66"}}, nil)
	if !strings.Contains(body, "<h3>1 indicator</h3>") {
		t.Error(`one indicator is not "1 indicator"`)
	}
	res, body = ts.post(t, "/lookup", url.Values{"csrf": {token(t, page, "/lookup")}, "text": {"nothing to see"}}, nil)
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "No indicator found") {
		t.Errorf("text without indicators: %d", res.StatusCode)
	}
}

// The word beside an indicator says what it is: a documentation address is
// reserved (no one's), a private one internal (ours); that neither is sent
// out is a statement of its own beside the results.
func TestLookupWithheldWords(t *testing.T) {
	ts := newServer(t)
	_, page := ts.get(t, "/lookup")
	_, body := ts.post(t, "/lookup", url.Values{
		"csrf": {token(t, page, "/lookup")},
		"text": {"203.0.113.66 198.51.100.23 10.0.0.5 2001:db8:bad:1::66 evil.example 8.8.8.8"},
	}, nil)
	for _, tt := range []struct{ value, tag string }{
		{"203.0.113.66", "reserved"},
		{"198.51.100.23", "reserved"},
		{"2001:db8:bad:1::66", "reserved"},
		{"evil.example", "reserved"},
		{"10.0.0.5", "internal"},
		{"8.8.8.8", ""},
	} {
		chip := ""
		for _, c := range strings.Split(body, `<li class="chip">`)[1:] {
			c, _, _ = strings.Cut(c, "</li>")
			if strings.Contains(c, ">"+tt.value+"<") {
				chip = c
			}
		}
		want := ""
		if tt.tag != "" {
			want = ` <span class="tag">` + tt.tag + `</span>`
		}
		if chip == "" || !strings.HasSuffix(chip, "</a>"+want) {
			t.Errorf("the chip of %s is %q; want it to end with %q", tt.value, chip, want)
		}
	}
	want := `Never sent to external providers: <span class="value">203.0.113.66</span>, <span class="value">198.51.100.23</span>, ` +
		`<span class="value">2001:db8:bad:1::66</span>, <span class="value">evil.example</span> (reserved); <span class="value">10.0.0.5</span> (internal).`
	if !strings.Contains(body, want) {
		t.Errorf("the page does not say %q", want)
	}
}

func TestProviders(t *testing.T) {
	ts := newServer(t)
	_, page := ts.get(t, "/providers")
	for _, want := range []string{"sentinel-ti", "virustotal", "not configured", "no API key", `class="key-missing">missing`, `class="key-set">set`,
		`class="pstate ps-on-request">on request`, `class="pstate ps-not-configured">not configured`} {
		if !strings.Contains(page, want) {
			t.Errorf("the providers page does not show %q", want)
		}
	}
}

// checkInert fails when page has markup that did not come from the
// server's own templates: a script that is not one of its files, an event
// handler attribute, a javascript: URL, an element that only injection
// would bring.
func checkInert(t *testing.T, name, page string) {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			switch n.Data {
			case "iframe", "style", "object", "embed", "math", "base", "frame":
				t.Errorf("%s: injected <%s>", name, n.Data)
			case "script":
				src := attr(n, "src")
				if !strings.HasPrefix(src, "/static/") {
					t.Errorf("%s: a script that is not the server's: src=%q", name, src)
				}
			case "img":
				if attr(n, "src") == "x" {
					t.Errorf("%s: injected <img src=x>", name)
				}
			}
			for _, a := range n.Attr {
				k := strings.ToLower(a.Key)
				if strings.HasPrefix(k, "on") {
					t.Errorf("%s: <%s %s=%.80q>", name, n.Data, a.Key, a.Val)
				}
				if k == "style" {
					t.Errorf("%s: <%s style=...>: no inline style", name, n.Data)
				}
				if k == "href" || k == "src" || k == "action" || k == "formaction" || strings.HasSuffix(k, ":href") {
					v := strings.ToLower(strings.TrimSpace(a.Val))
					if strings.HasPrefix(v, "javascript:") || strings.HasPrefix(v, "data:text/html") {
						t.Errorf("%s: <%s %s=%.80q>", name, n.Data, a.Key, a.Val)
					}
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	checkVisible(t, name, doc)
	for _, raw := range []string{`<script>alert`, `<img src=x`, `<svg onload`, `<b>bold</b>`, `<iframe`} {
		if strings.Contains(page, raw) {
			t.Errorf("%s: %q appears unescaped", name, raw)
		}
	}
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func TestHostile(t *testing.T) {
	ts := newServer(t)
	_, page := ts.get(t, "/?ws=hostile&window=7d")
	checkInert(t, "queue", page)
	if got := len(rowNumbers(t, page)); got != len(hostileStrings) {
		t.Errorf("the hostile queue lists %d incidents, want %d", got, len(hostileStrings))
	}
	pages := map[string]string{}
	for _, n := range hostileNumbers() {
		ts.waitTriage(t, "hostile", n)
		path := fmt.Sprintf("/incidents/%d?ws=hostile", n)
		_, p := ts.get(t, path)
		checkInert(t, path, p)
		pages[path] = p
	}
	// Every entity page linked from the incident with the hostile entities.
	seen := map[string]bool{}
	for _, m := range regexp.MustCompile(`href="(/entities/[^"]+)"`).FindAllStringSubmatch(pages["/incidents/1?ws=hostile"], -1) {
		u := html.UnescapeString(m[1])
		if seen[u] {
			continue
		}
		seen[u] = true
		code, p := ts.get(t, u)
		if code != http.StatusOK && code != http.StatusBadRequest {
			t.Errorf("%s: %d", u, code)
		}
		checkInert(t, u, p)
	}
	t.Logf("%d entity pages checked", len(seen))
	for _, sec := range []string{"details", "graph", "indicators", "ti", "related", "summaries"} {
		_, p := ts.get(t, "/incidents/1/sections/"+sec+"?ws=hostile")
		checkInert(t, "section "+sec, "<!doctype html><body>"+p)
	}
	// Forms echo hostile input as text.
	p := pages["/incidents/1?ws=hostile"]
	for _, h := range hostileStrings[:8] {
		_, body := ts.post(t, "/incidents/1/comment?ws=hostile", url.Values{"csrf": {token(t, p, "/incidents/1/comment")}, "message": {h}}, nil)
		checkInert(t, "comment review", body)
		_, body = ts.post(t, "/incidents/1/update?ws=hostile", url.Values{"csrf": {token(t, p, "/incidents/1/update")}, "owner": {h}, "classification_comment": {h}}, nil)
		checkInert(t, "update review", body)
	}
	_, lk := ts.get(t, "/lookup?ws=hostile")
	_, body := ts.post(t, "/lookup?ws=hostile", url.Values{"csrf": {token(t, lk, "/lookup")}, "text": {strings.Join(hostileStrings, "\n") + " 203.0.113.66 evil.example.com"}}, nil)
	checkInert(t, "lookup", body)
}

// steady answers every lookup "information", for a quota to ration.
type steady struct{}

func (steady) Name() string           { return "steady" }
func (steady) External() bool         { return false }
func (steady) Supports(ioc.Kind) bool { return true }
func (steady) Lookup(context.Context, ioc.Indicator) (intel.Result, error) {
	return intel.Result{Severity: intel.SeverityInformation, Summary: "seen"}, nil
}

// TestTriageFinishesLookups checks that lookups the wait budget left are
// made after the page has its sections, and that the page hears of it: the
// threat-intel section says what it waits for, then comes back complete.
func TestTriageFinishesLookups(t *testing.T) {
	o := options(t)
	open := o.Open
	o.Open = func(ctx context.Context, name string) (*web.Env, error) {
		env, err := open(ctx, name)
		if env != nil {
			env.Intel = &intel.Engine{Providers: []intel.Provider{steady{}}, MaxWait: intel.NoWait,
				Settings: map[string]intel.Settings{"steady": {Quota: intel.Quota{PerSecond: 4}}}}
		}
		return env, err
	}
	body := newServerWith(t, o).waitTriage(t, "demo", demoIncident)
	var ti []string
	for _, line := range strings.Split(body, "\n") {
		data, ok := strings.CutPrefix(line, "data: ")
		if !ok || !strings.Contains(data, `"slug":"ti"`) {
			continue
		}
		var d struct{ Status, Reason string }
		if err := json.Unmarshal([]byte(data), &d); err != nil {
			t.Fatal(err)
		}
		ti = append(ti, d.Status+": "+d.Reason)
	}
	// The stream replays the finished report's sections last.
	if len(ti) < 2 || !slices.ContainsFunc(ti, func(s string) bool { return strings.Contains(s, "lookups left as the providers' quotas free") }) ||
		!strings.HasPrefix(ti[len(ti)-1], "ok: ") {
		t.Errorf("threat-intel events:\n%s\nwant one saying what it waits for, the last ok", strings.Join(ti, "\n"))
	}
}

// TestProvidersOffNeutral checks that a provider that is simply off says
// "off" with why, in a neutral style, and that its unset key is not shown
// in red as missing: red is for providers that cannot run.
func TestProvidersOffNeutral(t *testing.T) {
	ts := newServer(t)
	_, page := ts.get(t, "/providers")
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]string{}
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == "tr" {
			var b strings.Builder
			if err := html.Render(&b, n); err == nil {
				if th := n.FirstChild; th != nil {
					for c := n.FirstChild; c != nil; c = c.NextSibling {
						if c.Type == html.ElementNode && c.Data == "th" && c.FirstChild != nil {
							rows[strings.TrimSpace(c.FirstChild.Data)] = b.String()
						}
					}
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	off := rows["abuseipdb"]
	if !strings.Contains(off, `class="pstate ps-off">off`) || !strings.Contains(off, "not enabled") {
		t.Errorf("the off provider's row does not say off with why: %s", off)
	}
	if strings.Contains(off, "key-missing") || !strings.Contains(off, "not set") {
		t.Errorf("the off provider's unset key reads as a failure: %s", off)
	}
	if nc := rows["otx"]; !strings.Contains(nc, `class="key-missing">missing`) {
		t.Errorf("the provider that cannot run for want of its key does not say so: %s", nc)
	}
}
