package compare

import (
	tea "github.com/charmbracelet/bubbletea"

	"github.com/lathe-ml/lathe/tui/chart"
)

// prerender draws, in the background and one at a time, the chart states
// a toggle can reach next, most likely first: the shown chart with log
// scale flipped, at the next smoothing, the next x axis in the current
// state, then every other scale and smoothing of the shown chart and the
// other x axes. Each arrives in the chart's cache, so a toggle finds its
// frame drawn. Only once every curve has loaded, one render at a time: the
// reply of one starts the next, until every state is cached.
func (m *Model) prerender() tea.Cmd {
	if m.prerendering || !m.focused || m.metric == "" || m.got < m.want {
		return nil
	}
	cur := chart.State{LogY: m.chart().LogY(), Smooth: smoothings[m.smoothI]}
	next := func(x XMode) XMode { return (x + 1) % numXModes }
	type job struct {
		x XMode
		s chart.State
	}
	jobs := []job{
		{m.xmode, chart.State{LogY: !cur.LogY, Smooth: cur.Smooth}},
		{m.xmode, chart.State{LogY: cur.LogY, Smooth: smoothings[(m.smoothI+1)%len(smoothings)]}},
		{next(m.xmode), cur},
	}
	for _, x := range []XMode{m.xmode, next(m.xmode), next(next(m.xmode))} {
		for _, l := range []bool{cur.LogY, !cur.LogY} {
			for i := range smoothings {
				jobs = append(jobs, job{x, chart.State{LogY: l, Smooth: smoothings[(m.smoothI+i)%len(smoothings)]}})
			}
		}
	}
	for _, j := range jobs {
		if cmd := m.charts[j.x].Prerender(int(j.x), j.s); cmd != nil {
			m.prerendering = true
			return cmd
		}
	}
	return nil
}

// adopt caches a background render and starts the next.
func (m *Model) adopt(msg chart.PrerenderedMsg) tea.Cmd {
	m.prerendering = false
	if msg.Tag >= 0 && msg.Tag < len(m.charts) {
		m.charts[msg.Tag].Adopt(msg)
	}
	return m.prerender()
}
