package hunting

import (
	"context"
	"errors"
	"math"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/google/go-cmp/cmp"

	"github.com/triage-dev/triage/internal/workspace"
	"github.com/triage-dev/triage/internal/workspace/hunting/huntingtest"
)

const token = "graph-token-5ecret"

// credential hands out a fixed token for the Graph audience.
type credential struct{ t *testing.T }

func (c credential) GetToken(_ context.Context, o policy.TokenRequestOptions) (azcore.AccessToken, error) {
	if len(o.Scopes) != 1 || !strings.HasSuffix(o.Scopes[0], "/.default") {
		c.t.Errorf("token scopes %v: want the Graph root's /.default", o.Scopes)
	}
	return azcore.AccessToken{Token: token, ExpiresOn: time.Now().Add(time.Hour)}, nil
}

// clock is a fake clock: sleeping moves it on at once.
type clock struct {
	mu    sync.Mutex
	now   time.Time
	slept []time.Duration
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if d > 0 {
		c.mu.Lock()
		c.now = c.now.Add(d)
		c.slept = append(c.slept, d)
		c.mu.Unlock()
	}
	return nil
}

func (c *clock) sleeps() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.slept...)
}

var t0 = time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)

// fixture is a fake runHuntingQuery and a client of it on one fake clock.
// Each test uses a tenant of its own, so that the process-wide limiters of
// the tests do not meet.
func fixture(t *testing.T, o Options) (*huntingtest.Server, *Client, *clock) {
	t.Helper()
	srv := huntingtest.New(t)
	srv.Token = token
	clk := &clock{now: t0}
	srv.Now = clk.Now
	o.Now, o.sleep = clk.Now, clk.sleep
	return srv, New(pipeline(t, srv), srv.URL, "tenant-"+t.Name(), o), clk
}

// pipeline is what a caller builds: the Graph bearer token's policy, the
// fake's TLS trusted, and azcore's default retries, which the client must
// turn off (else a 429 would be retried behind the tenant's queue, and the
// tests would count more requests, after real sleeps).
func pipeline(t *testing.T, srv *huntingtest.Server) runtime.Pipeline {
	auth := runtime.NewBearerTokenPolicy(credential{t}, []string{srv.URL + "/.default"}, nil)
	return runtime.NewPipeline("hunting-test", "v0", runtime.PipelineOptions{PerRetry: []policy.Policy{auth}},
		&policy.ClientOptions{Transport: srv.Client()})
}

func query(body string, params ...workspace.Param) *workspace.Query {
	return &workspace.Query{Name: "q", Params: params, Bodies: map[workspace.Dialect]string{
		workspace.KQL: strings.ReplaceAll(body, "Timestamp", "TimeGenerated"), workspace.Hunting: body}}
}

var window = []workspace.Param{{Name: "start", Type: workspace.TypeDatetime}, {Name: "end", Type: workspace.TypeDatetime}}

