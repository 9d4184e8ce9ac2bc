package workspace

import (
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestLoadCatalogBuiltin(t *testing.T) {
	c, err := LoadCatalog("")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"alerts_by_id", "incident_by_name", "incident_by_number", "incidents_in_window", "related_alerts", "ti_indicators"}
	for _, name := range want {
		q, err := c.Get(name)
		if err != nil {
			t.Errorf("Get(%q): %v", name, err)
			continue
		}
		if q.Bodies[KQL] == "" || q.Bodies[SQL] == "" {
			t.Errorf("query %q: want both kql and sql bodies", name)
		}
		if !strings.HasPrefix(q.Source, "builtin:queries/") {
			t.Errorf("query %q: Source = %q", name, q.Source)
		}
		if q.Description == "" {
			t.Errorf("query %q: no description", name)
		}
	}
	names := c.Names()
	for i := 1; i < len(names); i++ {
		if names[i-1] >= names[i] {
			t.Errorf("Names not sorted: %v", names)
		}
	}
	_, err = c.Get("no_such_query")
	if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "no_such_query") {
		t.Errorf("Get(unknown) = %v, want ErrNotFound naming the query", err)
	}
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestLoadCatalogUserDir(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "a", "override.yml"), `
queries:
  - name: alerts_by_id
    description: mine
    params:
      - {name: ids, type: list}
    kql: SecurityAlert | where SystemAlertId in (ids)
`)
	writeFile(t, filepath.Join(dir, "b", "c", "new.yaml"), `
queries:
  - name: host_logons
    params:
      - {name: host, type: string}
      - {name: lookback, type: timespan, default: 7d}
      - {name: since, type: datetime, default: "2024-01-02T03:04:05Z"}
      - {name: max_rows, type: int, default: 100}
      - {name: ratio, type: real, default: 1}
      - {name: failed, type: bool, default: false}
    columns: {FirstSeen: datetime, Logons: long}
    sql: SELECT min(TimeGenerated) AS FirstSeen, count(*) AS Logons FROM SecurityEvent WHERE Computer = :host LIMIT :max_rows
`)
	writeFile(t, filepath.Join(dir, "notes.txt"), "not a query file")
	c, err := LoadCatalog(dir)
	if err != nil {
		t.Fatal(err)
	}
	q, err := c.Get("alerts_by_id")
	if err != nil {
		t.Fatal(err)
	}
	if q.Description != "mine" || !strings.HasSuffix(q.Source, "override.yml") {
		t.Errorf("override not applied: %+v", q)
	}
	if _, ok := q.Bodies[SQL]; ok {
		t.Errorf("override kept the built-in sql body")
	}
	h, err := c.Get("host_logons")
	if err != nil {
		t.Fatal(err)
	}
	want := []Param{
		{Name: "host", Type: TypeString},
		{Name: "lookback", Type: TypeTimespan, Default: 7 * 24 * time.Hour},
		{Name: "since", Type: TypeDatetime, Default: time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)},
		{Name: "max_rows", Type: TypeInt, Default: int64(100)},
		{Name: "ratio", Type: TypeReal, Default: float64(1)},
		{Name: "failed", Type: TypeBool, Default: false},
	}
	if d := cmp.Diff(want, h.Params); d != "" {
		t.Errorf("params (-want +got):\n%s", d)
	}
	if d := cmp.Diff(map[string]string{"FirstSeen": "datetime", "Logons": "long"}, h.Columns); d != "" {
		t.Errorf("columns (-want +got):\n%s", d)
	}
}

