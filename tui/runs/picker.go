package runs

import (
	"fmt"
	"slices"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/lathe-ml/lathe/tui/common"
)

// picker lists every param and metric key of the loaded runs to show or
// hide as a column.
type picker struct {
	items  []string // param:/metric: keys
	info   map[string]string
	cursor int
	offset int
}

func (m *Model) openPicker() {
	params, metrics, metricRuns, varies := known(m.runs)
	p := picker{info: map[string]string{}}
	for _, k := range metrics {
		p.items = append(p.items, metricPrefix+k)
		p.info[metricPrefix+k] = fmt.Sprintf("logged by %d runs", metricRuns[k])
	}
	for _, k := range params {
		p.items = append(p.items, paramPrefix+k)
		if varies[k] {
			p.info[paramPrefix+k] = "varies"
		} else {
			p.info[paramPrefix+k] = "same in all"
		}
	}
	m.picker = p
	m.picking = true
	m.keys.mode(true, false)
}

func (m *Model) closePicker() {
	m.picking = false
	m.keys.mode(false, m.filtering)
}

func (m *Model) pickerKey(msg tea.KeyMsg) tea.Cmd {
	p := &m.picker
	k := m.keys
	switch {
	case key.Matches(msg, k.Up):
		p.cursor = max(p.cursor-1, 0)
	case key.Matches(msg, k.Down):
		p.cursor = min(p.cursor+1, len(p.items)-1)
	case key.Matches(msg, k.PickToggle):
		if p.cursor < len(p.items) {
			it := p.items[p.cursor]
			if i := slices.Index(m.cols.chosen, it); i >= 0 {
				m.cols.chosen = slices.Delete(m.cols.chosen, i, i+1)
			} else {
				m.cols.chosen = append(m.cols.chosen, it)
			}
			m.cols.custom = true
			m.applyColumns()
		}
	case key.Matches(msg, k.PickAuto):
		m.cols.custom = false
		m.cols.chosen = autoColumns(m.runs)
		m.applyColumns()
		return common.Flash("automatic columns: params that vary, most-logged metrics")
	case key.Matches(msg, k.PickClose):
		m.closePicker()
	}
	return nil
}

func (m *Model) applyColumns() {
	m.table.SetColumns(m.tableColumns())
	m.rebuild()
}

func (m *Model) pickerView(w, h int) string {
	st := m.c.Styles
	p := &m.picker
	lines := []string{st.Title.Render("Columns") + st.Subtle.Render("  space show/hide · a automatic · enter close")}
	rows := h - 1
	if p.cursor < p.offset {
		p.offset = p.cursor
	}
	if p.cursor >= p.offset+rows {
		p.offset = p.cursor - rows + 1
	}
	if len(p.items) == 0 {
		lines = append(lines, st.Subtle.Render("  no params or metrics in the loaded runs"))
	}
	nameW := 0
	for _, it := range p.items {
		nameW = max(nameW, len(it))
	}
	for i := p.offset; i < len(p.items) && i < p.offset+rows; i++ {
		it := p.items[i]
		box := "[ ]"
		if slices.Contains(m.cols.chosen, it) {
			box = "[x]"
		}
		kind, name := "param ", strings.TrimPrefix(it, paramPrefix)
		if n, ok := strings.CutPrefix(it, metricPrefix); ok {
			kind, name = "metric", n
		}
		cur := "  "
		if i == p.cursor {
			cur = "> "
		}
		line := common.Pad(fmt.Sprintf("%s%s %s  %s", cur, box, kind, name), nameW+8, false)
		info := st.Subtle.Render("  " + p.info[it])
		if i == p.cursor {
			line = st.Cursor.Render(line) + info
		} else {
			line = st.Text.Render(line) + info
		}
		lines = append(lines, line)
	}
	return common.FitLines(strings.Join(lines, "\n"), w, h)
}
