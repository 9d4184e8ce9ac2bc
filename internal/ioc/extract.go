package ioc

import (
	"math"
	"net/netip"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Extract finds every indicator in free text such as an alert description, a
// command line or an e-mail body. It refangs the text first and returns the
// indicators deduplicated, in order of first appearance. It runs in time
// linear in len(text) and never panics.
//
// What it takes:
//
//   - URLs with scheme http, https, ftp, ftps or sftp, ending at white space,
//     quotes, <>, backslash and the like; trailing punctuation and unbalanced
//     closing brackets are dropped. A valid name followed by "/" and a path
//     (evil.example.com/a.ps1) is a URL too, with http assumed. Each URL is
//     followed by its host as its own indicator, then by the indicators in its
//     percent-decoded path and query (a redirect target, say), two levels deep.
//   - E-mail addresses, as the address only (not also the domain).
//   - IPv4 addresses of four decimal octets 0-255 without leading zeros, not
//     part of a longer dotted run (1.2.3.4.5 and v1.2.3.4 are version strings)
//     and not right after "Product/" (user-agent tokens). A range
//     10.0.0.1-10.0.0.9 gives both ends.
//   - IPv6 addresses in any textual form, with a decimal digit somewhere (so
//     PowerShell's [List]::Add is not "::add"); IPv4-mapped ones as IPv4.
//   - MD5, SHA-1 and SHA-256 hashes: a run of letters and digits that is all
//     hex, exactly 32, 40 or 64 long, has both digits and letters and a
//     Shannon entropy of at least 3 bits, and is not next to "+" or "=" (as in
//     base64 blobs).
//   - Domains and host names that Parse accepts, except names that look like
//     file names or code:
//     a name right after a single "/" or "\" (a path component; "\\host" and
//     "//host" are hosts); a name starting with one "." (a dot file); a name
//     followed by "(" (a method call); a name whose top-level domain has a
//     capital letter unless the whole name is in capitals (System.Net,
//     System.IO, Microsoft.PowerShell.Security, but EVIL.COM is taken); a
//     two-label name whose top-level domain is also a common file extension
//     (report.zip, setup.py, README.md; see fileExtTLDs); a name whose
//     next-to-last label is a document or program extension
//     (invoice.pdf.zip); a name that starts with com., org., net. and the like
//     (Java packages and bundle ids such as com.example.app); and a name
//     joined to non-ASCII letters. Inside URLs and e-mail addresses these
//     exceptions do not apply.
//
// Every indicator Extract returns parses with Parse to the same kind.
func Extract(text string) []Indicator {
	found := scan(Refang(text), 0)
	out := make([]Indicator, 0, len(found))
	seen := make(map[Indicator]bool, len(found))
	for _, ind := range found {
		key := Indicator{Kind: ind.Kind, Value: ind.Value}
		if !seen[key] {
			seen[key] = true
			out = append(out, ind)
		}
	}
	return out
}

// maxDepth bounds how many times a URL's path is scanned for nested URLs,
// keeping Extract linear.
const maxDepth = 2

// fileExtTLDs are top-level domains that are also common file extensions. A
// bare two-label name under one of them is taken as a file name.
var fileExtTLDs = setOf("zip", "mov", "one", "py", "sh", "so", "ps", "rs", "md", "pm",
	"cat", "cab", "ws", "mo", "am", "ac", "mk", "mm", "la", "ml", "as", "gs")

// docExts are document and program file extensions. A bare name whose
// next-to-last label is one of them is taken as a file name with a double
// extension.
var docExts = setOf("pdf", "doc", "docx", "docm", "xls", "xlsx", "xlsm", "ppt", "pptx",
	"rtf", "txt", "csv", "jpg", "jpeg", "png", "gif", "htm", "html", "exe", "scr", "dll",
	"lnk", "iso", "img", "msi", "js", "vbs", "hta", "bat", "ps1")

// reverseDNS are first labels of reverse-DNS identifiers (Java packages,
// Android and Apple bundle ids).
var reverseDNS = setOf("com", "org", "net", "edu", "gov", "mil", "io")

func setOf(s ...string) map[string]bool {
	m := make(map[string]bool, len(s))
	for _, v := range s {
		m[v] = true
	}
	return m
}

type span struct{ lo, hi int }

// hit is a group of indicators found at one offset of the scanned text.
type hit struct {
	at   int
	inds []Indicator
}

type scanner struct {
	t     string
	depth int
	hits  []hit
}

// scan returns the indicators in t in order, with duplicates.
func scan(t string, depth int) []Indicator {
	s := &scanner{t: t, depth: depth}
	urls := s.findURLs()
	for _, g := range gaps(urls, 0, len(t)) {
		emails := s.findEmails(g.lo, g.hi)
		for _, g2 := range gaps(emails, g.lo, g.hi) {
			s.findRuns(g2.lo, g2.hi)
		}
	}
	sort.SliceStable(s.hits, func(i, j int) bool { return s.hits[i].at < s.hits[j].at })
	var out []Indicator
	for _, h := range s.hits {
		out = append(out, h.inds...)
	}
	return out
}

// gaps returns the parts of [lo, hi) not covered by the sorted spans.
func gaps(spans []span, lo, hi int) []span {
	var out []span
	for _, sp := range spans {
		if sp.lo > lo {
			out = append(out, span{lo, sp.lo})
		}
		lo = sp.hi
	}
	if lo < hi {
		out = append(out, span{lo, hi})
	}
	return out
}

func (s *scanner) add(at int, inds ...Indicator) {
	s.hits = append(s.hits, hit{at, inds})
}

// byteAt returns t[i], or 0 outside t.
func (s *scanner) byteAt(i int) byte {
	if i < 0 || i >= len(s.t) {
		return 0
	}
	return s.t[i]
}

// addURL validates the URL text u found at offset at and, when it is valid,
// records it with its host and the indicators nested in its path.
func (s *scanner) addURL(at int, u string) bool {
	ind, host, rest, err := parseURL(u)
	if err != nil {
		return false
	}
	inds := []Indicator{ind, host}
	if rest != "" && s.depth < maxDepth {
		inds = append(inds, scan(percentDecode(rest), s.depth+1)...)
	}
	s.add(at, inds...)
	return true
}

// findURLs records the URLs with an explicit scheme and returns their spans.
func (s *scanner) findURLs() []span {
	t := s.t
	var spans []span
	for i := 0; i < len(t); {
		k := strings.Index(t[i:], "://")
		if k < 0 {
			break
		}
		sep := i + k
		start := sep
		for start > i && sep-start < 6 && isAlpha(t[start-1]) {
			start--
		}
		if start == sep || isAlnum(s.byteAt(start-1)) || !allowedSchemes[strings.ToLower(t[start:sep])] {
			i = sep + 3
			continue
		}
		// Judge the authority before reading the path, so that text with many
		// bad URLs is still read once.
		auth := authorityEnd(t, sep+3, len(t))
		if _, _, _, err := parseURL(t[start:trimURL(t, sep+3, auth, 0, 0)]); err != nil {
			i = sep + 3
			continue
		}
		end := urlEnd(t, sep+3, auth, len(t))
		if !s.addURL(start, t[start:end]) {
			i = sep + 3
			continue
		}
		spans = append(spans, span{start, end})
		i = end
	}
	return spans
}

// authorityEnd returns where the URL authority (userinfo, host and port)
// starting at t[from] ends, at or before limit.
func authorityEnd(t string, from, limit int) int {
	j := from
	brackets := 0
	for j < limit {
		c := t[j]
		if c >= utf8.RuneSelf {
			r, n := utf8.DecodeRuneInString(t[j:limit])
			if r == utf8.RuneError || !(unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r)) {
				break
			}
			j += n
			continue
		}
		switch {
		case c == '[':
			brackets++
		case c == ']':
			if brackets <= 0 {
				return j
			}
			brackets--
		case !isAuthByte(c):
			return j
		}
		j++
	}
	return j
}

