package drift

// ksWalk is the extreme of the difference between the empirical CDFs of two
// samples, found in one merge of the sorted samples.
//
// With i values of a and j values of b at or below some x, the empirical CDFs
// differ by i/n - j/m = (i*m - j*n)/(n*m). The merge keeps the integer
// t = i*m - j*n, so the extreme and its lattice value are exact; scipy's
// floats can only differ from them in the last bit.
type ksWalk struct {
	n, m int
	// maxT and minT are the largest and smallest t at the end of a run of
	// equal values (where the ECDFs are evaluated); maxT >= 0 >= minT.
	maxT, minT int64
}

// d returns the KS statistic D = max|t|/(n*m).
func (w ksWalk) d() float64 {
	return float64(w.num()) / (float64(w.n) * float64(w.m))
}

// num returns max|t|, the KS statistic times n*m.
func (w ksWalk) num() int64 { return max(w.maxT, -w.minT) }

// walkSorted merges a and b, both sorted ascending, non-empty, finite and
// each followed in its backing array by a +Inf sentinel, as finiteSorted
// returns them.
//
// The loop compiles without data-dependent branches: which sample the next
// value comes from is a coin flip for similar samples, and a mispredicted
// branch per value would cost more than the rest of the loop.
func walkSorted(a, b []float64) ksWalk {
	n, m := len(a), len(b)
	a = a[:n+1]
	b = b[:m+1]
	var (
		i, j       int
		t          int64
		maxT, minT int64
		n64, m64   = int64(n), int64(m)
	)
	ai, bj := a[0], b[0]
	x := min(ai, bj)
	for range n + m - 1 {
		// Take the smaller head; a on ties (either order gives the same
		// state at the end of a run of equal values).
		var fromA int
		if ai <= bj {
			fromA = 1
		}
		i += fromA
		j += 1 - fromA
		t += int64(fromA)*(m64+n64) - n64
		ai, bj = a[i], b[j]
		next := min(ai, bj)
		// Inside a run of equal values t is not an ECDF difference; 0 is
		// neutral for both extremes.
		tt := t
		if next == x {
			tt = 0
		}
		maxT = max(maxT, tt)
		minT = min(minT, tt)
		x = next
	}
	return ksWalk{n: n, m: m, maxT: maxT, minT: minT}
}

// wassersteinSorted returns the Wasserstein-1 distance between the sorted,
// finite, non-empty samples a and b.
//
// scipy integrates |A(x) - B(x)| over x, which needs the merged order of
// the values. The same area integrates |A⁻¹(u) - B⁻¹(u)| over u in [0, 1]
// (it is the area between the two CDF graphs, read sideways), and the
// quantile functions step at u = i/n and u = j/m, whose order does not
// depend on the data. The walk over those steps is in integer units of
// 1/(n*m), and the values it loads never decide which comes next, so the
// loop runs at the speed of its arithmetic rather than of its loads.
// The result agrees with scipy's to rounding (about 1e-13 relative for a
// million values) and is exactly symmetric in a and b.
func wassersteinSorted(a, b []float64) float64 {
	n, m := int64(len(a)), int64(len(b))
	var (
		i, j   int
		pos    int64
		ea, eb = m, n // where the current quantile of a (of b) ends
		sum    float64
	)
	for i < len(a) && j < len(b) {
		next := min(ea, eb)
		d := a[i] - b[j]
		if d < 0 {
			d = -d
		}
		sum += float64(next-pos) * d
		pos = next
		var ia, jb int
		if ea <= eb {
			ia = 1
		}
		if eb <= ea {
			jb = 1
		}
		i += ia
		j += jb
		ea += int64(ia) * m
		eb += int64(jb) * n
	}
	return sum / (float64(n) * float64(m))
}
