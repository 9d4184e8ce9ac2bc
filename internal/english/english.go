// Package english holds the little English grammar triage's messages need,
// so that the command line, the reports, the web UI and the providers say
// "1 alert" and "2 alerts" the same way. It imports nothing of the project.
package english

import "strconv"

// Plural writes a count with its noun: "1 alert", "0 alerts", "3 alerts".
// The plural is given, not derived: "entity" and "entities", "summary" and
// "summaries".
func Plural(n int, one, many string) string {
	return strconv.Itoa(n) + " " + Noun(n, one, many)
}

// Noun is the noun alone for a count of n: one when n is 1, else many.
func Noun(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
