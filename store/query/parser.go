package query

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// maxDepth bounds nesting of parentheses and NOT, so that hostile input
// cannot drive the recursive parser (and later the SQL) arbitrarily deep.
const maxDepth = 100

// Parse parses a filter. An empty or all-space string returns (nil, nil): no
// filter, which Compile turns into a condition every run meets.
//
// The grammar is MLflow's (key op value joined by AND, case-insensitive
// keywords) plus OR, NOT and parentheses, with NOT binding tighter than AND
// and AND tighter than OR. Errors, syntactic or semantic (a string compared
// with a metric), are *Error values positioned at the offending byte.
func Parse(filter string) (Expr, error) {
	if strings.TrimSpace(filter) == "" {
		return nil, nil
	}
	p := &parser{lex: lexer{src: filter, clause: "filter"}}
	if err := p.advance(); err != nil {
		return nil, err
	}
	e, err := p.or()
	if err != nil {
		return nil, err
	}
	if p.tok.kind != tEOF {
		if p.tok.kind == tRParen {
			return nil, p.errorf(p.tok.pos, `unmatched ")"`)
		}
		return nil, p.errorf(p.tok.pos, "expected AND or OR after a condition, got %s", describe(p.tok))
	}
	return e, nil
}

// ParseOrderBy parses one order_by clause as MLflow accepts it:
// "metrics.rmse", "metrics.`my key` DESC", "params.lr ASC",
// "attributes.start_time DESC", "tags.x", or a bare attribute name such as
// "start_time", which MLflow allows in order_by (not in filters). Datasets
// cannot be ordered by, since a run may use several.
func ParseOrderBy(s string) (OrderBy, error) {
	p := &parser{lex: lexer{src: s, clause: "order_by"}}
	if err := p.advance(); err != nil {
		return OrderBy{}, err
	}
	var k Key
	switch t := p.tok; {
	case t.kind == tKey:
		key, f, err := p.key(t)
		if err != nil {
			return OrderBy{}, err
		}
		if f.kind == fDataset {
			return OrderBy{}, p.errorf(t.pos, "cannot order by %s: a run may use several datasets", key)
		}
		k = key
	case t.kind == tWord && !p.isKw("ASC") && !p.isKw("DESC") && !isKeyword(t.text):
		if _, ok := attributeField(t.text); !ok {
			return OrderBy{}, p.errorf(t.pos, "unknown attribute %q%s; valid attributes: %s; other keys need a prefix, as in metrics.%s",
				t.text, didYouMean(t.text, strings.Split(validAttributes, ", ")), validAttributes, t.text)
		}
		k = Key{Entity: Attribute, Name: t.text, Pos: t.pos}
	default:
		return OrderBy{}, p.errorf(t.pos, "expected a key like metrics.rmse, got %s", describe(t))
	}
	if err := p.advance(); err != nil {
		return OrderBy{}, err
	}
	o := OrderBy{Key: k}
	want := "ASC, DESC or end of input"
	if p.isKw("ASC") || p.isKw("DESC") {
		o.Desc = p.isKw("DESC")
		want = "end of input"
		if err := p.advance(); err != nil {
			return OrderBy{}, err
		}
	}
	if p.tok.kind != tEOF {
		return OrderBy{}, p.errorf(p.tok.pos, "expected %s, got %s", want, describe(p.tok))
	}
	return o, nil
}

// parser is a recursive-descent parser over a lazily lexed token stream with
// one token of lookahead.
type parser struct {
	lex   lexer
	tok   token  // the lookahead
	prev  string // the text of the last consumed token, for messages
	depth int
}

func (p *parser) errorf(pos int, format string, args ...any) *Error {
	return p.lex.errorf(pos, format, args...)
}

func (p *parser) advance() *Error {
	p.prev = p.tok.text
	t, err := p.lex.next()
	if err != nil {
		return err
	}
	p.tok = t
	return nil
}

// isKw reports whether the lookahead is the keyword kw, in any case.
func (p *parser) isKw(kw string) bool {
	return p.tok.kind == tWord && strings.EqualFold(p.tok.text, kw)
}

// isKeyword reports words the filter grammar reserves.
func isKeyword(w string) bool {
	switch strings.ToUpper(w) {
	case "AND", "OR", "NOT", "IN", "IS", "NULL", "LIKE", "ILIKE":
		return true
	}
	return false
}

