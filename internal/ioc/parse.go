package ioc

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/publicsuffix"
)

// Parse refangs, types and normalises one whole value, such as an entity's.
// In order, the value is:
//
//   - a URL when it contains "://": the scheme must be http, https, ftp, ftps
//     or sftp and the host an IP literal or a valid name;
//   - an IP address, also with a zone or a port (fe80::1%eth0, 1.2.3.4:443,
//     [2001:db8::1]:443); IPv4 octets with leading zeros are rejected as
//     ambiguous (octal or decimal), and IPv4-mapped IPv6 is returned as IPv4;
//   - an MD5, SHA-1 or SHA-256 hash: exactly 32, 40 or 64 hex digits;
//   - an e-mail address: local part "@" a valid name;
//   - a URL without a scheme (http assumed) when a valid name, optionally with
//     a port, is followed by "/" (www.example.com/path);
//   - a domain or host name, optionally with a trailing dot or a port.
//
// A name is valid when its labels are letters, digits and inner hyphens
// (underscores are allowed only left of the registered domain, as in
// _dmarc.example.com), and its top-level domain is on the public suffix list's
// ICANN section or is reserved or commonly used for private networks (example,
// test, invalid, localhost, alt, local, internal, lan, corp, intranet,
// localdomain). "localhost" alone is a host name; other single labels are
// rejected. A name is a Domain when it equals its registered domain (eTLD+1
// by the full public suffix list, so both example.co.uk and
// evil.blogspot.com are domains) or is itself a public suffix (github.io), and
// a Hostname when it has more labels. Internationalised names are converted
// to ASCII as browsers look them up (ASCIIName: bücher.de is
// xn--bcher-kva.de).
//
// The error names the value and says why it is none of these.
func Parse(s string) (Indicator, error) {
	v := strings.TrimSpace(Refang(strings.TrimSpace(s)))
	ind, err := parse(v)
	if err != nil {
		return Indicator{}, fmt.Errorf("ioc: %q is not an indicator: %w", shorten(s), err)
	}
	return ind, nil
}

// shorten cuts a long value down for an error message.
func shorten(s string) string {
	const limit = 100
	if len(s) <= limit {
		return s
	}
	cut := limit
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "..."
}

func parse(s string) (Indicator, error) {
	if s == "" {
		return Indicator{}, errors.New("empty value")
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] == 0x7f {
			return Indicator{}, errors.New("contains white space or control characters")
		}
	}
	if strings.Contains(s, "://") {
		u, _, _, err := parseURL(s)
		return u, err
	}
	if a, ok := parseAddr(s); ok {
		return addrIndicator(a), nil
	}
	if k := hashKind(s); k != "" {
		return Indicator{Kind: k, Value: strings.ToLower(s)}, nil
	}
	var emailErr error
	if strings.Contains(s, "@") {
		v, err := parseEmail(s)
		if err == nil {
			return Indicator{Kind: Email, Value: v}, nil
		}
		emailErr = err
	}
	if strings.Contains(s, "/") {
		if slash := strings.IndexByte(s, '/'); slash > 0 {
			if _, err := parseNamePort(s[:slash]); err == nil {
				u, _, _, err := parseURL("http://" + s)
				return u, err
			}
		}
		if emailErr == nil {
			return Indicator{}, errors.New("not an address, and no valid host before the path")
		}
	}
	if emailErr != nil {
		return Indicator{}, emailErr
	}
	if isDigitsDots(s) || isDigitsDots(hostPart(s)) {
		return Indicator{}, errors.New("not a valid IPv4 address")
	}
	if strings.Count(s, ":") > 1 {
		return Indicator{}, errors.New("not a valid IPv6 address")
	}
	if isHex(s) && len(s) >= 16 {
		return Indicator{}, fmt.Errorf("%d hex digits is not an MD5, SHA-1 or SHA-256 hash", len(s))
	}
	return parseNamePort(s)
}

