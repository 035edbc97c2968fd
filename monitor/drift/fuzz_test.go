package drift

import (
	"encoding/binary"
	"errors"
	"math"
	"testing"
)

// fuzzMax caps the values per input: the exact KS p-value costs up to
// n1*n2 steps, and slow executions stall the fuzzer's minimisation.
const fuzzMax = 400

// fuzzFloats splits data into two samples: the first byte says where, the
// rest are little-endian float64s, or small integers when the second byte is
// odd (to get ties and few distinct values).
func fuzzFloats(data []byte) (ref, cur []float64) {
	if len(data) < 2 {
		return nil, nil
	}
	split, ints := int(data[0]), data[1]%2 == 1
	data = data[2:]
	var vals []float64
	if ints {
		for _, b := range data {
			vals = append(vals, float64(int8(b)%8))
		}
	} else {
		for len(data) >= 8 {
			vals = append(vals, math.Float64frombits(binary.LittleEndian.Uint64(data)))
			data = data[8:]
		}
	}
	if len(vals) == 0 {
		return nil, nil
	}
	vals = vals[:min(len(vals), fuzzMax)]
	split %= len(vals) + 1
	return vals[:split], vals[split:]
}

func FuzzNumeric(f *testing.F) {
	f.Add([]byte{3, 1, 1, 2, 3, 4, 5, 6, 7})
	f.Add([]byte{1, 0, 0, 0, 0, 0, 0, 0, 0xf0, 0x7f, 0, 0, 0, 0, 0, 0, 0xf0, 0xff, 1, 2, 3, 4, 5, 6, 7, 8})
	f.Add([]byte{0x80, 1, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25})
	f.Fuzz(func(t *testing.T, data []byte) {
		ref, cur := fuzzFloats(data)

		d, p, err := KS2Samp(ref, cur)
		if err == nil {
			if !(d >= 0 && d <= 1) || !(p >= 0 && p <= 1) {
				t.Fatalf("KS D=%v p=%v", d, p)
			}
			d2, p2, _ := KS2Samp(cur, ref)
			if d2 != d || p2 != p {
				t.Fatalf("KS not symmetric: %v %v vs %v %v", d, p, d2, p2)
			}
		} else if !errors.Is(err, ErrEmpty) {
			t.Fatal(err)
		}

		w, err := Wasserstein1(ref, cur)
		if err == nil {
			w2, _ := Wasserstein1(cur, ref)
			if !(w >= 0) || w != w2 {
				t.Fatalf("W1 = %v, reversed %v", w, w2)
			}
		}

		checkBucketed(t, "fuzz", ref, cur)

		for _, m := range []Method{"", MethodKS, MethodWasserstein, MethodPSI, MethodJS, MethodChiSquare} {
			r, err := Numeric(ref, cur, Options{Method: m})
			if err != nil {
				if !errors.Is(err, ErrEmpty) && !errors.Is(err, ErrRange) {
					t.Fatalf("%q: %v", m, err)
				}
				continue
			}
			checkResult(t, r)
		}
	})
}

func FuzzCategorical(f *testing.F) {
	f.Add([]byte("abcab|abd"), uint8(0))
	f.Add([]byte("a|b"), uint8(1))
	f.Fuzz(func(t *testing.T, data []byte, split uint8) {
		var ref, cur []string
		for i, b := range data {
			s := string(rune('a' + b%6))
			if i < int(split)%(len(data)+1) {
				ref = append(ref, s)
			} else {
				cur = append(cur, s)
			}
		}
		for _, m := range []Method{"", MethodPSI, MethodJS, MethodChiSquare} {
			r, err := Categorical(ref, cur, Options{Method: m})
			if err != nil {
				if !errors.Is(err, ErrEmpty) {
					t.Fatalf("%q: %v", m, err)
				}
				continue
			}
			checkResult(t, r)
		}
	})
}

// checkResult checks the invariants every result keeps.
func checkResult(t *testing.T, r Result) {
	t.Helper()
	s := r.Statistic
	switch r.Method {
	case MethodKS:
		if !(s >= 0 && s <= 1) {
			t.Fatalf("KS D = %v", s)
		}
	case MethodWasserstein:
		if !(s >= 0) {
			t.Fatalf("normed Wasserstein = %v", s)
		}
	case MethodPSI:
		if !(s >= 0) || math.IsInf(s, 0) {
			t.Fatalf("PSI = %v", s)
		}
	case MethodJS:
		if !(s >= 0 && s <= math.Sqrt(math.Ln2)) {
			t.Fatalf("JS = %v", s)
		}
	case MethodChiSquare:
		if !(s >= 0) {
			t.Fatalf("chi-square = %v", s)
		}
	default:
		t.Fatalf("method %q", r.Method)
	}
	hasP := r.Method == MethodKS || r.Method == MethodChiSquare
	if hasP != (r.PValue != nil) {
		t.Fatalf("%s: p-value %v", r.Method, r.PValue)
	}
	if hasP && !(*r.PValue >= 0 && *r.PValue <= 1) {
		t.Fatalf("%s: p = %v", r.Method, *r.PValue)
	}
}
