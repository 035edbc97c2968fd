package query

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Error is a syntax or semantic error at a byte offset of the input. It keeps
// the offset rather than a line/column pair so that a filter box can
// underline the exact spot, and the input so that Error can still say which
// column that is.
type Error struct {
	Input string
	Pos   int    // byte offset of the problem, 0 <= Pos <= len(Input)
	Msg   string // what is wrong, without position
	// Clause names what was being parsed, "filter" or "order_by", so that the
	// message says which of two inputs of one request is wrong. Empty reads
	// as "filter".
	Clause string
}

// Error reads like `filter: at column 17: expected a value after "<", got end
// of input`; the column is counted in runes from 1, as people count.
func (e *Error) Error() string {
	clause := e.Clause
	if clause == "" {
		clause = "filter"
	}
	return fmt.Sprintf("%s: at column %d: %s", clause, e.Column(), e.Msg)
}

// Column is the 1-based rune column of Pos, which is what a user counting
// characters on screen (accents and all) expects.
func (e *Error) Column() int {
	pos := min(max(e.Pos, 0), len(e.Input))
	return utf8.RuneCountInString(e.Input[:pos]) + 1
}

type tokKind uint8

const (
	tEOF    tokKind = iota
	tWord           // a word without a dot: a keyword or a bare name
	tKey            // entity.key
	tString         // '...' or "..."
	tNumber         // 1, -2.5, 1e-3
	tOp             // = != <> < <= > >=
	tLParen         // (
	tRParen         // )
	tComma          // ,
)

// token is one lexeme. text is always the source text [pos:end].
type token struct {
	kind     tokKind
	pos, end int
	text     string
	entity   string  // tKey: the prefix before the first dot, as written
	name     string  // tKey: the key name; tString: the contents
	namePos  int     // tKey: offset of the key name (or its opening quote)
	num      float64 // tNumber
}

// lexer splits the input on demand, so that the parser reports the first
// problem in reading order even when a later part would not lex.
type lexer struct {
	src    string
	pos    int
	clause string
}

func (l *lexer) errorf(pos int, format string, args ...any) *Error {
	return &Error{Input: l.src, Pos: pos, Msg: fmt.Sprintf(format, args...), Clause: l.clause}
}

// isWordByte reports the bytes of an unquoted word: MLflow's unquoted key
// characters plus letters for keywords.
func isWordByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '_' || c == '.' || c == '-' || c == '/'
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func (l *lexer) skipSpace() {
	for l.pos < len(l.src) {
		c := l.src[l.pos]
		if c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f' {
			l.pos++
			continue
		}
		if c >= utf8.RuneSelf {
			if r, size := utf8.DecodeRuneInString(l.src[l.pos:]); unicode.IsSpace(r) {
				l.pos += size
				continue
			}
		}
		return
	}
}

func (l *lexer) tok(kind tokKind, start, end int) token {
	l.pos = end
	return token{kind: kind, pos: start, end: end, text: l.src[start:end]}
}

// next returns the next token, or an error positioned at the offending byte.
func (l *lexer) next() (token, *Error) {
	l.skipSpace()
	start := l.pos
	if start >= len(l.src) {
		return token{kind: tEOF, pos: start, end: start}, nil
	}
	c := l.src[start]
	peek := byte(0)
	if start+1 < len(l.src) {
		peek = l.src[start+1]
	}
	switch {
	case 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '_':
		return l.word(start)
	case isDigit(c) || c == '.' || c == '+' || c == '-':
		return l.number(start)
	case c == '\'' || c == '"':
		s, end, err := l.quoted(start, "string")
		if err != nil {
			return token{}, err
		}
		t := l.tok(tString, start, end)
		t.name = s
		return t, nil
	case c == '`':
		return token{}, l.errorf(start, "backquotes quote a key right after its entity, as in metrics.`my key`")
	case c == '(':
		return l.tok(tLParen, start, start+1), nil
	case c == ')':
		return l.tok(tRParen, start, start+1), nil
	case c == ',':
		return l.tok(tComma, start, start+1), nil
	case c == '=':
		if peek == '=' {
			return token{}, l.errorf(start, `"==" is not an operator; use "="`)
		}
		return l.tok(tOp, start, start+1), nil
	case c == '!':
		if peek != '=' {
			return token{}, l.errorf(start, `unexpected "!"; did you mean "!="?`)
		}
		return l.tok(tOp, start, start+2), nil
	case c == '<':
		if peek == '=' || peek == '>' {
			return l.tok(tOp, start, start+2), nil
		}
		return l.tok(tOp, start, start+1), nil
	case c == '>':
		if peek == '=' {
			return l.tok(tOp, start, start+2), nil
		}
		return l.tok(tOp, start, start+1), nil
	}
	r, _ := utf8.DecodeRuneInString(l.src[start:])
	if r >= utf8.RuneSelf || unicode.IsLetter(r) {
		return token{}, l.errorf(start, "unexpected character %q; quote keys that hold it, as in metrics.`my key`", r)
	}
	return token{}, l.errorf(start, "unexpected character %q", r)
}

