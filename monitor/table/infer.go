package table

import (
	"strconv"
	"time"
)

// Infer returns the kind of one non-null text, by pandas' rules of thumb:
//
//   - int: base-10 int64 with an optional sign ("1.0" is a float, as pandas
//     reads it);
//   - float: what strconv.ParseFloat accepts in decimal notation, plus
//     "inf", "infinity" and "nan" in any case and with a sign; an integer
//     too large for int64 is a float;
//   - bool: True, False, TRUE, FALSE, true, false;
//   - timestamp: RFC 3339 (fraction and offset optional: "2006-01-02T15:04:05"
//     too), "2006-01-02", "2006-01-02 15:04:05" with an optional fraction;
//   - anything else is a string; "" is KindUnknown.
//
// It runs on every field of a profile, so it scans bytes before calling a
// parser and does not allocate.
func Infer(s string) Kind {
	if s == "" {
		return KindUnknown
	}
	c := s[0]
	switch {
	case c >= '0' && c <= '9' || c == '-' || c == '+' || c == '.':
		return inferNumber(s)
	case c == 't' || c == 'T' || c == 'f' || c == 'F':
		switch s {
		case "true", "True", "TRUE", "false", "False", "FALSE":
			return KindBool
		}
	case c == 'i' || c == 'I' || c == 'n' || c == 'N':
		if isFloatWord(s) {
			return KindFloat
		}
	}
	return KindString
}

// inferNumber handles a text that starts like a number: int, float,
// timestamp or string.
func inferNumber(s string) Kind {
	i := 0
	if s[0] == '-' || s[0] == '+' {
		i = 1
	}
	digits := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
		digits++
	}
	if i == len(s) {
		if digits == 0 {
			return KindString
		}
		if digits < 19 {
			return KindInt
		}
		if _, err := strconv.ParseInt(s, 10, 64); err == nil {
			return KindInt
		}
		return KindFloat // out of int64's range
	}
	// A date: four digits and a dash.
	if digits == 4 && i == 4 && s[4] == '-' {
		if isTimestamp(s) {
			return KindTimestamp
		}
		return KindString
	}
	// Decimal float: only digits, sign, point and exponent.
	for j := i; j < len(s); j++ {
		switch c := s[j]; {
		case c >= '0' && c <= '9', c == '.', c == 'e', c == 'E', c == '+', c == '-':
		default:
			if (s[0] == '-' || s[0] == '+') && isFloatWord(s) {
				return KindFloat
			}
			return KindString
		}
	}
	if _, err := strconv.ParseFloat(s, 64); err == nil {
		return KindFloat
	}
	return KindString
}

// isFloatWord reports whether s is an infinity or NaN that ParseFloat
// accepts: "inf", "infinity", "nan" in any case, with an optional sign.
func isFloatWord(s string) bool {
	if s[0] == '+' || s[0] == '-' {
		s = s[1:]
	}
	switch len(s) {
	case 3, 8:
	default:
		return false
	}
	var b [8]byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		b[i] = c
	}
	w := string(b[:len(s)]) // the compiler does not allocate for this compare
	return w == "inf" || w == "nan" || w == "infinity"
}

// isTimestamp reports whether s (which starts "dddd-") is a date or date
// and time in one of Infer's layouts.
func isTimestamp(s string) bool {
	var layout string
	switch {
	case len(s) == 10:
		layout = time.DateOnly
	case len(s) >= 19 && s[10] == ' ':
		layout = time.DateTime // a fraction after the seconds is accepted
	case len(s) >= 19 && (s[10] == 'T' || s[10] == 't'):
		last := s[len(s)-1]
		if last == 'Z' || last == 'z' || (len(s) >= 25 && (s[len(s)-6] == '+' || s[len(s)-6] == '-')) {
			layout = time.RFC3339Nano
		} else {
			layout = "2006-01-02T15:04:05"
		}
	default:
		return false
	}
	_, err := time.Parse(layout, s)
	return err == nil
}

// Widen returns the kind of a column holding values of kinds a and b:
// KindUnknown is the identity, int and float make float, and any other mix
// is a string.
func Widen(a, b Kind) Kind {
	switch {
	case a == b:
		return a
	case a == KindUnknown:
		return b
	case b == KindUnknown:
		return a
	case (a == KindInt && b == KindFloat) || (a == KindFloat && b == KindInt):
		return KindFloat
	}
	return KindString
}

// IsNAString reports whether pandas' read_csv reads s as missing with its
// default na_values (keep_default_na=True).
func IsNAString(s string) bool {
	switch s {
	case "", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan",
		"1.#IND", "1.#QNAN", "<NA>", "N/A", "NA", "NULL", "NaN", "None",
		"n/a", "nan", "null":
		return true
	}
	return false
}
