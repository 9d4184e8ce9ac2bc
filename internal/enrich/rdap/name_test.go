package rdap

import (
	"strings"
	"testing"
)

func TestNormalizeName(t *testing.T) {
	tests := map[string]string{
		"example.com":       "example.com",
		" Example.COM. ":    "example.com",
		"www.example.com":   "www.example.com",
		"xn--mnchen-3ya.de": "xn--mnchen-3ya.de",
		"XN--MNCHEN-3YA.DE": "xn--mnchen-3ya.de",
		"münchen.de":        "xn--mnchen-3ya.de",
		"MÜNCHEN.de":        "xn--mnchen-3ya.de",
		"bücher.example":    "xn--bcher-kva.example",
		"пример.рф":         "xn--e1afmkfd.xn--p1ai",
		"例え.jp":             "xn--r8jz45g.jp",
		"ドメイン名例.jp":         "xn--eckwd4c7cu47r2wf.jp",
		"例え。jp":             "xn--r8jz45g.jp",
		"faß.de":            "xn--fa-hia.de",
		"3com.com":          "3com.com",
		"a-b.c-d.io":        "a-b.c-d.io",
		// The ASCII form is ioc.ASCIIName's, as a browser looks the name
		// up (UTS #46): a zero-width space is ignored, a symbol is valid.
		"bad\u200b.com": "bad.com",
		"☃.com":         "xn--n3h.com",
		"例え.jp。":        "xn--r8jz45g.jp",
	}
	for in, want := range tests {
		got, err := normalizeName(in)
		if err != nil || got != want {
			t.Errorf("normalizeName(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

func TestNormalizeNameRejects(t *testing.T) {
	for _, in := range []string{
		"", "   ", ".", "..", "com", "com.", "1.2.3.4", "::1", "[::1]", "http://example.com", "example.com/",
		"a@example.com", "example.com:80", "ex ample.com", "ex_ample.com", "-x.com", "x-.com", "a..com",
		"example.42", strings.Repeat("x", 64) + ".com", strings.Repeat("abcdefgh.", 30) + "com",
		"\xff.com", strings.Repeat("ü", 64) + ".com", "ü x.com", "ü_x.com", "ü.xn--abc", "１.２.３.４",
	} {
		if got, err := normalizeName(in); err == nil {
			t.Errorf("normalizeName(%q) = %q, want an error", in, got)
		}
	}
}
