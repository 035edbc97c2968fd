package validate

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"regexp"
	"strconv"
	"strings"

	"github.com/lathe-ml/lathe/monitor/table"
)

// ErrUniqueLimit reports a unique rule over more distinct values than
// Options.MaxUnique: the check was abandoned rather than exhaust memory.
var ErrUniqueLimit = errors.New("too many distinct values for the unique rule")

// Defaults of Options.
const (
	// DefaultMaxExamples is how many offending values a failure keeps.
	DefaultMaxExamples = 5
	// DefaultMaxUnique is how many distinct values a unique rule
	// remembers (a few hundred MB of hashes) before giving up.
	DefaultMaxUnique = 10_000_000
)

// ctxEvery is how many rows pass between checks of the context.
const ctxEvery = 4096

// Options tunes Validate. The zero value is ready to use.
type Options struct {
	// MaxExamples is how many offending values each failure keeps (the
	// first ones met); 0 means DefaultMaxExamples, negative none.
	MaxExamples int
	// MaxUnique bounds the distinct values each unique rule remembers; 0
	// means DefaultMaxUnique.
	MaxUnique int
}

// Validate reads r to the end once and checks every rule. Memory is bounded
// by the number of rules, except for unique rules (see the package
// documentation). A broken rule is a Failure in the Report, never an error;
// the error is for what stops the check: rules that fail Check (wrapping
// ErrRules), a read error (naming the file and line, as the reader does), a
// unique rule past Options.MaxUnique (ErrUniqueLimit), or ctx ending
// (ctx.Err()). Validate does not close r.
func Validate(ctx context.Context, r table.Reader, rules *Rules, opt Options) (*Report, error) {
	c, err := NewChecker(r, rules, opt)
	if err != nil {
		return nil, err
	}
	for {
		if c.rows%ctxEvery == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		if _, err := c.Next(); err == io.EOF {
			break
		} else if err != nil {
			return nil, err
		}
	}
	return c.Report(), nil
}

// Checker checks the rows that pass through it: it is a table.Reader over
// r for another consumer (the profiler), so that one pass over a file both
// profiles and validates it. Read it to io.EOF, then take the Report. Its
// errors are Validate's: a read error, or a unique rule past
// Options.MaxUnique.
type Checker struct {
	r    table.Reader
	v    *validator
	rows int64
}

// NewChecker checks rules (an error wrapping ErrRules when they fail
// Check) and returns a Checker over r.
func NewChecker(r table.Reader, rules *Rules, opt Options) (*Checker, error) {
	if err := rules.Check(); err != nil {
		if rules.Name != "" {
			return nil, fmt.Errorf("validate: %s: %w", rules.Name, err)
		}
		return nil, fmt.Errorf("validate: %w", err)
	}
	if opt.MaxExamples == 0 {
		opt.MaxExamples = DefaultMaxExamples
	}
	if opt.MaxUnique <= 0 {
		opt.MaxUnique = DefaultMaxUnique
	}
	return &Checker{r: r, v: newValidator(r.Columns(), rules, opt)}, nil
}

// Columns implements table.Reader.
func (c *Checker) Columns() []table.Column { return c.r.Columns() }

// Next implements table.Reader: it reads a row and checks it.
func (c *Checker) Next() (table.Record, error) {
	rec, err := c.r.Next()
	if err == io.EOF {
		return rec, err
	}
	if err != nil {
		return rec, fmt.Errorf("validate: %w", err)
	}
	c.rows++
	if err := c.v.row(rec); err != nil {
		return table.Record{}, err
	}
	return rec, nil
}

// Close closes the underlying reader.
func (c *Checker) Close() error { return c.r.Close() }

// Report is the outcome over the rows read so far (all of them once Next
// returned io.EOF).
func (c *Checker) Report() *Report { return c.v.report(c.rows) }

// validator holds the state of one pass.
type validator struct {
	rules   *Rules
	opt     Options
	missing []Failure // columns absent from the file, found up front
	cols    []*columnCheck
}

// columnCheck applies one column's rules.
type columnCheck struct {
	rules   *ColumnRules
	idx     int
	re      *regexp.Regexp
	allowed map[string]struct{}
	seed    maphash.Seed
	seen    map[uint64]struct{}
	limit   int // Options.MaxUnique
	// One tally per rule, in report order.
	typ, notNull, below, above, allow, regex, unique tally
}

// tally counts one rule's offending values and keeps the first few.
type tally struct {
	count    int64
	examples []Example
}

func (t *tally) add(rec table.Record, value string, keep int) {
	t.count++
	if len(t.examples) < keep {
		// The reader owns the record's texts: keep copies.
		t.examples = append(t.examples, Example{File: strings.Clone(rec.File), Line: rec.Line, Value: strings.Clone(value)})
	}
}

