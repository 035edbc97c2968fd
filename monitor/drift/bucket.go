package drift

import (
	"math"
	"slices"
)

// Exact KS and Wasserstein-1 statistics without sorting everything.
//
// Both statistics read the integer t(x) = m*i(x) - n*j(x), where i(x) and
// j(x) count the values at or below x of the first sample (n values) and of
// the second (m values): KS is max|t|/(n*m), Wasserstein-1 the integral of
// |t| over x divided by n*m. Sorting both samples exposes every step of t,
// but most of the line does not need that detail.
//
// Cut [min, max] into equal-width buckets (one pass finds the range, one
// fills the buckets). Mapping a value to its bucket is monotone, so equal values share a
// bucket and every value of a later bucket is larger than every value of an
// earlier one: t at the end of a bucket is t at the end of a run of equal
// values, exactly known from the counts. Inside a bucket that holds ca and
// cb values and starts at t0, t stays within [t0 - n*cb, t0 + m*ca]. When
// that range does not straddle zero, |t| = ±t over the whole bucket and
//
//	∫ t dx over [lo, hi] = t0*(hi - lo) + m*Σ_a (hi - a) - n*Σ_b (hi - b),
//
// which needs only per-bucket sums, not the order of the values. For KS a
// bucket matters only when its range could exceed the largest |t| seen at
// the bucket ends. Just the remaining buckets (where t crosses zero, or near
// the KS maximum: a few percent of the values for similar samples, fewer for
// drifted ones) are gathered in a second pass, sorted and walked exactly.
//
// The result equals the full sort's up to floating-point rounding of the
// Wasserstein sum (the KS extreme is exact). Sums inside a bucket are taken
// relative to the bucket's nominal start, so they stay on the scale of the
// bucket's width rather than of the values.

const (
	// bucketMinN is the smallest total sample size worth bucketing; below,
	// sorting costs next to nothing anyway.
	bucketMinN = 4096
	// bucketFill is the average number of values per bucket aimed at:
	// fuller buckets straddle zero more often, emptier ones cost cache
	// misses.
	bucketFill = 32
	// bucketMax caps the number of buckets (40 bytes each: 2.6 MB).
	bucketMax = 1 << 16
)

// summary describes the finite values of one sample.
type summary struct {
	n      int
	lo, hi float64 // smallest and largest finite value
	sum    float64 // their sum
}

func summarize(x []float64) summary {
	// Four independent lanes: one running sum, minimum and maximum would
	// make every value wait for the previous one.
	var l [4]lane
	for i := range l {
		l[i] = lane{lo: math.Inf(1), hi: math.Inf(-1)}
	}
	i := 0
	for ; i+4 <= len(x); i += 4 {
		l[0].add(x[i])
		l[1].add(x[i+1])
		l[2].add(x[i+2])
		l[3].add(x[i+3])
	}
	for ; i < len(x); i++ {
		l[0].add(x[i])
	}
	s := summary{lo: math.Inf(1), hi: math.Inf(-1)}
	var acc compSum
	for _, ln := range l {
		s.n += ln.n
		s.lo = min(s.lo, ln.lo)
		s.hi = max(s.hi, ln.hi)
		acc.add(ln.sum.s)
		acc.add(ln.sum.c)
	}
	s.sum = acc.sum()
	return s
}

// lane is one of summarize's accumulators.
type lane struct {
	n      int
	lo, hi float64
	sum    compSum
}

func (l *lane) add(v float64) {
	if !finite(v) {
		return
	}
	l.n++
	l.sum.add(v)
	if v < l.lo {
		l.lo = v
	}
	if v > l.hi {
		l.hi = v
	}
}

// finite reports whether v is neither NaN nor ±Inf, in one integer test.
func finite(v float64) bool {
	const exp = 0x7ff << 52
	return math.Float64bits(v)&exp != exp
}

// compSum is a compensated sum: each addition's rounding error is recovered
// exactly (Knuth's TwoSum, which needs no branch) and accumulated apart.
// The mean of values that agree in many leading digits then comes out
// correctly rounded rather than with an error that grows with the count, so
// the standard deviation does not depend on the order of the values.
type compSum struct{ s, c float64 }

func (k *compSum) add(v float64) {
	t := k.s + v
	bp := t - k.s
	k.c += (k.s - (t - bp)) + (v - bp)
	k.s = t
}

func (k *compSum) sum() float64 { return k.s + k.c }

// bucket holds one bucket's statistics for both samples.
type bucket struct {
	lo, hi float64 // smallest and largest value in it
	// sa and sb are Σ (v - e) over each sample's values v in the bucket, e
	// its nominal start (grid.edge). Kept apart, not as one m*sa - n*sb,
	// so that swapping the samples negates every intermediate exactly and
	// the distance is exactly symmetric.
	sa, sb float64
	ca, cb uint32 // how many of each sample's values
}

