package html

import (
	"bytes"
	"fmt"
	"io"
	"unicode/utf8"

	"github.com/triage-dev/triage/internal/english"
)

// MaxText is the longest run of text, in bytes of HTML, that the HTML
// renderings show of one value. Browsers are slow to lay out a very long
// word that has to wrap, so a hostile value could otherwise freeze the
// analyst's browser; the whole value stays in the JSON report.
const MaxText = 4096

// textClipper passes HTML on to w, cutting every run of text longer than
// MaxText and saying how much was left out. It knows the HTML it is given
// is html/template's output: a '<' in text is always escaped, so a raw '<'
// opens a tag; the contents of <script> and <style> pass whole.
type textClipper struct {
	w io.Writer

	inTag   bool   // between '<' and '>'
	tag     []byte // the start of the current tag's text, lower-case
	raw     []byte // the end tag that ends a raw-text element, or nil
	rawSeen int    // how much of raw has been matched
	run     int    // bytes of the current text run written
	dropped int    // runes of the current text run left out
	inRef   bool   // inside a character reference (&...;) at the cut
}

func (c *textClipper) Write(p []byte) (int, error) {
	n := len(p)
	var out bytes.Buffer
	out.Grow(len(p))
	for i := 0; i < len(p); i++ {
		b := p[i]
		switch {
		case c.raw != nil:
			out.WriteByte(b)
			if lower(b) == c.raw[c.rawSeen] {
				c.rawSeen++
				if c.rawSeen == len(c.raw) {
					c.raw, c.rawSeen = nil, 0
					c.inTag, c.tag = true, c.tag[:0]
				}
			} else {
				c.rawSeen = 0
				if lower(b) == c.raw[0] {
					c.rawSeen = 1
				}
			}
		case c.inTag:
			out.WriteByte(b)
			if len(c.tag) < 8 {
				c.tag = append(c.tag, lower(b))
			}
			if b == '>' {
				c.inTag = false
				switch {
				case bytes.HasPrefix(c.tag, []byte("script")) && !bytes.HasSuffix(c.tag, []byte("/>")):
					c.raw = []byte("</script")
				case bytes.HasPrefix(c.tag, []byte("style")):
					c.raw = []byte("</style")
				}
			}
		case b == '<':
			c.endRun(&out)
			out.WriteByte(b)
			c.inTag, c.tag = true, c.tag[:0]
		case c.run < MaxText || c.inRef:
			out.WriteByte(b)
			c.run++
			switch b {
			case '&':
				c.inRef = true
			case ';':
				c.inRef = false
			}
			if c.run >= MaxText && !c.inRef {
				// Cut at a rune boundary: finish the rune begun.
				for i+1 < len(p) && !utf8.RuneStart(p[i+1]) {
					i++
					out.WriteByte(p[i])
				}
			}
		default:
			if utf8.RuneStart(b) {
				c.dropped++
			}
		}
	}
	if _, err := c.w.Write(out.Bytes()); err != nil {
		return 0, err
	}
	return n, nil
}

// endRun ends a text run, saying what was left out of it.
func (c *textClipper) endRun(out *bytes.Buffer) {
	if c.dropped > 0 {
		fmt.Fprintf(out, "… [%d more %s not shown]", c.dropped, english.Noun(c.dropped, "character", "characters"))
	}
	c.run, c.dropped, c.inRef = 0, 0, false
}

func lower(b byte) byte {
	if 'A' <= b && b <= 'Z' {
		return b + 'a' - 'A'
	}
	return b
}
