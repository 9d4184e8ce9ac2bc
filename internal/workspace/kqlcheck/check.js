// check.js parses and semantically analyses KQL queries with Microsoft's
// Kusto.Language engine (npm @kusto/language-service-next, pinned in
// package.json) against Log Analytics table schemas. kqlcheck_test.go runs it;
// it judges nothing itself, so that what passes or fails is decided in one
// place, the Go test.
//
//   node check.js QUERIES.json SCHEMADIR
//
// QUERIES.json is [{"id": "...", "text": "...", "without": ["Table", ...]}].
// "without" (optional) analyses the text as on a workspace that lacks those
// tables (see withoutTables). SCHEMADIR holds tables/*.json, one table each
// ({"Name": "SigninLogs", "Properties": [{"Name": ..., "Type": ...}]}), and
// hidden-columns.json ({"Columns": [{"Table", "Name", "Type"}]}).
//
// It prints one JSON array: per query, its id, every diagnostic
// ({severity, code, message, line, column}, 1-based) and its result columns
// ({name, type}). Exit status 0 when every query was analysed, whatever was
// found; 2 on bad usage or input.
'use strict';

const fs = require('fs');
const path = require('path');

// The package is Kusto.Language (C#) compiled to JavaScript by Bridge.NET:
// bridge.js installs the .NET runtime as globals, then the library defines
// global.Kusto.
require('@kusto/language-service-next/bridge.js');
require('@kusto/language-service-next');
const K = global.Kusto.Language;

function readJSON(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`${file}: ${e.message}`);
  }
}

// loadTables returns the table schemas of dir as Map(name -> [{Name, Type}]).
function loadTables(dir) {
  const tables = new Map();
  const tableDir = path.join(dir, 'tables');
  for (const f of fs.readdirSync(tableDir).filter((f) => f.endsWith('.json')).sort()) {
    const t = readJSON(path.join(tableDir, f));
    if (typeof t.Name !== 'string' || !Array.isArray(t.Properties)) {
      throw new Error(`${f}: want {"Name": ..., "Properties": [...]}`);
    }
    tables.set(t.Name, t.Properties.map((p) => ({ Name: p.Name, Type: p.Type })));
  }
  if (tables.size === 0) throw new Error(`${tableDir}: no tables`);
  // The published reference omits hidden columns that queries use.
  for (const c of readJSON(path.join(dir, 'hidden-columns.json')).Columns) {
    if (!tables.has(c.Table)) throw new Error(`hidden-columns.json: no table ${c.Table}`);
    tables.get(c.Table).push({ Name: c.Name, Type: c.Type });
  }
  return tables;
}

// globals returns Kusto's global state with one database, the workspace,
// holding every table but those in without.
function globals(tables, without) {
  const symbols = [];
  for (const [name, columns] of tables) {
    if (without.includes(name)) continue;
    const cols = columns.map((c) => {
      const type = K.Symbols.ScalarTypes.GetSymbol(String(c.Type).toLowerCase());
      if (!type) throw new Error(`table ${name}: column ${c.Name}: unknown type ${c.Type}`);
      return new K.Symbols.ColumnSymbol(c.Name, type, null, null, null, null);
    });
    symbols.push(new K.Symbols.TableSymbol.$ctor4(name, cols));
  }
  const db = new K.Symbols.DatabaseSymbol.$ctor3('workspace', null, symbols, false);
  return K.GlobalState.Default.WithDatabase(db);
}

// items turns a .NET list into an array.
function items(list) {
  const out = [];
  for (let i = 0; list && i < list.Count; i++) out.push(list.getItem(i));
  return out;
}

function lineColumn(text, offset) {
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, column: before[before.length - 1].length + 1 };
}

// withoutTables returns text as Log Analytics runs it on a workspace without
// the tables in without: a union isfuzzy=true drops the legs that read one of
// them. Kusto.Language does not: it keeps such a leg, warns, and leaves the
// union's columns open, so a column only that leg had would still resolve
// after the union, where Log Analytics fails the query. The legs and their
// commas are blanked with spaces, so that lines and columns stay.
// state must know every table, to tell which legs read them.
function withoutTables(text, without, state) {
  if (without.length === 0) return text;
  const chars = text.split(''); // by UTF-16 unit, as Kusto.Language counts
  const blank = (from, to) => {
    for (let i = from; i < to; i++) if (chars[i] !== '\n') chars[i] = ' ';
  };
  const reads = (n) => {
    if (!n) return false;
    const s = n.Kind === K.Syntax.SyntaxKind.NameReference && n.ReferencedSymbol;
    if (s && s.Kind === K.Symbols.SymbolKind.Table && without.includes(s.Name)) return true;
    for (let i = 0; i < n.ChildCount; i++) if (reads(n.GetChild(i))) return true;
    return false;
  };
  const walk = (n) => {
    if (!n) return;
    if (n.Kind === K.Syntax.SyntaxKind.UnionOperator && isFuzzy(n)) {
      const legs = items(n.Expressions);
      const kept = legs.map((leg) => !reads(leg.Element));
      legs.forEach((leg, i) => {
        if (!kept[i]) blank(leg.Element.TextStart, leg.Element.End);
        // A comma stays only between two legs that stay.
        if (leg.Separator && !(kept[i] && kept.slice(i + 1).includes(true))) {
          blank(leg.Separator.TextStart, leg.Separator.End);
        }
      });
    }
    for (let i = 0; i < n.ChildCount; i++) walk(n.GetChild(i));
  };
  walk(K.KustoCode.ParseAndAnalyze(text, state).Syntax);
  return chars.join('');
}

function isFuzzy(union) {
  return items(union.Parameters).some(
    (p) => p.Name.ToString().trim().toLowerCase() === 'isfuzzy' && p.Expression.ToString().trim().toLowerCase() === 'true',
  );
}

function analyse(q, state) {
  const code = K.KustoCode.ParseAndAnalyze(q.text, state);
  const diagnostics = items(code.GetDiagnostics()).map((d) => ({
    severity: d.Severity,
    code: d.Code,
    message: d.Message,
    ...lineColumn(q.text, d.Start),
  }));
  const result = code.ResultType && code.ResultType.Columns ? items(code.ResultType.Columns) : [];
  const columns = result.map((c) => ({ name: c.Name, type: c.Type.Name }));
  return { id: q.id, diagnostics, columns };
}

function main(args) {
  if (args.length !== 2) {
    console.error('usage: node check.js QUERIES.json SCHEMADIR');
    return 2;
  }
  let queries;
  let tables;
  try {
    queries = readJSON(args[0]);
    if (!Array.isArray(queries)) throw new Error(`${args[0]}: want an array`);
    tables = loadTables(args[1]);
  } catch (e) {
    console.error(`check.js: ${e.message}`);
    return 2;
  }
  const states = new Map([['', globals(tables, [])]]); // by the tables left out
  const out = [];
  for (const q of queries) {
    const without = [...(q.without || [])].sort();
    for (const t of without) {
      if (!tables.has(t)) {
        console.error(`check.js: query ${q.id}: without ${t}: no such table`);
        return 2;
      }
    }
    const key = without.join(',');
    if (!states.has(key)) states.set(key, globals(tables, without));
    const text = withoutTables(q.text, without, states.get(''));
    out.push(analyse({ id: q.id, text }, states.get(key)));
  }
  process.stdout.write(JSON.stringify(out));
  return 0;
}

process.exitCode = main(process.argv.slice(2));
