package web_test

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// The browser tests drive Debian's chromium, headless, against the server
// on 127.0.0.1. Without chromium they are skipped, saying how to install it
// (TestScreenshots given -screenshots fails instead).

var screenshotDir = flag.String("screenshots", "", "write screenshots of the main pages to this directory (TestScreenshots)")

// chromiumPath finds Debian's chromium.
func chromiumPath() string {
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium"
	}
	return ""
}

// newBrowser starts a headless chromium for the test.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	path := chromiumPath()
	if path == "" {
		t.Skip("chromium is not installed: the browser tests need Debian's chromium; install it with `apt-get install chromium` (.ci/run does)")
	}
	actx, cancel := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-features", "Translate,MediaRouter,OptimizationHints"),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.WindowSize(1360, 900),
		chromedp.UserDataDir(t.TempDir()),
	)
	t.Cleanup(cancel)
	ctx, cancel2 := chromedp.NewContext(actx)
	t.Cleanup(cancel2)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium (%s): %v", path, err)
	}
	return ctx
}

// monitor records what a tab does that a page of the UI must never do:
// console errors, exceptions, CSP violations, dialogs (an injected
// alert()), and requests to anywhere but 127.0.0.1.
type monitor struct {
	mu       sync.Mutex
	problems []string
	requests []string
	dialogs  []string
}

func (m *monitor) add(s string) {
	m.mu.Lock()
	m.problems = append(m.problems, s)
	m.mu.Unlock()
}

func (m *monitor) listen(ctx *context.Context) func(ev any) {
	return func(ev any) {
		switch ev := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeAssert || ev.Type == runtime.ConsoleAPICalledTypeWarning {
				var parts []string
				for _, a := range ev.Args {
					parts = append(parts, string(a.Value)+a.Description)
				}
				m.add(fmt.Sprintf("console.%s: %s", ev.Type, strings.Join(parts, " ")))
			}
		case *runtime.EventExceptionThrown:
			d := ev.ExceptionDetails
			msg := d.Text
			if d.Exception != nil {
				msg += " " + d.Exception.Description
			}
			m.add(fmt.Sprintf("exception at %s:%d: %s", d.URL, d.LineNumber, msg))
		case *cdplog.EventEntryAdded:
			if ev.Entry.Level == cdplog.EntryLevelError || ev.Entry.Level == cdplog.EntryLevelWarning {
				m.add(fmt.Sprintf("log %s (%s): %s %s", ev.Entry.Level, ev.Entry.Source, ev.Entry.Text, ev.Entry.URL))
			}
		case *network.EventRequestWillBeSent:
			u, err := url.Parse(ev.Request.URL)
			m.mu.Lock()
			m.requests = append(m.requests, ev.Request.URL)
			m.mu.Unlock()
			if err != nil || (u.Scheme != "data" && u.Scheme != "about" && u.Scheme != "file" && u.Hostname() != "127.0.0.1") {
				m.add("request leaves 127.0.0.1: " + clipTo(ev.Request.URL, 200))
			}
		case *page.EventJavascriptDialogOpening:
			m.mu.Lock()
			m.dialogs = append(m.dialogs, ev.Message)
			m.mu.Unlock()
			m.add(fmt.Sprintf("a %s dialog opened: %q", ev.Type, ev.Message))
			go chromedp.Call(*ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
		}
	}
}

// check fails the test with what the tab did wrong.
func (m *monitor) check(t *testing.T) {
	t.Helper()
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, p := range m.problems {
		t.Error(p)
	}
	m.problems = nil
}

// sawRequest reports whether the tab requested a URL containing s.
func (m *monitor) sawRequest(s string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, r := range m.requests {
		if strings.Contains(r, s) {
			return true
		}
	}
	return false
}

// newTab opens a tab of browser with a monitor; the test fails with its
// findings at the end.
func newTab(t *testing.T, browser context.Context) (context.Context, *monitor) {
	t.Helper()
	m := &monitor{}
	var ctx context.Context
	ctx, cancel := chromedp.NewContext(browser, chromedp.WithListener(m.listen(&ctx)))
	t.Cleanup(func() {
		cancel()
		m.check(t)
	})
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1360, 900)); err != nil {
		t.Fatal(err)
	}
	return ctx, m
}

