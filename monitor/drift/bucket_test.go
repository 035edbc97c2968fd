package drift

import (
	"math"
	"math/rand/v2"
	"sort"
	"testing"
)

// checkBucketed compares the bucketed statistics, forced on whatever the
// size, with the sort-and-merge ones.
func checkBucketed(t *testing.T, name string, a, b []float64) {
	t.Helper()
	sa, sb := summarize(a), summarize(b)
	if sa.n == 0 || sb.n == 0 {
		return
	}
	var w worker
	x, y := w.sorted(a, b)
	walk := walkSorted(x, y)
	wantW, wantStd := wassersteinSorted(x, y), popStd(x)
	num, ok := w.bucketKS(a, b, sa, sb, 0)
	if ok && num != walk.num() {
		t.Errorf("%s: bucketed KS max|t| %d, merge %d", name, num, walk.num())
	}
	gotW, gotStd, ok := w.bucketWasserstein(a, b, sa, sb, 0)
	if !ok {
		return
	}
	// The two paths add the same terms in different orders; with values
	// that cancel (two_points) that costs up to a few 1e-12 relative.
	if !near(gotW, wantW, 1e-10, 1e-300) && !(math.IsInf(gotW, 1) && math.IsInf(wantW, 1)) {
		t.Errorf("%s: bucketed W1 %.17g, sorted %.17g (rel %.2g)", name, gotW, wantW, math.Abs(gotW-wantW)/wantW)
	}
	if !near(gotStd, wantStd, 1e-12, 1e-300) {
		t.Errorf("%s: std %.17g, sorted %.17g", name, gotStd, wantStd)
	}
	if back, _, _ := w.bucketWasserstein(b, a, sb, sa, 0); back != gotW {
		t.Errorf("%s: bucketed W1 not symmetric: %.17g vs %.17g", name, gotW, back)
	}
}

func TestBucketedMatchesSorted(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	gen := map[string]func(n int, shift float64) []float64{
		"normal": func(n int, s float64) []float64 {
			return fill(n, func() float64 { return rng.NormFloat64() + s })
		},
		"ints": func(n int, s float64) []float64 {
			return fill(n, func() float64 { return float64(rng.IntN(40)) + math.Round(s*10) })
		},
		"lognormal": func(n int, s float64) []float64 {
			return fill(n, func() float64 { return math.Exp(2*rng.NormFloat64() + s) })
		},
		"outlier": func(n int, s float64) []float64 {
			x := fill(n, func() float64 { return rng.Float64() + s })
			x[0] = 1e15
			return x
		},
		"narrow": func(n int, s float64) []float64 {
			return fill(n, func() float64 { return 1 + float64(rng.IntN(1000))*0x1p-52 + s*0x1p-45 })
		},
		"big": func(n int, s float64) []float64 {
			return fill(n, func() float64 { return 1e12 + 1e3*rng.NormFloat64() + s*1e3 })
		},
		"huge": func(n int, s float64) []float64 {
			return fill(n, func() float64 { return 1e300 * (rng.NormFloat64() + s) })
		},
		"two_points": func(n int, s float64) []float64 {
			return fill(n, func() float64 { return float64(rng.IntN(2)) - 0.5 + s })
		},
		"with_nan": func(n int, s float64) []float64 {
			return fill(n, func() float64 {
				if rng.IntN(10) == 0 {
					return math.NaN()
				}
				return rng.NormFloat64() + s
			})
		},
	}
	// Sorted names: the generators share one seeded source, so map order
	// would make the data (and any failure) differ from run to run.
	names := make([]string, 0, len(gen))
	for name := range gen {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		g := gen[name]
		for _, sz := range [][2]int{{5000, 5000}, {4096, 20000}, {30000, 7}, {100, 50000}} {
			for _, shift := range []float64{0, 0.05, 1} {
				checkBucketed(t, name, g(sz[0], 0), g(sz[1], shift))
			}
		}
	}
}

func fill(n int, f func() float64) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = f()
	}
	return out
}
