// Package drift measures how far a column's current values have moved from
// its reference values, with the statistics and defaults of Evidently's data
// drift report, each computed as scipy computes it:
//
//   - "ks": two-sample Kolmogorov-Smirnov test, scipy.stats.ks_2samp
//     (exact p-value up to 10000 values per sample, asymptotic beyond);
//   - "wasserstein": Wasserstein-1 distance (scipy.stats.wasserstein_distance)
//     divided by the reference's standard deviation, as Evidently norms it;
//   - "psi": population stability index over Evidently's bins;
//   - "js": Jensen-Shannon distance over the same bins (natural log);
//   - "chisquare": chi-square goodness of fit of the current category counts
//     against the reference shares.
//
// Numeric and Categorical test one column; NumericColumns and
// CategoricalColumns test many on a bounded pool of goroutines. With no
// method chosen, a column gets Evidently's default: with at most 1000
// reference values, KS (numeric) or chi-square (categorical, and numeric
// columns with at most 5 distinct values); with more, normed Wasserstein
// (numeric) or Jensen-Shannon (categorical, and numeric columns with at most
// 5 distinct values).
//
// Numeric inputs drop NaN and ±Inf before anything is computed, as Evidently
// does; a sample left empty is an error (ErrEmpty). docs/drift.md gives the
// references and the agreement measured against them.
package drift

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
)

// Method names a drift statistic. The zero value selects Evidently's default
// for the column (see the package documentation).
type Method string

// The methods. Each has a default threshold: 0.05 on the p-value for the two
// tests, 0.1 on the statistic for the three distances.
const (
	// MethodKS is the two-sample Kolmogorov-Smirnov test; drift when p <= threshold.
	MethodKS Method = "ks"
	// MethodWasserstein is Evidently's normed Wasserstein distance: W1 / max(std(ref), 0.001);
	// drift when it is >= threshold.
	MethodWasserstein Method = "wasserstein"
	// MethodPSI is the population stability index; drift when it is >= threshold.
	MethodPSI Method = "psi"
	// MethodJS is the Jensen-Shannon distance (natural log); drift when it is >= threshold.
	MethodJS Method = "js"
	// MethodChiSquare is the chi-square goodness-of-fit test over the categories the
	// reference saw; drift when p < threshold or the current sample holds a
	// category the reference never saw.
	MethodChiSquare Method = "chisquare"
)

// Evidently's rules for the default method.
const (
	// smallReference is the largest reference for which the defaults are
	// the statistical tests (KS, chi-square) rather than the distances.
	smallReference = 1000
	// fewValues is the largest number of distinct values (reference and
	// current together) for which a numeric column is treated as categories.
	fewValues = 5
)

// Default thresholds.
const (
	defaultPValue   = 0.05
	defaultDistance = 0.1
)

// Options chooses how one column is tested.
type Options struct {
	// Column names the column; it is copied into the Result.
	Column string
	// Method is the statistic; empty selects Evidently's default.
	Method Method
	// Threshold decides drift (see Method); zero selects the method's
	// default. A zero threshold is never useful: no p-value is below 0 and
	// every distance is at least 0.
	Threshold float64
}

// Result is the outcome of one column's test.
type Result struct {
	// Column is Options.Column.
	Column string
	// Method is the statistic used: the chosen one or the default.
	Method Method
	// Statistic is the KS distance D, the normed Wasserstein distance, the
	// PSI, the Jensen-Shannon distance or the chi-square statistic.
	Statistic float64
	// PValue is the p-value of the KS and chi-square tests, nil for the
	// distances.
	PValue *float64
	// Threshold is the threshold applied.
	Threshold float64
	// Drift reports whether the column drifted by Method's rule.
	Drift bool
	// Unseen lists, for chi-square, the current categories the reference
	// never saw, sorted (numeric values formatted with strconv 'g').
	Unseen []string
}

// Errors. Numeric and Categorical wrap them with the column and sample.
var (
	// ErrEmpty reports a reference or current sample with no usable value
	// (for numeric samples: no finite value).
	ErrEmpty = errors.New("drift: no values to compare")
	// ErrMethod reports an unknown method or one that does not apply to the
	// column's kind (KS and Wasserstein need numbers).
	ErrMethod = errors.New("drift: method does not apply")
	// ErrThreshold reports a negative or NaN threshold.
	ErrThreshold = errors.New("drift: threshold must be a non-negative number")
	// ErrRange reports PSI or JS on numeric values whose range (max - min)
	// overflows float64, so no histogram bins exist (numpy raises too).
	ErrRange = errors.New("drift: value range overflows float64; cannot bin")
)