// or parses conditions joined by OR.
func (p *parser) or() (Expr, *Error) {
	l, err := p.and()
	for err == nil && p.isKw("OR") {
		var r Expr
		if err = p.advance(); err == nil {
			if r, err = p.and(); err == nil {
				l = Or{L: l, R: r}
			}
		}
	}
	return l, err
}

// and parses conditions joined by AND.
func (p *parser) and() (Expr, *Error) {
	l, err := p.unary()
	for err == nil && p.isKw("AND") {
		var r Expr
		if err = p.advance(); err == nil {
			if r, err = p.unary(); err == nil {
				l = And{L: l, R: r}
			}
		}
	}
	return l, err
}

// unary parses NOT x, a parenthesised filter, or a condition.
func (p *parser) unary() (Expr, *Error) {
	start := p.tok.pos
	isNot, isParen := p.isKw("NOT"), p.tok.kind == tLParen
	if !isNot && !isParen {
		return p.condition()
	}
	if p.depth >= maxDepth {
		return nil, p.errorf(start, "filter is nested more than %d deep", maxDepth)
	}
	p.depth++
	defer func() { p.depth-- }()
	if err := p.advance(); err != nil {
		return nil, err
	}
	if isNot {
		x, err := p.unary()
		if err != nil {
			return nil, err
		}
		return Not{X: x, Pos: start}, nil
	}
	e, err := p.or()
	if err != nil {
		return nil, err
	}
	if p.tok.kind != tRParen {
		col := (&Error{Input: p.lex.src, Pos: start}).Column()
		if p.tok.kind == tEOF {
			return nil, p.errorf(p.tok.pos, `missing ")" to close "(" at column %d`, col)
		}
		return nil, p.errorf(p.tok.pos, `expected AND, OR or ")" to close "(" at column %d, got %s`, col, describe(p.tok))
	}
	if err := p.advance(); err != nil {
		return nil, err
	}
	return e, nil
}

// key resolves an entity.key token, positioning errors at the entity for an
// unknown entity and at the name for an unknown attribute.
func (p *parser) key(t token) (Key, field, *Error) {
	ent, ok := entityOf(t.entity)
	if !ok {
		return Key{}, field{}, p.errorf(t.pos, "unknown entity %q%s; keys start with metrics., params., tags., attributes. or datasets.",
			t.entity, suggestEntity(t.entity))
	}
	k := Key{Entity: ent, Name: t.name, Pos: t.pos}
	f, msg := resolve(k)
	if msg != "" {
		return Key{}, field{}, p.errorf(t.namePos, "%s", msg)
	}
	return k, f, nil
}

// condition parses "key op value", "key [NOT] IN (...)" or
// "key IS [NOT] NULL", and checks it makes sense for the key.
func (p *parser) condition() (Expr, *Error) {
	t := p.tok
	if t.kind != tKey {
		return nil, p.notACondition(t)
	}
	k, f, err := p.key(t)
	if err != nil {
		return nil, err
	}
	if err := p.advance(); err != nil {
		return nil, err
	}
	opTok := p.tok
	op := ""
	switch {
	case opTok.kind == tOp:
		op = opTok.text
		if op == "<>" {
			op = string(OpNe)
		}
	case p.isKw("LIKE"), p.isKw("ILIKE"), p.isKw("IN"):
		op = strings.ToUpper(opTok.text)
	case p.isKw("NOT"):
		if err := p.advance(); err != nil {
			return nil, err
		}
		switch {
		case p.isKw("IN"):
			op = "NOT IN"
		case p.isKw("LIKE"), p.isKw("ILIKE"):
			return nil, p.errorf(opTok.pos, "NOT %s is not supported; write NOT %s %s ...",
				strings.ToUpper(p.tok.text), k, strings.ToUpper(p.tok.text))
		default:
			return nil, p.errorf(p.tok.pos, `expected IN after "NOT", got %s`, describe(p.tok))
		}
	case p.isKw("IS"):
		if err := p.advance(); err != nil {
			return nil, err
		}
		op = "IS NULL"
		if p.isKw("NOT") {
			op = "IS NOT NULL"
			if err := p.advance(); err != nil {
				return nil, err
			}
		}
		if !p.isKw("NULL") {
			return nil, p.errorf(p.tok.pos, "expected NULL after %q, got %s", strings.TrimSuffix(op, " NULL"), describe(p.tok))
		}
	default:
		return nil, p.errorf(opTok.pos, "expected an operator after %s (=, !=, <, <=, >, >=, LIKE, ILIKE, IN, NOT IN, IS NULL), got %s",
			k, describe(opTok))
	}
	if msg := checkOp(f, k, op); msg != "" {
		return nil, p.errorf(opTok.pos, "%s", msg)
	}
	after := p.tok.text
	if err := p.advance(); err != nil {
		return nil, err
	}
	var e Expr
	switch op {
	case "IS NULL", "IS NOT NULL":
		return IsNull{Key: k, Negate: op == "IS NOT NULL", OpPos: opTok.pos}, nil
	case "IN", "NOT IN":
		vals, err := p.list(after)
		if err != nil {
			return nil, err
		}
		e = In{Key: k, Negate: op == "NOT IN", OpPos: opTok.pos, Values: vals}
	default:
		v, err := p.value(after)
		if err != nil {
			return nil, err
		}
		e = Compare{Key: k, Op: Op(op), OpPos: opTok.pos, Value: v}
	}
	if msg, pos := check(e); msg != "" {
		return nil, p.errorf(pos, "%s", msg)
	}
	return e, nil
}