// TestDecodeEveryType: every type advanced hunting writes becomes the Go
// type a Log Analytics answer's cell has; schema and row keys match
// whatever their case; null is nil.
func TestDecodeEveryType(t *testing.T) {
	srv, c, _ := fixture(t, Options{})
	srv.Answer = func(huntingtest.Request) huntingtest.Response {
		return huntingtest.Response{Body: []byte(`{"Schema":[
			{"Name":"Timestamp","Type":"DateTime"},{"name":"DeviceName","type":"String"},
			{"name":"ReportId","type":"Int64"},{"name":"Port","type":"Int32"},{"name":"Score","type":"Double"},
			{"name":"Ok","type":"Boolean"},{"name":"Bag","type":"Object"},{"name":"Text","type":"Object"},
			{"name":"Id","type":"Guid"},{"name":"Took","type":"TimeSpan"},{"name":"Amount","type":"Decimal"},
			{"name":"Future","type":"SomethingNew"},{"name":"Missing","type":"String"}],
		"Results":[{"timestamp":"2026-12-07T09:39:50.7688641Z","DeviceName":"ws1.contoso.example",
			"ReportId":9007199254740993,"Port":"443","Score":0.5,"Ok":true,"Bag":{"a":[1,"x"]},
			"Text":"[{\"IPAddress\":\"10.0.0.5\"}]","Id":"2b5c1e3e-0000-4000-8000-000000000001","Took":"00:00:01.5",
			"Amount":"NaN","Future":{"k":1},"Missing":null}]}`)}
	}
	tab, err := c.Query(t.Context(), query("DeviceInfo | take 1"), nil)
	if err != nil {
		t.Fatal(err)
	}
	wantCols := []workspace.Column{{Name: "Timestamp", Type: "datetime"}, {Name: "DeviceName", Type: "string"}, {Name: "ReportId", Type: "long"}, {Name: "Port", Type: "int"},
		{Name: "Score", Type: "real"}, {Name: "Ok", Type: "bool"}, {Name: "Bag", Type: "dynamic"}, {Name: "Text", Type: "dynamic"}, {Name: "Id", Type: "guid"}, {Name: "Took", Type: "timespan"},
		{Name: "Amount", Type: "decimal"}, {Name: "Future", Type: "somethingnew"}, {Name: "Missing", Type: "string"}}
	if d := cmp.Diff(wantCols, tab.Columns); d != "" {
		t.Errorf("columns (-want +got):\n%s", d)
	}
	if len(tab.Rows) != 1 {
		t.Fatalf("%d rows, want 1", len(tab.Rows))
	}
	r := tab.Records()[0]
	if got := r.Time("Timestamp"); !got.Equal(time.Date(2026, 12, 7, 9, 39, 50, 768864100, time.UTC)) || got.Location() != time.UTC {
		t.Errorf("Timestamp = %v", r["Timestamp"])
	}
	if r["ReportId"] != int64(9007199254740993) {
		t.Errorf("ReportId = %#v, want the exact int64", r["ReportId"])
	}
	if r["Port"] != int64(443) || r["Score"] != 0.5 || r["Ok"] != true {
		t.Errorf("Port, Score, Ok = %#v, %#v, %#v", r["Port"], r["Score"], r["Ok"])
	}
	if d := cmp.Diff(map[string]any{"a": []any{1.0, "x"}}, r["Bag"]); d != "" {
		t.Errorf("Bag (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]any{map[string]any{"IPAddress": "10.0.0.5"}}, r["Text"]); d != "" {
		t.Errorf("dynamic as JSON text (-want +got):\n%s", d)
	}
	if r["Id"] != "2b5c1e3e-0000-4000-8000-000000000001" || r["Took"] != "00:00:01.5" {
		t.Errorf("Id, Took = %#v, %#v", r["Id"], r["Took"])
	}
	if f, ok := r["Amount"].(float64); !ok || !math.IsNaN(f) {
		t.Errorf("Amount = %#v, want NaN", r["Amount"])
	}
	if r["Future"] != `map[k:1]` && r["Future"] != `{"k":1}` {
		t.Errorf("a type not known is kept as text: %#v", r["Future"])
	}
	if r["Missing"] != nil {
		t.Errorf("Missing = %#v, want nil", r["Missing"])
	}
	if tab.Source != SourceName || len(tab.Warnings) != 0 {
		t.Errorf("Source, Warnings = %q, %q", tab.Source, tab.Warnings)
	}
}

// TestMalformedAnswer: an answer that cannot be read is an error naming the
// query and what was wrong, never an empty table.
func TestMalformedAnswer(t *testing.T) {
	for name, body := range map[string]string{
		"not JSON":       `{"schema": [`,
		"no schema":      `{"results": []}`,
		"bad datetime":   `{"schema":[{"name":"T","type":"DateTime"}],"results":[{"T":"yesterday"}]}`,
		"float for long": `{"schema":[{"name":"N","type":"Int64"}],"results":[{"N":1.5}]}`,
	} {
		t.Run(name, func(t *testing.T) {
			srv, c, _ := fixture(t, Options{})
			srv.Answer = func(huntingtest.Request) huntingtest.Response { return huntingtest.Response{Body: []byte(body)} }
			_, err := c.Query(t.Context(), query("DeviceInfo"), nil)
			if err == nil || !strings.Contains(err.Error(), "query q: malformed answer") {
				t.Errorf("err = %v, want a malformed answer of query q", err)
			}
		})
	}
}

// TestBoundNotPasted: a hostile value reaches the service only as the let
// prelude's literal, the body unchanged after it, and the window as the
// request's Timespan.
func TestBoundNotPasted(t *testing.T) {
	srv, c, _ := fixture(t, Options{})
	hostile := "x\";\nDeviceInfo | take 100000 //\u2028{who}"
	q := query("DeviceInfo\n| where Timestamp between (start .. end) and DeviceName == who\n",
		append(window, workspace.Param{Name: "who", Type: workspace.TypeString})...)
	p := workspace.Params{"start": t0.Add(-24 * time.Hour), "end": t0, "who": hostile}
	if _, err := c.Query(t.Context(), q, p); err != nil {
		t.Fatal(err)
	}
	reqs := srv.Requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests, want 1", len(reqs))
	}
	lit, err := workspace.KQLLiteral(hostile)
	if err != nil {
		t.Fatal(err)
	}
	want := "let start = datetime(2026-12-06T12:00:00.0000000Z);\nlet end = datetime(2026-12-07T12:00:00.0000000Z);\n" +
		"let who = " + lit + ";\n" + q.Bodies[workspace.Hunting]
	if reqs[0].Query != want {
		t.Errorf("Query =\n%s\nwant\n%s", reqs[0].Query, want)
	}
	if strings.Contains(reqs[0].Query, hostile) {
		t.Error("the hostile value is in the query text as is")
	}
	if reqs[0].Timespan != "2026-12-06T12:00:00Z/2026-12-07T12:00:00Z" {
		t.Errorf("Timespan = %q", reqs[0].Timespan)
	}
	if _, err := c.Query(t.Context(), &workspace.Query{Name: "kql_only", Bodies: map[workspace.Dialect]string{workspace.KQL: "T"}}, nil); err == nil ||
		!strings.Contains(err.Error(), "kql_only") || !strings.Contains(err.Error(), "no hunting body") {
		t.Errorf("a query without a hunting body: %v", err)
	}
}

