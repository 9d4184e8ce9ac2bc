package kqlcheck

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/triage-dev/triage/internal/workspace"
)

// install is what to run when the engine is missing, from the module root.
const install = "cd internal/workspace/kqlcheck && npm ci"

// fuzzyUnionRE finds a union that tolerates missing tables.
var fuzzyUnionRE = regexp.MustCompile(`\bunion\s+isfuzzy\s*=\s*true\b`)

// TestKQL renders every catalog query with a kql body exactly as the
// Sentinel workspace sends it (the let prelude from workspace.Query.Bind, then
// the body) and has Kusto.Language analyse it against the Log Analytics
// schemas in testdata/: it must have no error. A query with
// `union isfuzzy=true` is meant to run on a workspace that lacks some of its
// tables, so it is analysed again once without each table it names, with the
// union's legs that read that table dropped, as Log Analytics drops them. Before
// that, the checker must report broken queries, and the prelude's literals
// must have the types their parameters declare. Everything goes to one node
// process: loading Kusto.Language takes seconds, analysing a query
// milliseconds. The hunting bodies go to a second one, against the
// advanced hunting schemas (testHunting).
func TestKQL(t *testing.T) {
	node := findEngine(t)
	tables := tableNames(t)
	cat, err := workspace.LoadCatalog("")
	if err != nil {
		t.Fatal(err)
	}

	var entries []entry
	add := func(e entry) { entries = append(entries, e) }

	broken := brokenQueries()
	for _, b := range broken {
		add(render(t, "broken/"+b.name, b.query, workspace.KQL, b.without))
	}
	probe := preludeProbe()
	add(render(t, "probe", probe, workspace.KQL, nil))

	type fuzzy struct{ query, table string }
	var queries []string
	var fuzzies []fuzzy
	for _, name := range cat.Names() {
		q, err := cat.Get(name)
		if err != nil {
			t.Fatal(err)
		}
		body, ok := q.Bodies[workspace.KQL]
		if !ok {
			continue
		}
		queries = append(queries, name)
		add(render(t, "catalog/"+name, q, workspace.KQL, nil))
		if !fuzzyUnionRE.MatchString(body) {
			continue
		}
		for _, table := range tables {
			if regexp.MustCompile(`\b` + table + `\b`).MatchString(body) {
				fuzzies = append(fuzzies, fuzzy{name, table})
				add(render(t, "without/"+name+"/"+table, q, workspace.KQL, []string{table}))
			}
		}
	}
	if len(queries) < 30 || len(fuzzies) < 10 {
		t.Fatalf("%d catalog queries with a kql body, %d fuzzy-union table drops: the catalog did not load as expected", len(queries), len(fuzzies))
	}

	results := analyse(t, node, entries, "testdata")
	byID := make(map[string]entry, len(entries))
	for _, e := range entries {
		byID[e.ID] = e
	}

	// The checker has to be able to fail, or its silence below means nothing.
	t.Run("broken", func(t *testing.T) {
		for _, b := range broken {
			r := results["broken/"+b.name]
			var codes []string
			for _, d := range r.Diagnostics {
				if d.Severity == "Error" {
					codes = append(codes, d.Code)
				}
			}
			if b.want == "" && len(codes) > 0 {
				t.Errorf("%s: want no error, got:\n%s", b.name, report(byID[r.ID], r))
			}
			if b.want != "" && !slices.Contains(codes, b.want) {
				t.Errorf("%s: want error %s, got %v:\n%s", b.name, b.want, codes, report(byID[r.ID], r))
			}
		}
	})

	t.Run("prelude", func(t *testing.T) {
		r := results["probe"]
		if errs := report(byID["probe"], r); errs != "" {
			t.Fatalf("the let prelude of every parameter type:\n%s", errs)
		}
		got := map[string]string{}
		for _, c := range r.Columns {
			got[c.Name] = c.Type
		}
		for _, p := range probe.Params {
			if want := kqlType[p.Type]; got[p.Name] != want {
				t.Errorf("param %s (%s): literal is of type %q, want %q", p.Name, p.Type, got[p.Name], want)
			}
		}
	})

	t.Run("catalog", func(t *testing.T) {
		for _, name := range queries {
			if errs := report(byID["catalog/"+name], results["catalog/"+name]); errs != "" {
				t.Errorf("query %s:\n%s", name, errs)
			}
		}
	})

	t.Run("hunting", func(t *testing.T) { testHunting(t, node, cat, results) })

	t.Run("missing tables", func(t *testing.T) {
		for _, f := range fuzzies {
			id := "without/" + f.query + "/" + f.table
			if errs := report(byID[id], results[id]); errs != "" {
				t.Errorf("query %s has union isfuzzy=true, yet on a workspace without %s it fails (the union drops only the legs that read it: a let before the union that reads it, or a column of those legs read after the union, fails the query):\n%s", f.query, f.table, errs)
			}
		}
	})
}

