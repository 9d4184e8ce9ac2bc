package domain

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/triage-dev/triage/internal/enrich"
	"github.com/triage-dev/triage/internal/ioc"
)

// ErrInternal is wrapped by the error Resolve returns for a name ioc calls
// internal (see ioc.Indicator.Internal): a single label, a name under .local,
// .internal, .corp, .home.arpa and the like, or under a TLD that is not
// delegated. Asking about it would tell the organisation's resolvers, and
// whoever they forward to, what is being investigated, for no answer.
var ErrInternal = errors.New("internal name, not resolved")

// DefaultTimeout is how long Resolve waits for each question when
// Resolver.Timeout is not set.
const DefaultTimeout = 3 * time.Second

// Resolver asks DNS about names. The zero value uses net.DefaultResolver and
// DefaultTimeout.
type Resolver struct {
	// Lookup answers the questions; *net.Resolver satisfies it. Tests give a
	// fake. Each method is called at most once per Resolve, all four at the
	// same time, each with a context that ends after Timeout.
	Lookup interface {
		LookupHost(ctx context.Context, host string) ([]string, error)
		LookupCNAME(ctx context.Context, host string) (string, error)
		LookupMX(ctx context.Context, name string) ([]*net.MX, error)
		LookupNS(ctx context.Context, name string) ([]*net.NS, error)
	}
	// Timeout bounds each question; DefaultTimeout when zero or negative.
	Timeout time.Duration
}

// Resolver must accept the standard library's resolver, and is an
// enrich.Resolver.
var _ enrich.Resolver = Resolver{Lookup: (*net.Resolver)(nil)}

// question is one of the four things Resolve asks.
type question struct {
	types []string // the record types it answers, for DNSAnswers.Errors
	ask   func(ctx context.Context) (func(*enrich.DNSAnswers), error)
}

type reply struct {
	fill func(*enrich.DNSAnswers)
	err  error
}

// Resolve asks for the addresses (split into A and AAAA), CNAME, MX and NS of
// a name, the four questions at once, each bounded by the Timeout. The name
// is read as Analyze reads it (refanged, IDN converted) and asked in its
// A-label form.
//
// It returns an error, with what answers it has, only when every question
// failed; otherwise failures are in DNSAnswers.Errors, where "no such host"
// means the name or that record type does not exist (Go's resolver does not
// tell them apart), and A and AAAA, asked as one question, fail together. It
// asks nothing, and returns an error, for a name Analyze finds malformed, for
// an IP address, and for an internal name (wrapping ErrInternal). Resolve
// returns once each question is answered or has timed out, even if Lookup
// ignores its context; such a call is left to finish on its own.
func (r Resolver) Resolve(ctx context.Context, name string) (enrich.DNSAnswers, error) {
	f, ok := analyze(strings.TrimSpace(ioc.Refang(strings.TrimSpace(name))))
	if !ok {
		return enrich.DNSAnswers{}, fmt.Errorf("domain: cannot resolve %q: %s", shorten(name), f.Problems[0])
	}
	if (ioc.Indicator{Kind: ioc.Hostname, Value: f.Name}).Internal() {
		return enrich.DNSAnswers{}, fmt.Errorf("domain: %s: %w", f.Name, ErrInternal)
	}
	look := r.Lookup
	if look == nil {
		look = net.DefaultResolver
	}
	timeout := r.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	host := f.Name

	questions := []question{
		{[]string{"A", "AAAA"}, func(ctx context.Context) (func(*enrich.DNSAnswers), error) {
			addrs, err := look.LookupHost(ctx, host)
			return func(a *enrich.DNSAnswers) { a.A, a.AAAA = splitAddrs(addrs) }, err
		}},
		{[]string{"CNAME"}, func(ctx context.Context) (func(*enrich.DNSAnswers), error) {
			cname, err := look.LookupCNAME(ctx, host)
			return func(a *enrich.DNSAnswers) {
				if c := cleanName(cname); c != "" && c != host {
					a.CNAME = []string{c}
				}
			}, err
		}},
		{[]string{"MX"}, func(ctx context.Context) (func(*enrich.DNSAnswers), error) {
			mxs, err := look.LookupMX(ctx, host)
			return func(a *enrich.DNSAnswers) { a.MX = sortMX(mxs) }, err
		}},
		{[]string{"NS"}, func(ctx context.Context) (func(*enrich.DNSAnswers), error) {
			nss, err := look.LookupNS(ctx, host)
			return func(a *enrich.DNSAnswers) {
				var names []string
				for _, ns := range nss {
					if ns != nil {
						names = append(names, cleanName(ns.Host))
					}
				}
				a.NS = sortedSet(names)
			}, err
		}},
	}

	cause := fmt.Errorf("domain: %s: no answer within %v", host, timeout)
	type pending struct {
		ctx    context.Context
		cancel context.CancelFunc
		done   chan reply
	}
	started := make([]pending, len(questions))
	for i, q := range questions {
		qctx, cancel := context.WithTimeoutCause(ctx, timeout, cause)
		done := make(chan reply, 1) // never blocks, so a late answer does not leak
		started[i] = pending{qctx, cancel, done}
		go func() {
			fill, err := q.ask(qctx)
			done <- reply{fill, err}
		}()
	}

	var ans enrich.DNSAnswers
	var reasons []string
	failed := 0
	for i, p := range started {
		var rep reply
		select {
		case rep = <-p.done:
		case <-p.ctx.Done():
			rep.err = context.Cause(p.ctx)
		}
		p.cancel()
		if rep.err == nil {
			rep.fill(&ans)
			continue
		}
		failed++
		why := describe(rep.err, cause)
		if ans.Errors == nil {
			ans.Errors = map[string]string{}
		}
		for _, t := range questions[i].types {
			ans.Errors[t] = why
		}
		if !slices.Contains(reasons, why) {
			reasons = append(reasons, why)
		}
	}
	if failed == len(questions) {
		if err := context.Cause(ctx); err != nil {
			return ans, fmt.Errorf("domain: resolve %s: %w", host, err)
		}
		return ans, fmt.Errorf("domain: resolve %s: every question failed: %s", host, strings.Join(reasons, "; "))
	}
	return ans, nil
}

