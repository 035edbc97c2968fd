package store

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// The registry's filter language: MLflow's subset for registered models,
// model versions and logged models. Conditions are joined by AND; each is
// FIELD OP VALUE with string values in single or double quotes, numbers for
// numeric fields, and FIELD IN ('a', 'b') where allowed. FIELD is an
// attribute (optionally "attributes."-prefixed) or tags.KEY / params.KEY,
// with KEY in backquotes or double quotes when it has spaces.

// filterCond is one parsed condition.
type filterCond struct {
	field  string // attribute name, or "tags" / "params"
	key    string // the tag or param key
	op     string // =, !=, LIKE, ILIKE, IN, <, <=, >, >=
	values []any  // strings, or int64 for numeric fields
}

// filterField says which operators a field takes and whether it is numeric.
type filterField struct {
	ops     string // space-separated
	numeric bool
}

const strOps = "= != LIKE ILIKE"

// modelFilterFields and versionFilterFields are what registered-model and
// model-version searches filter on (functions, so no table can be changed).
func modelFilterFields() map[string]filterField {
	return map[string]filterField{"name": {ops: strOps}, "tags": {ops: strOps}}
}

func versionFilterFields() map[string]filterField {
	return map[string]filterField{"name": {ops: strOps}, "tags": {ops: strOps},
		"run_id": {ops: "= != IN"}, "source_path": {ops: strOps}, "version_number": {ops: "= != < <= > >=", numeric: true}}
}

// parseRegistryFilter parses a filter over fields. Returns ErrInvalid,
// saying where, for anything it does not understand.
func parseRegistryFilter(src string, fields map[string]filterField) ([]filterCond, error) {
	if len(src) > MaxFilterLength {
		return nil, invalid("filter is %d bytes, over the limit of %d", len(src), MaxFilterLength)
	}
	p := &filterParser{src: src}
	var out []filterCond
	if p.skip(); p.pos == len(src) {
		return nil, nil
	}
	for {
		c, err := p.cond(fields)
		if err != nil {
			return nil, invalid("invalid filter %q: %s", truncate(src, 200), err.Error())
		}
		out = append(out, c)
		if p.skip(); p.pos == len(src) {
			return out, nil
		}
		if w := p.word(); !strings.EqualFold(w, "AND") {
			return nil, invalid("invalid filter %q: expected AND at byte %d, found %q (conditions can only be joined by AND)", truncate(src, 200), p.pos-len(w), w)
		}
	}
}

type filterParser struct {
	src string
	pos int
}

func (p *filterParser) skip() {
	for p.pos < len(p.src) && strings.IndexByte(" \t\r\n", p.src[p.pos]) >= 0 {
		p.pos++
	}
}

// word reads letters, digits, '_' and '.'.
func (p *filterParser) word() string {
	p.skip()
	start := p.pos
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		if !(c == '_' || c == '.' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			break
		}
		p.pos++
	}
	return p.src[start:p.pos]
}

// quoted reads a string in ', " or ` quotes; a backslash escapes the next byte.
func (p *filterParser) quoted() (string, bool, error) {
	p.skip()
	if p.pos >= len(p.src) || strings.IndexByte("'\"`", p.src[p.pos]) < 0 {
		return "", false, nil
	}
	q := p.src[p.pos]
	var b strings.Builder
	for i := p.pos + 1; i < len(p.src); i++ {
		switch c := p.src[i]; {
		case c == '\\' && i+1 < len(p.src):
			i++
			b.WriteByte(p.src[i])
		case c == q:
			p.pos = i + 1
			return b.String(), true, nil
		default:
			b.WriteByte(c)
		}
	}
	return "", false, fmt.Errorf("unterminated string at byte %d", p.pos)
}

