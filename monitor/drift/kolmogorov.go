package drift

import "math"

// This file computes the survival function of D_n, the two-sided one-sample
// Kolmogorov-Smirnov statistic for a sample of n, which is what
// scipy.stats.ks_2samp uses for its asymptotic two-sided p-value
// (scipy.stats.kstwo.sf(d, round(n1*n2/(n1+n2)))). It follows the selection
// of methods by Simard and L'Ecuyer, "Computing the Two-Sided
// Kolmogorov-Smirnov Distribution", J. Stat. Softw. 39(11), 2011, with the
// cut-offs scipy uses so that both pick the same method for the same (n, d):
//
//   - Ruben-Gambino closed forms for d <= 1/n and d >= 1 - 1/n;
//   - 2 * Smirnov's one-sided tail where the two tails cannot overlap
//     (d >= 1/2) or where their overlap is negligible (Miller);
//   - Durbin's matrix algorithm (as Marsaglia, Tsang and Wang evaluate it)
//     and Pomeranz's recursion for small n*d^2;
//   - the Pelz-Good asymptotic series for large n and small n*d^2.

const (
	exp128  = 0x1p128
	expM128 = 0x1p-128
)

// kstwoSF returns P(D_n >= d).
func kstwoSF(d float64, n int) float64 {
	if n <= 0 || math.IsNaN(d) {
		return math.NaN()
	}
	if d >= 1 {
		return 0
	}
	if d <= 0 {
		return 1
	}
	fn := float64(n)
	t := fn * d
	if t <= 1 {
		if t <= 0.5 {
			return 1
		}
		// P(D_n <= d) = n!/n^n * (2nd - 1)^n for 1/(2n) <= d <= 1/n.
		var cdf float64
		if n <= 140 {
			cdf = 1
			for i := 1; i <= n; i++ {
				cdf *= float64(i) * (1 / fn) * (2*t - 1)
			}
		} else {
			cdf = math.Exp(logFactorialOverPower(n) + fn*math.Log(2*t-1))
		}
		return clip01(1 - cdf)
	}
	if t >= fn-1 {
		return clip01(2 * math.Pow(1-d, fn))
	}
	if d >= 0.5 {
		return clip01(2 * smirnovSF(n, d))
	}
	nd2 := t * d
	if n <= 140 {
		switch {
		case nd2 <= 0.754693:
			return clip01(1 - kolmogDurbin(n, d))
		case nd2 <= 4:
			return clip01(1 - kolmogPomeranz(n, d))
		default:
			return clip01(2 * smirnovSF(n, d))
		}
	}
	if nd2 >= 370 {
		return 0
	}
	if nd2 >= 2.2 {
		return clip01(2 * smirnovSF(n, d))
	}
	var cdf float64
	if n <= 100000 && fn*math.Pow(d, 1.5) <= 1.4 {
		cdf = kolmogDurbin(n, d)
	} else {
		cdf = kolmogPelzGood(n, d)
	}
	return clip01(1 - cdf)
}

func clip01(p float64) float64 {
	if p < 0 {
		return 0
	}
	if p > 1 {
		return 1
	}
	return p
}

// logFactorialOverPower returns log(n!/n^n) from Stirling's series, with the
// n*log(n) terms cancelled analytically rather than numerically.
func logFactorialOverPower(n int) float64 {
	// B_{2j}/(2j)/(2j-1) for j = 8..1.
	stirling := [...]float64{
		-2.955065359477124183e-2, 6.4102564102564102564e-3,
		-1.9175269175269175269e-3, 8.4175084175084175084e-4,
		-5.952380952380952381e-4, 7.9365079365079365079e-4,
		-2.7777777777777777778e-3, 8.3333333333333333333e-2,
	}
	fn := float64(n)
	rn := 1 / fn
	x := rn / fn
	poly := 0.0
	for _, c := range stirling {
		poly = poly*x + c
	}
	return math.Log(fn)/2 - fn + math.Log(2*math.Pi)/2 + rn*poly
}

