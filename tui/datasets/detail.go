package datasets

import (
	"fmt"
	"strings"

	"github.com/lathe-ml/lathe/store"
	"github.com/lathe-ml/lathe/tui/common"
)

// detailView puts the profile table beside the histogram, validation and
// runs of the selected version.
func (m *Model) detailView(w, h, top int) string {
	sideW := max(w*2/5, 30)
	if w >= 140 {
		sideW = min(w*2/5, 72)
	}
	if w-sideW-1 < 30 {
		sideW = -1
	}
	leftW := w - sideW - 1
	if m.profile != nil {
		m.addHit(secColumns, 0, leftW, top+2, top+h, window(m.colCur, h-2))
	}
	if sideW < 0 {
		return m.profileView(w, h)
	}
	st := m.c.Styles
	sep := strings.TrimSuffix(strings.Repeat(st.Border.Render("│")+"\n", h), "\n")
	m.runsAt = -1
	side := m.sideView(sideW, h)
	if m.runsAt >= 0 {
		first := window(m.runCur, maxRunsShown)
		m.addHit(secRuns, leftW+1, w, top+m.runsAt, top+min(m.runsAt+min(len(m.runs)-first, maxRunsShown), h), first)
	}
	return common.JoinColumns([]int{leftW, 1, sideW}, m.profileView(leftW, h), sep, side)
}

// statCol is one statistic column of the profile table.
type statCol struct {
	name string
	w    int
	get  func(c *profileCol) string
}

// statCols are the profile table's statistics, most wanted first; as many
// as fit are shown.
func statCols() []statCol {
	return []statCol{
		{"NULLS", 7, func(c *profileCol) string { return common.FormatCount(c.Nulls) }},
		{"DISTINCT", 8, func(c *profileCol) string { return common.FormatCount(c.Distinct) }},
		{"MEAN", 9, func(c *profileCol) string { return fmtNum(c.Mean) }},
		{"STD", 9, func(c *profileCol) string { return fmtNum(c.Std) }},
		{"MIN", 9, func(c *profileCol) string { return fmtBound(c.Min) }},
		{"P50", 9, func(c *profileCol) string { return fmtNum(c.P50) }},
		{"MAX", 9, func(c *profileCol) string { return fmtBound(c.Max) }},
		{"COUNT", 9, func(c *profileCol) string { return common.FormatCount(c.Count) }},
		{"P25", 9, func(c *profileCol) string { return fmtNum(c.P25) }},
		{"P75", 9, func(c *profileCol) string { return fmtNum(c.P75) }},
		{"P5", 9, func(c *profileCol) string { return fmtNum(c.P5) }},
		{"P95", 9, func(c *profileCol) string { return fmtNum(c.P95) }},
		{"P1", 9, func(c *profileCol) string { return fmtNum(c.P1) }},
		{"P99", 9, func(c *profileCol) string { return fmtNum(c.P99) }},
	}
}

// shortType abbreviates a column type for the profile table.
func shortType(t string) string {
	switch t {
	case "categorical":
		return "cat"
	case "timestamp":
		return "time"
	case "numeric":
		return "num"
	case "string":
		return "str"
	case "":
		return "—"
	}
	return t
}

func (m *Model) profileView(w, h int) string {
	st := m.c.Styles
	v := m.version()
	t := "PROFILE"
	if v != nil {
		t += " · " + v.Ref()
		if m.profile != nil && m.detailRef == v.Ref() {
			t += fmt.Sprintf(" · %s rows · %d columns", common.FormatCount(m.profile.Rows), len(m.profile.Columns))
		}
	}
	lines := []string{m.title(t, w)}
	switch {
	case v == nil:
		return common.FitLines(strings.Join(lines, "\n"), w, h)
	case m.detailRef != v.Ref():
		lines = append(lines, m.subtle("loading…", w))
		return common.FitLines(strings.Join(lines, "\n"), w, h)
	case m.profileErr != nil:
		lines = append(lines, st.Error.Render(common.Pad(m.profileErr.Error(), w, false)))
		return common.FitLines(strings.Join(lines, "\n"), w, h)
	case m.profile == nil:
		lines = append(lines, m.subtle("no profile stored for this version", w))
		return common.FitLines(strings.Join(lines, "\n"), w, h)
	}
	const typeW = 5
	nameW := 8
	for _, c := range m.profile.Columns {
		nameW = max(nameW, common.Width(c.Name))
	}
	nameW = min(nameW, 24)
	var shown []statCol
	used := nameW + 1 + typeW
	for _, sc := range statCols() {
		if used+1+sc.w > w {
			break
		}
		shown = append(shown, sc)
		used += 1 + sc.w
	}
	if len(shown) == 0 {
		nameW = max(w-typeW-1, 4)
	}
	cols := func(name, typ string, stats []string) []cell {
		cs := []cell{{text: name, w: nameW}, {text: typ, w: typeW, st: &st.Subtle}}
		for i, sc := range shown {
			cs = append(cs, cell{text: stats[i], w: sc.w, right: true})
		}
		return cs
	}
	names := make([]string, len(shown))
	for i, sc := range shown {
		names[i] = sc.name
	}
	lines = append(lines, m.header(cols("COLUMN", "TYPE", names), w))
	for i := window(m.colCur, h-2); i < len(m.profile.Columns) && len(lines) < h; i++ {
		c := &m.profile.Columns[i]
		stats := make([]string, len(shown))
		for j, sc := range shown {
			stats[j] = sc.get(c)
		}
		lines = append(lines, m.row(cols(c.Name, shortType(string(c.Type)), stats), w, i == m.colCur, m.sec == secColumns))
	}
	// The profile's warnings (type fallbacks, all-null columns) below, as
	// far as they fit.
	if ws := m.profile.Warnings; len(ws) > 0 && len(lines)+2 < h {
		lines = append(lines, "", st.Warning.Render(common.Pad(fmt.Sprintf("WARNINGS (%d)", len(ws)), w, false)))
		for i, wn := range ws {
			if len(lines) == h-1 && i < len(ws)-1 {
				lines = append(lines, m.subtle("… lathe data show "+v.Ref(), w))
				break
			}
			lines = append(lines, m.subtle(wn, w))
		}
	}
	return common.FitLines(strings.Join(lines, "\n"), w, h)
}

