package domain

import (
	"math"
	"strings"
	"testing"
	"unicode"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/triage-dev/triage/internal/ioc"
)

// h is the Shannon entropy of a string whose distinct characters occur the
// given numbers of times, worked out independently of entropy().
func h(counts ...int) float64 {
	n := 0
	for _, c := range counts {
		n += c
	}
	var sum float64
	for _, c := range counts {
		p := float64(c) / float64(n)
		sum += p * math.Log2(1/p)
	}
	return sum
}

var approx = cmpopts.EquateApprox(0, 1e-9)

func TestAnalyze(t *testing.T) {
	latin := []string{"Latin"}
	tests := []struct {
		in   string
		want Facts
	}{
		{"example.co.uk", Facts{
			Name: "example.co.uk", Registered: "example.co.uk", Suffix: "co.uk", ICANN: true, KnownTLD: true,
			Scripts: latin, Entropy: h(2, 1, 1, 1, 1, 1), // e×2 x a m p l
		}},
		{"login.evil.example.co.uk", Facts{
			Name: "login.evil.example.co.uk", Registered: "example.co.uk", Suffix: "co.uk", ICANN: true, KnownTLD: true,
			Scripts: latin, Entropy: h(2, 1, 1, 1, 1, 1),
		}},
		// A private suffix: each user's site is its own registered domain.
		{"foo.github.io", Facts{
			Name: "foo.github.io", Registered: "foo.github.io", Suffix: "github.io", ICANN: false, KnownTLD: true,
			Scripts: latin, Entropy: h(1, 2),
		}},
		{"github.io", Facts{Name: "github.io", Suffix: "github.io", KnownTLD: true, Scripts: latin}},
		{"co.uk", Facts{Name: "co.uk", Suffix: "co.uk", ICANN: true, KnownTLD: true, Scripts: latin}},
		// A TLD nobody delegated: browsers still treat its last label as the suffix.
		{"evil.zzzz", Facts{
			Name: "evil.zzzz", Registered: "evil.zzzz", Suffix: "zzzz", Scripts: latin, Entropy: h(1, 1, 1, 1),
		}},
		{"dc01.contoso.local", Facts{
			Name: "dc01.contoso.local", Registered: "contoso.local", Suffix: "local", Scripts: latin,
			Entropy: h(1, 3, 1, 1, 1), // c o×3 n t s
		}},
		{"dc01", Facts{Name: "dc01", Suffix: "dc01", Scripts: latin}},
		// ck is on the list only as *.ck, so x.ck is itself a suffix.
		{"www.x.ck", Facts{
			Name: "www.x.ck", Registered: "www.x.ck", Suffix: "x.ck", ICANN: true, KnownTLD: true, Scripts: latin,
			Entropy: 0,
		}},
		// Defanged, upper case, trailing dot.
		{" EVIL[.]Example[.]COM. ", Facts{
			Name: "evil.example.com", Registered: "example.com", Suffix: "com", ICANN: true, KnownTLD: true,
			Scripts: latin, Entropy: h(2, 1, 1, 1, 1, 1),
		}},
		{"_dmarc.example.com", Facts{
			Name: "_dmarc.example.com", Registered: "example.com", Suffix: "com", ICANN: true, KnownTLD: true,
			Scripts: latin, Entropy: h(2, 1, 1, 1, 1, 1),
		}},
		// Xudong Zheng's apple.com look-alike: every letter Cyrillic.
		{"xn--80ak6aa92e.com", Facts{
			Name: "xn--80ak6aa92e.com", Unicode: "\u0430\u0440\u0440\u04cf\u0435.com",
			Registered: "xn--80ak6aa92e.com", Suffix: "com", ICANN: true, KnownTLD: true,
			IDN: true, Scripts: []string{"Cyrillic", "Latin"}, LookAlike: "apple.com",
			Entropy: h(1, 2, 1, 1), // of the U-label а р×2 ӏ е, not of the punycode
		}},
		// One Cyrillic а in a Latin label.
		{"p\u0430ypal.com", Facts{
			Name: "xn--pypal-4ve.com", Unicode: "p\u0430ypal.com",
			Registered: "xn--pypal-4ve.com", Suffix: "com", ICANN: true, KnownTLD: true,
			IDN: true, Scripts: []string{"Cyrillic", "Latin"}, MixedScript: true, LookAlike: "paypal.com",
			Entropy: h(2, 1, 1, 1, 1), // p×2 а y a l
		}},
		// Greek omicrons.
		{"g\u03bf\u03bfgle.com", Facts{
			Name: "xn--ggle-0nda.com", Unicode: "g\u03bf\u03bfgle.com",
			Registered: "xn--ggle-0nda.com", Suffix: "com", ICANN: true, KnownTLD: true,
			IDN: true, Scripts: []string{"Greek", "Latin"}, MixedScript: true, LookAlike: "google.com",
			Entropy: h(2, 2, 1, 1),
		}},
		{"Bücher.de", Facts{
			Name: "xn--bcher-kva.de", Unicode: "bücher.de",
			Registered: "xn--bcher-kva.de", Suffix: "de", ICANN: true, KnownTLD: true,
			IDN: true, Scripts: latin, LookAlike: "bucher.de", Entropy: h(1, 1, 1, 1, 1, 1),
		}},
		// Japanese mixes Han and Hiragana; that is not a look-alike sign.
		{"例え.jp", Facts{
			Name: "xn--r8jz45g.jp", Unicode: "例え.jp",
			Registered: "xn--r8jz45g.jp", Suffix: "jp", ICANN: true, KnownTLD: true,
			IDN: true, Scripts: []string{"Han", "Hiragana", "Latin"}, Entropy: 1,
		}},
		// Cyrillic with no ASCII look-alike for п, under an IDN TLD.
		{"пример.рф", Facts{
			Name: "xn--e1afmkfd.xn--p1ai", Unicode: "пример.рф",
			Registered: "xn--e1afmkfd.xn--p1ai", Suffix: "xn--p1ai", ICANN: true, KnownTLD: true,
			IDN: true, Scripts: []string{"Cyrillic"}, Entropy: h(1, 2, 1, 1, 1), // п р×2 и м е
		}},
		// Full-width letters and dot are mapped as browsers map them.
		{"ｇｏｏｇｌｅ．ｃｏｍ", Facts{
			Name: "google.com", Registered: "google.com", Suffix: "com", ICANN: true, KnownTLD: true,
			Scripts: latin, Entropy: h(2, 2, 1, 1),
		}},
		// One trailing dot is dropped however it is written, as ioc.Parse
		// drops it (a fuzzing find: "google.com." was the name).
		{"ｇｏｏｇｌｅ．ｃｏｍ．", Facts{
			Name: "google.com", Registered: "google.com", Suffix: "com", ICANN: true, KnownTLD: true,
			Scripts: latin, Entropy: h(2, 2, 1, 1),
		}},

		// What cannot be judged.
		{"", Facts{Problems: []string{"empty name"}}},
		{"8.8.8.8", Facts{Problems: []string{"an IP address, not a name"}}},
		{"[2001:db8::1]", Facts{Problems: []string{"an IP address, not a name"}}},
		// An address in full-width digits is mapped to one, as the URL host
		// of a browser is, and is no more a name than 7.0.0.1 (a fuzzing
		// find: it was analysed as the domain "7.0.0.1").
		{"７.０.０.１", Facts{Problems: []string{"an IP address (7.0.0.1) written with other characters, not a name"}}},
		{"１９８。５１。１００。７", Facts{Problems: []string{"an IP address (198.51.100.7) written with other characters, not a name"}}},
		// A last label that is a number makes an address, as browsers read
		// a URL's host, or nothing (as ioc.Parse refuses it).
		{"0.0.0", Facts{Problems: []string{"an IP address (0.0.0.0) as browsers read it, not a name"}}},
		{"0x7f.1", Facts{Problems: []string{"an IP address (127.0.0.1) as browsers read it, not a name"}}},
		{"example.123", Facts{Problems: []string{`the last label of "example.123" is a number, which makes it no name`}}},
		{"\xff.com", Facts{Problems: []string{"name is not valid UTF-8"}}},
		{strings.Repeat("a.", 600) + "com", Facts{Problems: []string{"name longer than 253 characters"}}},
		{"exa mple.com", Facts{
			Name: "exa mple.com", Scripts: latin,
			Problems: []string{`bad character ' ' in label "exa mple"`},
		}},
		{"a..example.com", Facts{Name: "a..example.com", Scripts: latin, Problems: []string{"empty label"}}},
		{"-evil.com", Facts{
			Name: "-evil.com", Scripts: latin, Problems: []string{`label "-evil" starts or ends with a hyphen`},
		}},
		{strings.Repeat("a", 64) + ".com", Facts{
			Name: strings.Repeat("a", 64) + ".com", Scripts: latin,
			Problems: []string{`label "` + strings.Repeat("a", 64) + `" longer than 63 characters`},
		}},
		{strings.Repeat("abcdefgh.", 28) + "com", Facts{
			Name: strings.Repeat("abcdefgh.", 28) + "com", Scripts: latin,
			Problems: []string{"name longer than 253 characters"},
		}},
		// Well-formed as DNS, but the punycode does not decode to a valid
		// label: the suffix facts stand, the Unicode ones cannot be given.
		{"xn--abc.com", Facts{
			Name: "xn--abc.com", Registered: "xn--abc.com", Suffix: "com", ICANN: true, KnownTLD: true,
			IDN: true, Scripts: latin, Entropy: h(1, 1, 2, 1, 1, 1), // x n -×2 a b c
			Problems: []string{`label "xn--abc" is not valid IDNA punycode: invalid label "\u0082\u0081\u0080"`},
		}},
		{"a_b.com", Facts{
			Name: "a_b.com", Registered: "a_b.com", Suffix: "com", ICANN: true, KnownTLD: true, Scripts: latin,
			Entropy: h(1, 1, 1), Problems: []string{"underscore in the registered domain"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got := Analyze(tt.in)
			if diff := cmp.Diff(tt.want, got, approx); diff != "" {
				t.Errorf("Analyze(%q) mismatch (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func TestAnalyzeProblemsCapped(t *testing.T) {
	var labels []string
	for c := 'a'; c <= 'z'; c++ {
		labels = append(labels, "-"+string(c))
	}
	f := Analyze(strings.Join(labels, ".") + ".com")
	if len(f.Problems) != maxProblems {
		t.Errorf("got %d problems, want %d: %q", len(f.Problems), maxProblems, f.Problems)
	}
	if f.Registered != "" || f.Suffix != "" {
		t.Errorf("malformed name got suffix facts: %+v", f)
	}
}

// TestAnalyzeAgreesWithIoc checks that a name ioc.Parse accepts gets the same
// normalised form here, and that ioc's Domain/Hostname split matches
// Registered.
func TestAnalyzeAgreesWithIoc(t *testing.T) {
	for _, in := range []string{
		"example.com", "www.example.co.uk", "evil.blogspot.com", "a.evil.blogspot.com", "github.io",
		"Bücher.de", "例え.jp", "пример.рф", "_dmarc.example.com", "dc01.contoso.local", "EVIL.COM.",
		"xn--80ak6aa92e.com", "p\u0430ypal.com", "x.ck", "evil[.]example[.]com", "invoice.zip",
	} {
		ind, err := ioc.Parse(in)
		if err != nil {
			t.Fatalf("ioc.Parse(%q): %v", in, err)
		}
		f := Analyze(in)
		if f.Name != ind.Value {
			t.Errorf("Analyze(%q).Name = %q, ioc.Parse gives %q", in, f.Name, ind.Value)
		}
		isDomain := f.Registered == f.Name || f.Registered == ""
		if isDomain != (ind.Kind == ioc.Domain) {
			t.Errorf("Analyze(%q).Registered = %q, but ioc.Parse says %v", in, f.Registered, ind)
		}
		if len(f.Problems) > 0 {
			t.Errorf("Analyze(%q) has problems: %q", in, f.Problems)
		}
	}
}

func TestEntropy(t *testing.T) {
	google := Analyze("google.com")
	dga := Analyze("xj4k2q9zv7w1.com")
	if diff := cmp.Diff(h(2, 2, 1, 1), google.Entropy, approx); diff != "" {
		t.Errorf("google entropy (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(math.Log2(12), dga.Entropy, approx); diff != "" {
		t.Errorf("xj4k2q9zv7w1 entropy (-want +got):\n%s", diff)
	}
	if dga.Entropy <= google.Entropy+1.5 {
		t.Errorf("random-looking label %.3f is not clearly above google %.3f", dga.Entropy, google.Entropy)
	}
	// Neither is flagged: "google" is too short to judge, and twelve distinct
	// characters (3.58 bits) are inside msticnb's range.
	if google.EntropyUnusual || dga.EntropyUnusual {
		t.Errorf("EntropyUnusual google=%v xj4k2q9zv7w1=%v, want both false", google.EntropyUnusual, dga.EntropyUnusual)
	}

	tests := []struct {
		name    string
		unusual bool
	}{
		{"stackoverflow.com", false},
		{"cloudflare.com", false},
		{"microsoftonline.com", false},
		{"aaaaaaaab.com", false},                 // 9 characters: too short to judge
		{"aaaaaaaaab.com", true},                 // 10: judged, 0.47 bits
		{"www.aaaaaaaaaaaaaaab.co.uk", true},     // the registered domain's first label counts
		{"aaaaaaaaaaaaaaab.example.com", false},  // a subdomain label does not
		{"q8x3z1m7k2v9b4n6c5l0wyrtjh.net", true}, // 26 distinct: 4.70 bits
		{"q8x3z1m7k2v9b4n6c5l0.net", true},       // 20 distinct: 4.32 bits
		{"q8x3z1m7k2v9b4n6c5l.net", false},       // 19 distinct: 4.25 bits
		{"xn--80ak6aa92e.com", false},            // the U-label, 5 characters
		{"аааааааааб.com", true},                 // Cyrillic, 10 characters
		{"github.io", false},                     // no registered domain
	}
	for _, tt := range tests {
		f := Analyze(tt.name)
		if f.EntropyUnusual != tt.unusual {
			t.Errorf("Analyze(%q): entropy %.3f, EntropyUnusual = %v, want %v", tt.name, f.Entropy, f.EntropyUnusual, tt.unusual)
		}
	}
}

func TestEntropyFunc(t *testing.T) {
	tests := []struct {
		in   string
		want float64
	}{
		{"", 0},
		{"aaaa", 0},
		{"ab", 1},
		{"abcd", 2},
		{"аррӏе", h(1, 2, 1, 1)},
		{"例え", 1},
	}
	for _, tt := range tests {
		got := entropy(tt.in)
		if diff := cmp.Diff(tt.want, got, approx); diff != "" || math.Signbit(got) {
			t.Errorf("entropy(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestMixedScript(t *testing.T) {
	tests := []struct {
		name    string
		scripts []string
		mixed   bool
	}{
		{"p\u0430ypal.com", []string{"Cyrillic", "Latin"}, true},
		{"g\u03bfogle.com", []string{"Greek", "Latin"}, true},
		{"\u0430pple.\u0440\u0444", []string{"Cyrillic", "Latin"}, true}, // mixed in the first label
		{"пример.com", []string{"Cyrillic", "Latin"}, false},             // one script per label
		{"ελληνικά.gr", []string{"Greek", "Latin"}, false},
		{"例え.jp", []string{"Han", "Hiragana", "Latin"}, false}, // Japanese
		{"カタカナ漢字ひらがなabc.jp", []string{"Han", "Hiragana", "Katakana", "Latin"}, false},
		{"한국어abc.kr", []string{"Hangul", "Latin"}, false}, // Korean
		{"apple苹果.com", []string{"Han", "Latin"}, false},
		{"한국例え.jp", []string{"Han", "Hangul", "Hiragana", "Latin"}, true}, // Korean and Japanese
		{"\u0430\u4f8b.com", []string{"Cyrillic", "Han", "Latin"}, true},
		{"123-456.com", []string{"Latin"}, false}, // digits and hyphens are Common
		{"123.456", nil, false},
	}
	for _, tt := range tests {
		f := Analyze(tt.name)
		if diff := cmp.Diff(tt.scripts, f.Scripts); diff != "" {
			t.Errorf("Analyze(%q).Scripts mismatch (-want +got):\n%s", tt.name, diff)
		}
		if f.MixedScript != tt.mixed {
			t.Errorf("Analyze(%q).MixedScript = %v, want %v", tt.name, f.MixedScript, tt.mixed)
		}
	}
}

func TestLookAlike(t *testing.T) {
	tests := []struct{ name, want string }{
		{"xn--80ak6aa92e.com", "apple.com"},
		{"p\u0430yp\u0430l.com", "paypal.com"},
		{"\u0501\u043em\u0430\u0456n.com", "domain.com"}, // ԁоmаіn
		{"micr\u03bfs\u03bfft.com", "microsoft.com"},     // Greek ο
		{"\u0261oo\u0261le.com", "google.com"},           // Latin script g
		{"goog\u0142e.com", "google.com"},                // ł
		{"g\u00f6\u00f6gle.com", "google.com"},           // ö, by decomposition
		{"gooġle.com", "google.com"},                     // ġ
		{"\u0451\u0430.com", "ea.com"},                   // ё decomposes to Cyrillic е
		{"\u0585\u057d.com", "ou.com"},                   // Armenian
		{"google.com", ""},                               // nothing to replace
		{"пример.рф", ""},                                // п has no look-alike
		{"example.\u0440\u0444", ""},                     // ф has none
		{"例え.jp", ""},
	}
	for _, tt := range tests {
		if got := Analyze(tt.name).LookAlike; got != tt.want {
			t.Errorf("Analyze(%q).LookAlike = %q, want %q", tt.name, got, tt.want)
		}
	}
}

// TestConfusablesTable checks each entry of the table: a lower-case letter
// of the script its comment says, mapped to a lower-case ASCII letter, that
// survives IDNA so it can actually appear in a U-label.
func TestConfusablesTable(t *testing.T) {
	allowed := []*unicode.RangeTable{unicode.Cyrillic, unicode.Greek, unicode.Armenian, unicode.Latin}
	for r, c := range confusables {
		if r < 0x80 || !unicode.IsLetter(r) || !unicode.In(r, allowed...) {
			t.Errorf("confusables[%U]: not a non-ASCII Cyrillic, Greek, Armenian or Latin letter", r)
		}
		if c < 'a' || c > 'z' {
			t.Errorf("confusables[%U] = %q, want a lower-case ASCII letter", r, c)
		}
		a, err := ioc.ASCIIName(string(r) + "x")
		if err != nil {
			t.Errorf("confusables[%U]: IDNA rejects it: %v", r, err)
			continue
		}
		u, err := ioc.UnicodeName(a)
		if err != nil || u != string(r)+"x" {
			t.Errorf("confusables[%U]: IDNA maps it to %q (%v), so it never appears in a U-label", r, u, err)
		}
	}
}