// kolmogDurbin returns P(D_n <= d) by Durbin's matrix method: with
// d = (k - h)/n, the answer is n!/n^n times the (k, k) entry of H^n for a
// (2k-1)-square matrix H. Powers are rescaled by 2^128 as they grow and the
// exponent is carried separately.
func kolmogDurbin(n int, d float64) float64 {
	if d >= 1 {
		return 1
	}
	fn := float64(n)
	nd := fn * d
	if nd <= 0.5 {
		return 0
	}
	k := int(math.Ceil(nd))
	h := float64(k) - nd
	m := 2*k - 1

	v := make([]float64, m)
	w := make([]float64, m)
	fac := 1.0
	for j := 1; j <= m; j++ {
		w[j-1] = fac
		fac /= float64(j)
		v[j-1] = (1 - math.Pow(h, float64(j))) * fac
	}
	tt := math.Pow(max(2*h-1, 0), float64(m)) - 2*math.Pow(h, float64(m))
	v[m-1] = (1 + tt) * fac

	H := newMat(m)
	for i := 1; i < m; i++ {
		for r := i - 1; r < m; r++ {
			H.set(r, i, w[r-(i-1)])
		}
	}
	for r := range m {
		H.set(r, 0, v[r])
	}
	for c := range m {
		H.set(m-1, c, v[m-1-c])
	}

	pw := identity(m)
	tmp := newMat(m)
	expnt, hExpnt := 0, 0
	for nn := n; nn > 0; nn /= 2 {
		if nn%2 == 1 {
			mul(tmp, pw, H)
			pw, tmp = tmp, pw
			expnt += hExpnt
		}
		mul(tmp, H, H)
		H, tmp = tmp, H
		hExpnt *= 2
		if math.Abs(H.at(k-1, k-1)) > exp128 {
			for i := range H.a {
				H.a[i] /= exp128
			}
			hExpnt += 128
		}
	}
	p := pw.at(k-1, k-1)
	for i := 1; i <= n; i++ {
		p = float64(i) * p / fn
		if math.Abs(p) < expM128 {
			p *= exp128
			expnt -= 128
		}
	}
	if expnt != 0 {
		p = math.Ldexp(p, expnt)
	}
	return clip01(p)
}

// mat is a small dense square matrix, row-major.
type mat struct {
	n int
	a []float64
}

func newMat(n int) mat                { return mat{n: n, a: make([]float64, n*n)} }
func (x mat) at(r, c int) float64     { return x.a[r*x.n+c] }
func (x mat) set(r, c int, v float64) { x.a[r*x.n+c] = v }
func (x mat) row(r int) []float64     { return x.a[r*x.n : (r+1)*x.n] }

func identity(n int) mat {
	x := newMat(n)
	for i := range n {
		x.set(i, i, 1)
	}
	return x
}

// mul sets dst = x*y; dst must not alias x or y.
func mul(dst, x, y mat) {
	clear(dst.a)
	n := x.n
	for r := range n {
		dr := dst.row(r)
		xr := x.row(r)
		for k := range n {
			xv := xr[k]
			if xv == 0 {
				continue
			}
			yr := y.row(k)
			for c := range n {
				dr[c] += xv * yr[c]
			}
		}
	}
}

