package ioc

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestToASCIIName(t *testing.T) {
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
	}
	for _, tt := range tests {
		got, err := toASCIIName(tt.in)
		if err != nil {
			t.Errorf("toASCIIName(%q): %v", tt.in, err)
			continue
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("toASCIIName(%q) mismatch (-want +got):\n%s", tt.in, diff)
		}
	}
	for _, bad := range []string{"☃.com", "\xff.com", strings.Repeat("ü", 64) + ".com"} {
		if got, err := toASCIIName(bad); err == nil {
			t.Errorf("toASCIIName(%q) = %q, want error", bad, got)
		}
	}
}
