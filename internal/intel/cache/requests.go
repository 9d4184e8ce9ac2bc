package cache

import (
	"context"
	"fmt"
	"time"
)

const (
	recordSQL = `INSERT INTO requests (provider, at) VALUES (?, ?)`
	sinceSQL  = `SELECT at FROM requests WHERE provider = ? AND at >= ? ORDER BY at`
)

// Record notes one request to provider at t. Now and then it also forgets
// the requests, to every provider, older than RequestRetention: older than
// both t and the store's clock by that much.
func (s *Store) Record(ctx context.Context, provider string, t time.Time) error {
	if err := s.writes.Take(ctx); err != nil {
		return fmt.Errorf("intel cache: record request to %s: %w", provider, s.check(err))
	}
	defer s.writes.Give()
	if _, err := s.recordStmt.ExecContext(ctx, provider, nanos(t)); err != nil {
		return fmt.Errorf("intel cache: record request to %s: %w", provider, s.check(err))
	}
	if s.records.Add(1)%sweepEvery == 1 {
		cutoff := s.now()
		if t.Before(cutoff) {
			cutoff = t
		}
		cutoff = cutoff.Add(-RequestRetention)
		if _, err := s.db.ExecContext(ctx, `DELETE FROM requests WHERE at < ?`, nanos(cutoff)); err != nil {
			return fmt.Errorf("intel cache: forget old requests: %w", s.check(err))
		}
	}
	return nil
}

// Since returns the times, in UTC, of the requests to provider at or after
// t, oldest first.
func (s *Store) Since(ctx context.Context, provider string, t time.Time) ([]time.Time, error) {
	rows, err := s.sinceStmt.QueryContext(ctx, provider, nanos(t))
	if err != nil {
		return nil, fmt.Errorf("intel cache: requests to %s: %w", provider, s.check(err))
	}
	defer rows.Close()
	var times []time.Time
	for rows.Next() {
		var n int64
		if err := rows.Scan(&n); err != nil {
			return nil, fmt.Errorf("intel cache: requests to %s: %w", provider, s.check(err))
		}
		times = append(times, fromNanos(n))
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("intel cache: requests to %s: %w", provider, s.check(err))
	}
	return times, nil
}
