package drift

import "math"

// minNorm is the floor Evidently puts under the reference's standard
// deviation before dividing by it, so that a constant reference column does
// not divide by zero.
const minNorm = 0.001

// Wasserstein1 returns the first Wasserstein (earth mover's) distance between
// the empirical distributions of u and v, the integral of |U(x) - V(x)| over
// x, as scipy.stats.wasserstein_distance(u, v) computes it. NaN and ±Inf are
// dropped first; it returns ErrEmpty when either has no finite value. The
// result is +Inf only when the values span more than the largest float64.
func Wasserstein1(u, v []float64) (float64, error) {
	su, sv := summarize(u), summarize(v)
	if su.n == 0 || sv.n == 0 {
		return math.NaN(), ErrEmpty
	}
	var w worker
	dist, _ := w.wasserstein(u, v, su, sv)
	return dist, nil
}

// WassersteinNormed returns Evidently's normed Wasserstein distance: the
// Wasserstein-1 distance between ref and cur divided by the population
// standard deviation of ref (numpy.std, ddof=0), or by 0.001 when that is
// smaller. The normalisation makes the default threshold of 0.1 mean "a
// tenth of a reference standard deviation" whatever the column's unit.
// NaN and ±Inf are dropped first; it returns ErrEmpty when either has no
// finite value.
func WassersteinNormed(ref, cur []float64) (float64, error) {
	sr, sc := summarize(ref), summarize(cur)
	if sr.n == 0 || sc.n == 0 {
		return math.NaN(), ErrEmpty
	}
	var w worker
	dist, std := w.wasserstein(ref, cur, sr, sc)
	return dist / max(std, minNorm), nil
}

// popStd returns the population standard deviation (ddof = 0) of the finite,
// sorted, non-empty x, as numpy.std computes it (mean first, then the mean
// squared deviation), with the mean summed with compensation. Values beyond 2^500 in magnitude are scaled by an exact
// power of two first so that the squares cannot overflow.
func popStd(x []float64) float64 {
	big := max(math.Abs(x[0]), math.Abs(x[len(x)-1]))
	scale := 1.0
	if big > 0x1p500 {
		scale = 0x1p-600
	}
	n := float64(len(x))
	var sum compSum
	for _, v := range x {
		sum.add(v * scale)
	}
	mean := sum.sum() / n
	ss := 0.0
	for _, v := range x {
		d := v*scale - mean
		ss += d * d
	}
	return math.Sqrt(ss/n) / scale
}
