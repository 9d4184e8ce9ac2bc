package html

import (
	"bytes"
	"strings"
	"testing"
)

// TestTextClipper: text runs are cut at MaxText whatever the writes' sizes,
// never inside a character reference or a rune; tags, scripts and styles
// pass whole.
func TestTextClipper(t *testing.T) {
	style := "<style>" + strings.Repeat("a > b { x: 1 } ", 600) + "</style>"
	script := "<script>if (1 < 2) { x = '" + strings.Repeat("<p>", 2000) + "' }</script>"
	long := strings.Repeat("&amp;é", 3000)
	in := style + script + `<p title="` + strings.Repeat("t", 9000) + `">` + long + "</p><p>short</p>"
	for _, size := range []int{1, 7, 4096, len(in)} {
		var out bytes.Buffer
		c := &textClipper{w: &out}
		for i := 0; i < len(in); i += size {
			c.Write([]byte(in[i:min(i+size, len(in))]))
		}
		got := out.String()
		if !strings.HasPrefix(got, style+script+`<p title="`+strings.Repeat("t", 9000)+`">`) {
			t.Errorf("writes of %d: the style, script or tag was changed", size)
		}
		text := strings.TrimPrefix(got, style+script+`<p title="`+strings.Repeat("t", 9000)+`">`)
		kept, rest, ok := strings.Cut(text, "… [")
		if !ok || len(kept) < MaxText || len(kept) > MaxText+8 || !strings.HasPrefix(long, kept) || !strings.HasSuffix(kept, ";") && !strings.HasSuffix(kept, "é") {
			t.Errorf("writes of %d: kept %d bytes ending %q", size, len(kept), kept[max(0, len(kept)-8):])
		}
		if want := "more characters not shown]</p><p>short</p>"; !strings.HasSuffix(rest, want) {
			t.Errorf("writes of %d: ends %q, want the count then %q", size, rest[:min(len(rest), 60)], want)
		}
	}
}