// Numeric tests one numeric column. NaN and ±Inf values are dropped from
// both samples first. It returns an error wrapping ErrEmpty when either
// sample has no finite value, ErrMethod for an unknown method, ErrThreshold
// for a negative or NaN threshold, ErrRange for PSI or JS over values whose
// range overflows float64. ref and cur are not modified.
func Numeric(ref, cur []float64, opt Options) (Result, error) {
	var w worker
	return w.numeric(ref, cur, opt)
}

// Categorical tests one categorical column. Every string is a category,
// the empty string included: drop missing values before calling. It returns
// an error wrapping ErrEmpty when either sample is empty, ErrMethod for KS,
// Wasserstein or an unknown method, ErrThreshold for a negative or NaN
// threshold.
func Categorical(ref, cur []string, opt Options) (Result, error) {
	res := Result{Column: opt.Column}
	if len(ref) == 0 {
		return res, fmt.Errorf("column %q: reference: %w", opt.Column, ErrEmpty)
	}
	if len(cur) == 0 {
		return res, fmt.Errorf("column %q: current: %w", opt.Column, ErrEmpty)
	}
	method := opt.Method
	if method == "" {
		method = MethodJS
		if len(ref) <= smallReference {
			method = MethodChiSquare
		}
	}
	if err := res.setMethod(method, opt); err != nil {
		return res, err
	}
	rc, cc := categoricalCounts(ref), categoricalCounts(cur)
	switch method {
	case MethodChiSquare:
		seen := make([]string, 0, len(rc))
		for k := range rc {
			seen = append(seen, k)
		}
		slices.Sort(seen)
		refCounts := make([]int, len(seen))
		curCounts := make([]int, len(seen))
		for i, k := range seen {
			refCounts[i], curCounts[i] = rc[k], cc[k]
		}
		for k := range cc {
			if _, ok := rc[k]; !ok {
				res.Unseen = append(res.Unseen, k)
			}
		}
		slices.Sort(res.Unseen)
		res.chiSquare(refCounts, curCounts, len(ref))
	case MethodPSI, MethodJS:
		_, rs, cs := categoricalShares(rc, cc, len(ref), len(cur))
		res.distance(rs, cs)
	default:
		return res, fmt.Errorf("column %q: %q on categories: %w", opt.Column, method, ErrMethod)
	}
	return res, nil
}

// setMethod records the method and its threshold, or reports why it cannot.
func (r *Result) setMethod(m Method, opt Options) error {
	var def float64
	switch m {
	case MethodKS, MethodChiSquare:
		def = defaultPValue
	case MethodWasserstein, MethodPSI, MethodJS:
		def = defaultDistance
	default:
		return fmt.Errorf("column %q: %q: %w", opt.Column, m, ErrMethod)
	}
	th := opt.Threshold
	if math.IsNaN(th) || th < 0 {
		return fmt.Errorf("column %q: %v: %w", opt.Column, th, ErrThreshold)
	}
	if th == 0 {
		th = def
	}
	r.Method, r.Threshold = m, th
	return nil
}

// worker holds the buffers one goroutine reuses from column to column.
type worker struct {
	s    sorter
	a, b []float64
	bw   bucketed
}

// sorted returns the finite values of ref and cur, sorted, each followed by
// a +Inf sentinel (see finiteSorted).
func (w *worker) sorted(ref, cur []float64) (a, b []float64) {
	a = w.s.finiteSorted(w.a, ref)
	b = w.s.finiteSorted(w.b, cur)
	w.a, w.b = a, b
	return a, b
}

// ks returns the extreme ECDF difference of the finite values of ref and
// cur (sr and sc summarise them; both have some).
func (w *worker) ks(ref, cur []float64, sr, sc summary) ksWalk {
	if num, ok := w.bucketKS(ref, cur, sr, sc, bucketMinN); ok {
		return ksWalk{n: sr.n, m: sc.n, maxT: num}
	}
	return walkSorted(w.sorted(ref, cur))
}

// wasserstein returns the Wasserstein-1 distance between the finite values
// of ref and cur and the population standard deviation of ref's.
func (w *worker) wasserstein(ref, cur []float64, sr, sc summary) (dist, std float64) {
	if dist, std, ok := w.bucketWasserstein(ref, cur, sr, sc, bucketMinN); ok {
		return dist, std
	}
	a, b := w.sorted(ref, cur)
	return wassersteinSorted(a, b), popStd(a)
}

