package domain

import (
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"strconv"
	"strings"

	"github.com/triage-dev/triage/internal/ioc"
)

// ErrNotURL is wrapped by every error ParseURL returns.
var ErrNotURL = errors.New("not a URL")

// URL is a URL split into its parts, with the facts of its host.
type URL struct {
	Scheme string `json:"scheme"` // lower-case, without ":"
	// Host is Facts.Name for a name, or the canonical address for an IP
	// literal (IPv6 without brackets or zone).
	Host string `json:"host"`
	Port string `json:"port,omitempty"` // decimal without leading zeros, "" when absent
	// Path, Query and Fragment are as written (not percent-decoded), Query
	// without "?" and Fragment without "#"; for http, https, ftp, ws, wss and
	// file a "\" in the path is read as "/", as browsers do.
	Path     string `json:"path,omitempty"`
	Query    string `json:"query,omitempty"`
	Fragment string `json:"fragment,omitempty"`
	// UserInfo reports whether the URL carries a user name or password
	// (https://paypal.com@evil.example/ is a phishing classic). Neither is
	// returned.
	UserInfo bool `json:"userinfo"`
	// IPHost reports whether the host is an IP literal.
	IPHost bool `json:"ip_host"`
	// Facts are those of the host name, empty for an IP host.
	Facts Facts `json:"facts"`
}

// specialSchemes are the schemes whose URLs browsers parse leniently: "\" is a
// path separator, and after the scheme any run of "/" and "\" leads to the
// host (except for file).
var specialSchemes = map[string]bool{"http": true, "https": true, "ftp": true, "ws": true, "wss": true, "file": true}

// ParseURL splits a URL and states the facts of its host. It refangs first,
// like ioc.Parse (hxxps://evil[.]example[.]com/a), and drops white space
// around the URL and tabs and line breaks inside it, as browsers do.
//
// The URL must be scheme://host followed by an optional port, path, query and
// fragment; any scheme is accepted. A value without a scheme that ioc.Parse
// types as a URL ("www.example.com/path", "evil.com:8080/x") is read with
// http, as ioc does; a bare name is not a URL. Where browsers are lenient in
// ways attackers use, ParseURL follows them: "\" as "/"
// (http://evil.example\@good.example/ goes to evil.example), extra slashes
// after the scheme, a percent-encoded host, and an IPv4 host written as one
// number or in octal or hex (http://0x7f.1/ is 127.0.0.1). The host must be
// an IP literal or a well-formed name; an unknown TLD is a fact, not an error.
//
// Errors wrap ErrNotURL and quote the value with any user information
// removed, so a password never reaches a log.
func ParseURL(raw string) (URL, error) {
	s := strings.NewReplacer("\t", "", "\n", "", "\r", "").Replace(raw)
	s = strings.TrimSpace(ioc.Refang(strings.TrimSpace(s)))
	u, err := parseURL(s)
	if err != nil {
		return URL{}, fmt.Errorf("domain: %q is %w: %s", redact(s), ErrNotURL, err)
	}
	return u, nil
}

// notURL is the reason a value is not a URL.
type notURL string

func (e notURL) Error() string { return string(e) }

func parseURL(s string) (URL, error) {
	if s == "" {
		return URL{}, notURL("empty value")
	}
	for i := 0; i < len(s); i++ {
		if s[i] < ' ' || s[i] == 0x7f {
			return URL{}, notURL("contains control characters")
		}
	}
	n := schemeLen(s)
	if n == 0 || needsSlashes(strings.ToLower(s[:n])) && !strings.HasPrefix(s[n+1:], "//") {
		// Not scheme://: maybe a URL without a scheme, such as
		// evil.com:8080/x, whose "scheme" would be "evil.com".
		if ind, err := ioc.Parse(s); err == nil && ind.Kind == ioc.URL {
			return parseAbsolute(ind.Value)
		}
		if n == 0 {
			return URL{}, notURL(`no scheme ("http://")`)
		}
		return URL{}, notURL(fmt.Sprintf(`no "//" after %q`, s[:n+1]))
	}
	return parseAbsolute(s)
}

