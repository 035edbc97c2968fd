package compare

import (
	"fmt"
	"sort"
	"strings"

	"github.com/charmbracelet/lipgloss"

	"github.com/lathe-ml/lathe/store"
	"github.com/lathe-ml/lathe/tui/common"
	"github.com/lathe-ml/lathe/tui/table"
)

// geom is where each part of the pane goes. Each table and the chart take
// their first line for a title.
type geom struct {
	wide                                 bool
	tablesW                              int
	paramsY, paramsH, metricsY, metricsH int
	chartX, chartY, chartW, chartH       int
}

func (m *Model) filterShown() bool {
	return m.filtering || m.filter.Value() != "" || m.settingStep
}

func (m *Model) geometry() geom {
	top := 0
	if m.filterShown() {
		top = 1
	}
	h := m.height - top
	if m.width >= 120 {
		tw := max(m.width*45/100, 50)
		// The params take what their rows need (with a blank line under
		// them), up to half; the metrics the rest.
		ph := max(min(m.params.Len()+3, h/2), min(4, h/2))
		return geom{wide: true, tablesW: tw, paramsY: top, paramsH: ph, metricsY: top + ph, metricsH: h - ph,
			chartX: tw + 1, chartY: top, chartW: m.width - tw - 1, chartH: h}
	}
	// Tables take what their rows need, up to about half the height; the
	// chart gets the rest.
	rest := h - max(h*45/100, 8)
	ph := max(min(m.params.Len()+2, max(rest/2, rest-m.metrics.Len()-2)), 3)
	mh := max(min(m.metrics.Len()+2, rest-ph), 3)
	ch := h - ph - mh
	return geom{tablesW: m.width, paramsY: top, paramsH: ph, metricsY: top + ph, metricsH: mh,
		chartY: top + ph + mh, chartW: m.width, chartH: ch}
}

// SetSize lays the pane out.
func (m *Model) SetSize(w, h int) {
	m.width, m.height = w, h
	m.filter.Width = max(w-4, 1)
	m.layout()
}

func (m *Model) layout() {
	g := m.geometry()
	m.params.SetSize(g.tablesW, max(g.paramsH-1, 1))
	m.metrics.SetSize(g.tablesW, max(g.metricsH-1, 1))
	for _, c := range m.charts {
		c.SetSize(max(g.chartW, 0), max(g.chartH-1, 0))
	}
}