// urlEnd returns where the URL whose authority is t[from:auth] ends, at or
// before limit: a path, query or fragment runs to white space, quotes and the
// like. Trailing punctuation and unbalanced closing brackets are not part of
// the URL.
func urlEnd(t string, from, auth, limit int) int {
	var parens, brackets int // open minus close
	for k := from; k < auth; k++ {
		switch t[k] {
		case '[':
			brackets++
		case ']':
			brackets--
		}
	}
	j := auth
	if j < limit && (t[j] == '/' || t[j] == '?' || t[j] == '#') {
		for j < limit {
			c := t[j]
			if c >= utf8.RuneSelf {
				r, n := utf8.DecodeRuneInString(t[j:limit])
				if r == utf8.RuneError || unicode.IsSpace(r) || strings.ContainsRune(urlStopRunes, r) {
					break
				}
				j += n
				continue
			}
			if isURLStop(c) || c == '&' && htmlQuote(t[j:limit]) {
				break
			}
			switch c {
			case '(':
				parens++
			case ')':
				parens--
			case '[':
				brackets++
			case ']':
				brackets--
			}
			j++
		}
	}
	return trimURL(t, from, j, parens, brackets)
}

func trimURL(t string, from, j, parens, brackets int) int {
	for j > from {
		switch t[j-1] {
		case '.', ',', ';', ':', '!', '?', '*':
		case ')':
			if parens >= 0 {
				return j
			}
			parens++
		case ']':
			if brackets >= 0 {
				return j
			}
			brackets++
		default:
			return j
		}
		j--
	}
	return j
}