// run runs actions with a timeout.
func run(t *testing.T, ctx context.Context, d time.Duration, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	tctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	if err := chromedp.Do(tctx, actions...); err != nil {
		t.Fatal(err)
	}
}

func eval[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("%s: %v", js, err)
	}
	return v
}

// injected lists what the page has that only an injection would bring, and
// whether the page got wider than the window.
const injected = `(() => {
  const bad = [];
  for (const el of document.querySelectorAll('*')) {
    const t = el.tagName.toLowerCase();
    if (['iframe', 'object', 'embed', 'style', 'math', 'base', 'frame'].includes(t)) bad.push('<' + t + '>');
    if (t === 'script' && !(el.getAttribute('src') || '').startsWith('/static/')) bad.push('inline <script>');
    if (t === 'img' && el.getAttribute('src') === 'x') bad.push('<img src=x>');
    for (const a of el.attributes) {
      const n = a.name.toLowerCase();
      if (n.startsWith('on')) bad.push('<' + t + ' ' + n + '>');
      if (n === 'style') bad.push('<' + t + ' style>');
      if (['href', 'src', 'action', 'formaction', 'xlink:href'].includes(n) && /^\s*javascript:/i.test(a.value)) bad.push('<' + t + ' ' + n + '=' + a.value.slice(0, 40) + '>');
    }
  }
  if (window.__pwned) bad.push('window.__pwned');
  const w = document.documentElement.scrollWidth;
  if (w > window.innerWidth + 1) bad.push('the page is ' + w + 'px wide in a ' + window.innerWidth + 'px window');
  return bad;
})()`

func checkPage(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	for _, b := range eval[[]string](t, ctx, injected) {
		t.Errorf("%s: %s", name, b)
	}
}

// setValue sets the value of the form control sel, whatever the value
// holds.
func setValue(sel, v string) chromedp.Action[chromedp.Void] {
	js, _ := json.Marshal(v)
	q, _ := json.Marshal(sel)
	return chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`document.querySelector(%s).value = %s`, q, js))
}

// waitDone waits for the incident page's triage to complete.
func waitDone(t *testing.T, ctx context.Context) {
	t.Helper()
	run(t, ctx, 90*time.Second, chromedp.WaitVisible(chromedp.CSS(`#triage[data-state="done"]`)))
}

