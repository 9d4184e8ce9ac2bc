package local

import (
	"context"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/triage-dev/triage/internal/workspace"
)

// batchRows is how many records one INSERT statement writes.
const batchRows = 64

// Load writes records in one transaction. fn calls emit once per record with
// the record's table name; it may call it any number of times. An unknown
// table, a record without TimeGenerated or a value of the wrong type for a
// hot column makes emit return an error naming the table, the column and the
// record's index (counting every emit from 0); Load then returns that error
// even if fn ignores it, and nothing is written. An error from fn also rolls
// everything back. emit must be called from one goroutine at a time.
//
// Loading is tuned for bulk: emit converts records in the caller's goroutine
// while another goroutine inserts them through prepared multi-row statements
// that bind only the hot columns records have, straight on the driver
// connection. The secondary indexes of tables that are empty when their
// first record arrives are dropped; each table's are built when a query
// first names the table (or by BuildIndexes), so loading does not pay for
// the indexes of tables a run never queries. A file workspace runs the load
// with synchronous=OFF: a crash during a load loses the load, never earlier
// data.
func (w *Workspace) Load(ctx context.Context, fn func(emit func(table string, rec map[string]any) error) error) error {
	if w.readOnly {
		return fmt.Errorf("load into %s: %w", w.name, ErrReadOnly)
	}
	conn, err := w.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("load: %w", err)
	}
	defer conn.Close()
	if !w.memory {
		if _, err := conn.ExecContext(ctx, "PRAGMA synchronous = OFF"); err != nil {
			return fmt.Errorf("load: %w", err)
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), "PRAGMA synchronous = NORMAL")
	}
	// A panic inside Raw would make database/sql discard the connection,
	// and with it an in-memory workspace: catch it, roll back (load does),
	// and panic again outside.
	var panicked any
	err = conn.Raw(func(dc any) (err error) {
		defer func() {
			if r := recover(); r != nil {
				panicked = r
				err = errors.New("load: panic")
			}
		}()
		c, ok := dc.(driverConn)
		if !ok {
			return fmt.Errorf("load: driver connection %T lacks the needed methods", dc)
		}
		return w.load(ctx, c, fn)
	})
	if panicked != nil {
		panic(panicked)
	}
	return err
}

// driverConn is what Load needs of the driver's connection.
type driverConn interface {
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.ExecerContext
	driver.QueryerContext
}

