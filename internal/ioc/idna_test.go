package ioc

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestASCIIName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"рф", "xn--p1ai"},
		{"中国", "xn--fiqs8s"},
		{"пример.рф", "xn--e1afmkfd.xn--p1ai"},
		{"Bücher.de", "xn--bcher-kva.de"},
		{"例え.jp", "xn--r8jz45g.jp"},
		{"испытание", "xn--80akhbyknj4f"},
		{"ñ", "xn--ida"},
		{"ü-x", "xn---x-wka"},
		{"abcü.example.com", "xn--abc-joa.example.com"},
		// RFC 3492 section 7.1, samples (A), (B) and (L); UTS #46 maps the
		// capital B of (L) to lower case before encoding.
		{"\u0644\u064A\u0647\u0645\u0627\u0628\u062A\u0643\u0644\u0645\u0648\u0634\u0639\u0631\u0628\u064A\u061F", "xn--egbpdaj6bu4bxfgehfvwxn"},
		{"\u4ED6\u4EEC\u4E3A\u4EC0\u4E48\u4E0D\u8BF4\u4E2D\u6587", "xn--ihqwcrb4cv8a8dqg056pqjye"},
		{"3\u5E74B\u7D44\u91D1\u516B\u5148\u751F", "xn--3b-ww4c5e180e575a65lsy2b"},
		// What the UTS #46 lookup mapping adds, as browsers do: ß is kept
		// (non-transitional), full-width letters and the ideographic full
		// stop become ASCII, ignored characters are dropped.
		{"faß.de", "xn--fa-hia.de"},
		{"ｂücher.de", "xn--bcher-kva.de"},
		{"例え。jp", "xn--r8jz45g.jp"},
		{"bü\u00adcher.de", "xn--bcher-kva.de"},
		// A symbol is valid in UTS #46 (not in IDNA 2008 registration):
		// browsers look ☃.com up as xn--n3h.com, so it is that name.
		{"☃.com", "xn--n3h.com"},
	}
	for _, tt := range tests {
		got, err := ASCIIName(tt.in)
		if err != nil {
			t.Errorf("ASCIIName(%q): %v", tt.in, err)
			continue
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("ASCIIName(%q) mismatch (-want +got):\n%s", tt.in, diff)
		}
	}
	for _, bad := range []string{"\xff.com", "ü.xn--abc", "ü\u200d.com"} {
		if got, err := ASCIIName(bad); err == nil {
			t.Errorf("ASCIIName(%q) = %q, want error", bad, got)
		}
	}
}

// TestParseInternationalised: Parse takes the ASCII form and then judges its
// labels, so what the mapping lets through (an overlong label, white space,
// punctuation) is still refused.
func TestParseInternationalised(t *testing.T) {
	for in, want := range map[string]string{
		"Bücher.de": "xn--bcher-kva.de", "пример.рф.": "xn--e1afmkfd.xn--p1ai", "例え。jp。": "xn--r8jz45g.jp",
		"☃.com": "xn--n3h.com", "ｅｘａｍｐｌｅ.com": "example.com",
	} {
		ind, err := Parse(in)
		if err != nil || ind.Value != want || ind.Kind != Domain {
			t.Errorf("Parse(%q) = %+v, %v; want domain %q", in, ind, err, want)
		}
	}
	for _, bad := range []string{"\xff.com", strings.Repeat("ü", 64) + ".com", "ü x.com", "ü!x.com", "ü..com", "ü.xn--abc"} {
		if ind, err := Parse(bad); err == nil {
			t.Errorf("Parse(%q) = %+v, want error", bad, ind)
		}
	}
}
