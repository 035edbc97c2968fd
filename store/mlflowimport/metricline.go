package mlflowimport

import (
	"fmt"
	"strconv"
	"strings"
)

// metricLineWant is the form of a metric line, as errors quote it.
const metricLineWant = `want "timestamp value [step]"`

// parseMetricLine parses one line of an MLflow file-store metric file (no
// line break). MLflow writes "timestamp value step" (timestamp in Unix ms,
// value as Python prints a float: "0.5", "1e-05", "nan", "inf"); MLflow
// before 1.0 wrote "timestamp value", read with step 0, and newer versions
// may append columns (a dataset or model the point belongs to), which lathe's
// points have no place for and are ignored. Fields are separated by single
// spaces, as MLflow splits them.
func parseMetricLine(line string) (ts int64, value float64, step int64, err error) {
	f := strings.Split(strings.Trim(line, " \t\r"), " ")
	if len(f) < 2 || len(f) > 6 {
		return 0, 0, 0, fmt.Errorf("%s, got %d field%s", metricLineWant, len(f), plural(len(f)))
	}
	for i, s := range f {
		if s == "" {
			return 0, 0, 0, fmt.Errorf("%s, got an empty field %d (two spaces in a row?)", metricLineWant, i+1)
		}
	}
	if ts, err = strconv.ParseInt(f[0], 10, 64); err != nil {
		return 0, 0, 0, fmt.Errorf("%s: timestamp %q is not an integer", metricLineWant, shorten(f[0]))
	}
	if value, err = parsePyFloat(f[1]); err != nil {
		return 0, 0, 0, fmt.Errorf("%s: value %q is not a number", metricLineWant, shorten(f[1]))
	}
	if len(f) >= 3 {
		if step, err = strconv.ParseInt(f[2], 10, 64); err != nil {
			return 0, 0, 0, fmt.Errorf("%s: step %q is not an integer", metricLineWant, shorten(f[2]))
		}
	}
	return ts, value, step, nil
}

// parsePyFloat reads a float as Python's float() would from what str(float)
// writes: decimal and exponent forms, nan, inf, -inf (any case). Go's
// hexadecimal and underscore forms, which Python never writes, are refused.
func parsePyFloat(s string) (float64, error) {
	if strings.ContainsAny(s, "_xXpP") {
		return 0, strconv.ErrSyntax
	}
	return strconv.ParseFloat(s, 64)
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
