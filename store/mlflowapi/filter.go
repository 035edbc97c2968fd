package mlflowapi

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/lathe-ml/lathe/store"
)

// experiments/search filters, MLflow's SearchExperimentsUtils grammar:
// comparisons joined by AND, each `key op value` where key is name (also
// spelled attribute.name, attributes.name or attr.name), creation_time,
// last_update_time, or tags.<key> (tag.<key>; a key with odd characters
// quoted in backquotes or double quotes); op is =, != or <> , LIKE or ILIKE
// for strings and =, !=, <, <=, >, >= for times; string values are quoted
// with ' or ", times are integers. Errors name the column of the problem.

type expCond struct {
	field string // "name", "creation_time", "last_update_time" or "tag"
	tag   string
	op    string
	str   string
	num   int64
}

type expFilter []expCond

func (f expFilter) matches(e *store.Experiment) bool {
	for _, c := range f {
		if !c.matches(e) {
			return false
		}
	}
	return true
}

func (c expCond) matches(e *store.Experiment) bool {
	switch c.field {
	case "name":
		return matchString(c.op, e.Name, c.str)
	case "tag":
		v, ok := e.Tags[c.tag]
		return ok && matchString(c.op, v, c.str)
	case "creation_time":
		return matchInt(c.op, e.CreationTime, c.num)
	case "last_update_time":
		return matchInt(c.op, e.LastUpdateTime, c.num)
	}
	return false
}

func matchString(op, v, want string) bool {
	switch op {
	case "=":
		return v == want
	case "!=":
		return v != want
	case "LIKE":
		return likeMatch([]rune(want), []rune(v))
	case "ILIKE":
		return likeMatch([]rune(strings.ToLower(want)), []rune(strings.ToLower(v)))
	}
	return false
}

func matchInt(op string, v, want int64) bool {
	switch op {
	case "=":
		return v == want
	case "!=":
		return v != want
	case "<":
		return v < want
	case "<=":
		return v <= want
	case ">":
		return v > want
	case ">=":
		return v >= want
	}
	return false
}

// likeMatch is SQL LIKE without an escape character: % matches any run of
// characters, _ any one character. Greedy with one backtrack point, so it is
// linear in practice and O(len(p)*len(s)) at worst.
func likeMatch(p, s []rune) bool {
	pi, si, star, mark := 0, 0, -1, 0
	for si < len(s) {
		switch {
		case pi < len(p) && p[pi] == '%':
			star, mark = pi, si
			pi++
		case pi < len(p) && (p[pi] == '_' || p[pi] == s[si]):
			pi++
			si++
		case star >= 0:
			pi = star + 1
			mark++
			si = mark
		default:
			return false
		}
	}
	for pi < len(p) && p[pi] == '%' {
		pi++
	}
	return pi == len(p)
}

type filterParser struct {
	src string
	pos int
}

func (p *filterParser) errorf(pos int, format string, args ...any) error {
	col := utf8.RuneCountInString(p.src[:min(pos, len(p.src))]) + 1
	return invalidParam(fmt.Sprintf("Invalid experiments filter %q: at column %d: %s", truncate(p.src, 200), col, fmt.Sprintf(format, args...)))
}

func (p *filterParser) skipSpace() {
	for p.pos < len(p.src) && strings.IndexByte(" \t\r\n", p.src[p.pos]) >= 0 {
		p.pos++
	}
}

func isIdentByte(c byte) bool {
	return c == '_' || c == '.' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// word reads a run of identifier characters.
func (p *filterParser) word() string {
	start := p.pos
	for p.pos < len(p.src) && isIdentByte(p.src[p.pos]) {
		p.pos++
	}
	return p.src[start:p.pos]
}

// quoted reads a string quoted with q; a backslash escapes the next byte.
func (p *filterParser) quoted(q byte) (string, bool) {
	start := p.pos
	p.pos++
	var b strings.Builder
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		switch {
		case c == '\\' && p.pos+1 < len(p.src):
			b.WriteByte(p.src[p.pos+1])
			p.pos += 2
		case c == q:
			p.pos++
			return b.String(), true
		default:
			b.WriteByte(c)
			p.pos++
		}
	}
	p.pos = start
	return "", false
}