// word reads a keyword, a bare name, or entity.key. The key of entity.key is
// everything after the first dot (metrics.val.loss is key "val.loss"), or a
// quoted string when the word ends right after the dot.
func (l *lexer) word(start int) (token, *Error) {
	end := start
	for end < len(l.src) && isWordByte(l.src[end]) {
		end++
	}
	if end < len(l.src) && l.src[end] >= utf8.RuneSelf {
		// A non-ASCII letter inside a word: point at it, not at the word.
		if r, _ := utf8.DecodeRuneInString(l.src[end:]); !unicode.IsSpace(r) {
			return token{}, l.errorf(end, "unexpected character %q; quote keys that hold it, as in metrics.`my key`", r)
		}
	}
	w := l.src[start:end]
	dot := strings.IndexByte(w, '.')
	if dot < 0 {
		return l.tok(tWord, start, end), nil
	}
	entity, name, namePos := w[:dot], w[dot+1:], start+dot+1
	if name == "" {
		if end >= len(l.src) || (l.src[end] != '`' && l.src[end] != '"') {
			return token{}, l.errorf(namePos, "expected a key after %q", w)
		}
		s, qend, err := l.quoted(end, "key")
		if err != nil {
			return token{}, err
		}
		if s == "" {
			return token{}, l.errorf(end, "empty key after %q", w)
		}
		name, end = s, qend
	}
	t := l.tok(tKey, start, end)
	t.entity, t.name, t.namePos = entity, name, namePos
	return t, nil
}

// quoted reads a string opened at start. MLflow's strings have no escapes:
// the string ends at the next quote of the same kind.
func (l *lexer) quoted(start int, what string) (string, int, *Error) {
	q := l.src[start]
	i := strings.IndexByte(l.src[start+1:], q)
	if i < 0 {
		return "", 0, l.errorf(start, "unterminated %s: no closing %c", what, q)
	}
	return l.src[start+1 : start+1+i], start + 2 + i, nil
}

// number reads [+-]digits[.digits][e[+-]digits] and refuses a number glued
// to letters (1e5x), which would otherwise parse as two tokens and produce a
// confusing message later.
func (l *lexer) number(start int) (token, *Error) {
	src, i := l.src, start
	if src[i] == '+' || src[i] == '-' {
		i++
	}
	digits := 0
	for ; i < len(src) && isDigit(src[i]); i++ {
		digits++
	}
	if i < len(src) && src[i] == '.' {
		for i++; i < len(src) && isDigit(src[i]); i++ {
			digits++
		}
	}
	if digits == 0 {
		return token{}, l.errorf(start, "unexpected %q; expected a number", src[start:i])
	}
	if i < len(src) && (src[i] == 'e' || src[i] == 'E') {
		j := i + 1
		if j < len(src) && (src[j] == '+' || src[j] == '-') {
			j++
		}
		k := j
		for k < len(src) && isDigit(src[k]) {
			k++
		}
		if k > j {
			i = k
		}
	}
	if i < len(src) && isWordByte(src[i]) {
		end := i
		for end < len(src) && isWordByte(src[end]) {
			end++
		}
		return token{}, l.errorf(start, "invalid number %q", src[start:end])
	}
	f, err := strconv.ParseFloat(src[start:i], 64)
	if err != nil {
		return token{}, l.errorf(start, "number %s is out of range", src[start:i])
	}
	t := l.tok(tNumber, start, i)
	t.num = f
	return t, nil
}
