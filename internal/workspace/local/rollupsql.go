package local

import (
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/triage-dev/triage/internal/workspace"
)

// rollupRef is one ROLLUP(...) construct of a SQL statement (see the
// package documentation, "Reading a rollup").
type rollupRef struct {
	start, end int // the construct's bytes in the statement, end exclusive
	r          *rollupInfo
	// from and to name the window's parameters; both "" in the bare form,
	// which stands for the rollup's table.
	from, to string
	matches  []rollupMatch
}

// rollupMatch is one alternative of a construct's WHERE: the rows whose key
// equals a value of set, or (with sep) begins with a value of set followed
// by sep.
type rollupMatch struct {
	key string // an expression over the rollup's key columns
	set string // a table or common table expression with a column "value"
	sep byte   // 0 for equality
}

// parseRollups finds the ROLLUP(...) constructs of a statement, outside
// string literals, quoted identifiers and comments.
func parseRollups(text string, byName map[string]*rollupInfo) ([]rollupRef, error) {
	var refs []rollupRef
	const kw = "ROLLUP("
	for i := 0; i < len(text); {
		if j := skipQuoted(text, i); j != i {
			i = j
			continue
		}
		if !strings.HasPrefix(text[i:], kw) || i > 0 && isWordByte(text[i-1]) {
			i++
			continue
		}
		open := i + len(kw) - 1
		close, err := matchParen(text, open)
		if err != nil {
			return nil, err
		}
		ref, err := parseRollup(text[open+1:close], byName)
		if err != nil {
			return nil, fmt.Errorf("ROLLUP at offset %d: %w", i, err)
		}
		ref.start, ref.end = i, close+1
		refs = append(refs, ref)
		i = close + 1
	}
	return refs, nil
}

// skipQuoted returns the offset after the string literal, quoted
// identifier or comment that starts at i, or i.
func skipQuoted(text string, i int) int {
	c := text[i]
	switch {
	case c == '\'' || c == '"' || c == '`':
		for j := i + 1; j < len(text); j++ {
			if text[j] == c {
				if j+1 < len(text) && text[j+1] == c { // a doubled quote stands for itself
					j++
					continue
				}
				return j + 1
			}
		}
		return len(text)
	case c == '[':
		if k := strings.IndexByte(text[i:], ']'); k >= 0 {
			return i + k + 1
		}
		return len(text)
	case c == '-' && strings.HasPrefix(text[i:], "--"):
		if k := strings.IndexByte(text[i:], '\n'); k >= 0 {
			return i + k + 1
		}
		return len(text)
	case c == '/' && strings.HasPrefix(text[i:], "/*"):
		if k := strings.Index(text[i+2:], "*/"); k >= 0 {
			return i + 2 + k + 2
		}
		return len(text)
	}
	return i
}

// matchParen returns the offset of the parenthesis that closes the one at
// open.
func matchParen(text string, open int) (int, error) {
	depth := 0
	for i := open; i < len(text); {
		if j := skipQuoted(text, i); j != i {
			i = j
			continue
		}
		switch text[i] {
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return i, nil
			}
		}
		i++
	}
	return 0, fmt.Errorf("ROLLUP at offset %d: no closing parenthesis", open)
}

// splitTop splits s at each occurrence of the keyword kw (a whole word,
// upper case) outside parentheses, quotes and comments.
func splitTop(s, kw string) []string {
	var parts []string
	depth, last := 0, 0
	for i := 0; i < len(s); {
		if j := skipQuoted(s, i); j != i {
			i = j
			continue
		}
		switch c := s[i]; {
		case c == '(':
			depth++
		case c == ')':
			depth--
		case depth == 0 && strings.HasPrefix(s[i:], kw) && (i == 0 || !isWordByte(s[i-1])) &&
			(i+len(kw) == len(s) || !isWordByte(s[i+len(kw)])):
			parts = append(parts, s[last:i])
			i += len(kw)
			last = i
			continue
		}
		i++
	}
	return append(parts, s[last:])
}

