package summary

import (
	"context"
	"encoding/json"
	"net/netip"
	"sync"

	"github.com/triage-dev/triage/internal/enrich"
	"github.com/triage-dev/triage/internal/workspace"
)

// Memo returns env with sources that answer each question once: the
// workspace's queries (by name and parameters), locations, registrations
// and DNS answers are kept, failures too, so that summaries built again
// with the same env (once threat intel has answered) ask nothing twice and
// say the same. Nil sources stay nil.
func Memo(env Env) Env {
	if env.Workspace != nil {
		env.Workspace = &memoWorkspace{Workspace: env.Workspace}
	}
	if env.Geo != nil {
		env.Geo = &memoGeo{src: env.Geo}
	}
	if env.Registry != nil {
		env.Registry = &memoRegistry{src: env.Registry}
	}
	if env.DNS != nil {
		env.DNS = &memoDNS{src: env.DNS}
	}
	return env
}

// memo keeps one answer per key; concurrent askers of a key wait for the
// first.
type memo[V any] struct {
	mu sync.Mutex
	m  map[string]*answer[V]
}

type answer[V any] struct {
	once sync.Once
	v    V
	err  error
}

func (m *memo[V]) get(key string, ask func() (V, error)) (V, error) {
	m.mu.Lock()
	if m.m == nil {
		m.m = map[string]*answer[V]{}
	}
	a, ok := m.m[key]
	if !ok {
		a = &answer[V]{}
		m.m[key] = a
	}
	m.mu.Unlock()
	a.once.Do(func() { a.v, a.err = ask() })
	return a.v, a.err
}

type memoWorkspace struct {
	workspace.Workspace
	tables memo[workspace.Table]
}

func (w *memoWorkspace) Run(ctx context.Context, name string, p workspace.Params) (workspace.Table, error) {
	key, err := json.Marshal(p) // map keys sorted: the same params, the same key
	if err != nil {
		return w.Workspace.Run(ctx, name, p)
	}
	return w.tables.get(name+"\x00"+string(key), func() (workspace.Table, error) { return w.Workspace.Run(ctx, name, p) })
}

type memoGeo struct {
	src enrich.Locator
	m   memo[enrich.Location]
}

func (g *memoGeo) Locate(ctx context.Context, addr netip.Addr) (enrich.Location, error) {
	return g.m.get(addr.String(), func() (enrich.Location, error) { return g.src.Locate(ctx, addr) })
}

type memoRegistry struct {
	src      enrich.Registry
	networks memo[enrich.Network]
	domains  memo[enrich.Registration]
}

func (r *memoRegistry) Network(ctx context.Context, addr netip.Addr) (enrich.Network, error) {
	return r.networks.get(addr.String(), func() (enrich.Network, error) { return r.src.Network(ctx, addr) })
}

func (r *memoRegistry) Domain(ctx context.Context, name string) (enrich.Registration, error) {
	return r.domains.get(name, func() (enrich.Registration, error) { return r.src.Domain(ctx, name) })
}

type memoDNS struct {
	src enrich.Resolver
	m   memo[enrich.DNSAnswers]
}

func (d *memoDNS) Resolve(ctx context.Context, name string) (enrich.DNSAnswers, error) {
	return d.m.get(name, func() (enrich.DNSAnswers, error) { return d.src.Resolve(ctx, name) })
}