// needsSlashes reports whether the scheme must be followed by "//": browsers
// take any run of "/" and "\" after the other special schemes.
func needsSlashes(scheme string) bool {
	return !specialSchemes[scheme] || scheme == "file"
}

// schemeLen returns the length of the scheme when s starts with one and a
// colon, or 0.
func schemeLen(s string) int {
	for i := 0; i < len(s) && i <= 32; i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z':
		case i > 0 && ('0' <= c && c <= '9' || c == '+' || c == '-' || c == '.'):
		case i > 0 && c == ':':
			return i
		default:
			return 0
		}
	}
	return 0
}

// parseAbsolute parses scheme:[//]authority[path][?query][#fragment]; s
// starts with a scheme and a colon.
func parseAbsolute(s string) (URL, error) {
	var u URL
	n := schemeLen(s)
	u.Scheme = strings.ToLower(s[:n])
	special := specialSchemes[u.Scheme]
	rest := s[n+1:]
	if !needsSlashes(u.Scheme) {
		k := 0
		for k < len(rest) && (rest[k] == '/' || rest[k] == '\\') {
			k++
		}
		if k == 0 {
			return URL{}, notURL(fmt.Sprintf(`no "//" after %q`, s[:n+1]))
		}
		rest = rest[k:]
	} else {
		rest = rest[2:]
	}

	ends := "/?#"
	if special {
		ends = "/?#\\"
	}
	auth := rest
	if k := strings.IndexAny(rest, ends); k >= 0 {
		auth, rest = rest[:k], rest[k:]
	} else {
		rest = ""
	}
	if at := strings.LastIndexByte(auth, '@'); at >= 0 {
		u.UserInfo = at > 0
		auth = auth[at+1:]
	}
	if err := u.setHostPort(auth); err != nil {
		return URL{}, err
	}

	if k := strings.IndexByte(rest, '#'); k >= 0 {
		rest, u.Fragment = rest[:k], rest[k+1:]
	}
	if k := strings.IndexByte(rest, '?'); k >= 0 {
		rest, u.Query = rest[:k], rest[k+1:]
	}
	u.Path = rest
	if special {
		u.Path = strings.ReplaceAll(u.Path, "\\", "/")
	}
	return u, nil
}

// setHostPort parses host[:port], where host may be a bracketed IPv6 address.
func (u *URL) setHostPort(auth string) error {
	host, port, hasPort := auth, "", false
	if strings.HasPrefix(auth, "[") {
		end := strings.IndexByte(auth, ']')
		if end < 0 {
			return notURL("IPv6 host without a closing bracket")
		}
		host = auth[:end+1]
		if tail := auth[end+1:]; tail != "" {
			if tail[0] != ':' {
				return notURL("bad text after the IPv6 host")
			}
			port, hasPort = tail[1:], true
		}
	} else if c := strings.LastIndexByte(auth, ':'); c >= 0 {
		host, port, hasPort = auth[:c], auth[c+1:], true
	}
	if hasPort && port != "" {
		p, err := strconv.ParseUint(port, 10, 16)
		if err != nil || strings.IndexFunc(port, func(r rune) bool { return r < '0' || r > '9' }) >= 0 {
			return notURL("bad port")
		}
		u.Port = strconv.FormatUint(p, 10)
	}
	if host == "" {
		return notURL("no host")
	}

	if strings.HasPrefix(host, "[") {
		h := host[1 : len(host)-1]
		if z := strings.IndexByte(h, '%'); z >= 0 {
			h = h[:z] // a zone: %25eth0
		}
		a, err := netip.ParseAddr(h)
		if err != nil || !a.Is6() {
			return notURL(fmt.Sprintf("bad IPv6 host %q", shorten(host)))
		}
		u.Host, u.IPHost = a.String(), true
		return nil
	}

	if strings.Contains(host, "%") {
		h, err := url.PathUnescape(host)
		if err != nil {
			return notURL(fmt.Sprintf("bad percent-encoding in host %q", shorten(host)))
		}
		host = h
	}
	// Browsers map the host to ASCII (full-width digits too) and then read it
	// as IPv4 if its last label is a number.
	ascii := strings.ToLower(host)
	if !isASCII(ascii) {
		if a, err := ioc.ASCIIName(host); err == nil {
			ascii = a
		}
	}
	if endsInNumber(ascii) {
		a, ok := parseIPv4(ascii)
		if !ok {
			return notURL(fmt.Sprintf("bad IPv4 host %q", shorten(host)))
		}
		u.Host, u.IPHost = a.String(), true
		return nil
	}
	f, ok := analyze(host)
	if !ok {
		return notURL("host: " + f.Problems[0])
	}
	u.Host, u.Facts = f.Name, f
	return nil
}

