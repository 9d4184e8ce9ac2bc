// Package domain states what a domain name or URL is: its parts, registered
// domain, whether its top-level domain is real, IDN and look-alike
// characters, how random it looks; and resolves it when asked.
//
// Analyze and ParseURL do no I/O and never panic, whatever they are given:
// names and URLs come from alerts and are attacker-controlled. Only
// Resolver.Resolve asks DNS, and never about a name package ioc calls
// internal.
//
// Names are normalised as ioc.Parse normalises them: lower-case, one trailing
// dot dropped, internationalised names converted by ioc.ASCIIName (the UTS
// #46 lookup mapping, as browsers do, so full-width letters become ASCII and
// the result is in Unicode normalisation form C).
package domain

import (
	"fmt"
	"math"
	"net/netip"
	"slices"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/publicsuffix"

	"github.com/triage-dev/triage/internal/ioc"
)

// The entropy range outside which msticnb's URLSummary notebooklet
// highlights a domain (color_domain_record_cells; the notebook shows it as
// 2.72–4.31), and the shortest label Analyze judges against it.
//
// msticnb measures the whole registered domain ("google.com"); Facts.Entropy
// measures only its first label ("google"), so the suffix does not dilute it.
// A label of n characters has at most log2(n) bits per character, so a label
// shorter than 7 is always below 2.72, and names of 7 to 9 letters such as
// "example" (2.52) or "wikipedia" (2.64) often are: under 10 characters the low
// bound says nothing about randomness. The high bound needs at least 20
// distinct characters, so only long machine-made labels exceed it.
const (
	EntropyLow       = 2.72120
	EntropyHigh      = 4.30891
	EntropyMinLength = 10 // characters (runes) of the U-label
)

// Limits on input. A DNS name has at most 253 characters; more than
// maxNameInput bytes cannot shrink to that, even through IDNA mapping.
const (
	maxName      = 253
	maxLabel     = 63
	maxNameInput = 1024
	maxProblems  = 10
)

// Facts are what can be said about a domain or host name without asking
// anyone.
type Facts struct {
	// Name is the lower-case A-label (punycode) form, without a trailing dot.
	Name string `json:"name"`
	// Unicode is the U-label form, or "" when it is the same as Name.
	Unicode string `json:"unicode,omitempty"`
	// Registered is the eTLD+1 by the full public suffix list (example.co.uk,
	// foo.github.io), or "" when there is none: the name is itself a public
	// suffix (co.uk, github.io) or a single label.
	Registered string `json:"registered,omitempty"`
	// Suffix is the public suffix. For a TLD the list does not know, it is the
	// last label, as browsers treat it.
	Suffix string `json:"suffix,omitempty"`
	// ICANN reports whether Suffix is from the list's ICANN section: false for
	// private suffixes such as github.io or blogspot.com and for unknown TLDs.
	ICANN bool `json:"icann"`
	// KnownTLD reports whether the top-level domain is delegated: the list
	// knows it as ICANN. Reserved and private-use TLDs (.local, .internal,
	// .example, .test) are not.
	KnownTLD bool `json:"known_tld"`
	// IDN reports whether some label of Name is punycode (starts with xn--).
	IDN bool `json:"idn"`
	// Scripts are the Unicode scripts of the letters in the U-label form,
	// sorted. Digits, hyphens and combining marks (scripts Common and
	// Inherited) are not counted.
	Scripts []string `json:"scripts,omitempty"`
	// MixedScript reports whether a label mixes scripts, a classic look-alike
	// sign ("pаypal" with a Cyrillic а). As in UTS #39's highly restrictive
	// level, Latin with Han and Hiragana/Katakana, Bopomofo or Hangul is not
	// mixed, since Japanese, Chinese and Korean names are written so.
	MixedScript bool `json:"mixed_script"`
	// LookAlike is the name with every non-ASCII character replaced by the
	// ASCII letter it looks like (see confusables; diacritics are dropped, so
	// bücher.de gives bucher.de), or "" when there is nothing to replace or a
	// character has no ASCII look-alike, since then the name cannot pass for
	// an ASCII one.
	LookAlike string `json:"look_alike,omitempty"`
	// Entropy is the Shannon entropy, in bits per character, of the U-label of
	// Registered's first label ("example" for www.example.co.uk); 0 when
	// there is no registered domain.
	Entropy float64 `json:"entropy"`
	// EntropyUnusual reports whether Entropy is outside EntropyLow–EntropyHigh
	// for a label of at least EntropyMinLength characters.
	EntropyUnusual bool `json:"entropy_unusual"`
	// Problems say why something could not be judged: an empty or overlong
	// label, a bad character, punycode that does not decode. The other fields
	// are then best effort; when a label is malformed, the suffix fields and
	// the entropy are left empty. At most ten are listed.
	Problems []string `json:"problems,omitempty"`
}