func parseExperimentFilter(src string) (expFilter, error) {
	p := &filterParser{src: src}
	var out expFilter
	p.skipSpace()
	if p.pos == len(src) {
		return nil, nil
	}
	for {
		c, err := p.cond()
		if err != nil {
			return nil, err
		}
		out = append(out, c)
		p.skipSpace()
		if p.pos == len(src) {
			return out, nil
		}
		at := p.pos
		if w := p.word(); !strings.EqualFold(w, "AND") {
			return nil, p.errorf(at, "expected AND or the end of the filter, got %s", p.describe(at))
		}
	}
}

// describe names what starts at pos, for error messages.
func (p *filterParser) describe(pos int) string {
	if pos >= len(p.src) {
		return "the end of the filter"
	}
	rest := p.src[pos:]
	if i := strings.IndexAny(rest, " \t\r\n"); i > 0 {
		rest = rest[:i]
	}
	return strconv.Quote(truncate(rest, 40))
}

func (p *filterParser) cond() (expCond, error) {
	var c expCond
	p.skipSpace()
	keyPos := p.pos
	w := p.word()
	if w == "" {
		return c, p.errorf(keyPos, "expected a key (name, creation_time, last_update_time or tags.<key>), got %s", p.describe(keyPos))
	}
	prefix, rest, dotted := strings.Cut(w, ".")
	if !dotted {
		prefix, rest = "attribute", w
	}
	switch strings.ToLower(prefix) {
	case "attribute", "attributes", "attr":
		switch rest {
		case "name", "creation_time", "last_update_time":
			c.field = rest
		default:
			what := "attribute key"
			if !dotted {
				what = "key"
			}
			return c, p.errorf(keyPos, "invalid %s %q: experiments filter on name, creation_time, last_update_time and tags.<key>", what, w)
		}
	case "tag", "tags":
		if rest == "" && p.pos < len(p.src) && (p.src[p.pos] == '`' || p.src[p.pos] == '"') {
			k, ok := p.quoted(p.src[p.pos])
			if !ok {
				return c, p.errorf(p.pos, "unterminated quoted tag key")
			}
			rest = k
		}
		if rest == "" {
			return c, p.errorf(keyPos, "tag key missing after %q", w)
		}
		c.field, c.tag = "tag", rest
	default:
		return c, p.errorf(keyPos, "invalid key %q: experiments filter on name, creation_time, last_update_time and tags.<key>", w)
	}

	p.skipSpace()
	opPos := p.pos
	c.op = p.operator()
	numeric := c.field == "creation_time" || c.field == "last_update_time"
	allowed := "=, !=, LIKE, ILIKE"
	if numeric {
		allowed = "=, !=, <, <=, >, >="
	}
	if c.op == "" || !strings.Contains(", "+allowed+",", ", "+c.op+",") {
		return c, p.errorf(opPos, "expected a comparison operator for %s (%s), got %s", w, allowed, p.describe(opPos))
	}

	p.skipSpace()
	valPos := p.pos
	if numeric {
		start := p.pos
		if p.pos < len(p.src) && p.src[p.pos] == '-' {
			p.pos++
		}
		for p.pos < len(p.src) && p.src[p.pos] >= '0' && p.src[p.pos] <= '9' {
			p.pos++
		}
		n, err := strconv.ParseInt(p.src[start:p.pos], 10, 64)
		if err != nil {
			p.pos = start
			return c, p.errorf(valPos, "expected an integer (milliseconds since the epoch) for %s, got %s", w, p.describe(valPos))
		}
		c.num = n
		return c, nil
	}
	if p.pos >= len(p.src) || (p.src[p.pos] != '\'' && p.src[p.pos] != '"') {
		return c, p.errorf(valPos, "expected a quoted string for %s, got %s", w, p.describe(valPos))
	}
	s, ok := p.quoted(p.src[p.pos])
	if !ok {
		return c, p.errorf(valPos, "unterminated string")
	}
	c.str = s
	return c, nil
}

// operator reads a comparison operator, "" when there is none.
func (p *filterParser) operator() string {
	rest := p.src[p.pos:]
	for _, op := range []string{"!=", "<>", "<=", ">=", "=", "<", ">"} {
		if strings.HasPrefix(rest, op) {
			p.pos += len(op)
			if op == "<>" {
				return "!="
			}
			return op
		}
	}
	start := p.pos
	w := strings.ToUpper(p.word())
	if w == "LIKE" || w == "ILIKE" {
		return w
	}
	p.pos = start
	return ""
}
