// Package textsafe is the one rule, for every rendering (the HTML report and
// its fragments, the web UI, Markdown, the incident comment, the SVG charts
// and the command line), of the characters that must never reach a reader
// raw, and the one visible form they take instead.
//
// A hidden character is one a reader cannot see but that changes what they
// read: a right-to-left override makes "a\u202Egpj.exe" show as
// "aexe.jpg", a zero-width space splits a name that looks whole, a tag
// character carries text that draws nothing. Each is replaced by its mark,
// ⟨U+202E⟩, so the analyst sees that something was there and which
// character it was; nothing is dropped. The set:
//
//   - C0 controls except tab, line feed and carriage return (Text keeps
//     them for renderers that handle line breaks; Line makes them spaces),
//     DEL and the C1 controls U+0080–U+009F;
//   - the bidirectional marks, embeddings, overrides and isolates: U+061C,
//     U+200E, U+200F, U+202A–U+202E, U+2066–U+2069;
//   - the line and paragraph separators U+2028 and U+2029 (Line makes them
//     spaces);
//   - Unicode's default-ignorable characters, which renderers draw as
//     nothing: the soft hyphen U+00AD, U+034F, U+115F, U+1160, U+17B4,
//     U+17B5, U+180E, the zero-width characters U+200B–U+200D, U+2060–U+206F
//     (word joiner, invisible operators, deprecated format characters),
//     the Hangul fillers U+3164 and U+FFA0, U+FEFF, U+FFF0–U+FFFB,
//     U+1BCA0–U+1BCA3, U+1D173–U+1D17A, and U+E0000–U+E0FFF (the tag
//     characters among them);
//   - the noncharacters U+FFFE and U+FFFF, which XML forbids.
//
// Variation selectors (U+FE00–U+FE0F, U+E0100–U+E01EF and the Mongolian
// U+180B–U+180D, U+180F) pick the glyph of the character before them, as in
// an emoji's U+FE0F: one directly after a visible character passes; one
// anywhere else (after another selector, a space, a hidden character, or at
// the start) is marked, since a run of them is a way to hide data in text
// that draws as one character.
//
// Invalid UTF-8 becomes U+FFFD, which is visible. The package imports
// nothing of the project.
package textsafe

import (
	"fmt"
	"io"
	"unicode"
	"unicode/utf8"
)

// Hidden reports whether r is always replaced by its mark (see the package
// documentation). Tab, line feed and carriage return are not: Text keeps
// them and Line makes them spaces. Variation selectors are not either: they
// are marked or not by what comes before them.
func Hidden(r rune) bool {
	switch {
	case r < 0x20:
		return r != '\t' && r != '\n' && r != '\r'
	case r < 0x7f:
		return false
	case r <= 0x9f, r == 0xad, r == 0x34f, r == 0x61c, r == 0x115f, r == 0x1160,
		r == 0x17b4, r == 0x17b5, r == 0x180e:
		return true
	case r < 0x200b:
		return false
	case r <= 0x200f, r == 0x2028, r == 0x2029, r >= 0x202a && r <= 0x202e, r >= 0x2060 && r <= 0x206f,
		r == 0x3164, r == 0xfeff, r == 0xffa0, r >= 0xfff0 && r <= 0xfffb, r == 0xfffe, r == 0xffff,
		r >= 0x1bca0 && r <= 0x1bca3, r >= 0x1d173 && r <= 0x1d17a:
		return true
	case r >= 0xe0000 && r <= 0xe0fff:
		return !selector(r)
	}
	return false
}

// selector reports whether r is a variation selector.
func selector(r rune) bool {
	return r >= 0xfe00 && r <= 0xfe0f || r >= 0xe0100 && r <= 0xe01ef || r >= 0x180b && r <= 0x180d || r == 0x180f
}

// Mark is the visible form of r: "⟨U+202E⟩".
func Mark(r rune) string { return fmt.Sprintf("⟨U+%04X⟩", r) }

// Text returns s with every hidden character (and every variation selector
// out of place) replaced by its mark and invalid UTF-8 by U+FFFD. Tab, line
// feed and carriage return stay: it is for renderers that show line breaks
// or fold them themselves (HTML, SVG). s is returned as it is when it has
// nothing to replace.
func Text(s string) string {
	if Clean(s) {
		return s
	}
	b, _ := appendText(nil, s, 0, false)
	return string(b)
}

// Line is Text for a value shown on one line (a terminal's table cell, a
// Markdown table cell): tab, line feed, carriage return and the line and
// paragraph separators become spaces as well.
func Line(s string) string {
	if Clean(s) && !hasBreak(s) {
		return s
	}
	b, _ := appendText(nil, s, 0, true)
	return string(b)
}

// Clean reports whether Text would return s as it is: s is valid UTF-8
// with no hidden character and no variation selector out of place. It
// looks only at the bytes that can start such a character, so it is cheap
// on long text.
func Clean(s string) bool {
	prev := rune(0)
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 && c != '\t' && c != '\n' && c != '\r' || c == 0x7f {
				return false
			}
			prev = rune(c)
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 || Hidden(r) || selector(r) && !base(prev) {
			return false
		}
		prev = r
		i += n
	}
	return true
}

// hasBreak reports whether s holds a character Line turns into a space.
func hasBreak(s string) bool {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\t', '\n', '\r':
			return true
		}
	}
	return false // U+2028 and U+2029 are Hidden: Clean is false
}

// base reports whether a variation selector after r picks r's glyph: r is
// a visible character (not the start of the text, a space, a hidden
// character or another selector).
func base(prev rune) bool {
	return prev != 0 && !Hidden(prev) && !selector(prev) && !unicode.IsSpace(prev)
}

// appendText appends s to dst with its hidden characters marked, given the
// rune before s (0 at the start of a text); it returns the last rune of s
// (prev when s is empty). With line set, tab, line feed, carriage return
// and U+2028, U+2029 become spaces.
func appendText(dst []byte, s string, prev rune, line bool) ([]byte, rune) {
	for _, r := range s { // invalid UTF-8 comes as U+FFFD
		switch {
		case line && (r == '\t' || r == '\n' || r == '\r' || r == 0x2028 || r == 0x2029):
			dst = append(dst, ' ')
			r = ' '
		case Hidden(r) || selector(r) && !base(prev):
			dst = append(dst, Mark(r)...)
		default:
			dst = utf8.AppendRune(dst, r)
		}
		prev = r
	}
	return dst, prev
}

// Writer passes text on to W with its hidden characters marked, as Text
// does, remembering the last character written so that a variation
// selector at the start of one Write is judged by the character before it.
// Each Write must end on a rune boundary (a rune split between two writes
// is written as U+FFFD); a writer that may split runes goes in front of it.
// It suits markup whose own characters are never hidden (HTML made by
// html/template): the marks hold none of <, >, &, " or '.
type Writer struct {
	W    io.Writer
	prev rune
	buf  []byte
}

// Write writes p, marked, to W. It returns len(p) when W took everything.
func (w *Writer) Write(p []byte) (int, error) {
	s := string(p)
	if Clean(s) { // a selector first is not Clean: judged below with prev
		if len(p) > 0 {
			w.prev = lastRune(s)
		}
		if _, err := w.W.Write(p); err != nil {
			return 0, err
		}
		return len(p), nil
	}
	w.buf, w.prev = appendText(w.buf[:0], s, w.prev, false)
	if _, err := w.W.Write(w.buf); err != nil {
		return 0, err
	}
	return len(p), nil
}

func lastRune(s string) rune {
	r, _ := utf8.DecodeLastRuneInString(s)
	return r
}
