package ioc

import "strings"

// Refang undoes common defanging. It rewrites
//
//   - schemes hxxp, hXXp, hxxps, fxp, fXp, fxps (any case) to http, https, ftp
//     and ftps when ":" or "[" follows;
//   - [.] (.) {.} [dot] (dot) {dot} to ".", [@] (@) {@} [at] (at) {at} to "@",
//     [:] to ":", [://] to "://" and [/] to "/"; a single space on both sides of
//     such a token is removed too ("user [at] example.com");
//   - " dot " and "\." between letters or digits to "." ("evil dot com",
//     "evil\.com");
//   - the ideographic and full-width full stops 。 ． ｡ between ASCII letters
//     or digits to ".".
//
// Anything else is left alone, so Refang is safe on text that was never
// defanged. It runs in time linear in len(s).
func Refang(s string) string {
	var b strings.Builder
	last := 0 // s[last:i] is still to be copied
	for i := 0; i < len(s); {
		n, rep := defangAt(s, i)
		if n == 0 {
			i++
			continue
		}
		if b.Len() == 0 {
			b.Grow(len(s))
		}
		b.WriteString(s[last:i])
		b.WriteString(rep)
		i += n
		last = i
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// defangAt reports the length of the defanging token at s[i:] and its
// replacement, or 0 when there is none.
func defangAt(s string, i int) (int, string) {
	switch c := s[i]; c {
	case '[', '(', '{':
		return bracketToken(s, i)
	case ' ':
		if i+1 < len(s) && (s[i+1] == '[' || s[i+1] == '(' || s[i+1] == '{') {
			if n, rep := bracketToken(s, i+1); n > 0 && i+1+n < len(s) && s[i+1+n] == ' ' {
				return n + 2, rep
			}
		}
		if i > 0 && isAlnum(s[i-1]) && i+5 < len(s) && hasPrefixFold(s[i:], " dot ") && isAlnum(s[i+5]) {
			return 5, "."
		}
	case '\\':
		if i > 0 && isAlnum(s[i-1]) && i+2 < len(s) && s[i+1] == '.' && isAlnum(s[i+2]) {
			return 2, "."
		}
	case 'h', 'H', 'f', 'F':
		return schemeToken(s, i)
	case 0xe3, 0xef:
		// U+3002 (e3 80 82), U+FF0E (ef bc 8e), U+FF61 (ef bd a1).
		if i > 0 && isAlnum(s[i-1]) && i+3 < len(s) && isAlnum(s[i+3]) {
			switch s[i : i+3] {
			case "\u3002", "\uff0e", "\uff61":
				return 3, "."
			}
		}
	}
	return 0, ""
}

var bracketInner = []struct{ in, out string }{
	{".", "."}, {"dot", "."}, {"@", "@"}, {"at", "@"},
	{":", ":"}, {"://", "://"}, {"/", "/"},
}

// bracketToken matches "[.]", "(dot)", "{at}" and the like at s[i:].
func bracketToken(s string, i int) (int, string) {
	var closer byte
	switch s[i] {
	case '[':
		closer = ']'
	case '(':
		closer = ')'
	case '{':
		closer = '}'
	}
	for _, t := range bracketInner {
		end := i + 1 + len(t.in)
		if end < len(s) && s[end] == closer && strings.EqualFold(s[i+1:end], t.in) {
			return end + 1 - i, t.out
		}
	}
	return 0, ""
}

// schemeToken matches hxxp, hxxps, fxp and fxps (any case, x or X) at the start
// of a word when ":" or "[" follows.
func schemeToken(s string, i int) (int, string) {
	if i > 0 && isAlpha(s[i-1]) {
		return 0, ""
	}
	var n int
	var rep string
	switch {
	case hasPrefixFold(s[i:], "hxxp"):
		n, rep = 4, "http"
	case hasPrefixFold(s[i:], "fxp"):
		n, rep = 3, "ftp"
	default:
		return 0, ""
	}
	if i+n < len(s) && (s[i+n] == 's' || s[i+n] == 'S') {
		n++
		rep += "s"
	}
	if i+n < len(s) && (s[i+n] == ':' || s[i+n] == '[') {
		return n, rep
	}
	return 0, ""
}

// hasPrefixFold is strings.HasPrefix ignoring ASCII case.
func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}
