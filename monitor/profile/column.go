package profile

import (
	"math"
	"strconv"
	"strings"

	"github.com/axiomhq/hyperloglog"

	"github.com/lathe-ml/lathe/monitor/table"
)

// kind indexes the per-kind counters of a column.
type kind uint8

const (
	kInt kind = iota
	kFloat
	kBool
	kTimestamp
	kString
	nKinds
)

func (k kind) tableKind() table.Kind {
	return [...]table.Kind{table.KindInt, table.KindFloat, table.KindBool, table.KindTimestamp, table.KindString}[k]
}

func kindOf(t table.Kind) kind {
	switch t {
	case table.KindInt:
		return kInt
	case table.KindFloat:
		return kFloat
	case table.KindBool:
		return kBool
	case table.KindTimestamp:
		return kTimestamp
	}
	return kString
}

// example is the first value of a kind, for the mixed-type warning.
type example struct {
	text string
	file string
	line int64
}

// column accumulates one column's statistics in one pass, for every type
// the column may end up with: numbers feed the moments, the kept values
// (or the sketch) and a count table keyed by float bits; other values
// feed a count table keyed by text, which also remembers each text's
// kind. The type is decided at the end, from the per-kind counts. A
// column is only touched by the worker that owns it.
type column struct {
	name     string
	declared table.Kind
	opt      *Options

	count, nulls int64
	kinds        [nKinds]int64
	first        [nKinds]example

	// numbers
	nFinite        int64
	mean, m2       float64
	min, max       float64 // over all numbers, infinities included
	fmin, fmax     float64 // over the finite ones, for the histogram
	posInf, negInf int64
	vals           values
	sk             *sketch
	numSet         *u64Counts
	numHLL         *hyperloglog.Sketch

	// text
	strIdx   map[string]int32
	strVals  []string
	strKind  []kind
	strTime  []int64 // Unix nanoseconds of timestamp texts
	strCount []int64
	strHLL   *hyperloglog.Sketch
	ss       *spaceSaving

	// tsMin and tsMax are the texts of the earliest and latest times
	// (compared as instants, tsMinAt and tsMaxAt in Unix nanoseconds).
	// They point into the current batch while the View flags are set;
	// endBatch copies them, so that a sorted column costs one copy per
	// batch rather than one per row.
	tsMin, tsMax         string
	tsMinAt, tsMaxAt     int64
	tsMinView, tsMaxView bool
	tsSeen               bool

	// err is the first failure to map memory for values; Profile
	// returns it.
	err error
}

func newColumn(c table.Column, opt *Options) *column {
	return &column{
		name: c.Name, declared: c.Declared, opt: opt,
		min: math.Inf(1), max: math.Inf(-1), fmin: math.Inf(1), fmax: math.Inf(-1),
		numSet: newU64Counts(),
		strIdx: make(map[string]int32),
	}
}

// addText classifies one field that the reader did not mark null and
// accumulates it (pandas' NA strings count as nulls). file and line are
// only read for the first value of a kind.
//
// The order of the checks is the cost model: plain integers and decimals
// are parsed at once; any other text is looked up in the column's count
// table, which remembers each distinct text's kind, so that table.Infer
// (and its time.Parse for dates) runs once per distinct text rather than
// once per row.
func (c *column) addText(s string, file string, line int64) {
	var k kind
	var f float64
	if c.declared == table.KindUnknown {
		var done bool
		if k, f, done = c.infer(s); done {
			return
		}
	} else {
		if table.IsNAString(s) {
			c.nulls++
			return
		}
		k, f = c.declaredKind(s)
	}
	if (k == kInt || k == kFloat) && f != f { // NaN text is null, like pandas
		c.nulls++
		return
	}
	c.count++
	c.kinds[k]++
	if c.kinds[k] == 1 {
		c.first[k] = example{text: clip(s), file: file, line: line}
	}
	var at int64
	switch k {
	case kInt, kFloat:
		c.addNum(f)
		return
	case kTimestamp:
		if i, ok := c.strIdx[s]; ok { // a declared timestamp seen before
			at = c.strTime[i]
		} else {
			at = parseTime(s)
		}
		c.timestamp(s, at)
	}
	c.addStr(s, k, at)
}

// infer classifies a field of a column without a declared type. done is
// true when the field was fully accounted for already: an NA string, or a
// text seen before (counted here, its kind from the count table).
func (c *column) infer(s string) (k kind, f float64, done bool) {
	if v, isInt, ok := fastNumber(s); ok {
		if isInt {
			return kInt, v, false
		}
		return kFloat, v, false
	}
	if table.IsNAString(s) { // none of them is a plain number
		c.nulls++
		return 0, 0, true
	}
	if looksFloat(s) {
		if v, err := strconv.ParseFloat(s, 64); err == nil {
			return kFloat, v, false
		}
	}
	if i, ok := c.strIdx[s]; ok {
		k = c.strKind[i]
		c.count++
		c.kinds[k]++
		c.strCount[i]++
		if k == kTimestamp {
			c.timestamp(s, c.strTime[i])
		}
		return k, 0, true
	}
	k, f = classify(s)
	return k, f, false
}