func (p *filterParser) cond(fields map[string]filterField) (filterCond, error) {
	var c filterCond
	start := p.pos
	ident := p.word()
	if ident == "" {
		return c, fmt.Errorf("expected a field at byte %d", start)
	}
	lower := strings.ToLower(ident)
	lower = strings.TrimPrefix(strings.TrimPrefix(lower, "attributes."), "attribute.")
	for _, kv := range [...][2]string{{"tags.", "tags"}, {"tag.", "tags"}, {"params.", "params"}, {"param.", "params"}} {
		if strings.HasPrefix(lower, kv[0]) {
			c.field, c.key = kv[1], ident[strings.IndexByte(ident, '.')+1:]
			if c.key == "" {
				k, ok, err := p.quoted()
				if err != nil || !ok || k == "" {
					return c, fmt.Errorf("expected a key after %q at byte %d", ident, p.pos)
				}
				c.key = k
			}
		}
	}
	if c.field == "" {
		c.field = lower
	}
	f, ok := fields[c.field]
	if !ok {
		names := make([]string, 0, len(fields))
		for n := range fields {
			if n == "tags" || n == "params" {
				n += ".KEY"
			}
			names = append(names, n)
		}
		sort.Strings(names)
		return c, fmt.Errorf("unknown field %q at byte %d; fields are %s", ident, start, strings.Join(names, ", "))
	}
	p.skip()
	opAt := p.pos
	if w := p.word(); w != "" {
		c.op = strings.ToUpper(w)
	} else {
		for _, op := range [...]string{"!=", "<>", "<=", ">=", "=", "<", ">"} {
			if strings.HasPrefix(p.src[p.pos:], op) {
				c.op, p.pos = op, p.pos+len(op)
				break
			}
		}
		if c.op == "<>" {
			c.op = "!="
		}
	}
	if c.op == "" || !strings.Contains(" "+f.ops+" ", " "+c.op+" ") {
		return c, fmt.Errorf("field %s takes the operators %s, not %q (byte %d)", ident, strings.ReplaceAll(f.ops, " ", ", "), c.op, opAt)
	}
	if c.op == "IN" {
		if p.skip(); p.pos >= len(p.src) || p.src[p.pos] != '(' {
			return c, fmt.Errorf("expected '(' after IN at byte %d", p.pos)
		}
		p.pos++
		for {
			v, err := p.value(f.numeric)
			if err != nil {
				return c, err
			}
			c.values = append(c.values, v)
			if p.skip(); p.pos < len(p.src) && p.src[p.pos] == ',' {
				p.pos++
				continue
			}
			if p.pos < len(p.src) && p.src[p.pos] == ')' {
				p.pos++
				return c, nil
			}
			return c, fmt.Errorf("expected ',' or ')' at byte %d", p.pos)
		}
	}
	v, err := p.value(f.numeric)
	c.values = []any{v}
	return c, err
}

func (p *filterParser) value(numeric bool) (any, error) {
	at := p.pos
	s, ok, err := p.quoted()
	if err != nil {
		return nil, err
	}
	if ok && !numeric {
		return s, nil
	}
	if !ok {
		if p.skip(); p.pos < len(p.src) && p.src[p.pos] == '-' {
			p.pos++
		}
		s = p.src[at:p.pos] + p.word()
		s = strings.TrimSpace(s)
	}
	if numeric {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return n, nil
		}
		return nil, fmt.Errorf("expected a whole number at byte %d, found %q", at, s)
	}
	return nil, fmt.Errorf("expected a quoted string at byte %d", at)
}

// compileFilter turns conditions into a SQL condition: attributes through
// cols, tags and params through kv templates whose %s is the comparison on
// kvCol. Always returns at least "1".
func compileFilter(conds []filterCond, cols, kv map[string]string, kvCol string) (string, []any, error) {
	where, args := []string{"1"}, []any{}
	for _, c := range conds {
		col, tmpl := cols[c.field], kv[c.field]
		if tmpl != "" {
			col = kvCol
			args = append(args, c.key)
		}
		var cmp string
		switch c.op {
		case "LIKE":
			cmp = col + " GLOB ?"
			args = append(args, likeToGlob(c.values[0].(string)))
		case "ILIKE":
			cmp = col + " LIKE ?"
			args = append(args, c.values[0])
		case "IN":
			cmp = col + " IN (" + strings.TrimSuffix(strings.Repeat("?,", len(c.values)), ",") + ")"
			args = append(args, c.values...)
		default:
			cmp = col + " " + c.op + " ?"
			args = append(args, c.values[0])
		}
		if col == "" {
			return "", nil, invalid("filter field %q cannot be searched here", c.field)
		}
		if tmpl != "" {
			cmp = fmt.Sprintf(tmpl, cmp)
		}
		where = append(where, cmp)
	}
	return strings.Join(where, " AND "), args, nil
}
