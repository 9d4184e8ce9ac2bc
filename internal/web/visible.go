package web

import (
	"fmt"

	"github.com/triage-dev/triage/internal/textsafe"
)

// visible is a value as a page shows it: its text with hidden characters
// (bidirectional overrides, zero-width and other invisible ones) shown as
// their marks, "⟨U+202E⟩", as every rendering shows them (package
// textsafe). The templates apply it, or clip, to every value they print
// from the data, except form fields' values (an input's value, a
// textarea's text), which go back to the server as they came. The report's
// fragments mark their own (package report/html).
func visible(v any) string { return textsafe.Text(fmt.Sprint(v)) }

// clipVisible is clip for the templates: the value clipped, then with its
// hidden characters marked.
func clipVisible(n int, s string) string { return textsafe.Text(clip(n, s)) }