func (f *Facts) problem(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if len(f.Problems) < maxProblems && !slices.Contains(f.Problems, msg) {
		f.Problems = append(f.Problems, msg)
	}
}

// Analyze states the facts of a domain or host name. It refangs first, like
// ioc.Parse ("evil[.]example[.]com"), trims white space and drops one
// trailing dot. It accepts any name, including unknown TLDs, single labels
// and internal names; what it cannot judge it lists in Problems. An IP
// address is not a name and gives only a problem, also when it is written
// with characters that IDNA maps to one (full-width digits, "７.０.０.１")
// or as browsers read one (0x7f.1), and so does a name whose last label is
// a number.
func Analyze(name string) Facts {
	f, _ := analyze(strings.TrimSpace(ioc.Refang(strings.TrimSpace(name))))
	return f
}

// analyze states the facts of a name that is already refanged and trimmed,
// and reports whether it is well formed, as a URL's host must be: its
// labels are, and an internationalised name has a valid ASCII form.
func analyze(s string) (Facts, bool) {
	var f Facts
	switch {
	case s == "":
		f.problem("empty name")
		return f, false
	case len(s) > maxNameInput:
		f.problem("name longer than %d characters", maxName)
		return f, false
	case !utf8.ValidString(s):
		f.problem("name is not valid UTF-8")
		return f, false
	case isIPLiteral(s):
		f.problem("an IP address, not a name")
		return f, false
	}
	dotless := strings.TrimSuffix(s, ".")
	trimmed := dotless != s
	s = dotless

	var ascii string
	mapped := true // the name has an ASCII form a browser would look up
	if isASCII(s) {
		ascii = strings.ToLower(s)
	} else {
		a, err := ioc.ASCIIName(s)
		// An address written in other characters (full-width digits,
		// ideographic full stops) is mapped to one: it is an address, as
		// the same address in ASCII is, and never a name.
		if isIPLiteral(a) {
			f.problem("an IP address (%s) written with other characters, not a name", shorten(a))
			return f, false
		}
		if err != nil {
			f.problem("not a valid internationalised name: %s", idnaReason(err))
			mapped = false
		}
		ascii = a
		if !trimmed {
			// The one trailing dot, written as a full-width or ideographic
			// full stop ("ｇｏｏｇｌｅ．ｃｏｍ．"), as ioc.Parse drops it.
			ascii = strings.TrimSuffix(ascii, ".")
		}
	}

	// Browsers read a host whose last label is a number as an IPv4
	// address (the WHATWG URL standard: 0.0.0 is 0.0.0.0), and no
	// top-level domain is a number: such a name is an address or nothing,
	// as ParseURL reads it and as ioc.Parse refuses it as a name.
	if endsInNumber(ascii) {
		if a, ok := parseIPv4(ascii); ok {
			f.problem("an IP address (%s) as browsers read it, not a name", a)
		} else {
			f.problem("the last label of %q is a number, which makes it no name", shorten(ascii))
		}
		return f, false
	}

	valid := true
	labels := strings.Split(ascii, ".")
	ulabels := make([]string, len(labels))
	for i, l := range labels {
		ulabels[i] = l
		if msg := checkLabel(l); msg != "" {
			f.problem("%s", msg)
			valid = false
			continue
		}
		if strings.HasPrefix(l, "xn--") {
			f.IDN = true
			u, err := ioc.UnicodeName(l)
			switch {
			case err != nil:
				f.problem("label %q is not valid IDNA punycode: %s", shorten(l), idnaReason(err))
			case u == "" || isASCII(u) || strings.Contains(u, "."):
				f.problem("label %q is not valid IDNA punycode", shorten(l))
			default:
				ulabels[i] = u
			}
		}
	}
	f.Name = strings.Join(labels, ".")
	if len(f.Name) > maxName {
		f.problem("name longer than %d characters", maxName)
		valid = false
	}
	if u := strings.Join(ulabels, "."); u != f.Name {
		f.Unicode = u
	}
	f.Scripts, f.MixedScript = scripts(ulabels)
	f.LookAlike = lookAlike(ulabels)
	if !valid {
		return f, false
	}

	f.Suffix, f.ICANN = publicsuffix.PublicSuffix(f.Name)
	f.KnownTLD = icannTLD(labels[len(labels)-1])
	if reg, err := publicsuffix.EffectiveTLDPlusOne(f.Name); err == nil {
		f.Registered = reg
		if strings.Contains(reg, "_") {
			f.problem("underscore in the registered domain")
		}
		first := ulabels[len(labels)-1-strings.Count(reg, ".")]
		f.Entropy = entropy(first)
		f.EntropyUnusual = utf8.RuneCountInString(first) >= EntropyMinLength &&
			(f.Entropy < EntropyLow || f.Entropy > EntropyHigh)
	}
	// A name IDNA refuses has only idna's best-effort ASCII form, which may
	// not analyse to itself ("ﴐ.１" gives "xn--wgbj.1", whose last label is a
	// number): its facts are stated, but it is no URL's host, as browsers
	// refuse it too.
	return f, mapped
}

