package web

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html"
)

// maxText is the longest run of text a page shows of one value, in bytes.
// Chromium takes minutes to lay out a 100 KB word that must wrap, so a
// hostile value could otherwise freeze the analyst's browser.
const maxText = 4096

// tame returns the HTML fragment frag (rendered and escaped by package
// report) with every text longer than maxText cut, saying how much was
// left out. Tags and attributes pass as they are.
func tame(frag string) string {
	if len(frag) < maxText {
		return frag
	}
	z := html.NewTokenizer(strings.NewReader(frag))
	var b strings.Builder
	b.Grow(len(frag))
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			if z.Err() == io.EOF {
				return b.String()
			}
			return frag
		case html.TextToken:
			raw := z.Raw()
			if len(raw) <= maxText {
				b.Write(raw)
				continue
			}
			text := string(z.Text())
			if len(text) <= maxText {
				b.WriteString(html.EscapeString(text))
				continue
			}
			cut := maxText
			for cut > 0 && !utf8.RuneStart(text[cut]) {
				cut--
			}
			b.WriteString(html.EscapeString(text[:cut]))
			fmt.Fprintf(&b, "… [%d more characters not shown]", utf8.RuneCountInString(text[cut:]))
		default:
			b.Write(z.Raw())
		}
	}
}