func TestBrowser(t *testing.T) {
	t.Parallel() // the browser tests wait on chromium more than they compute
	browser := newBrowser(t)
	ts := newServer(t)
	// The hostile incidents and the one on the map are triaged while the
	// other subtests run: their pages then come whole from the server.
	go func() {
		for _, n := range hostileNumbers() {
			ts.triage("hostile", n)
		}
		ts.triage("demo", mapIncident)
	}()

	t.Run("queue", func(t *testing.T) {
		ctx, _ := newTab(t, browser)
		run(t, ctx, 30*time.Second,
			chromedp.Navigate(ts.URL+"/?window=30d"),
			chromedp.WaitVisible(chromedp.CSS(`table.queue-table`)),
		)
		all := eval[int](t, ctx, `document.querySelectorAll('table.queue-table tbody tr').length`)
		if all < 10 {
			t.Fatalf("the queue lists %d incidents in 30 days", all)
		}
		checkPage(t, ctx, "queue")
		run(t, ctx, 30*time.Second,
			chromedp.SetValue(chromedp.CSS(`#f-severity`), "High"),
			chromedp.Click(chromedp.CSS(`.filters button[type=submit]`)),
			chromedp.WaitReady(chromedp.CSS(`#f-severity option[value="High"][selected]`)),
		)
		high := eval[int](t, ctx, `document.querySelectorAll('table.queue-table tbody tr').length`)
		highBadges := eval[int](t, ctx, `document.querySelectorAll('table.queue-table tbody .badge.sev-high').length`)
		if high == 0 || high >= all || highBadges != high {
			t.Errorf("filtered on High: %d rows of %d, %d High badges", high, all, highBadges)
		}
		// Sort by number, ascending, with the keyboard: focus the header
		// link and press Enter.
		run(t, ctx, 30*time.Second,
			chromedp.Focus(chromedp.CSS(`th[aria-sort] a[href*="sort=number"]`)),
			chromedp.KeyEvent("\r"),
			chromedp.WaitVisible(chromedp.CSS(`th[aria-sort="descending"] a[href*="sort=number"], th[aria-sort="ascending"] a[href*="sort=number"]`)),
		)
		nums := eval[[]int](t, ctx, `[...document.querySelectorAll('table.queue-table tbody td.num a')].map(a => +a.textContent)`)
		for i := 1; i < len(nums); i++ {
			if nums[i] > nums[i-1] {
				t.Errorf("sorted by number, descending first: %v", nums)
				break
			}
		}
	})

	t.Run("incident", func(t *testing.T) {
		ctx, m := newTab(t, browser)
		run(t, ctx, 30*time.Second,
			chromedp.Navigate(fmt.Sprintf("%s/incidents/%d?ws=demo", ts.URL, demoIncident)),
			chromedp.WaitVisible(chromedp.CSS(`#triage`)),
		)
		waitDone(t, ctx)
		if !m.sawRequest("/events?") {
			t.Error("the page did not follow the triage through server-sent events")
		}
		waiting := eval[[]string](t, ctx, `[...document.querySelectorAll('.tstep')].filter(s => s.dataset.status === 'waiting' || s.dataset.status === 'error').map(s => s.id + ' ' + s.dataset.status)`)
		if len(waiting) > 0 {
			t.Errorf("steps not done: %v", waiting)
		}
		// The priority arrives with the end of the triage, through the stream.
		if txt := eval[string](t, ctx, `(document.querySelector('#outcome #priority') || {}).textContent || ''`); !strings.Contains(txt, "/100") {
			t.Errorf("the streamed page shows no priority: %q", txt)
		}
		if n := eval[int](t, ctx, `document.querySelectorAll('#step-graph svg.chart-graph .nodes [data-i]').length`); n < 10 {
			t.Errorf("the entity graph has %d nodes", n)
		}
		if !eval[bool](t, ctx, `!document.getElementById('downloads').hidden`) {
			t.Error("the report downloads are not offered once the triage is done")
		}
		// The incidence grid and the graph's highlight, against the
		// report's JSON.
		_, js := ts.get(t, fmt.Sprintf("/incidents/%d/report?ws=demo&format=json", demoIncident))
		checkGridAndGraph(t, ctx, "incident page", []byte(js))
		// Every entity links to its own page.
		links := eval[[]string](t, ctx, `[...document.querySelectorAll('#step-details a[href^="/entities/"]')].map(a => a.getAttribute('href'))`)
		if len(links) == 0 {
			t.Fatal("no entity links to its page")
		}
		run(t, ctx, 60*time.Second,
			chromedp.Navigate(ts.URL+links[0]),
			chromedp.WaitVisible(chromedp.CSS(`.entity-head`)),
		)
		checkPage(t, ctx, links[0])
		// The host's page has tables wider than its card (OS and agent,
		// addresses, logons): they scroll inside it, the page does not
		// widen, and the entity's name is not broken a word a line.
		run(t, ctx, 60*time.Second,
			chromedp.Navigate(ts.URL+"/entities/Host/wks-fin-07.contoso-demo.example?ws=demo"),
			chromedp.WaitVisible(chromedp.CSS(`.entity-head`)),
		)
		checkPage(t, ctx, "host page")
		type wrap struct {
			Scrolling, Tables int
			Tallest           float64
		}
		w := eval[wrap](t, ctx, `(() => {
  const wraps = [...document.querySelectorAll('.summary-panel .tablewrap')];
  const lines = td => {
    const r = document.createRange(); r.selectNodeContents(td);
    const cs = getComputedStyle(td), lh = parseFloat(cs.lineHeight) || parseFloat(cs.fontSize) * 1.3;
    return r.getBoundingClientRect().height / lh;
  };
  const tallest = Math.max(0, ...[...document.querySelectorAll('.summary-panel table.data td.nobreak')].map(lines));
  return {Scrolling: wraps.filter(w => w.scrollWidth > w.clientWidth + 1).length, Tables: wraps.length, Tallest: tallest};
})()`)
		if w.Tables == 0 || w.Scrolling == 0 {
			t.Errorf("host page: %d of its %d tables scroll in their card; want its wide ones to", w.Scrolling, w.Tables)
		}
		if w.Tallest == 0 || w.Tallest > 1.5 {
			t.Errorf("host page: a name or address cell is %.1f lines high", w.Tallest)
		}

		// An incident with public addresses: the map shows where they are.
		run(t, ctx, 30*time.Second, chromedp.Navigate(fmt.Sprintf("%s/incidents/%d?ws=demo", ts.URL, mapIncident)))
		waitDone(t, ctx)
		if n := eval[int](t, ctx, `document.querySelectorAll('#step-summaries svg.chart-map').length`); n == 0 {
			t.Error("no map on the incident page")
		}
		checkPage(t, ctx, "incident with a map")
	})

	// The providers page's words and colours as drawn: a provider that is
	// off reads "off" with its reason in the muted colour of other
	// neutral text, and its unset key is not red; red is only for the key
	// a provider that should run lacks.
	t.Run("providers", func(t *testing.T) {
		ctx, _ := newTab(t, browser)
		run(t, ctx, 30*time.Second, chromedp.Navigate(ts.URL+"/providers?ws=demo"), chromedp.WaitVisible(chromedp.CSS(`table.providers-table`)))
		type row struct {
			Name, State, StateColor, Why, Key, KeyColor string
		}
		rows := eval[[]row](t, ctx, `[...document.querySelectorAll('table.providers-table tbody tr')].map(tr => {
  const td = tr.querySelectorAll('td'), key = td[2].firstElementChild || td[2];
  return {Name: tr.querySelector('th').firstChild.textContent.trim(), State: td[0].textContent.trim(),
    StateColor: getComputedStyle(td[0].firstElementChild).color, Why: td[1].textContent.trim(),
    Key: td[2].textContent.trim(), KeyColor: getComputedStyle(key).color};
})`)
		muted := eval[string](t, ctx, `(() => { const s = document.createElement('span'); s.className = 'muted'; document.body.append(s); const c = getComputedStyle(s).color; s.remove(); return c; })()`)
		var red string
		for _, r := range rows {
			if r.Key == "missing" {
				red = r.KeyColor
			}
		}
		if red == "" || red == muted {
			t.Fatalf("no provider's key reads missing in a colour of its own: %+v", rows)
		}
		seen := false
		for _, r := range rows {
			if r.State != "off" {
				continue
			}
			seen = true
			if r.Why == "" || r.Why == "—" {
				t.Errorf("%s is off without saying why", r.Name)
			}
			if r.StateColor != muted || r.KeyColor == red {
				t.Errorf("%s is off: state in %s, key %q in %s; want the muted %s and no red", r.Name, r.StateColor, r.Key, r.KeyColor, muted)
			}
		}
		if !seen {
			t.Error("no provider is off")
		}
	})

	t.Run("actions", func(t *testing.T) {
		ctx, _ := newTab(t, browser)
		const n = 116
		msg := fmt.Sprintf("Browser test comment on %d: <b>not bold</b>", n)
		run(t, ctx, 60*time.Second,
			chromedp.Navigate(fmt.Sprintf("%s/incidents/%d?ws=demo", ts.URL, n)),
			chromedp.WaitVisible(chromedp.CSS(`#c-message`)),
			chromedp.SendKeys(chromedp.CSS(`#c-message`), msg),
			chromedp.Click(chromedp.CSS(`#comment-form button[type=submit]`)),
			chromedp.WaitVisible(chromedp.CSS(`#confirm`)),
		)
		if got := eval[string](t, ctx, `document.querySelector('pre.preview').textContent`); got != msg {
			t.Errorf("the confirmation shows %q, want %q", got, msg)
		}
		run(t, ctx, 60*time.Second,
			chromedp.Click(chromedp.CSS(`#confirm`)),
			chromedp.WaitVisible(chromedp.CSS(`#comments`)),
		)
		comments := eval[[]string](t, ctx, `[...document.querySelectorAll('#comments .comment-body')].map(c => c.textContent)`)
		found := false
		for _, c := range comments {
			found = found || c == msg
		}
		if !found {
			t.Errorf("the comment is not listed after confirming: %q", comments)
		}
		// A status change, confirmed.
		status := "Active"
		if eval[bool](t, ctx, `!!document.querySelector('.incident-head .inc-active')`) {
			status = "New"
		}
		run(t, ctx, 60*time.Second,
			chromedp.SetValue(chromedp.CSS(`#u-status`), status),
			chromedp.SetValue(chromedp.CSS(`#u-owner`), "bob@contoso.com"),
			chromedp.Click(chromedp.CSS(`#actions form:first-of-type button[type=submit]`)),
			chromedp.WaitVisible(chromedp.CSS(`#confirm`)),
		)
		diff := eval[string](t, ctx, `document.querySelector('.diff-table').textContent`)
		if !strings.Contains(diff, status) || !strings.Contains(diff, "bob@contoso.com") {
			t.Errorf("the confirmation does not show the change: %q", diff)
		}
		run(t, ctx, 60*time.Second,
			chromedp.Click(chromedp.CSS(`#confirm`)),
			chromedp.WaitVisible(chromedp.CSS(`.incident-head .inc-`+strings.ToLower(status))),
		)
	})

	t.Run("hostile", func(t *testing.T) {
		ctx, m := newTab(t, browser)
		run(t, ctx, 30*time.Second,
			chromedp.Navigate(ts.URL+"/?ws=hostile&window=7d"),
			chromedp.WaitVisible(chromedp.CSS(`table.queue-table`)),
		)
		checkPage(t, ctx, "hostile queue")
		// Incident 1 names the hostile entities: every page they link to
		// is checked too.
		run(t, ctx, 20*time.Second, chromedp.Navigate(ts.URL+"/incidents/1?ws=hostile"))
		waitDone(t, ctx)
		checkPage(t, ctx, "/incidents/1?ws=hostile")
		entityLinks := eval[[]string](t, ctx, `[...new Set([...document.querySelectorAll('a[href^="/entities/"]')].map(a => a.getAttribute('href')))]`)
		if len(entityLinks) < 10 {
			t.Errorf("incident 1 links to %d entity pages, want its hostile entities", len(entityLinks))
		}
		var paths []string
		for _, n := range hostileNumbers()[1:] {
			paths = append(paths, fmt.Sprintf("/incidents/%d?ws=hostile", n))
		}
		// The hosts h0-… to h13-… are one page each of the same shape:
		// a few of them stand for all.
		for _, l := range entityLinks {
			if !strings.HasPrefix(l, "/entities/Host/h") || slices.ContainsFunc([]string{"h0-", "h1-", "h4-", "h7-", "h8-"}, func(p string) bool {
				return strings.HasPrefix(l, "/entities/Host/"+p)
			}) {
				paths = append(paths, l)
			}
		}
		t.Run("pages", func(t *testing.T) {
			for _, path := range paths {
				t.Run(clipTo(path, 60), func(t *testing.T) {
					run(t, ctx, 30*time.Second, chromedp.Navigate(ts.URL+path), chromedp.WaitReady(chromedp.CSS(`footer`)))
					if strings.HasPrefix(path, "/incidents/") {
						waitDone(t, ctx)
					}
					checkPage(t, ctx, clipTo(path, 120))
					m.check(t)
				})
			}
		})
		// The forms echo hostile input as text.
		run(t, ctx, 30*time.Second,
			chromedp.Navigate(ts.URL+"/lookup?ws=hostile"),
			setValue(`#lk-text`, strings.Join(hostileStrings[:8], "\n")+"\n203.0.113.66"),
			chromedp.Click(chromedp.CSS(`main form button[type=submit]`)),
			chromedp.WaitVisible(chromedp.CSS(`#lk-verdict`)),
		)
		checkPage(t, ctx, "lookup")
		run(t, ctx, 30*time.Second,
			chromedp.Navigate(ts.URL+"/incidents/1?ws=hostile"),
			chromedp.WaitVisible(chromedp.CSS(`#c-message`)),
			setValue(`#c-message`, strings.Join(hostileStrings[:8], "\n")),
			chromedp.Click(chromedp.CSS(`#comment-form button[type=submit]`)),
			chromedp.WaitVisible(chromedp.CSS(`#confirm`)),
		)
		checkPage(t, ctx, "comment confirmation")
	})

	// The self-contained report, opened from a file as a colleague would:
	// its own CSP lets its one style and script run (a blocked one is a
	// console error), it requests nothing, and hostile values stay text.
	t.Run("report file", func(t *testing.T) {
		for _, c := range []struct {
			ws     string
			n      int
			mapped bool
		}{{"demo", mapIncident, true}, {"hostile", hostileNumbers()[0], false}} {
			ts.triage(c.ws, c.n)
			res, err := ts.client.Get(fmt.Sprintf("%s/incidents/%d/report?ws=%s&format=html", ts.URL, c.n, c.ws))
			if err != nil {
				t.Fatal(err)
			}
			body, err := io.ReadAll(res.Body)
			res.Body.Close()
			if err != nil || res.StatusCode != http.StatusOK {
				t.Fatalf("%s %d: report download: %d %v", c.ws, c.n, res.StatusCode, err)
			}
			file := filepath.Join(t.TempDir(), fmt.Sprintf("incident-%d.html", c.n))
			if err := os.WriteFile(file, body, 0o600); err != nil {
				t.Fatal(err)
			}
			ctx, m := newTab(t, browser)
			run(t, ctx, 60*time.Second,
				chromedp.Navigate("file://"+file),
				chromedp.WaitVisible(chromedp.CSS(`#graph svg`)),
			)
			bad := eval[[]string](t, ctx, `(() => {
  const bad = [];
  if (document.querySelectorAll('script').length !== 1 || document.querySelector('script[src]')) bad.push('scripts: ' + document.querySelectorAll('script').length);
  if (document.querySelectorAll('style').length !== 1) bad.push('styles: ' + document.querySelectorAll('style').length);
  if (getComputedStyle(document.body).fontFamily.indexOf('system-ui') < 0 && getComputedStyle(document.body).margin === '8px') bad.push('the style did not apply');
  for (const el of document.querySelectorAll('iframe, object, embed, img, base, math')) bad.push('<' + el.tagName.toLowerCase() + '>');
  for (const el of document.querySelectorAll('*')) for (const a of el.attributes) {
    const n = a.name.toLowerCase();
    if (n.startsWith('on') || n === 'style') bad.push('<' + el.tagName.toLowerCase() + ' ' + n + '>');
    if (['href', 'src', 'xlink:href', 'action'].includes(n) && !/^(#|$)/.test(a.value.trim())) bad.push('<' + el.tagName.toLowerCase() + ' ' + n + '=' + a.value.slice(0, 40) + '>');
  }
  if (window.__pwned) bad.push('window.__pwned');
  const w = document.documentElement.scrollWidth;
  if (w > window.innerWidth + 1) bad.push('the page is ' + w + 'px wide in a ' + window.innerWidth + 'px window');
  return bad;
})()`)
			for _, b := range bad {
				t.Errorf("%s %d report: %s", c.ws, c.n, b)
			}
			if n := eval[int](t, ctx, `document.querySelectorAll('#graph svg [data-i]').length`); n < 3 {
				t.Errorf("%s %d report: the graph has %d nodes", c.ws, c.n, n)
			}
			if c.ws == "demo" {
				_, js := ts.get(t, fmt.Sprintf("/incidents/%d/report?ws=%s&format=json", c.n, c.ws))
				checkGridAndGraph(t, ctx, fmt.Sprintf("%s %d report", c.ws, c.n), []byte(js))
			}
			if c.mapped && eval[int](t, ctx, `document.querySelectorAll('#map svg.chart-map').length`) == 0 {
				t.Errorf("%s %d report: no map", c.ws, c.n)
			}
			if m.sawRequest("http") {
				t.Errorf("%s %d report: the file made a request", c.ws, c.n)
			}
		}
	})

	t.Run("no script", func(t *testing.T) {
		ctx, _ := newTab(t, browser)
		run(t, ctx, 10*time.Second, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
			return err
		}))
		const n = 113
		run(t, ctx, 30*time.Second,
			chromedp.Navigate(fmt.Sprintf("%s/incidents/%d?ws=demo", ts.URL, n)),
			chromedp.WaitVisible(chromedp.CSS(`#triage`)),
		)
		// The page reloads itself until the triage is done.
		run(t, ctx, 90*time.Second, chromedp.WaitVisible(chromedp.CSS(`#triage[data-state="done"]`)))
		// The incidence grid needs no script: its marks are there, and a
		// cut cell opens.
		if n := eval[int](t, ctx, `document.querySelectorAll('table.grid-table td.g-m').length`); n == 0 {
			t.Error("without script, the grid has no marks")
		}
		// Incident 121's page and its HTML report, without script: a cut
		// cell opens in place, and a kind of the grid closes its rows.
		ts.triage("demo", demoIncident)
		res, err := ts.client.Get(fmt.Sprintf("%s/incidents/%d/report?ws=demo&format=html", ts.URL, demoIncident))
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(res.Body)
		res.Body.Close()
		if err != nil || res.StatusCode != http.StatusOK {
			t.Fatalf("report download: %d %v", res.StatusCode, err)
		}
		file := filepath.Join(t.TempDir(), "incident.html")
		if err := os.WriteFile(file, body, 0o600); err != nil {
			t.Fatal(err)
		}
		for _, page := range []string{fmt.Sprintf("%s/incidents/%d?ws=demo", ts.URL, demoIncident), "file://" + file} {
			run(t, ctx, 30*time.Second, chromedp.Navigate(page), chromedp.WaitVisible(chromedp.CSS(`table.grid-table`)))
			checkNoScriptOpens(t, ctx, page)
		}
	})
}

