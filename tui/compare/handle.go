package compare

import (
	"fmt"
	"sort"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/lathe-ml/lathe/store"
	"github.com/lathe-ml/lathe/tui/chart"
	"github.com/lathe-ml/lathe/tui/common"
)

func sortPoints(pts []chart.Point) {
	sort.SliceStable(pts, func(i, j int) bool { return pts[i].X < pts[j].X })
}

func (m *Model) handleKey(msg tea.KeyMsg) tea.Cmd {
	if m.settingStep {
		return m.stepKey(msg)
	}
	if m.filtering {
		if key.Matches(msg, m.keys.FilterDone) {
			m.filtering = false
			m.filter.Blur()
			if msg.String() == "esc" {
				m.filter.SetValue("")
			}
			m.keys.mode(false, len(m.runs) > 0)
			m.rebuild()
			m.layout()
			return tea.Batch(m.followCursor(false), m.loadAt())
		}
		var cmd tea.Cmd
		m.filter, cmd = m.filter.Update(msg)
		m.rebuild()
		return tea.Batch(cmd, m.followCursor(false), m.loadAt())
	}
	k := m.keys
	t := m.table()
	switch {
	case key.Matches(msg, k.Up):
		t.Move(-1)
	case key.Matches(msg, k.Down):
		t.Move(1)
	case key.Matches(msg, k.Left):
		t.MoveCol(-1)
		m.syncCols()
	case key.Matches(msg, k.Right):
		t.MoveCol(1)
		m.syncCols()
	case key.Matches(msg, k.Switch):
		m.onParams = !m.onParams
		m.syncFocus()
	case key.Matches(msg, k.AllParams):
		m.allParams = !m.allParams
		m.rebuild()
	case key.Matches(msg, k.Stat):
		m.stat = (m.stat + 1) % numStats
		m.rebuild()
		return tea.Batch(m.loadAt(), common.Flash(m.statFlash()))
	case key.Matches(msg, k.AtStep):
		return m.startStep()
	case key.Matches(msg, k.XAxis):
		m.xmode = (m.xmode + 1) % numXModes
		m.parkCharts()
		return tea.Batch(common.Flash("x axis: "+m.xmode.String()), m.prerender())
	case key.Matches(msg, k.LogScale):
		on := !m.chart().LogY()
		m.eachChart(func(c *chart.Chart) { c.SetLogY(on) })
		if on {
			return tea.Batch(common.Flash("log scale on"), m.prerender())
		}
		return tea.Batch(common.Flash("log scale off"), m.prerender())
	case key.Matches(msg, k.Smooth):
		m.smoothI = (m.smoothI + 1) % len(smoothings)
		m.eachChart(func(c *chart.Chart) { c.SetSmoothing(smoothings[m.smoothI]) })
		return tea.Batch(common.Flash(fmt.Sprintf("smoothing %.1f", smoothings[m.smoothI])), m.prerender())
	case key.Matches(msg, k.Open):
		if id := m.Selected(); id != "" {
			return common.Cmd(common.OpenRunMsg{ID: id})
		}
	case key.Matches(msg, k.Reload):
		m.hist = map[string]map[string][]store.Metric{}
		m.at = map[atKey]atValues{}
		return m.loadRuns()
	}
	return m.followCursor(false)
}

// syncCols keeps both tables on the same run column.
func (m *Model) syncCols() {
	src, dst := m.metrics, m.params
	if m.onParams {
		src, dst = m.params, m.metrics
	}
	dst.MoveCol(src.ColCursor() - dst.ColCursor())
}

func (m *Model) handleMouse(msg tea.MouseMsg) tea.Cmd {
	l := m.geometry()
	inParams := msg.Y >= l.paramsY && msg.Y < l.paramsY+l.paramsH && msg.X < l.tablesW
	inMetrics := msg.Y >= l.metricsY && msg.Y < l.metricsY+l.metricsH && msg.X < l.tablesW
	switch {
	case msg.Button == tea.MouseButtonWheelUp || msg.Button == tea.MouseButtonWheelDown:
		n := 1
		if msg.Button == tea.MouseButtonWheelUp {
			n = -1
		}
		switch {
		case inParams:
			m.params.Scroll(n)
		case inMetrics:
			m.metrics.Scroll(n)
			return m.followCursor(false)
		}
	case msg.Action == tea.MouseActionPress && msg.Button == tea.MouseButtonLeft:
		switch {
		case inParams:
			m.onParams = true
			m.syncFocus()
			if i, ok := m.params.RowAt(msg.Y - l.paramsY - 1); ok {
				m.params.SetCursor(i)
			}
		case inMetrics:
			m.onParams = false
			m.syncFocus()
			if i, ok := m.metrics.RowAt(msg.Y - l.metricsY - 1); ok {
				m.metrics.SetCursor(i)
			}
			return m.followCursor(false)
		}
	}
	return nil
}
