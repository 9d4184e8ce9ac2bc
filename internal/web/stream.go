package web

import (
	"net"
	"net/http"
	"strconv"
	"sync"
)

// streams counts the open event streams, in all and per client address,
// so that no client holds more than its share of the server, and ends
// them when the server shuts down.
type streams struct {
	max, perClient int

	mu     sync.Mutex
	total  int
	client map[string]int

	done     chan struct{} // closed by stop
	stopOnce sync.Once
}

func newStreams(l Limits) *streams {
	return &streams{max: l.MaxStreams, perClient: l.MaxStreamsPerClient, client: map[string]int{}, done: make(chan struct{})}
}

// open counts a new stream from r's client and returns the function that
// ends it, or false when the client, or the server, has as many streams as
// it may.
func (st *streams) open(r *http.Request) (release func(), ok bool) {
	addr := clientAddr(r)
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.total >= st.max || st.client[addr] >= st.perClient {
		return nil, false
	}
	st.total++
	st.client[addr]++
	var once sync.Once
	return func() {
		once.Do(func() {
			st.mu.Lock()
			defer st.mu.Unlock()
			st.total--
			if st.client[addr]--; st.client[addr] <= 0 {
				delete(st.client, addr)
			}
		})
	}, true
}

// stop ends every stream: the server is shutting down, and would wait for
// them.
func (st *streams) stop() { st.stopOnce.Do(func() { close(st.done) }) }

// clientAddr is the address of r's client, without its port.
func clientAddr(r *http.Request) string {
	if h, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return h
	}
	return r.RemoteAddr
}

// lastEventID reads the Last-Event-ID header of a stream that reconnects:
// the number of sections the client has had. An id that is not a number
// of sections the run has (negative, too large, not a number: a client of
// a run before this one, or a hostile one) starts the stream again from
// the first section.
func lastEventID(r *http.Request, sections int) int {
	n, err := strconv.Atoi(r.Header.Get("Last-Event-ID"))
	if err != nil || n < 0 || n > sections {
		return 0
	}
	return n
}