func (w *Workspace) load(ctx context.Context, c driverConn, fn func(emit func(string, map[string]any) error) error) error {
	// Statements run with a context that cannot be cancelled (the driver
	// would start a goroutine per call to watch it); emit checks ctx.
	bg := context.WithoutCancel(ctx)
	tx, err := c.BeginTx(bg, driver.TxOptions{})
	if err != nil {
		return fmt.Errorf("load: begin: %w", err)
	}
	ins := newInserter(bg, c)
	l := &loader{ctx: ctx, schema: w.schema, tables: make(map[string]*tableLoad), ins: ins}
	go ins.run()
	committed := false
	defer func() { // also when fn panics
		ins.stop() // idempotent; the connection is ours again after it
		if !committed {
			tx.Rollback()
		}
	}()
	fnErr := fn(l.emit)
	if l.err == nil && fnErr == nil {
		l.flushAll()
	}
	insErr := ins.stop()
	switch {
	case l.err != nil:
		return l.err
	case insErr != nil:
		return insErr
	case fnErr != nil:
		return fmt.Errorf("load: %w", fnErr)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("load: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("load: commit: %w", err)
	}
	committed = true
	w.deferIndexes(ins.dropped)
	loaded := make([]string, 0, len(l.tables))
	for t := range l.tables {
		loaded = append(loaded, t)
	}
	w.staleRollups(loaded)
	return nil
}

// loader converts records; it runs in the goroutine that calls emit.
type loader struct {
	ctx     context.Context
	schema  *schema
	tables  map[string]*tableLoad
	ins     *inserter
	n       int   // records emitted so far
	err     error // the first error; later emits return it
	unknown []string
	buf     []byte
	scratch []byte
}

// tableLoad is one table's part of a Load.
type tableLoad struct {
	info   *tableInfo
	vals   []any // converted hot values by column position; nil when absent
	groups map[uint64]*group
}

// group buffers the records of a table that have one particular set of hot
// columns (a bit mask over the hot columns).
type group struct {
	table   *tableInfo
	mask    uint64
	cols    []int // hot column positions, in statement order
	rows    int   // records per full batch
	pending []driver.Value
	first   int // index of the first buffered record
}

func (l *loader) emit(table string, rec map[string]any) error {
	if l.err != nil {
		return l.err
	}
	idx := l.n
	l.n++
	if idx%1024 == 0 {
		if err := l.ctx.Err(); err != nil {
			l.err = fmt.Errorf("load: %w", err)
			return l.err
		}
		if err := l.ins.failed(); err != nil {
			l.err = err
			return l.err
		}
	}
	tl, ok := l.tables[table]
	if !ok {
		ti, known := l.schema.byName[table]
		if !known {
			l.err = fmt.Errorf("load: record %d: unknown table %q", idx, table)
			return l.err
		}
		tl = &tableLoad{info: ti, vals: make([]any, len(ti.def.Hot)), groups: make(map[uint64]*group)}
		l.tables[table] = tl
	}
	if err := l.add(tl, rec, idx); err != nil {
		l.err = fmt.Errorf("load: table %s record %d: %w", table, idx, err)
		return l.err
	}
	return nil
}

// add converts a record and buffers it for insertion.
func (l *loader) add(tl *tableLoad, rec map[string]any, idx int) error {
	if err := l.convert(tl, rec); err != nil {
		return err
	}
	var mask uint64
	for i, v := range tl.vals {
		if v != nil {
			mask |= 1 << i
		}
	}
	g, ok := tl.groups[mask]
	if !ok {
		g = &group{table: tl.info, mask: mask}
		for i := range tl.info.def.Hot {
			if mask&(1<<i) != 0 {
				g.cols = append(g.cols, i)
			}
		}
		// Stay well below SQLite's limit of 32766 bound values per statement.
		g.rows = min(batchRows, 30000/(len(g.cols)+1))
		tl.groups[mask] = g
	}
	if len(g.pending) == 0 {
		g.first = idx
		if g.pending == nil {
			g.pending = l.ins.buffer(g.rows * (len(g.cols) + 1))
		}
	}
	for _, i := range g.cols {
		g.pending = append(g.pending, tl.vals[i])
	}
	g.pending = append(g.pending, string(l.buf))
	if len(g.pending) == g.rows*(len(g.cols)+1) {
		l.send(g)
	}
	return nil
}

// convert converts rec's hot values into tl.vals and writes its other
// fields as JSON into l.buf: the table's known columns in schema order, then
// any others sorted by name (a stable order without sorting every record).
// Datetimes are written in workspace.TimeFormat, and JSON text (an object or
// array) given for a dynamic column is embedded as JSON.
func (l *loader) convert(tl *tableLoad, rec map[string]any) error {
	ti := tl.info
	found := 0
	for p, c := range ti.def.Hot {
		v, ok := rec[c.Name]
		if !ok {
			tl.vals[p] = nil
			continue
		}
		found++
		if v == nil {
			tl.vals[p] = nil
			continue
		}
		sv, err := l.hotValue(c.Type, v)
		if err != nil {
			return fmt.Errorf("column %s: %w", c.Name, err)
		}
		tl.vals[p] = sv
	}
	if tl.vals[0] == nil {
		return errors.New("column TimeGenerated: missing")
	}
	b := append(l.buf[:0], '{')
	var err error
	for _, c := range ti.def.Cold {
		v, ok := rec[c.Name]
		if ok {
			found++
		} else if c.Name == "Type" {
			v, ok = ti.def.Name, true // as Log Analytics rows have it
		}
		if !ok {
			continue
		}
		if b[len(b)-1] != '{' {
			b = append(b, ',')
		}
		b = append(b, c.jsonKey...)
		if b, err = appendValue(b, c.Name, c.Type, v); err != nil {
			return err
		}
	}
	if found < len(rec) {
		l.unknown = l.unknown[:0]
		for k := range rec {
			if _, known := ti.types[k]; !known {
				l.unknown = append(l.unknown, k)
			}
		}
		slices.Sort(l.unknown)
		for _, k := range l.unknown {
			if b[len(b)-1] != '{' {
				b = append(b, ',')
			}
			b = appendJSONString(b, k)
			b = append(b, ':')
			if b, err = appendValue(b, k, "", rec[k]); err != nil {
				return err
			}
		}
	}
	l.buf = append(b, '}')
	return nil
}

// appendValue appends the JSON of a field's value.
func appendValue(b []byte, name, typ string, v any) ([]byte, error) {
	if s, ok := v.(string); ok && typ == "dynamic" && len(s) > 0 && (s[0] == '{' || s[0] == '[') && json.Valid([]byte(s)) {
		return append(b, s...), nil
	}
	b, err := appendJSON(b, v)
	if err != nil {
		return nil, fmt.Errorf("column %s: %w", name, err)
	}
	return b, nil
}

// send hands a group's buffered records to the inserter.
func (l *loader) send(g *group) {
	if len(g.pending) == 0 {
		return
	}
	l.ins.send(batch{table: g.table, mask: g.mask, cols: g.cols, vals: g.pending, first: g.first})
	g.pending = nil
}

// flushAll hands every buffered record to the inserter.
func (l *loader) flushAll() {
	names := make([]string, 0, len(l.tables))
	for n := range l.tables {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		l.sendTable(l.tables[n])
	}
}

// sendTable hands a table's buffered records to the inserter.
func (l *loader) sendTable(tl *tableLoad) {
	masks := make([]uint64, 0, len(tl.groups))
	for m := range tl.groups {
		masks = append(masks, m)
	}
	slices.Sort(masks)
	for _, m := range masks {
		l.send(tl.groups[m])
	}
}

// batch is records of one table with the same hot columns, as bound values:
// per record the hot columns' values and then the Record JSON.
type batch struct {
	table *tableInfo
	mask  uint64
	cols  []int
	vals  []driver.Value
	first int
}

// inserter owns the driver connection during a load: it inserts batches in
// its own goroutine, in the order they were sent.
type inserter struct {
	ctx     context.Context
	conn    driverConn
	ch      chan batch
	done    chan struct{}
	once    sync.Once
	stmts   map[stmtKey]driver.Stmt
	seen    map[*tableInfo]bool // tables whose first batch has arrived
	dropped []*tableInfo        // tables whose secondary indexes were dropped
	args    []driver.NamedValue
	free    chan []driver.Value // value buffers to reuse

	mu  sync.Mutex
	err error // the first insert error
}

type stmtKey struct {
	table *tableInfo
	mask  uint64
	rows  int
}

func newInserter(ctx context.Context, c driverConn) *inserter {
	return &inserter{
		ctx:   ctx,
		conn:  c,
		ch:    make(chan batch, 256),
		done:  make(chan struct{}),
		stmts: make(map[stmtKey]driver.Stmt),
		seen:  make(map[*tableInfo]bool),
		free:  make(chan []driver.Value, 16),
	}
}

func (ins *inserter) send(b batch) { ins.ch <- b }

// buffer returns an empty value buffer of at least n capacity.
func (ins *inserter) buffer(n int) []driver.Value {
	select {
	case b := <-ins.free:
		if cap(b) >= n {
			return b[:0]
		}
	default:
	}
	return make([]driver.Value, 0, n)
}

// failed returns the first insert error so far.
func (ins *inserter) failed() error {
	ins.mu.Lock()
	defer ins.mu.Unlock()
	return ins.err
}

// stop waits for the batches sent so far and returns the first insert error.
// After it returns the connection may be used by the caller again.
func (ins *inserter) stop() error {
	ins.once.Do(func() { close(ins.ch) })
	<-ins.done
	for _, s := range ins.stmts {
		s.Close()
	}
	clear(ins.stmts)
	return ins.failed()
}

func (ins *inserter) run() {
	defer close(ins.done)
	for b := range ins.ch {
		if ins.failed() != nil {
			continue // drain
		}
		if err := ins.insert(b); err != nil {
			ins.mu.Lock()
			ins.err = fmt.Errorf("load: table %s records from %d: %w", b.table.def.Name, b.first, err)
			ins.mu.Unlock()
		}
		clear(b.vals)
		select {
		case ins.free <- b.vals[:0]:
		default:
		}
	}
}

func (ins *inserter) insert(b batch) error {
	if !ins.seen[b.table] {
		ins.seen[b.table] = true
		if err := ins.prepareTable(b.table); err != nil {
			return err
		}
	}
	width := len(b.cols) + 1
	key := stmtKey{b.table, b.mask, len(b.vals) / width}
	stmt, ok := ins.stmts[key]
	if !ok {
		var err error
		if stmt, err = ins.conn.PrepareContext(ins.ctx, insertSQL(b.table, b.cols, key.rows)); err != nil {
			return fmt.Errorf("prepare insert: %w", err)
		}
		ins.stmts[key] = stmt
	}
	ins.args = ins.args[:0]
	for i, v := range b.vals {
		ins.args = append(ins.args, driver.NamedValue{Ordinal: i + 1, Value: v})
	}
	if _, err := stmt.(driver.StmtExecContext).ExecContext(ins.ctx, ins.args); err != nil {
		return fmt.Errorf("insert: %w", err)
	}
	return nil
}

// prepareTable drops the secondary indexes of a table that is still empty;
// they are built when the table is first queried (see ensureIndexes).
func (ins *inserter) prepareTable(ti *tableInfo) error {
	rows, err := ins.conn.QueryContext(ins.ctx, fmt.Sprintf("SELECT 1 FROM %s LIMIT 1", quoteIdent(ti.def.Name)), nil)
	if err != nil {
		return err
	}
	dest := make([]driver.Value, len(rows.Columns()))
	err = rows.Next(dest)
	rows.Close()
	switch {
	case errors.Is(err, io.EOF):
	case err != nil:
		return err
	default:
		return nil // not empty: keep the indexes
	}
	for _, ix := range ti.indexes {
		if _, err := ins.conn.ExecContext(ins.ctx, "DROP INDEX IF EXISTS "+quoteIdent(ix.name), nil); err != nil {
			return fmt.Errorf("drop index %s: %w", ix.name, err)
		}
	}
	ins.dropped = append(ins.dropped, ti)
	return nil
}

// insertSQL is an INSERT of rows records with the hot columns cols and Record.
func insertSQL(ti *tableInfo, cols []int, rows int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "INSERT INTO %s (", quoteIdent(ti.def.Name))
	for _, i := range cols {
		b.WriteString(quoteIdent(ti.def.Hot[i].Name))
		b.WriteString(", ")
	}
	b.WriteString(recordColumn)
	b.WriteString(") VALUES ")
	row := "(" + strings.Repeat("?, ", len(cols)) + "?)"
	for r := range rows {
		if r > 0 {
			b.WriteString(", ")
		}
		b.WriteString(row)
	}
	return b.String()
}

