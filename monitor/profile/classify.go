package profile

import (
	"math"
	"strconv"
	"time"

	"github.com/lathe-ml/lathe/monitor/table"
)

// classify returns the kind of a non-null field and, for numbers, its
// value, by table.Infer. It is the slow path of column.addText, which
// handles plain integers and decimals itself (fastNumber, looksFloat) and
// asks table.Infer only once per distinct text.
func classify(s string) (kind, float64) {
	switch table.Infer(s) {
	case table.KindInt:
		if v, err := strconv.ParseInt(s, 10, 64); err == nil {
			return kInt, float64(v)
		}
		if v, err := strconv.ParseFloat(s, 64); err == nil {
			return kInt, v
		}
	case table.KindFloat:
		if v, err := strconv.ParseFloat(s, 64); err == nil {
			return kFloat, v
		}
	case table.KindBool:
		return kBool, 0
	case table.KindTimestamp:
		return kTimestamp, 0
	}
	return kString, 0
}

// fastNumber parses the common shapes of numbers in text files without
// strconv: [-]digits (an int, as table.Infer says) and [-]digits.digits (a
// float) with at most 15 significant digits. Both the mantissa and the
// power of ten are then exact in float64, so one division gives the
// correctly rounded value, the same as strconv.ParseFloat (Clinger's fast
// path). ok is false for anything else, which goes the slow way.
func fastNumber(s string) (f float64, isInt, ok bool) {
	i := 0
	neg := false
	if len(s) > 0 && s[0] == '-' {
		neg, i = true, 1
	}
	var mant uint64
	digits, frac := 0, -1
	for ; i < len(s); i++ {
		c := s[i]
		if c == '.' && frac < 0 {
			frac = 0
			continue
		}
		d := c - '0'
		if d > 9 {
			return 0, false, false
		}
		if mant != 0 || d != 0 {
			digits++
		}
		mant = mant*10 + uint64(d)
		if frac >= 0 {
			frac++
		}
	}
	n := len(s)
	if neg {
		n--
	}
	if digits > 15 || frac > 15 || n == 0 || (frac >= 0 && n == 1) { // too long, "", "-", "."
		return 0, false, false
	}
	f = float64(mant)
	if frac > 0 {
		f /= pow10[frac]
	}
	if neg && (frac >= 0 || mant != 0) { // int64 has no -0
		f = -f
	}
	return f, frac < 0, true
}

// pow10 is a read-only table of the powers of ten that fastNumber divides
// by, all exact in float64.
var pow10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15}

// looksFloat reports a decimal with a point or an exponent, which
// table.Infer calls float whenever strconv parses it.
func looksFloat(s string) bool {
	if len(s) == 0 {
		return false
	}
	frac := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
		case c == '.' || c == 'e' || c == 'E':
			frac = true
		case (c == '-' || c == '+') && (i == 0 || s[i-1] == 'e' || s[i-1] == 'E'):
		default:
			return false
		}
	}
	return frac
}

// parseTime reads a text that table.Infer calls a timestamp, in the
// layouts it accepts, as Unix nanoseconds (UTC when the text has no
// offset), so that min and max compare instants rather than texts
// ("…:00.5Z" sorts before "…:00Z" as text). 0 when it does not parse,
// which table.Infer rules out.
func parseTime(s string) int64 {
	layout := "2006-01-02T15:04:05" // a fraction is accepted after the seconds
	switch {
	case len(s) == 10:
		layout = time.DateOnly
	case len(s) >= 19 && s[10] == ' ':
		layout = time.DateTime
	case len(s) >= 19:
		if last := s[len(s)-1]; last == 'Z' || last == 'z' || (len(s) >= 25 && (s[len(s)-6] == '+' || s[len(s)-6] == '-')) {
			layout = time.RFC3339Nano
		}
	}
	t, err := time.Parse(layout, s)
	if err != nil {
		return 0
	}
	switch y := t.Year(); { // UnixNano's range; outside it, order by year only
	case y < 1678:
		return math.MinInt64 + int64(y)
	case y > 2261:
		return math.MaxInt64 - 10000 + int64(y)
	}
	return t.UnixNano()
}