// checkLabel returns why an A-label is malformed, or "". Letters, digits,
// hyphens (not first or last) and underscores are allowed, as in ioc.
func checkLabel(l string) string {
	if l == "" {
		return "empty label"
	}
	if len(l) > maxLabel {
		return fmt.Sprintf("label %q longer than %d characters", shorten(l), maxLabel)
	}
	for _, r := range l {
		if !('a' <= r && r <= 'z' || '0' <= r && r <= '9' || r == '-' || r == '_') {
			return fmt.Sprintf("bad character %q in label %q", r, shorten(l))
		}
	}
	if l[0] == '-' || l[len(l)-1] == '-' {
		return fmt.Sprintf("label %q starts or ends with a hyphen", l)
	}
	return ""
}

// icannTLD reports whether tld is in the ICANN section of the public suffix
// list, as ioc decides it. Asking for a name below it also covers TLDs listed
// only by wildcard rules (*.ck).
func icannTLD(tld string) bool {
	if tld == "" {
		return false
	}
	_, icann := publicsuffix.PublicSuffix("x." + tld)
	return icann
}

// entropy returns the Shannon entropy of s in bits per character (rune).
// Characters are counted in sorted order so that the sum, and so the last
// bits of the result, do not depend on map order.
func entropy(s string) float64 {
	rs := []rune(s)
	if len(rs) == 0 {
		return 0
	}
	slices.Sort(rs)
	n := float64(len(rs))
	var h float64
	for i := 0; i < len(rs); {
		j := i + 1
		for j < len(rs) && rs[j] == rs[i] {
			j++
		}
		p := float64(j-i) / n
		h -= p * math.Log2(p)
		i = j
	}
	if h == 0 {
		return 0 // not -0
	}
	return h
}

// isIPLiteral reports whether s is an IP address, bracketed or not.
func isIPLiteral(s string) bool {
	s = strings.TrimSuffix(s, ".")
	if len(s) > 2 && s[0] == '[' && s[len(s)-1] == ']' {
		s = s[1 : len(s)-1]
	}
	_, err := netip.ParseAddr(s)
	return err == nil
}

// idnaReason is an idna error without the package prefix.
func idnaReason(err error) string {
	return shorten(strings.TrimPrefix(err.Error(), "idna: "))
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// shorten cuts a value down for a message, on a character boundary.
func shorten(s string) string {
	const limit = 80
	if len(s) <= limit {
		return s
	}
	cut := limit
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "..."
}