// parseRollup parses the inside of ROLLUP(...):
//
//	Name
//	Name BETWEEN :from AND :to
//	Name BETWEEN :from AND :to WHERE match OR match ...
//
// where a match is "key IN set" or "key STARTSWITH set || 'c'".
func parseRollup(in string, byName map[string]*rollupInfo) (rollupRef, error) {
	var ref rollupRef
	head, where, hasWhere := strings.Cut(in, " WHERE ")
	fields := strings.Fields(head)
	if len(fields) == 0 {
		return ref, fmt.Errorf("no rollup named")
	}
	r, ok := byName[fields[0]]
	if !ok {
		return ref, fmt.Errorf("unknown rollup %q", fields[0])
	}
	ref.r = r
	switch {
	case len(fields) == 1 && !hasWhere:
		return ref, nil
	case len(fields) == 5 && fields[1] == "BETWEEN" && fields[3] == "AND" &&
		strings.HasPrefix(fields[2], ":") && strings.HasPrefix(fields[4], ":"):
		ref.from, ref.to = fields[2][1:], fields[4][1:]
	default:
		return ref, fmt.Errorf("rollup %s: want %q, or %q and an optional WHERE", r.def.Name,
			"ROLLUP(Name)", "ROLLUP(Name BETWEEN :start AND :end)")
	}
	if r.def.List != "" {
		return ref, fmt.Errorf("rollup %s is a list: read it as ROLLUP(%[1]s)", r.def.Name)
	}
	if !hasWhere {
		return ref, nil
	}
	for _, alt := range splitTop(where, "OR") {
		m, err := parseMatch(strings.TrimSpace(alt))
		if err != nil {
			return ref, fmt.Errorf("rollup %s: %w", r.def.Name, err)
		}
		if m.sep != 0 && !r.indexed(m.key) {
			return ref, fmt.Errorf("rollup %s: %s STARTSWITH needs an index on %[2]s", r.def.Name, m.key)
		}
		ref.matches = append(ref.matches, m)
	}
	return ref, nil
}

// parseMatch parses "key IN set" or "key STARTSWITH set || 'c'".
func parseMatch(s string) (rollupMatch, error) {
	var m rollupMatch
	if parts := splitTop(s, "STARTSWITH"); len(parts) == 2 {
		set, sep, ok := strings.Cut(parts[1], "||")
		sep = strings.TrimSpace(sep)
		if !ok || len(sep) != 3 || sep[0] != '\'' || sep[2] != '\'' || sep[1] == '\'' || sep[1] >= 0x7f || sep[1] < ' ' {
			return m, fmt.Errorf("%q: want key STARTSWITH set || 'c', with c one printable ASCII character", s)
		}
		m.key, m.set, m.sep = strings.TrimSpace(parts[0]), strings.TrimSpace(set), sep[1]
	} else if parts := splitTop(s, "IN"); len(parts) == 2 {
		m.key, m.set = strings.TrimSpace(parts[0]), strings.TrimSpace(parts[1])
	} else {
		return m, fmt.Errorf("%q: want key IN set, or key STARTSWITH set || 'c'", s)
	}
	if m.key == "" || !isIdent(m.set) {
		return m, fmt.Errorf("%q: want an expression, then the name of a table", s)
	}
	return m, nil
}

func isIdent(s string) bool {
	if s == "" || s[0] >= '0' && s[0] <= '9' {
		return false
	}
	for i := range len(s) {
		if !isWordByte(s[i]) {
			return false
		}
	}
	return true
}

// indexed reports whether one of the rollup's indexes leads with the
// expression key.
func (r *rollupInfo) indexed(key string) bool {
	for _, x := range r.def.Index {
		if first, _, _ := strings.Cut(x, ","); strings.TrimSpace(first) == key {
			return true
		}
	}
	return false
}

// buckets selects the rollup rows of one grain whose buckets start in [lo, hi).
type buckets struct {
	grain  string // "h" or "d"
	lo, hi time.Time
}

// span selects the source rows of [lo, hi), or of [lo, hi] when closed.
type span struct {
	lo, hi time.Time
	closed bool
}

// splitWindow splits the window [s, e] into the whole UTC days and hours it
// covers, read from a rollup, and the spans at its ends, shorter than an
// hour, read from the rows. Each instant of the window is in exactly one
// part; a window that ends before it starts has none.
func splitWindow(s, e time.Time) (cover []buckets, edges []span) {
	s, e = s.UTC(), e.UTC()
	if e.Before(s) {
		return nil, nil
	}
	hs, he := s.Truncate(time.Hour), e.Truncate(time.Hour)
	if hs.Before(s) {
		hs = hs.Add(time.Hour)
	}
	if !hs.Before(he) {
		return nil, []span{{s, e, true}}
	}
	ds := time.Date(hs.Year(), hs.Month(), hs.Day(), 0, 0, 0, 0, time.UTC)
	if ds.Before(hs) {
		ds = ds.AddDate(0, 0, 1)
	}
	de := time.Date(he.Year(), he.Month(), he.Day(), 0, 0, 0, 0, time.UTC)
	if ds.Before(de) {
		cover = append(cover, buckets{"d", ds, de})
		if hs.Before(ds) {
			cover = append(cover, buckets{"h", hs, ds})
		}
		if de.Before(he) {
			cover = append(cover, buckets{"h", de, he})
		}
	} else {
		cover = append(cover, buckets{"h", hs, he})
	}
	if s.Before(hs) {
		edges = append(edges, span{s, hs, false})
	}
	return cover, append(edges, span{he, e, true})
}