// kolmogPomeranz returns P(D_n <= d) by Pomeranz's recursion (CACM
// Algorithm 487): 2n+1 rows, each the convolution of the previous row with
// one of three truncated Poisson weight vectors, rescaled by 2^128 as the
// values shrink.
func kolmogPomeranz(n int, d float64) float64 {
	fn := float64(n)
	t := fn * d
	ll := int(math.Floor(t))
	f := t - float64(ll)
	g := min(f, 1-f)
	ceilf, roundf := 0, 0
	if f > 0 {
		ceilf = 1
	}
	if f > 0.5 {
		roundf = 1
	}
	npwrs := 2 * (ll + 1)
	gpower := make([]float64, npwrs)
	twogpower := make([]float64, npwrs)
	onem2gpower := make([]float64, npwrs)
	gpower[0], twogpower[0], onem2gpower[0] = 1, 1, 1
	gOverN, twoGOverN, oneMinus2GOverN := g/fn, 2*g/fn, (1-2*g)/fn
	for m := 1; m < npwrs; m++ {
		gpower[m] = gpower[m-1] * gOverN / float64(m)
		twogpower[m] = twogpower[m-1] * twoGOverN / float64(m)
		onem2gpower[m] = onem2gpower[m-1] * oneMinus2GOverN / float64(m)
	}

	bounds := func(i int) (int, int) {
		var j1, j2 int
		if i == 0 {
			j1, j2 = -ll-ceilf-1, ll+ceilf-1
		} else {
			half, odd := (i+1)/2, (i+1)%2
			if odd == 0 { // i is odd
				if half == n+1 {
					j1, j2 = n-ll-ceilf-1, n+ll+ceilf-1
				} else {
					j1, j2 = half-1-ll-roundf-1, half+ll-1+ceilf-1
				}
			} else {
				j1, j2 = half-1-ll-1, half+ll+roundf-1
			}
		}
		return max(j1+2, 0), min(j2, n)
	}

	v0 := make([]float64, npwrs)
	v1 := make([]float64, npwrs)
	v1[0] = 1
	v0s, v1s := 0, 0
	expnt := 0
	j1, _ := bounds(0)
	for i := 1; i <= 2*n+1; i++ {
		k1 := j1
		v0, v1 = v1, v0
		v0s, v1s = v1s, v0s
		clear(v1)
		var j2 int
		j1, j2 = bounds(i)
		var pwrs []float64
		switch {
		case i == 1 || i == 2*n+1:
			pwrs = gpower
		case i%2 == 1:
			pwrs = twogpower
		default:
			pwrs = onem2gpower
		}
		ln2 := j2 - k1 + 1
		if ln2 <= 0 {
			continue
		}
		lo := k1 - v0s
		hi := min(lo+ln2, len(v0))
		if lo < 0 || lo > hi {
			continue
		}
		src := v0[lo:hi]
		pw := pwrs[:min(ln2, len(pwrs))]
		start := j1 - k1
		length := j2 - j1 + 1
		// v1[r] = (src * pw)[start + r], the full linear convolution.
		vmax := 0.0
		for r := 0; r < length && r < len(v1); r++ {
			idx := start + r
			s := 0.0
			for q := max(0, idx-len(pw)+1); q <= idx && q < len(src); q++ {
				s += src[q] * pw[idx-q]
			}
			v1[r] = s
			vmax = max(vmax, s)
		}
		if vmax > 0 && vmax < expM128 {
			for r := range v1 {
				v1[r] *= exp128
			}
			expnt -= 128
		}
		v1s = v0s + j1 - k1
	}
	idx := n - v1s
	if idx < 0 || idx >= len(v1) {
		return 0
	}
	ans := v1[idx]
	for m := 1; m <= n; m++ {
		if math.Abs(ans) > exp128 {
			ans *= expM128
			expnt += 128
		}
		ans *= float64(m)
	}
	if expnt != 0 {
		ans = math.Ldexp(ans, expnt)
	}
	return clip01(ans)
}

// kolmogPelzGood returns the Pelz-Good approximation of P(D_n <= d): the
// Li-Chien/Korolyuk expansion K0 + K1/sqrt(n) + K2/n + K3/n^1.5 in z =
// d*sqrt(n), each term rewritten through Jacobi's theta transformation so
// that it converges for small z.
func kolmogPelzGood(n int, d float64) float64 {
	if d <= 0 {
		return 0
	}
	if d >= 1 {
		return 1
	}
	const (
		pi2 = math.Pi * math.Pi
		pi4 = pi2 * pi2
		pi6 = pi4 * pi2
	)
	sqrt2pi := math.Sqrt(2 * math.Pi)
	fn := float64(n)
	z := math.Sqrt(fn) * d
	z2, z3, z4, z6 := z*z, z*z*z, z*z*z*z, z*z*z*z*z*z

	qlog := -pi2 / 8 / z2
	if qlog < -708 {
		return 0
	}
	q := math.Exp(qlog)

	k1a := -z2
	k1b := pi2 / 4
	k2a := 6*z6 + 2*z4
	k2b := (2*z4 - 5*z2) * pi2 / 4
	k2c := pi4 * (1 - 2*z2) / 16
	k3d := pi6 * (5 - 30*z2) / 64
	k3c := pi4 * (-60*z2 + 212*z4) / 16
	k3b := pi2 * (135*z4 - 96*z6) / 4
	k3a := -30*z6 - 90*math.Pow(z, 8)

	var K [4]float64
	maxk := int(math.Ceil(16 * z / math.Pi))
	for k := maxk; k >= 1; k-- {
		m := float64(2*k - 1)
		m2 := m * m
		m4 := m2 * m2
		m6 := m4 * m2
		qp := math.Pow(q, float64(8*k))
		c := [4]float64{
			1,
			k1a + k1b*m2,
			k2a + k2b*m2 + k2c*m4,
			k3a + k3b*m2 + k3c*m4 + k3d*m6,
		}
		for i := range K {
			K[i] = K[i]*qp + c[i]
		}
	}
	div := [4]float64{z, 6 * z4, 72 * math.Pow(z, 7), 6480 * math.Pow(z, 10)}
	for i := range K {
		K[i] = K[i] * q * sqrt2pi / div[i]
	}

	// The remaining sums run over all integers k:
	//   K2 += -(pi^2 k^2) q^(k^2) ..., K3 += (3 z^2 - pi^2 k^2) pi^2 k^2 q^(k^2) ...
	q = math.Exp(-pi2 / 2 / z2)
	sqrt3z := math.Sqrt(3) * z
	var k2extra, k3extra float64
	for k := maxk; k >= 1; k-- {
		fk := float64(k)
		ksq := fk * fk
		qk := math.Pow(q, ksq)
		kpi := math.Pi * fk
		k2extra += ksq * qk
		k3extra += (sqrt3z + kpi) * (sqrt3z - kpi) * ksq * qk
	}
	K[2] += k2extra * pi2 * sqrt2pi / (-36 * z3)
	K[3] += k3extra * pi2 * sqrt2pi / (216 * z6)
	sum := 0.0
	for i := range K {
		sum += K[i] / math.Pow(fn, float64(i)/2)
	}
	return sum
}

