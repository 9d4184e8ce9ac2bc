package web

import (
	"net"
	"net/http"
	"time"

	"golang.org/x/net/netutil"
)

// Limits bounds what clients may hold of the server: how long a request
// may take to arrive and its response to leave, how long a connection may
// idle, how many connections and live event streams there may be. A zero
// field takes its default (the Default… constants).
type Limits struct {
	// ReadHeaderTimeout bounds the arrival of a request's header.
	ReadHeaderTimeout time.Duration
	// ReadTimeout bounds the arrival of a whole request, its body
	// included: the bodies the pages take are small forms.
	ReadTimeout time.Duration
	// WriteTimeout bounds each write of a response to the client, so a
	// client that stops reading is cut after it, while one that reads a
	// large report slowly is not. It starts when the handler writes, not
	// when the request arrived: a page may take long to compute (a Log
	// Analytics query) before it writes anything.
	WriteTimeout time.Duration
	// IdleTimeout bounds how long a keep-alive connection waits for its
	// next request.
	IdleTimeout time.Duration
	// Heartbeat is how often an event stream with nothing to say sends
	// a comment, so that a client that is gone is found (the write
	// fails, or times out).
	Heartbeat time.Duration
	// MaxConns is how many connections are open at once; more wait to
	// be accepted.
	MaxConns int
	// MaxStreams is how many event streams are open at once, and
	// MaxStreamsPerClient how many from one client address; more are
	// answered 429.
	MaxStreams, MaxStreamsPerClient int
}

// The defaults of Limits. A browser opens at most six connections to a
// host over HTTP/1.1, one per event stream among them; the connection cap
// stays well under the usual limit of 1024 open files, and the streams may
// take only part of it.
const (
	DefaultReadHeaderTimeout   = 10 * time.Second
	DefaultReadTimeout         = 30 * time.Second
	DefaultWriteTimeout        = 30 * time.Second
	DefaultIdleTimeout         = 60 * time.Second
	DefaultHeartbeat           = 15 * time.Second
	DefaultMaxConns            = 256
	DefaultMaxStreams          = 64
	DefaultMaxStreamsPerClient = 8
)

// withDefaults returns l with its zero fields set to their defaults.
func (l Limits) withDefaults() Limits {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&l.ReadHeaderTimeout, DefaultReadHeaderTimeout)
	def(&l.ReadTimeout, DefaultReadTimeout)
	def(&l.WriteTimeout, DefaultWriteTimeout)
	def(&l.IdleTimeout, DefaultIdleTimeout)
	def(&l.Heartbeat, DefaultHeartbeat)
	if l.MaxConns <= 0 {
		l.MaxConns = DefaultMaxConns
	}
	if l.MaxStreams <= 0 {
		l.MaxStreams = DefaultMaxStreams
	}
	if l.MaxStreamsPerClient <= 0 {
		l.MaxStreamsPerClient = DefaultMaxStreamsPerClient
	}
	return l
}

// HTTPServer returns the http.Server that serves the web UI with its
// limits: the timeouts of Options.Limits, each write of a response bounded
// by WriteTimeout, and a handler panic logged and answered 500. Serve it on
// a listener wrapped by Listener. Shutting it down ends the event streams.
func (s *Server) HTTPServer() *http.Server {
	l := s.limits
	hs := &http.Server{
		Handler:           http.HandlerFunc(s.serveGuarded),
		ReadHeaderTimeout: l.ReadHeaderTimeout,
		ReadTimeout:       l.ReadTimeout,
		// The server sets this deadline when the request has arrived;
		// timedWriter moves it to each write.
		WriteTimeout: l.WriteTimeout,
		IdleTimeout:  l.IdleTimeout,
	}
	hs.RegisterOnShutdown(s.streams.stop)
	return hs
}

// Listener returns ln limited to Options.Limits.MaxConns connections at
// once: beyond them, connections wait in the listen queue until one
// closes.
func (s *Server) Listener(ln net.Listener) net.Listener {
	return netutil.LimitListener(ln, s.limits.MaxConns)
}

// timed returns w with every write given WriteTimeout to complete,
// counted from the write: the server's own deadline counts from the
// request's arrival, which would cut a page that took long to compute, and
// a single deadline for a whole response would cut a large download read
// slowly, or an event stream.
func (s *Server) timed(w http.ResponseWriter) *timedWriter {
	return &timedWriter{ResponseWriter: w, rc: http.NewResponseController(w), d: s.limits.WriteTimeout}
}

// timedWriter sets the connection's write deadline before each write, and
// records whether the response has started.
type timedWriter struct {
	http.ResponseWriter
	rc      *http.ResponseController
	d       time.Duration
	started bool
}

func (t *timedWriter) extend() {
	// ErrNotSupported (a writer without deadlines, as in tests) leaves
	// the write unbounded: nothing else to do.
	_ = t.rc.SetWriteDeadline(time.Now().Add(t.d))
}

func (t *timedWriter) WriteHeader(code int) {
	if code >= 200 {
		t.started = true
	}
	t.extend()
	t.ResponseWriter.WriteHeader(code)
}

func (t *timedWriter) Write(p []byte) (int, error) {
	t.started = true
	t.extend()
	return t.ResponseWriter.Write(p)
}

// FlushError flushes what is buffered, within WriteTimeout.
func (t *timedWriter) FlushError() error {
	t.started = true
	t.extend()
	return t.rc.Flush()
}

// Flush is FlushError for callers that want an http.Flusher.
func (t *timedWriter) Flush() { _ = t.FlushError() }

// Unwrap gives http.ResponseController the writer underneath.
func (t *timedWriter) Unwrap() http.ResponseWriter { return t.ResponseWriter }
