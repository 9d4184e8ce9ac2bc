package workspace

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/triage-dev/triage/internal/timespan"
)

// TimeFormat is how the local store writes datetimes: fixed-width UTC text
// with microseconds, so that stored values sort lexicographically in time
// order. SQL bodies compare datetime columns with datetime parameters, which
// Bind renders in this format.
const TimeFormat = "2006-01-02T15:04:05.000000Z"

// Dialect is a query language a workspace runs.
type Dialect string

// The query dialects.
const (
	KQL Dialect = "kql" // Kusto Query Language, run by Log Analytics (Sentinel)
	SQL Dialect = "sql" // SQLite, run by the local workspace
	// Hunting is KQL for Defender XDR's advanced hunting (runHuntingQuery
	// through Microsoft Graph), whose Defender tables (Device*, Email*,
	// Identity*, CloudAppEvents, AlertInfo, AlertEvidence) have Timestamp
	// where Log Analytics has TimeGenerated, and some columns as JSON text
	// where Log Analytics has dynamic. Bound exactly as KQL.
	Hunting Dialect = "hunting"
)

// ParamType is the declared type of a query parameter.
type ParamType string

// The parameter types. The Go value a caller passes for each is listed in
// Params.
const (
	TypeString   ParamType = "string"
	TypeDatetime ParamType = "datetime"
	TypeInt      ParamType = "int"
	TypeReal     ParamType = "real"
	TypeBool     ParamType = "bool"
	TypeTimespan ParamType = "timespan"
	TypeList     ParamType = "list" // a list of strings
)

var paramTypes = []ParamType{TypeString, TypeDatetime, TypeInt, TypeReal, TypeBool, TypeTimespan, TypeList}

// Param is one declared query parameter.
type Param struct {
	Name        string
	Type        ParamType
	Description string
	// Default is the value used when the caller passes none, already
	// converted to the Go type for Type. Nil means the parameter is required.
	Default any
}

// Query is one named query: typed parameters and a body per dialect.
type Query struct {
	Name        string
	Description string
	Params      []Param
	// Bodies holds the query text per dialect. Parameters are referenced
	// by name: as a variable in KQL and hunting (Bind declares it with
	// let), as :name in SQL.
	Bodies map[Dialect]string
	// Columns optionally declares the types (Log Analytics type names) of
	// result columns that a SQL body computes, such as min(TimeGenerated) AS
	// FirstSeen; the local store cannot infer those from its schema.
	Columns map[string]string
	// Source is the file the query came from ("builtin:queries/alerts.yaml"
	// for embedded queries).
	Source string
}

// Params are the values for a query's parameters, by name. The Go types are:
// string for string, time.Time for datetime, int or int64 (any integer type)
// for int, float64 (or an integer) for real, bool for bool, time.Duration for
// timespan and []string for list.
type Params map[string]any

// Catalog is a set of named queries. It is read-only after LoadCatalog and
// safe for concurrent use.
type Catalog struct {
	queries map[string]*Query
}

//go:embed queries/*.yaml
var builtinQueries embed.FS

// LoadCatalog reads the embedded queries and then every *.yaml and *.yml file
// under userDir, recursively ("" reads none). A user query with the same name
// as a built-in one replaces it; the same name in two user files is an error.
// Every error names the file and, where there is one, the query.
func LoadCatalog(userDir string) (*Catalog, error) {
	c := &Catalog{queries: make(map[string]*Query)}
	builtin, err := fs.Glob(builtinQueries, "queries/*.yaml")
	if err != nil {
		return nil, fmt.Errorf("read built-in queries: %w", err)
	}
	sort.Strings(builtin)
	for _, name := range builtin {
		data, err := builtinQueries.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("read built-in queries %s: %w", name, err)
		}
		qs, err := parseQueryFile("builtin:"+name, data)
		if err != nil {
			return nil, err
		}
		for _, q := range qs {
			if prev, ok := c.queries[q.Name]; ok {
				return nil, fmt.Errorf("%s: query %q: also defined in %s", q.Source, q.Name, prev.Source)
			}
			c.queries[q.Name] = q
		}
	}
	if userDir == "" {
		return c, nil
	}
	var files []string
	err = filepath.WalkDir(userDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		if ext := strings.ToLower(filepath.Ext(path)); ext == ".yaml" || ext == ".yml" {
			files = append(files, path)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read query directory %s: %w", userDir, err)
	}
	sort.Strings(files)
	fromUser := make(map[string]string) // query name -> file
	for _, path := range files {
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("read queries: %w", err)
		}
		qs, err := parseQueryFile(path, data)
		if err != nil {
			return nil, err
		}
		for _, q := range qs {
			if prev, ok := fromUser[q.Name]; ok {
				return nil, fmt.Errorf("%s: query %q: also defined in %s", path, q.Name, prev)
			}
			fromUser[q.Name] = path
			c.queries[q.Name] = q
		}
	}
	return c, nil
}

