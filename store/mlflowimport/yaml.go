package mlflowimport

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// MLflow writes its meta.yaml files with PyYAML's safe_dump in block style:
// a mapping of scalars, now and then a nested mapping (input tags) or an empty
// flow collection ("tags: []"). This is a strict parser for that subset:
// block mappings and sequences, plain, single- and double-quoted scalars
// (folded over several lines, as PyYAML wraps long values), "[]" and "{}",
// comments. Anchors, aliases, tags, block scalars and non-empty flow
// collections are refused with the line they are on, rather than guessed at.

type nodeKind int

const (
	scalarNode nodeKind = iota
	mapNode
	seqNode
)

// yamlNode is one parsed value.
type yamlNode struct {
	kind  nodeKind
	line  int
	text  string // scalar text
	plain bool   // an unquoted scalar ("null", "~" and "" are null)
	keys  []string
	m     map[string]*yamlNode
	seq   []*yamlNode
}

// yamlError is a parse or type error at a line of the document.
type yamlError struct {
	line int
	msg  string
}

func (e *yamlError) Error() string { return fmt.Sprintf("line %d: %s", e.line, e.msg) }

type yparser struct {
	src  string
	pos  int // start of the current line
	line int // its number, from 1
	// over replaces the current line's content once: the mapping that
	// follows "- " in a sequence item.
	over  *overLine
	depth int // nesting of collections, bounded by maxDepth
}

// maxDepth bounds nesting; meta.yaml files nest two levels at most.
const maxDepth = 32

type overLine struct {
	indent, base int
	content      string
}

// parseYAML parses a document whose top level is a block mapping (an empty
// document is an empty mapping).
func parseYAML(src string) (*yamlNode, error) {
	if !utf8.ValidString(src) {
		return nil, &yamlError{1, "not valid UTF-8"}
	}
	src = strings.TrimPrefix(src, "\ufeff")
	p := &yparser{src: src, line: 1}
	ind, content, _, ok, err := p.peek()
	if err != nil {
		return nil, err
	}
	if ok && content == "---" {
		p.next()
		if ind, content, _, ok, err = p.peek(); err != nil {
			return nil, err
		}
	}
	if !ok {
		return &yamlNode{kind: mapNode, line: 1, m: map[string]*yamlNode{}}, nil
	}
	if ind != 0 {
		return nil, p.errf("the document must start at column 1")
	}
	if isSeqItem(content) {
		return nil, p.errf("the document is a sequence; want a mapping")
	}
	n, err := p.mapping(0)
	if err != nil {
		return nil, err
	}
	if _, content, _, ok, err := p.peek(); err != nil {
		return nil, err
	} else if ok {
		return nil, p.errf("unexpected %q after the document", shorten(content))
	}
	return n, nil
}

func (p *yparser) errf(format string, args ...any) error {
	return &yamlError{p.line, fmt.Sprintf(format, args...)}
}

// peek skips blank and comment lines and returns the current line's
// indentation, its content (no trailing spaces or CR) and where the content
// starts in src; ok is false at the end of the document.
func (p *yparser) peek() (indent int, content string, base int, ok bool, err error) {
	if o := p.over; o != nil {
		return o.indent, o.content, o.base, true, nil
	}
	for p.pos < len(p.src) {
		end := strings.IndexByte(p.src[p.pos:], '\n')
		if end < 0 {
			end = len(p.src) - p.pos
		}
		raw := strings.TrimRight(p.src[p.pos:p.pos+end], " \t\r")
		indent = len(raw) - len(strings.TrimLeft(raw, " "))
		content = raw[indent:]
		if content == "" || content[0] == '#' {
			p.next()
			continue
		}
		if content[0] == '\t' {
			return 0, "", 0, false, p.errf("tab in indentation")
		}
		return indent, content, p.pos + indent, true, nil
	}
	return 0, "", 0, false, nil
}

// next moves to the line after the current one.
func (p *yparser) next() {
	p.over = nil
	if i := strings.IndexByte(p.src[p.pos:], '\n'); i >= 0 {
		p.pos += i + 1
		p.line++
		return
	}
	p.pos = len(p.src)
}

func isSeqItem(content string) bool { return content == "-" || strings.HasPrefix(content, "- ") }

// mapping parses a block mapping whose keys sit at column indent.
func (p *yparser) mapping(indent int) (*yamlNode, error) {
	if p.depth++; p.depth > maxDepth {
		return nil, p.errf("nesting deeper than %d levels", maxDepth)
	}
	defer func() { p.depth-- }()
	n := &yamlNode{kind: mapNode, line: p.line, m: map[string]*yamlNode{}}
	for {
		ind, content, base, ok, err := p.peek()
		if err != nil {
			return nil, err
		}
		if !ok || ind < indent {
			return n, nil
		}
		if ind > indent {
			return nil, p.errf("unexpected indentation")
		}
		if isSeqItem(content) {
			return nil, p.errf("a sequence item where a mapping key was expected")
		}
		key, rest, err := p.key(content)
		if err != nil {
			return nil, err
		}
		if _, dup := n.m[key]; dup {
			return nil, p.errf("duplicate key %q", key)
		}
		v, err := p.value(indent, rest, base+len(content)-len(rest), false)
		if err != nil {
			return nil, err
		}
		n.keys = append(n.keys, key)
		n.m[key] = v
	}
}