// checkNoScriptOpens checks, on a page whose scripts are off, that the
// first cut cell of the alerts table opens in place to its whole value
// when its summary is clicked, and that clicking a grid kind's summary
// hides that kind's rows and clicking it again shows them.
func checkNoScriptOpens(t *testing.T, ctx context.Context, page string) {
	t.Helper()
	if eval[bool](t, ctx, `!!document.documentElement.classList.contains('js')`) {
		t.Fatalf("%s: the page's script ran", page)
	}
	const whole = `(() => { const w = document.querySelector('details.cell > .whole'); return w ? w.getBoundingClientRect().height : -1; })()`
	if h := eval[float64](t, ctx, whole); h != 0 {
		t.Fatalf("%s: a cut cell's whole value is %vpx high before it is opened (-1: no cut cell)", page, h)
	}
	run(t, ctx, 10*time.Second, chromedp.Click(chromedp.CSS(`details.cell > summary`)))
	if h := eval[float64](t, ctx, whole); h <= 0 {
		t.Errorf("%s: a cut cell does not open without script", page)
	}
	const rows = `(() => { const tb = document.querySelector('tbody.grid-kind'); return [...tb.querySelectorAll('tr[data-k]')].filter(r => r.getBoundingClientRect().height > 0).length; })()`
	open := eval[int](t, ctx, rows)
	if open == 0 {
		t.Fatalf("%s: the grid's first kind shows no row", page)
	}
	run(t, ctx, 10*time.Second, chromedp.Click(chromedp.CSS(`tbody.grid-kind details.grid-kind > summary`)))
	if n := eval[int](t, ctx, rows); n != 0 {
		t.Errorf("%s: a closed kind of the grid still shows %d rows", page, n)
	}
	run(t, ctx, 10*time.Second, chromedp.Click(chromedp.CSS(`tbody.grid-kind details.grid-kind > summary`)))
	if n := eval[int](t, ctx, rows); n != open {
		t.Errorf("%s: the kind opened again shows %d rows of %d", page, n, open)
	}
}

