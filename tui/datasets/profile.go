package datasets

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/lathe-ml/lathe/monitor/profile"
	"github.com/lathe-ml/lathe/monitor/validate"
)

// profileDoc is a version's stored profile: monitor/profile's Result, as
// `lathe data add` writes it (`lathe data show --json`).
type profileDoc = profile.Result

// profileCol is one column's profile.
type profileCol = profile.Column

// decodeProfile reads a stored profile; nil without error when none is
// stored.
func decodeProfile(s string) (*profileDoc, error) {
	if s == "" {
		return nil, nil
	}
	var p profileDoc
	if err := json.Unmarshal([]byte(s), &p); err != nil {
		return nil, fmt.Errorf("stored profile: %w", err)
	}
	return &p, nil
}

// reportDoc is a version's stored validation report (monitor/validate).
type reportDoc = validate.Report

// decodeReport reads a stored validation report; nil when none is stored.
func decodeReport(s string) (*reportDoc, error) {
	if s == "" {
		return nil, nil
	}
	var r reportDoc
	if err := json.Unmarshal([]byte(s), &r); err != nil {
		return nil, fmt.Errorf("stored validation report: %w", err)
	}
	return &r, nil
}

// fmtNum shows a statistic compactly ("" for nil).
func fmtNum(n *profile.Num) string {
	if n == nil {
		return ""
	}
	return fmtFloat(float64(*n))
}

// fmtBound shows a min or max ("" for nil).
func fmtBound(b *profile.Bound) string {
	switch {
	case b == nil:
		return ""
	case b.IsText:
		return b.Text
	}
	return fmtFloat(float64(b.Num))
}

// fmtFloat shows a value in at most about 9 characters.
func fmtFloat(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "+Inf"
	case math.IsInf(f, -1):
		return "-Inf"
	case f == math.Trunc(f) && math.Abs(f) < 1e9:
		return strconv.FormatFloat(f, 'f', -1, 64)
	case math.Abs(f) >= 1e-3 && math.Abs(f) < 1e6:
		// six significant digits at most, four decimals at most
		dec := min(max(5-int(math.Floor(math.Log10(math.Abs(f)))), 0), 4)
		s := strconv.FormatFloat(f, 'f', dec, 64)
		s = strings.TrimRight(s, "0")
		return strings.TrimSuffix(s, ".")
	}
	return strconv.FormatFloat(f, 'g', 4, 64)
}

// fmtSize shows bytes in binary units.
func fmtSize(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit && exp < 4; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTP"[exp])
}