// endsInNumber reports whether the last label of a host, ignoring one
// trailing dot, is a decimal or 0x-hex number, which makes browsers read the
// host as an IPv4 address (the WHATWG URL standard).
func endsInNumber(host string) bool {
	host = strings.TrimSuffix(host, ".")
	last := host[strings.LastIndexByte(host, '.')+1:]
	if last == "" {
		return false
	}
	if isDigits(last) {
		return true
	}
	return len(last) >= 2 && last[0] == '0' && last[1] == 'x' && (len(last) == 2 || isHex(last[2:]))
}

// parseIPv4 reads a host as browsers read an IPv4 address: one to four parts,
// each decimal, octal (leading 0) or hex (0x); the last part fills the
// remaining bytes, so 2130706433 and 127.1 are 127.0.0.1.
func parseIPv4(host string) (netip.Addr, bool) {
	parts := strings.Split(strings.TrimSuffix(host, "."), ".")
	if len(parts) > 4 {
		return netip.Addr{}, false
	}
	var nums []uint64
	for _, p := range parts {
		n, ok := parseIPv4Number(p)
		if !ok {
			return netip.Addr{}, false
		}
		nums = append(nums, n)
	}
	last := nums[len(nums)-1]
	if last >= 1<<(8*(5-len(nums))) {
		return netip.Addr{}, false
	}
	v := uint32(last)
	for i, n := range nums[:len(nums)-1] {
		if n > 255 {
			return netip.Addr{}, false
		}
		v |= uint32(n) << (8 * (3 - i))
	}
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}), true
}

// parseIPv4Number parses one part of an IPv4 host, up to 2^32-1.
func parseIPv4Number(p string) (uint64, bool) {
	base := 10
	switch {
	case len(p) >= 2 && p[0] == '0' && p[1] == 'x':
		p, base = p[2:], 16
		if p == "" {
			return 0, true
		}
	case len(p) >= 2 && p[0] == '0':
		p, base = p[1:], 8
	}
	if p == "" || !isHex(p) {
		return 0, false
	}
	n, err := strconv.ParseUint(p, base, 32)
	return n, err == nil
}

// redact cuts a value down for an error message and replaces any user
// information in it. It errs on the side of hiding: everything between "://"
// (or the scheme's colon, or the start) and the last "@" is replaced, even
// when that "@" is in the path or query, since a malformed URL may have a
// "/", "?" or "#" in its password.
func redact(s string) string {
	start := 0
	if k := strings.Index(s, "://"); k >= 0 {
		start = k + 3
	} else if n := schemeLen(s); n > 0 {
		start = n + 1
	}
	if at := strings.LastIndexByte(s[start:], '@'); at >= 0 {
		s = s[:start] + "REDACTED" + s[start+at:]
	}
	return shorten(s)
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return s != ""
}
