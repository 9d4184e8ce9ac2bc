package chart

import (
	"html/template"
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/triage-dev/triage/internal/textsafe"
)

// Limits on attacker-controlled text.
const (
	// titleMax caps, in bytes, the hover text of one mark.
	titleMax = 1024
	// hrefMax caps, in bytes, a link; longer links are dropped.
	hrefMax = 2048
	// rawMax is how much of any one value is looked at at all.
	rawMax = 4 * titleMax
)

// clean returns s as valid UTF-8 with the characters XML forbids and those
// that could change what an analyst reads unseen (controls, bidirectional
// and invisible characters) shown as their marks, as every rendering shows
// them (textsafe.Text). Only the first rawMax bytes are kept.
func clean(s string) string {
	if len(s) > rawMax {
		s = s[:rawMax]
	}
	return textsafe.Text(s)
}

// esc escapes s for XML text and double-quoted attribute values. Besides the
// markup characters it escapes ':' and '=', so that no attacker text
// reads as "javascript:" or "onload=" even to a naive scan of the markup;
// browsers render the entities as the characters.
func esc(s string) string {
	if !strings.ContainsAny(s, `&<>"':=`) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '"':
			b.WriteString("&#34;")
		case '\'':
			b.WriteString("&#39;")
		case ':':
			b.WriteString("&#58;")
		case '=':
			b.WriteString("&#61;")
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// capText cleans s and cuts it to at most max bytes, on a rune boundary,
// ending it with an ellipsis when it was cut.
func capText(s string, max int) string {
	s = clean(s)
	if len(s) <= max {
		return s
	}
	cut := max - len("…")
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// short returns s as one line of at most n runes, for drawing on a chart:
// cleaned, white space collapsed, stacked combining marks limited, and an
// ellipsis when cut.
func short(s string, n int) string {
	s = clean(s)
	out := make([]rune, 0, min(len(s), n+1))
	marks := 0
	space := false
	for _, r := range s {
		if unicode.IsSpace(r) {
			space = len(out) > 0
			continue
		}
		if unicode.In(r, unicode.Mn, unicode.Me) {
			if marks++; marks > 2 {
				continue
			}
		} else {
			marks = 0
		}
		if space {
			out = append(out, ' ')
			space = false
		}
		out = append(out, r)
		if len(out) > n {
			break
		}
	}
	if len(out) <= n {
		return string(out)
	}
	return strings.TrimRight(string(out[:n-1]), " ") + "…"
}

// fit returns s shortened as by short to at most n runes and to at most
// width wide at the font size.
func fit(s string, n int, width, size float64) string {
	t := short(s, n)
	for n > 2 && textWidth(t, size) > width {
		n = min(n, utf8.RuneCountInString(t)) - 1
		t = short(s, n)
	}
	return t
}

// textWidth estimates the drawn width of s at the given font size.
func textWidth(s string, size float64) float64 {
	w := 0.0
	for _, r := range s {
		switch {
		case r > 0x2e80: // CJK and other wide scripts
			w += 1.0
		case unicode.IsUpper(r) || r == 'm' || r == 'w' || r == 'M' || r == 'W':
			w += 0.72
		case r == 'i' || r == 'l' || r == 'j' || r == '.' || r == ',' || r == ':' || r == '\'' || r == '|' || r == 't' || r == 'f' || r == ' ':
			w += 0.32
		default:
			w += 0.6
		}
	}
	return w * size
}

// safeHref returns h if it is a relative URL or a #fragment that cannot
// reach the network or run script, and "" otherwise. Spaces and non-ASCII
// bytes are percent-encoded.
func safeHref(h string) string {
	if h == "" || len(h) > hrefMax || !utf8.ValidString(h) {
		return ""
	}
	// Browsers ignore tabs and newlines in URLs and treat '\' as '/': any
	// of them could hide a scheme or a protocol-relative URL.
	for i := 0; i < len(h); i++ {
		if c := h[i]; c < 0x20 || c == 0x7f || c == '\\' {
			return ""
		}
	}
	if strings.HasPrefix(h, "//") {
		return "" // protocol-relative: another host
	}
	// A ':' before any '/', '?' or '#' makes the start a scheme.
	if i := strings.IndexAny(h, ":/?#"); i >= 0 && h[i] == ':' {
		return ""
	}
	var b strings.Builder
	for i := 0; i < len(h); i++ {
		c := h[i]
		if c <= ' ' || c >= 0x7f || c == '"' || c == '<' || c == '>' || c == '\'' || c == '`' {
			b.WriteString("%" + strings.ToUpper(strconv.FormatUint(uint64(c)>>4, 16)+strconv.FormatUint(uint64(c)&15, 16)))
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// num formats a coordinate with at most one decimal.
func num(x float64) string {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return "0"
	}
	x = math.Round(x*10) / 10
	if x == math.Trunc(x) {
		return strconv.FormatInt(int64(x), 10)
	}
	return strconv.FormatFloat(x, 'f', 1, 64)
}

// count formats a value for a label: integers with thousands separators,
// others with three significant digits.
func count(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "0"
	}
	if v != math.Trunc(v) || math.Abs(v) >= 1e15 {
		return strconv.FormatFloat(v, 'g', 3, 64)
	}
	s := strconv.FormatInt(int64(math.Abs(v)), 10)
	var b strings.Builder
	if v < 0 {
		b.WriteByte('-')
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// svg builds one chart's markup.
type svg struct {
	strings.Builder
}

// open writes the root element with its accessible name, and the chart's
// <title> and <desc>. pan asks chart.js for pan and zoom.
func (b *svg) open(kind string, w, h float64, title, desc string, pan bool) {
	t := esc(capText(title, titleMax))
	b.WriteString(`<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-`)
	b.WriteString(kind)
	b.WriteString(`" viewBox="0 0 `)
	b.WriteString(num(w))
	b.WriteByte(' ')
	b.WriteString(num(h))
	b.WriteString(`" role="img" aria-label="`)
	b.WriteString(t)
	if desc != "" {
		b.WriteString(". ")
		b.WriteString(esc(capText(desc, titleMax)))
	}
	b.WriteByte('"')
	if pan {
		b.WriteString(` data-pan="" tabindex="0"`)
	}
	b.WriteString(`><title>`)
	b.WriteString(t)
	b.WriteString(`</title>`)
	if desc != "" {
		b.WriteString(`<desc>`)
		b.WriteString(esc(capText(desc, titleMax)))
		b.WriteString(`</desc>`)
	}
}

// html closes the root and returns the markup.
func (b *svg) html() template.HTML {
	b.WriteString("</svg>")
	return template.HTML(b.String()) // #nosec G203 -- every value is escaped above
}

// title writes a <title> child with the lines joined, capped at titleMax.
func (b *svg) title(lines ...string) {
	b.WriteString("<title>")
	b.WriteString(esc(capText(strings.Join(lines, "\n"), titleMax)))
	b.WriteString("</title>")
}

// text writes a <text> element; s is escaped, attrs is trusted markup.
func (b *svg) text(x, y float64, class, attrs, s string) {
	b.WriteString(`<text x="`)
	b.WriteString(num(x))
	b.WriteString(`" y="`)
	b.WriteString(num(y))
	b.WriteString(`"`)
	if class != "" {
		b.WriteString(` class="`)
		b.WriteString(class)
		b.WriteString(`"`)
	}
	if attrs != "" {
		b.WriteByte(' ')
		b.WriteString(attrs)
	}
	b.WriteByte('>')
	b.WriteString(esc(s))
	b.WriteString("</text>")
}

// link opens an <a> if href is safe and reports whether it did.
func (b *svg) link(href string) bool {
	h := safeHref(href)
	if h == "" {
		return false
	}
	b.WriteString(`<a href="`)
	b.WriteString(esc(h))
	b.WriteString(`">`)
	return true
}

// empty returns a chart that only says msg.
func empty(kind string, w, h float64, title, msg string) template.HTML {
	var b svg
	b.open(kind, w, h, title, msg, false)
	b.text(w/2, h/2, "empty", `text-anchor="middle"`, msg)
	return b.html()
}

// SafeHref returns h if it is a relative URL or a #fragment that cannot
// reach the network or run script, with spaces, quotes and non-ASCII bytes
// percent-encoded, and "" otherwise: the rule the charts' links follow,
// for HTML written outside html/template (the incidence grid).
func SafeHref(h string) string { return safeHref(h) }
