package datasets

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/lathe-ml/lathe/tui/common"
)

// Update handles keys and the mouse (when focused) and the pane's own
// replies; stale replies (an older sequence number) are dropped.
func (m *Model) Update(msg tea.Msg) tea.Cmd {
	defer m.syncKeys()
	switch msg := msg.(type) {
	case tea.KeyMsg:
		if !m.focused {
			return nil
		}
		return m.handleKey(msg)
	case tea.MouseMsg:
		if !m.focused || m.typing || msg.Action != tea.MouseActionPress {
			return nil
		}
		switch msg.Button {
		case tea.MouseButtonWheelUp:
			return m.move(-1)
		case tea.MouseButtonWheelDown:
			return m.move(1)
		case tea.MouseButtonLeft:
			if m.ov == ovNone {
				return m.click(msg)
			}
		}
		return nil
	case common.EventsMsg:
		for _, e := range msg.Events {
			if m.setsSeq > 0 && (strings.HasPrefix(e.Kind, "data.") || e.Kind == "run.data_inputs") {
				return m.loadSets()
			}
		}
		return nil
	case common.ThemeMsg:
		m.style()
		return nil
	}
	return m.handleReply(msg)
}

// handleReply takes in the replies of the pane's commands.
func (m *Model) handleReply(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case setsMsg:
		if msg.seq != m.setsSeq {
			return nil
		}
		m.loadingSets = false
		if msg.err != nil {
			m.err = msg.err
			return common.FlashErr(msg.err)
		}
		m.err = nil
		m.sets = msg.sets
		cmd := m.applyFilter()
		if cmd == nil {
			cmd = m.loadVersions() // the selected dataset may have changed
		}
		return cmd
	case versionsMsg:
		if msg.seq != m.versionsSeq {
			return nil
		}
		m.loadingVersions = false
		if msg.err != nil {
			return common.FlashErr(msg.err)
		}
		var prev int64
		if v := m.version(); v != nil && v.Name == msg.name {
			prev = v.Version
		}
		m.versions = msg.versions
		m.verCur = 0
		for i, v := range m.versions {
			if v.Version == prev {
				m.verCur = i
			}
		}
		if len(m.versions) == 0 && m.sec != secSets {
			m.sec = secSets
		}
		return m.loadDetail()
	case detailMsg:
		if msg.seq != m.detailSeq {
			return nil
		}
		m.loadingDetail = false
		if msg.ref != m.detailRef {
			m.colCur, m.runCur = 0, 0
		}
		m.detailRef, m.profile, m.profileErr, m.report, m.runs = msg.ref, msg.profile, msg.profileErr, msg.report, msg.runs
		if m.profile != nil {
			m.colCur = min(m.colCur, max(len(m.profile.Columns)-1, 0))
		}
		m.runCur = min(m.runCur, max(len(m.runs)-1, 0))
		if (m.sec == secColumns && m.column() == nil) || (m.sec == secRuns && m.run() == nil) {
			m.sec = secVersions
		}
		return common.FlashErr(msg.err)
	case rowsMsg:
		if msg.seq != m.rowsSeq {
			return nil
		}
		m.loadingRows = false
		m.stopOverlay()
		m.rows, m.rowsErr = msg.data, msg.err
		return common.FlashErr(msg.err)
	case diffMsg:
		if msg.seq != m.diffSeq {
			return nil
		}
		m.diffing = false
		m.stopOverlay()
		m.diff, m.diffErr = msg.diff, msg.err
		if msg.err != nil {
			return common.FlashErr(msg.err)
		}
		if d := msg.diff; d != nil && len(d.Columns) > 0 {
			return common.Flash(fmt.Sprintf("%s → %s: %d of %d columns drifted", msg.ref, msg.cur, d.Drifted, d.Tested))
		}
	}
	return nil
}

func (m *Model) handleKey(msg tea.KeyMsg) tea.Cmd {
	k := m.keys
	if m.typing {
		switch {
		case key.Matches(msg, k.FilterCancel):
			m.typing = false
			m.input.Blur()
			m.filter = m.prevFilter
			return m.applyFilter()
		case key.Matches(msg, k.FilterDone):
			m.typing = false
			m.input.Blur()
			return nil
		}
		var cmd tea.Cmd
		m.input, cmd = m.input.Update(msg)
		if v := strings.TrimSpace(m.input.Value()); v != m.filter {
			m.filter = v
			return tea.Batch(cmd, m.applyFilter())
		}
		return cmd
	}
	if m.ov != ovNone {
		return m.overlayKey(msg)
	}
	switch {
	case key.Matches(msg, k.Up):
		return m.move(-1)
	case key.Matches(msg, k.Down):
		return m.move(1)
	case key.Matches(msg, k.PageUp):
		return m.move(-m.pageSize())
	case key.Matches(msg, k.PageDown):
		return m.move(m.pageSize())
	case key.Matches(msg, k.Switch):
		m.switchSection()
	case key.Matches(msg, k.Reload):
		return m.loadSets()
	case key.Matches(msg, k.Open):
		return m.open()
	case key.Matches(msg, k.Rows):
		return m.openRows()
	case key.Matches(msg, k.Mark):
		return m.mark()
	case key.Matches(msg, k.Diff):
		return m.diffKey()
	case key.Matches(msg, k.OpenRun):
		if r := m.run(); r != nil && m.sec == secRuns {
			return common.Cmd(common.OpenRunMsg{ID: r.ID})
		}
	}
	return nil
}