// testHunting renders every catalog query with a hunting body exactly as
// the advanced hunting client sends it (the same let prelude, then the
// hunting body) and has Kusto.Language analyse it against the Defender XDR
// advanced hunting schemas in testdata/hunting, which hold the Defender
// tables only, with Timestamp where Log Analytics has TimeGenerated: it must
// have no error, so it reads no Log Analytics table, and it must answer
// with the columns, names and types, of the query's kql body (kql holds
// TestKQL's results), as the code reading an answer does not know which
// ran. Before that, the checker must reject there what is right only in
// Log Analytics.
func testHunting(t *testing.T, node string, cat *workspace.Catalog, kql map[string]result) {
	broken := []struct{ name, body, want string }{
		{"good", "DeviceInfo\n| where Timestamp >= start and DeviceName =~ upn\n", ""},
		{"TimeGenerated", "DeviceInfo\n| where TimeGenerated >= start\n", "KS142"},
		{"a Log Analytics table", "Heartbeat\n| where TimeGenerated >= start\n", "KS204"},
	}
	var entries []entry
	for _, b := range broken {
		q := brokenQueries()[0].query
		q = &workspace.Query{Name: "broken", Params: q.Params, Bodies: map[workspace.Dialect]string{workspace.Hunting: b.body}}
		entries = append(entries, render(t, "broken/"+b.name, q, workspace.Hunting, nil))
	}
	var queries []string
	for _, name := range cat.Names() {
		q, err := cat.Get(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := q.Bodies[workspace.Hunting]; ok {
			queries = append(queries, name)
			entries = append(entries, render(t, "hunting/"+name, q, workspace.Hunting, nil))
		}
	}
	if len(queries) < 9 {
		t.Fatalf("%d catalog queries with a hunting body: the catalog did not load as expected", len(queries))
	}
	results := analyse(t, node, entries, "testdata/hunting")
	byID := make(map[string]entry, len(entries))
	for _, e := range entries {
		byID[e.ID] = e
	}
	t.Run("broken", func(t *testing.T) {
		for _, b := range broken {
			r := results["broken/"+b.name]
			var codes []string
			for _, d := range r.Diagnostics {
				if d.Severity == "Error" {
					codes = append(codes, d.Code)
				}
			}
			if b.want == "" && len(codes) > 0 || b.want != "" && !slices.Contains(codes, b.want) {
				t.Errorf("%s: want error %q, got %v:\n%s", b.name, b.want, codes, report(byID[r.ID], r))
			}
		}
	})
	t.Run("catalog", func(t *testing.T) {
		for _, name := range queries {
			if errs := report(byID["hunting/"+name], results["hunting/"+name]); errs != "" {
				t.Errorf("query %s, hunting body:\n%s", name, errs)
			}
		}
	})
	t.Run("columns", func(t *testing.T) {
		for _, name := range queries {
			want, got := kql["catalog/"+name].Columns, results["hunting/"+name].Columns
			if len(want) == 0 || !slices.Equal(want, got) {
				t.Errorf("query %s: the hunting body answers with\n\t%v\nthe kql body with\n\t%v", name, got, want)
			}
		}
	})
}

// findEngine returns the node executable, skipping the test when there is
// none, and installs Kusto.Language as package-lock.json pins it when it is
// not (failing the test when that fails).
func findEngine(t *testing.T) string {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skipf("the KQL check needs Node.js (20 or later) on PATH, then `%s`", install)
	}
	var lock struct {
		Packages map[string]struct{ Version string } `json:"packages"`
	}
	readJSON(t, "package-lock.json", &lock)
	const pkg = "node_modules/@kusto/language-service-next"
	want := lock.Packages[pkg].Version
	if want == "" {
		t.Fatalf("package-lock.json pins no %s", pkg)
	}
	installed := func() string {
		var p struct{ Version string }
		if b, err := os.ReadFile(filepath.Join(pkg, "package.json")); err == nil {
			json.Unmarshal(b, &p)
		}
		return p.Version
	}
	if v := installed(); v != want {
		// A clean clone has no node_modules: install what the lockfile
		// pins (the npm registry must be reachable), as .ci/run does.
		out, err := exec.Command("npm", "ci", "--no-audit", "--no-fund").CombinedOutput()
		if err != nil {
			t.Fatalf("Kusto.Language %s is not installed (found %q) and npm ci failed: %v\n%s\nrun `%s`", want, v, err, out, install)
		}
		if v := installed(); v != want {
			t.Fatalf("npm ci installed %s %q, package-lock.json pins %s", pkg, v, want)
		}
	}
	// Read here, though only node uses them, so that go test's cache
	// notices when they change.
	for _, f := range []string{"check.js", "testdata/hidden-columns.json"} {
		if _, err := os.ReadFile(f); err != nil {
			t.Fatal(err)
		}
	}
	return node
}