// Get returns the named query. An unknown name is an error that names it
// and wraps ErrNotFound.
func (c *Catalog) Get(name string) (*Query, error) {
	if q, ok := c.queries[name]; ok {
		return q, nil
	}
	return nil, fmt.Errorf("query %q is not in the query catalog: %w", name, ErrNotFound)
}

// Names returns the names of all queries, sorted.
func (c *Catalog) Names() []string {
	names := make([]string, 0, len(c.queries))
	for n := range c.queries {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Param returns the named parameter declaration, or false.
func (q *Query) Param(name string) (Param, bool) {
	for _, p := range q.Params {
		if p.Name == name {
			return p, true
		}
	}
	return Param{}, false
}

// The YAML shapes. Unknown keys are errors, so a misspelt key is not
// silently ignored.
type fileYAML struct {
	Queries []queryYAML `yaml:"queries"`
}

type queryYAML struct {
	Name        string            `yaml:"name"`
	Description string            `yaml:"description"`
	Params      []paramYAML       `yaml:"params"`
	Columns     map[string]string `yaml:"columns"`
	KQL         string            `yaml:"kql"`
	SQL         string            `yaml:"sql"`
	Hunting     string            `yaml:"hunting"`
}

type paramYAML struct {
	Name        string `yaml:"name"`
	Type        string `yaml:"type"`
	Description string `yaml:"description"`
	Default     any    `yaml:"default"`
}

var (
	queryNameRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_.-]*$`)
	paramNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
)

// kqlReserved are words that cannot be a KQL let name without brackets
// (the query keywords among Kusto's identifier-like keywords), plus the names
// of the SQL keywords a :name could be confused with. Param names must avoid them.
var kqlReserved = map[string]bool{
	"and": true, "as": true, "asc": true, "between": true, "by": true, "contains": true,
	"count": true, "datatable": true, "date": true, "datetime": true, "decimal": true,
	"desc": true, "distinct": true, "double": true, "dynamic": true, "extend": true,
	"false": true, "filter": true, "find": true, "first": true, "float": true, "for": true,
	"has": true, "has_all": true, "has_any": true, "in": true, "int": true, "kind": true,
	"last": true, "let": true, "limit": true, "long": true, "not": true, "of": true,
	"on": true, "or": true, "order": true, "parse": true, "print": true, "project": true,
	"range": true, "real": true, "sample": true, "search": true, "serialize": true,
	"set": true, "sort": true, "step": true, "string": true, "summarize": true,
	"take": true, "time": true, "timespan": true, "title": true, "to": true, "top": true,
	"toscalar": true, "true": true, "typeof": true, "union": true, "until": true,
	"where": true, "with": true, "from": true, "bool": true, "guid": true, "null": true,
}

// kustoTypes are the Log Analytics column type names a Columns entry may use.
var kustoTypes = []string{"string", "datetime", "long", "int", "real", "bool", "dynamic", "guid", "timespan"}

func parseQueryFile(source string, data []byte) ([]*Query, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var f fileYAML
	if err := dec.Decode(&f); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil // an empty file defines nothing
		}
		return nil, fmt.Errorf("%s: %w", source, err)
	}
	seen := make(map[string]bool)
	var out []*Query
	for i, qy := range f.Queries {
		q, err := buildQuery(source, qy)
		if err != nil {
			if qy.Name == "" {
				return nil, fmt.Errorf("%s: queries[%d]: %w", source, i, err)
			}
			return nil, fmt.Errorf("%s: query %q: %w", source, qy.Name, err)
		}
		if seen[q.Name] {
			return nil, fmt.Errorf("%s: query %q: defined twice in the file", source, q.Name)
		}
		seen[q.Name] = true
		out = append(out, q)
	}
	return out, nil
}

func buildQuery(source string, qy queryYAML) (*Query, error) {
	if qy.Name == "" {
		return nil, errors.New("missing name")
	}
	if !queryNameRE.MatchString(qy.Name) {
		return nil, errors.New("name must be letters, digits, '_', '.' or '-', starting with a letter")
	}
	q := &Query{
		Name:        qy.Name,
		Description: strings.TrimSpace(qy.Description),
		Bodies:      make(map[Dialect]string),
		Source:      source,
	}
	if strings.TrimSpace(qy.KQL) != "" {
		q.Bodies[KQL] = qy.KQL
	}
	if strings.TrimSpace(qy.SQL) != "" {
		q.Bodies[SQL] = qy.SQL
	}
	if strings.TrimSpace(qy.Hunting) != "" {
		q.Bodies[Hunting] = qy.Hunting
	}
	if len(q.Bodies) == 0 {
		return nil, errors.New("no body: give kql, sql, hunting or several")
	}
	declared := make(map[string]bool)
	for _, py := range qy.Params {
		p, err := buildParam(py)
		if err != nil {
			return nil, err
		}
		if declared[p.Name] {
			return nil, fmt.Errorf("param %q declared twice", p.Name)
		}
		declared[p.Name] = true
		q.Params = append(q.Params, p)
	}
	for col, typ := range qy.Columns {
		if !slices.Contains(kustoTypes, typ) {
			return nil, fmt.Errorf("column %q: unknown type %q (want one of %s)", col, typ, strings.Join(kustoTypes, ", "))
		}
	}
	if len(qy.Columns) > 0 {
		q.Columns = qy.Columns
	}
	if body, ok := q.Bodies[SQL]; ok {
		refs, err := sqlParamRefs(body)
		if err != nil {
			return nil, fmt.Errorf("sql body: %w", err)
		}
		for _, r := range refs {
			if !declared[r] {
				return nil, fmt.Errorf("sql body: references undeclared param :%s", r)
			}
		}
	}
	for _, d := range []Dialect{KQL, Hunting} {
		body, ok := q.Bodies[d]
		if !ok {
			continue
		}
		// Values reach KQL only through the let prelude; a msticpy-style
		// {name} placeholder would be a sign of string templating.
		for name := range declared {
			if strings.Contains(body, "{"+name+"}") {
				return nil, fmt.Errorf("%s body: placeholder {%s}: refer to the param by name, values are declared with let", d, name)
			}
		}
	}
	return q, nil
}

func buildParam(py paramYAML) (Param, error) {
	if !paramNameRE.MatchString(py.Name) {
		return Param{}, fmt.Errorf("param %q: name must be letters, digits and '_', not starting with a digit", py.Name)
	}
	if kqlReserved[strings.ToLower(py.Name)] {
		return Param{}, fmt.Errorf("param %q: name is a reserved word in KQL or SQL", py.Name)
	}
	t := ParamType(py.Type)
	if !slices.Contains(paramTypes, t) {
		names := make([]string, len(paramTypes))
		for i, pt := range paramTypes {
			names[i] = string(pt)
		}
		return Param{}, fmt.Errorf("param %q: unknown type %q (want one of %s)", py.Name, py.Type, strings.Join(names, ", "))
	}
	p := Param{Name: py.Name, Type: t, Description: strings.TrimSpace(py.Description)}
	if py.Default != nil {
		v, err := defaultValue(t, py.Default)
		if err != nil {
			return Param{}, fmt.Errorf("param %q: default: %w", py.Name, err)
		}
		p.Default = v
	}
	return p, nil
}

// defaultValue converts a YAML default to the Go type for t.
func defaultValue(t ParamType, v any) (any, error) {
	switch t {
	case TypeDatetime:
		switch x := v.(type) {
		case time.Time:
			return x.UTC(), nil
		case string:
			tm, err := time.Parse(time.RFC3339Nano, x)
			if err != nil {
				return nil, fmt.Errorf("want an RFC 3339 datetime: %w", err)
			}
			return tm.UTC(), nil
		}
		return nil, fmt.Errorf("want an RFC 3339 datetime, got %T", v)
	case TypeTimespan:
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("want a duration such as 90m or 7d, got %T", v)
		}
		return timespan.Parse(s)
	case TypeList:
		items, ok := v.([]any)
		if !ok {
			return nil, fmt.Errorf("want a list of strings, got %T", v)
		}
		out := make([]string, 0, len(items))
		for i, it := range items {
			s, ok := it.(string)
			if !ok {
				return nil, fmt.Errorf("item %d: want a string, got %T", i, it)
			}
			out = append(out, s)
		}
		return out, nil
	}
	return coerce(t, v)
}
