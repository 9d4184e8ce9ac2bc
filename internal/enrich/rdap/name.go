package rdap

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"

	"github.com/triage-dev/triage/internal/ioc"
)

// normalizeName checks that s is a domain name and returns it lower-case,
// without a final dot, with each internationalised label as an A-label:
// the ASCII form ioc.ASCIIName gives, the name a browser would look up.
func normalizeName(s string) (string, error) {
	s = strings.TrimSpace(s)
	if len(s) > 1024 {
		return "", errors.New("not a domain name: too long")
	}
	if !isASCII(s) {
		// The mapping also turns ideographic and full-width full stops
		// into dots.
		a, err := ioc.ASCIIName(s)
		if err != nil {
			return "", fmt.Errorf("not a domain name: %w", err)
		}
		s = a
	}
	s = strings.TrimSuffix(s, ".")
	if s == "" {
		return "", errors.New("not a domain name: empty")
	}
	if _, err := netip.ParseAddr(strings.Trim(s, "[]")); err == nil {
		return "", errors.New("not a domain name: an IP address")
	}
	labels := strings.Split(s, ".")
	if len(labels) < 2 {
		return "", errors.New("not a domain name: a single label")
	}
	for i, l := range labels {
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
