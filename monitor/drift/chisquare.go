package drift

import (
	"errors"
	"math"
)

// ChiSquare returns Pearson's chi-square goodness-of-fit statistic
// sum (obs - exp)^2 / exp and its p-value with len(obs) - 1 degrees of
// freedom, as scipy.stats.chisquare(obs, exp) computes them. With a single
// category there is nothing to test: the statistic is 0 and the p-value 1
// (scipy returns NaN). It returns an error when the lengths differ, the
// vector is empty, an expected count is not positive, or the two sums
// differ by more than 1e-8 relative (scipy's check).
func ChiSquare(obs, exp []float64) (stat, p float64, err error) {
	if len(obs) != len(exp) || len(obs) == 0 {
		return math.NaN(), math.NaN(), errors.New("drift: ChiSquare: need equal, non-zero numbers of observed and expected counts")
	}
	so, se := 0.0, 0.0
	for i := range obs {
		if !(exp[i] > 0) {
			return math.NaN(), math.NaN(), errors.New("drift: ChiSquare: expected counts must be positive")
		}
		so += obs[i]
		se += exp[i]
	}
	if math.Abs(so-se) > 1e-8*max(math.Abs(so), math.Abs(se)) {
		return math.NaN(), math.NaN(), errors.New("drift: ChiSquare: observed and expected counts have different sums")
	}
	if len(obs) == 1 {
		return 0, 1, nil
	}
	for i := range obs {
		d := obs[i] - exp[i]
		stat += d * d / exp[i]
	}
	return stat, chi2SF(stat, float64(len(obs)-1)), nil
}

// chi2SF returns the chi-square survival function P(X >= x) with df degrees
// of freedom: the regularized upper incomplete gamma function Q(df/2, x/2)
// (scipy.stats.chi2.sf, scipy.special.chdtrc).
func chi2SF(x, df float64) float64 {
	if x <= 0 {
		return 1
	}
	return gammaQ(df/2, x/2)
}

// gammaQ returns the regularized upper incomplete gamma function
// Q(a, x) = Γ(a, x)/Γ(a) for a > 0, x >= 0.
//
// Below x = max(a, 1) it sums the power series of P(a, x) and returns 1 - P,
// where Q is at least about a half and the subtraction loses nothing that
// matters; above, it evaluates Legendre's continued fraction for Q directly
// (modified Lentz), which keeps full relative accuracy in the far tail. The
// common factor x^a e^-x / Γ(a) is formed in logarithms.
func gammaQ(a, x float64) float64 {
	switch {
	case math.IsNaN(a) || math.IsNaN(x) || a <= 0 || x < 0:
		return math.NaN()
	case x == 0:
		return 1
	case math.IsInf(x, 1):
		return 0
	}
	lg, _ := math.Lgamma(a)
	logFac := a*math.Log(x) - x - lg
	if x < 1 || x < a {
		// P(a, x) = x^a e^-x / Γ(a+1) * sum_n x^n / ((a+1)...(a+n))
		//         = x^a e^-x / Γ(a) * sum_n x^n / (a (a+1)...(a+n)).
		term := 1 / a
		sum := term
		for n := 1; n < 1_000_000; n++ {
			term *= x / (a + float64(n))
			sum += term
			if term <= sum*epsilon {
				break
			}
		}
		return clip01(1 - sum*math.Exp(logFac))
	}
	if logFac < -750 {
		return 0
	}
	// Q(a, x) = x^a e^-x / Γ(a) * 1/(x+1-a- 1(1-a)/(x+3-a- 2(2-a)/(x+5-a- ...)))
	const tiny = 1e-300
	b := x + 1 - a
	c := 1 / tiny
	d := 1 / b
	h := d
	for i := 1; i < 1_000_000; i++ {
		an := -float64(i) * (float64(i) - a)
		b += 2
		d = an*d + b
		if math.Abs(d) < tiny {
			d = tiny
		}
		c = b + an/c
		if math.Abs(c) < tiny {
			c = tiny
		}
		d = 1 / d
		del := d * c
		h *= del
		if math.Abs(del-1) <= epsilon {
			break
		}
	}
	return clip01(math.Exp(logFac) * h)
}
