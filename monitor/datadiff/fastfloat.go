package datadiff

import "math"

// fastDecimal parses the common decimal texts ("-12.5", "3", "1e-3") with
// at most 15 significant digits and a decimal exponent within ±22, the
// range where Clinger's fast path gives ParseFloat's exact result: the
// mantissa and the power of ten are both exact in float64, so one
// multiplication or division rounds correctly. ok is false for anything
// else, which the caller hands to strconv. isInt reports a text without
// point or exponent (an int by table.Infer's rule: at most 15 significant
// digits always fits int64).
func fastDecimal(s string) (f float64, isInt, ok bool) {
	i := 0
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	var mant uint64
	nd, exp := 0, 0 // significant digits; decimal exponent
	digits := false
	isInt = true
	for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		digits = true
		if mant != 0 || s[i] != '0' {
			if nd++; nd > 15 {
				return 0, false, false
			}
			mant = mant*10 + uint64(s[i]-'0')
		}
	}
	if i < len(s) && s[i] == '.' {
		isInt = false
		for i++; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
			digits = true
			exp--
			if mant != 0 || s[i] != '0' {
				if nd++; nd > 15 {
					return 0, false, false
				}
				mant = mant*10 + uint64(s[i]-'0')
			}
		}
	}
	if !digits {
		return 0, false, false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		isInt = false
		i++
		eneg := false
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			eneg = s[i] == '-'
			i++
		}
		e, ed := 0, 0
		for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
			if ed++; ed > 3 {
				return 0, false, false
			}
			e = e*10 + int(s[i]-'0')
		}
		if ed == 0 {
			return 0, false, false
		}
		if eneg {
			e = -e
		}
		exp += e
	}
	if i != len(s) {
		return 0, false, false
	}
	switch {
	case mant == 0:
		f = 0
	case exp < -22 || exp > 22:
		return 0, false, false
	case exp < 0:
		f = float64(mant) / math.Pow10(-exp) // exact for 0..22
	default:
		f = float64(mant) * math.Pow10(exp)
	}
	if neg {
		f = -f
	}
	return f, isInt, true
}