func TestLoadCatalogErrors(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  []string // substrings of the error
	}{
		{
			name: "unknown param type",
			files: map[string]string{"q.yaml": `
queries:
  - name: q1
    params: [{name: x, type: strng}]
    kql: T`},
			want: []string{"q.yaml", `"q1"`, `unknown type "strng"`},
		},
		{
			name: "undeclared sql param",
			files: map[string]string{"q.yaml": `
queries:
  - name: q2
    params: [{name: x, type: string}]
    sql: SELECT * FROM T WHERE a = :x AND b = :y`},
			want: []string{"q.yaml", `"q2"`, "undeclared param :y"},
		},
		{
			name: "positional sql param",
			files: map[string]string{"q.yaml": `
queries:
  - name: q3
    sql: SELECT * FROM T WHERE a = ?`},
			want: []string{"q.yaml", `"q3"`, "use :name"},
		},
		{
			name: "duplicate in one file",
			files: map[string]string{"q.yaml": `
queries:
  - {name: dup, kql: T}
  - {name: dup, kql: T}`},
			want: []string{"q.yaml", `"dup"`, "twice"},
		},
		{
			name: "duplicate in two user files",
			files: map[string]string{
				"a.yaml": "queries: [{name: dup2, kql: T}]",
				"b.yaml": "queries: [{name: dup2, kql: T}]",
			},
			want: []string{"b.yaml", "a.yaml", `"dup2"`},
		},
		{
			name:  "missing bodies",
			files: map[string]string{"q.yaml": "queries: [{name: nobody, description: x}]"},
			want:  []string{"q.yaml", `"nobody"`, "no body"},
		},
		{
			name:  "missing name",
			files: map[string]string{"q.yaml": "queries: [{kql: T}]"},
			want:  []string{"q.yaml", "queries[0]", "missing name"},
		},
		{
			name:  "unknown key",
			files: map[string]string{"q.yaml": "queries: [{name: k, kqll: T}]"},
			want:  []string{"q.yaml", "kqll"},
		},
		{
			name:  "reserved param name",
			files: map[string]string{"q.yaml": "queries: [{name: r, params: [{name: title, type: string}], kql: T}]"},
			want:  []string{"q.yaml", `"r"`, "reserved"},
		},
		{
			name:  "bad default",
			files: map[string]string{"q.yaml": "queries: [{name: d, params: [{name: n, type: int, default: many}], kql: T}]"},
			want:  []string{"q.yaml", `"d"`, `"n"`, "default"},
		},
		{
			name:  "kql placeholder",
			files: map[string]string{"q.yaml": "queries: [{name: p, params: [{name: ip, type: string}], kql: \"T | where A == '{ip}'\"}]"},
			want:  []string{"q.yaml", `"p"`, "{ip}"},
		},
		{
			name:  "hunting placeholder",
			files: map[string]string{"q.yaml": "queries: [{name: hp, params: [{name: ip, type: string}], kql: T, hunting: \"T | where A == '{ip}'\"}]"},
			want:  []string{"q.yaml", `"hp"`, "hunting body", "{ip}"},
		},
		{
			name:  "bad column type",
			files: map[string]string{"q.yaml": "queries: [{name: c, columns: {X: text}, sql: SELECT 1 AS X}]"},
			want:  []string{"q.yaml", `"c"`, `"X"`},
		},
		{
			name:  "param declared twice",
			files: map[string]string{"q.yaml": "queries: [{name: pp, params: [{name: a, type: int}, {name: a, type: int}], kql: T}]"},
			want:  []string{"q.yaml", `"pp"`, "twice"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, text := range tt.files {
				writeFile(t, filepath.Join(dir, name), text)
			}
			_, err := LoadCatalog(dir)
			if err == nil {
				t.Fatal("want an error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestSQLParamRefs(t *testing.T) {
	body := `SELECT ':notparam', "col:x", [a:b], ` + "`c:d`" + ` -- :comment
	/* :block */ FROM T WHERE a = :first AND b IN (SELECT value FROM json_each(:list)) AND c = :first
	AND json_extract(Record, '$.x') = :_under1`
	got, err := sqlParamRefs(body)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]string{"first", "list", "_under1"}, got); d != "" {
		t.Errorf("refs (-want +got):\n%s", d)
	}
	for _, bad := range []string{"SELECT ?", "SELECT ?1", "SELECT @x", "SELECT $x", "SELECT 'open", "SELECT /* open"} {
		if _, err := sqlParamRefs(bad); err == nil {
			t.Errorf("sqlParamRefs(%q): want an error", bad)
		}
	}
}

func testQuery() *Query {
	return &Query{
		Name: "t",
		Params: []Param{
			{Name: "s", Type: TypeString},
			{Name: "when", Type: TypeDatetime},
			{Name: "n", Type: TypeInt, Default: int64(10)},
			{Name: "f", Type: TypeReal, Default: 0.5},
			{Name: "ok", Type: TypeBool, Default: true},
			{Name: "span", Type: TypeTimespan, Default: time.Hour},
			{Name: "items", Type: TypeList, Default: []string{}},
		},
		Bodies: map[Dialect]string{
			KQL:     "T\n| where S == s and N < n",
			SQL:     "SELECT * FROM T WHERE S = :s AND W >= :when AND N < :n AND F > :f AND OK = :ok AND D < :span AND X IN (SELECT value FROM json_each(:items))",
			Hunting: "T\n| where S == s and N < n and Timestamp >= when",
		},
	}
}

func TestBind(t *testing.T) {
	q := testQuery()
	when := time.Date(2024, 5, 1, 12, 0, 0, 1500, time.FixedZone("x", 3600))
	p := Params{"s": "a\"b", "when": when, "n": 3, "items": []string{"x", `y"z`}}

	text, args, err := q.Bind(KQL, p)
	if err != nil {
		t.Fatal(err)
	}
	wantKQL := `let s = "a\"b";
let when = datetime(2024-05-01T11:00:00.0000015Z);
let n = long(3);
let f = real(0.5);
let ok = true;
let span = timespan(0.01:00:00.0000000);
let items = dynamic(["x", "y\"z"]);
T
| where S == s and N < n`
	if d := cmp.Diff(wantKQL, text); d != "" {
		t.Errorf("kql (-want +got):\n%s", d)
	}
	if args != nil {
		t.Errorf("kql args = %v, want nil", args)
	}

	text, args, err = q.Bind(SQL, p)
	if err != nil {
		t.Fatal(err)
	}
	if text != q.Bodies[SQL] {
		t.Errorf("sql text changed: %q", text)
	}
	wantArgs := []any{
		sql.Named("s", "a\"b"),
		sql.Named("when", "2024-05-01T11:00:00.000001Z"),
		sql.Named("n", int64(3)),
		sql.Named("f", 0.5),
		sql.Named("ok", int64(1)),
		sql.Named("span", 3600.0),
		sql.Named("items", `["x","y\"z"]`),
	}
	if d := cmp.Diff(wantArgs, args, cmpopts.IgnoreUnexported(sql.NamedArg{})); d != "" {
		t.Errorf("sql args (-want +got):\n%s", d)
	}
}

// TestHuntingDialect: a hunting body is read from the YAML beside kql and
// sql, a query may have it alone, and Bind renders it with the same let
// prelude as KQL.
func TestHuntingDialect(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "q.yaml"), `
queries:
  - name: both
    params: [{name: start, type: datetime}, {name: who, type: string}]
    kql: T | where TimeGenerated >= start and U == who
    hunting: T | where Timestamp >= start and U == who
  - name: hunting_only
    hunting: DeviceInfo | take 1
`)
	c, err := LoadCatalog(dir)
	if err != nil {
		t.Fatal(err)
	}
	q, err := c.Get("both")
	if err != nil {
		t.Fatal(err)
	}
	p := Params{"start": time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC), "who": "a\"b"}
	kql, _, err := q.Bind(KQL, p)
	if err != nil {
		t.Fatal(err)
	}
	hunting, _, err := q.Bind(Hunting, p)
	if err != nil {
		t.Fatal(err)
	}
	prelude := "let start = datetime(2024-05-01T00:00:00.0000000Z);\nlet who = \"a\\\"b\";\n"
	if want := prelude + "T | where Timestamp >= start and U == who"; hunting != want {
		t.Errorf("hunting text = %q, want %q", hunting, want)
	}
	if !strings.HasPrefix(kql, prelude) {
		t.Errorf("kql text %q does not have the prelude the hunting text has", kql)
	}
	only, err := c.Get("hunting_only")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := only.Bind(KQL, nil); err == nil || !strings.Contains(err.Error(), "no kql body") {
		t.Errorf("Bind(KQL) of a hunting-only query: %v", err)
	}
	if text, _, err := only.Bind(Hunting, nil); err != nil || text != "DeviceInfo | take 1" {
		t.Errorf("Bind(Hunting) = %q, %v", text, err)
	}
}

