package domain

import (
	"encoding/json"
	"errors"
	"math"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/triage-dev/triage/internal/ioc"
)

func fuzzSeeds(f *testing.F) {
	for _, s := range []string{
		"example.co.uk", "login.evil.example.co.uk", "foo.github.io", "evil.zzzz", "xn--80ak6aa92e.com",
		"p\u0430ypal.com", "Bücher.de.", "例え.jp", "пример.рф", "_dmarc.example.com", "xn--abc.com", "xn--.com",
		"ｇｏｏｇｌｅ．ｃｏｍ", "a\u200db.com", "\u202eevil.com", "a..b", "-x-.com", "8.8.8.8", "[::1]", "\xff\xfe",
		"evil[.]com", "hxxps://user:pw@evil[.]com:8443/a?b#c", "http://[fe80::1%25eth0]:80/", "http://0x7f.1/",
		"http://2130706433/", `http://evil.example\@good.example/`, "http:///x.com", "http://%65vil.com/",
		"www.example.com/path", "evil.com:8080/x", "mailto:bob@example.com", "file:///etc/passwd",
		"http://１２７.０.０.１/", "ldap://dc01.contoso.local/", strings.Repeat("a.", 130) + "com",
		strings.Repeat("ü", 70) + ".de", "xn--" + strings.Repeat("9", 59) + ".com",
	} {
		f.Add(s)
	}
}

// FuzzAnalyze checks that Analyze never panics, and that what it says of a
// name it could fully judge is consistent: the name is a clean A-label that
// analyses to the same facts again, agrees with ioc.Parse, and its entropy is
// in range.
func FuzzAnalyze(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, s string) {
		fa := Analyze(s)
		if len(fa.Problems) > maxProblems {
			t.Errorf("Analyze(%q): %d problems", s, len(fa.Problems))
		}
		if fa.LookAlike != "" && !isASCII(fa.LookAlike) {
			t.Errorf("Analyze(%q).LookAlike = %q is not ASCII", s, fa.LookAlike)
		}
		if fa.Entropy < 0 || math.IsNaN(fa.Entropy) {
			t.Errorf("Analyze(%q).Entropy = %v", s, fa.Entropy)
		}
		if _, err := json.Marshal(fa); err != nil {
			t.Errorf("Analyze(%q) does not marshal: %v", s, err)
		}
		// An address, however it is written, is never analysed as a name.
		v := strings.TrimSpace(ioc.Refang(strings.TrimSpace(s)))
		if a, _ := ioc.ASCIIName(v); isIPLiteral(a) && (fa.Name != "" || len(fa.Problems) == 0) {
			t.Errorf("Analyze(%q) analyses the address %q as the name %q", s, a, fa.Name)
		}
		if ind, err := ioc.Parse(s); err == nil && ind.Kind.IsIP() && fa.Name != "" {
			t.Errorf("Analyze(%q) analyses the address %v as the name %q", s, ind, fa.Name)
		}
		if len(fa.Problems) > 0 {
			return
		}

		name := fa.Name
		if name == "" || len(name) > maxName || !isASCII(name) || strings.ToLower(name) != name {
			t.Fatalf("Analyze(%q).Name = %q", s, name)
		}
		if fa.Unicode == name || (fa.Unicode != "" && !utf8.ValidString(fa.Unicode)) {
			t.Errorf("Analyze(%q).Unicode = %q", s, fa.Unicode)
		}
		if fa.IDN != strings.Contains("."+name, ".xn--") {
			t.Errorf("Analyze(%q).IDN = %v for %q", s, fa.IDN, name)
		}
		for _, part := range []string{fa.Registered, fa.Suffix} {
			if part != "" && part != name && !strings.HasSuffix(name, "."+part) {
				t.Errorf("Analyze(%q): %q is not a suffix of %q", s, part, name)
			}
		}
		if fa.Suffix == "" {
			t.Errorf("Analyze(%q).Suffix is empty", s)
		}
		if fa.Registered != "" {
			first := strings.Split(fa.Registered, ".")[0]
			if n := utf8.RuneCountInString(first); n > 0 && fa.Entropy > math.Log2(float64(n))+1e-9 {
				t.Errorf("Analyze(%q).Entropy = %v, more than log2(%d)", s, fa.Entropy, n)
			}
		}
		if fa.EntropyUnusual && fa.Entropy >= EntropyLow && fa.Entropy <= EntropyHigh {
			t.Errorf("Analyze(%q): entropy %v in range but unusual", s, fa.Entropy)
		}

		again := Analyze(name)
		if diff := cmp.Diff(fa, again); diff != "" {
			t.Errorf("Analyze(%q) and Analyze(%q) differ (-first +again):\n%s", s, name, diff)
		}
		if fa.Unicode != "" {
			if u := Analyze(fa.Unicode); u.Name != name {
				t.Errorf("Analyze(%q).Name = %q, but its Unicode %q gives %q", s, name, fa.Unicode, u.Name)
			}
		}
		if ind, err := ioc.Parse(s); err == nil && isASCII(s) && (ind.Kind == ioc.Domain || ind.Kind == ioc.Hostname) {
			if ind.Value != name {
				t.Errorf("Analyze(%q).Name = %q, ioc.Parse gives %q", s, name, ind.Value)
			}
		}
	})
}