// key splits "key: rest" (the key plain or quoted).
func (p *yparser) key(content string) (string, string, error) {
	if content[0] == '\'' || content[0] == '"' {
		k, after, ok := quotedKey(content)
		if !ok || !(after == ":" || strings.HasPrefix(after, ": ")) {
			return "", "", p.errf("malformed quoted key in %q", shorten(content))
		}
		return k, strings.TrimLeft(after[1:], " "), nil
	}
	i := strings.Index(content, ": ")
	if i < 0 && strings.HasSuffix(content, ":") {
		i = len(content) - 1
	}
	if i <= 0 {
		return "", "", p.errf("want \"key: value\", got %q", shorten(content))
	}
	k := content[:i]
	if strings.ContainsAny(k[:1], "[]{}&*!|>%@`,?") {
		return "", "", p.errf("unsupported key %q", shorten(k))
	}
	return strings.TrimRight(k, " "), strings.TrimLeft(content[i+1:], " "), nil
}

func quotedKey(s string) (key, after string, ok bool) {
	q := s[0]
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		c := s[i]
		switch {
		case q == '\'' && c == '\'' && i+1 < len(s) && s[i+1] == '\'':
			b.WriteByte('\'')
			i++
		case c == q:
			return b.String(), s[i+1:], true
		case q == '"' && c == '\\':
			return "", "", false // escapes in keys: not written by MLflow
		default:
			b.WriteByte(c)
		}
	}
	return "", "", false
}

// value parses what follows "key:" or "- " (rest, which starts at src
// offset at) at column indent. A mapping key's sequence may start at the
// key's own column; a sequence item's may not.
func (p *yparser) value(indent int, rest string, at int, inSeq bool) (*yamlNode, error) {
	line := p.line
	rest = stripComment(rest)
	switch {
	case rest == "":
		p.next()
		ind, content, _, ok, err := p.peek()
		if err != nil {
			return nil, err
		}
		switch {
		case ok && ind > indent && isSeqItem(content):
			return p.sequence(ind)
		case ok && ind > indent:
			return p.mapping(ind)
		case ok && ind == indent && isSeqItem(content) && !inSeq:
			return p.sequence(ind)
		}
		return &yamlNode{kind: scalarNode, line: line, plain: true}, nil
	case rest == "[]" || rest == "{}":
		p.next()
		if rest == "[]" {
			return &yamlNode{kind: seqNode, line: line}, nil
		}
		return &yamlNode{kind: mapNode, line: line, m: map[string]*yamlNode{}}, nil
	case rest[0] == '\'' || rest[0] == '"':
		return p.quoted(at, line)
	case strings.ContainsRune("[{|>&*!%@`", rune(rest[0])):
		return nil, p.errf("unsupported YAML (flow collection, block scalar, anchor, alias or tag): %q", shorten(rest))
	}
	return p.plainScalar(indent, rest, line)
}

// stripComment removes a " #" comment from a plain value.
func stripComment(s string) string {
	if strings.HasPrefix(s, "#") {
		return ""
	}
	if s != "" && (s[0] == '\'' || s[0] == '"') {
		return s
	}
	if i := strings.Index(s, " #"); i >= 0 {
		s = s[:i]
	}
	return strings.TrimRight(s, " \t")
}

// plainScalar reads a plain scalar and the more-indented lines that continue
// it, folding line breaks to spaces (and each blank line to a newline).
func (p *yparser) plainScalar(indent int, first string, line int) (*yamlNode, error) {
	var b strings.Builder
	b.WriteString(first)
	p.next()
	blanks := 0
	for p.pos < len(p.src) {
		end := strings.IndexByte(p.src[p.pos:], '\n')
		if end < 0 {
			end = len(p.src) - p.pos
		}
		raw := strings.TrimRight(p.src[p.pos:p.pos+end], " \t\r")
		t := strings.TrimLeft(raw, " \t")
		if t == "" {
			blanks++
			p.next()
			continue
		}
		if len(raw)-len(strings.TrimLeft(raw, " ")) <= indent || t[0] == '#' {
			break
		}
		if blanks == 0 {
			b.WriteByte(' ')
		}
		b.WriteString(strings.Repeat("\n", blanks))
		blanks = 0
		b.WriteString(stripComment(t))
		p.next()
	}
	return &yamlNode{kind: scalarNode, line: line, text: b.String(), plain: true}, nil
}

// sequence parses a block sequence whose "- " sit at column indent.
func (p *yparser) sequence(indent int) (*yamlNode, error) {
	if p.depth++; p.depth > maxDepth {
		return nil, p.errf("nesting deeper than %d levels", maxDepth)
	}
	defer func() { p.depth-- }()
	n := &yamlNode{kind: seqNode, line: p.line}
	for {
		ind, content, base, ok, err := p.peek()
		if err != nil {
			return nil, err
		}
		if !ok || ind < indent || ind == indent && !isSeqItem(content) {
			return n, nil
		}
		if ind > indent || !isSeqItem(content) {
			return nil, p.errf("unexpected indentation")
		}
		item := strings.TrimLeft(content[1:], " ")
		itemBase := base + len(content) - len(item)
		var v *yamlNode
		switch {
		case item == "" || item[0] == '#':
			v, err = p.value(indent, "", itemBase, true)
		case item[0] != '\'' && item[0] != '"' && (strings.Contains(item, ": ") || strings.HasSuffix(item, ":")):
			col := ind + len(content) - len(item)
			p.over = &overLine{indent: col, base: itemBase, content: item}
			v, err = p.mapping(col)
		default:
			v, err = p.value(indent, item, itemBase, true)
		}
		if err != nil {
			return nil, err
		}
		n.seq = append(n.seq, v)
	}
}

func shorten(s string) string {
	if len(s) > 40 {
		return s[:37] + "..."
	}
	return s
}
