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

// FuzzASCIIName checks that the ASCII form of a name is its own ASCII form
// (it parses again to itself) and decodes to a Unicode form that gives it
// back, and that a name whose ASCII form is an address is never taken for a
// name by Parse.
func FuzzASCIIName(f *testing.F) {
	fuzzSeeds(f)
	for _, s := range []string{"７.０.０.１", "ﴐ.１", "ｇｏｏｇｌｅ．ｃｏｍ．", "xn--abc.com", "ß.de", "a\u00adb.com", "１９８。５１。１００。７"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := ASCIIName(s)
		if err != nil {
			return
		}
		if again, err := ASCIIName(a); err != nil || again != a {
			t.Errorf("ASCIIName(%q) = %q, but ASCIIName(%q) = %q, %v", s, a, a, again, err)
		}
		if !isASCII(a) {
			t.Errorf("ASCIIName(%q) = %q is not ASCII", s, a)
		}
		if u, err := UnicodeName(a); err != nil {
			t.Errorf("ASCIIName(%q) = %q, which does not decode: %v", s, a, err)
		} else if back, err := ASCIIName(u); err != nil || back != a {
			t.Errorf("ASCIIName(%q) = %q decodes to %q, whose ASCII form is %q, %v", s, a, u, back, err)
		}
		if _, ok := parseAddr(strings.TrimSuffix(a, ".")); ok {
			if ind, err := Parse(s); err == nil && (ind.Kind == Domain || ind.Kind == Hostname) {
				t.Errorf("%q is the address %q, but Parse gives the name %v", s, a, ind)
			}
		}
		if ind, err := Parse(s); err == nil && (ind.Kind == Domain || ind.Kind == Hostname) {
			if again, err := ASCIIName(ind.Value); err != nil || again != ind.Value {
				t.Errorf("Parse(%q) = %v, whose ASCII form is %q, %v", s, ind, again, err)
			}
		}
	})
}
