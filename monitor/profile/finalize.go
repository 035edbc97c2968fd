package profile

import (
	"fmt"
	"math"
	"slices"
	"strconv"

	"github.com/axiomhq/hyperloglog"

	"github.com/lathe-ml/lathe/monitor/table"
)

// Categorical rule: a string column is categorical when its distinct count
// is exact and either at most categoricalMax with every value repeated on
// average (distinct <= count/2, so that ten unique names stay strings), or
// at most 5% of its non-null values.
const (
	categoricalMax      = 50
	categoricalFraction = 20 // distinct*20 <= count
)

// result decides the column's type and turns the accumulators into its
// profile.
func (c *column) result(rows int64) Column {
	col := Column{Name: c.name, Type: c.declared, Count: c.count, Nulls: c.nulls}
	if c.count == 0 {
		col.DistinctExact = true
		if rows > 0 {
			col.Warnings = append(col.Warnings, fmt.Sprintf("column %q: all %d values are null", c.name, c.nulls))
		}
		return col
	}
	if c.declared == table.KindUnknown {
		col.Type = c.inferredType(&col)
	}
	switch col.Type {
	case table.KindInt, table.KindFloat:
		c.numeric(&col)
	case table.KindBool:
		if c.strVals != nil {
			c.boolStats(&col)
			break
		}
		c.distinctText(&col)
		c.top(&col)
	case table.KindTimestamp:
		col.Min = &Bound{Text: c.tsMin, IsText: true}
		col.Max = &Bound{Text: c.tsMax, IsText: true}
		c.distinctText(&col)
	default:
		c.distinctText(&col)
		c.top(&col)
		if (col.Type == table.KindString) && col.DistinctExact &&
			((col.Distinct <= categoricalMax && 2*col.Distinct <= col.Count) || categoricalFraction*col.Distinct <= col.Count) {
			col.Type = table.KindCategorical
		}
	}
	return col
}

// inferredType widens the kinds seen. A mix that widens to string (an int
// column with a few words) is reported, with the count of values outside
// the largest group and the first of them.
func (c *column) inferredType(col *Column) table.Kind {
	t := table.KindUnknown
	present := 0
	for k := range nKinds {
		if c.kinds[k] > 0 {
			t = table.Widen(t, k.tableKind())
			present++
		}
	}
	if t != table.KindString || present < 2 {
		return t
	}
	// Groups that widen into each other (int and float) count as one.
	group := func(k kind) kind {
		if k == kFloat {
			return kInt
		}
		return k
	}
	var size [nKinds]int64
	for k := range nKinds {
		size[group(k)] += c.kinds[k]
	}
	major := kInt
	for k := range nKinds {
		if size[k] > size[major] {
			major = k
		}
	}
	var ex example
	var exKind kind
	for k := range nKinds {
		if c.kinds[k] == 0 || group(k) == major {
			continue
		}
		if e := c.first[k]; ex.line == 0 || e.line < ex.line {
			ex, exKind = e, k
		}
	}
	majorName := major.tableKind()
	if major == kInt && c.kinds[kFloat] > 0 {
		majorName = table.KindFloat
	}
	where := fmt.Sprintf("line %d", ex.line)
	if ex.file != "" {
		where = fmt.Sprintf("%s:%d", ex.file, ex.line)
	}
	col.Warnings = append(col.Warnings, fmt.Sprintf(
		"column %q: %d of %d values are not %s (first: %s, %s %q); profiled as string",
		c.name, c.count-size[major], c.count, majorName, where, exKind.tableKind(), ex.text))
	return table.KindString
}

