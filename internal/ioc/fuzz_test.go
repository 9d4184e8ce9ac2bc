package ioc

import (
	"strings"
	"testing"
)

func fuzzSeeds(f *testing.F) {
	for _, s := range []string{
		"hxxps://evil[.]example[.]com/a", "198[.]51[.]100[.]7", "user[at]example.com",
		"http://[2001:db8::1]:8080/x?u=http%3A%2F%2F10.0.0.1%2F", "fe80::1%eth0", "::ffff:1.2.3.4",
		"www.example.com/path", "evil.com:8080", "d41d8cd98f00b204e9800998ecf8427e", "1.2.3.4.5",
		`\\fs.contoso.local\share`, "bücher.de", "a.b.c.d.e.f.g.h", "x@y.z", "http://a@b@c.com:/",
		"powershell -enc SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQAIAA=", "10.0.0.1-10.0.0.9",
		"Chrome/1.2.3.4", "[List]::Add(1)", "evil dot com", "例え.jp", "http://xn--r8jz45g.jp/",
	} {
		f.Add(s)
	}
	f.Add(benchText())
}

// FuzzExtract checks that Extract never panics and that every value it
// returns parses with Parse to the same kind and value.
func FuzzExtract(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, text string) {
		seen := map[Indicator]bool{}
		for _, ind := range Extract(text) {
			if seen[ind] {
				t.Errorf("Extract(%q) returned %v twice", text, ind)
			}
			seen[ind] = true
			if ind.Value == "" || strings.ContainsAny(ind.Value, " \t\r\n") {
				t.Errorf("Extract(%q) returned bad value %q", text, ind.Value)
			}
			if (ind.Kind.IsIP()) != (ind.Scope != "") && ind.Kind != URL {
				t.Errorf("Extract(%q) returned %v with scope %q", text, ind, ind.Scope)
			}
			got, err := Parse(ind.Value)
			if err != nil {
				t.Errorf("Extract(%q) returned %v, which does not parse: %v", text, ind, err)
				continue
			}
			if got.Kind != ind.Kind {
				t.Errorf("Extract(%q) returned %v, which parses as %v", text, ind, got)
			}
			if got != ind && ind.Kind != URL {
				t.Errorf("Extract(%q) returned %v, which parses as %v", text, ind, got)
			}
		}
	})
}

// FuzzParse checks that Parse never panics, and that a parsed value parses
// again to itself.
func FuzzParse(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, s string) {
		ind, err := Parse(s)
		if err != nil {
			if !strings.Contains(err.Error(), "ioc: ") {
				t.Errorf("Parse(%q) error %q lacks the package prefix", s, err)
			}
			return
		}
		again, err := Parse(ind.Value)
		if err != nil {
			t.Fatalf("Parse(%q) = %v, but Parse(%q) failed: %v", s, ind, ind.Value, err)
		}
		if again.Kind != ind.Kind || (ind.Kind != URL && again != ind) {
			t.Errorf("Parse(%q) = %v, but Parse(%q) = %v", s, ind, ind.Value, again)
		}
		_ = ind.Internal()
		_ = ind.String()
	})
}