// notACondition explains why a token cannot start a condition.
func (p *parser) notACondition(t token) *Error {
	if t.kind == tWord && !isKeyword(t.text) {
		if _, ok := attributeField(t.text); ok {
			return p.errorf(t.pos, "%q needs its entity: attributes.%s", t.text, t.text)
		}
		return p.errorf(t.pos, "%q needs an entity, as in metrics.%s, params.%s or tags.%s", t.text, t.text, t.text, t.text)
	}
	if p.prev == "" {
		return p.errorf(t.pos, "expected a condition like metrics.rmse < 1, got %s", describe(t))
	}
	return p.errorf(t.pos, "expected a condition after %q, got %s", p.prev, describe(t))
}

// value parses the literal after an operator.
func (p *parser) value(after string) (Value, *Error) {
	t := p.tok
	var v Value
	switch t.kind {
	case tString:
		v = Value{Kind: StringValue, Str: t.name, Pos: t.pos}
	case tNumber:
		v = Value{Kind: NumberValue, Num: t.num, Pos: t.pos}
	case tWord:
		if isKeyword(t.text) {
			return v, p.errorf(t.pos, "expected a value after %q, got %s", after, describe(t))
		}
		return v, p.errorf(t.pos, "expected a value after %q, got %s; quote strings, as in '%s'", after, describe(t), t.text)
	case tKey:
		return v, p.errorf(t.pos, "expected a value after %q, got %s; comparing two keys is not supported", after, describe(t))
	case tLParen:
		return v, p.errorf(t.pos, `expected a value after %q, got "("; lists go with IN`, after)
	default:
		return v, p.errorf(t.pos, "expected a value after %q, got %s", after, describe(t))
	}
	return v, p.advance()
}

// list parses the parenthesised, comma-separated values of IN.
func (p *parser) list(after string) ([]Value, *Error) {
	open := p.tok
	if open.kind != tLParen {
		return nil, p.errorf(open.pos, "expected \"(\" after %q, got %s", after, describe(open))
	}
	if err := p.advance(); err != nil {
		return nil, err
	}
	var vals []Value
	for {
		t := p.tok
		switch t.kind {
		case tString:
			vals = append(vals, Value{Kind: StringValue, Str: t.name, Pos: t.pos})
		case tNumber:
			vals = append(vals, Value{Kind: NumberValue, Num: t.num, Pos: t.pos})
		default:
			return nil, p.errorf(t.pos, "expected a string after %q, got %s", p.prev, describe(t))
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
		switch p.tok.kind {
		case tComma:
			if err := p.advance(); err != nil {
				return nil, err
			}
			continue
		case tRParen:
			return vals, p.advance()
		case tEOF:
			col := (&Error{Input: p.lex.src, Pos: open.pos}).Column()
			return nil, p.errorf(p.tok.pos, `missing ")" to close the list at column %d`, col)
		}
		return nil, p.errorf(p.tok.pos, `expected "," or ")" in the list, got %s`, describe(p.tok))
	}
}

// describe names a token for "got ..." in messages.
func describe(t token) string {
	switch t.kind {
	case tEOF:
		return "end of input"
	case tString:
		return "string " + clip(t.text)
	case tNumber:
		return "number " + clip(t.text)
	case tKey:
		return clip(t.text)
	}
	return fmt.Sprintf("%q", clip(t.text))
}

// clip shortens long token text so messages stay one readable line.
func clip(s string) string {
	const n = 32
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
