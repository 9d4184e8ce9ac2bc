package local

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// deferIndexes records tables whose secondary indexes a load dropped.
func (w *Workspace) deferIndexes(tables []*tableInfo) {
	if len(tables) == 0 {
		return
	}
	w.idxMu.Lock()
	defer w.idxMu.Unlock()
	for _, ti := range tables {
		if !slices.Contains(w.pending, ti) {
			w.pending = append(w.pending, ti)
		}
	}
}

// ensureIndexes builds the pending indexes of the tables a statement names
// (a whole-word match on the table name, so a mention in a string literal
// counts too, which is harmless), and brings up to date the rollups its
// ROLLUP constructs read, after building their source tables' indexes. It
// returns whether each of those rollups has rows.
func (w *Workspace) ensureIndexes(ctx context.Context, text string, refs []rollupRef) (map[*rollupInfo]bool, error) {
	built := make(map[*rollupInfo]bool, len(refs))
	err := w.buildPending(ctx, func(ti *tableInfo) bool { return mentions(text, ti.def.Name) },
		func(r *rollupInfo) bool {
			return slices.ContainsFunc(refs, func(ref rollupRef) bool { return ref.r == r })
		},
		func(r *rollupInfo, has bool) { built[r] = has })
	return built, err
}

// BuildIndexes builds every secondary index that a load deferred and
// brings every rollup up to date. Queries build the ones they need by
// themselves; call this to pay the cost up front, for example before timing
// queries.
func (w *Workspace) BuildIndexes(ctx context.Context) error {
	return w.buildPending(ctx, func(*tableInfo) bool { return true }, func(*rollupInfo) bool { return true }, nil)
}

// buildPending builds the pending indexes of the tables want selects, and
// of the source tables of the rollups wantRollup selects, then brings those
// rollups up to date and, when report is not nil, reports whether each has
// rows.
func (w *Workspace) buildPending(ctx context.Context, want func(*tableInfo) bool, wantRollup func(*rollupInfo) bool,
	report func(r *rollupInfo, hasRows bool)) error {
	w.idxMu.Lock()
	defer w.idxMu.Unlock()
	var rs []*rollupInfo
	for _, r := range w.rollups {
		if wantRollup(r) {
			rs = append(rs, r)
		}
	}
	for i := 0; i < len(w.pending); {
		ti := w.pending[i]
		if !want(ti) && !slices.ContainsFunc(rs, func(r *rollupInfo) bool { return r.source == ti }) {
			i++
			continue
		}
		for _, ix := range ti.indexes {
			if _, err := w.db.ExecContext(ctx, ti.indexSQL(ix)); err != nil {
				return fmt.Errorf("table %s: create index %s: %w", ti.def.Name, ix.name, err)
			}
		}
		w.pending = slices.Delete(w.pending, i, i+1)
	}
	for _, r := range rs {
		if err := w.refreshRollup(ctx, r); err != nil {
			return err
		}
		if report == nil {
			continue
		}
		if r.rows == rowsUnknown {
			var has bool
			if err := w.db.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM "+quoteIdent(r.def.Name)+")").Scan(&has); err != nil {
				return fmt.Errorf("rollup %s: %w", r.def.Name, err)
			}
			r.rows = rowsNone
			if has {
				r.rows = rowsSome
			}
		}
		report(r, r.rows == rowsSome)
	}
	return nil
}

// mentions reports whether text contains name as a whole word.
func mentions(text, name string) bool {
	for off := 0; ; {
		i := strings.Index(text[off:], name)
		if i < 0 {
			return false
		}
		start, end := off+i, off+i+len(name)
		if (start == 0 || !isWordByte(text[start-1])) && (end == len(text) || !isWordByte(text[end])) {
			return true
		}
		off = start + 1
	}
}

func isWordByte(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}
