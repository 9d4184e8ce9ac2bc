// Package kqlcheck holds no code for the program: its test checks every KQL
// body of the named query catalog with Kusto.Language, Microsoft's own parser
// and semantic analyser of KQL, against the published Log Analytics table
// schemas (testdata/). The bodies are never run in the tests (sentineltest
// answers them with their SQL twins), so this is what tells a misspelt
// column, an unknown table or a type error from a working query before it
// reaches a workspace. The catalog's hunting bodies (Defender XDR advanced
// hunting) are analysed likewise, against the advanced hunting schemas of
// the Defender tables only (testdata/hunting), where the time column is
// Timestamp.
//
// The engine is the npm package @kusto/language-service-next, run by
// check.js under Node.js, as package-lock.json pins it; the test runs
// `npm ci` in this directory when it is not installed.
package kqlcheck