// sideView stacks the selected column's histogram or top values, the
// validation report and the runs that used the version.
func (m *Model) sideView(w, h int) string {
	v := m.version()
	if v == nil || m.detailRef != v.Ref() {
		return common.FitLines("", w, h)
	}
	tight := h < 20
	valid := m.validationLines(v, w, tight)
	runs := m.runLines(w)
	gap := 2
	if tight {
		gap = 0
	}
	chartH := min(max(h-len(valid)-len(runs)-gap, 0), maxChartH)
	var lines []string
	if chartH >= 4 {
		lines = append(lines, m.columnLines(w, chartH)...)
		if !tight {
			lines = append(lines, "")
		}
	}
	lines = append(lines, valid...)
	if !tight {
		lines = append(lines, "")
	}
	if len(m.runs) > 0 {
		m.runsAt = len(lines) + 1
	}
	lines = append(lines, runs...)
	return common.FitLines(strings.Join(lines, "\n"), w, h)
}

// maxChartH caps the selected column's block (title, statistics, chart).
const maxChartH = 18

// maxRunsShown is how many runs the side panel lists at once.
const maxRunsShown = 6

// maxFailures is how many failures the side panel lists.
const maxFailures = 4

func (m *Model) validationLines(v *store.DataVersion, w int, tight bool) []string {
	st := m.c.Styles
	status, vst := m.validStyle(v.ValidationStatus)
	if v.ValidationStatus == "" {
		status = "not validated"
	}
	head := st.Title.Render("VALIDATION ") + vst.Render(status)
	r := m.report
	if r != nil && len(r.Failures) > 0 {
		head += st.Subtle.Render(fmt.Sprintf(" · %d failures", len(r.Failures)))
	}
	lines := []string{common.Pad(head, w, false)}
	if r == nil {
		if v.ValidationStatus == "" {
			lines = append(lines, m.subtle("lathe data validate "+v.Ref()+" --rules RULES.toml", w))
		}
		return lines
	}
	most := maxFailures
	if tight {
		most = 2
	}
	for i, f := range r.Failures {
		if i == most {
			lines = append(lines, m.subtle(fmt.Sprintf("… %d more (lathe data validate)", len(r.Failures)-i), w))
			break
		}
		lines = append(lines, common.Pad(st.Error.Render("✗ ")+st.Text.Render(f.Rule)+" "+st.Subtle.Render(f.Message), w, false))
		if len(f.Examples) > 0 && !tight {
			ex := f.Examples[0]
			lines = append(lines, m.subtle(fmt.Sprintf("    line %d: %q", ex.Line, ex.Value), w))
		}
	}
	return lines
}

func (m *Model) runLines(w int) []string {
	st := m.c.Styles
	lines := []string{m.title(fmt.Sprintf("RUNS THAT USED IT (%d)", len(m.runs)), w)}
	if len(m.runs) == 0 {
		return append(lines, m.subtle("none (lathe run --input REF records them)", w))
	}
	first := window(m.runCur, maxRunsShown)
	for i := first; i < len(m.runs) && i < first+maxRunsShown; i++ {
		r := m.runs[i]
		rs := st.RunStatus(r.Status)
		cells := []cell{{text: common.ShortID(r.ID), w: 8, st: &st.Subtle}, {text: r.Name, w: max(w-8-10-2, 4)},
			{text: r.Status, w: 10, st: &rs}}
		lines = append(lines, m.row(cells, w, i == m.runCur, m.sec == secRuns))
	}
	if len(m.runs) > maxRunsShown {
		lines = append(lines, m.subtle(fmt.Sprintf("%d of %d · tab here, enter opens", maxRunsShown, len(m.runs)), w))
	}
	return lines
}
