package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// style wraps text in ANSI escapes when on; off it returns text unchanged, so
// output is byte-identical to the uncoloured form apart from the escapes.
type style struct{ on bool }

const (
	ansiReset  = "\x1b[0m"
	ansiBold   = "\x1b[1m"
	ansiDim    = "\x1b[2m"
	ansiRed    = "\x1b[31m"
	ansiGreen  = "\x1b[32m"
	ansiYellow = "\x1b[33m"
	ansiBlue   = "\x1b[34m"
	ansiMag    = "\x1b[35m"
	ansiCyan   = "\x1b[36m"
)

func (s style) wrap(code, text string) string {
	if !s.on || text == "" {
		return text
	}
	return code + text + ansiReset
}

func (s style) bold(t string) string  { return s.wrap(ansiBold, t) }
func (s style) dim(t string) string   { return s.wrap(ansiDim, t) }
func (s style) red(t string) string   { return s.wrap(ansiRed, t) }
func (s style) green(t string) string { return s.wrap(ansiGreen, t) }
func (s style) cyan(t string) string  { return s.wrap(ansiCyan, t) }

// status colours a run status.
func (s style) status(st string) string {
	switch st {
	case "FINISHED":
		return s.wrap(ansiGreen, st)
	case "FAILED":
		return s.wrap(ansiRed, st)
	case "RUNNING":
		return s.wrap(ansiYellow, st)
	case "KILLED":
		return s.wrap(ansiMag, st)
	case "SCHEDULED":
		return s.wrap(ansiBlue, st)
	}
	return st
}

// colourFunc styles a cell's (already padded) text.
type colourFunc func(string) string

// cell is one table cell: plain text, used for widths, and an optional style.
type cell struct {
	text  string
	color colourFunc
	// span marks a row's only cell as a heading that spans the table: it is
	// neither measured nor truncated.
	span bool
}

// table is a left-aligned text table; numeric columns may be right-aligned.
type table struct {
	header []string
	right  []bool // right-align column i
	rows   [][]cell
	max    int // truncate cells to this many runes (0: never)
}

func (t *table) add(cells ...cell) { t.rows = append(t.rows, cells) }

// addText adds a row of unstyled cells.
func (t *table) addText(texts ...string) {
	cs := make([]cell, len(texts))
	for i, s := range texts {
		cs[i] = cell{text: s}
	}
	t.add(cs...)
}

func isSpan(r []cell) bool { return len(r) == 1 && r[0].span }

