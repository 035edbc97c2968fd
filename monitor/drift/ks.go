package drift

import "math"

// ksExactMaxN is scipy's MAX_AUTO_N: ks_2samp(method='auto') tries the exact
// p-value when both samples have at most this many values.
const ksExactMaxN = 10000

// KS2Samp returns the two-sample Kolmogorov-Smirnov statistic D (the largest
// distance between the two empirical CDFs) and its two-sided p-value, as
// scipy.stats.ks_2samp(x, y, method='auto') computes them:
//
//   - when both samples have at most 10000 values, the exact p-value
//     P(D >= d) under the null hypothesis, counting lattice paths; D is then
//     reported as h/lcm(n1, n2), the lattice value it rounds to;
//   - otherwise, or where the exact sum fails (scipy rejects a sum that
//     rounds above 1), the one-sample Kolmogorov distribution of
//     D_en with en = round(n1*n2/(n1+n2)) (scipy.stats.kstwo.sf).
//
// NaN and ±Inf are dropped first. It returns ErrEmpty when x or y has no
// finite value. x and y are not modified.
func KS2Samp(x, y []float64) (d, p float64, err error) {
	sx, sy := summarize(x), summarize(y)
	if sx.n == 0 || sy.n == 0 {
		return math.NaN(), math.NaN(), ErrEmpty
	}
	var w worker
	d, p = ksFromWalk(w.ks(x, y, sx, sy))
	return d, p, nil
}

// ksFromWalk turns the exact extreme of the ECDF difference into scipy's
// statistic and p-value.
func ksFromWalk(w ksWalk) (d, p float64) {
	n1, n2 := w.n, w.m
	d = w.d()
	if max(n1, n2) <= ksExactMaxN {
		g := gcd(n1, n2)
		lcm := (n1 / g) * n2
		// d*lcm = |i*n2 - j*n1|/g, an integer.
		h := int(w.num()) / g
		d = float64(h) / float64(lcm)
		if p, ok := ksExactP(n1, n2, g, h); ok {
			return d, p
		}
	}
	m, n := float64(max(n1, n2)), float64(min(n1, n2))
	en := m * n / (m + n)
	return d, clip01(kstwoSF(d, int(math.RoundToEven(en))))
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// ksExactP returns P(D >= h/lcm(n1, n2)) for two samples of n1 and n2 values
// under the null hypothesis, and false where the floating-point sum is not a
// probability (scipy then falls back to the asymptotic distribution).
func ksExactP(n1, n2, g, h int) (float64, bool) {
	if h == 0 {
		return 1, true
	}
	var p float64
	if n1 == n2 {
		p = ksOutsideSquare(n1, h)
	} else {
		p = ksOutsideBand(n1, n2, g, h)
	}
	if !(p >= 0 && p <= 1) {
		return p, false
	}
	return p, true
}

// ksOutsideSquare returns P(D_{n,n} >= h/n) for two samples of equal size n.
// By reflection,
//
//	P = 2 * sum_{k>=1} (-1)^(k-1) C(2n, n-kh) / C(2n, n).
//
// Written with A_k = C(2n, n-(k+1)h)/C(2n, n-kh) (the ratio of consecutive
// terms) it is 2 * A_0 (1 - A_1 (1 - A_2 (1 - ...))), evaluated from the
// innermost term outwards so that no large binomial is ever formed and the
// alternating sum does not cancel.
func ksOutsideSquare(n, h int) float64 {
	P := 0.0
	for k := n / h; k >= 0; k-- {
		// A_k as a product of h ratios of neighbouring binomials:
		// C(2n, n-(k+1)h)/C(2n, n-kh) = prod_j (n-kh-j)/(n+kh+j+1).
		p1 := 1.0
		for j := range h {
			p1 = float64(n-k*h-j) * p1 / float64(n+k*h+j+1)
		}
		P = p1 * (1 - P)
	}
	return 2 * P
}

// ksOutsideBand returns P(D >= h/lcm(m, n)) for samples of sizes m != n.
//
// Under the null hypothesis the merged order of the two samples is a
// uniformly random lattice path from (0, 0) to (m, n), one step right per
// value of the first sample and one up per value of the second; at (x, y)
// the ECDFs differ by x/m - y/n, so D >= h/lcm exactly when the path leaves
// the band |ng*x - mg*y| < h (mg = m/g, ng = n/g). Let Q(x, y) be the
// probability that a uniformly random path from (0, 0) to (x, y) leaves the
// band. Since the last step of such a path comes from (x-1, y) with
// probability x/(x+y),
//
//	Q(x, y) = (x*Q(x-1, y) + y*Q(x, y-1)) / (x + y)  inside the band,
//	Q(x, y) = 1                                      outside it,
//
// and Q(0, 0) = 0. Carrying the probability of leaving rather than of
// staying (Viehmann, arXiv:2102.08037) keeps small p-values accurate: no
// 1 - p ever cancels. The answer is Q(m, n). Only the band's window of one
// column is kept.
func ksOutsideBand(m, n, g, h int) float64 {
	if m < n {
		m, n = n, m
	}
	mg, ng := m/g, n/g
	// Column x holds the points with (ng*x - h)/mg < y < (ng*x + h)/mg.
	window := func(x int) (lo, hi int) {
		lo = floorDiv(ng*x-h, mg) + 1
		hi = floorDiv(ng*x+h-1, mg)
		return max(lo, 0), min(hi, n)
	}
	q := make([]float64, n+1)
	for y := range q {
		q[y] = 1
	}
	lo, hi := window(0)
	for y := lo; y <= hi; y++ {
		q[y] = 0
	}
	for x := 1; x <= m; x++ {
		lo, hi = window(x)
		if lo > hi {
			return 1
		}
		// Q(x, lo-1) lies outside the band (or does not exist when lo = 0,
		// where its weight y = 0 is zero anyway).
		val := 0.0
		if lo > 0 {
			val = 1
		}
		fx := float64(x)
		for y := lo; y <= hi; y++ {
			val = (fx*q[y] + float64(y)*val) / float64(x+y)
			if val < flushQ {
				val = 0
			}
			q[y] = val
		}
		// Points above hi were never inside a band so far: q holds 1 there.
	}
	return q[n]
}

// flushQ is the smallest exit probability ksOutsideBand carries; smaller
// ones become 0 (subnormal arithmetic is two orders of magnitude slower).
// Each Q is a weighted average of its neighbours, so each flush moves the
// answer by less than flushQ and all of them together by less than
// (m+n)*flushQ: below 1e-302 for samples the exact method is used for.
const flushQ = 0x1p-1020

// floorDiv returns floor(a/b) for b > 0.
func floorDiv(a, b int) int {
	q := a / b
	if (a%b != 0) && (a < 0) {
		q--
	}
	return q
}