// hostPart strips a ":port" suffix.
func hostPart(s string) string {
	if c := strings.LastIndexByte(s, ':'); c >= 0 && isDigits(s[c+1:]) {
		return s[:c]
	}
	return s
}

// parseNamePort parses a name with an optional trailing dot and ":port".
func parseNamePort(s string) (Indicator, error) {
	if c := strings.LastIndexByte(s, ':'); c >= 0 {
		if err := checkPort(s[c+1:]); err != nil {
			return Indicator{}, err
		}
		s = s[:c]
	}
	name, kind, err := normName(s)
	if err != nil {
		return Indicator{}, err
	}
	return Indicator{Kind: kind, Value: name}, nil
}

func checkPort(p string) error {
	if p == "" {
		return nil
	}
	if !isDigits(p) || len(p) > 5 {
		return fmt.Errorf("bad port %q", p)
	}
	if n, _ := strconv.Atoi(p); n > 65535 {
		return fmt.Errorf("port %s out of range", p)
	}
	return nil
}

// normName converts an internationalised name to ASCII, lower-cases it,
// drops one trailing dot (also one written as an ideographic full stop),
// and checks it.
func normName(s string) (string, Kind, error) {
	if !isASCII(s) {
		a, err := ASCIIName(s)
		if err != nil {
			return "", "", fmt.Errorf("not a valid internationalised name: %w", err)
		}
		s = a
	}
	s = strings.TrimSuffix(strings.ToLower(s), ".")
	k, err := checkName(s)
	return s, k, err
}

// checkName validates a lower-case ASCII name without a trailing dot and
// returns Domain or Hostname.
func checkName(name string) (Kind, error) {
	if name == "localhost" {
		return Hostname, nil
	}
	if name == "" {
		return "", errors.New("empty name")
	}
	if len(name) > 253 {
		return "", errors.New("name longer than 253 characters")
	}
	if !strings.Contains(name, ".") {
		return "", errors.New("a single label is not a domain or host name")
	}
	for label := range strings.SplitSeq(name, ".") {
		if err := checkLabel(label); err != nil {
			return "", err
		}
	}
	tld := name[strings.LastIndexByte(name, '.')+1:]
	if !validTLD(tld) {
		return "", fmt.Errorf("%q is not a top-level domain", tld)
	}
	reg, err := publicsuffix.EffectiveTLDPlusOne(name)
	if err != nil {
		// The name is itself a public suffix, e.g. co.uk or github.io.
		reg = name
	}
	if strings.Contains(reg, "_") {
		return "", errors.New("underscore in the registered domain")
	}
	if reg == name {
		return Domain, nil
	}
	return Hostname, nil
}

func checkLabel(l string) error {
	if l == "" {
		return errors.New("empty label")
	}
	if len(l) > 63 {
		return errors.New("label longer than 63 characters")
	}
	if l[0] == '-' || l[len(l)-1] == '-' {
		return fmt.Errorf("label %q starts or ends with a hyphen", l)
	}
	for i := 0; i < len(l); i++ {
		if c := l[i]; !isAlnum(c) && c != '-' && c != '_' {
			return fmt.Errorf("bad character %q in name", c)
		}
	}
	return nil
}

// privateTLDs are top-level domains that are not delegated but are reserved
// (RFC 2606, 6761, 9476, ICANN's .internal) or widely used inside
// organisations. Names under them are accepted and are always Internal.
var privateTLDs = map[string]bool{
	"example": true, "test": true, "invalid": true, "localhost": true, "alt": true,
	"local": true, "internal": true, "lan": true, "corp": true, "intranet": true,
	"localdomain": true,
}

// validTLD reports whether tld is a top-level domain a name may end in.
func validTLD(tld string) bool {
	if strings.HasPrefix(tld, "xn--") {
		if len(tld) == 4 {
			return false
		}
	} else {
		for i := 0; i < len(tld); i++ {
			if !isAlpha(tld[i]) {
				return false
			}
		}
	}
	return privateTLDs[tld] || icannTLD(tld)
}