// describe says in a few words why a question failed.
func describe(err, timeout error) string {
	var dnsErr *net.DNSError
	switch {
	case errors.Is(err, timeout), errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	case errors.Is(err, context.Canceled):
		return "canceled"
	case errors.As(err, &dnsErr):
		switch {
		case dnsErr.IsNotFound:
			return "no such host"
		case dnsErr.IsTimeout:
			return "timeout"
		case dnsErr.Err != "":
			return shorten(dnsErr.Err)
		}
	}
	return shorten(err.Error())
}

// splitAddrs sorts addresses into IPv4 (IPv4-mapped ones included) and IPv6,
// dropping anything that is not an address.
func splitAddrs(addrs []string) (v4, v6 []string) {
	var a4, a6 []netip.Addr
	for _, s := range addrs {
		a, err := netip.ParseAddr(s)
		switch {
		case err != nil:
		case a.Unmap().Is4():
			a4 = append(a4, a.Unmap())
		default:
			a6 = append(a6, a.WithZone(""))
		}
	}
	return addrStrings(a4), addrStrings(a6)
}

func addrStrings(as []netip.Addr) []string {
	slices.SortFunc(as, netip.Addr.Compare)
	as = slices.Compact(as)
	var out []string
	for _, a := range as {
		out = append(out, a.String())
	}
	return out
}

// sortMX returns mail exchangers by preference, then by name.
func sortMX(mxs []*net.MX) []string {
	type mx struct {
		host string
		pref uint16
	}
	var list []mx
	for _, m := range mxs {
		if m != nil {
			list = append(list, mx{cleanName(m.Host), m.Pref})
		}
	}
	slices.SortFunc(list, func(a, b mx) int {
		return cmp.Or(cmp.Compare(a.pref, b.pref), strings.Compare(a.host, b.host))
	})
	var out []string
	for _, m := range list {
		if m.host != "" && !slices.Contains(out, m.host) {
			out = append(out, m.host)
		}
	}
	return out
}

// cleanName lower-cases a name from an answer and drops the trailing dot,
// except from the root ".".
func cleanName(s string) string {
	s = strings.ToLower(s)
	if len(s) > 1 {
		s = strings.TrimSuffix(s, ".")
	}
	return s
}

func sortedSet(ss []string) []string {
	ss = slices.DeleteFunc(ss, func(s string) bool { return s == "" })
	slices.Sort(ss)
	return slices.Compact(ss)
}