// rebuild fills both tables from the loaded runs.
func (m *Model) rebuild() {
	if len(m.runs) == 0 {
		m.params.SetRows(nil)
		m.metrics.SetRows(nil)
		return
	}
	f := strings.ToLower(strings.TrimSpace(m.filter.Value()))
	match := func(k string) bool { return f == "" || strings.Contains(strings.ToLower(k), f) }
	// Run columns share the tables' width (names often differ only at
	// their end: bpr-f32-lr0.1-reg0.01, …-reg0.001), 16 to 32 cells each.
	runW := max(16, min(32, (m.geometry().tablesW-4-24)/max(len(m.runs), 1)-1))
	runCols := func(first string) []table.Column {
		cols := []table.Column{{Key: "key", Title: first, Max: 24}}
		for _, r := range m.runs {
			cols = append(cols, table.Column{Key: r.ID, Title: r.Name, Max: runW})
		}
		return cols
	}
	// Params.
	keys := map[string]bool{}
	for _, r := range m.runs {
		for k := range r.Params {
			keys[k] = true
		}
	}
	m.paramKeys = m.paramKeys[:0]
	m.differ = map[string]bool{}
	for k := range keys {
		m.paramKeys = append(m.paramKeys, k)
		first, has := m.runs[0].Params[k]
		for _, r := range m.runs[1:] {
			if v, ok := r.Params[k]; ok != has || v != first {
				m.differ[k] = true
			}
		}
	}
	sort.Strings(m.paramKeys)
	var prow []table.Row
	for _, k := range m.paramKeys {
		if (!m.allParams && !m.differ[k]) || !match(k) {
			continue
		}
		cells := []table.Cell{{Text: k}}
		for _, r := range m.runs {
			v, ok := r.Params[k]
			t := table.Plain
			if !ok {
				v, t = "—", table.Subtle
			} else if m.differ[k] {
				t = table.Accent
			}
			cells = append(cells, table.Cell{Text: v, Tone: t})
		}
		prow = append(prow, table.Row{ID: k, Cells: cells})
	}
	m.params.Empty = "no params differ (a shows all)"
	if len(m.paramKeys) == 0 {
		m.params.Empty = "no params logged"
	}
	m.params.SetColumns(runCols("PARAM"))
	m.params.SetRows(prow)
	// Metrics.
	mkeys := map[string]bool{}
	for _, r := range m.runs {
		for _, s := range r.Metrics {
			mkeys[s.Key] = true
		}
	}
	var names []string
	for k := range mkeys {
		if match(k) {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	m.shown = names
	var mrow []table.Row
	for _, k := range names {
		cells := []table.Cell{{Text: k}}
		for _, r := range m.runs {
			cells = append(cells, m.statCell(r, k))
		}
		mrow = append(mrow, table.Row{ID: k, Cells: cells})
	}
	m.metrics.SetColumns(runCols("METRIC"))
	m.metrics.SetRows(mrow)
	m.layout()
	if m.metric != "" {
		for i, r := range mrow {
			if r.ID == m.metric {
				m.metrics.SetCursor(i)
			}
		}
	}
}

func (m *Model) statCell(r *store.Run, k string) table.Cell {
	if m.stat == StatAt {
		return m.atCell(r, k)
	}
	for _, s := range r.Metrics {
		if s.Key != k {
			continue
		}
		v := s.Last
		switch m.stat {
		case StatMin:
			v = s.Min
		case StatMax:
			v = s.Max
		}
		return table.Cell{Text: common.FormatValue(v)}
	}
	return table.Cell{Text: "—", Tone: table.Subtle}
}

// View draws the pane in exactly its size.
func (m *Model) View() string {
	if m.width <= 0 || m.height <= 0 {
		return ""
	}
	st := m.c.Styles
	if len(m.ids) == 0 {
		return common.FitLines(st.Subtle.Render("Nothing to compare. Mark runs with space in the runs pane (1), then press c."), m.width, m.height)
	}
	if m.runs == nil {
		msg := "loading runs…"
		if m.err != nil {
			msg = "error: " + m.err.Error()
		}
		return common.FitLines(st.Subtle.Render(msg), m.width, m.height)
	}
	g := m.geometry()
	var top []string
	switch {
	case m.settingStep:
		top = append(top, m.stepIn.View())
	case m.filterShown():
		top = append(top, m.filter.View())
	}
	params := m.title(m.paramsTitle(), m.onParams, g.tablesW) + "\n" + m.params.View()
	metrics := m.title(m.metricsTitle(), !m.onParams, g.tablesW) + "\n" + m.metrics.View()
	tables := common.FitLines(params, g.tablesW, g.paramsH) + "\n" + common.FitLines(metrics, g.tablesW, g.metricsH)
	chartBlock := common.FitLines(m.chartTitle(g.chartW)+"\n"+m.chart().View(), g.chartW, g.chartH)
	var body string
	if g.wide {
		sep := st.Border.Render(strings.TrimSuffix(strings.Repeat("│\n", g.chartH), "\n"))
		body = lipgloss.JoinHorizontal(lipgloss.Top, tables, sep, chartBlock)
	} else {
		body = tables + "\n" + chartBlock
	}
	if len(top) > 0 {
		body = strings.Join(top, "\n") + "\n" + body
	}
	return common.FitLines(body, m.width, m.height)
}

func (m *Model) title(t string, active bool, w int) string {
	st := m.c.Styles
	if active && m.focused {
		return st.Title.Render(common.Truncate(t, w))
	}
	return st.Header.Render(common.Truncate(t, w))
}

func (m *Model) metricsTitle() string {
	if m.stat == StatAt && m.atStep == nil {
		// Name the step when every metric shown has the same one.
		var step int64
		same := len(m.shown) > 0
		for i, k := range m.shown {
			s, ok := m.stepFor(k)
			if !ok || (i > 0 && s != step) {
				same = false
				break
			}
			step = s
		}
		if same {
			return fmt.Sprintf("METRICS (at step %d, the last common one; @ sets one)", step)
		}
		return "METRICS (at the last common step; @ sets one)"
	}
	return fmt.Sprintf("METRICS (%s)", m.statName())
}

func (m *Model) paramsTitle() string {
	n := 0
	for _, k := range m.paramKeys {
		if m.differ[k] {
			n++
		}
	}
	if m.allParams {
		return fmt.Sprintf("PARAMS (all %d, %d differ)", len(m.paramKeys), n)
	}
	return fmt.Sprintf("PARAMS (%d of %d differ)", n, len(m.paramKeys))
}

func (m *Model) chartTitle(w int) string {
	st := m.c.Styles
	parts := []string{st.Title.Render(m.metric), "x: " + m.xmode.String()}
	if m.chart().LogY() {
		parts = append(parts, "log")
	}
	if s := m.chart().Smoothing(); s > 0 {
		parts = append(parts, fmt.Sprintf("smooth %.1f", s))
	}
	if m.got < m.want {
		parts = append(parts, st.Accent.Render(fmt.Sprintf("loading %d/%d %s", m.got, m.want, bar(m.got, m.want, 10))))
	}
	return common.Truncate(strings.Join(parts, st.Subtle.Render(" · ")), w)
}

// bar is a small progress bar.
func bar(done, total, w int) string {
	if total <= 0 {
		return ""
	}
	n := done * w / total
	return strings.Repeat("█", n) + strings.Repeat("░", w-n)
}
