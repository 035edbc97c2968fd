package mlflowimport

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// quoted reads a single- or double-quoted scalar starting at src[at], over
// as many lines as it takes, then moves past its line.
func (p *yparser) quoted(at, line int) (*yamlNode, error) {
	q := p.src[at]
	var b []byte
	keep := 0 // b's length that trimming at a line break must not cut into
	i := at + 1
	for {
		if i >= len(p.src) {
			return nil, &yamlError{line, fmt.Sprintf("unterminated %c-quoted string", q)}
		}
		c := p.src[i]
		switch {
		case c == q && q == '\'' && i+1 < len(p.src) && p.src[i+1] == '\'':
			b = append(b, '\'')
			i += 2
			keep = len(b)
		case c == q:
			i++
			rest := p.src[i:]
			if j := strings.IndexByte(rest, '\n'); j >= 0 {
				rest = rest[:j]
			}
			if r := strings.TrimLeft(strings.TrimRight(rest, " \t\r"), " \t"); r != "" && r[0] != '#' {
				return nil, p.errf("unexpected %q after a quoted string", shorten(r))
			}
			p.next()
			return &yamlNode{kind: scalarNode, line: line, text: string(b)}, nil
		case c == '\n' || c == '\r' && i+1 < len(p.src) && p.src[i+1] == '\n':
			if c == '\r' {
				i++
			}
			// Fold: drop trailing blanks, count empty lines, drop the next
			// line's indentation.
			for len(b) > keep && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
				b = b[:len(b)-1]
			}
			i++
			p.pos, p.line = i, p.line+1
			blanks := 0
			for {
				j := i
				for j < len(p.src) && (p.src[j] == ' ' || p.src[j] == '\t') {
					j++
				}
				if j < len(p.src) && (p.src[j] == '\n' || p.src[j] == '\r') {
					if p.src[j] == '\r' && j+1 < len(p.src) && p.src[j+1] == '\n' {
						j++
					}
					blanks++
					i = j + 1
					p.pos, p.line = i, p.line+1
					continue
				}
				i = j
				break
			}
			if blanks == 0 {
				b = append(b, ' ')
			} else {
				b = append(b, strings.Repeat("\n", blanks)...)
			}
			keep = len(b)
		case q == '"' && c == '\\':
			n, adv, err := p.escape(i)
			if err != nil {
				return nil, err
			}
			if adv < 0 { // an escaped line break: join with nothing
				i = -adv
				keep = len(b)
				continue
			}
			b = append(b, n...)
			i += adv
			keep = len(b)
		default:
			b = append(b, c)
			i++
		}
	}
}

// escape decodes the double-quoted escape at src[i] ('\\'). It returns the
// text and how far to advance; a negative advance is an escaped line break,
// and -adv is the offset of the next line's first non-blank character.
func (p *yparser) escape(i int) (string, int, error) {
	if i+1 >= len(p.src) {
		return "", 0, p.errf("unterminated escape")
	}
	c := p.src[i+1]
	if s, ok := simpleEscape(c); ok {
		return s, 2, nil
	}
	if c == '\n' || c == '\r' {
		j := i + 2
		if c == '\r' && j < len(p.src) && p.src[j] == '\n' {
			j++
		}
		p.pos, p.line = j, p.line+1
		for j < len(p.src) && (p.src[j] == ' ' || p.src[j] == '\t') {
			j++
		}
		return "", -j, nil
	}
	width := 0
	switch c {
	case 'x':
		width = 2
	case 'u':
		width = 4
	case 'U':
		width = 8
	}
	if width == 0 || i+2+width > len(p.src) {
		return "", 0, p.errf("unknown escape \\%c", c)
	}
	v, err := strconv.ParseUint(p.src[i+2:i+2+width], 16, 32)
	if err != nil || v > utf8.MaxRune {
		return "", 0, p.errf("bad escape %q", p.src[i:i+2+width])
	}
	return string(rune(v)), 2 + width, nil
}

// simpleEscape is YAML's one-character escapes.
func simpleEscape(c byte) (string, bool) {
	switch c {
	case '0':
		return "\x00", true
	case 'a':
		return "\a", true
	case 'b':
		return "\b", true
	case 't', '\t':
		return "\t", true
	case 'n':
		return "\n", true
	case 'v':
		return "\v", true
	case 'f':
		return "\f", true
	case 'r':
		return "\r", true
	case 'e':
		return "\x1b", true
	case ' ', '"', '/', '\\':
		return string(c), true
	case 'N':
		return "\u0085", true
	case '_':
		return "\u00a0", true
	case 'L':
		return "\u2028", true
	case 'P':
		return "\u2029", true
	}
	return "", false
}

// Accessors for the mapping at the top of a meta.yaml.

func (n *yamlNode) isNull() bool {
	return n == nil || n.kind == scalarNode && n.plain && (n.text == "" || n.text == "~" || strings.EqualFold(n.text, "null"))
}

// get returns the value of key, or nil.
func (n *yamlNode) get(key string) *yamlNode {
	if n == nil || n.kind != mapNode {
		return nil
	}
	return n.m[key]
}

// str returns key's scalar value; "" when absent or null.
func (n *yamlNode) str(key string) (string, error) {
	v := n.get(key)
	if v.isNull() {
		return "", nil
	}
	if v.kind != scalarNode {
		return "", &yamlError{v.line, fmt.Sprintf("%s: want a string", key)}
	}
	return v.text, nil
}

// integer returns key's value as an integer (plain or quoted, as MLflow
// wrote experiment ids both ways); ok is false when absent or null.
func (n *yamlNode) integer(key string) (v int64, ok bool, err error) {
	s, err := n.str(key)
	if err != nil || s == "" {
		return 0, false, err
	}
	v, err = strconv.ParseInt(s, 10, 64)
	if err != nil {
		f, ferr := strconv.ParseFloat(s, 64) // "1.7e+12" from a float timestamp
		if ferr != nil || f != float64(int64(f)) {
			return 0, false, &yamlError{n.get(key).line, fmt.Sprintf("%s: want an integer, got %q", key, shorten(s))}
		}
		v = int64(f)
	}
	return v, true, nil
}

// strMap returns key's value as a mapping of scalars (nil when absent,
// null or an empty collection).
func (n *yamlNode) strMap(key string) (map[string]string, error) {
	v := n.get(key)
	if v.isNull() || v.kind == seqNode && len(v.seq) == 0 {
		return nil, nil
	}
	if v.kind != mapNode {
		return nil, &yamlError{v.line, fmt.Sprintf("%s: want a mapping", key)}
	}
	out := make(map[string]string, len(v.keys))
	for _, k := range v.keys {
		s, err := v.str(k)
		if err != nil {
			return nil, err
		}
		out[k] = s
	}
	return out, nil
}

func sortedMapKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
