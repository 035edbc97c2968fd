package query

import (
	"fmt"
	"math"
	"strings"
)

// SQL fragments for the tables a key searches. Each is a set of run ids that
// does not depend on the outer row, so SQLite computes it once, from the
// (key, value) indexes, instead of probing it for every run: at 100k runs
// that is the difference between scanning and seeking.
const (
	metricIn  = "r.id IN (SELECT ms.run_id FROM metric_summary ms WHERE ms.key_id = (SELECT id FROM metric_keys WHERE key = ?)"
	paramIn   = "r.id IN (SELECT p.run_id FROM params p WHERE p.key = ?"
	tagIn     = "r.id IN (SELECT t.run_id FROM tags t WHERE t.key = ?"
	datasetIn = "r.id IN (SELECT ri.run_id FROM run_inputs ri JOIN datasets d ON d.id = ri.dataset_id WHERE 1"
)

// Correlated fragments for ORDER BY, which needs each run's own value.
const (
	metricFrom = "FROM metric_summary ms JOIN metric_keys mk ON mk.id = ms.key_id WHERE ms.run_id = r.id AND mk.key = ?"
	paramFrom  = "FROM params p WHERE p.run_id = r.id AND p.key = ?"
	tagFrom    = "FROM tags t WHERE t.run_id = r.id AND t.key = ?"
)

// Compile turns an Expr into a SQLite boolean expression over the runs table
// aliased r, with ? placeholders whose values, keys included, are in args:
// nothing from the filter is ever spliced into the SQL text. A nil Expr (no
// filter) compiles to "1", true for every run, so callers can always AND it in.
//
// Meanings follow MLflow: a metric compares its latest value and a NaN latest
// value never matches; "!=" on a metric, param, tag or dataset field needs the
// run to have the key (with another value); params compared with a number
// match only values that parse as numbers; LIKE is case-sensitive and ILIKE is
// not (for ASCII letters, as SQLite's lower() is). NOT negates the whole
// condition, so NOT metrics.x < 1 matches runs without metric x too.
//
// Compile re-checks every condition, since an Expr may be built by hand; the
// errors it returns for such Exprs are plain errors, not *Error.
func Compile(e Expr) (sql string, args []any, err error) {
	if e == nil {
		return "1", nil, nil
	}
	c := &compiler{}
	if err := c.expr(e); err != nil {
		return "", nil, err
	}
	return c.b.String(), c.args, nil
}

// OrderSQL returns the ORDER BY terms for one OrderBy, in order, and the args
// for their placeholders. As in MLflow, runs that lack the key sort last in
// both directions (the first term ranks them), and for metrics a NaN latest
// value sorts after every number but before missing metrics. Params and tags
// sort as strings. The caller appends its own tie-breakers.
func OrderSQL(o OrderBy) (terms []string, args []any, err error) {
	f, msg := resolve(o.Key)
	if msg != "" {
		return nil, nil, fmt.Errorf("query: order by %s: %s", o.Key, msg)
	}
	dir := " ASC"
	if o.Desc {
		dir = " DESC"
	}
	name := o.Key.Name
	var x string
	switch f.kind {
	case fMetric:
		return []string{
				"COALESCE((SELECT ms.last_is_nan != 0 " + metricFrom + "), 2)",
				"(SELECT ms.last_value " + metricFrom + " AND ms.last_is_nan = 0)" + dir,
			},
			[]any{name, name}, nil
	case fParam:
		x, args = "(SELECT p.value "+paramFrom+")", []any{name, name}
	case fTag:
		x, args = "(SELECT t.value "+tagFrom+")", []any{name, name}
	case fStrCol, fNumCol:
		x = f.col
	default:
		return nil, nil, fmt.Errorf("query: cannot order by %s", o.Key)
	}
	return []string{x + " IS NULL", x + dir}, args, nil
}

type compiler struct {
	b    strings.Builder
	args []any
}

func (c *compiler) arg(a any) { c.args = append(c.args, a) }

func (c *compiler) expr(e Expr) error {
	switch e := e.(type) {
	case And:
		return c.join(" AND ", flatten(e))
	case Or:
		return c.join(" OR ", flatten(e))
	case Not:
		c.b.WriteString("NOT (")
		if err := c.expr(e.X); err != nil {
			return err
		}
		c.b.WriteString(")")
		return nil
	case Compare, In, IsNull:
		if msg, _ := check(e); msg != "" {
			return fmt.Errorf("query: %s: %s", e, msg)
		}
		return c.cond(e)
	case nil:
		return fmt.Errorf("query: nil condition")
	}
	return fmt.Errorf("query: unsupported Expr type %T", e)
}

// flatten lists the operands of a chain of one binary operator, so that a
// long AND chain compiles to a balanced tree: SQLite refuses expressions more
// than 1000 deep, and a parsed chain is one level deeper per operand.
func flatten(e Expr) []Expr {
	var out []Expr
	stack := []Expr{e}
	for len(stack) > 0 {
		x := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		switch y := x.(type) {
		case And:
			if _, ok := e.(And); ok {
				stack = append(stack, y.R, y.L)
				continue
			}
		case Or:
			if _, ok := e.(Or); ok {
				stack = append(stack, y.R, y.L)
				continue
			}
		}
		out = append(out, x)
	}
	return out
}