// bucketed is the scratch of the bucketed statistics, reused by a worker.
type bucketed struct {
	bk     []bucket
	gather []int32   // per bucket: index into the gathered list, or -1
	spans  []span    // gathered buckets
	ga, gb []float64 // gathered values
	tmp    []float64 // sort scratch for large gathered buckets
}

// span is a gathered bucket: where its values sit in ga and gb, and t at
// its start.
type span struct {
	k              int
	a0, a1, b0, b1 int
	t0             int64
}

// grid maps values in [lo, lo + nb/scale] to buckets 0..nb-1.
type grid struct {
	lo, scale float64
	width     float64 // 1/scale
	nb        int
}

// index is monotone in x: x - lo, the product and the truncation all are.
func (g grid) index(x float64) int {
	return min(int((x-g.lo)*g.scale), g.nb-1)
}

// edge is about where bucket k starts: values in it differ from it by about
// the bucket's width at most, which keeps the bucket sums on that scale.
func (g grid) edge(k int) float64 {
	return g.lo + float64(k)*g.width
}

// newGrid returns the grid for two samples, or false when bucketing does not
// apply (fewer than minN values, a single value, or a range that overflows).
func newGrid(sa, sb summary, minN int) (grid, bool) {
	total := sa.n + sb.n
	if total < minN {
		return grid{}, false
	}
	lo, hi := min(sa.lo, sb.lo), max(sa.hi, sb.hi)
	span := hi - lo
	nb := min(max(total/bucketFill, 16), bucketMax)
	scale := float64(nb) / span
	if !(span > 0) || math.IsInf(span, 0) || math.IsInf(scale, 0) {
		return grid{}, false
	}
	return grid{lo: lo, scale: scale, width: 1 / scale, nb: nb}, true
}

// fill counts both samples into buckets and returns the sum of squared
// deviations of a's finite values from mean.
func (w *bucketed) fill(g grid, a, b []float64, mean float64) (ss float64) {
	w.bk = grow(w.bk, g.nb)
	bk := w.bk
	for i := range bk {
		bk[i] = bucket{lo: math.Inf(1), hi: math.Inf(-1)}
	}
	for _, v := range a {
		if !finite(v) {
			continue
		}
		k := g.index(v)
		c := &bk[k]
		if v < c.lo {
			c.lo = v
		}
		if v > c.hi {
			c.hi = v
		}
		c.ca++
		c.sa += v - g.edge(k)
		d := v - mean
		ss += d * d
	}
	for _, v := range b {
		if !finite(v) {
			continue
		}
		k := g.index(v)
		c := &bk[k]
		if v < c.lo {
			c.lo = v
		}
		if v > c.hi {
			c.hi = v
		}
		c.cb++
		c.sb += v - g.edge(k)
	}
	return ss
}

// markGather starts the list of buckets to gather.
func (w *bucketed) markGather(nb int) {
	w.gather = grow(w.gather, nb)
	for i := range w.gather {
		w.gather[i] = -1
	}
	w.spans = w.spans[:0]
}

func (w *bucketed) addGather(k int, t0 int64) {
	w.gather[k] = int32(len(w.spans))
	w.spans = append(w.spans, span{k: k, t0: t0})
}

// collect copies the values of the marked buckets out of a and b, each
// bucket's values sorted, and calls visit for each marked bucket.
func (w *bucketed) collect(g grid, a, b []float64, s *sorter, visit func(sp span, va, vb []float64)) {
	if len(w.spans) == 0 {
		return
	}
	na, nb := 0, 0
	for i := range w.spans {
		sp := &w.spans[i]
		c := &w.bk[sp.k]
		sp.a0, sp.b0 = na, nb
		na += int(c.ca)
		nb += int(c.cb)
		sp.a1, sp.b1 = sp.a0, sp.b0 // fill cursors
	}
	w.ga = grow(w.ga, na)
	w.gb = grow(w.gb, nb)
	for _, v := range a {
		if !finite(v) {
			continue
		}
		if i := w.gather[g.index(v)]; i >= 0 {
			sp := &w.spans[i]
			w.ga[sp.a1] = v
			sp.a1++
		}
	}
	for _, v := range b {
		if !finite(v) {
			continue
		}
		if i := w.gather[g.index(v)]; i >= 0 {
			sp := &w.spans[i]
			w.gb[sp.b1] = v
			sp.b1++
		}
	}
	for _, sp := range w.spans {
		va := w.sortSeg(w.ga[sp.a0:sp.a1], s)
		vb := w.sortSeg(w.gb[sp.b0:sp.b1], s)
		visit(sp, va, vb)
	}
}

func (w *bucketed) sortSeg(v []float64, s *sorter) []float64 {
	if len(v) < radixMin {
		slices.Sort(v)
		return v
	}
	w.tmp = s.finiteSorted(w.tmp, v)
	copy(v, w.tmp)
	return v
}

