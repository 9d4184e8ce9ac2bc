package tor

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/triage-dev/triage/internal/intel"
	"github.com/triage-dev/triage/internal/timespan"
)

// maxBody bounds the list read. The real list is well under a megabyte.
const maxBody = 32 << 20

// cacheFile is the list's file name in CacheDir.
const cacheFile = "tor-exit-addresses.txt"

// cacheMagic starts the first line of the cache file, followed by the fetch
// time and the URL the list came from; the list follows as downloaded.
const cacheMagic = "triage-tor-exit-list"

// fetch downloads and parses the list. It maps the outcome as httpapi does,
// but by hand: a 404 means the list is missing, not that an address is
// unknown, and there is no key to blame for a 401.
func (p *Provider) fetch(ctx context.Context) (*exitList, error) {
	ctx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.url, nil)
	if err != nil {
		return nil, fmt.Errorf("tor: %v", err)
	}
	req.Header.Set("Accept", "text/plain")
	req.Header.Set("User-Agent", "triage")
	resp, err := p.client.Do(req)
	if err != nil {
		return nil, p.transportError(ctx, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return nil, p.transportError(ctx, err)
	}
	what := fmt.Sprintf("tor: download %s: HTTP %d", p.ref, resp.StatusCode)
	switch c := resp.StatusCode; {
	case c/100 == 2:
	case c == http.StatusUnauthorized || c == http.StatusForbidden:
		return nil, fmt.Errorf("%s: %w", what, intel.ErrUnauthorized)
	case c == http.StatusTooManyRequests:
		return nil, fmt.Errorf("tor: download %s: %w", p.ref, &intel.RateLimitError{RetryAfter: timespan.RetryAfter(resp.Header.Get("Retry-After"), p.now())})
	case c >= 500 || c == http.StatusRequestTimeout:
		return nil, fmt.Errorf("%s: %w", what, intel.ErrTransient)
	default:
		return nil, errors.New(what)
	}
	if len(data) > maxBody {
		return nil, fmt.Errorf("tor: download %s: %w: the list is larger than %d bytes", p.ref, intel.ErrMalformed, maxBody)
	}
	l, err := parseList(data)
	if err != nil {
		return nil, fmt.Errorf("tor: exit list from %s: %w", p.ref, err)
	}
	l.fetched = p.now()
	l.raw = data
	return l, nil
}

// transportError maps a failure to get an answer, keeping the URL's query
// out of the message.
func (p *Provider) transportError(ctx context.Context, err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	if errors.Is(ctx.Err(), context.DeadlineExceeded) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("tor: download %s: no answer in time: %w", p.ref, context.DeadlineExceeded)
	}
	if errors.Is(err, context.Canceled) {
		return fmt.Errorf("tor: download %s: %w", p.ref, err)
	}
	return fmt.Errorf("tor: download %s: %w: %v", p.ref, intel.ErrTransient, err)
}

// readCache reads the list kept in CacheDir. A missing, unreadable or
// foreign file (another URL's list) is an error, and the list is downloaded.
func (p *Provider) readCache() (*exitList, error) {
	data, err := os.ReadFile(filepath.Join(p.cacheDir, cacheFile))
	if err != nil {
		return nil, err
	}
	head, body, ok := bytes.Cut(data, []byte("\n"))
	if !ok {
		return nil, errors.New("no header line")
	}
	f := strings.SplitN(strings.TrimSpace(string(head)), " ", 3)
	if len(f) != 3 || f[0] != cacheMagic {
		return nil, errors.New("bad header line")
	}
	if f[2] != p.url {
		return nil, errors.New("list of another URL")
	}
	fetched, err := time.Parse(time.RFC3339Nano, f[1])
	if err != nil {
		return nil, err
	}
	l, err := parseList(body)
	if err != nil {
		return nil, err
	}
	l.fetched = fetched
	l.raw = body
	return l, nil
}

// writeCache keeps l in CacheDir, replacing the file atomically.
func (p *Provider) writeCache(l *exitList) error {
	if err := os.MkdirAll(p.cacheDir, 0o700); err != nil {
		return fmt.Errorf("tor: keep the list: %w", err)
	}
	tmp, err := os.CreateTemp(p.cacheDir, ".tor-exit-*")
	if err != nil {
		return fmt.Errorf("tor: keep the list: %w", err)
	}
	defer os.Remove(tmp.Name()) // fails harmlessly after the rename
	w := bufio.NewWriter(tmp)
	fmt.Fprintf(w, "%s %s %s\n", cacheMagic, l.fetched.UTC().Format(time.RFC3339Nano), p.url)
	w.Write(l.raw)
	err = w.Flush()
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), filepath.Join(p.cacheDir, cacheFile))
	}
	if err != nil {
		return fmt.Errorf("tor: keep the list: %w", err)
	}
	return nil
}