// declaredKind parses a field of a column whose file declares its type.
func (c *column) declaredKind(s string) (kind, float64) {
	switch c.declared {
	case table.KindInt, table.KindFloat:
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			return kFloat, f
		}
		return kString, 0
	}
	return kindOf(c.declared), 0
}

func (c *column) timestamp(s string, at int64) {
	if !c.tsSeen || at < c.tsMinAt {
		c.tsMin, c.tsMinAt, c.tsMinView = s, at, true
	}
	if !c.tsSeen || at > c.tsMaxAt {
		c.tsMax, c.tsMaxAt, c.tsMaxView = s, at, true
	}
	c.tsSeen = true
}

func clip(s string) string {
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return strings.Clone(s)
}

// canonicalBool maps a bool text (table.Infer's spellings, or a Parquet
// "true"/"false") to "true" or "false".
func canonicalBool(s string) string {
	if len(s) > 0 && (s[0] == 't' || s[0] == 'T') {
		return "true"
	}
	return "false"
}

func (c *column) addNum(f float64) {
	switch {
	case math.IsInf(f, 1):
		c.posInf++
	case math.IsInf(f, -1):
		c.negInf++
	default:
		c.nFinite++
		d := f - c.mean
		c.mean += d / float64(c.nFinite)
		c.m2 += d * (f - c.mean)
		if f < c.fmin {
			c.fmin = f
		}
		if f > c.fmax {
			c.fmax = f
		}
	}
	if f < c.min {
		c.min = f
	}
	if f > c.max {
		c.max = f
	}
	if c.sk != nil {
		c.sk.add(f)
	} else if err := c.vals.push(f); err != nil && c.err == nil {
		c.err = err
	}
	if f == 0 {
		f = 0 // -0 and 0 are one value
	}
	bits := math.Float64bits(f)
	if c.numSet != nil {
		if c.numSet.add(bits) > c.opt.DistinctExact {
			c.numHLL = hyperloglog.New16NoSparse()
			c.numSet.each(func(b uint64, _ int64) { c.numHLL.InsertHash(mix64(b)) })
			c.numSet = nil
		}
	} else {
		c.numHLL.InsertHash(mix64(bits))
	}
}

// addStr counts a non-numeric text of kind k (at: its time, for a
// timestamp).
func (c *column) addStr(s string, k kind, at int64) {
	if c.strIdx != nil {
		if i, ok := c.strIdx[s]; ok {
			c.strCount[i]++
			return
		}
		s = strings.Clone(s)
		c.strIdx[s] = int32(len(c.strVals))
		c.strVals = append(c.strVals, s)
		c.strKind = append(c.strKind, k)
		c.strTime = append(c.strTime, at)
		c.strCount = append(c.strCount, 1)
		if len(c.strVals) > c.opt.DistinctExact {
			c.strHLL = hyperloglog.New16NoSparse()
			for _, v := range c.strVals {
				c.strHLL.InsertHash(hashString(v))
			}
			c.ss = newSpaceSaving(spaceSavingSize(c.opt.TopK), c.strVals, c.strCount)
			c.strIdx, c.strVals, c.strKind, c.strTime, c.strCount = nil, nil, nil, nil, nil
		}
		return
	}
	c.strHLL.InsertHash(hashString(s))
	c.ss.add(s)
}

// spaceSavingSize is the number of counters of the top-k summary: enough
// that the overestimate n/m stays small against the k-th count of any
// column where top-k means something.
func spaceSavingSize(k int) int { return max(1000, 100*k) }

// endBatch copies what still points into the batch buffer.
func (c *column) endBatch() {
	if c.tsMinView {
		c.tsMin, c.tsMinView = strings.Clone(c.tsMin), false
	}
	if c.tsMaxView {
		c.tsMax, c.tsMaxView = strings.Clone(c.tsMax), false
	}
}

// spill moves the kept values into a sketch and frees them.
func (c *column) spill() error {
	if c.sk != nil {
		return nil
	}
	sk, err := newSketch()
	if err != nil {
		return err
	}
	c.vals.drain(sk.add)
	c.sk = sk
	return nil
}

// mix64 is splitmix64's finaliser: HyperLogLog needs well-spread hashes
// and float bits are not.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// hashString is FNV-1a, mixed: deterministic across runs (unlike maphash),
// so estimates do not change from one run to the next.
func hashString(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return mix64(h)
}
