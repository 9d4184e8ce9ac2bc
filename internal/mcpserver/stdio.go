package mcpserver

import (
	"bytes"
	"encoding/json"
	"io"
	"sync"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// maxDrain bounds how long the end of stdin waits for the answers still
// owed: a request the server never answers must not keep it alive.
const maxDrain = 15 * time.Minute

// Stdio is the stdio transport over in and out (newline-delimited
// JSON-RPC). Unlike the SDK's, the end of in is held back until every
// request read from it has been answered on out: a client that writes its
// requests and closes its end of the pipe (a script, a test harness) gets
// its answers, rather than a server that ends and drops the calls still
// running.
func Stdio(in io.Reader, out io.Writer) mcp.Transport {
	d := &drain{}
	d.cond = sync.NewCond(&d.mu)
	return &mcp.IOTransport{Reader: &drainReader{r: in, d: d}, Writer: &drainWriter{w: out, d: d}}
}

// drain counts the requests read and not yet answered.
type drain struct {
	mu      sync.Mutex
	cond    *sync.Cond
	pending map[string]bool // by id
}

// message is what a JSON-RPC line says of itself: a request has a method
// and an id, a response an id and no method.
type message struct {
	ID     json.RawMessage `json:"id"`
	Method string          `json:"method"`
}

func parse(line []byte) (message, bool) {
	var m message
	if json.Unmarshal(line, &m) != nil || len(m.ID) == 0 || string(m.ID) == "null" {
		return m, false
	}
	return m, true
}

// lines calls fn on each complete line of p, keeping a partial one in buf.
func lines(buf *[]byte, p []byte, fn func([]byte)) {
	*buf = append(*buf, p...)
	for {
		i := bytes.IndexByte(*buf, '\n')
		if i < 0 {
			return
		}
		fn((*buf)[:i])
		*buf = (*buf)[i+1:]
	}
}

type drainReader struct {
	r   io.Reader
	d   *drain
	buf []byte
}

func (r *drainReader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	lines(&r.buf, p[:n], func(line []byte) {
		if m, ok := parse(line); ok && m.Method != "" {
			r.d.mu.Lock()
			if r.d.pending == nil {
				r.d.pending = map[string]bool{}
			}
			r.d.pending[string(m.ID)] = true
			r.d.mu.Unlock()
		}
	})
	if err == io.EOF {
		r.d.wait()
	}
	return n, err
}

// wait returns once no request is pending, or after maxDrain.
func (d *drain) wait() {
	timer := time.AfterFunc(maxDrain, func() {
		d.mu.Lock()
		d.pending = nil
		d.mu.Unlock()
		d.cond.Broadcast()
	})
	defer timer.Stop()
	d.mu.Lock()
	defer d.mu.Unlock()
	for len(d.pending) > 0 {
		d.cond.Wait()
	}
}

func (r *drainReader) Close() error {
	if c, ok := r.r.(io.Closer); ok {
		return c.Close()
	}
	return nil
}

type drainWriter struct {
	w   io.Writer
	d   *drain
	buf []byte
}

func (w *drainWriter) Write(p []byte) (int, error) {
	n, err := w.w.Write(p)
	lines(&w.buf, p[:n], func(line []byte) {
		if m, ok := parse(line); ok && m.Method == "" {
			w.d.mu.Lock()
			delete(w.d.pending, string(m.ID))
			w.d.mu.Unlock()
			w.d.cond.Broadcast()
		}
	})
	return n, err
}

func (w *drainWriter) Close() error {
	if c, ok := w.w.(io.Closer); ok {
		return c.Close()
	}
	return nil
}