func TestBindErrors(t *testing.T) {
	q := testQuery()
	now := time.Now()
	tests := []struct {
		name string
		p    Params
		want string
	}{
		{"missing required", Params{"s": "x"}, `missing required param "when"`},
		{"unknown", Params{"s": "x", "when": now, "bogus": 1, "other": 2}, "unknown param bogus, other"},
		{"string as int", Params{"s": "x", "when": now, "n": "3"}, `param "n": want int, got string`},
		{"int as string", Params{"s": 3, "when": now}, `param "s": want string`},
		{"string as datetime", Params{"s": "x", "when": "2024-01-01"}, `param "when": want datetime`},
		{"non-integral float as int", Params{"s": "x", "when": now, "n": 1.5}, `param "n"`},
		{"bad list", Params{"s": "x", "when": now, "items": []int{1}}, `param "items"`},
		{"list of mixed", Params{"s": "x", "when": now, "items": []any{"a", 1}}, `param "items"`},
		{"bool as int", Params{"s": "x", "when": now, "ok": 1}, `param "ok"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, d := range []Dialect{KQL, SQL, Hunting} {
				_, _, err := q.Bind(d, tt.p)
				if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), `query "t"`) {
					t.Errorf("%s: err = %v, want it to mention %q and the query", d, err, tt.want)
				}
			}
		})
	}
	kqlOnly := &Query{Name: "k", Bodies: map[Dialect]string{KQL: "T"}}
	if _, _, err := kqlOnly.Bind(SQL, nil); err == nil || !strings.Contains(err.Error(), "no sql body") {
		t.Errorf("Bind(SQL) of a kql-only query: %v", err)
	}
}

// TestBindHostile passes every hostile value through Bind: the KQL prelude
// lexes back to exactly the values followed by the unchanged body, and the SQL
// text is the body, never the value.
func TestBindHostile(t *testing.T) {
	q := &Query{
		Name: "hostile",
		Params: []Param{
			{Name: "value", Type: TypeString},
			{Name: "values", Type: TypeList},
		},
		Bodies: map[Dialect]string{
			KQL: "SecurityAlert\n| where Entities has value or Entities has_any (values)",
			SQL: "SELECT * FROM SecurityAlert WHERE instr(Entities, :value) > 0 OR Entities IN (SELECT value FROM json_each(:values))",
		},
	}
	hostile := hostileStrings()
	for i, v := range hostile {
		p := Params{"value": v, "values": []string{v, "plain", v}}
		text, _, err := q.Bind(KQL, p)
		if err != nil {
			t.Fatalf("%d: %v", i, err)
		}
		rest, ok := strings.CutPrefix(text, "let value = ")
		if !ok {
			t.Fatalf("%d: no let for value: %q", i, clip(text))
		}
		got, rest, err := lexKQLString(rest)
		if err != nil || got != v {
			t.Fatalf("%d: value lexed as %q (err %v), want %q", i, clip(got), err, clip(v))
		}
		rest, ok = strings.CutPrefix(rest, ";\nlet values = ")
		if !ok {
			t.Fatalf("%d: literal of %q not followed by ;: %q", i, clip(v), clip(rest))
		}
		list, rest, err := lexKQLList(rest)
		if err != nil || len(list) != 3 || list[0] != v || list[1] != "plain" || list[2] != v {
			t.Fatalf("%d: list lexed as %q (err %v)", i, list, err)
		}
		if rest != ";\n"+q.Bodies[KQL] {
			t.Fatalf("%d: after the prelude got %q, want the body", i, clip(rest))
		}

		text, args, err := q.Bind(SQL, p)
		if err != nil {
			t.Fatalf("%d: %v", i, err)
		}
		if text != q.Bodies[SQL] {
			t.Fatalf("%d: sql text is not the body: %q", i, clip(text))
		}
		if len(v) >= 4 && strings.Contains(text, v) {
			t.Fatalf("%d: sql text contains the value", i)
		}
		if args[0].(sql.NamedArg).Value != v {
			t.Fatalf("%d: bound value changed", i)
		}
	}
}
