package localfeed

import (
	"errors"
	"fmt"
	"strings"
)

// This file reads the part of the STIX 2.1 patterning language that names
// indicator values: observation expressions "[...]" joined by OR, each a set
// of comparisons joined by OR, with parentheses for grouping. A comparison is
// an object path, an operator (=, IN, ISSUBSET, or any other, which is kept
// for the caller to refuse) and string literals. AND, FOLLOWEDBY and
// qualifiers (WITHIN, REPEATS, START/STOP) make a pattern unreadable: the
// values they join do not each stand alone.

// comparison is one "path op value" of a pattern.
type comparison struct {
	path   string   // as written, e.g. "file:hashes.'SHA-256'"
	op     string   // upper-case: "=", "IN", "ISSUBSET", "NOT =", "LIKE", ...
	values []string // string literals; nil when the value is not a string
}

type tokKind int

const (
	tEOF tokKind = iota
	tLBrack
	tRBrack
	tLParen
	tRParen
	tComma
	tOp     // = != < <= > >=
	tString // 'literal', unescaped
	tWord   // keyword, object path, number, boolean, literal prefix
)

type token struct {
	kind tokKind
	text string
	pos  int
}

// lex splits a pattern into tokens.
func lex(s string) ([]token, error) {
	var toks []token
	i := 0
	for i < len(s) {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '[':
			toks = append(toks, token{tLBrack, "[", i})
			i++
		case c == ']':
			toks = append(toks, token{tRBrack, "]", i})
			i++
		case c == '(':
			toks = append(toks, token{tLParen, "(", i})
			i++
		case c == ')':
			toks = append(toks, token{tRParen, ")", i})
			i++
		case c == ',':
			toks = append(toks, token{tComma, ",", i})
			i++
		case c == '=' || c == '!' || c == '<' || c == '>':
			j := i + 1
			if j < len(s) && s[j] == '=' {
				j++
			}
			op := s[i:j]
			if op == "!" {
				return nil, fmt.Errorf("stray %q at %d", "!", i)
			}
			toks = append(toks, token{tOp, op, i})
			i = j
		case c == '\'':
			v, n, err := quoted(s[i:])
			if err != nil {
				return nil, fmt.Errorf("at %d: %v", i, err)
			}
			toks = append(toks, token{tString, v, i})
			i += n
		case wordByte(c):
			j := i
			for j < len(s) {
				switch {
				case wordByte(s[j]):
					j++
				case s[j] == '\'' && j > i && s[j-1] == '.':
					// A quoted path step: hashes.'SHA-256'.
					_, n, err := quoted(s[j:])
					if err != nil {
						return nil, fmt.Errorf("at %d: %v", j, err)
					}
					j += n
				case s[j] == '[' && strings.Contains(s[i:j], ":"):
					// A list index in a path: to_refs[*].
					k := strings.IndexByte(s[j:], ']')
					if k < 0 {
						return nil, fmt.Errorf("unclosed index at %d", j)
					}
					j += k + 1
				default:
					goto done
				}
			}
		done:
			toks = append(toks, token{tWord, s[i:j], i})
			i = j
		default:
			return nil, fmt.Errorf("unexpected %q at %d", rune(c), i)
		}
	}
	return append(toks, token{tEOF, "", len(s)}), nil
}

func wordByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '_' || c == '-' || c == ':' || c == '.' || c == '*' || c == '+'
}

// quoted reads a string literal at the start of s and returns its value and
// its length. Only \' and \\ are escapes, as the STIX grammar says.
func quoted(s string) (string, int, error) {
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '\'':
			return b.String(), i + 1, nil
		case '\\':
			if i+1 < len(s) && (s[i+1] == '\'' || s[i+1] == '\\') {
				b.WriteByte(s[i+1])
				i++
				continue
			}
			return "", 0, errors.New(`bad escape in a string (only \' and \\)`)
		}
		b.WriteByte(s[i])
	}
	return "", 0, errors.New("unterminated string")
}

type parser struct {
	toks []token
	i    int
}

func (p *parser) peek() token { return p.toks[p.i] }

// next consumes a token; at the end it keeps returning tEOF.
func (p *parser) next() token {
	t := p.toks[p.i]
	if t.kind != tEOF {
		p.i++
	}
	return t
}

