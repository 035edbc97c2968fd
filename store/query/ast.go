// Package query is lathe's one query language for runs.
//
// It is MLflow's search_runs filter and order_by syntax with MLflow's
// meanings, so that a filter written for MLflow (through the MLflow-compatible
// HTTP API, the CLI, or copied from MLflow's docs) selects the same runs in
// lathe. On top of that it accepts what MLflow lacks: OR, NOT, parentheses,
// and numeric comparison of params (params.lr < 0.01).
//
// The package parses text into an Expr (Parse, ParseOrderBy), prints an Expr
// back as canonical text (Format), and compiles it into SQLite fragments over
// the runs table aliased r (Compile, OrderSQL). Every error a caller can show
// a user is an *Error carrying the byte offset of the problem, so that an
// interactive filter box can underline it while the user types.
package query

import (
	"fmt"
	"strconv"
	"strings"
)

// Entity says which part of a run a key names. It decides both which values
// and operators make sense for the key and which table Compile searches.
type Entity int

// The entities a key can name. The zero Entity is deliberately invalid so that
// a forgotten field in a hand-built Key is an error, not a silent metric.
const (
	Metric    Entity = iota + 1 // metrics.k: the latest value of metric k
	Param                       // params.k: a string, numeric when it parses as one
	Tag                         // tags.k: a string
	Attribute                   // attributes.k: a column of the run itself
	Dataset                     // datasets.k: a field of a dataset the run used
)

// String returns the canonical prefix ("metrics", "params", ...), the one
// Format writes, so that printed filters read the same whatever alias the user
// typed.
func (e Entity) String() string {
	switch e {
	case Metric:
		return "metrics"
	case Param:
		return "params"
	case Tag:
		return "tags"
	case Attribute:
		return "attributes"
	case Dataset:
		return "datasets"
	}
	return "Entity(" + strconv.Itoa(int(e)) + ")"
}

// Key names one metric, param, tag, attribute or dataset field. Pos is the
// byte offset where the key starts in the input, kept so that errors found
// after parsing can still point at the key.
type Key struct {
	Entity Entity
	Name   string
	Pos    int
}

// String prints the key as a filter would spell it, quoting the name with
// backquotes when it holds characters an unquoted key cannot.
func (k Key) String() string {
	return k.Entity.String() + "." + quoteKey(k.Name)
}

// Op is a comparison operator of a Compare. "<>" is parsed as OpNe, so code
// that inspects an Expr has one spelling per meaning.
type Op string

// The operators a Compare can carry. IN, NOT IN and IS [NOT] NULL have their
// own node types because their right-hand sides differ.
const (
	OpEq    Op = "="
	OpNe    Op = "!="
	OpLt    Op = "<"
	OpLe    Op = "<="
	OpGt    Op = ">"
	OpGe    Op = ">="
	OpLike  Op = "LIKE"  // case-sensitive, as in MLflow
	OpILike Op = "ILIKE" // case-insensitive
)

// numeric reports whether the operator orders values, which only numbers can
// be (MLflow never compares strings with < or >).
func (o Op) numeric() bool {
	return o == OpLt || o == OpLe || o == OpGt || o == OpGe
}

// ValueKind tells a string literal from a number literal; the kind, not the
// key, decides for params whether a comparison is textual or numeric.
type ValueKind int

// The kinds of literal. The zero kind is invalid, as for Entity.
const (
	StringValue ValueKind = iota + 1
	NumberValue
)

// Value is a literal on the right of a comparison. Pos is its byte offset in
// the input, for errors about the value (a string compared with a metric).
type Value struct {
	Kind ValueKind
	Str  string  // the text when Kind is StringValue, without quotes
	Num  float64 // the number when Kind is NumberValue
	Pos  int
}

// String prints the value as a filter literal. Strings have no escapes in
// MLflow's syntax, so a string is quoted with ' unless it holds one, and with
// " then; a string holding both cannot be written and prints unparseable.
func (v Value) String() string {
	switch v.Kind {
	case StringValue:
		if !strings.Contains(v.Str, "'") {
			return "'" + v.Str + "'"
		}
		return `"` + v.Str + `"`
	case NumberValue:
		return formatNum(v.Num)
	}
	return fmt.Sprintf("Value(%d)", int(v.Kind))
}

// Expr is a parsed filter. It is a closed set of node types (And, Or, Not,
// Compare, In, IsNull) so that Compile and Format can handle every case; its
// String method prints the canonical filter, as Format does.
type Expr interface {
	String() string
	isExpr()
}

// And matches runs matched by both L and R.
type And struct{ L, R Expr }

// Or matches runs matched by L or R; a lathe extension to MLflow.
type Or struct{ L, R Expr }

