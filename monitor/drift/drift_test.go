package drift

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

var (
	nan = math.NaN()
	inf = math.Inf(1)
)

func TestNumericEdgeCases(t *testing.T) {
	tests := []struct {
		name     string
		ref, cur []float64
		opt      Options
		err      error
		method   Method
		stat     float64
		p        float64 // checked when the method has one
		drift    bool
		unseen   []string
	}{
		{name: "empty reference", ref: nil, cur: []float64{1}, err: ErrEmpty},
		{name: "empty current", ref: []float64{1}, cur: []float64{}, err: ErrEmpty},
		{name: "all-NaN reference", ref: []float64{nan, nan}, cur: []float64{1, 2}, err: ErrEmpty},
		{name: "only infinities in current", ref: []float64{1}, cur: []float64{inf, -inf, nan}, err: ErrEmpty},
		{name: "unknown method", ref: []float64{1}, cur: []float64{1}, opt: Options{Method: "t-test"}, err: ErrMethod},
		{name: "negative threshold", ref: []float64{1}, cur: []float64{1}, opt: Options{Threshold: -1}, err: ErrThreshold},
		{name: "NaN threshold", ref: []float64{1}, cur: []float64{1}, opt: Options{Method: MethodKS, Threshold: nan}, err: ErrThreshold},
		{
			name: "same constant: chi-square with one category",
			ref:  []float64{2, 2, 2}, cur: []float64{2, 2},
			method: MethodChiSquare, stat: 0, p: 1, drift: false,
		},
		{
			name: "moved constant: unseen value is drift",
			ref:  []float64{2, 2, 2}, cur: []float64{3},
			method: MethodChiSquare, stat: 0, p: 0, drift: true, unseen: []string{"3"},
		},
		{
			name: "constant KS",
			ref:  []float64{2, 2, 2}, cur: []float64{2, 2}, opt: Options{Method: MethodKS},
			method: MethodKS, stat: 0, p: 1, drift: false,
		},
		{
			name: "disjoint KS: exact p = 2/C(6,3)",
			ref:  []float64{1, 2, 3}, cur: []float64{4, 5, 6}, opt: Options{Method: MethodKS},
			method: MethodKS, stat: 1, p: 0.1, drift: false,
		},
		{
			name: "KS threshold is inclusive (Evidently: p <= threshold)",
			ref:  []float64{1, 2, 3}, cur: []float64{4, 5, 6}, opt: Options{Method: MethodKS, Threshold: 0.1},
			method: MethodKS, stat: 1, p: 0.1, drift: true,
		},
		{
			name: "NaN and infinities are dropped",
			ref:  []float64{nan, 1, 2, inf, 3}, cur: []float64{-inf, 4, 5, 6, nan}, opt: Options{Method: MethodKS},
			method: MethodKS, stat: 1, p: 0.1, drift: false,
		},
		{
			name: "minus zero equals zero",
			ref:  []float64{math.Copysign(0, -1), 1}, cur: []float64{0, 1}, opt: Options{Method: MethodWasserstein},
			method: MethodWasserstein, stat: 0, drift: false,
		},
		{
			name: "Wasserstein of constant reference is normed by 0.001",
			ref:  []float64{5, 5, 5, 5}, cur: []float64{5, 5, 5, 5.001}, opt: Options{Method: MethodWasserstein},
			method: MethodWasserstein, stat: 0.25 * (5.001 - 5) / 0.001, drift: true,
		},
		{
			name: "threshold override",
			ref:  []float64{0, 1}, cur: []float64{0, 1.5}, opt: Options{Method: MethodWasserstein, Threshold: 1},
			method: MethodWasserstein, stat: 0.25 / 0.5, drift: false,
		},
		{
			name: "PSI over per-value bins",
			ref:  []float64{1, 1, 2, 2}, cur: []float64{1, 2, 2, 2}, opt: Options{Method: MethodPSI},
			method: MethodPSI, stat: (0.5-0.25)*math.Log(0.5/0.25) + (0.5-0.75)*math.Log(0.5/0.75), drift: true,
		},
		{
			name: "PSI over a range that overflows",
			ref:  spread(-1e308, 1e308, 30), cur: []float64{0}, opt: Options{Method: MethodPSI},
			err: ErrRange,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ref, cur := slices.Clone(tc.ref), slices.Clone(tc.cur)
			r, err := Numeric(ref, cur, tc.opt)
			if !slices.EqualFunc(ref, tc.ref, same) || !slices.EqualFunc(cur, tc.cur, same) {
				t.Fatal("inputs modified")
			}
			if tc.err != nil {
				if !errors.Is(err, tc.err) {
					t.Fatalf("err = %v, want %v", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if r.Method != tc.method || r.Drift != tc.drift {
				t.Errorf("method %s drift %v, want %s %v", r.Method, r.Drift, tc.method, tc.drift)
			}
			if !near(r.Statistic, tc.stat, 1e-12, 1e-15) {
				t.Errorf("statistic %.17g, want %.17g", r.Statistic, tc.stat)
			}
			if (r.Method == MethodKS || r.Method == MethodChiSquare) && (r.PValue == nil || !near(*r.PValue, tc.p, 1e-12, 1e-15)) {
				t.Errorf("p-value %v, want %g", r.PValue, tc.p)
			}
			if !slices.Equal(r.Unseen, tc.unseen) {
				t.Errorf("unseen %q, want %q", r.Unseen, tc.unseen)
			}
		})
	}
}

func same(a, b float64) bool { return a == b || (math.IsNaN(a) && math.IsNaN(b)) }

// spread returns n values evenly spaced from lo to hi, computed without
// forming hi - lo (which may overflow).
func spread(lo, hi float64, n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		f := float64(i) / float64(n-1)
		out[i] = lo*(1-f) + hi*f
	}
	return out
}

func TestWassersteinOverflowIsInfNotNaN(t *testing.T) {
	w, err := Wasserstein1([]float64{-math.MaxFloat64, math.MaxFloat64}, []float64{-math.MaxFloat64, -math.MaxFloat64})
	if err != nil || !math.IsInf(w, 1) {
		t.Fatalf("W1 = %v, %v; want +Inf", w, err)
	}
	n, err := WassersteinNormed([]float64{-math.MaxFloat64, math.MaxFloat64}, []float64{0})
	if err != nil || math.IsNaN(n) {
		t.Fatalf("normed = %v, %v", n, err)
	}
}

func TestDefaults(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	normal := func(n int, mu float64) []float64 {
		out := make([]float64, n)
		for i := range out {
			out[i] = rng.NormFloat64() + mu
		}
		return out
	}
	ints := func(n, k int) []float64 {
		out := make([]float64, n)
		for i := range out {
			out[i] = float64(rng.IntN(k))
		}
		return out
	}
	for _, tc := range []struct {
		name     string
		ref, cur []float64
		method   Method
		th       float64
	}{
		{"1000 reference values: KS", normal(1000, 0), normal(50, 0), MethodKS, 0.05},
		{"1001 reference values: Wasserstein", normal(1001, 0), normal(50, 0), MethodWasserstein, 0.1},
		{"NaN not counted", append(normal(1000, 0), nan, nan), normal(50, 0), MethodKS, 0.05},
		{"5 values, small: chi-square", ints(1000, 5), ints(30, 5), MethodChiSquare, 0.05},
		{"6 values, small: KS", ints(1000, 6), ints(3000, 6), MethodKS, 0.05},
		{"5 values, big: JS", ints(1001, 5), ints(30, 5), MethodJS, 0.1},
		{"6 values, big: Wasserstein", ints(1001, 6), ints(30, 6), MethodWasserstein, 0.1},
	} {
		r, err := Numeric(tc.ref, tc.cur, Options{})
		if err != nil || r.Method != tc.method || r.Threshold != tc.th {
			t.Errorf("%s: %s %g (%v), want %s %g", tc.name, r.Method, r.Threshold, err, tc.method, tc.th)
		}
	}
	cats := func(n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = string(rune('a' + rng.IntN(3)))
		}
		return out
	}
	for n, want := range map[int]Method{1000: MethodChiSquare, 1001: MethodJS} {
		r, err := Categorical(cats(n), cats(10), Options{})
		if err != nil || r.Method != want {
			t.Errorf("categorical %d: %s (%v), want %s", n, r.Method, err, want)
		}
	}
}

