package rdap

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"unicode"
)

// normalizeName checks that s is a domain name and returns it lower-case,
// without a final dot, with each internationalised label as an A-label
// (RFC 5890). It does no Unicode normalisation or IDNA 2008 validity check
// beyond allowing letters, digits, marks and hyphens.
func normalizeName(s string) (string, error) {
	s = strings.TrimSpace(s)
	// The ideographic and full-width full stops also separate labels.
	s = strings.NewReplacer("\u3002", ".", "\uff0e", ".", "\uff61", ".").Replace(s)
	s = strings.TrimSuffix(s, ".")
	switch {
	case s == "":
		return "", errors.New("not a domain name: empty")
	case len(s) > 1024:
		return "", errors.New("not a domain name: too long")
	}
	if _, err := netip.ParseAddr(strings.Trim(s, "[]")); err == nil {
		return "", errors.New("not a domain name: an IP address")
	}
	labels := strings.Split(s, ".")
	if len(labels) < 2 {
		return "", errors.New("not a domain name: a single label")
	}
	for i, l := range labels {
		if !isASCII(l) {
			a, err := aLabel(l)
			if err != nil {
				return "", fmt.Errorf("not a domain name: %w", err)
			}
			l = a
		}
		l = strings.ToLower(l)
		if err := checkLDH(l); err != nil {
			return "", fmt.Errorf("not a domain name: %w", err)
		}
		labels[i] = l
	}
	if isDigits(labels[len(labels)-1]) {
		return "", errors.New("not a domain name: a numeric top-level label")
	}
	n := strings.Join(labels, ".")
	if len(n) > 253 {
		return "", errors.New("not a domain name: longer than 253 characters")
	}
	return n, nil
}

// checkLDH accepts a lower-case letter-digit-hyphen label of 1 to 63
// characters that neither starts nor ends with a hyphen.
func checkLDH(l string) error {
	switch {
	case l == "":
		return errors.New("an empty label")
	case len(l) > 63:
		return errors.New("a label longer than 63 characters")
	case l[0] == '-' || l[len(l)-1] == '-':
		return errors.New("a label that starts or ends with a hyphen")
	}
	for i := 0; i < len(l); i++ {
		c := l[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
			return fmt.Errorf("character %q in a label", c)
		}
	}
	return nil
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// aLabel encodes an internationalised label as "xn--" and its punycode.
func aLabel(l string) (string, error) {
	var rs []rune
	for _, r := range l {
		if r == unicode.ReplacementChar || !(unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r) || r == '-') {
			return "", fmt.Errorf("character %q in a label", r)
		}
		rs = append(rs, unicode.ToLower(r))
	}
	if len(rs) > 63 {
		return "", errors.New("a label longer than 63 characters")
	}
	return "xn--" + punycode(rs), nil
}

// Punycode parameters (RFC 3492 section 5).
const (
	pcBase        = 36
	pcTMin        = 1
	pcTMax        = 26
	pcSkew        = 38
	pcDamp        = 700
	pcInitialBias = 72
	pcInitialN    = 0x80
)

// punycode encodes a label (RFC 3492 section 6.3). The label is at most 63
// runes, so the counters cannot overflow.
func punycode(in []rune) string {
	var out []byte
	for _, r := range in {
		if r < 0x80 {
			out = append(out, byte(r))
		}
	}
	basic := len(out)
	if basic > 0 {
		out = append(out, '-')
	}
	n, delta, bias := pcInitialN, 0, pcInitialBias
	for h := basic; h < len(in); {
		m := int(unicode.MaxRune) + 1
		for _, r := range in {
			if int(r) >= n && int(r) < m {
				m = int(r)
			}
		}
		delta += (m - n) * (h + 1)
		n = m
		for _, r := range in {
			if int(r) < n {
				delta++
			}
			if int(r) != n {
				continue
			}
			q := delta
			for k := pcBase; ; k += pcBase {
				t := min(max(k-bias, pcTMin), pcTMax)
				if q < t {
					break
				}
				out = append(out, pcDigit(t+(q-t)%(pcBase-t)))
				q = (q - t) / (pcBase - t)
			}
			out = append(out, pcDigit(q))
			bias = pcAdapt(delta, h+1, h == basic)
			delta = 0
			h++
		}
		delta++
		n++
	}
	return string(out)
}

func pcAdapt(delta, points int, first bool) int {
	if first {
		delta /= pcDamp
	} else {
		delta /= 2
	}
	delta += delta / points
	k := 0
	for delta > (pcBase-pcTMin)*pcTMax/2 {
		delta /= pcBase - pcTMin
		k += pcBase
	}
	return k + (pcBase-pcTMin+1)*delta/(delta+pcSkew)
}

func pcDigit(d int) byte {
	if d < 26 {
		return byte('a' + d)
	}
	return byte('0' + d - 26)
}
