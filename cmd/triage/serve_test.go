package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os/exec"
	"regexp"
	"strings"
	"testing"
)

// TestServeAgainstSentinel: the web UI of `triage serve`, on a Sentinel
// workspace, writes a comment and a status change back to the service
// through its confirmation pages, as an analyst's browser would post them.
func TestServeAgainstSentinel(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	f := newFakeSentinel(t)
	out, errOut, code := runBinary(t, f.dir, f.env, "--config", f.cfgFile, "incidents", "--json", "--since", "14d")
	if code != 0 {
		t.Fatalf("incidents: exit %d: %s", code, errOut)
	}
	var incs []struct {
		Name   string `json:"name"`
		Number int    `json:"number"`
	}
	must(t, json.Unmarshal([]byte(out), &incs))
	if len(incs) == 0 {
		t.Fatal("no incident on the service")
	}
	name, number := incs[0].Name, incs[0].Number

	cmd := exec.Command(binary(t), "--config", f.cfgFile, "serve", "--listen", "127.0.0.1:0")
	cmd.Env, cmd.Dir = f.env, f.dir
	stderr, err := cmd.StderrPipe()
	must(t, err)
	must(t, cmd.Start())
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	lines := bufio.NewScanner(stderr)
	var base string
	for base == "" && lines.Scan() {
		if u, ok := strings.CutPrefix(lines.Text(), "triage: serving "); ok {
			base = strings.TrimSuffix(u, "/")
		}
	}
	if base == "" {
		t.Fatalf("serve printed no URL: %v", lines.Err())
	}
	go io.Copy(io.Discard, stderr)

	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	send := func(req *http.Request) (*http.Response, string) {
		t.Helper()
		res, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		must(t, err)
		return res, string(b)
	}
	get := func(path string) string {
		t.Helper()
		req, err := http.NewRequest(http.MethodGet, base+path, nil)
		must(t, err)
		res, body := send(req)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d\n%.500s", path, res.StatusCode, body)
		}
		return body
	}
	post := func(path string, form url.Values) (*http.Response, string) {
		t.Helper()
		req, err := http.NewRequest(http.MethodPost, base+path, strings.NewReader(form.Encode()))
		must(t, err)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", base)
		return send(req)
	}
	incPath := fmt.Sprintf("/incidents/%d", number)
	csrf := func(page, action string) string {
		t.Helper()
		re := regexp.MustCompile(`<form method="post" action="` + regexp.QuoteMeta(action) + `[?"][^>]*>\s*<input type="hidden" name="csrf" value="([^"]+)">`)
		m := re.FindStringSubmatch(page)
		if m == nil {
			t.Fatalf("no form posting to %s on the page", action)
		}
		return m[1]
	}

	// A comment: reviewed, confirmed, on the service.
	page := get(incPath + "?ws=lab")
	msg := "Checked from the web UI: the user was travelling."
	res, review := post(incPath+"/comment?ws=lab", url.Values{"csrf": {csrf(page, incPath+"/comment")}, "message": {msg}})
	if res.StatusCode != http.StatusOK || !strings.Contains(review, "Confirm: add the comment") {
		t.Fatalf("comment review: %d\n%.600s", res.StatusCode, review)
	}
	if cs := f.srv.Comments(name); len(cs) != 0 {
		t.Fatalf("a comment reached the service before it was confirmed: %q", cs)
	}
	res, _ = post(incPath+"/comment?ws=lab", url.Values{"csrf": {csrf(review, incPath+"/comment")}, "message": {msg}, "confirm": {"1"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("comment confirm: %d", res.StatusCode)
	}
	if cs := f.srv.Comments(name); len(cs) != 1 || cs[0] != msg {
		t.Errorf("comments on the service = %q, want the confirmed one", cs)
	}

	// A status change: reviewed with the incident as read, confirmed, on the service.
	page = get(incPath + "?ws=lab")
	tok := csrf(page, incPath+"/update")
	res, review = post(incPath+"/update?ws=lab", url.Values{"csrf": {tok}, "status": {"Active"}})
	read := regexp.MustCompile(`name="read" value="([^"]+)"`).FindStringSubmatch(review)
	if res.StatusCode != http.StatusOK || read == nil {
		t.Fatalf("update review: %d\n%.800s", res.StatusCode, review)
	}
	if inc, _ := f.srv.Incident(name); inc.Status == "Active" {
		t.Fatal("the status changed before it was confirmed")
	}
	res, body := post(incPath+"/update?ws=lab", url.Values{"csrf": {tok}, "status": {"Active"}, "read": {read[1]}, "confirm": {"1"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("update confirm: %d\n%.600s", res.StatusCode, body)
	}
	if inc, _ := f.srv.Incident(name); inc.Status != "Active" {
		t.Errorf("incident on the service after the change: status %q, want Active", inc.Status)
	}
}