func (c *column) numeric(col *Column) {
	n := c.nFinite + c.posInf + c.negInf
	if n == 0 {
		return
	}
	col.Min = &Bound{Num: Num(c.min)}
	col.Max = &Bound{Num: Num(c.max)}
	col.Infinite = c.posInf + c.negInf
	mean, std := c.mean, math.Sqrt(c.m2/float64(n-1))
	switch {
	case c.posInf > 0 && c.negInf > 0:
		mean, std = math.NaN(), math.NaN()
	case c.posInf > 0:
		mean, std = math.Inf(1), math.NaN()
	case c.negInf > 0:
		mean, std = math.Inf(-1), math.NaN()
	}
	col.Mean = numPtr(mean)
	if n > 1 {
		col.Std = numPtr(std)
	}
	levels := quantileLevels()
	var qs []float64
	var hist []int64
	var edges []float64
	if c.nFinite > 0 {
		edges = histEdges(c.fmin, c.fmax, c.opt.HistogramBins)
		hist = make([]int64, len(edges)-1)
	}
	bin := func(x float64, n int64) {
		if i, ok := histBin(x, edges); ok {
			hist[i] += n
		}
	}
	exact := true
	switch {
	case c.numSet != nil:
		// Few distinct values: the count table is the exact
		// distribution, even when the values went to the sketch.
		vals, cum := c.numSet.sorted()
		qs = quantilesAt(int(n), levels, func(r int) float64 {
			i, _ := slices.BinarySearch(cum, int64(r)+1)
			return vals[i]
		})
		if edges != nil {
			for i, v := range vals {
				prev := int64(0)
				if i > 0 {
					prev = cum[i-1]
				}
				bin(v, cum[i]-prev)
			}
		}
	case c.sk != nil:
		exact = false
		qs = make([]float64, len(levels))
		for i, q := range levels {
			qs[i] = c.sk.quantile(q, c.min, c.max)
		}
		if edges != nil {
			hist = c.sk.histogram(edges)
		}
	default:
		qs = c.vals.exactQuantiles(levels)
		if edges != nil {
			c.vals.each(func(x float64) { bin(x, 1) })
		}
	}
	col.QuantilesExact = boolPtr(exact)
	ps := []**Num{&col.P1, &col.P5, &col.P25, &col.P50, &col.P75, &col.P95, &col.P99}
	for i, p := range ps {
		*p = numPtr(qs[i])
	}
	if edges != nil {
		col.Histogram = &Histogram{Edges: edges, Counts: hist, Exact: exact}
	}
	if c.numSet != nil {
		col.Distinct, col.DistinctExact = int64(c.numSet.n), true
	} else {
		col.Distinct = int64(c.numHLL.Estimate())
	}
}

// distinctText counts the distinct texts and, for a mixed column, the
// distinct numbers beside them.
func (c *column) distinctText(col *Column) {
	if c.strHLL == nil && c.numHLL == nil {
		col.Distinct, col.DistinctExact = int64(len(c.strVals)+c.numSet.len()), true
		return
	}
	h := hyperloglog.New16NoSparse()
	for _, s := range c.strVals {
		h.InsertHash(hashString(s))
	}
	c.numSet.each(func(b uint64, _ int64) { h.InsertHash(mix64(b)) })
	for _, o := range []*hyperloglog.Sketch{c.strHLL, c.numHLL} {
		if o != nil {
			_ = h.Merge(o) // same precision: cannot fail
		}
	}
	col.Distinct = int64(h.Estimate())
}

// boolStats counts the bool spellings ("True", "true") as one value each,
// as pandas' bool dtype does.
func (c *column) boolStats(col *Column) {
	counts := map[string]int64{}
	for i, s := range c.strVals {
		counts[canonicalBool(s)] += c.strCount[i]
	}
	vs := make([]TopValue, 0, 2)
	for v, n := range counts {
		vs = append(vs, TopValue{v, n})
	}
	col.Distinct, col.DistinctExact = int64(len(counts)), true
	col.Top, col.TopExact = topOf(vs, c.opt.TopK), boolPtr(true)
}

func (c *column) top(col *Column) {
	k := c.opt.TopK
	if c.ss != nil {
		col.Top = c.ss.top(k)
		col.TopExact = boolPtr(false)
		col.TopError = c.ss.errorBound()
		return
	}
	vs := make([]TopValue, 0, len(c.strVals)+c.numSet.len())
	for i, s := range c.strVals {
		vs = append(vs, TopValue{s, c.strCount[i]})
	}
	c.numSet.each(func(b uint64, n int64) {
		vs = append(vs, TopValue{formatNum(math.Float64frombits(b)), n})
	})
	col.Top = topOf(vs, k)
	col.TopExact = boolPtr(c.numHLL == nil)
}

// formatNum writes a number of a mixed column for its top values: the
// shortest text that reads back to it, without exponent for integers.
func formatNum(f float64) string {
	if f == math.Trunc(f) && math.Abs(f) < 1e15 {
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}