// walkSpan walks the sorted values va and vb of one bucket from t = t0 and
// returns the integral of |t| between its first and last value and the
// largest |t| at the end of a run of equal values.
func walkSpan(va, vb []float64, t0, n, m int64) (area float64, top int64) {
	i, j := 0, 0
	t := t0
	x := math.Inf(1)
	if len(va) > 0 {
		x = va[0]
	}
	if len(vb) > 0 {
		x = min(x, vb[0])
	}
	for i < len(va) || j < len(vb) {
		for i < len(va) && va[i] == x {
			i++
			t += m
		}
		for j < len(vb) && vb[j] == x {
			j++
			t -= n
		}
		top = max(top, t, -t)
		next := math.Inf(1)
		if i < len(va) {
			next = va[i]
		}
		if j < len(vb) {
			next = min(next, vb[j])
		}
		if math.IsInf(next, 1) {
			break
		}
		if t != 0 {
			area += math.Abs(float64(t)) * (next - x)
		}
		x = next
	}
	return area, top
}

// bucketWasserstein returns the Wasserstein-1 distance between the finite
// values of a and b, and the population standard deviation of a's, or false
// when bucketing does not apply (minN: see newGrid).
func (w *worker) bucketWasserstein(a, b []float64, sa, sb summary, minN int) (dist, std float64, ok bool) {
	g, ok := newGrid(sa, sb, minN)
	if !ok {
		return 0, 0, false
	}
	n, m := int64(sa.n), int64(sb.n)
	bw := &w.bw
	mean := sa.sum / float64(sa.n)
	ss := bw.fill(g, a, b, mean)
	std = math.Sqrt(ss / float64(sa.n))
	if math.IsInf(sa.sum, 0) || math.IsInf(ss, 0) || max(math.Abs(sa.lo), math.Abs(sa.hi)) > 0x1p500 {
		std = rawStd(a, sa)
	}

	bw.markGather(g.nb)
	var (
		t      int64
		area   float64
		prevHi float64
		seen   bool
	)
	for k := range bw.bk {
		c := &bw.bk[k]
		if c.ca+c.cb == 0 {
			continue
		}
		if seen && t != 0 {
			area += math.Abs(float64(t)) * (c.lo - prevHi)
		}
		ca, cb := int64(c.ca), int64(c.cb)
		t0 := t
		if width := c.hi - c.lo; width > 0 {
			low, high := t0-n*cb, t0+m*ca
			if low >= 0 || high <= 0 {
				// m*Σ_a (hi - v) - n*Σ_b (hi - v), from the sums about e.
				d := c.hi - g.edge(k)
				in := float64(t0)*width + float64(m*ca-n*cb)*d - (float64(m)*c.sa - float64(n)*c.sb)
				if high <= 0 {
					in = -in
				}
				area += max(in, 0)
			} else {
				bw.addGather(k, t0)
			}
		}
		t = t0 + m*ca - n*cb
		prevHi = c.hi
		seen = true
	}
	bw.collect(g, a, b, &w.s, func(sp span, va, vb []float64) {
		in, _ := walkSpan(va, vb, sp.t0, n, m)
		area += in
	})
	return area / (float64(n) * float64(m)), std, true
}

// bucketKS returns max|t| (the KS statistic times n*m) for the finite values
// of a and b, or false when bucketing does not apply (minN: see newGrid).
func (w *worker) bucketKS(a, b []float64, sa, sb summary, minN int) (num int64, ok bool) {
	g, ok := newGrid(sa, sb, minN)
	if !ok {
		return 0, false
	}
	n, m := int64(sa.n), int64(sb.n)
	bw := &w.bw
	bw.fill(g, a, b, 0)

	// The ends of the buckets first, then the buckets whose inside could
	// beat them.
	var t, best int64
	for k := range bw.bk {
		c := &bw.bk[k]
		t += m*int64(c.ca) - n*int64(c.cb)
		best = max(best, t, -t)
	}
	bw.markGather(g.nb)
	t = 0
	for k := range bw.bk {
		c := &bw.bk[k]
		if c.ca+c.cb == 0 {
			continue
		}
		t0 := t
		if t0+m*int64(c.ca) > best || -(t0-n*int64(c.cb)) > best {
			bw.addGather(k, t0)
		}
		t = t0 + m*int64(c.ca) - n*int64(c.cb)
	}
	bw.collect(g, a, b, &w.s, func(sp span, va, vb []float64) {
		_, top := walkSpan(va, vb, sp.t0, n, m)
		best = max(best, top)
	})
	return best, true
}

// rawStd is popStd over the finite values of unsorted x, scaling huge values
// by an exact power of two so that nothing overflows.
func rawStd(x []float64, s summary) float64 {
	scale := 1.0
	if max(math.Abs(s.lo), math.Abs(s.hi)) > 0x1p500 {
		scale = 0x1p-600
	}
	n := float64(s.n)
	var sum compSum
	for _, v := range x {
		if finite(v) {
			sum.add(v * scale)
		}
	}
	mean := sum.sum() / n
	ss := 0.0
	for _, v := range x {
		if finite(v) {
			d := v*scale - mean
			ss += d * d
		}
	}
	return math.Sqrt(ss/n) / scale
}