// isAuthByte reports whether c may appear in a URL's authority as Extract
// reads it (userinfo, host and port).
func isAuthByte(c byte) bool {
	return isAlnum(c) || strings.IndexByte(".-_~%:@[]!$&*+=", c) >= 0
}

// urlStopRunes are quotes and CJK punctuation that end a URL's path.
const urlStopRunes = "“”‘’«»「」『』【】《》（）。，、；：！？"

// htmlQuote reports whether s starts with an HTML-escaped quote or angle
// bracket, which ends a URL copied out of HTML.
func htmlQuote(s string) bool {
	for _, e := range []string{"&quot;", "&#34;", "&#39;", "&#x27;", "&apos;", "&lt;", "&gt;"} {
		if hasPrefixFold(s, e) {
			return true
		}
	}
	return false
}

// isURLStop reports whether c ends a URL's path.
func isURLStop(c byte) bool {
	return c <= ' ' || c == 0x7f || strings.IndexByte("\"'<>`\\{}|^", c) >= 0
}

// percentDecode decodes %XX escapes and leaves malformed ones alone.
func percentDecode(s string) string {
	if strings.IndexByte(s, '%') < 0 {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && isHexDigit(s[i+1]) && isHexDigit(s[i+2]) {
			b = append(b, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
			continue
		}
		b = append(b, s[i])
	}
	return string(b)
}

func unhex(c byte) byte {
	switch {
	case isDigit(c):
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}

// isLocalByte reports whether c may be in an e-mail local part as Extract
// reads it.
func isLocalByte(c byte) bool {
	return isAlnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-'
}

// findEmails records the e-mail addresses in t[lo:hi] and returns their spans.
func (s *scanner) findEmails(lo, hi int) []span {
	t := s.t
	var spans []span
	for i := lo; i < hi; {
		k := strings.IndexByte(t[i:hi], '@')
		if k < 0 {
			break
		}
		at := i + k
		start := at
		for start > i && isLocalByte(t[start-1]) {
			start--
		}
		for start < at && t[start] == '.' {
			start++
		}
		end := at + 1
		for end < hi && (isAlnum(t[end]) || t[end] == '.' || t[end] == '-') {
			end++
		}
		for end > at+1 && (t[end-1] == '.' || t[end-1] == '-') {
			end--
		}
		if start < at && end > at+1 && s.byteAt(end) != '_' {
			if v, err := parseEmail(t[start:end]); err == nil {
				s.add(start, Indicator{Kind: Email, Value: v})
				spans = append(spans, span{start, end})
				i = end
				continue
			}
		}
		i = at + 1
	}
	return spans
}

// isRunByte reports whether c may be in a run: the letters, digits, dots,
// hyphens, underscores and colons that make up names, addresses and hashes.
func isRunByte(c byte) bool {
	return isAlnum(c) || c == '.' || c == '-' || c == '_' || c == ':'
}

// findRuns records the addresses, names and hashes in t[lo:hi]. Each maximal
// run is judged as a whole, so no indicator is cut out of a longer token.
func (s *scanner) findRuns(lo, hi int) {
	t := s.t
	for i := lo; i < hi; {
		if !isRunByte(t[i]) {
			i++
			continue
		}
		j := i
		for j < hi && isRunByte(t[j]) {
			j++
		}
		i = s.run(i, j, hi)
	}
}

// isTrimStart and isTrimEnd report whether c is dropped from the start or the
// end of a run ("--host", "evil.com."). A leading underscore stays, as in
// _ldap._tcp.contoso.com.
func isTrimStart(c byte) bool { return c == '.' || c == '-' }
func isTrimEnd(c byte) bool   { return c == '.' || c == '-' || c == '_' }

// run judges the run t[i:j] and returns where scanning resumes: j, or the
// end of a URL without a scheme that starts with the run.
func (s *scanner) run(i, j, hi int) int {
	t := s.t
	a, b := i, j
	for a < b && isTrimStart(t[a]) {
		a++
	}
	for b > a && isTrimEnd(t[b-1]) {
		b--
	}
	if a == b {
		return j
	}
	// Names joined to letters of an alphabetic script are part of a word.
	names := !s.wordNeighbour(i, j)
	dotfile := a == i+1 && t[i] == '.'
	colon := strings.IndexByte(t[a:b], ':')
	if colon < 0 {
		name, ok := s.segment(a, b, names && !dotfile)
		if !ok {
			return j
		}
		if b == j {
			if end, ok := s.bareURL(a, j, hi); ok {
				return end
			}
		}
		s.add(a, name)
		return j
	}
	if s.ipv6(a, b) {
		return j
	}
	if first := t[a : a+colon]; !isHex(first) && s.ipv6(a+colon+1, b) {
		return j
	}
	// host:port, label:value, times, MAC addresses: judge each part.
	segStart := a
	var name Indicator
	var named bool
	nseg := 0
	for k := a; k <= b; k++ {
		if k < b && t[k] != ':' {
			continue
		}
		nseg++
		n, ok := s.segment(segStart, k, names && !(dotfile && segStart == a))
		if ok {
			if nseg == 1 {
				name, named = n, true
			} else {
				s.add(segStart, n)
			}
		}
		segStart = k + 1
	}
	if named {
		port := t[a+colon+1 : b]
		if nseg == 2 && b == j && isDigits(port) {
			if end, ok := s.bareURL(a, j, hi); ok {
				return end
			}
		}
		s.add(a, name)
	}
	return j
}

// bareURL records the URL without a scheme that starts with the name (and
// port) at t[a:j] when a path follows, and returns where it ends.
func (s *scanner) bareURL(a, j, hi int) (int, bool) {
	t := s.t
	if j+1 >= hi || t[j] != '/' || isURLStop(t[j+1]) || s.byteAt(a-1) == '/' {
		return 0, false
	}
	if _, _, _, err := parseURL("http://" + t[a:j]); err != nil {
		return 0, false
	}
	end := urlEnd(t, a, j, hi)
	if end <= j+1 || !s.addURL(a, "http://"+t[a:end]) {
		return 0, false
	}
	return end, true
}

// ipv6 records t[a:b] when it is an IPv6 address (or IPv4-mapped, as IPv4).
func (s *scanner) ipv6(a, b int) bool {
	v := s.t[a:b]
	if len(v) > 45 || strings.Count(v, ":") < 2 || !isHexColonDot(v) || strings.IndexAny(v, "0123456789") < 0 {
		return false
	}
	addr, err := netip.ParseAddr(v)
	if err != nil && strings.HasSuffix(v, ":") && !strings.HasSuffix(v, "::") {
		addr, err = netip.ParseAddr(v[:len(v)-1])
	}
	if err != nil {
		return false
	}
	s.add(a, addrIndicator(addr))
	return true
}

// segment judges one colon-free part of a run. It records addresses and
// hashes itself and returns a name for the caller to record.
func (s *scanner) segment(a, b int, names bool) (Indicator, bool) {
	t := s.t
	for a < b && isTrimStart(t[a]) {
		a++
	}
	for b > a && isTrimEnd(t[b-1]) {
		b--
	}
	if a == b {
		return Indicator{}, false
	}
	v := t[a:b]
	if isDigitsDots(v) {
		// Not after "Product/", as in a user agent's Chrome/120.1.2.3.
		if s.byteAt(a-1) == '/' && isAlpha(s.byteAt(a-2)) {
			return Indicator{}, false
		}
		if addr, ok := ipv4(v); ok {
			s.add(a, addrIndicator(addr))
		}
		return Indicator{}, false
	}
	if d := strings.IndexByte(v, '-'); d > 0 && isDigitsDots(v[:d]) && isDigitsDots(v[d+1:]) {
		lo, ok1 := ipv4(v[:d])
		hi, ok2 := ipv4(v[d+1:])
		if ok1 && ok2 {
			s.add(a, addrIndicator(lo), addrIndicator(hi))
		}
		return Indicator{}, false
	}
	if names {
		if ind, ok := s.bareName(a, b); ok {
			return ind, true
		}
	}
	s.hashes(a, b)
	return Indicator{}, false
}

func ipv4(v string) (netip.Addr, bool) {
	if len(v) > 15 {
		return netip.Addr{}, false
	}
	addr, err := netip.ParseAddr(v)
	return addr, err == nil && addr.Is4()
}

// bareName returns the name t[a:b] when it is one outside a URL or e-mail
// address (see Extract).
func (s *scanner) bareName(a, b int) (Indicator, bool) {
	t := s.t
	v := t[a:b]
	dot := strings.LastIndexByte(v, '.')
	if dot < 0 || len(v) > 253 {
		return Indicator{}, false
	}
	if p1, p2 := s.byteAt(a-1), s.byteAt(a-2); (p1 == '\\' && p2 != '\\') || (p1 == '/' && p2 != '/') {
		return Indicator{}, false
	}
	if s.byteAt(b) == '(' {
		return Indicator{}, false
	}
	if tld := v[dot+1:]; hasUpper(tld) && hasLower(v) {
		return Indicator{}, false
	}
	name := strings.ToLower(v)
	rest := name[:dot]
	if prev := strings.LastIndexByte(rest, '.'); prev < 0 {
		if fileExtTLDs[name[dot+1:]] {
			return Indicator{}, false
		}
	} else if first, _, _ := strings.Cut(rest, "."); docExts[rest[prev+1:]] || reverseDNS[first] {
		return Indicator{}, false
	}
	kind, err := checkName(name)
	if err != nil {
		return Indicator{}, false
	}
	return Indicator{Kind: kind, Value: name}, true
}

// hashes records the hashes among the letter-and-digit pieces of t[a:b].
func (s *scanner) hashes(a, b int) {
	t := s.t
	for i := a; i < b; {
		if !isAlnum(t[i]) {
			i++
			continue
		}
		j := i
		for j < b && isAlnum(t[j]) {
			j++
		}
		if k := hashKind(t[i:j]); k != "" && likelyHash(t[i:j]) &&
			s.byteAt(i-1) != '+' && s.byteAt(j) != '+' && s.byteAt(j) != '=' {
			s.add(i, Indicator{Kind: k, Value: strings.ToLower(t[i:j])})
		}
		i = j
	}
}

// likelyHash reports whether hex digits h look random: they have both
// digits and letters and at least 3 bits of entropy per character, unlike
// runs of zeros, long decimal numbers or the AAAA of base64-encoded UTF-16.
func likelyHash(h string) bool {
	var counts [16]int
	var digits, letters int
	for i := 0; i < len(h); i++ {
		d := unhex(h[i])
		counts[d]++
		if d < 10 {
			digits++
		} else {
			letters++
		}
	}
	if digits == 0 || letters == 0 {
		return false
	}
	var e float64
	for _, c := range counts {
		if c > 0 {
			p := float64(c) / float64(len(h))
			e -= p * math.Log2(p)
		}
	}
	return e >= 3
}

// wordNeighbour reports whether the run t[i:j] is joined to a letter of a
// script written with spaces between words (Latin, Cyrillic, Greek, ...), so
// is part of a longer word. Han, kana, Hangul and Thai are written without
// spaces, so a name next to them is still a name.
func (s *scanner) wordNeighbour(i, j int) bool {
	t := s.t
	if i > 0 && t[i-1] >= utf8.RuneSelf {
		if r, _ := utf8.DecodeLastRuneInString(t[:i]); isWordRune(r) {
			return true
		}
	}
	if j < len(t) && t[j] >= utf8.RuneSelf {
		if r, _ := utf8.DecodeRuneInString(t[j:]); isWordRune(r) {
			return true
		}
	}
	return false
}

func isWordRune(r rune) bool {
	return r != utf8.RuneError && (unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r)) &&
		!unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul, unicode.Thai)
}

func hasUpper(s string) bool { return strings.IndexFunc(s, unicode.IsUpper) >= 0 }
func hasLower(s string) bool { return strings.IndexFunc(s, unicode.IsLower) >= 0 }