// expandRollups replaces each construct of text by what it stands for, and
// returns args with the values the expansions bind. built reports whether
// a rollup has rows: the window of an empty one is read from its rows alone.
func expandRollups(text string, args []any, refs []rollupRef, built func(*rollupInfo) bool) (string, []any, error) {
	if len(refs) == 0 {
		return text, args, nil
	}
	for _, a := range args {
		if na, ok := a.(sql.NamedArg); ok && strings.HasPrefix(na.Name, "rollupTime") {
			return "", nil, fmt.Errorf("parameter :%s: the name is taken by ROLLUP", na.Name)
		}
	}
	x := &expander{args: args, names: map[string]string{}}
	var b strings.Builder
	last := 0
	for _, ref := range refs {
		b.WriteString(text[last:ref.start])
		last = ref.end
		if ref.from == "" {
			if ref.r.def.List == "" && !built(ref.r) {
				// An empty rollup's keys are its rows' keys.
				fmt.Fprintf(&b, "(SELECT %s FROM %s)", ref.r.keyList(), quoteIdent(ref.r.viewName()))
			} else {
				b.WriteString(quoteIdent(ref.r.def.Name))
			}
			continue
		}
		s, err := x.window(ref.from)
		if err != nil {
			return "", nil, fmt.Errorf("%s: %w", ref.r.def.Name, err)
		}
		e, err := x.window(ref.to)
		if err != nil {
			return "", nil, fmt.Errorf("%s: %w", ref.r.def.Name, err)
		}
		var cover []buckets
		var edges []span
		if built(ref.r) {
			cover, edges = splitWindow(s, e)
		} else if !e.Before(s) {
			edges = []span{{s, e, true}}
		}
		b.WriteString(x.rollupSQL(ref, cover, edges, !built(ref.r)))
	}
	b.WriteString(text[last:])
	return b.String(), x.args, nil
}

// expander writes the SQL of constructs, binding the times they compare.
type expander struct {
	args  []any
	names map[string]string // time text → the parameter binding it
}