func (w *worker) numeric(ref, cur []float64, opt Options) (Result, error) {
	res := Result{Column: opt.Column}
	if opt.Method != "" {
		if err := res.setMethod(opt.Method, opt); err != nil {
			return res, err
		}
	}
	sr, sc := summarize(ref), summarize(cur)
	if sr.n == 0 {
		return res, fmt.Errorf("column %q: reference: %w", opt.Column, ErrEmpty)
	}
	if sc.n == 0 {
		return res, fmt.Errorf("column %q: current: %w", opt.Column, ErrEmpty)
	}
	if opt.Method == "" {
		m := defaultNumeric(sr.n, fewDistinct(ref, cur, fewValues))
		if err := res.setMethod(m, opt); err != nil {
			return res, err
		}
	}
	switch res.Method {
	case MethodKS:
		d, p := ksFromWalk(w.ks(ref, cur, sr, sc))
		res.Statistic, res.PValue = d, &p
		res.Drift = p <= res.Threshold
	case MethodWasserstein:
		dist, std := w.wasserstein(ref, cur, sr, sc)
		res.Statistic = dist / max(std, minNorm)
		res.Drift = res.Statistic >= res.Threshold
	case MethodPSI, MethodJS:
		rs, cs, err := numericShares(w.sorted(ref, cur))
		if err != nil {
			return res, fmt.Errorf("column %q: %w", opt.Column, err)
		}
		res.distance(rs, cs)
	case MethodChiSquare:
		refCounts, curCounts, unseen := valueCounts(w.sorted(ref, cur))
		for _, v := range unseen {
			res.Unseen = append(res.Unseen, strconv.FormatFloat(v, 'g', -1, 64))
		}
		res.chiSquare(refCounts, curCounts, sr.n)
	}
	return res, nil
}

// fewDistinct reports whether the finite values of a and b together take at
// most k distinct values. It stops at the (k+1)th, which on continuous data
// comes within the first few values.
func fewDistinct(a, b []float64, k int) bool {
	var buf [fewValues + 1]float64
	seen := buf[:0]
	for _, x := range [2][]float64{a, b} {
		for _, v := range x {
			if math.IsNaN(v) || math.IsInf(v, 0) || slices.Contains(seen, v) {
				continue
			}
			if len(seen) == k {
				return false
			}
			seen = append(seen, v)
		}
	}
	return true
}

// defaultNumeric is Evidently's choice for a numeric column with n reference
// values, few when both samples together hold at most 5 distinct values.
// Evidently takes a z-test for two or fewer values with a small reference;
// chi-square stands in for it here.
func defaultNumeric(n int, few bool) Method {
	switch {
	case n <= smallReference && few:
		return MethodChiSquare
	case n <= smallReference:
		return MethodKS
	case few:
		return MethodJS
	default:
		return MethodWasserstein
	}
}

// distance sets the PSI or JS statistic of two share vectors and decides.
func (r *Result) distance(rs, cs []float64) {
	var v float64
	if r.Method == MethodPSI {
		v, _ = PSI(rs, cs)
	} else {
		v, _ = JensenShannon(rs, cs)
	}
	r.Statistic = v
	r.Drift = v >= r.Threshold
}

// chiSquare tests the current counts of the categories the reference saw
// against the reference's shares (refCounts over nRef) scaled to the number
// of current values in those categories, and decides: drift when p is below
// the threshold or Unseen is not empty. When no current value falls in a
// category the reference saw there is nothing to compare: the statistic is
// 0, the p-value 0 and the column drifted.
func (r *Result) chiSquare(refCounts, curCounts []int, nRef int) {
	curSeen := 0
	for _, c := range curCounts {
		curSeen += c
	}
	var stat, p float64
	if curSeen > 0 {
		obs := make([]float64, len(refCounts))
		exp := make([]float64, len(refCounts))
		for i := range refCounts {
			obs[i] = float64(curCounts[i])
			exp[i] = float64(refCounts[i]) / float64(nRef) * float64(curSeen)
		}
		stat, p, _ = ChiSquare(obs, exp)
	}
	r.Statistic, r.PValue = stat, &p
	r.Drift = p < r.Threshold || len(r.Unseen) > 0
}

// valueCounts counts, for each distinct value of the sorted a, its
// occurrences in a and in the sorted b, and lists the distinct values of b
// that a lacks.
func valueCounts(a, b []float64) (refCounts, curCounts []int, unseen []float64) {
	j := 0
	for i := 0; i < len(a); {
		v := a[i]
		rc := 0
		for i < len(a) && a[i] == v {
			i++
			rc++
		}
		for j < len(b) && b[j] < v {
			if len(unseen) == 0 || unseen[len(unseen)-1] != b[j] {
				unseen = append(unseen, b[j])
			}
			j++
		}
		cc := 0
		for j < len(b) && b[j] == v {
			j++
			cc++
		}
		refCounts = append(refCounts, rc)
		curCounts = append(curCounts, cc)
	}
	for ; j < len(b); j++ {
		if len(unseen) == 0 || unseen[len(unseen)-1] != b[j] {
			unseen = append(unseen, b[j])
		}
	}
	return refCounts, curCounts, unseen
}