// smirnovSF returns P(D+_n >= d), the one-sided Smirnov tail, from the
// Birnbaum-Tingey sum
//
//	d * sum_{v=0}^{floor(n(1-d))} C(n,v) (d + v/n)^(v-1) (1 - d - v/n)^(n-v)
//
// whose terms are all positive. Each term is computed in logarithms, with
// n*d split into integer and fractional parts exactly so that the small
// bases 1 - d - v/n near the end of the sum keep their relative accuracy.
// For n above a million it uses the same closed-form approximation as scipy.
func smirnovSF(n int, d float64) float64 {
	if math.IsNaN(d) || n <= 0 || d < 0 || d > 1 {
		return math.NaN()
	}
	if n == 1 {
		return 1 - d
	}
	if d == 0 {
		return 1
	}
	if d == 1 {
		return 0
	}
	fn := float64(n)
	// n*d = nxfl + alpha exactly (up to the last bit of alpha).
	nxHi := fn * d
	nxLo := math.FMA(fn, d, -nxHi)
	fl := math.Floor(nxHi)
	alpha := (nxHi - fl) + nxLo
	if alpha < 0 {
		fl--
		alpha++
	}
	if alpha >= 1 {
		fl++
		alpha--
	}
	nxfl := int(fl)
	nx := nxHi

	if nxfl == 0 || (nxfl == 1 && alpha == 0) {
		cdf := d * math.Pow(1+d, fn-1)
		return 1 - cdf
	}
	const minLog = -7.08396418532264106224e2
	if -2*fn*d*d < minLog {
		return 0
	}
	if nxfl >= n-1 {
		return math.Pow(1-d, fn)
	}
	if n > 1000000 {
		return math.Exp(-math.Pow(6*nx+1, 2) / 18 / fn)
	}

	nTerms := n - nxfl
	logN := math.Log(fn)
	lgN1, _ := math.Lgamma(fn + 1)
	logD := math.Log(d)
	sum := 0.0
	vmid := n / 2
	for v := range nTerms {
		fv := float64(v)
		lgV1, _ := math.Lgamma(fv + 1)
		lgNV1, _ := math.Lgamma(fn - fv + 1)
		// x + v/n = (nxfl + v + alpha)/n;  1 - x - v/n = (n - nxfl - v - alpha)/n
		lt1 := math.Log(float64(nxfl+v)+alpha) - logN
		lt2 := math.Log(float64(n-nxfl-v)-alpha) - logN
		if v == 0 {
			lt1 = logD
		}
		la := lgN1 - lgV1 - lgNV1 + (fv-1)*lt1 + (fn-fv)*lt2
		term := math.Exp(la)
		sum += term
		if term != 0 {
			if 4*float64(nTerms-v)*term < epsilon*sum && v != nTerms-1 {
				break
			}
		} else if v > vmid {
			break
		}
	}
	return clip01(d * sum)
}

// epsilon is the float64 machine epsilon, 2^-52.
const epsilon = 0x1p-52