// TestScreenshots writes PNGs of the main pages, light and dark, to the
// directory given with -screenshots (make screenshots).
func TestScreenshots(t *testing.T) {
	if *screenshotDir == "" {
		t.Skip("give -screenshots DIR to write the screenshots")
	}
	if chromiumPath() == "" {
		t.Fatal("-screenshots needs Debian's chromium: install it with `apt-get install chromium`")
	}
	if err := os.MkdirAll(*screenshotDir, 0o755); err != nil {
		t.Fatal(err)
	}
	browser := newBrowser(t)
	ts := newServer(t)
	ts.waitTriage(t, "demo", demoIncident)
	ts.waitTriage(t, "demo", mapIncident)
	shots := []struct {
		name, path string
		height     int64
		prepare    []chromedp.Action[chromedp.Void]
		// after runs once an incident's triage is done and the page is
		// at the part the shot is of.
		after []chromedp.Action[chromedp.Void]
	}{
		{"queue", "/?ws=demo&window=7d", 1000, nil, nil},
		{"incident", fmt.Sprintf("/incidents/%d?ws=demo", demoIncident), 1300, nil, nil},
		{"incident-grid", fmt.Sprintf("/incidents/%d?ws=demo#grid", demoIncident), 1100, nil, nil},
		{"incident-graph", fmt.Sprintf("/incidents/%d?ws=demo#step-graph", demoIncident), 1000, nil, nil},
		// An alert's column selected in the grid: the graph highlights it
		// and the entities it names.
		{"incident-graph-highlight", fmt.Sprintf("/incidents/%d?ws=demo#step-graph", demoIncident), 1000, nil, []chromedp.Action[chromedp.Void]{
			chromedp.Evaluate[chromedp.Void](`document.querySelectorAll('table.grid-table th.g-a a')[2].click(); document.getElementById('step-graph').scrollIntoView()`),
		}},
		{"incident-map", fmt.Sprintf("/incidents/%d?ws=demo#step-summaries", mapIncident), 1300, nil, nil},
		{"entity", "/entities/Ip/203.0.113.66?ws=demo", 1200, nil, nil},
		{"lookup", "/lookup?ws=demo", 900, []chromedp.Action[chromedp.Void]{
			chromedp.SetValue(chromedp.CSS(`#lk-text`), "Beacon to hxxps://svc-telemetry[.]example[.]net/gate.php from WKS-FIN-07 (10.20.30.47),\nthen 203.0.113.66 and 198.51.100.23; dropper 44d88612fea8a8f36de82e1278abb02f"),
			chromedp.Click(chromedp.CSS(`main form button[type=submit]`)),
			chromedp.WaitVisible(chromedp.CSS(`#lk-verdict`)),
		}, nil},
		{"providers", "/providers?ws=demo", 700, nil, nil},
	}
	for _, theme := range []string{"light", "dark"} {
		ctx, _ := newTab(t, browser)
		if err := chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
			_, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
				Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: theme}},
			})
			return err
		})); err != nil {
			t.Fatal(err)
		}
		for _, s := range shots {
			actions := []chromedp.Action[chromedp.Void]{
				chromedp.EmulateViewport(1360, s.height),
				chromedp.Navigate(ts.URL + s.path),
				chromedp.WaitReady(chromedp.CSS(`footer`)),
			}
			actions = append(actions, s.prepare...)
			run(t, ctx, 60*time.Second, actions...)
			if strings.HasPrefix(s.path, "/incidents/") {
				// The sections come in after the page: wait for all of
				// them, then go to the part the shot is of.
				waitDone(t, ctx)
				if _, frag, ok := strings.Cut(s.path, "#"); ok {
					q, _ := json.Marshal(frag)
					run(t, ctx, 10*time.Second, chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`document.getElementById(%s).scrollIntoView()`, q)))
				}
				if len(s.after) > 0 {
					run(t, ctx, 10*time.Second, s.after...)
				}
			}
			png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
			if err != nil {
				t.Fatal(err)
			}
			file := filepath.Join(*screenshotDir, s.name+"-"+theme+".png")
			if err := os.WriteFile(file, png, 0o644); err != nil {
				t.Fatal(err)
			}
			t.Logf("%s: %d KB", file, len(png)/1024)
		}
	}
}
