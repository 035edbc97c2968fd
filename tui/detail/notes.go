package detail

import (
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/lathe-ml/lathe/store"
)

func (m *Model) startNotes() tea.Cmd {
	if m.run == nil {
		return nil
	}
	m.editing = true
	m.notes.SetValue(m.run.Notes)
	m.keys.mode(true, false, true)
	return m.notes.Focus()
}

// notesKey edits notes; ctrl+s saves them with UpdateRun, esc drops the edit.
func (m *Model) notesKey(msg tea.KeyMsg) tea.Cmd {
	switch {
	case key.Matches(msg, m.keys.Cancel):
		m.stopNotes()
		return nil
	case key.Matches(msg, m.keys.Save):
		text := m.notes.Value()
		m.stopNotes()
		m.saving = true
		ctx, st, id := m.c.Ctx, m.c.Store, m.id
		return func() tea.Msg {
			r, err := st.UpdateRun(ctx, id, store.RunUpdate{Notes: &text})
			return savedMsg{run: r, err: err}
		}
	}
	var cmd tea.Cmd
	m.notes, cmd = m.notes.Update(msg)
	return cmd
}

func (m *Model) stopNotes() {
	m.editing = false
	m.notes.Blur()
	m.keys.mode(false, false, m.run != nil)
}