// FuzzIndicators checks the analyser against what its callers in package
// ioc make of the same value, whole (Parse) and in text (Extract): a name
// ioc accepts analyses to itself (Analyze may still note a problem ioc does
// not check, such as an xn-- label that is not valid punycode), an address
// ioc finds is never analysed as a name, and a URL ioc accepts parses, to a
// host that parses again to itself and is no address analysed as a name.
func FuzzIndicators(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, s string) {
		inds := ioc.Extract(s)
		if ind, err := ioc.Parse(s); err == nil {
			inds = append(inds, ind)
		}
		for _, ind := range inds {
			checkIndicator(t, s, ind)
		}
	})
}

func checkIndicator(t *testing.T, s string, ind ioc.Indicator) {
	t.Helper()
	switch {
	case ind.Kind == ioc.Domain || ind.Kind == ioc.Hostname:
		if fa := Analyze(ind.Value); fa.Name != ind.Value {
			t.Errorf("%q: ioc gives %v, Analyze gives %q %q", s, ind, fa.Name, fa.Problems)
		}
	case ind.Kind == ioc.Email:
		d := ind.Value[strings.LastIndexByte(ind.Value, '@')+1:]
		if fa := Analyze(d); fa.Name != d {
			t.Errorf("%q: ioc gives %v, Analyze of its domain gives %q %q", s, ind, fa.Name, fa.Problems)
		}
	case ind.Kind.IsIP():
		if fa := Analyze(ind.Value); fa.Name != "" || len(fa.Problems) == 0 {
			t.Errorf("%q: ioc gives the address %v, Analyze the name %q", s, ind, fa.Name)
		}
	case ind.Kind == ioc.URL:
		// ParseURL reads "\" as browsers do (http://a\@b.com/ goes to a),
		// ioc as part of the user information: such a URL may have another
		// host, or none.
		u, err := ParseURL(ind.Value)
		if err != nil {
			if !strings.Contains(ind.Value, "\\") {
				t.Errorf("%q: ioc gives %v, which ParseURL refuses: %v", s, ind, err)
			}
			return
		}
		checkURL(t, ind.Value, u)
		if _, err := netip.ParseAddr(u.Host); err == nil && !u.IPHost {
			t.Errorf("%q: ioc gives %v, whose host ParseURL analyses as the name %q", s, ind, u.Host)
		}
	}
}

// FuzzParseURL checks that ParseURL never panics, that what it returns is
// well formed and parses again to the same host and port, and that a password
// put in front of any input never comes back.
func FuzzParseURL(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, s string) {
		u, err := ParseURL(s)
		if err != nil {
			if !errors.Is(err, ErrNotURL) || !strings.HasPrefix(err.Error(), "domain: ") {
				t.Errorf("ParseURL(%q) error = %v", s, err)
			}
			if diff := cmp.Diff(URL{}, u); diff != "" {
				t.Errorf("ParseURL(%q) returned a URL with its error:\n%s", s, diff)
			}
		} else {
			checkURL(t, s, u)
		}

		const secret = "S3cr3tPw"
		in := "https://admin:" + secret + "@" + s
		u, err = ParseURL(in)
		b, _ := json.Marshal(u)
		if strings.Contains(string(b), secret) || err != nil && strings.Contains(err.Error(), secret) {
			t.Errorf("ParseURL(%q) leaks the password: %s %v", in, b, err)
		}
		if err == nil && !u.UserInfo {
			t.Errorf("ParseURL(%q).UserInfo = false", in)
		}
	})
}

func checkURL(t *testing.T, s string, u URL) {
	t.Helper()
	if u.Scheme == "" || strings.ToLower(u.Scheme) != u.Scheme || u.Host == "" {
		t.Fatalf("ParseURL(%q) = %+v", s, u)
	}
	if u.Port != "" {
		n, err := strconv.Atoi(u.Port)
		if err != nil || n < 0 || n > 65535 || strconv.Itoa(n) != u.Port {
			t.Errorf("ParseURL(%q).Port = %q", s, u.Port)
		}
	}
	if u.IPHost {
		if _, err := netip.ParseAddr(u.Host); err != nil {
			t.Errorf("ParseURL(%q).Host = %q is not an address", s, u.Host)
		}
		if diff := cmp.Diff(Facts{}, u.Facts); diff != "" {
			t.Errorf("ParseURL(%q) has facts for an IP host:\n%s", s, diff)
		}
	} else if u.Host != u.Facts.Name || !isASCII(u.Host) || strings.ContainsAny(u.Host, "@/\\?#: ") {
		t.Errorf("ParseURL(%q).Host = %q, Facts.Name = %q", s, u.Host, u.Facts.Name)
	}

	// The host and port, written out plainly, parse to themselves.
	host := u.Host
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	again := u.Scheme + "://" + host
	if u.Port != "" {
		again += ":" + u.Port
	}
	v, err := ParseURL(again + "/")
	if err != nil {
		t.Fatalf("ParseURL(%q) = %+v, but ParseURL(%q): %v", s, u, again, err)
	}
	if v.Scheme != u.Scheme || v.Host != u.Host || v.Port != u.Port || v.IPHost != u.IPHost || v.UserInfo {
		t.Errorf("ParseURL(%q) = %+v, but ParseURL(%q) = %+v", s, u, again, v)
	}
}