// overlayKey scrolls the rows or diff view; esc closes it.
func (m *Model) overlayKey(msg tea.KeyMsg) tea.Cmd {
	k := m.keys
	switch {
	case key.Matches(msg, k.Close):
		m.closeOverlay()
	case key.Matches(msg, k.Up):
		m.scroll(-1)
	case key.Matches(msg, k.Down):
		m.scroll(1)
	case key.Matches(msg, k.PageUp):
		m.scroll(-m.pageSize())
	case key.Matches(msg, k.PageDown):
		m.scroll(m.pageSize())
	case key.Matches(msg, k.Left):
		if m.ov == ovRows {
			m.rowsX = max(m.rowsX-1, 0)
		}
	case key.Matches(msg, k.Right):
		if m.ov == ovRows && m.rows != nil {
			m.rowsX = min(m.rowsX+1, max(len(m.rows.Columns)-1, 0))
		}
	}
	return nil
}

func (m *Model) pageSize() int { return max(m.height/2, 1) }

// scroll moves the open overlay's first line.
func (m *Model) scroll(d int) {
	switch m.ov {
	case ovRows:
		n := 0
		if m.rows != nil {
			n = len(m.rows.Rows)
		}
		m.rowsY = max(min(m.rowsY+d, n-1), 0)
	case ovDiff:
		n := 0
		if m.diff != nil {
			n = len(m.diff.Columns)
		}
		m.diffY = max(min(m.diffY+d, n-1), 0)
	}
}

// switchSection moves the cursor to the next list that has rows.
func (m *Model) switchSection() {
	for i := 0; i < 4; i++ {
		m.sec = (m.sec + 1) % 4
		switch m.sec {
		case secSets:
			return
		case secVersions:
			if len(m.versions) > 0 {
				return
			}
		case secColumns:
			if m.column() != nil {
				return
			}
		case secRuns:
			if m.run() != nil {
				return
			}
		}
	}
}

// open drills in: a dataset to its versions, a version or column to the
// rows, a run to the run detail.
func (m *Model) open() tea.Cmd {
	switch m.sec {
	case secSets:
		if len(m.versions) > 0 {
			m.sec = secVersions
		}
	case secVersions, secColumns:
		return m.openRows()
	case secRuns:
		if r := m.run(); r != nil {
			return common.Cmd(common.OpenRunMsg{ID: r.ID})
		}
	}
	return nil
}

// mark toggles the diff mark on the selected version.
func (m *Model) mark() tea.Cmd {
	v := m.version()
	if v == nil {
		return nil
	}
	if m.marked == v.Ref() {
		m.marked = ""
		return common.Flash("mark cleared")
	}
	m.marked = v.Ref()
	return common.Flash(fmt.Sprintf("marked %s: d on another version compares them", v.Ref()))
}

// diffKey compares the marked version (or the one before the selected
// version) with the selected one.
func (m *Model) diffKey() tea.Cmd {
	v := m.version()
	if v == nil || m.st == nil {
		return nil
	}
	cur := v.Ref()
	ref := m.marked
	if ref == "" || ref == cur {
		if m.verCur+1 >= len(m.versions) {
			return common.Flash("mark a version with space, then press d on another")
		}
		ref = m.versions[m.verCur+1].Ref()
	}
	return m.startDiff(ref, cur)
}

// move moves the cursor of the focused list (or scrolls an overlay).
func (m *Model) move(d int) tea.Cmd {
	if m.ov != ovNone {
		m.scroll(d)
		return nil
	}
	n := m.cursor(m.sec) + d
	switch m.sec {
	case secSets:
		n = min(n, len(m.shown)-1)
	case secVersions:
		n = min(n, len(m.versions)-1)
	case secColumns:
		if m.profile != nil {
			n = min(n, len(m.profile.Columns)-1)
		}
	case secRuns:
		n = min(n, len(m.runs)-1)
	}
	return m.moveTo(m.sec, max(n, 0))
}
