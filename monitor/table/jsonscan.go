package table

import (
	"encoding/json"
	"fmt"
	"unicode/utf8"
)

// A small scanner for one flat JSON object per line, some ten times faster
// than json.Decoder's Token API, which allocates per token. It is exactly as
// strict as encoding/json (FuzzJSONL checks it against a Token-based
// decoder) and hands out strings that point into the line, so the Record
// lifetime rule applies. Strings with escapes or invalid UTF-8 go through
// json.Unmarshal, so that they decode exactly as encoding/json does.

// jsonScan parses line into j.fields and j.null (and, on the first line,
// j.cols). Errors carry no file or line; decode adds them.
type jsonScan struct {
	b []byte
	i int
}

type jsonErr struct {
	err    error // ErrMalformed, ErrNested or ErrSchema
	msg    string
	column int // 1-based byte position, 0 when not useful
}

func (s *jsonScan) fail(format string, args ...any) *jsonErr {
	return &jsonErr{err: ErrMalformed, msg: fmt.Sprintf(format, args...), column: s.i + 1}
}

func (s *jsonScan) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\r', '\n':
			s.i++
		default:
			return
		}
	}
}

// what describes the byte at the scan position for an error.
func (s *jsonScan) what() string {
	if s.i >= len(s.b) {
		return "end of line"
	}
	return fmt.Sprintf("%q", s.b[s.i])
}

// str scans a string at s.i (which is '"') and returns its value.
func (s *jsonScan) str() (string, *jsonErr) {
	start := s.i
	s.i++
	simple := true
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case c == '"':
			s.i++
			raw := s.b[start:s.i]
			if simple {
				return bytesString(raw[1 : len(raw)-1]), nil
			}
			var v string
			if err := json.Unmarshal(raw, &v); err != nil {
				s.i = start
				return "", s.fail("invalid string: %v", err)
			}
			return v, nil
		case c == '\\':
			simple = false
			s.i++
			if s.i >= len(s.b) {
				return "", s.fail("unterminated string")
			}
			switch s.b[s.i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				for k := 1; k <= 4; k++ {
					if s.i+k >= len(s.b) || !isHex(s.b[s.i+k]) {
						return "", s.fail("invalid \\u escape")
					}
				}
				s.i += 4
			default:
				return "", s.fail("invalid escape %q", s.b[s.i])
			}
			s.i++
		case c < 0x20:
			return "", s.fail("control character %q in string", c)
		case c >= utf8.RuneSelf:
			r, n := utf8.DecodeRune(s.b[s.i:])
			if r == utf8.RuneError && n == 1 {
				simple = false // encoding/json makes it U+FFFD
			}
			s.i += n
		default:
			s.i++
		}
	}
	return "", s.fail("unterminated string")
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// num scans a number at s.i and returns its text.
func (s *jsonScan) num() (string, *jsonErr) {
	start := s.i
	b := s.b
	if s.i < len(b) && b[s.i] == '-' {
		s.i++
	}
	switch {
	case s.i < len(b) && b[s.i] == '0':
		s.i++
	case s.i < len(b) && b[s.i] >= '1' && b[s.i] <= '9':
		for s.i < len(b) && isDigit(b[s.i]) {
			s.i++
		}
	default:
		return "", s.fail("invalid number")
	}
	if s.i < len(b) && b[s.i] == '.' {
		s.i++
		if s.i >= len(b) || !isDigit(b[s.i]) {
			return "", s.fail("invalid number")
		}
		for s.i < len(b) && isDigit(b[s.i]) {
			s.i++
		}
	}
	if s.i < len(b) && (b[s.i] == 'e' || b[s.i] == 'E') {
		s.i++
		if s.i < len(b) && (b[s.i] == '+' || b[s.i] == '-') {
			s.i++
		}
		if s.i >= len(b) || !isDigit(b[s.i]) {
			return "", s.fail("invalid number")
		}
		for s.i < len(b) && isDigit(b[s.i]) {
			s.i++
		}
	}
	return bytesString(b[start:s.i]), nil
}

// lit scans the literal word at s.i.
func (s *jsonScan) lit(word string) bool {
	if len(s.b)-s.i >= len(word) && string(s.b[s.i:s.i+len(word)]) == word {
		s.i += len(word)
		return true
	}
	return false
}

// object scans one flat object. set is called for each key and value (null
// true for a JSON null) and may refuse the key with an error.
func (s *jsonScan) object(set func(key, val string, null bool) *jsonErr) *jsonErr {
	s.ws()
	if s.i >= len(s.b) || s.b[s.i] != '{' {
		if s.i < len(s.b) && s.b[s.i] == '[' {
			return &jsonErr{err: ErrMalformed, msg: "want a JSON object, got array"}
		}
		return s.fail("want a JSON object, got %s", s.what())
	}
	s.i++
	s.ws()
	if s.i < len(s.b) && s.b[s.i] == '}' {
		s.i++
		return s.end()
	}
	for {
		s.ws()
		if s.i >= len(s.b) || s.b[s.i] != '"' {
			return s.fail("want a key, got %s", s.what())
		}
		key, err := s.str()
		if err != nil {
			return err
		}
		s.ws()
		if s.i >= len(s.b) || s.b[s.i] != ':' {
			return s.fail("want ':' after key, got %s", s.what())
		}
		s.i++
		s.ws()
		if s.i >= len(s.b) {
			return s.fail("want a value, got end of line")
		}
		var val string
		null := false
		switch c := s.b[s.i]; {
		case c == '"':
			val, err = s.str()
		case c == '-' || isDigit(c):
			val, err = s.num()
		case c == 't' && s.lit("true"):
			val = "true"
		case c == 'f' && s.lit("false"):
			val = "false"
		case c == 'n' && s.lit("null"):
			null = true
		case c == '[':
			return &jsonErr{err: ErrNested, msg: fmt.Sprintf("key %q holds an array", key)}
		case c == '{':
			return &jsonErr{err: ErrNested, msg: fmt.Sprintf("key %q holds an object", key)}
		default:
			return s.fail("invalid value")
		}
		if err != nil {
			return err
		}
		if err := set(key, val, null); err != nil {
			return err
		}
		s.ws()
		if s.i >= len(s.b) {
			return s.fail("unexpected end of JSON")
		}
		switch s.b[s.i] {
		case ',':
			s.i++
		case '}':
			s.i++
			return s.end()
		default:
			return s.fail("want ',' or '}', got %s", s.what())
		}
	}
}

// end checks that only whitespace follows the object.
func (s *jsonScan) end() *jsonErr {
	s.ws()
	if s.i < len(s.b) {
		return &jsonErr{err: ErrMalformed, msg: "text after the JSON object", column: s.i + 1}
	}
	return nil
}
