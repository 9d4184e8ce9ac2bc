package workspace

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf16"
	"unicode/utf8"
)

// lexKQLString reads one KQL string literal at the start of s, following the
// Kusto lexical grammar (Kusto.Language LexicalGrammar: single- or
// double-quoted; escapes \' \" \\ \a \b \f \n \r \t \v \uXXXX \UXXXXXXXX \xHH
// and octal; a raw CR or LF cannot appear inside; h/H and @ prefixes). It
// returns the decoded value and what follows the literal.
func lexKQLString(s string) (val, rest string, err error) {
	i := 0
	if i < len(s) && (s[i] == 'h' || s[i] == 'H') {
		i++
	}
	verbatim := false
	if i < len(s) && s[i] == '@' {
		verbatim = true
		i++
	}
	if i >= len(s) || (s[i] != '"' && s[i] != '\'') {
		return "", s, errors.New("not a string literal")
	}
	quote := s[i]
	i++
	var b strings.Builder
	var pending []uint16 // UTF-16 units from \u escapes, decoded together
	flush := func() {
		if len(pending) > 0 {
			b.WriteString(string(utf16.Decode(pending)))
			pending = pending[:0]
		}
	}
	for i < len(s) {
		c := s[i]
		switch {
		case c == '\r' || c == '\n':
			return "", s, fmt.Errorf("raw line break at %d ends the literal", i)
		case c == quote:
			if verbatim && i+1 < len(s) && s[i+1] == quote {
				flush()
				b.WriteByte(quote)
				i += 2
				continue
			}
			flush()
			return b.String(), s[i+1:], nil
		case c == '\\' && !verbatim:
			if i+1 >= len(s) {
				return "", s, errors.New("dangling backslash")
			}
			e := s[i+1]
			i += 2
			if e == 'u' || e == 'U' || e == 'x' {
				n := map[byte]int{'u': 4, 'U': 8, 'x': 2}[e]
				if i+n > len(s) {
					return "", s, errors.New("short hex escape")
				}
				v, err := strconv.ParseUint(s[i:i+n], 16, 32)
				if err != nil {
					return "", s, fmt.Errorf("bad hex escape %q", s[i:i+n])
				}
				i += n
				if e == 'u' {
					pending = append(pending, uint16(v))
				} else {
					flush()
					b.WriteRune(rune(v))
				}
				continue
			}
			flush()
			switch e {
			case '\'', '"', '\\':
				b.WriteByte(e)
			case 'a':
				b.WriteByte('\a')
			case 'b':
				b.WriteByte('\b')
			case 'f':
				b.WriteByte('\f')
			case 'n':
				b.WriteByte('\n')
			case 'r':
				b.WriteByte('\r')
			case 't':
				b.WriteByte('\t')
			case 'v':
				b.WriteByte('\v')
			default:
				if e < '0' || e > '7' {
					return "", s, fmt.Errorf("unknown escape \\%c", e)
				}
				v := int(e - '0')
				for k := 0; k < 2 && i < len(s) && s[i] >= '0' && s[i] <= '7'; k++ {
					v = v*8 + int(s[i]-'0')
					i++
				}
				b.WriteRune(rune(v))
			}
		default:
			flush()
			r, size := utf8.DecodeRuneInString(s[i:])
			b.WriteRune(r)
			i += size
		}
	}
	return "", s, errors.New("unterminated literal")
}

