package datasets

import tea "github.com/charmbracelet/bubbletea"

// hit is a list's rows on screen, recorded by View for mouse clicks: rows
// y0 ≤ y < y1 and x0 ≤ x < x1 show items first, first+1, ….
type hit struct {
	sec            section
	x0, x1, y0, y1 int
	first          int
}

// addHit records a list drawn at rows [y0, y1) and columns [x0, x1).
func (m *Model) addHit(sec section, x0, x1, y0, y1, first int) {
	if y1 > y0 && x1 > x0 {
		m.hits = append(m.hits, hit{sec: sec, x0: x0, x1: x1, y0: y0, y1: y1, first: first})
	}
}

// click selects the row under the pointer; a click on the selected row
// opens it, as enter would.
func (m *Model) click(msg tea.MouseMsg) tea.Cmd {
	for _, h := range m.hits {
		if msg.X < h.x0 || msg.X >= h.x1 || msg.Y < h.y0 || msg.Y >= h.y1 {
			continue
		}
		i := h.first + msg.Y - h.y0
		if i == m.cursor(h.sec) && h.sec == m.sec {
			return m.open()
		}
		m.sec = h.sec
		return m.moveTo(h.sec, i)
	}
	return nil
}

// cursor is the cursor's index in a list.
func (m *Model) cursor(sec section) int {
	switch sec {
	case secSets:
		return m.setCur
	case secVersions:
		return m.verCur
	case secColumns:
		return m.colCur
	}
	return m.runCur
}

// moveTo puts the cursor of list sec on item i (when there is one) and
// loads what follows from it.
func (m *Model) moveTo(sec section, i int) tea.Cmd {
	switch sec {
	case secSets:
		if i < 0 || i >= len(m.shown) || i == m.setCur {
			return nil
		}
		m.setCur = i
		m.versions, m.verCur = nil, 0
		return m.loadVersions()
	case secVersions:
		if i < 0 || i >= len(m.versions) || i == m.verCur {
			return nil
		}
		m.verCur = i
		return m.loadDetail()
	case secColumns:
		if m.profile != nil && i >= 0 && i < len(m.profile.Columns) {
			m.colCur = i
		}
	case secRuns:
		if i >= 0 && i < len(m.runs) {
			m.runCur = i
		}
	}
	return nil
}
