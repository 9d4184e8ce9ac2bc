package ioc

import (
	"errors"
	"strings"
	"unicode"
)

// toASCIIName converts an internationalised name to its ASCII form: each
// label is lower-cased and, when it has non-ASCII characters, punycode-encoded
// with the "xn--" prefix (RFC 3492). It is a small subset of IDNA lookup: it
// does no Unicode normalisation and accepts only letters, digits, marks and
// hyphens, which is enough to type and compare such names.
func toASCIIName(s string) (string, error) {
	labels := strings.Split(s, ".")
	for i, l := range labels {
		if isASCII(l) {
			continue
		}
		var rs []rune
		for _, r := range l {
			if r == 0xfffd || !(unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r) || r == '-') {
				return "", errors.New("bad character in internationalised name")
			}
			rs = append(rs, unicode.ToLower(r))
		}
		enc, err := punyEncode(rs)
		if err != nil {
			return "", err
		}
		labels[i] = "xn--" + enc
	}
	return strings.Join(labels, "."), nil
}

// Punycode parameters (RFC 3492 section 5).
const (
	punyBase        = 36
	punyTMin        = 1
	punyTMax        = 26
	punySkew        = 38
	punyDamp        = 700
	punyInitialBias = 72
	punyInitialN    = 128
	punyMaxLabel    = 63
)

// punyEncode encodes one label (RFC 3492 section 6.3).
func punyEncode(input []rune) (string, error) {
	// Every code point yields at least one output byte.
	if len(input) > punyMaxLabel {
		return "", errors.New("internationalised label too long")
	}
	var out []byte
	for _, r := range input {
		if r < 0x80 {
			out = append(out, byte(r))
		}
	}
	basic := len(out)
	h := basic
	if basic > 0 {
		out = append(out, '-')
	}
	n, delta, bias := rune(punyInitialN), 0, punyInitialBias
	for h < len(input) {
		m := rune(unicode.MaxRune + 1)
		for _, r := range input {
			if r >= n && r < m {
				m = r
			}
		}
		delta += int(m-n) * (h + 1)
		n = m
		for _, r := range input {
			if r < n {
				delta++
			}
			if r != n {
				continue
			}
			q := delta
			for k := punyBase; ; k += punyBase {
				t := k - bias
				if t < punyTMin {
					t = punyTMin
				} else if t > punyTMax {
					t = punyTMax
				}
				if q < t {
					break
				}
				out = append(out, punyDigit(t+(q-t)%(punyBase-t)))
				q = (q - t) / (punyBase - t)
			}
			out = append(out, punyDigit(q))
			bias = punyAdapt(delta, h+1, h == basic)
			delta = 0
			h++
			if len(out) > punyMaxLabel {
				return "", errors.New("internationalised label too long")
			}
		}
		delta++
		n++
	}
	return string(out), nil
}

func punyDigit(d int) byte {
	if d < 26 {
		return byte('a' + d)
	}
	return byte('0' + d - 26)
}

func punyAdapt(delta, numPoints int, first bool) int {
	if first {
		delta /= punyDamp
	} else {
		delta /= 2
	}
	delta += delta / numPoints
	k := 0
	for delta > ((punyBase-punyTMin)*punyTMax)/2 {
		delta /= punyBase - punyTMin
		k += punyBase
	}
	return k + (punyBase-punyTMin+1)*delta/(delta+punySkew)
}
