package tor

import (
	"bufio"
	"bytes"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/triage-dev/triage/internal/intel"
)

// timeLayout is the exit list's time format, always UTC.
const timeLayout = "2006-01-02 15:04:05"

// node is one exit relay of the list.
type node struct {
	id         string // the relay's fingerprint, 40 upper-case hex digits
	published  time.Time
	lastStatus time.Time
}

// exit is one address a relay was seen exiting from.
type exit struct {
	node *node
	seen time.Time
}

// exitList is a parsed exit list and when it was fetched.
type exitList struct {
	fetched time.Time
	addrs   map[netip.Addr][]exit
	nodes   int
	raw     []byte // the list as downloaded, for CacheDir
}

// parseList reads the exit-addresses format: blocks of
//
//	ExitNode <fingerprint>
//	Published <yyyy-mm-dd hh:mm:ss>
//	LastStatus <yyyy-mm-dd hh:mm:ss>
//	ExitAddress <ip> <yyyy-mm-dd hh:mm:ss>   (one or more)
//
// Blank lines, CollecTor's "@type" annotations and lines with a keyword it
// does not know are skipped, so that the format can grow; anything else that
// is not a keyword line (an HTML page, binary data), a bad fingerprint,
// address or time, or a list without a single exit address is an error
// wrapping intel.ErrMalformed. An empty list would make every address read
// as "not Tor", so it is never accepted.
func parseList(data []byte) (*exitList, error) {
	l := &exitList{addrs: make(map[netip.Addr][]exit)}
	var cur *node
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 4096), 64<<10)
	n := 0
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: line %d: %s", intel.ErrMalformed, n, fmt.Sprintf(format, args...))
	}
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "@") {
			continue
		}
		f := strings.Fields(line)
		if !keyword(f[0]) {
			return nil, bad("%q is not an exit list line", clip(line))
		}
		switch f[0] {
		case "ExitNode":
			if len(f) != 2 || !fingerprint(f[1]) {
				return nil, bad("ExitNode wants one 40-digit hex fingerprint, got %q", clip(line))
			}
			cur = &node{id: strings.ToUpper(f[1])}
			l.nodes++
		case "Published", "LastStatus":
			if cur == nil {
				return nil, bad("%s before any ExitNode", f[0])
			}
			t, err := parseTime(f[1:])
			if err != nil {
				return nil, bad("%s: %v", f[0], err)
			}
			if f[0] == "Published" {
				cur.published = t
			} else {
				cur.lastStatus = t
			}
		case "ExitAddress":
			if cur == nil {
				return nil, bad("ExitAddress before any ExitNode")
			}
			if len(f) != 4 {
				return nil, bad("ExitAddress wants an address and a time, got %q", clip(line))
			}
			a, err := netip.ParseAddr(strings.TrimSuffix(strings.TrimPrefix(f[1], "["), "]"))
			if err != nil || a.Zone() != "" {
				return nil, bad("ExitAddress: %q is not an IP address", clip(f[1]))
			}
			t, err := parseTime(f[2:])
			if err != nil {
				return nil, bad("ExitAddress: %v", err)
			}
			a = a.Unmap()
			l.addrs[a] = append(l.addrs[a], exit{node: cur, seen: t})
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%w: line %d: %v", intel.ErrMalformed, n+1, err)
	}
	if len(l.addrs) == 0 {
		return nil, fmt.Errorf("%w: no exit addresses in the list", intel.ErrMalformed)
	}
	return l, nil
}

// keyword reports whether s can be a keyword: a letter, then letters,
// digits and hyphens.
func keyword(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z':
		case i > 0 && ('0' <= c && c <= '9' || c == '-'):
		default:
			return false
		}
	}
	return s != ""
}

func fingerprint(s string) bool {
	if len(s) != 40 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'A' <= c && c <= 'F' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

func parseTime(f []string) (time.Time, error) {
	if len(f) != 2 {
		return time.Time{}, fmt.Errorf("want a time as %q", timeLayout)
	}
	t, err := time.Parse(timeLayout, f[0]+" "+f[1])
	if err != nil {
		return time.Time{}, fmt.Errorf("bad time %q", clip(f[0]+" "+f[1]))
	}
	return t, nil
}

// clip shortens text quoted from a bad list for an error message.
func clip(s string) string {
	const limit = 60
	if len(s) <= limit {
		return s
	}
	return s[:limit] + "..."
}