// icannTLD reports whether tld is in the ICANN section of the public suffix
// list. Asking for a name below it also covers TLDs listed only by wildcard
// rules (*.ck, *.mm).
func icannTLD(tld string) bool {
	if tld == "" || strings.Contains(tld, ".") {
		return false
	}
	_, icann := publicsuffix.PublicSuffix("x." + tld)
	return icann
}

// hashKind returns the hash kind of s by its length, or "" when s is not
// 32, 40 or 64 hex digits.
func hashKind(s string) Kind {
	var k Kind
	switch len(s) {
	case 32:
		k = MD5
	case 40:
		k = SHA1
	case 64:
		k = SHA256
	default:
		return ""
	}
	if !isHex(s) {
		return ""
	}
	return k
}

// parseAddr parses an IP address, allowing a zone, a port or brackets.
func parseAddr(s string) (netip.Addr, bool) {
	if a, err := netip.ParseAddr(s); err == nil {
		return a, true
	}
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr(), true
	}
	if len(s) > 2 && s[0] == '[' && s[len(s)-1] == ']' {
		if a, err := netip.ParseAddr(s[1 : len(s)-1]); err == nil && a.Is6() {
			return a, true
		}
	}
	return netip.Addr{}, false
}

// addrIndicator returns the indicator of an address: without its zone, and
// IPv4-mapped addresses as IPv4.
func addrIndicator(a netip.Addr) Indicator {
	a = a.WithZone("").Unmap()
	k := IPv6
	if a.Is4() {
		k = IPv4
	}
	return Indicator{Kind: k, Value: a.String(), Scope: ScopeOf(a)}
}

// hostAddr parses a URL host that is an IP literal: dotted IPv4 or a
// bracketed IPv6 address, with an optional zone.
func hostAddr(host string) (netip.Addr, bool) {
	if strings.HasPrefix(host, "[") {
		if !strings.HasSuffix(host, "]") {
			return netip.Addr{}, false
		}
		h := host[1 : len(host)-1]
		if z := strings.IndexByte(h, '%'); z >= 0 {
			h = h[:z]
		}
		a, err := netip.ParseAddr(h)
		if err != nil || !a.Is6() {
			return netip.Addr{}, false
		}
		return a, true
	}
	a, err := netip.ParseAddr(host)
	if err != nil || !a.Is4() {
		return netip.Addr{}, false
	}
	return a, true
}

// parseEmail checks local@domain and returns it lower-cased.
func parseEmail(s string) (string, error) {
	at := strings.LastIndexByte(s, '@')
	local, domain := s[:at], s[at+1:]
	if local == "" || len(local) > 64 {
		return "", errors.New("e-mail local part is empty or longer than 64 characters")
	}
	if local[0] == '.' || local[len(local)-1] == '.' || strings.Contains(local, "..") {
		return "", errors.New("misplaced dot in e-mail local part")
	}
	for i := 0; i < len(local); i++ {
		if !isAtext(local[i]) {
			return "", fmt.Errorf("bad character %q in e-mail local part", local[i])
		}
	}
	d, _, err := normName(domain)
	if err != nil {
		return "", fmt.Errorf("e-mail domain: %w", err)
	}
	return strings.ToLower(local) + "@" + d, nil
}

// allowedSchemes are the URL schemes Parse and Extract accept.
var allowedSchemes = map[string]bool{"http": true, "https": true, "ftp": true, "ftps": true, "sftp": true}

// urlParts is a URL split for validation. host keeps brackets around IPv6.
type urlParts struct {
	scheme, userinfo, host, port, rest string
	hasPort                            bool
}

