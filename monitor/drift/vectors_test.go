package drift

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"slices"
	"strconv"
	"sync"
	"testing"
)

// The vectors come from testdata/drift/gen_vectors.py (scipy 1.10.1,
// numpy 1.24.2); see that script for what each section holds.

// jfloat is a float64 that also reads JSON's stand-ins "NaN", "Inf", "-Inf".
type jfloat float64

func (f *jfloat) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		switch s {
		case "NaN":
			*f = jfloat(math.NaN())
		case "Inf":
			*f = jfloat(math.Inf(1))
		case "-Inf":
			*f = jfloat(math.Inf(-1))
		default:
			return fmt.Errorf("bad float %q", s)
		}
		return nil
	}
	v, err := strconv.ParseFloat(string(b), 64)
	*f = jfloat(v)
	return err
}

func floats(s []jfloat) []float64 {
	out := make([]float64, len(s))
	for i, v := range s {
		out[i] = float64(v)
	}
	return out
}

// expand turns {category: count} into a sample.
func expand(c map[string]int) []string {
	keys := make([]string, 0, len(c))
	for k := range c {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var out []string
	for _, k := range keys {
		for range c[k] {
			out = append(out, k)
		}
	}
	return out
}

type vectors struct {
	KS []struct {
		Name    string
		X, Y    []jfloat
		Stat, P jfloat
	}
	KSExact     [][5]json.RawMessage `json:"ks_exact"`
	KstwoSF     [][3]jfloat          `json:"kstwo_sf"`
	Wasserstein []struct {
		Name           string
		U, V           []jfloat
		W, Normed, Std jfloat
	}
	Binned []struct {
		Name       string
		Kind       string
		Ref, Cur   []jfloat
		Refs, Curs map[string]int
		PSI, JS    jfloat
		Bins       int
	}
	ChiSquare []struct {
		Name       string
		Refs, Curs map[string]int
		Stat, P    jfloat
		Unseen     []string
	}
	Chi2SF  [][3]jfloat `json:"chi2_sf"`
	Numeric []struct {
		Name      string
		Ref, Cur  []jfloat
		Method    Method
		Threshold float64
		Want      struct {
			Method    Method
			Stat      jfloat
			P         *jfloat
			Drift     bool
			Threshold float64
			Unseen    []float64
		}
	}
}

var loadVectors = sync.OnceValues(func() (*vectors, error) {
	b, err := os.ReadFile("../../testdata/drift/vectors.json")
	if err != nil {
		return nil, err
	}
	var v vectors
	return &v, json.Unmarshal(b, &v)
})

func mustVectors(t *testing.T) *vectors {
	t.Helper()
	v, err := loadVectors()
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// errTrack records the largest relative and absolute errors seen. Relative
// errors count only where the reference is at least 1e-300: below, both
// sides are in or near the subnormal range and only the absolute error
// means anything.
type errTrack struct {
	name     string
	n        int
	rel, abs float64
}

func (e *errTrack) add(got, want float64) {
	e.n++
	if got == want {
		return
	}
	d := math.Abs(got - want)
	e.abs = max(e.abs, d)
	if math.Abs(want) >= 1e-300 {
		e.rel = max(e.rel, d/math.Abs(want))
	}
}

func (e *errTrack) log(t *testing.T) {
	t.Helper()
	t.Logf("%s (%d values): max relative error %.3g, max absolute error %.3g", e.name, e.n, e.rel, e.abs)
}

// near reports whether got matches want within rel (relative) or abs.
func near(got, want, rel, abs float64) bool {
	if math.IsNaN(want) {
		return math.IsNaN(got)
	}
	if got == want {
		return true
	}
	return math.Abs(got-want) <= max(rel*math.Abs(want), abs)
}

func TestKS2SampVectors(t *testing.T) {
	v := mustVectors(t)
	stat := errTrack{name: "ks_2samp statistic"}
	pv := errTrack{name: "ks_2samp p-value"}
	for _, c := range v.KS {
		d, p, err := KS2Samp(floats(c.X), floats(c.Y))
		if err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
		stat.add(d, float64(c.Stat))
		pv.add(p, float64(c.P))
		if !near(d, float64(c.Stat), 0, 1e-9) {
			t.Errorf("%s: D = %.17g, scipy %.17g", c.Name, d, float64(c.Stat))
		}
		if !near(p, float64(c.P), 1e-6, 1e-300) {
			t.Errorf("%s: p = %.17g, scipy %.17g", c.Name, p, float64(c.P))
		}
	}
	stat.log(t)
	pv.log(t)
}

func TestKSExactVectors(t *testing.T) {
	v := mustVectors(t)
	tr := errTrack{name: "exact two-sample p-value"}
	for _, row := range v.KSExact {
		var n1, n2, h int
		var want jfloat
		var ok bool
		for i, dst := range []any{&n1, &n2, &h, &want, &ok} {
			if err := json.Unmarshal(row[i], dst); err != nil {
				t.Fatal(err)
			}
		}
		p, gotOK := ksExactP(n1, n2, gcd(n1, n2), h)
		if gotOK != ok {
			t.Errorf("n1=%d n2=%d h=%d: ok = %v, scipy %v (p %.17g, scipy %.17g)", n1, n2, h, gotOK, ok, p, float64(want))
			continue
		}
		tr.add(p, float64(want))
		if !near(p, float64(want), 1e-9, 1e-300) {
			t.Errorf("n1=%d n2=%d h=%d: p = %.17g, scipy %.17g", n1, n2, h, p, float64(want))
		}
	}
	tr.log(t)
}

func TestKstwoSFVectors(t *testing.T) {
	v := mustVectors(t)
	tr := errTrack{name: "kstwo.sf"}
	for _, row := range v.KstwoSF {
		n, d, want := int(row[0]), float64(row[1]), float64(row[2])
		got := kstwoSF(d, n)
		tr.add(got, want)
		if !near(got, want, 1e-6, 1e-300) {
			t.Errorf("kstwo.sf(%.17g, %d) = %.17g, scipy %.17g (rel %.2g)", d, n, got, want, math.Abs(got-want)/want)
		}
	}
	tr.log(t)
}

func TestWassersteinVectors(t *testing.T) {
	v := mustVectors(t)
	tw := errTrack{name: "wasserstein_distance"}
	tn := errTrack{name: "normed Wasserstein"}
	for _, c := range v.Wasserstein {
		u, w := floats(c.U), floats(c.V)
		got, err := Wasserstein1(u, w)
		if err != nil {
			t.Fatal(err)
		}
		tw.add(got, float64(c.W))
		if !near(got, float64(c.W), 1e-9, 1e-300) {
			t.Errorf("%s: W1 = %.17g, scipy %.17g", c.Name, got, float64(c.W))
		}
		back, _ := Wasserstein1(w, u)
		if back != got {
			t.Errorf("%s: W1 not symmetric: %.17g vs %.17g", c.Name, got, back)
		}
		normed, err := WassersteinNormed(u, w)
		if err != nil {
			t.Fatal(err)
		}
		tn.add(normed, float64(c.Normed))
		if !near(normed, float64(c.Normed), 1e-9, 1e-300) {
			t.Errorf("%s: normed = %.17g, want %.17g", c.Name, normed, float64(c.Normed))
		}
	}
	tw.log(t)
	tn.log(t)
}

func TestBinnedVectors(t *testing.T) {
	v := mustVectors(t)
	tp := errTrack{name: "PSI"}
	tj := errTrack{name: "Jensen-Shannon"}
	for _, c := range v.Binned {
		var psi, js Result
		var err1, err2 error
		if c.Kind == "num" {
			ref, cur := floats(c.Ref), floats(c.Cur)
			psi, err1 = Numeric(ref, cur, Options{Method: MethodPSI})
			js, err2 = Numeric(ref, cur, Options{Method: MethodJS})
			if c.Bins > 0 {
				var s sorter
				a := s.finiteSorted(nil, ref)
				b := s.finiteSorted(nil, cur)
				edges, err := sturgesEdges(a, b)
				if err != nil || len(edges)-1 != c.Bins {
					t.Errorf("%s: %d bins (%v), numpy %d", c.Name, len(edges)-1, err, c.Bins)
				}
			}
		} else {
			ref, cur := expand(c.Refs), expand(c.Curs)
			psi, err1 = Categorical(ref, cur, Options{Method: MethodPSI})
			js, err2 = Categorical(ref, cur, Options{Method: MethodJS})
		}
		if err1 != nil || err2 != nil {
			t.Fatalf("%s: %v %v", c.Name, err1, err2)
		}
		tp.add(psi.Statistic, float64(c.PSI))
		tj.add(js.Statistic, float64(c.JS))
		if !near(psi.Statistic, float64(c.PSI), 1e-9, 1e-15) {
			t.Errorf("%s: PSI = %.17g, reference %.17g", c.Name, psi.Statistic, float64(c.PSI))
		}
		if !near(js.Statistic, float64(c.JS), 1e-9, 1e-15) {
			t.Errorf("%s: JS = %.17g, reference %.17g", c.Name, js.Statistic, float64(c.JS))
		}
	}
	tp.log(t)
	tj.log(t)
}

func TestChiSquareVectors(t *testing.T) {
	v := mustVectors(t)
	ts := errTrack{name: "chisquare statistic"}
	tp := errTrack{name: "chisquare p-value"}
	for _, c := range v.ChiSquare {
		r, err := Categorical(expand(c.Refs), expand(c.Curs), Options{Method: MethodChiSquare})
		if err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
		ts.add(r.Statistic, float64(c.Stat))
		tp.add(*r.PValue, float64(c.P))
		if !near(r.Statistic, float64(c.Stat), 1e-9, 1e-12) {
			t.Errorf("%s: statistic %.17g, scipy %.17g", c.Name, r.Statistic, float64(c.Stat))
		}
		if !near(*r.PValue, float64(c.P), 1e-6, 1e-300) {
			t.Errorf("%s: p %.17g, scipy %.17g", c.Name, *r.PValue, float64(c.P))
		}
		if !slices.Equal(r.Unseen, c.Unseen) && len(r.Unseen)+len(c.Unseen) > 0 {
			t.Errorf("%s: unseen %q, want %q", c.Name, r.Unseen, c.Unseen)
		}
		if want := *r.PValue < 0.05 || len(c.Unseen) > 0; r.Drift != want {
			t.Errorf("%s: drift %v, want %v", c.Name, r.Drift, want)
		}
	}
	ts.log(t)
	tp.log(t)
}

func TestChi2SFVectors(t *testing.T) {
	v := mustVectors(t)
	tr := errTrack{name: "chi2.sf"}
	for _, row := range v.Chi2SF {
		x, df, want := float64(row[0]), float64(row[1]), float64(row[2])
		got := chi2SF(x, df)
		tr.add(got, want)
		if !near(got, want, 1e-6, 1e-300) {
			t.Errorf("chi2.sf(%.17g, %g) = %.17g, scipy %.17g", x, df, got, want)
		}
	}
	tr.log(t)
}

func TestNumericVectors(t *testing.T) {
	v := mustVectors(t)
	for _, c := range v.Numeric {
		r, err := Numeric(floats(c.Ref), floats(c.Cur), Options{Column: c.Name, Method: c.Method, Threshold: c.Threshold})
		if err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
		w := c.Want
		if r.Method != w.Method || r.Threshold != w.Threshold || r.Drift != w.Drift || r.Column != c.Name {
			t.Errorf("%s: got %s th=%g drift=%v, want %s th=%g drift=%v", c.Name, r.Method, r.Threshold, r.Drift, w.Method, w.Threshold, w.Drift)
		}
		if !near(r.Statistic, float64(w.Stat), 1e-9, 1e-12) {
			t.Errorf("%s: statistic %.17g, want %.17g", c.Name, r.Statistic, float64(w.Stat))
		}
		if (r.PValue == nil) != (w.P == nil) {
			t.Errorf("%s: p-value presence %v, want %v", c.Name, r.PValue != nil, w.P != nil)
		} else if r.PValue != nil && !near(*r.PValue, float64(*w.P), 1e-6, 1e-300) {
			t.Errorf("%s: p %.17g, want %.17g", c.Name, *r.PValue, float64(*w.P))
		}
		var unseen []float64
		for _, s := range r.Unseen {
			f, err := strconv.ParseFloat(s, 64)
			if err != nil {
				t.Fatal(err)
			}
			unseen = append(unseen, f)
		}
		if !slices.Equal(unseen, w.Unseen) && len(unseen)+len(w.Unseen) > 0 {
			t.Errorf("%s: unseen %v, want %v", c.Name, unseen, w.Unseen)
		}
	}
}