// tableNames returns the names of the tables in testdata/tables.
func tableNames(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("testdata/tables/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no table schemas in testdata/tables (%v)", err)
	}
	var names []string
	for _, f := range files {
		var table struct{ Name string }
		readJSON(t, f, &table)
		names = append(names, table.Name)
	}
	return names
}

func readJSON(t *testing.T, file string, v any) {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
}

// entry is one text for check.js, with what is needed to report on it.
type entry struct {
	ID      string   `json:"id"`
	Text    string   `json:"text"`
	Without []string `json:"without,omitempty"`

	prelude int    // the number of lines before the body
	file    string // the YAML file the body is in, as a path from the module root; "" if unknown
	line    int    // the file's line of the body's first line
	indent  int    // the body's indentation in the file
}

// result is check.js's answer for one entry.
type result struct {
	ID          string
	Diagnostics []struct {
		Severity, Code, Message string
		Line, Column            int
	}
	Columns []struct{ Name, Type string }
}

// value is the representative value bound for a parameter of type t. The
// string has every kind of character the literal encoder escapes, so the
// check also covers the encoder's output.
func value(t workspace.ParamType) any {
	switch t {
	case workspace.TypeString:
		return "CONTOSO\\sam \"o'brien\"\t\r\n\u2028\x00é ; let x = 1; // {name}"
	case workspace.TypeDatetime:
		return time.Date(2024, 5, 1, 12, 30, 0, 123456700, time.UTC)
	case workspace.TypeInt:
		return int64(42)
	case workspace.TypeReal:
		return 0.5
	case workspace.TypeBool:
		return true
	case workspace.TypeTimespan:
		return 90*time.Minute + 1500*time.Millisecond
	case workspace.TypeList:
		return []string{"10.0.0.1", "sam@contoso.com", `C:\Windows\x"y`, ""}
	}
	panic("no representative value for param type " + string(t))
}

// kqlType is the KQL type each parameter type's literal must have.
var kqlType = map[workspace.ParamType]string{
	workspace.TypeString:   "string",
	workspace.TypeDatetime: "datetime",
	workspace.TypeInt:      "long",
	workspace.TypeReal:     "real",
	workspace.TypeBool:     "bool",
	workspace.TypeTimespan: "timespan",
	workspace.TypeList:     "dynamic",
}

