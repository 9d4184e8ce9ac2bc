package textsafe

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{"", ""},
		{"a\u202Egpj.exe", "a⟨U+202E⟩gpj.exe"},
		{"line\nbreak\ttab\rcr", "line\nbreak\ttab\rcr"},
		{"\x00\x1b[31m\x7f\u0085", "⟨U+0000⟩⟨U+001B⟩[31m⟨U+007F⟩⟨U+0085⟩"},
		{"\u202A\u202B\u202C\u202D\u2066\u2067\u2068\u2069", "⟨U+202A⟩⟨U+202B⟩⟨U+202C⟩⟨U+202D⟩⟨U+2066⟩⟨U+2067⟩⟨U+2068⟩⟨U+2069⟩"},
		{"\u200E\u200F\u061C", "⟨U+200E⟩⟨U+200F⟩⟨U+061C⟩"},
		{"pay\u200Bpal\u200C\u200D", "pay⟨U+200B⟩pal⟨U+200C⟩⟨U+200D⟩"},
		{"\u2060\u2061\u2062\u2063\u2064\u206F", "⟨U+2060⟩⟨U+2061⟩⟨U+2062⟩⟨U+2063⟩⟨U+2064⟩⟨U+206F⟩"},
		{"\uFEFFbom", "⟨U+FEFF⟩bom"},
		{"ad\u00ADmin", "ad⟨U+00AD⟩min"},
		{"x\U000E0041\U000E007F", "x⟨U+E0041⟩⟨U+E007F⟩"},
		{"\u2028\u2029", "⟨U+2028⟩⟨U+2029⟩"},
		{"\u3164\uFFA0\u115F", "⟨U+3164⟩⟨U+FFA0⟩⟨U+115F⟩"},
		{"\uFFFE\uFFFF", "⟨U+FFFE⟩⟨U+FFFF⟩"},
		{"bad \xff\xfe", "bad \uFFFD\uFFFD"},
		// A variation selector after a visible character picks its glyph;
		// a run of them, or one at the start or after a space, is marked.
		{"❤\uFE0F ok", "❤\uFE0F ok"},
		{"葛\U000E0100", "葛\U000E0100"},
		{"x\uFE0F\uFE01\U000E0105", "x\uFE0F⟨U+FE01⟩⟨U+E0105⟩"},
		{"\uFE0Fstart", "⟨U+FE0F⟩start"},
		{"a \uFE0F", "a ⟨U+FE0F⟩"},
		{"\u202E\uFE0F", "⟨U+202E⟩⟨U+FE0F⟩"},
		// Visible characters of other scripts pass.
		{"שלום مرحبا 東京 ñ é", "שלום مرحبا 東京 ñ é"},
	}
	for _, tt := range tests {
		if got := Text(tt.in); got != tt.want {
			t.Errorf("Text(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if Clean(tt.in) != (tt.in == tt.want) {
			t.Errorf("Clean(%q) = %v", tt.in, Clean(tt.in))
		}
	}
}

func TestLine(t *testing.T) {
	for in, want := range map[string]string{
		"a\tb\nc\r\nd":   "a b c  d",
		"p\u2028q\u2029": "p q ",
		"\u202Egnp.exe":  "⟨U+202E⟩gnp.exe",
		"plain":          "plain",
	} {
		if got := Line(in); got != want {
			t.Errorf("Line(%q) = %q, want %q", in, got, want)
		}
	}
}

// The writer gives what Text gives, however its input is cut (at rune
// boundaries), and judges a selector at the start of a write by the
// character before it.
func TestWriter(t *testing.T) {
	in := "ab❤\uFE0F\uFE0F x\u202Ey \U000E0041 \uFE0F葛\U000E0100end"
	want := Text(in)
	runes := []rune(in)
	for cut := 0; cut <= len(runes); cut++ {
		var b bytes.Buffer
		w := &Writer{W: &b}
		for _, part := range []string{string(runes[:cut]), string(runes[cut:])} {
			if n, err := w.Write([]byte(part)); err != nil || n != len(part) {
				t.Fatalf("Write = %d, %v", n, err)
			}
		}
		if b.String() != want {
			t.Errorf("cut at rune %d: %q, want %q", cut, b.String(), want)
		}
	}
}

func FuzzText(f *testing.F) {
	for _, s := range []string{"a\u202Egpj.exe", "x\uFE0F\uFE0F", "\xff", "\t\n", "\U000E0041"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := Text(s)
		if !utf8.ValidString(out) {
			t.Fatalf("Text(%q) is not valid UTF-8", s)
		}
		if !Clean(out) {
			t.Fatalf("Text(%q) = %q is not Clean", s, out)
		}
		if Text(out) != out {
			t.Fatalf("Text is not idempotent on %q", s)
		}
		if Clean(s) != (out == s) {
			t.Fatalf("Clean(%q) = %v, but Text changes it: %v", s, Clean(s), out != s)
		}
		for _, r := range out {
			if Hidden(r) {
				t.Fatalf("Text(%q) holds hidden %U", s, r)
			}
		}
		line := Line(s)
		if strings.ContainsAny(line, "\t\n\r\u2028\u2029") || !Clean(line) {
			t.Fatalf("Line(%q) = %q", s, line)
		}
	})
}