// splitURL splits scheme://[userinfo@]host[:port][rest] without validating
// the host. rest starts at the first "/", "?" or "#" after the host.
func splitURL(s string) (urlParts, error) {
	var u urlParts
	i := strings.Index(s, "://")
	if i < 0 {
		return u, errors.New("no scheme")
	}
	u.scheme = strings.ToLower(s[:i])
	if !allowedSchemes[u.scheme] {
		return u, fmt.Errorf("unsupported URL scheme %q", u.scheme)
	}
	auth := s[i+3:]
	if k := strings.IndexAny(auth, "/?#"); k >= 0 {
		auth, u.rest = auth[:k], auth[k:]
	}
	if at := strings.LastIndexByte(auth, '@'); at >= 0 {
		u.userinfo, auth = auth[:at], auth[at+1:]
	}
	u.host = auth
	if strings.HasPrefix(auth, "[") {
		if end := strings.IndexByte(auth, ']'); end >= 0 {
			u.host = auth[:end+1]
			if tail := auth[end+1:]; tail != "" {
				if tail[0] != ':' {
					return u, fmt.Errorf("bad text %q after the IPv6 host", tail)
				}
				u.port, u.hasPort = tail[1:], true
			}
		}
	} else if c := strings.LastIndexByte(auth, ':'); c >= 0 {
		u.host, u.port, u.hasPort = auth[:c], auth[c+1:], true
	}
	if u.host == "" {
		return u, errors.New("URL has no host")
	}
	return u, nil
}

// parseURL validates and normalises a URL and returns it with the indicator of
// its host and the part after the host (path, query and fragment).
func parseURL(s string) (Indicator, Indicator, string, error) {
	u, err := splitURL(s)
	if err != nil {
		return Indicator{}, Indicator{}, "", err
	}
	if u.hasPort {
		if err := checkPort(u.port); err != nil {
			return Indicator{}, Indicator{}, "", err
		}
	}
	var host Indicator
	var hostText string
	if a, ok := hostAddr(u.host); ok {
		host = addrIndicator(a)
		hostText = a.WithZone("").String()
		if a.Is6() {
			hostText = "[" + hostText + "]"
		}
	} else {
		if strings.HasPrefix(u.host, "[") {
			return Indicator{}, Indicator{}, "", fmt.Errorf("bad IPv6 host %q", u.host)
		}
		if isDigitsDots(u.host) {
			return Indicator{}, Indicator{}, "", fmt.Errorf("bad IPv4 host %q", u.host)
		}
		name, kind, err := normName(u.host)
		if err != nil {
			return Indicator{}, Indicator{}, "", fmt.Errorf("URL host: %w", err)
		}
		host = Indicator{Kind: kind, Value: name}
		hostText = name
	}
	var b strings.Builder
	b.WriteString(u.scheme)
	b.WriteString("://")
	if u.userinfo != "" {
		b.WriteString(u.userinfo)
		b.WriteByte('@')
	}
	b.WriteString(hostText)
	if u.port != "" {
		b.WriteByte(':')
		b.WriteString(u.port)
	}
	b.WriteString(u.rest)
	return Indicator{Kind: URL, Value: b.String(), Scope: host.Scope}, host, u.rest, nil
}

func isAlpha(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
func isDigit(c byte) bool { return '0' <= c && c <= '9' }
func isAlnum(c byte) bool { return isAlpha(c) || isDigit(c) }
func isHexDigit(c byte) bool {
	return isDigit(c) || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// isAtext reports whether c may appear in an unquoted e-mail local part. It
// is RFC 5322's atext without "{" and "}", which would let defanging tokens
// such as "{.}" survive into a normalised value.
func isAtext(c byte) bool {
	return isAlnum(c) || c == '.' || strings.IndexByte("!#$%&'*+/=?^_`|~-", c) >= 0
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isHexDigit(s[i]) {
			return false
		}
	}
	return s != ""
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return s != ""
}

func isDigitsDots(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) && s[i] != '.' {
			return false
		}
	}
	return s != ""
}

func isHexColonDot(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isHexDigit(s[i]) && s[i] != ':' && s[i] != '.' {
			return false
		}
	}
	return s != ""
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
