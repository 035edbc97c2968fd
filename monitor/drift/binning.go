package drift

import (
	"errors"
	"math"
	"slices"
	"sort"
)

// maxValueBins is Evidently's cut-off: a numeric column whose reference has
// more distinct values than this is binned by a histogram, otherwise every
// distinct value is its own bin.
const maxValueBins = 20

// numericShares returns the share of ref and of cur in each bin of
// Evidently's binning (get_binned_data): when ref has more than 20 distinct
// values, the bins of numpy.histogram_bin_edges(concat(ref, cur),
// bins='sturges'), each half-open [e_i, e_i+1) but the last closed, as
// numpy.histogram counts; otherwise one bin per distinct value of either
// sample. a and b are sorted, finite and non-empty (finiteSorted output).
func numericShares(a, b []float64) (rs, cs []float64, err error) {
	if countDistinct(a) > maxValueBins {
		edges, err := sturgesEdges(a, b)
		if err != nil {
			return nil, nil, err
		}
		return histShares(a, edges), histShares(b, edges), nil
	}
	// One bin per distinct value of the union, in ascending order.
	var keys []float64
	for i, j := 0, 0; i < len(a) || j < len(b); {
		var v float64
		switch {
		case j == len(b) || (i < len(a) && a[i] <= b[j]):
			v = a[i]
		default:
			v = b[j]
		}
		keys = append(keys, v)
		for i < len(a) && a[i] == v {
			i++
		}
		for j < len(b) && b[j] == v {
			j++
		}
	}
	return valueShares(a, keys), valueShares(b, keys), nil
}

func countDistinct(a []float64) int {
	if len(a) == 0 {
		return 0
	}
	k := 1
	for i := 1; i < len(a); i++ {
		if a[i] != a[i-1] {
			k++
		}
	}
	return k
}

// valueShares returns, for each of the sorted distinct keys, the share of
// the sorted a equal to it.
func valueShares(a, keys []float64) []float64 {
	out := make([]float64, len(keys))
	n := float64(len(a))
	i := 0
	for k, v := range keys {
		c := 0
		for i < len(a) && a[i] < v {
			i++
		}
		for i < len(a) && a[i] == v {
			i++
			c++
		}
		out[k] = float64(c) / n
	}
	return out
}

// sturgesEdges reproduces numpy.histogram_bin_edges(concat(a, b),
// bins='sturges'): ceil(range / (range / (log2(N) + 1))) equal bins over
// [min, max], the edges as numpy.linspace places them.
func sturgesEdges(a, b []float64) ([]float64, error) {
	first := min(a[0], b[0])
	last := max(a[len(a)-1], b[len(b)-1])
	if first == last {
		first -= 0.5
		last += 0.5
	}
	ptp := last - first
	if math.IsInf(ptp, 0) {
		return nil, ErrRange
	}
	width := ptp / (math.Log2(float64(len(a)+len(b))) + 1)
	nbins := 1
	if width != 0 {
		nbins = int(math.Ceil(ptp / width))
	}
	return linspace(first, last, nbins+1), nil
}

// linspace mirrors numpy.linspace(start, stop, num) with endpoint=True,
// operation for operation, so that values falling exactly on an edge land in
// the same bin as in numpy.
func linspace(start, stop float64, num int) []float64 {
	y := make([]float64, num)
	div := num - 1
	delta := stop - start
	step := delta / float64(div)
	for i := range y {
		if step == 0 {
			y[i] = float64(float64(i)/float64(div)) * delta
		} else {
			// The explicit conversion forbids fusing into an FMA, which
			// numpy does not do.
			y[i] = float64(float64(i) * step)
		}
		y[i] += start
	}
	y[num-1] = stop
	return y
}

// histShares returns the share of the sorted a in each bin of edges, as
// numpy.histogram(a, edges) counts: bin i holds e_i <= v < e_i+1, the last
// bin also v == e_last.
func histShares(a, edges []float64) []float64 {
	nb := len(edges) - 1
	out := make([]float64, nb)
	n := float64(len(a))
	prev := sort.SearchFloat64s(a, edges[0])
	for i := range nb {
		var next int
		if i == nb-1 {
			e := edges[nb]
			next = sort.Search(len(a), func(k int) bool { return a[k] > e })
		} else {
			next = sort.SearchFloat64s(a, edges[i+1])
		}
		out[i] = float64(next-prev) / n
		prev = next
	}
	return out
}

// categoricalCounts counts the values of s.
func categoricalCounts(s []string) map[string]int {
	c := make(map[string]int)
	for _, v := range s {
		c[v]++
	}
	return c
}