// lexKQLList reads dynamic(["a", "b"]) at the start of s.
func lexKQLList(s string) (vals []string, rest string, err error) {
	rest, ok := strings.CutPrefix(s, "dynamic([")
	if !ok {
		return nil, s, errors.New("not a dynamic list")
	}
	vals = []string{}
	for {
		rest = strings.TrimLeft(rest, " ")
		if r, ok := strings.CutPrefix(rest, "])"); ok {
			return vals, r, nil
		}
		if len(vals) > 0 {
			r, ok := strings.CutPrefix(rest, ",")
			if !ok {
				return nil, s, fmt.Errorf("want , or ]) at %q", clip(rest))
			}
			rest = strings.TrimLeft(r, " ")
		}
		v, r, err := lexKQLString(rest)
		if err != nil {
			return nil, s, err
		}
		vals = append(vals, v)
		rest = r
	}
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// hostileStrings are values an attacker controls (entity names, titles).
func hostileStrings() []string {
	var all strings.Builder
	for c := 0; c < 128; c++ {
		all.WriteByte(byte(c))
	}
	big := strings.Repeat("\"'\\\n\r\t\x00`; SecurityEvent | take 1 // \u2028日本😀", 100*1024/40)
	return []string{
		"",
		`"`, `'`, `\`, `\\`, `\"`, `"\`, `abc\`, `\\"`,
		`"; SecurityEvent | take 1 //`,
		`'; SecurityEvent | take 1 //`,
		`" | union SecurityEvent | where "" == "`,
		"a\nb", "a\r\nb", "line\n| take 1", "\t", "\v\f\b\a",
		"\x00", "NUL\x00in the middle", "\x1b[31mred\x1b[0m", "\x7f", "\u0085", "\u009f",
		`\u0027`, `\x27`, `\047`, `\U00000027`, `\`,
		"日本語", "emoji 😀 and 👩‍👩‍👧", "\u2028", "\u2029", "\ufeff", "\u202e reversed",
		`@"verbatim"`, "h\"hidden\"", "```multi```", "{start}", "let x = 1;", "/* */", "//",
		"10.0.0.1", "CONTOSO\\alice", "C:\\Windows\\System32\\cmd.exe /c \"whoami\"",
		all.String(),
		big,
	}
}

func TestKQLLiteralStringsRoundTrip(t *testing.T) {
	for i, s := range hostileStrings() {
		t.Run(strconv.Itoa(i), func(t *testing.T) {
			lit, err := KQLLiteral(s)
			if err != nil {
				t.Fatalf("KQLLiteral(%q): %v", clip(s), err)
			}
			if strings.ContainsAny(lit, "\r\n\x00\u2028\u2029") {
				t.Errorf("literal contains a raw line break or NUL: %q", clip(lit))
			}
			got, rest, err := lexKQLString(lit)
			if err != nil {
				t.Fatalf("lex %q: %v", clip(lit), err)
			}
			if got != s {
				t.Errorf("round trip of %q gave %q", clip(s), clip(got))
			}
			if rest != "" {
				t.Errorf("literal of %q has text after it: %q", clip(s), clip(rest))
			}
		})
	}
}

func TestKQLLiteralInvalidUTF8(t *testing.T) {
	for _, s := range []string{"\xff", "ok\xc3", "\xed\xa0\x80"} {
		if lit, err := KQLLiteral(s); err == nil {
			t.Errorf("KQLLiteral(%q) = %q, want an error", s, lit)
		}
	}
	if lit, err := KQLLiteral([]string{"ok", "\xff"}); err == nil {
		t.Errorf("KQLLiteral(list with invalid UTF-8) = %q, want an error", lit)
	}
}

func TestKQLLiteralList(t *testing.T) {
	for _, items := range [][]string{nil, {}, {"a"}, hostileStrings()} {
		lit, err := KQLLiteral(items)
		if err != nil {
			t.Fatal(err)
		}
		got, rest, err := lexKQLList(lit)
		if err != nil {
			t.Fatalf("lex %q: %v", clip(lit), err)
		}
		if rest != "" {
			t.Errorf("text after the list: %q", clip(rest))
		}
		want := items
		if want == nil {
			want = []string{}
		}
		if len(got) != len(want) {
			t.Fatalf("got %d items, want %d", len(got), len(want))
		}
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("item %d: got %q, want %q", i, clip(got[i]), clip(want[i]))
			}
		}
	}
	if _, err := KQLLiteral([]any{"a", 1}); err == nil {
		t.Error("list with a non-string item: want an error")
	}
}

func TestKQLLiteralScalars(t *testing.T) {
	tm := time.Date(2024, 5, 1, 13, 4, 5, 123456789, time.FixedZone("x", 2*3600))
	tests := []struct {
		in   any
		want string
	}{
		{tm, "datetime(2024-05-01T11:04:05.1234567Z)"},
		{time.Time{}, "datetime(0001-01-01T00:00:00.0000000Z)"},
		{42, "long(42)"},
		{int64(-7), "long(-7)"},
		{int32(3), "long(3)"},
		{uint8(255), "long(255)"},
		{int64(math.MinInt64), "long(-9223372036854775808)"},
		{1.5, "real(1.5)"},
		{-2.0, "real(-2)"},
		{1e300, "real(1e+300)"},
		{math.NaN(), "real(nan)"},
		{math.Inf(1), "real(+inf)"},
		{math.Inf(-1), "real(-inf)"},
		{true, "true"},
		{false, "false"},
		{90 * time.Minute, "timespan(0.01:30:00.0000000)"},
		{49*time.Hour + 3*time.Second + 250*time.Millisecond, "timespan(2.01:00:03.2500000)"},
		{time.Duration(0), "timespan(0.00:00:00.0000000)"},
		{350 * time.Nanosecond, "timespan(0.00:00:00.0000003)"},
	}
	for _, tt := range tests {
		got, err := KQLLiteral(tt.in)
		if err != nil {
			t.Errorf("KQLLiteral(%#v): %v", tt.in, err)
			continue
		}
		if got != tt.want {
			t.Errorf("KQLLiteral(%#v) = %s, want %s", tt.in, got, tt.want)
		}
	}
	for _, bad := range []any{nil, uint64(math.MaxUint64), -time.Second, struct{}{}, map[string]any{}, []int{1}} {
		if got, err := KQLLiteral(bad); err == nil {
			t.Errorf("KQLLiteral(%#v) = %s, want an error", bad, got)
		}
	}
}

func FuzzKQLLiteral(f *testing.F) {
	for _, s := range hostileStrings()[:40] {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		lit, err := KQLLiteral(s)
		if !utf8.ValidString(s) {
			if err == nil {
				t.Fatalf("invalid UTF-8 %q accepted", s)
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		got, rest, err := lexKQLString(lit)
		if err != nil || got != s || rest != "" {
			t.Fatalf("KQLLiteral(%q) = %q: lexed %q rest %q err %v", s, lit, got, rest, err)
		}
	})
}
