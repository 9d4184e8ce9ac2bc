package web_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/triage-dev/triage/internal/intel"
	"github.com/triage-dev/triage/internal/ioc"
	"github.com/triage-dev/triage/internal/web"
)

// stall is a provider whose lookups wait until the triage is stopped: a
// triage with it runs until the server closes.
type stall struct{}

func (stall) Name() string           { return "stall" }
func (stall) External() bool         { return false }
func (stall) Supports(ioc.Kind) bool { return true }
func (stall) Lookup(ctx context.Context, _ ioc.Indicator) (intel.Result, error) {
	<-ctx.Done()
	return intel.Result{}, ctx.Err()
}

// stalledOptions are the test options with triages that never finish.
func stalledOptions(t testing.TB) web.Options {
	o := options(t)
	open := o.Open
	o.Open = func(ctx context.Context, name string) (*web.Env, error) {
		env, err := open(ctx, name)
		if env != nil {
			env.Intel = &intel.Engine{Providers: []intel.Provider{stall{}}}
		}
		return env, err
	}
	return o
}

// syncBuffer is a log destination safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// logTo sends o's log, from Info up, to a buffer.
func logTo(o *web.Options) *syncBuffer {
	buf := &syncBuffer{}
	o.Log = slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelInfo}))
	return buf
}

// dial opens a raw connection to the test server.
func (ts *testServer) dial(t *testing.T) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", ts.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// closedWithin reads c until the server closes it and returns how long
// that took, or fails the test when it is still open after limit.
func closedWithin(t *testing.T, c net.Conn, limit time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	c.SetReadDeadline(start.Add(limit))
	_, err := io.Copy(io.Discard, c)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("the connection is still open after %s", limit)
	}
	return time.Since(start)
}

// A request whose body comes slowly is cut at the read timeout.
func TestSlowBodyCut(t *testing.T) {
	o := options(t)
	o.Limits = web.Limits{ReadTimeout: 300 * time.Millisecond}
	ts := newServerWith(t, o)
	c := ts.dial(t)
	fmt.Fprintf(c, "POST /lookup HTTP/1.1\r\nHost: %s\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100000\r\n\r\ntext=", ts.Listener.Addr())
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		// A byte every 50 ms: the body would take more than an hour.
		for {
			select {
			case <-stop:
				return
			case <-time.After(50 * time.Millisecond):
				if _, err := c.Write([]byte("a")); err != nil {
					return
				}
			}
		}
	}()
	d := closedWithin(t, c, 5*time.Second)
	t.Logf("a slow body was cut after %s", d)
}

// A keep-alive connection that sends no further request is closed at the
// idle timeout, not the (longer) read timeout.
func TestIdleConnectionClosed(t *testing.T) {
	o := options(t)
	o.Limits = web.Limits{ReadTimeout: 10 * time.Second, IdleTimeout: 300 * time.Millisecond}
	ts := newServerWith(t, o)
	c := ts.dial(t)
	fmt.Fprintf(c, "GET /static/web.css HTTP/1.1\r\nHost: %s\r\n\r\n", ts.Listener.Addr())
	br := bufio.NewReader(c)
	res, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || res.Close {
		t.Fatalf("GET /static/web.css: %d, close %v: want 200 on a kept-alive connection", res.StatusCode, res.Close)
	}
	start := time.Now()
	c.SetReadDeadline(start.Add(3 * time.Second))
	if _, err := br.ReadByte(); !errors.Is(err, io.EOF) {
		t.Fatalf("the idle connection: %v, want it closed by the server", err)
	}
	t.Logf("an idle connection was closed after %s", time.Since(start))
}

// Connections beyond MaxConns wait to be accepted until one closes.
func TestConnectionLimit(t *testing.T) {
	o := options(t)
	o.Limits = web.Limits{MaxConns: 2}
	ts := newServerWith(t, o)
	a, b := ts.dial(t), ts.dial(t)
	_ = b
	// The server has accepted both: a request on each would be served.
	time.Sleep(100 * time.Millisecond)
	c := ts.dial(t)
	fmt.Fprintf(c, "GET /static/web.css HTTP/1.1\r\nHost: %s\r\n\r\n", ts.Listener.Addr())
	c.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
	br := bufio.NewReader(c)
	if _, err := br.ReadByte(); err == nil {
		t.Fatal("a third connection was served while two were open: want it to wait")
	}
	a.Close()
	c.SetReadDeadline(time.Now().Add(3 * time.Second))
	res, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("the third connection once one closed: %v", err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Errorf("the third connection once one closed: %d", res.StatusCode)
	}
}

// openStream opens the incident's event stream from local address from
// (127.0.0.x), and returns its status and body.
func (ts *testServer) openStream(t *testing.T, from string, n int) (int, io.ReadCloser) {
	t.Helper()
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}}
	client := &http.Client{Transport: &http.Transport{DialContext: d.DialContext}}
	t.Cleanup(client.CloseIdleConnections)
	res, err := client.Get(fmt.Sprintf("%s/incidents/%d/events?ws=demo", ts.URL, n))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { res.Body.Close() })
	return res.StatusCode, res.Body
}