// truncate shortens s to n runes, marking the cut with an ellipsis.
func truncate(s string, n int) string {
	if n <= 0 || utf8.RuneCountInString(s) <= n {
		return s
	}
	if n == 1 {
		return "…"
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// oneLine replaces newlines and tabs so a value cannot break a table row.
func oneLine(s string) string {
	return strings.NewReplacer("\r\n", "⏎", "\n", "⏎", "\r", "⏎", "\t", " ").Replace(s)
}

func width(s string) int { return utf8.RuneCountInString(s) }

// widths computes each column's width after truncation.
func (t *table) widths() []int {
	n := len(t.header)
	for _, r := range t.rows {
		n = max(n, len(r))
	}
	w := make([]int, n)
	for i, h := range t.header {
		w[i] = width(truncate(h, t.max))
	}
	for _, r := range t.rows {
		if isSpan(r) {
			continue
		}
		for i, c := range r {
			w[i] = max(w[i], width(truncate(oneLine(c.text), t.max)))
		}
	}
	return w
}

// render writes the table with two spaces between columns and no trailing
// blanks; the header is bold when styled.
func (t *table) render(w io.Writer, s style) {
	ws := t.widths()
	line := func(cells []cell, isHeader bool) {
		var b strings.Builder
		last := len(ws) - 1
		for last > 0 && (last >= len(cells) || cells[last].text == "") && !isHeader {
			last--
		}
		for i := 0; i <= last && i < len(ws); i++ {
			var c cell
			if i < len(cells) {
				c = cells[i]
			}
			txt := truncate(oneLine(c.text), t.max)
			pad := strings.Repeat(" ", ws[i]-width(txt))
			right := i < len(t.right) && t.right[i]
			if i == last && !right {
				pad = ""
			}
			if c.color != nil {
				txt = c.color(txt)
			}
			if isHeader {
				txt = s.bold(txt)
			}
			if i > 0 {
				b.WriteString("  ")
			}
			if right {
				b.WriteString(pad + txt)
			} else {
				b.WriteString(txt + pad)
			}
		}
		fmt.Fprintln(w, b.String())
	}
	if len(t.header) > 0 {
		hs := make([]cell, len(t.header))
		for i, h := range t.header {
			hs[i] = cell{text: h}
		}
		line(hs, true)
	}
	for _, r := range t.rows {
		if isSpan(r) {
			txt := r[0].text
			if r[0].color != nil {
				txt = r[0].color(txt)
			}
			fmt.Fprintln(w, txt)
			continue
		}
		line(r, false)
	}
}

// totalWidth is the rendered width of the table's widest line.
func (t *table) totalWidth() int {
	n := 0
	for i, w := range t.widths() {
		if i > 0 {
			n += 2
		}
		n += w
	}
	return n
}

// writeJSON writes v as indented JSON followed by a newline.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// fmtFloat formats a metric value for people: six significant digits,
// NaN and infinities spelled out.
func fmtFloat(v float64) string {
	switch {
	case math.IsNaN(v):
		return "NaN"
	case math.IsInf(v, 1):
		return "Infinity"
	case math.IsInf(v, -1):
		return "-Infinity"
	}
	return strconv.FormatFloat(v, 'g', 6, 64)
}

// fmtFloatFull formats a value exactly (shortest round-trip form), for CSV.
func fmtFloatFull(v float64) string {
	switch {
	case math.IsNaN(v):
		return "NaN"
	case math.IsInf(v, 1):
		return "Infinity"
	case math.IsInf(v, -1):
		return "-Infinity"
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

// rfc3339ms is the machine time format: UTC with milliseconds.
const rfc3339ms = "2006-01-02T15:04:05.000Z07:00"

// fmtTimeMachine formats Unix milliseconds for JSON and CSV ("" for 0).
func fmtTimeMachine(ms int64) string {
	if ms == 0 {
		return ""
	}
	return time.UnixMilli(ms).UTC().Format(rfc3339ms)
}

// fmtTimeShort formats Unix milliseconds for tables, in local time.
func fmtTimeShort(ms int64, loc *time.Location) string {
	if ms == 0 {
		return "-"
	}
	return time.UnixMilli(ms).In(loc).Format("2006-01-02 15:04")
}

// fmtTimeLong formats Unix milliseconds for detail views, in local time.
func fmtTimeLong(ms int64, loc *time.Location) string {
	if ms == 0 {
		return "-"
	}
	return time.UnixMilli(ms).In(loc).Format("2006-01-02 15:04:05.000 MST")
}

// fmtDuration prints a compact duration: 850ms, 12.3s, 4m05s, 2h03m, 3d04h.
func fmtDuration(d time.Duration) string {
	switch {
	case d < 0:
		return "-"
	case d < time.Second:
		return fmt.Sprintf("%dms", d.Milliseconds())
	case d < time.Minute:
		return fmt.Sprintf("%.1fs", d.Seconds())
	case d < time.Hour:
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	case d < 24*time.Hour:
		return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
	}
	return fmt.Sprintf("%dd%02dh", int(d.Hours())/24, int(d.Hours())%24)
}

// sparkline draws values as a row of block characters scaled between their
// minimum and maximum; NaN and infinities become spaces.
func sparkline(vals []float64) string {
	const bars = "▁▂▃▄▅▆▇█"
	blocks := []rune(bars)
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, v := range vals {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			continue
		}
		lo, hi = min(lo, v), max(hi, v)
	}
	var b strings.Builder
	for _, v := range vals {
		switch {
		case math.IsNaN(v) || math.IsInf(v, 0):
			b.WriteRune(' ')
		case hi == lo:
			b.WriteRune(blocks[len(blocks)/2])
		default:
			i := int(math.Round((v - lo) / (hi - lo) * float64(len(blocks)-1)))
			b.WriteRune(blocks[i])
		}
	}
	return b.String()
}

// shortID is the 8-digit prefix of a run id shown in tables.
func shortID(id string) string {
	if len(id) > 8 {
		return id[:8]
	}
	return id
}

// plural returns "1 run" or "3 runs".
func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}
