package common

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"
)

// FormatTime shows a Unix-ms time as "2006-01-02 15:04" in loc ("" for 0).
func FormatTime(ms int64, loc *time.Location) string {
	if ms == 0 {
		return ""
	}
	if loc == nil {
		loc = time.Local
	}
	return time.UnixMilli(ms).In(loc).Format("2006-01-02 15:04")
}

// FormatDuration shows a span in milliseconds compactly: 850ms, 12s,
// 3m05s, 1h02m, 2d03h.
func FormatDuration(ms int64) string {
	if ms < 0 {
		return ""
	}
	d := time.Duration(ms) * time.Millisecond
	switch {
	case d < time.Second:
		return fmt.Sprintf("%dms", ms)
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	case d < 24*time.Hour:
		return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
	}
	return fmt.Sprintf("%dd%02dh", int(d.Hours())/24, int(d.Hours())%24)
}

// RunDuration is end-start, or now-start for a run still going ("" when
// the start is unknown).
func RunDuration(start, end int64, now time.Time) string {
	if start == 0 {
		return ""
	}
	if end == 0 {
		end = now.UnixMilli()
	}
	return FormatDuration(end - start)
}

// FormatValue shows a metric value in at most about 9 characters.
func FormatValue(v float64) string {
	switch {
	case math.IsNaN(v):
		return "NaN"
	case math.IsInf(v, 1):
		return "+Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	case v == math.Trunc(v) && math.Abs(v) < 1e9:
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return strconv.FormatFloat(v, 'g', 4, 64)
}

// Width is the number of cells s takes, ANSI styles aside; plain ASCII,
// the common case in tables, is counted without parsing.
func Width(s string) int {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 0x80 || c == 0x1b || c < 0x20 {
			return ansi.StringWidth(s)
		}
	}
	return len(s)
}

// Truncate cuts s (which may hold ANSI styles) to width cells, ending in
// "…" when it cut.
func Truncate(s string, width int) string {
	if width <= 0 {
		return ""
	}
	if Width(s) <= width {
		return s
	}
	return ansi.Truncate(s, width, "…")
}

// Pad cuts or pads s to exactly width cells, left-aligned (right when
// right is true).
func Pad(s string, width int, right bool) string {
	if width <= 0 {
		return ""
	}
	w := Width(s)
	if w > width {
		s = ansi.Truncate(s, width, "…")
		w = Width(s)
	}
	gap := width - w
	if gap <= 0 {
		return s
	}
	if right {
		return spaces(gap) + s
	}
	return s + spaces(gap)
}

const blanks = "                                                                                                                                "

func spaces(n int) string {
	if n <= len(blanks) {
		return blanks[:n]
	}
	return strings.Repeat(" ", n)
}

// ShortID is the first 8 hex digits of a run id, as lathe prints them.
func ShortID(id string) string {
	if len(id) > 8 {
		return id[:8]
	}
	return id
}

// FitLines makes s exactly h lines of at most w cells, cutting or padding,
// so a pane never draws outside its area.
func FitLines(s string, w, h int) string {
	if h <= 0 || w <= 0 {
		return ""
	}
	lines := strings.Split(s, "\n")
	if len(lines) > h {
		lines = lines[:h]
	}
	for i, l := range lines {
		lines[i] = Pad(l, w, false)
	}
	for len(lines) < h {
		lines = append(lines, strings.Repeat(" ", w))
	}
	return strings.Join(lines, "\n")
}

// FitHeight makes s exactly h lines, trusting each line's width: for
// content already cut to width (a pane's View), where measuring every
// styled line again would cost more than drawing it.
func FitHeight(s string, w, h int) string {
	if h <= 0 {
		return ""
	}
	n := strings.Count(s, "\n") + 1
	switch {
	case n == h:
		return s
	case n > h:
		i := 0
		for k := 0; k < h; k++ {
			j := strings.IndexByte(s[i:], '\n')
			i += j + 1
		}
		return s[:i-1]
	}
	var b strings.Builder
	b.WriteString(s)
	for ; n < h; n++ {
		b.WriteByte('\n')
		b.WriteString(spaces(w))
	}
	return b.String()
}

// JoinColumns puts blocks side by side line by line; each block must be
// lines of its own fixed width (wide[i]), as a pane's parts are. Cheaper
// than lipgloss.JoinHorizontal, which measures every line.
func JoinColumns(wide []int, blocks ...string) string {
	split := make([][]string, len(blocks))
	h := 0
	for i, b := range blocks {
		split[i] = strings.Split(b, "\n")
		h = max(h, len(split[i]))
	}
	var out strings.Builder
	for y := 0; y < h; y++ {
		if y > 0 {
			out.WriteByte('\n')
		}
		for i, lines := range split {
			if y < len(lines) {
				out.WriteString(lines[y])
			} else {
				out.WriteString(spaces(wide[i]))
			}
		}
	}
	return out.String()
}

// FormatCount writes a count with thousands separators (10,000); "-" for a
// negative (unknown) count.
func FormatCount(n int64) string {
	if n < 0 {
		return "-"
	}
	s := strconv.FormatInt(n, 10)
	var b strings.Builder
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