// render binds q for dialect d (KQL or Hunting) with a representative value
// for every parameter and finds where its body is in its YAML file.
func render(t *testing.T, id string, q *workspace.Query, d workspace.Dialect, without []string) entry {
	t.Helper()
	p := workspace.Params{}
	for _, prm := range q.Params {
		p[prm.Name] = value(prm.Type)
	}
	text, _, err := q.Bind(d, p)
	if err != nil {
		t.Fatal(err)
	}
	body := q.Bodies[d]
	prelude, ok := strings.CutSuffix(text, body)
	if !ok {
		t.Fatalf("query %s: the bound text does not end with the body", q.Name)
	}
	e := entry{ID: id, Text: text, Without: without, prelude: strings.Count(prelude, "\n")}
	if src, ok := strings.CutPrefix(q.Source, "builtin:"); ok {
		e.file = "internal/workspace/" + src
		e.line, e.indent = bodyLine(t, filepath.Join("..", src), q.Name, string(d), body)
	}
	return e
}

// bodyLine returns the line of file where the body under key (kql,
// hunting) of the named query starts, and its indentation; 0, 0 when it
// cannot be found.
func bodyLine(t *testing.T, file, name, key, body string) (int, int) {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	lines := strings.Split(string(data), "\n")
	first, _, _ := strings.Cut(body, "\n")
	for _, q := range find(&doc, "queries").Content {
		if n := find(q, "name"); n == nil || n.Value != name {
			continue
		}
		n := find(q, key)
		if n == nil {
			return 0, 0
		}
		line := n.Line
		if n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
			line++ // the body starts below the | or >
		}
		// Trust the position only when the file's line is the body's first.
		if line-1 < len(lines) && strings.TrimSpace(lines[line-1]) == strings.TrimSpace(first) {
			l := lines[line-1]
			return line, len(l) - len(strings.TrimLeft(l, " "))
		}
		return 0, 0
	}
	return 0, 0
}

// find returns the value of key in the mapping n (or in the document n
// holds), or nil.
func find(n *yaml.Node, key string) *yaml.Node {
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	if n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// analyse runs check.js on entries against the schemas in dir and returns
// its results by id.
func analyse(t *testing.T, node string, entries []entry, dir string) map[string]result {
	t.Helper()
	in := filepath.Join(t.TempDir(), "queries.json")
	data, err := json.Marshal(entries)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(in, data, 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "check.js", in, dir)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		t.Fatalf("node check.js: %v\n%s", err, stderr.String())
	}
	t.Logf("Kusto.Language analysed %d texts in %s", len(entries), time.Since(start).Round(time.Millisecond))
	var results []result
	if err := json.Unmarshal(stdout.Bytes(), &results); err != nil {
		t.Fatalf("node check.js: %v\n%s", err, stdout.String())
	}
	byID := make(map[string]result, len(results))
	for _, r := range results {
		byID[r.ID] = r
	}
	for _, e := range entries {
		if _, ok := byID[e.ID]; !ok {
			t.Fatalf("node check.js: no result for %s", e.ID)
		}
	}
	return byID
}

// report returns r's errors, one a line, each where it is (the YAML file and
// line for a body's line, when known) and with the text of its line; "" when
// there are none. Warnings (a table missing from a fuzzy union is one) are
// not errors.
func report(e entry, r result) string {
	lines := strings.Split(e.Text, "\n")
	var b strings.Builder
	for _, d := range r.Diagnostics {
		if d.Severity != "Error" {
			continue
		}
		where := fmt.Sprintf("line %d:%d", d.Line, d.Column)
		switch {
		case d.Line <= e.prelude:
			where = "let prelude, " + where
		case e.line > 0:
			where = fmt.Sprintf("%s:%d:%d", e.file, e.line+d.Line-e.prelude-1, e.indent+d.Column)
		}
		fmt.Fprintf(&b, "\t%s: %s %s\n", where, d.Code, d.Message)
		if d.Line >= 1 && d.Line <= len(lines) {
			fmt.Fprintf(&b, "\t\t%s\n", strings.TrimSpace(lines[d.Line-1]))
		}
	}
	return b.String()
}