// Not matches the runs X does not match, a lathe extension to MLflow. Because
// it negates the whole condition, NOT metrics.x < 1 also matches runs that
// have no metric x at all; write metrics.x >= 1 to require the metric.
type Not struct {
	X   Expr
	Pos int // offset of the NOT keyword
}

// Compare is "key op value". For params the value's kind picks the meaning:
// a string compares the text, a number compares the param parsed as a number.
type Compare struct {
	Key   Key
	Op    Op
	OpPos int
	Value Value
}

// In is "key IN (...)" or, with Negate, "key NOT IN (...)". Values are
// strings, as MLflow accepts them.
type In struct {
	Key    Key
	Negate bool
	OpPos  int
	Values []Value
}

// IsNull is "key IS NULL" (the run lacks the param or tag) or, with Negate,
// "key IS NOT NULL" (the run has it).
type IsNull struct {
	Key    Key
	Negate bool
	OpPos  int
}

func (And) isExpr()     {}
func (Or) isExpr()      {}
func (Not) isExpr()     {}
func (Compare) isExpr() {}
func (In) isExpr()      {}
func (IsNull) isExpr()  {}

// String returns Format(a).
func (a And) String() string { return Format(a) }

// String returns Format(o).
func (o Or) String() string { return Format(o) }

// String returns Format(n).
func (n Not) String() string { return Format(n) }

// String returns Format(c).
func (c Compare) String() string { return Format(c) }

// String returns Format(i).
func (i In) String() string { return Format(i) }

// String returns Format(n).
func (n IsNull) String() string { return Format(n) }

// OrderBy is one order_by clause. Runs that lack the key sort last whichever
// the direction, as in MLflow.
type OrderBy struct {
	Key  Key
	Desc bool
}

// String prints the clause canonically, so ParseOrderBy(o.String()) gives o
// back (positions aside).
func (o OrderBy) String() string {
	if o.Desc {
		return o.Key.String() + " DESC"
	}
	return o.Key.String()
}

// Format prints e as a canonical filter: canonical entity prefixes, upper-case
// keywords, and parentheses only where precedence (NOT > AND > OR) needs them,
// yet enough to keep the tree's shape, so Parse(Format(e)) equals e apart from
// positions. Format(nil) is "", which Parse reads back as no filter.
func Format(e Expr) string {
	if e == nil {
		return ""
	}
	var b strings.Builder
	format(&b, e, 0)
	return b.String()
}

// prec is the binding strength of a node: higher binds tighter.
func prec(e Expr) int {
	switch e.(type) {
	case Or:
		return 1
	case And:
		return 2
	case Not:
		return 3
	}
	return 4
}

// format writes e, parenthesised if it binds looser than minPrec allows. Binary
// operators are left-associative, so a right operand of the same operator
// needs parentheses to keep its shape.
func format(b *strings.Builder, e Expr, minPrec int) {
	if prec(e) < minPrec {
		b.WriteByte('(')
		format(b, e, 0)
		b.WriteByte(')')
		return
	}
	switch e := e.(type) {
	case Or:
		format(b, e.L, 1)
		b.WriteString(" OR ")
		format(b, e.R, 2)
	case And:
		format(b, e.L, 2)
		b.WriteString(" AND ")
		format(b, e.R, 3)
	case Not:
		b.WriteString("NOT ")
		format(b, e.X, 3)
	case Compare:
		b.WriteString(e.Key.String())
		b.WriteByte(' ')
		b.WriteString(string(e.Op))
		b.WriteByte(' ')
		b.WriteString(e.Value.String())
	case In:
		b.WriteString(e.Key.String())
		if e.Negate {
			b.WriteString(" NOT")
		}
		b.WriteString(" IN (")
		for i, v := range e.Values {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(v.String())
		}
		b.WriteByte(')')
	case IsNull:
		b.WriteString(e.Key.String())
		if e.Negate {
			b.WriteString(" IS NOT NULL")
		} else {
			b.WriteString(" IS NULL")
		}
	case nil:
		b.WriteString("<nil>")
	default:
		fmt.Fprintf(b, "<%T>", e)
	}
}

// quoteKey writes a key name bare when the lexer would read it back as one
// word, and quoted otherwise.
func quoteKey(name string) string {
	bare := name != ""
	for i := 0; i < len(name) && bare; i++ {
		bare = isWordByte(name[i])
	}
	switch {
	case bare:
		return name
	case !strings.Contains(name, "`"):
		return "`" + name + "`"
	}
	return `"` + name + `"`
}

// formatNum prints a number in the shortest form that parses back to it.
func formatNum(f float64) string {
	return strconv.FormatFloat(f, 'g', -1, 64)
}