// window returns the time a window parameter is bound to.
func (x *expander) window(name string) (time.Time, error) {
	for _, a := range x.args {
		if na, ok := a.(sql.NamedArg); ok && na.Name == name {
			s, ok := na.Value.(string)
			if !ok {
				return time.Time{}, fmt.Errorf("window parameter :%s is not a datetime", name)
			}
			t, err := parseTime(s)
			if err != nil {
				return time.Time{}, fmt.Errorf("window parameter :%s: %w", name, err)
			}
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("window parameter :%s is not bound", name)
}

// bind returns a parameter reference bound to t.
func (x *expander) bind(t time.Time) string {
	v := t.UTC().Format(workspace.TimeFormat)
	if n, ok := x.names[v]; ok {
		return n
	}
	n := fmt.Sprintf("rollupTime%d", len(x.names))
	x.names[v] = ":" + n
	x.args = append(x.args, sql.Named(n, v))
	return ":" + n
}

// rollupSQL is the subquery a windowed construct stands for: the rollup's
// key columns, N, FirstSeen, LastSeen and MaxRowid, from the rollup rows
// of the cover buckets and from the view's rows (N 1) in the edges, each
// matching one of the construct's alternatives (all rows without any).
// whole says that the edges are the whole window (the rollup is empty).
func (x *expander) rollupSQL(ref rollupRef, cover []buckets, edges []span, whole bool) string {
	r := ref.r
	keys := r.keyList()
	rollup, view := quoteIdent(r.def.Name), quoteIdent(r.viewName())
	rollupCols := keys + ", N, FirstSeen, LastSeen, MaxRowid"
	viewCols := keys + ", 1 AS N, TimeGenerated AS FirstSeen, TimeGenerated AS LastSeen, SourceRowid AS MaxRowid"

	var pre []string // the recursive walks of STARTSWITH alternatives
	// coverWhere selects the rollup rows of some whole buckets, edgeWhere
	// the source rows of one edge (hint "+" keeps the time index unused).
	coverWhere := func(c buckets) string {
		return fmt.Sprintf("Grain = '%s' AND Bucket >= %s AND Bucket < %s", c.grain, x.bind(c.lo), x.bind(c.hi))
	}
	edgeWhere := func(e span, hint string) string {
		if e.closed {
			return fmt.Sprintf("%sTimeGenerated BETWEEN %s AND %s", hint, x.bind(e.lo), x.bind(e.hi))
		}
		return fmt.Sprintf("%[1]sTimeGenerated >= %[2]s AND %[1]sTimeGenerated < %[3]s", hint, x.bind(e.lo), x.bind(e.hi))
	}

	// edgeMatch is the FROM and WHERE of the source rows of one edge whose
	// key is a value of m.set. A key the source indexes drives the lookup,
	// one value at a time, so that SQLite takes that index and not one on
	// the view's filter; any other key filters the edge's rows.
	edgeMatch := func(m rollupMatch, e span) string {
		if r.sourceIndexed(m.key) {
			return fmt.Sprintf("(SELECT DISTINCT value FROM %s) AS _s CROSS JOIN %s WHERE %s = _s.value AND %s",
				m.set, view, m.key, edgeWhere(e, ""))
		}
		return fmt.Sprintf("%s WHERE %s IN (SELECT value FROM %s) AND %s", view, m.key, m.set, edgeWhere(e, ""))
	}

	var arms []string
	if len(ref.matches) <= 1 && (len(ref.matches) == 0 || ref.matches[0].sep == 0) {
		// One equality (or none): each row matches once, so the rows are
		// read directly.
		for _, c := range cover {
			cond := coverWhere(c)
			if len(ref.matches) == 1 {
				m := ref.matches[0]
				cond = fmt.Sprintf("%s IN (SELECT value FROM %s) AND %s", m.key, m.set, cond)
			}
			arms = append(arms, fmt.Sprintf("SELECT %s FROM %s WHERE %s", rollupCols, rollup, cond))
		}
		for _, e := range edges {
			from := fmt.Sprintf("%s WHERE %s", view, edgeWhere(e, ""))
			if len(ref.matches) == 1 {
				from = edgeMatch(ref.matches[0], e)
			}
			arms = append(arms, fmt.Sprintf("SELECT %s FROM %s", viewCols, from))
		}
	} else {
		// Several alternatives, or a prefix one: a row may match more than
		// once, so their ids are collected first, each once, and their
		// rows then read by id.
		var ids, xids []string
		for i, m := range ref.matches {
			if m.sep == 0 {
				for _, c := range cover {
					ids = append(ids, fmt.Sprintf("SELECT rowid AS rid FROM %s WHERE %s IN (SELECT value FROM %s) AND %s",
						rollup, m.key, m.set, coverWhere(c)))
				}
				for _, e := range edges {
					xids = append(xids, "SELECT SourceRowid AS rid FROM "+edgeMatch(m, e))
				}
				continue
			}
			lo := fmt.Sprintf("_s.value || %s", sqlString(string(m.sep)))
			hi := fmt.Sprintf("_s.value || %s", sqlString(string(m.sep+1)))
			if len(cover) > 0 {
				// The keys in the rollup that begin so, one index seek each.
				name := fmt.Sprintf("_pre%d", i)
				pre = append(pre, fmt.Sprintf(`%[1]s(a, hi) AS (
  SELECT (SELECT %[2]s FROM %[3]s WHERE %[2]s >= %[4]s AND %[2]s < %[5]s ORDER BY 1 LIMIT 1), %[5]s FROM %[6]s AS _s
  UNION ALL
  SELECT (SELECT %[2]s FROM %[3]s WHERE %[2]s > p.a AND %[2]s < p.hi ORDER BY 1 LIMIT 1), p.hi FROM %[1]s AS p WHERE p.a IS NOT NULL)`,
					name, m.key, rollup, lo, hi, m.set))
				for _, c := range cover {
					ids = append(ids, fmt.Sprintf("SELECT rowid AS rid FROM %s WHERE %s IN (SELECT a FROM %s) AND %s",
						rollup, m.key, name, coverWhere(c)))
				}
			}
			for _, e := range edges {
				if whole {
					// The whole window: by the key's index, not the time's,
					// and not by an index on the view's filter either.
					xids = append(xids, fmt.Sprintf("SELECT SourceRowid AS rid FROM %s AS _s CROSS JOIN %s WHERE %s >= %s AND %[3]s < %[5]s AND %s",
						m.set, r.unindexedRows(), m.key, lo, hi, edgeWhere(e, "+")))
				} else {
					// Less than an hour: by time.
					xids = append(xids, fmt.Sprintf("SELECT SourceRowid AS rid FROM %s AS _s CROSS JOIN %s WHERE +%s >= %s AND +%[3]s < %[5]s AND %s",
						m.set, view, m.key, lo, hi, edgeWhere(e, "")))
				}
			}
		}
		if len(ids) > 0 {
			arms = append(arms, fmt.Sprintf("SELECT %s FROM (\n  %s) AS _ids CROSS JOIN %s WHERE %[3]s.rowid = _ids.rid",
				rollupCols, strings.Join(ids, "\n  UNION "), rollup))
		}
		if len(xids) > 0 {
			arms = append(arms, fmt.Sprintf("SELECT %s FROM (\n  %s) AS _ids CROSS JOIN %s WHERE %[3]s.SourceRowid = _ids.rid",
				viewCols, strings.Join(xids, "\n  UNION "), view))
		}
	}
	if len(arms) == 0 {
		arms = append(arms, fmt.Sprintf("SELECT %s FROM %s WHERE 0", viewCols, view))
	}
	var b strings.Builder
	b.WriteString("(")
	if len(pre) > 0 {
		b.WriteString("WITH RECURSIVE ")
		b.WriteString(strings.Join(pre, ",\n"))
		b.WriteString("\n")
	}
	b.WriteString(strings.Join(arms, "\nUNION ALL\n"))
	b.WriteString(")")
	return b.String()
}

// sourceIndexed reports whether an index of the rollup's source leads with
// key, an expression over the rollup's columns (written with their
// expressions over the source row).
func (r *rollupInfo) sourceIndexed(key string) bool {
	expr := r.sourceExpr(key)
	for _, ix := range r.source.indexes {
		first := strings.TrimSuffix(strings.TrimPrefix(ix.ddl, "("), ")")
		if parts := splitTop(first, ","); len(parts) > 0 && sameExpr(parts[0], expr) {
			return true
		}
	}
	return false
}

// sourceExpr rewrites key, an expression over the rollup's columns, over
// the source row: each column name becomes the column's expression.
func (r *rollupInfo) sourceExpr(key string) string {
	var b strings.Builder
	for i := 0; i < len(key); {
		if j := skipQuoted(key, i); j != i {
			b.WriteString(key[i:j])
			i = j
			continue
		}
		if !isWordByte(key[i]) || i > 0 && (isWordByte(key[i-1]) || key[i-1] == '.') {
			b.WriteByte(key[i])
			i++
			continue
		}
		j := i
		for j < len(key) && isWordByte(key[j]) {
			j++
		}
		word, expr := key[i:j], key[i:j]
		if !strings.HasPrefix(strings.TrimLeft(key[j:], " "), "(") { // not a function's name
			for _, c := range r.def.Cols {
				if c.Name == word {
					expr = c.Expr
				}
			}
		}
		b.WriteString(expr)
		i = j
	}
	return b.String()
}

// sameExpr reports whether two expressions are written alike, but for
// white space, identifier quotes and enclosing parentheses.
func sameExpr(a, b string) bool {
	norm := func(s string) string {
		s = strings.Join(strings.Fields(strings.ReplaceAll(s, `"`, "")), "")
		for strings.HasPrefix(s, "(") && strings.HasSuffix(s, ")") {
			if end, err := matchParen(s, 0); err != nil || end != len(s)-1 {
				break
			}
			s = s[1 : len(s)-1]
		}
		return s
	}
	return norm(a) == norm(b)
}

// unindexedRows is the rollup's view as a subquery whose filter (its
// Where) uses no index, so that a lookup by a key's index is not taken
// over by an index on the filter's columns; the view itself when it has
// no filter.
func (r *rollupInfo) unindexedRows() string {
	if r.def.Where == "" {
		return quoteIdent(r.viewName())
	}
	var b strings.Builder
	b.WriteString("(SELECT rowid AS SourceRowid, TimeGenerated")
	for _, c := range r.def.Cols {
		fmt.Fprintf(&b, ", %s AS %s", c.Expr, quoteIdent(c.Name))
	}
	fmt.Fprintf(&b, " FROM %s WHERE +(%s))", quoteIdent(r.def.Source), r.def.Where)
	return b.String()
}