// join writes xs joined by op as a balanced, parenthesised tree.
func (c *compiler) join(op string, xs []Expr) error {
	if len(xs) == 1 {
		return c.expr(xs[0])
	}
	m := len(xs) / 2
	c.b.WriteString("(")
	if err := c.join(op, xs[:m]); err != nil {
		return err
	}
	c.b.WriteString(op)
	if err := c.join(op, xs[m:]); err != nil {
		return err
	}
	c.b.WriteString(")")
	return nil
}

// cond writes one checked condition.
func (c *compiler) cond(e Expr) error {
	var k Key
	switch e := e.(type) {
	case Compare:
		k = e.Key
	case In:
		k = e.Key
	case IsNull:
		k = e.Key
	}
	f, _ := resolve(k)
	if n, ok := e.(IsNull); ok {
		if !n.Negate {
			c.b.WriteString("NOT ")
		}
		if f.kind == fParam {
			c.b.WriteString(paramIn + ")")
		} else {
			c.b.WriteString(tagIn + ")")
		}
		c.arg(k.Name)
		return nil
	}
	switch f.kind {
	case fMetric:
		c.b.WriteString(metricIn + " AND ms.last_is_nan = 0 AND ")
		c.arg(k.Name)
		c.match("ms.last_value", e)
		c.b.WriteString(")")
	case fParam:
		c.b.WriteString(paramIn + " AND ")
		c.arg(k.Name)
		if cmp, ok := e.(Compare); ok && cmp.Value.Kind == NumberValue {
			c.b.WriteString("p.num IS NOT NULL AND ")
			c.match("p.num", e)
		} else {
			c.match("p.value", e)
		}
		c.b.WriteString(")")
	case fTag:
		c.b.WriteString(tagIn + " AND ")
		c.arg(k.Name)
		c.match("t.value", e)
		c.b.WriteString(")")
	case fDataset:
		c.b.WriteString(datasetIn + " AND ")
		c.match(f.col, e)
		c.b.WriteString(")")
	case fStrCol, fNumCol:
		if f.nullable {
			// Two-valued logic: a NULL column fails the condition instead of
			// making it unknown, so that NOT matches such runs, like it
			// matches runs lacking a metric.
			c.b.WriteString("(" + f.col + " IS NOT NULL AND ")
			c.match(f.col, e)
			c.b.WriteString(")")
		} else {
			c.match(f.col, e)
		}
	default:
		return fmt.Errorf("query: cannot compile %s", e)
	}
	return nil
}

// match writes "col op ?" for a Compare or "col [NOT] IN (?, ...)" for an In.
func (c *compiler) match(col string, e Expr) {
	switch e := e.(type) {
	case In:
		c.b.WriteString(col)
		if e.Negate {
			c.b.WriteString(" NOT")
		}
		c.b.WriteString(" IN (")
		for i, v := range e.Values {
			if i > 0 {
				c.b.WriteString(", ")
			}
			c.b.WriteString("?")
			c.arg(v.Str)
		}
		c.b.WriteString(")")
	case Compare:
		v := e.Value
		switch {
		case e.Op == OpLike:
			// SQLite's LIKE ignores ASCII case; GLOB does not, which is
			// MLflow's LIKE.
			c.b.WriteString(col + " GLOB ?")
			c.arg(likeToGlob(v.Str))
		case e.Op == OpILike:
			// lower() on both sides keeps ILIKE case-insensitive even under
			// PRAGMA case_sensitive_like. No ESCAPE, as in MLflow on SQLite.
			c.b.WriteString("lower(" + col + ") LIKE lower(?)")
			c.arg(v.Str)
		case v.Kind == NumberValue:
			c.b.WriteString(col + " " + string(e.Op) + " ?")
			c.arg(numArg(v.Num))
		default:
			c.b.WriteString(col + " " + string(e.Op) + " ?")
			c.arg(v.Str)
		}
	}
}

// likeToGlob turns a LIKE pattern (% any run, _ one character, no escape
// character) into the equivalent GLOB pattern, bracketing GLOB's own
// metacharacters so that they match literally.
func likeToGlob(p string) string {
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		switch c := p[i]; c {
		case '%':
			b.WriteByte('*')
		case '_':
			b.WriteByte('?')
		case '*', '?', '[':
			b.WriteByte('[')
			b.WriteByte(c)
			b.WriteByte(']')
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// numArg binds whole numbers as int64 and others as float64. SQLite compares
// either kind numerically with INTEGER and REAL columns alike; int64 keeps
// integer comparisons integral and logged args readable (1700000000000, not
// 1.7e+12).
func numArg(f float64) any {
	if f == math.Trunc(f) && math.Abs(f) < 1<<63 {
		return int64(f)
	}
	return f
}