func (p *parser) isWord(w string) bool {
	t := p.peek()
	return t.kind == tWord && strings.EqualFold(t.text, w)
}

// parsePattern returns the comparisons of a pattern made of OR-joined
// observations of OR-joined comparisons, or why it cannot be read.
func parsePattern(s string) ([]comparison, error) {
	toks, err := lex(s)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks}
	cs, err := p.observations()
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tEOF {
		return nil, p.unexpected(t, "between observations")
	}
	return cs, nil
}

// unexpected says why a token cannot come where it is.
func (p *parser) unexpected(t token, where string) error {
	if t.kind == tWord {
		switch w := strings.ToUpper(t.text); w {
		case "AND", "FOLLOWEDBY":
			return fmt.Errorf("%s %s is not read: its values do not stand alone", w, where)
		case "WITHIN", "REPEATS", "START", "STOP":
			return fmt.Errorf("qualifier %s is not read", w)
		}
	}
	if t.kind == tEOF {
		return fmt.Errorf("pattern ends early %s", where)
	}
	return fmt.Errorf("unexpected %q at %d %s", t.text, t.pos, where)
}

// observations reads obs (OR obs)*.
func (p *parser) observations() ([]comparison, error) {
	var all []comparison
	for {
		cs, err := p.observation()
		if err != nil {
			return nil, err
		}
		all = append(all, cs...)
		if !p.isWord("OR") {
			return all, nil
		}
		p.next()
	}
}

// observation reads "[ comparisons ]" or "( observations )".
func (p *parser) observation() ([]comparison, error) {
	switch t := p.next(); t.kind {
	case tLBrack:
		cs, err := p.comparisons()
		if err != nil {
			return nil, err
		}
		if t := p.next(); t.kind != tRBrack {
			return nil, p.unexpected(t, "in an observation")
		}
		return cs, nil
	case tLParen:
		cs, err := p.observations()
		if err != nil {
			return nil, err
		}
		if t := p.next(); t.kind != tRParen {
			return nil, p.unexpected(t, "between observations")
		}
		return cs, nil
	default:
		return nil, p.unexpected(t, "where an observation should start")
	}
}

// comparisons reads term (OR term)*, a term being a comparison or
// "( comparisons )".
func (p *parser) comparisons() ([]comparison, error) {
	var all []comparison
	for {
		if p.peek().kind == tLParen {
			p.next()
			cs, err := p.comparisons()
			if err != nil {
				return nil, err
			}
			if t := p.next(); t.kind != tRParen {
				return nil, p.unexpected(t, "in an observation")
			}
			all = append(all, cs...)
		} else {
			c, err := p.comparison()
			if err != nil {
				return nil, err
			}
			all = append(all, c)
		}
		if !p.isWord("OR") {
			return all, nil
		}
		p.next()
	}
}

// comparison reads "path [NOT] op value".
func (p *parser) comparison() (comparison, error) {
	t := p.next()
	if t.kind != tWord || !strings.Contains(t.text, ":") {
		return comparison{}, p.unexpected(t, "where an object path should be")
	}
	c := comparison{path: t.text}
	if p.isWord("NOT") {
		p.next()
		c.op = "NOT "
	}
	switch t := p.next(); t.kind {
	case tOp:
		c.op += t.text
	case tWord:
		c.op += strings.ToUpper(t.text)
	default:
		return comparison{}, p.unexpected(t, "where an operator should be")
	}
	switch t := p.next(); t.kind {
	case tString:
		c.values = []string{t.text}
	case tLParen: // a set: ('a', 'b')
		strs := true
		for {
			switch v := p.next(); v.kind {
			case tString:
				c.values = append(c.values, v.text)
			case tWord:
				strs = false
			default:
				return comparison{}, p.unexpected(v, "in a set")
			}
			sep := p.next()
			if sep.kind == tRParen {
				break
			}
			if sep.kind != tComma {
				return comparison{}, p.unexpected(sep, "in a set")
			}
		}
		if !strs {
			c.values = nil
		}
	case tWord: // a number, a boolean, or a prefixed literal: t'...', b64'...', h'...'
		if p.peek().kind == tString {
			p.next()
		}
	default:
		return comparison{}, p.unexpected(t, "where a value should be")
	}
	return c, nil
}