// TestWindowCut: a window reaching further back than advanced hunting keeps
// is cut to the days it keeps, in the Timespan and the prelude alike, and
// the table says so; a window wholly before them is not asked.
func TestWindowCut(t *testing.T) {
	srv, c, _ := fixture(t, Options{})
	q := query("DeviceInfo | where Timestamp between (start .. end)", window...)
	tab, err := c.Query(t.Context(), q, workspace.Params{"start": t0.Add(-40 * 24 * time.Hour), "end": t0})
	if err != nil {
		t.Fatal(err)
	}
	reqs := srv.Requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests, want 1", len(reqs))
	}
	if reqs[0].Timespan != "2026-11-07T12:00:00Z/2026-12-07T12:00:00Z" {
		t.Errorf("Timespan = %q, want the last 30 days", reqs[0].Timespan)
	}
	if !strings.HasPrefix(reqs[0].Query, "let start = datetime(2026-11-07T12:00:00.0000000Z);") {
		t.Errorf("the prelude's start is not the cut one: %q", reqs[0].Query)
	}
	want := []string{"advanced hunting keeps 30 days: the window was cut to 2026-11-07 12:00 UTC to 2026-12-07 12:00 UTC (asked from 2026-10-28 12:00 UTC)"}
	if d := cmp.Diff(want, tab.Warnings); d != "" {
		t.Errorf("warnings (-want +got):\n%s", d)
	}

	tab, err = c.Query(t.Context(), q, workspace.Params{"start": t0.Add(-50 * 24 * time.Hour), "end": t0.Add(-31 * 24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(srv.Requests()); n != 1 {
		t.Errorf("a window before the days kept was asked (%d requests)", n)
	}
	if len(tab.Warnings) != 1 || !strings.Contains(tab.Warnings[0], "lies before 2026-11-07 12:00 UTC and was not asked") || len(tab.Rows) != 0 {
		t.Errorf("a window before the days kept: %+v", tab)
	}

	if _, err := c.Query(t.Context(), q, workspace.Params{"start": t0.Add(-29 * 24 * time.Hour), "end": t0}); err != nil {
		t.Fatal(err)
	}
	if tab.Source != SourceName {
		t.Errorf("Source = %q", tab.Source)
	}
}

// TestRowCap: an answer with as many rows as advanced hunting returns at
// most is marked incomplete; one row fewer is not.
func TestRowCap(t *testing.T) {
	for _, rows := range []int{2, 3} {
		srv, c, _ := fixture(t, Options{MaxRows: 3})
		srv.Answer = func(huntingtest.Request) huntingtest.Response {
			var rs []map[string]any
			for i := range rows {
				rs = append(rs, map[string]any{"N": i})
			}
			return huntingtest.Table([]huntingtest.Column{{Name: "N", Type: "Int64"}}, rs...)
		}
		tab, err := c.Query(t.Context(), query("DeviceInfo"), nil)
		if err != nil {
			t.Fatal(err)
		}
		if marked := len(tab.Warnings) == 1 && strings.Contains(tab.Warnings[0], "at most 3 rows"); marked != (rows == 3) {
			t.Errorf("%d rows: warnings %q", rows, tab.Warnings)
		}
	}
}

// TestQueuedPerMinute: calls beyond the quota wait their turn by the clock
// (no real sleeping) and the service never has to throttle; two clients of
// the tenant share the queue; a call whose context ends while it waits
// gives up without calling.
func TestQueuedPerMinute(t *testing.T) {
	srv, a, clk := fixture(t, Options{})
	srv.PerMinute = 45
	b := New(pipeline(t, srv), srv.URL, "tenant-"+t.Name(), Options{Now: clk.Now, sleep: clk.sleep})
	q := query("DeviceInfo")
	for i := range 100 {
		c := a
		if i%2 == 1 {
			c = b
		}
		if _, err := c.Query(t.Context(), q, nil); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	if n := srv.Throttled(); n != 0 {
		t.Errorf("the service throttled %d calls", n)
	}
	reqs := srv.Requests()
	for i := 45; i < len(reqs); i++ {
		if gap := reqs[i].At.Sub(reqs[i-45].At); gap < time.Minute {
			t.Fatalf("calls %d and %d are %s apart: 46 calls within a minute", i-45, i, gap)
		}
	}
	if got := reqs[45].At; !got.Equal(t0.Add(time.Minute)) {
		t.Errorf("call 46 at %s, want a minute after the first", got)
	}
	if got := reqs[99].At; !got.Equal(t0.Add(2 * time.Minute)) {
		t.Errorf("call 100 at %s, want two minutes after the first", got)
	}
	if d := cmp.Diff([]time.Duration{time.Minute, time.Minute}, clk.sleeps()); d != "" {
		t.Errorf("sleeps (-want +got):\n%s", d)
	}

	// A caller whose context has ended does not call.
	for range 44 {
		if _, err := a.Query(t.Context(), q, nil); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := b.Query(ctx, q, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("a cancelled wait: %v", err)
	}
	if n := len(srv.Requests()); n != 144 {
		t.Errorf("%d requests, want 144", n)
	}
}

// TestLimiterConcurrent: callers asking at once get distinct slots, at most
// perMinute in any minute.
func TestLimiterConcurrent(t *testing.T) {
	l := &limiter{perMinute: 45}
	var mu sync.Mutex
	var slots []time.Time
	var wg sync.WaitGroup
	for range 200 {
		wg.Go(func() {
			s := l.reserve(t0)
			mu.Lock()
			slots = append(slots, s)
			mu.Unlock()
		})
	}
	wg.Wait()
	count := map[time.Time]int{}
	for _, s := range slots {
		count[s]++
	}
	for i := range 5 {
		at := t0.Add(time.Duration(i) * time.Minute)
		want := 45
		if i == 4 {
			want = 20
		}
		if count[at] != want {
			t.Errorf("%d slots at t0+%dm, want %d", count[at], i, want)
		}
	}
}

// TestRetries: a 429 is retried after its Retry-After, a 503 and a 504
// after a backoff; each retry takes its turn at the quota.
func TestRetries(t *testing.T) {
	var notices []string
	srv, c, clk := fixture(t, Options{Notify: func(m string) { notices = append(notices, m) }})
	var n int
	srv.Answer = func(huntingtest.Request) huntingtest.Response {
		n++
		switch n {
		case 1:
			r := huntingtest.Error(http.StatusTooManyRequests, "TooManyRequests", "Rate limit is exceeded.")
			r.Header = http.Header{"Retry-After": {"7"}}
			return r
		case 2:
			return huntingtest.Error(http.StatusServiceUnavailable, "ServiceUnavailable", "try later")
		case 3:
			return huntingtest.Error(http.StatusGatewayTimeout, "GatewayTimeout", "took too long")
		}
		return huntingtest.Table([]huntingtest.Column{{Name: "N", Type: "Int64"}}, map[string]any{"N": 1})
	}
	tab, err := c.Query(t.Context(), query("DeviceInfo"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(tab.Rows) != 1 || len(srv.Requests()) != 4 {
		t.Errorf("%d rows after %d requests", len(tab.Rows), len(srv.Requests()))
	}
	if d := cmp.Diff([]time.Duration{7 * time.Second, 2 * time.Second, 4 * time.Second}, clk.sleeps()); d != "" {
		t.Errorf("waits (-want +got):\n%s", d)
	}
	if len(notices) != 3 || !strings.Contains(notices[0], "query q: TooManyRequests: Rate limit is exceeded.; trying again in 7s") ||
		!strings.Contains(notices[2], "GatewayTimeout: took too long; trying again in 4s") {
		t.Errorf("notices %q, want each wait said", notices)
	}
}

// TestQueueWaitReported: a call that waits its turn in the tenant's queue
// says so, naming the query, the wait and the quota; a call that need not
// wait says nothing.
func TestQueueWaitReported(t *testing.T) {
	var notices []string
	_, c, _ := fixture(t, Options{PerMinute: 2, Notify: func(m string) { notices = append(notices, m) }})
	for range 2 {
		if _, err := c.Query(t.Context(), query("DeviceInfo"), nil); err != nil {
			t.Fatal(err)
		}
	}
	if len(notices) != 0 {
		t.Fatalf("calls within the quota said %q", notices)
	}
	if _, err := c.Query(t.Context(), query("DeviceInfo"), nil); err != nil {
		t.Fatal(err)
	}
	want := "advanced hunting (tenant tenant-TestQueueWaitReported): query q waits 1m0s for its turn: the tenant's calls are held to 2 a minute"
	if len(notices) != 1 || notices[0] != want {
		t.Errorf("notices %q, want %q", notices, want)
	}
}

// TestErrors: what the service refuses becomes an error that says what and
// why, of a type callers can tell; the CPU quota and a result too large are
// not retried; the token is never in an error.
func TestErrors(t *testing.T) {
	tests := []struct {
		name     string
		answer   huntingtest.Response
		requests int
		check    func(error) bool
		says     string
	}{
		{"calls a minute, still throttled", huntingtest.Error(http.StatusTooManyRequests, "TooManyRequests", "Rate limit is exceeded."), 4,
			func(err error) bool { var te *ThrottledError; return errors.As(err, &te) && !te.CPU }, "throttled, after 4 attempts"},
		{"CPU quota", huntingtest.Error(http.StatusTooManyRequests, "TooManyRequests", "Query was blocked: the tenant exceeded its CPU resources quota."), 1,
			func(err error) bool { var te *ThrottledError; return errors.As(err, &te) && te.CPU }, "CPU quota for hunting is spent"},
		{"result too large", huntingtest.Error(http.StatusBadRequest, "BadRequest", "Query execution has exceeded the allowed result size. Optimize your query."), 1,
			func(err error) bool { return errors.Is(err, ErrTooLarge) }, "narrow the window"},
		{"no such table", huntingtest.Error(http.StatusBadRequest, "BadRequest", "'where' operator: Failed to resolve table or column expression named 'DeviceInfo'"), 1,
			func(err error) bool {
				var nt *workspace.NoTableError
				return errors.As(err, &nt) && nt.Table == "DeviceInfo"
			}, "no DeviceInfo table"},
		{"forbidden", huntingtest.Error(http.StatusForbidden, "Forbidden", "Missing role."), 1,
			func(err error) bool { return errors.Is(err, workspace.ErrUnauthorized) }, "ThreatHunting.Read.All"},
		{"service down", huntingtest.Error(http.StatusServiceUnavailable, "ServiceUnavailable", "down"), 4,
			func(err error) bool { return err != nil }, "after 4 attempts"},
		{"syntax", huntingtest.Error(http.StatusBadRequest, "BadRequest", "Syntax error"), 1,
			func(err error) bool { return err != nil }, "400: BadRequest: Syntax error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, c, _ := fixture(t, Options{})
			srv.Answer = func(huntingtest.Request) huntingtest.Response { return tt.answer }
			_, err := c.Query(t.Context(), query("DeviceInfo"), nil)
			if !tt.check(err) || !strings.Contains(err.Error(), tt.says) || !strings.Contains(err.Error(), "query q") ||
				!strings.Contains(err.Error(), "tenant-"+t.Name()) {
				t.Errorf("err = %v, want one saying %q, naming the query and the tenant", err, tt.says)
			}
			if err != nil && strings.Contains(err.Error(), token) {
				t.Errorf("the token is in the error: %v", err)
			}
			if n := len(srv.Requests()); n != tt.requests {
				t.Errorf("%d requests, want %d", n, tt.requests)
			}
		})
	}

	srv, c, _ := fixture(t, Options{})
	srv.Token = "another"
	_, err := c.Query(t.Context(), query("DeviceInfo"), nil)
	if !errors.Is(err, workspace.ErrUnauthorized) || strings.Contains(err.Error(), token) {
		t.Errorf("a refused token: %v", err)
	}
}

// TestBodyLimit: an answer larger than the client reads is refused as too
// large, not read whole.
func TestBodyLimit(t *testing.T) {
	srv, c, _ := fixture(t, Options{maxBody: 1024})
	srv.Answer = func(huntingtest.Request) huntingtest.Response {
		return huntingtest.Table([]huntingtest.Column{{Name: "S", Type: "String"}}, map[string]any{"S": strings.Repeat("x", 2048)})
	}
	if _, err := c.Query(t.Context(), query("DeviceInfo"), nil); !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "over 1024 bytes") {
		t.Errorf("err = %v, want ErrTooLarge", err)
	}
}
