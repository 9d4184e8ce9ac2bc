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
		"bad\u200b.com", "☃.com", "\xff.com", strings.Repeat("ü", 64) + ".com",
	} {
		if got, err := normalizeName(in); err == nil {
			t.Errorf("normalizeName(%q) = %q, want an error", in, got)
		}
	}
}

func TestPunycodeRFC3492Samples(t *testing.T) {
	// RFC 3492 section 7.1, samples (A), (B) and (L).
	tests := map[string]string{
		"\u0644\u064A\u0647\u0645\u0627\u0628\u062A\u0643\u0644\u0645\u0648\u0634\u0639\u0631\u0628\u064A\u061F": "egbpdaj6bu4bxfgehfvwxn",
		"\u4ED6\u4EEC\u4E3A\u4EC0\u4E48\u4E0D\u8BF4\u4E2D\u6587":                                                 "ihqwcrb4cv8a8dqg056pqjye",
		"3\u5E74B\u7D44\u91D1\u516B\u5148\u751F":                                                                 "3B-ww4c5e180e575a65lsy2b",
	}
	for in, want := range tests {
		if got := punycode([]rune(in)); got != want {
			t.Errorf("punycode(%q) = %q, want %q", in, got, want)
		}
	}
}