// categoricalShares returns the categories of ref and cur together, sorted,
// and each sample's share in each: a category one sample lacks has share 0
// there (Evidently's keys are the union of both samples).
func categoricalShares(rc, cc map[string]int, nr, nc int) (keys []string, rs, cs []float64) {
	keys = make([]string, 0, len(rc)+len(cc))
	for k := range rc {
		keys = append(keys, k)
	}
	for k := range cc {
		if _, ok := rc[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	rs = make([]float64, len(keys))
	cs = make([]float64, len(keys))
	for i, k := range keys {
		rs[i] = float64(rc[k]) / float64(nr)
		cs[i] = float64(cc[k]) / float64(nc)
	}
	return keys, rs, cs
}

// fillEmpty returns a copy of shares with each zero replaced as Evidently
// does before PSI: by 0.0001, or by the smallest non-zero share / 1e6 when
// that share is itself at most 0.0001. All-zero shares are returned as is.
func fillEmpty(shares []float64) []float64 {
	out := slices.Clone(shares)
	least := math.Inf(1)
	for _, s := range out {
		if s != 0 {
			least = min(least, s)
		}
	}
	if math.IsInf(least, 1) {
		return out
	}
	fill := 0.0001
	if least <= 0.0001 {
		fill = least / 1e6
	}
	for i, s := range out {
		if s == 0 {
			out[i] = fill
		}
	}
	return out
}

// PSI returns the population stability index of two share vectors over the
// same bins, sum (ref_i - cur_i) * ln(ref_i / cur_i), after Evidently's
// replacement of empty shares (see Options). It is 0 for identical shares
// and grows without bound as they part; Evidently's default threshold is
// 0.1. It returns an error when the lengths differ or either vector has no
// positive share.
func PSI(refShares, curShares []float64) (float64, error) {
	if len(refShares) != len(curShares) {
		return math.NaN(), errors.New("drift: PSI: share vectors differ in length")
	}
	if !anyPositive(refShares) || !anyPositive(curShares) {
		return math.NaN(), errors.New("drift: PSI: a share vector has no positive share")
	}
	r, c := fillEmpty(refShares), fillEmpty(curShares)
	psi := 0.0
	for i := range r {
		psi += (r[i] - c[i]) * math.Log(r[i]/c[i])
	}
	return max(psi, 0), nil
}

func anyPositive(s []float64) bool {
	for _, v := range s {
		if v > 0 {
			return true
		}
	}
	return false
}

// maxJS is the largest Jensen-Shannon distance in natural-log units,
// sqrt(ln 2) rounded to float64, reached by distributions with disjoint
// supports.
const maxJS = 0.8325546111576977

// JensenShannon returns the Jensen-Shannon distance between p and q in
// natural-log units, as scipy.spatial.distance.jensenshannon(p, q) computes
// it: each vector is divided by its sum, then sqrt((KL(p||m) + KL(q||m))/2)
// with m = (p+q)/2. The result lies in [0, sqrt(ln 2)]; rounding that
// scipy lets fall just outside (a NaN for a tiny negative sum) is clamped.
// Evidently calls it with base 2, which divides the distance by sqrt(ln 2).
// It returns an error when the lengths differ or either vector sums to
// zero.
func JensenShannon(p, q []float64) (float64, error) {
	if len(p) != len(q) {
		return math.NaN(), errors.New("drift: JensenShannon: vectors differ in length")
	}
	sp, sq := 0.0, 0.0
	for i := range p {
		sp += p[i]
		sq += q[i]
	}
	if !(sp > 0) || !(sq > 0) || math.IsInf(sp, 0) || math.IsInf(sq, 0) {
		return math.NaN(), errors.New("drift: JensenShannon: a vector does not sum to a positive number")
	}
	left, right := 0.0, 0.0
	for i := range p {
		pi, qi := p[i]/sp, q[i]/sq
		m := (pi + qi) / 2
		left += relEntr(pi, m)
		right += relEntr(qi, m)
	}
	js := math.Sqrt((left + right) / 2)
	if math.IsNaN(js) {
		return 0, nil
	}
	return min(js, maxJS), nil
}

// relEntr is scipy.special.rel_entr: x*ln(x/y), 0 at x = 0.
func relEntr(x, y float64) float64 {
	switch {
	case x > 0 && y > 0:
		return x * math.Log(x/y)
	case x == 0 && y >= 0:
		return 0
	default:
		return math.Inf(1)
	}
}