func TestCategoricalErrors(t *testing.T) {
	for _, tc := range []struct {
		ref, cur []string
		opt      Options
		err      error
	}{
		{nil, []string{"a"}, Options{}, ErrEmpty},
		{[]string{"a"}, nil, Options{}, ErrEmpty},
		{[]string{"a"}, []string{"a"}, Options{Method: MethodKS}, ErrMethod},
		{[]string{"a"}, []string{"a"}, Options{Method: MethodWasserstein}, ErrMethod},
		{[]string{"a"}, []string{"a"}, Options{Method: "x"}, ErrMethod},
		{[]string{"a"}, []string{"a"}, Options{Threshold: -0.5}, ErrThreshold},
	} {
		if _, err := Categorical(tc.ref, tc.cur, tc.opt); !errors.Is(err, tc.err) {
			t.Errorf("%v/%v %+v: err %v, want %v", tc.ref, tc.cur, tc.opt, err, tc.err)
		}
	}
}

func TestChiSquareUnseenAndJS(t *testing.T) {
	r, err := Categorical([]string{"a", "a", "b"}, []string{"a", "c", "b", "d", "c"}, Options{Method: MethodChiSquare, Threshold: 0.01})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(r.Unseen, []string{"c", "d"}) || !r.Drift || r.Threshold != 0.01 {
		t.Errorf("got %+v", r)
	}
	// Disjoint categories are as far apart as Jensen-Shannon can tell.
	r, err = Categorical([]string{"a"}, []string{"b"}, Options{Method: MethodJS})
	if err != nil || r.Statistic != maxJS || !r.Drift {
		t.Errorf("disjoint JS: %+v %v", r, err)
	}
	if maxJS != math.Sqrt(math.Ln2) {
		t.Errorf("maxJS %v != sqrt(ln 2) %v", maxJS, math.Sqrt(math.Ln2))
	}
}