func newValidator(cols []table.Column, rules *Rules, opt Options) *validator {
	v := &validator{rules: rules, opt: opt}
	index := make(map[string]int, len(cols))
	for i, c := range cols {
		index[c.Name] = i
	}
	reported := map[string]bool{}
	for _, name := range rules.Dataset.RequiredColumns {
		if _, ok := index[name]; !ok && !reported[name] {
			reported[name] = true
			v.missing = append(v.missing, Failure{
				Rule:    "dataset.required_columns",
				Column:  name,
				Message: "required column is missing",
				Count:   1,
			})
		}
	}
	seed := maphash.MakeSeed()
	for i := range rules.Columns {
		cr := &rules.Columns[i]
		idx, ok := index[cr.Name]
		if !ok && reported[cr.Name] {
			continue // reported once, as a required column
		}
		if !ok {
			v.missing = append(v.missing, Failure{
				Rule:    "columns." + quoteKey(cr.Name),
				Column:  cr.Name,
				Message: "column has rules but is not in the file",
				Count:   1,
			})
			continue
		}
		c := &columnCheck{rules: cr, idx: idx, seed: seed, limit: opt.MaxUnique}
		if cr.Regex != "" {
			c.re = regexp.MustCompile(cr.Regex) // Check compiled it already
		}
		if cr.Allowed != nil {
			c.allowed = make(map[string]struct{}, len(cr.Allowed))
			for _, a := range cr.Allowed {
				c.allowed[a] = struct{}{}
			}
		}
		if cr.Unique {
			c.seen = make(map[uint64]struct{})
		}
		v.cols = append(v.cols, c)
	}
	return v
}

// row checks one record.
func (v *validator) row(rec table.Record) error {
	keep := max(v.opt.MaxExamples, 0)
	for _, c := range v.cols {
		var s string
		if c.idx < len(rec.Fields) {
			s = rec.Fields[c.idx]
		}
		null := c.idx >= len(rec.Fields) || (rec.Null != nil && c.idx < len(rec.Null) && rec.Null[c.idx]) || table.IsNAString(s)
		if err := c.check(rec, s, null, keep); err != nil {
			return err
		}
	}
	return nil
}

func (c *columnCheck) check(rec table.Record, s string, null bool, keep int) error {
	r := c.rules
	if null {
		if r.NotNull {
			c.notNull.add(rec, s, keep)
		}
		return nil
	}
	kind := table.KindUnknown // inferred only when a rule needs it
	if r.Type != table.KindUnknown && r.Type != table.KindString && r.Type != table.KindCategorical {
		kind = table.Infer(s)
		if !satisfies(r.Type, kind) {
			c.typ.add(rec, s, keep)
		}
	}
	if r.Min != nil || r.Max != nil {
		if kind == table.KindUnknown {
			kind = table.Infer(s)
		}
		// A value that is not a number is left to the type rule. Infer's
		// numbers all parse, but for "+nan" and the like.
		if kind == table.KindInt || kind == table.KindFloat {
			if f, err := strconv.ParseFloat(s, 64); err == nil {
				if r.Min != nil && f < *r.Min {
					c.below.add(rec, s, keep)
				}
				if r.Max != nil && f > *r.Max {
					c.above.add(rec, s, keep)
				}
			}
		}
	}
	if c.allowed != nil {
		if _, ok := c.allowed[s]; !ok {
			c.allow.add(rec, s, keep)
		}
	}
	if c.re != nil && !c.re.MatchString(s) {
		c.regex.add(rec, s, keep)
	}
	if c.seen != nil {
		h := maphash.String(c.seed, s)
		if _, dup := c.seen[h]; dup {
			c.unique.add(rec, s, keep)
		} else {
			if len(c.seen) >= c.limit {
				return fmt.Errorf("validate: columns.%s.unique: more than %d distinct values: %w",
					quoteKey(r.Name), c.limit, ErrUniqueLimit)
			}
			c.seen[h] = struct{}{}
		}
	}
	return nil
}

// satisfies reports whether a value inferred as got is of type want (not
// string or categorical, which take anything): an int satisfies float.
func satisfies(want, got table.Kind) bool {
	return got == want || (want == table.KindFloat && got == table.KindInt)
}

// report gathers the failures, dataset rules first, then each column's in
// the order of the rules.
func (v *validator) report(rows int64) *Report {
	rep := &Report{Rows: rows, Failures: []Failure{}}
	d := v.rules.Dataset
	if d.MinRows != nil && rows < *d.MinRows {
		rep.Failures = append(rep.Failures, Failure{
			Rule:    "dataset.min_rows",
			Message: fmt.Sprintf("%d rows, fewer than min_rows %d", rows, *d.MinRows),
			Count:   1,
		})
	}
	if d.MaxRows != nil && rows > *d.MaxRows {
		rep.Failures = append(rep.Failures, Failure{
			Rule:    "dataset.max_rows",
			Message: fmt.Sprintf("%d rows, more than max_rows %d", rows, *d.MaxRows),
			Count:   1,
		})
	}
	rep.Failures = append(rep.Failures, v.missing...)
	for _, c := range v.cols {
		r := c.rules
		add := func(rule string, t *tally, what string) {
			if t.count == 0 {
				return
			}
			noun := "values"
			if t.count == 1 {
				noun = "value"
			}
			rep.Failures = append(rep.Failures, Failure{
				Rule:     "columns." + quoteKey(r.Name) + "." + rule,
				Column:   r.Name,
				Message:  fmt.Sprintf("%d %s %s", t.count, noun, what),
				Count:    t.count,
				Examples: t.examples,
			})
		}
		add("type", &c.typ, fmt.Sprintf("not of type %s", r.Type))
		add("not_null", &c.notNull, "null")
		if r.Min != nil {
			add("min", &c.below, "below min "+formatBound(*r.Min))
		}
		if r.Max != nil {
			add("max", &c.above, "above max "+formatBound(*r.Max))
		}
		add("allowed", &c.allow, "not in the allowed list")
		add("regex", &c.regex, fmt.Sprintf("not matching %q", r.Regex))
		add("unique", &c.unique, "repeating an earlier value")
	}
	rep.Passed = len(rep.Failures) == 0
	return rep
}

func formatBound(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }
