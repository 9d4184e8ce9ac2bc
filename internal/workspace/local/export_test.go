package local

// SetRollupMinRows sets the number of source rows below which a rollup is
// left empty (see refreshRollup); 0 builds every rollup. Tests use it to
// take either path with little data.
func (w *Workspace) SetRollupMinRows(n int64) {
	w.idxMu.Lock()
	defer w.idxMu.Unlock()
	w.rollupMinRows = n
	for _, r := range w.rollups {
		r.fresh = false
	}
}
