package datasets

import (
	"fmt"
	"strings"

	"github.com/NimbleMarkets/ntcharts/barchart"

	"github.com/lathe-ml/lathe/monitor/profile"
	"github.com/lathe-ml/lathe/tui/common"
)

// histCache keeps the last histogram drawn: ntcharts styles every cell,
// so a redraw per frame would cost more than the rest of the pane.
type histCache struct {
	key   string
	lines []string
}

// maxTop is how many top values the side panel lists.
const maxTop = 8

// columnLines draws the selected column: its histogram (numeric) or its
// most frequent values (strings, categories, bools), h lines at most.
func (m *Model) columnLines(w, h int) []string {
	st := m.c.Styles
	c := m.column()
	if c == nil {
		return []string{m.title("COLUMN", w), m.subtle("tab to the columns to pick one", w)}
	}
	var head []string
	if h >= 10 {
		head = m.statLines(c, w)
	}
	if hg := c.Histogram; hg != nil && len(hg.Counts) > 0 && len(hg.Edges) == len(hg.Counts)+1 {
		var peak int64
		for _, n := range hg.Counts {
			peak = max(peak, n)
		}
		t := "HISTOGRAM · " + c.Name
		if more := fmt.Sprintf(" · %d bins · peak %s", len(hg.Counts), common.FormatCount(peak)); common.Width(t+more) <= w {
			t += more
		}
		lines := append([]string{m.title(t, w)}, head...)
		return append(lines, m.histogram(hg, w, h-len(lines))...)
	}
	if len(c.Top) > 0 {
		lines := append([]string{m.title(fmt.Sprintf("TOP VALUES · %s (%s distinct)", c.Name, common.FormatCount(c.Distinct)), w)}, head...)
		labelW := 6
		for _, t := range c.Top {
			labelW = max(labelW, common.Width(t.Value))
		}
		labelW = min(labelW, max(w/3, 6))
		countW := 9
		barW := max(w-labelW-countW-2, 1)
		peak := c.Top[0].Count
		for _, t := range c.Top {
			peak = max(peak, t.Count)
		}
		bar := st.SeriesAt(0)
		for i, t := range c.Top {
			if i == maxTop || len(lines) >= h {
				break
			}
			n := 0
			if peak > 0 {
				n = int(float64(t.Count) / float64(peak) * float64(barW))
			}
			if n == 0 && t.Count > 0 {
				n = 1
			}
			lines = append(lines, st.Text.Render(common.Pad(t.Value, labelW, false))+" "+
				st.Subtle.Render(common.Pad(common.FormatCount(t.Count), countW, true))+" "+bar.Render(strings.Repeat("█", n)))
		}
		return lines
	}
	return append(append([]string{m.title("COLUMN · "+c.Name, w)}, head...), m.subtle("no histogram or top values stored", w))
}

// statLines lists the selected column's statistics compactly, wrapped to
// w: what the profile table leaves out at narrow widths.
func (m *Model) statLines(c *profileCol, w int) []string {
	st := m.c.Styles
	typ := string(c.Type)
	pairs := [][2]string{{typ, ""}, {"count", common.FormatCount(c.Count)}, {"nulls", common.FormatCount(c.Nulls)}, {"distinct", common.FormatCount(c.Distinct)},
		{"min", fmtBound(c.Min)}, {"p1", fmtNum(c.P1)}, {"p5", fmtNum(c.P5)}, {"p25", fmtNum(c.P25)}, {"p50", fmtNum(c.P50)},
		{"p75", fmtNum(c.P75)}, {"p95", fmtNum(c.P95)}, {"p99", fmtNum(c.P99)}, {"max", fmtBound(c.Max)},
		{"mean", fmtNum(c.Mean)}, {"std", fmtNum(c.Std)}}
	var lines []string
	var cur strings.Builder
	curW := 0
	for _, p := range pairs {
		if p[0] == "" || (p[1] == "" && p[0] != typ) {
			continue
		}
		item := st.Subtle.Render(p[0])
		iw := common.Width(p[0])
		if p[1] != "" {
			item += " " + st.Text.Render(p[1])
			iw += 1 + common.Width(p[1])
		}
		if curW > 0 && curW+2+iw > w {
			lines = append(lines, common.Pad(cur.String(), w, false))
			cur.Reset()
			curW = 0
		}
		if curW > 0 {
			cur.WriteString("  ")
			curW += 2
		}
		cur.WriteString(item)
		curW += iw
	}
	if curW > 0 {
		lines = append(lines, common.Pad(cur.String(), w, false))
	}
	return lines
}

// histogram draws counts as vertical bars with ntcharts' barchart, with the
// range of the edges on the line below; h lines, w columns at most.
func (m *Model) histogram(hg *profile.Histogram, w, h int) []string {
	st := m.c.Styles
	key := fmt.Sprintf("%s|%d|%d|%d|%d", m.detailRef, m.colCur, w, h, st.Version)
	if m.hist.key == key {
		return m.hist.lines
	}
	counts := rebin(hg.Counts, w)
	n := len(counts)
	gap := 0
	if 2*n-1 <= w {
		gap = 1
	}
	bw := max((w-(n-1)*gap)/n, 1)
	cw := min(n*bw+(n-1)*gap, w)
	ch := max(h-1, 1)
	bc := barchart.New(cw, ch, barchart.WithNoAxis(), barchart.WithBarGap(gap),
		barchart.WithStyles(st.Border, st.Subtle))
	bar := st.SeriesAt(0)
	data := make([]barchart.BarData, n)
	for i, c := range counts {
		data[i] = barchart.BarData{Values: []barchart.BarValue{{Value: float64(c), Style: bar}}}
	}
	bc.PushAll(data)
	bc.Draw()
	lines := strings.Split(bc.View(), "\n")
	lo, hi := fmtFloat(hg.Edges[0]), fmtFloat(hg.Edges[len(hg.Edges)-1])
	axis := lo + strings.Repeat(" ", max(cw-common.Width(lo)-common.Width(hi), 1)) + hi
	lines = append(lines, st.Subtle.Render(common.Pad(axis, w, false)))
	m.hist = histCache{key: key, lines: lines}
	return lines
}

// rebin merges neighbouring bins until at most w remain.
func rebin(counts []int64, w int) []int64 {
	if len(counts) <= w || w <= 0 {
		return counts
	}
	k := (len(counts) + w - 1) / w
	out := make([]int64, 0, w)
	for i := 0; i < len(counts); i += k {
		var s int64
		for _, c := range counts[i:min(i+k, len(counts))] {
			s += c
		}
		out = append(out, s)
	}
	return out
}
