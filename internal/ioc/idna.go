package ioc

import (
	"errors"
	"unicode/utf8"

	"golang.org/x/net/idna"
)

// idnaLookup converts names as browsers do for DNS lookups: UTS #46 with
// its lookup mapping (lower case, full-width forms and ideographic full
// stops to ASCII, ignored characters such as the soft hyphen dropped, NFC),
// non-transitional (ß stays ß, as in IDNA 2008), with the bidi rule. It
// allows underscores (_dmarc) and hyphens in the third and fourth places
// (r3---sn-abc.googlevideo.com): callers judge the ASCII labels themselves.
var idnaLookup = idna.New(
	idna.MapForLookup(),
	idna.Transitional(false),
	idna.StrictDomainName(false),
	idna.CheckHyphens(false),
	idna.BidiRule(),
)

// ASCIIName returns the ASCII form of a domain or host name, the one a
// browser would look up: each internationalised label as its A-label
// ("xn--" and punycode), the rest lower-cased and mapped as idnaLookup
// says. It is every package's way to an ASCII name (Parse, the RDAP client,
// domain analysis), so that one name has one ASCII form. It checks the
// Unicode, not the ASCII labels (length, characters): the caller does. The
// error is idna's, or says the name is not UTF-8; with idna's error the
// result is idna's best effort, which a caller listing a name's problems
// may still read.
func ASCIIName(name string) (string, error) {
	if !utf8.ValidString(name) {
		return "", errors.New("not valid UTF-8")
	}
	return idnaLookup.ToASCII(name)
}

// UnicodeName returns the Unicode form of a name: each A-label decoded and
// checked as idnaLookup says. The error is idna's, with its best effort.
func UnicodeName(name string) (string, error) {
	return idnaLookup.ToUnicode(name)
}