// Event streams beyond the cap per client, or in all, are answered 429;
// a stream that ends frees its place.
func TestStreamCap(t *testing.T) {
	o := stalledOptions(t)
	o.Limits = web.Limits{MaxStreams: 3, MaxStreamsPerClient: 2}
	ts := newServerWith(t, o)
	_, first := ts.openStream(t, "127.0.0.1", demoIncident)
	if code, _ := ts.openStream(t, "127.0.0.1", demoIncident); code != http.StatusOK {
		t.Fatalf("second stream: %d", code)
	}
	if code, _ := ts.openStream(t, "127.0.0.1", demoIncident); code != http.StatusTooManyRequests {
		t.Errorf("third stream from one client: %d, want 429", code)
	}
	if code, _ := ts.openStream(t, "127.0.0.2", demoIncident); code != http.StatusOK {
		t.Errorf("a stream from another client: %d, want 200", code)
	}
	if code, _ := ts.openStream(t, "127.0.0.3", demoIncident); code != http.StatusTooManyRequests {
		t.Errorf("a fourth stream in all: %d, want 429", code)
	}
	first.Close()
	deadline := time.Now().Add(3 * time.Second)
	for {
		code, body := ts.openStream(t, "127.0.0.1", demoIncident)
		if code == http.StatusOK {
			break
		}
		body.Close()
		if time.Now().After(deadline) {
			t.Fatalf("a stream once one closed: %d, want 200", code)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// A quiet event stream sends heartbeats, and outlives the read and write
// timeouts.
func TestStreamHeartbeat(t *testing.T) {
	o := stalledOptions(t)
	timeout := 200 * time.Millisecond
	o.Limits = web.Limits{Heartbeat: 50 * time.Millisecond, ReadTimeout: timeout, WriteTimeout: timeout}
	ts := newServerWith(t, o)
	code, body := ts.openStream(t, "127.0.0.1", demoIncident)
	if code != http.StatusOK {
		t.Fatalf("stream: %d", code)
	}
	lines := make(chan string)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(body)
		sc.Buffer(nil, 16<<20)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	beats := 0
	end := time.After(5 * timeout)
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("the stream ended after %d heartbeats, within %s", beats, 5*timeout)
			}
			if strings.HasPrefix(l, ": ") {
				beats++
			}
			continue
		case <-end:
		}
		break
	}
	if beats < 5 {
		t.Errorf("%d heartbeats in %s, want one every 50 ms", beats, 5*timeout)
	}
}

// A client that never reads a report download is cut by the write
// timeout: the server does not wait on it for ever.
func TestDownloadNotReadCut(t *testing.T) {
	o := options(t)
	logs := logTo(&o)
	o.Limits = web.Limits{WriteTimeout: 300 * time.Millisecond}
	// The server's send buffers and the client's receive buffer are
	// small, so that writing to a client that does not read blocks soon.
	lc := net.ListenConfig{Control: smallBuffers}
	ln, err := lc.Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	o.Addr = ln.Addr().String()
	srv, err := web.New(o)
	if err != nil {
		t.Fatal(err)
	}
	hs := srv.HTTPServer()
	go hs.Serve(srv.Listener(ln))
	t.Cleanup(func() {
		hs.Close()
		srv.Close()
	})
	base := "http://" + ln.Addr().String()
	res, err := http.Get(base + "/incidents/1/events?ws=hostile")
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	res, err = http.Get(base + "/incidents/1/report?ws=hostile&format=json")
	if err != nil {
		t.Fatal(err)
	}
	n, _ := io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if n < 1<<20 {
		t.Fatalf("the report is %d bytes: too small to fill the buffers", n)
	}
	d := &net.Dialer{Control: smallBuffers}
	c, err := d.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprintf(c, "GET /incidents/1/report?ws=hostile&format=json HTTP/1.1\r\nHost: %s\r\n\r\n", ln.Addr())
	start := time.Now()
	for !strings.Contains(logs.String(), "report download cut") {
		if time.Since(start) > 5*time.Second {
			t.Fatalf("the download to a client that does not read is still being written after 5 s\nlog:\n%s", logs)
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Logf("a %d-byte download to a client that does not read was cut after %s", n, time.Since(start).Round(time.Millisecond))
}

// writeCounter is a ResponseWriter that fails every write after n bytes,
// and records the writes.
type writeCounter struct {
	h                          http.Header
	code                       int
	n, written, largest, after int
	failed                     bool
}

func (w *writeCounter) Header() http.Header { return w.h }
func (w *writeCounter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
}

func (w *writeCounter) Write(p []byte) (int, error) {
	if w.failed {
		w.after++
		return 0, errors.New("gone")
	}
	w.largest = max(w.largest, len(p))
	if w.written+len(p) > w.n {
		w.failed = true
		return 0, errors.New("gone")
	}
	w.written += len(p)
	return len(p), nil
}

// The report download renders into the response as it goes: a response
// that fails half-way stops the rendering, and the writes are pieces of at
// most 64 KiB, never the whole report.
func TestDownloadStreams(t *testing.T) {
	ts := newServer(t)
	ts.waitTriage(t, "demo", demoIncident)
	h := ts.web.HTTPServer().Handler
	for _, f := range []string{"html", "json", "md"} {
		path := fmt.Sprintf("/incidents/%d/report?ws=demo&format=%s", demoIncident, f)
		_, whole := ts.get(t, path)
		req, _ := http.NewRequest(http.MethodGet, ts.URL+path, nil)
		w := &writeCounter{h: http.Header{}, n: len(whole) / 2}
		func() {
			defer func() {
				if v := recover(); v != nil && v != http.ErrAbortHandler {
					t.Errorf("%s: panic %v", f, v)
				}
			}()
			h.ServeHTTP(w, req)
		}()
		if !w.failed || w.after > 0 || w.largest > 64<<10 || w.largest >= len(whole) {
			t.Errorf("%s: %d bytes of a %d-byte report written before the failure, the largest write %d, %d writes after it: want the report written in pieces, stopping at the failure",
				f, w.written, len(whole), w.largest, w.after)
		}
	}
}
