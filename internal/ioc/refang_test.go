package ioc

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestRefang(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"hxxp://evil[.]com", "http://evil.com"},
		{"hXXps://evil(.)com/a", "https://evil.com/a"},
		{"HXXPS[:]//evil{.}com", "https://evil.com"},
		{"hxxp[://]evil[dot]com", "http://evil.com"},
		{"fxp://files[.]example[.]org", "ftp://files.example.org"},
		{"fXps://x[.]org", "ftps://x.org"},
		{"198[.]51[.]100[.]7", "198.51.100.7"},
		{"evil(dot)com evil{DOT}com evil[Dot]com", "evil.com evil.com evil.com"},
		{"evil [.] com", "evil.com"},
		{"evil dot com", "evil.com"},
		{"evil DOT com", "evil.com"},
		{`evil\.example\.com`, "evil.example.com"},
		{"user[at]example.com", "user@example.com"},
		{"user(at)example.com user{AT}example.com user[@]example.com", "user@example.com user@example.com user@example.com"},
		{"user [at] example [dot] com", "user@example.com"},
		{"http[:]//x[.]com[/]a", "http://x.com/a"},
		{"evil。com evil．com evil｡com", "evil.com evil.com evil.com"},
		// Left alone.
		{"hxxpd://x", "hxxpd://x"},
		{"ahxxp://x", "ahxxp://x"},
		{"the red dot .", "the red dot ."},
		{`C:\.hidden \\.\pipe\x`, `C:\.hidden \\.\pipe\x`},
		{"[::1]:80 [::]", "[::1]:80 [::]"},
		{"a [.]", "a ."},
		{"(", "("},
		{"。", "。"},
		{"", ""},
		{"nothing to see", "nothing to see"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, Refang(tt.in)); diff != "" {
				t.Errorf("Refang(%q) mismatch (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func TestRefangTruncated(t *testing.T) {
	// Every prefix of a defanged string must be handled without panicking.
	s := "hXXps[://]evil[dot]example(.)com \\. user [at] x 。 dot "
	for i := range len(s) + 1 {
		_ = Refang(s[:i])
	}
	if got := Refang(strings.Repeat("[", 1000)); got != strings.Repeat("[", 1000) {
		t.Errorf("Refang changed a run of brackets")
	}
}
