package cache

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/triage-dev/triage/internal/intel"
)

// ProviderStats describes what a store holds for one provider.
type ProviderStats struct {
	// Entries counts the live (unexpired) answers; Negative counts those
	// among them whose status is not ok (not found, failures).
	Entries  int `json:"entries"`
	Negative int `json:"negative"`
	// Oldest and Newest are when the oldest and the newest live answer were
	// stored; zero when there is none.
	Oldest time.Time `json:"oldest,omitzero"`
	Newest time.Time `json:"newest,omitzero"`
	// Requests24h and Requests30d count the requests recorded in the last
	// 24 hours and 30 days.
	Requests24h int `json:"requests_24h"`
	Requests30d int `json:"requests_30d"`
}

// Stats returns, for each provider with live answers or requests in the
// last 30 days, what the store holds for it. Times are relative to the
// store's clock.
func (s *Store) Stats(ctx context.Context) (map[string]ProviderStats, error) {
	now := s.now()
	// One read transaction, so that both queries see the same file.
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("intel cache: stats: %w", s.check(err))
	}
	defer tx.Rollback()
	stats := make(map[string]ProviderStats)
	rows, err := tx.QueryContext(ctx,
		`SELECT provider, count(*), sum(status <> ?), min(stored), max(stored)
		FROM results WHERE expires > ? GROUP BY provider`,
		string(intel.StatusOK), nanos(now))
	if err != nil {
		return nil, fmt.Errorf("intel cache: stats: %w", s.check(err))
	}
	for rows.Next() {
		var p string
		var st ProviderStats
		var oldest, newest int64
		if err := rows.Scan(&p, &st.Entries, &st.Negative, &oldest, &newest); err != nil {
			rows.Close()
			return nil, fmt.Errorf("intel cache: stats: %w", s.check(err))
		}
		st.Oldest, st.Newest = fromNanos(oldest), fromNanos(newest)
		stats[p] = st
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("intel cache: stats: %w", s.check(err))
	}

	rows, err = tx.QueryContext(ctx,
		`SELECT provider, sum(at >= ?), count(*) FROM requests WHERE at >= ? GROUP BY provider`,
		nanos(now.Add(-24*time.Hour)), nanos(now.Add(-30*24*time.Hour)))
	if err != nil {
		return nil, fmt.Errorf("intel cache: stats: %w", s.check(err))
	}
	defer rows.Close()
	for rows.Next() {
		var p string
		var day, month int
		if err := rows.Scan(&p, &day, &month); err != nil {
			return nil, fmt.Errorf("intel cache: stats: %w", s.check(err))
		}
		st := stats[p]
		st.Requests24h, st.Requests30d = day, month
		stats[p] = st
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("intel cache: stats: %w", s.check(err))
	}
	return stats, nil
}

// Clear deletes the answers of provider, or of every provider if provider
// is "", and returns how many live answers it deleted. Expired answers go
// too, uncounted. The request log is kept: quotas still hold.
func (s *Store) Clear(ctx context.Context, provider string) (int, error) {
	if err := s.writes.Take(ctx); err != nil {
		return 0, fmt.Errorf("intel cache: clear: %w", s.check(err))
	}
	defer s.writes.Give()
	if _, err := s.deleteExpired(ctx, s.now()); err != nil {
		return 0, fmt.Errorf("intel cache: clear: %w", s.check(err))
	}
	res, err := s.db.ExecContext(ctx, `DELETE FROM results WHERE ? = '' OR provider = ?`, provider, provider)
	if err != nil {
		return 0, fmt.Errorf("intel cache: clear: %w", s.check(err))
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("intel cache: clear: %w", s.check(err))
	}
	return int(n), nil
}
