package history

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync/atomic"
	"time"
)

// What triage watch keeps in the store beside the records: a cursor per
// workspace, so that a restarted watch neither misses nor repeats
// incidents, and leases, so that several watches on one store do not
// triage the same incident at once.

// Cursor returns the latest incident change a watch pass over workspace
// saw (SetCursor), or the zero time when none is kept.
func (s *Store) Cursor(ctx context.Context, workspace string) (time.Time, error) {
	var n int64
	err := s.db.QueryRowContext(ctx, `SELECT modified FROM cursors WHERE workspace = ?`, workspace).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("triage history: read the watch cursor: %w", s.check(err))
	}
	return fromNanos(n), nil
}

// SetCursor keeps t as workspace's cursor. The cursor never moves back: a
// t before the kept one leaves it as it is, so that of two watches
// finishing passes out of order the later cursor stands.
func (s *Store) SetCursor(ctx context.Context, workspace string, t time.Time) error {
	if err := s.writes.Take(ctx); err != nil {
		return fmt.Errorf("triage history: set the watch cursor: %w", err)
	}
	defer s.writes.Give()
	_, err := s.db.ExecContext(ctx, `INSERT INTO cursors (workspace, modified) VALUES (?, ?)
		ON CONFLICT (workspace) DO UPDATE SET modified = max(modified, excluded.modified)`, workspace, nanos(t))
	if err != nil {
		return fmt.Errorf("triage history: set the watch cursor: %w", s.check(err))
	}
	return nil
}

// SetIncidentModified sets record id's IncidentModified (and its alert
// count) to the incident as it stands after the triage's own writes (its
// summary comment, its label), so that those writes do not make the
// record stale (Record.Current). It fails with ErrNotFound for an id no
// record has.
func (s *Store) SetIncidentModified(ctx context.Context, id int64, modified time.Time, alerts int) error {
	if err := s.writes.Take(ctx); err != nil {
		return fmt.Errorf("triage history: record %d: %w", id, err)
	}
	defer s.writes.Give()
	res, err := s.db.ExecContext(ctx, `UPDATE records SET incident_modified = ?, alerts = ? WHERE id = ?`, nanos(modified), alerts, id)
	if err != nil {
		return fmt.Errorf("triage history: record %d: %w", id, s.check(err))
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return fmt.Errorf("triage history: record %d: %w", id, ErrNotFound)
	}
	return nil
}

// Lease takes the lease of incident (its name) of workspace for holder
// until now+ttl, by the Store's clock, and reports whether it got it: it
// does when no lease is held, when holder holds it already (the lease is
// extended), or when the lease held has expired. Taking it is one
// statement, so of several Stores (several processes) asking at once one
// gets it.
func (s *Store) Lease(ctx context.Context, workspace, incident, holder string, ttl time.Duration) (bool, error) {
	if err := s.writes.Take(ctx); err != nil {
		return false, fmt.Errorf("triage history: lease: %w", err)
	}
	defer s.writes.Give()
	now := s.now()
	res, err := s.db.ExecContext(ctx, `INSERT INTO leases (workspace, incident_name, holder, expires) VALUES (?, ?, ?, ?)
		ON CONFLICT (workspace, incident_name) DO UPDATE SET holder = excluded.holder, expires = excluded.expires
		WHERE leases.holder = excluded.holder OR leases.expires <= ?`,
		workspace, incident, holder, nanos(now.Add(ttl)), nanos(now))
	if err != nil {
		return false, fmt.Errorf("triage history: lease: %w", s.check(err))
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("triage history: lease: %w", s.check(err))
	}
	return n == 1, nil
}

// Release gives up holder's lease of incident; a lease another holder
// took (after this one's expired) is left alone.
func (s *Store) Release(ctx context.Context, workspace, incident, holder string) error {
	if err := s.writes.Take(ctx); err != nil {
		return fmt.Errorf("triage history: release lease: %w", err)
	}
	defer s.writes.Give()
	_, err := s.db.ExecContext(ctx, `DELETE FROM leases WHERE workspace = ? AND incident_name = ? AND holder = ?`, workspace, incident, holder)
	if err != nil {
		return fmt.Errorf("triage history: release lease: %w", s.check(err))
	}
	return nil
}

// Held is a lease taken by Hold and renewed in the background until
// Release.
type Held struct {
	s                           *Store
	workspace, incident, holder string
	ttl                         time.Duration
	stop, done                  chan struct{}
	lost                        atomic.Bool
}

// Hold takes the lease of incident as Lease does and, when it got it,
// renews it every third of ttl until Release, so that a triage that runs
// longer than ttl keeps it while a watch that died lets go within ttl. It
// returns nil, with no error, when another holder has the lease. A
// renewal that fails is tried again at the next; one that finds the lease
// taken by another holder (this one's expired: the store was out of reach
// for longer than ttl) stops, and Lost reports it.
func (s *Store) Hold(ctx context.Context, workspace, incident, holder string, ttl time.Duration) (*Held, error) {
	ok, err := s.Lease(ctx, workspace, incident, holder, ttl)
	if err != nil || !ok {
		return nil, err
	}
	h := &Held{s: s, workspace: workspace, incident: incident, holder: holder, ttl: ttl,
		stop: make(chan struct{}), done: make(chan struct{})}
	go h.renew()
	return h, nil
}

func (h *Held) renew() {
	defer close(h.done)
	every := max(h.ttl/3, time.Millisecond)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-h.stop:
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), every)
		ok, err := h.s.Lease(ctx, h.workspace, h.incident, h.holder, h.ttl)
		cancel()
		if err == nil && !ok {
			h.lost.Store(true)
			return
		}
	}
}

// Lost reports whether a renewal found the lease taken by another holder:
// what was done under it must not be written, the other holder may be
// writing it.
func (h *Held) Lost() bool { return h.lost.Load() }

// Release stops the renewals and gives the lease up (Store.Release). It
// must be called once.
func (h *Held) Release(ctx context.Context) error {
	close(h.stop)
	<-h.done
	return h.s.Release(ctx, h.workspace, h.incident, h.holder)
}