// one and zero are the bound forms of true and false, boxed once.
var one, zero any = int64(1), int64(0)

// hotValue converts a record value for a hot column of type typ into the
// value bound to SQLite: string (string, guid, datetime in
// workspace.TimeFormat, dynamic as JSON text), int64 (long, int, bool as 0/1)
// or float64 (real, finite).
func (l *loader) hotValue(typ string, v any) (any, error) {
	switch typ {
	case "string", "guid":
		if _, ok := v.(string); !ok {
			return nil, fmt.Errorf("want %s, got %T", typ, v)
		}
		return v, nil // already boxed
	case "datetime":
		var t time.Time
		switch x := v.(type) {
		case time.Time:
			t = x
		case string:
			var err error
			if t, err = time.Parse(time.RFC3339Nano, x); err != nil {
				return nil, fmt.Errorf("want datetime, got text %q that is not RFC 3339", clip(x))
			}
		default:
			return nil, fmt.Errorf("want datetime, got %T", v)
		}
		l.scratch = appendTime(l.scratch[:0], t)
		return string(l.scratch), nil
	case "long", "int":
		n, ok := workspace.Int64(v)
		if !ok {
			f, isFloat := v.(float64)
			if !isFloat || f != math.Trunc(f) || math.Abs(f) >= 1<<63 {
				return nil, fmt.Errorf("want %s, got %T", typ, v)
			}
			n = int64(f)
		}
		if typ == "int" && (n < math.MinInt32 || n > math.MaxInt32) {
			return nil, fmt.Errorf("want int, %d is out of range", n)
		}
		return n, nil
	case "real":
		var f float64
		switch x := v.(type) {
		case float64:
			f = x
		case float32:
			f = float64(x)
		case json.Number:
			var err error
			if f, err = x.Float64(); err != nil {
				return nil, fmt.Errorf("want real, got %q", string(x))
			}
		default:
			n, ok := workspace.Int64(v)
			if !ok {
				return nil, fmt.Errorf("want real, got %T", v)
			}
			f = float64(n)
		}
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, fmt.Errorf("want a finite real, got %v", f)
		}
		return f, nil
	case "bool":
		b, ok := v.(bool)
		if !ok {
			return nil, fmt.Errorf("want bool, got %T", v)
		}
		if b {
			return one, nil
		}
		return zero, nil
	case "dynamic":
		if s, ok := v.(string); ok {
			t := strings.TrimSpace(s)
			if t != "" && (t[0] == '{' || t[0] == '[') {
				if !json.Valid([]byte(t)) {
					return nil, errors.New("want dynamic, got text that starts like JSON but is not valid JSON")
				}
				return t, nil
			}
			l.scratch = appendJSONString(l.scratch[:0], s)
			return string(l.scratch), nil
		}
		var err error
		if l.scratch, err = appendJSON(l.scratch[:0], v); err != nil {
			return nil, fmt.Errorf("want dynamic: %w", err)
		}
		return string(l.scratch), nil
	}
	return nil, fmt.Errorf("unknown column type %q", typ)
}

func clip(s string) string {
	if len(s) > 60 {
		return s[:60] + "…"
	}
	return s
}
