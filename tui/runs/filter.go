package runs

import (
	"errors"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/lathe-ml/lathe/store/query"
)

// FilterDebounce is how long typing must pause before the filter applies.
const FilterDebounce = 300 * time.Millisecond

// StartFilter focuses the filter input (the global `/`).
func (m *Model) StartFilter() tea.Cmd {
	if m.picking {
		return nil
	}
	m.filtering = true
	m.onList = false
	m.syncFocus()
	m.prevFilter = m.filter
	m.input.SetValue(m.filter)
	m.input.CursorEnd()
	m.keys.mode(false, true)
	m.layout()
	return m.input.Focus()
}

func (m *Model) stopFilter() {
	m.filtering = false
	m.input.Blur()
	m.keys.mode(m.picking, false)
	m.layout()
}

// filterKey edits the filter: every keystroke is parsed at once (errors
// show under the input with a caret at their column), and a valid filter
// applies after a pause in typing or on enter.
func (m *Model) filterKey(msg tea.KeyMsg) tea.Cmd {
	switch {
	case key.Matches(msg, m.keys.FilterCancel):
		m.stopFilter()
		m.input.SetValue(m.prevFilter)
		m.filterErr = nil
		if m.filter != m.prevFilter {
			m.filter = m.prevFilter
			return m.reload()
		}
		return nil
	case key.Matches(msg, m.keys.FilterApply):
		if m.check(m.input.Value()) != nil {
			return nil // keep editing: the error is on screen
		}
		m.stopFilter()
		return m.applyFilter(m.input.Value())
	}
	before := m.input.Value()
	var cmd tea.Cmd
	m.input, cmd = m.input.Update(msg)
	if m.input.Value() == before {
		return cmd
	}
	m.filterGen++
	if m.check(m.input.Value()) != nil {
		return cmd
	}
	gen := m.filterGen
	return tea.Batch(cmd, tea.Tick(FilterDebounce, func(time.Time) tea.Msg { return filterTickMsg{gen: gen} }))
}

// check parses a filter and keeps its error for the view.
func (m *Model) check(f string) error {
	_, err := query.Parse(f)
	m.filterErr = nil
	var qe *query.Error
	if errors.As(err, &qe) {
		m.filterErr = qe
	}
	m.layout()
	return err
}

// applyFilter runs the query with filter f unless it is already applied.
func (m *Model) applyFilter(f string) tea.Cmd {
	if f == m.filter || m.check(f) != nil {
		return nil
	}
	m.filter = f
	return m.reload()
}