func TestLowLevelErrors(t *testing.T) {
	if _, _, err := KS2Samp(nil, []float64{1}); !errors.Is(err, ErrEmpty) {
		t.Errorf("KS2Samp: %v", err)
	}
	if _, err := Wasserstein1([]float64{nan}, []float64{1}); !errors.Is(err, ErrEmpty) {
		t.Errorf("Wasserstein1: %v", err)
	}
	if _, err := PSI([]float64{1}, []float64{0.5, 0.5}); err == nil {
		t.Error("PSI: lengths")
	}
	if _, err := PSI([]float64{0, 0}, []float64{0.5, 0.5}); err == nil {
		t.Error("PSI: all zero")
	}
	if _, err := JensenShannon([]float64{0}, []float64{1}); err == nil {
		t.Error("JS: zero sum")
	}
	if _, _, err := ChiSquare([]float64{1, 2}, []float64{1, 1}); err == nil {
		t.Error("ChiSquare: sums differ")
	}
	if _, _, err := ChiSquare([]float64{1, 2}, []float64{0, 3}); err == nil {
		t.Error("ChiSquare: zero expected")
	}
	if s, p, err := ChiSquare([]float64{4}, []float64{4}); err != nil || s != 0 || p != 1 {
		t.Errorf("ChiSquare one category: %v %v %v", s, p, err)
	}
}

func TestFiniteSorted(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	var s sorter
	for _, n := range []int{0, 1, 5, radixMin - 1, radixMin, 1000, 100000} {
		for _, kind := range []string{"normal", "ints", "constant", "wide", "specials"} {
			src := make([]float64, n)
			for i := range src {
				switch kind {
				case "normal":
					src[i] = rng.NormFloat64()
				case "ints":
					src[i] = float64(rng.IntN(7) - 3)
				case "constant":
					src[i] = -2.5
				case "wide":
					src[i] = math.Float64frombits(rng.Uint64())
				case "specials":
					src[i] = []float64{nan, inf, -inf, 0, math.Copysign(0, -1), math.SmallestNonzeroFloat64, -math.MaxFloat64, 1}[rng.IntN(8)]
				}
			}
			orig := slices.Clone(src)
			var want []float64
			for _, v := range src {
				if !math.IsNaN(v) && !math.IsInf(v, 0) {
					want = append(want, v)
				}
			}
			slices.Sort(want)
			got := s.finiteSorted(nil, src)
			if !slices.Equal(got, want) {
				t.Errorf("n=%d %s: not sorted like slices.Sort", n, kind)
			}
			if sentinel := got[:len(got)+1][len(got)]; !math.IsInf(sentinel, 1) {
				t.Errorf("n=%d %s: sentinel %v", n, kind, sentinel)
			}
			if !slices.EqualFunc(src, orig, same) {
				t.Errorf("n=%d %s: source modified", n, kind)
			}
		}
	}
}

func TestBatch(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	var cols []NumericColumn
	for i := range 9 {
		ref := make([]float64, 2000+i)
		cur := make([]float64, 1500)
		for j := range ref {
			ref[j] = rng.NormFloat64()
		}
		for j := range cur {
			cur[j] = rng.NormFloat64() + float64(i)/10
		}
		cols = append(cols, NumericColumn{Ref: ref, Cur: cur, Options: Options{Column: string(rune('a' + i))}})
	}
	cols[4].Cur = []float64{nan}
	res, err := NumericColumns(context.Background(), cols, 3)
	var ce *ColumnError
	if !errors.Is(err, ErrEmpty) || !errors.As(err, &ce) || ce.Index != 4 || ce.Column != "e" {
		t.Fatalf("err = %v", err)
	}
	for i, c := range cols {
		if i == 4 {
			continue
		}
		want, err := Numeric(c.Ref, c.Cur, c.Options)
		if err != nil || res[i].Statistic != want.Statistic || res[i].Column != want.Column || res[i].Drift != want.Drift {
			t.Errorf("column %d: batch %+v, single %+v (%v)", i, res[i], want, err)
		}
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := NumericColumns(ctx, cols, 2); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}

	cres, err := CategoricalColumns(context.Background(), []CategoricalColumn{
		{Ref: []string{"a", "b"}, Cur: []string{"a", "b"}, Options: Options{Column: "x"}},
		{Ref: []string{"a"}, Cur: nil, Options: Options{Column: "y"}},
	}, 0)
	if len(cres) != 2 || cres[0].Drift || !errors.Is(err, ErrEmpty) {
		t.Errorf("categorical batch: %+v %v", cres, err)
	}
}
