package domain

import (
	"maps"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// scriptNames lists unicode.Scripts with the scripts of domain names seen most
// first; the rest follow in name order. Scripts do not overlap, so the order
// only changes how soon a rune's script is found.
var scriptNames = func() []string {
	first := []string{"Latin", "Cyrillic", "Greek", "Common", "Inherited", "Armenian", "Han", "Hiragana", "Katakana", "Hangul", "Arabic", "Hebrew"}
	names := slices.Clone(first)
	for _, name := range slices.Sorted(maps.Keys(unicode.Scripts)) {
		if !slices.Contains(first, name) {
			names = append(names, name)
		}
	}
	return names
}()

// scriptOf returns the Unicode script of r, or "Unknown" for an unassigned
// code point.
func scriptOf(r rune) string {
	if r < utf8.RuneSelf {
		if 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' {
			return "Latin"
		}
		return "Common"
	}
	for _, name := range scriptNames {
		if unicode.Is(unicode.Scripts[name], r) {
			return name
		}
	}
	return "Unknown"
}

// compatibleScripts are the sets of scripts a single label may combine
// without being mixed (UTS #39, highly restrictive): Japanese, Chinese and
// Korean writing, each with Latin.
var compatibleScripts = [][]string{
	{"Latin", "Han", "Hiragana", "Katakana"},
	{"Latin", "Han", "Bopomofo"},
	{"Latin", "Han", "Hangul"},
}

// scripts returns the sorted scripts of the letters in labels, and whether
// some label mixes scripts that do not belong together.
func scripts(labels []string) ([]string, bool) {
	var all []string
	mixed := false
	for _, l := range labels {
		var here []string
		for _, r := range l {
			s := scriptOf(r)
			if s == "Common" || s == "Inherited" || slices.Contains(here, s) {
				continue
			}
			here = append(here, s)
			if !slices.Contains(all, s) {
				all = append(all, s)
			}
		}
		if len(here) > 1 && !slices.ContainsFunc(compatibleScripts, func(set []string) bool {
			for _, s := range here {
				if !slices.Contains(set, s) {
					return false
				}
			}
			return true
		}) {
			mixed = true
		}
	}
	slices.Sort(all)
	return all, mixed
}

// confusables maps lower-case letters that look like an ASCII letter in
// common fonts to that letter. It is a small hand-picked table of the
// Cyrillic, Greek, Armenian and Latin-extended letters seen in look-alike
// domains, not Unicode's full confusables list (UTS #39). Upper-case forms
// are not needed: IDNA maps names to lower case. Letters with diacritics
// (é, ė, ü, ё) are handled by decomposition in asciiLookAlike.
var confusables = map[rune]byte{
	// Cyrillic.
	'\u0430': 'a', // а small a
	'\u0441': 'c', // с small es
	'\u0501': 'd', // ԁ small komi de
	'\u0435': 'e', // е small ie
	'\u04bb': 'h', // һ small shha
	'\u0456': 'i', // і small byelorussian-ukrainian i
	'\u0458': 'j', // ј small je
	'\u04cf': 'l', // ӏ small palochka
	'\u043e': 'o', // о small o
	'\u0440': 'p', // р small er
	'\u051b': 'q', // ԛ small qa
	'\u0455': 's', // ѕ small dze
	'\u0475': 'v', // ѵ small izhitsa
	'\u051d': 'w', // ԝ small we
	'\u0445': 'x', // х small ha
	'\u0443': 'y', // у small u
	// Greek.
	'\u03b1': 'a', // α alpha
	'\u03b9': 'i', // ι iota
	'\u03f3': 'j', // ϳ yot
	'\u03ba': 'k', // κ kappa
	'\u03bf': 'o', // ο omicron
	'\u03c1': 'p', // ρ rho
	'\u03c5': 'u', // υ upsilon
	'\u03bd': 'v', // ν nu
	'\u03c7': 'x', // χ chi
	// Armenian.
	'\u0570': 'h', // հ ho
	'\u0578': 'n', // ո vo
	'\u0585': 'o', // օ oh
	'\u057d': 'u', // ս seh
	// Latin extended and IPA.
	'\u0251': 'a', // ɑ alpha
	'\u0180': 'b', // ƀ b with stroke
	'\u1d04': 'c', // ᴄ small capital c
	'\u0111': 'd', // đ d with stroke
	'\u0261': 'g', // ɡ script g
	'\u0127': 'h', // ħ h with stroke
	'\u0131': 'i', // ı dotless i
	'\u0269': 'i', // ɩ iota
	'\u0237': 'j', // ȷ dotless j
	'\u0142': 'l', // ł l with stroke
	'\u00f8': 'o', // ø o with stroke
	'\u1d0f': 'o', // ᴏ small capital o
	'\u1d20': 'v', // ᴠ small capital v
	'\u1d21': 'w', // ᴡ small capital w
	'\u1d22': 'z', // ᴢ small capital z
}

// lookAlike returns the labels joined with every non-ASCII character replaced
// by its ASCII look-alike, or "" when there is none to replace or a character
// has no look-alike.
func lookAlike(labels []string) string {
	var b strings.Builder
	replaced := false
	for i, l := range labels {
		if i > 0 {
			b.WriteByte('.')
		}
		for _, r := range l {
			if r < utf8.RuneSelf {
				b.WriteRune(r)
				continue
			}
			c, ok := asciiLookAlike(r)
			if !ok {
				return ""
			}
			b.WriteByte(c)
			replaced = true
		}
	}
	if !replaced {
		return ""
	}
	return b.String()
}

// asciiLookAlike returns the ASCII letter r looks like: from confusables, or
// the base letter of a letter with diacritics (canonical decomposition into
// a base and non-spacing marks: é → e, ё → е → e).
func asciiLookAlike(r rune) (byte, bool) {
	if c, ok := confusables[r]; ok {
		return c, true
	}
	d := norm.NFD.String(string(r))
	base, n := utf8.DecodeRuneInString(d)
	if n == len(d) || base == utf8.RuneError {
		return 0, false
	}
	for _, m := range d[n:] {
		if !unicode.Is(unicode.Mn, m) {
			return 0, false
		}
	}
	if 'a' <= base && base <= 'z' || '0' <= base && base <= '9' {
		return byte(base), true
	}
	c, ok := confusables[base]
	return c, ok
}