// brokenQueries are queries of the catalog's shape, with parameters, that
// Kusto.Language must reject (want is the error code expected) or accept
// (want is "").
func brokenQueries() []struct {
	name    string
	query   *workspace.Query
	without []string
	want    string
} {
	q := func(body string) *workspace.Query {
		return &workspace.Query{
			Name: "broken",
			Params: []workspace.Param{
				{Name: "start", Type: workspace.TypeDatetime},
				{Name: "upn", Type: workspace.TypeString},
				{Name: "addresses", Type: workspace.TypeList},
			},
			Bodies: map[workspace.Dialect]string{workspace.KQL: body},
		}
	}
	const letOutside = "let audit = AuditLogs | where TimeGenerated >= start;\n" +
		"union isfuzzy=true audit, (SigninLogs | where TimeGenerated >= start)\n"
	const inLegs = "union isfuzzy=true (AuditLogs | where TimeGenerated >= start), (SigninLogs | where TimeGenerated >= start)\n"
	return []struct {
		name    string
		query   *workspace.Query
		without []string
		want    string
	}{
		{"good", q("SigninLogs\n| where TimeGenerated >= start and UserPrincipalName =~ upn and IPAddress in (addresses)\n"), nil, ""},
		{"unknown table", q("SigninLog\n| where TimeGenerated >= start\n"), nil, "KS204"},
		{"unknown column", q("SigninLogs\n| where TimeGenerated >= start and UserPrincipalNam =~ upn\n"), nil, "KS142"},
		{"column of another table", q("SigninLogs\n| where TimeGenerated >= start and EventID == 4624\n"), nil, "KS142"},
		{"type mismatch", q("SigninLogs\n| where TimeGenerated >= upn\n"), nil, "KS106"},
		{"syntax error", q("SigninLogs\n| where TimeGenerated >= start and\n"), nil, "KS006"},
		{"fuzzy union, table in a leg, missing", q(inLegs), []string{"AuditLogs"}, ""},
		{"fuzzy union, table bound by let, missing", q(letOutside), []string{"AuditLogs"}, "KS204"},
		{"fuzzy union, table bound by let, present", q(letOutside), nil, ""},
		{"fuzzy union, column of a dropped leg read after it", q(inLegs + "| where isnotempty(InitiatedBy)\n"), []string{"AuditLogs"}, "KS142"},
		{"fuzzy union, column of a leg read after it, present", q(inLegs + "| where isnotempty(InitiatedBy)\n"), nil, ""},
		{"fuzzy union, every leg dropped", q(inLegs), []string{"AuditLogs", "SigninLogs"}, "KS006"},
		{"fuzzy union, its last two legs dropped", q("union isfuzzy=true (SigninLogs | take 1),\n  (AuditLogs | take 1), (AuditLogs | take 2)\n| where TimeGenerated >= start\n"), []string{"AuditLogs"}, ""},
		{"fuzzy union, its first leg dropped", q("union isfuzzy=true (AuditLogs | take 1), (SigninLogs | take 1)\n| where TimeGenerated >= start\n"), []string{"AuditLogs"}, ""},
	}
}

// preludeProbe is a query with one parameter of every type whose body
// returns each parameter as a column, so that the check sees the type of
// every literal the prelude renders.
func preludeProbe() *workspace.Query {
	q := &workspace.Query{Name: "probe", Bodies: map[workspace.Dialect]string{}}
	var cols []string
	for _, pt := range []workspace.ParamType{
		workspace.TypeString, workspace.TypeDatetime, workspace.TypeInt, workspace.TypeReal,
		workspace.TypeBool, workspace.TypeTimespan, workspace.TypeList,
	} {
		name := "p_" + string(pt)
		q.Params = append(q.Params, workspace.Param{Name: name, Type: pt})
		cols = append(cols, name+" = "+name)
	}
	q.Bodies[workspace.KQL] = "print " + strings.Join(cols, ", ") + "\n"
	return q
}
