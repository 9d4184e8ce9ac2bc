package cache

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/triage-dev/triage/internal/intel"
)

const (
	getSQL = `SELECT result, raw FROM results
		WHERE provider = ? AND fingerprint = ? AND type = ? AND value = ? AND expires > ?`
	putSQL = `INSERT INTO results (provider, fingerprint, type, value, status, stored, expires, result, raw)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (provider, fingerprint, type, value) DO UPDATE SET
			status = excluded.status, stored = excluded.stored, expires = excluded.expires,
			result = excluded.result, raw = excluded.raw`
)

// Get returns the answer stored under k that has not expired at now (now is
// before its expiry), with FromCache set, and whether there was one.
func (s *Store) Get(ctx context.Context, k intel.CacheKey, now time.Time) (intel.Result, bool, error) {
	var doc string
	var raw []byte
	err := s.getStmt.QueryRowContext(ctx, k.Provider, k.Fingerprint, k.Type, k.Value, nanos(now)).Scan(&doc, &raw)
	if errors.Is(err, sql.ErrNoRows) {
		return intel.Result{}, false, nil
	}
	if err != nil {
		return intel.Result{}, false, fmt.Errorf("intel cache: get %s %s: %w", k.Provider, k.Type, s.check(err))
	}
	var r intel.Result
	if err := json.Unmarshal([]byte(doc), &r); err != nil {
		return intel.Result{}, false, fmt.Errorf("intel cache: get %s %s: stored answer: %w", k.Provider, k.Type, s.check(err))
	}
	if len(raw) > 0 {
		r.Raw = raw
	}
	r.FromCache = true
	return r, true, nil
}

// Put stores r under k until expires, replacing any answer under k. r.Raw
// is kept as given if it is at most MaxRaw bytes and dropped otherwise;
// r.FromCache is not kept. An answer whose expiry is not after the time of
// a Get (the zero time, for one) is never returned. Put now and then also
// deletes the expired answers of every key.
func (s *Store) Put(ctx context.Context, k intel.CacheKey, r intel.Result, expires time.Time) error {
	raw := []byte(r.Raw)
	if len(raw) == 0 || len(raw) > MaxRaw {
		raw = nil
	}
	r.Raw = nil
	r.FromCache = false
	doc, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("intel cache: put %s %s: %w", k.Provider, k.Type, s.check(err))
	}
	if err := s.writes.Take(ctx); err != nil {
		return fmt.Errorf("intel cache: put %s %s: %w", k.Provider, k.Type, s.check(err))
	}
	defer s.writes.Give()
	now := s.now()
	_, err = s.putStmt.ExecContext(ctx, k.Provider, k.Fingerprint, k.Type, k.Value, string(r.Status), nanos(now), nanos(expires), string(doc), raw)
	if err != nil {
		return fmt.Errorf("intel cache: put %s %s: %w", k.Provider, k.Type, s.check(err))
	}
	if s.puts.Add(1)%sweepEvery == 1 {
		if _, err := s.deleteExpired(ctx, now); err != nil {
			return fmt.Errorf("intel cache: delete expired answers: %w", s.check(err))
		}
	}
	return nil
}

// deleteExpired deletes the answers expired at now and returns how many.
// The caller holds the write token.
func (s *Store) deleteExpired(ctx context.Context, now time.Time) (int64, error) {
	res, err := s.db.ExecContext(ctx, `DELETE FROM results WHERE expires <= ?`, nanos(now))
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
