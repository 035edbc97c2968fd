package runs

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/lathe-ml/lathe/store"
	"github.com/lathe-ml/lathe/tui/common"
)

func (m *Model) handleKey(msg tea.KeyMsg) tea.Cmd {
	if m.filtering {
		return m.filterKey(msg)
	}
	if m.picking {
		return m.pickerKey(msg)
	}
	if m.onList {
		return m.listKey(msg)
	}
	k := m.keys
	t := m.table
	m.toBottom = false
	switch {
	case key.Matches(msg, k.Up):
		t.Move(-1)
	case key.Matches(msg, k.Down):
		t.Move(1)
		return m.loadMore()
	case key.Matches(msg, k.PageUp):
		t.Move(-t.PageSize())
	case key.Matches(msg, k.PageDown):
		t.Move(t.PageSize())
		return m.loadMore()
	case key.Matches(msg, k.Top):
		t.Top()
	case key.Matches(msg, k.Bottom):
		// The last run may be pages away: keep loading and following.
		t.Bottom()
		m.toBottom = true
		return m.loadMore()
	case key.Matches(msg, k.Left):
		t.MoveCol(-1)
	case key.Matches(msg, k.Right):
		t.MoveCol(1)
	case key.Matches(msg, k.Switch):
		m.onList = true
		m.syncFocus()
	case key.Matches(msg, k.Open):
		if id := t.SelectedID(); id != "" {
			return common.Cmd(common.OpenRunMsg{ID: id})
		}
	case key.Matches(msg, k.Mark):
		m.toggleMark(t.SelectedID())
		t.Move(1)
		return m.loadMore()
	case key.Matches(msg, k.ClearMarks):
		m.marks, m.markList = map[string]bool{}, nil
		m.rebuild()
	case key.Matches(msg, k.Pin):
		return m.togglePin(t.SelectedID())
	case key.Matches(msg, k.Compare):
		ids := m.Marked()
		if len(ids) < 2 {
			return common.Flash("mark at least two runs with space (pinned runs count too), then press c")
		}
		return common.Cmd(common.CompareMsg{IDs: ids})
	case key.Matches(msg, k.Sort):
		return m.sortBy(t.SelectedColumn().Key)
	case key.Matches(msg, k.Columns):
		m.openPicker()
	case key.Matches(msg, k.Fold):
		if !m.toggleFold(t.SelectedID()) {
			return common.Flash("this run has no child runs loaded (children carry the tag mlflow.parentRunId)")
		}
	case key.Matches(msg, k.Export):
		return m.export()
	case key.Matches(msg, k.Refresh):
		return tea.Batch(m.loadExperiments(), m.reload())
	}
	return nil
}

func (m *Model) listKey(msg tea.KeyMsg) tea.Cmd {
	k := m.keys
	prev := m.expCursor
	switch {
	case key.Matches(msg, k.Up):
		m.expCursor = max(m.expCursor-1, 0)
	case key.Matches(msg, k.Down):
		m.expCursor = min(m.expCursor+1, len(m.exps))
	case key.Matches(msg, k.Top):
		m.expCursor = 0
	case key.Matches(msg, k.Bottom):
		m.expCursor = len(m.exps)
	case key.Matches(msg, k.Switch), key.Matches(msg, k.Open), key.Matches(msg, k.Right):
		m.onList = false
		m.syncFocus()
	case key.Matches(msg, k.Refresh):
		return tea.Batch(m.loadExperiments(), m.reload())
	}
	if m.expCursor != prev {
		return m.reload()
	}
	return nil
}

func (m *Model) toggleMark(id string) {
	if id == "" {
		return
	}
	if m.marks[id] {
		delete(m.marks, id)
		for i, x := range m.markList {
			if x == id {
				m.markList = append(m.markList[:i], m.markList[i+1:]...)
				break
			}
		}
	} else {
		m.marks[id] = true
		m.markList = append(m.markList, id)
	}
	rows := m.table.Rows()
	for i := range rows {
		if rows[i].ID == id {
			rows[i].Mark = m.marks[id]
		}
	}
}

func (m *Model) togglePin(id string) tea.Cmd {
	if id == "" {
		return nil
	}
	for i, p := range m.pins {
		if p.ID == id {
			m.pins = append(m.pins[:i], m.pins[i+1:]...)
			m.rebuild()
			return common.Flash("unpinned " + p.Name)
		}
	}
	for _, r := range m.visible {
		if r.ID == id {
			m.pins = append(m.pins, r)
			m.rebuild()
			m.table.SetCursor(len(m.pins) - 1)
			return common.Flash("pinned " + r.Name + " on top (it joins every comparison)")
		}
	}
	return nil
}

// toggleFold folds or unfolds a parent's children; false when id has none.
func (m *Model) toggleFold(id string) bool {
	for _, r := range m.runs {
		if r.Tags[store.TagParentID] == id && id != "" {
			m.open[id] = !m.open[id]
			m.rebuild()
			return true
		}
	}
	return false
}

// sortBy cycles a column through ascending, descending and unsorted.
func (m *Model) sortBy(col string) tea.Cmd {
	if col == "" {
		return nil
	}
	if _, ok := orderBy(col, false); !ok {
		return common.Flash(fmt.Sprintf("the store cannot sort by %s; sort by start or a param or metric", strings.ToLower(col)))
	}
	switch {
	case m.orderKey != col:
		m.orderKey, m.orderDesc = col, false
	case !m.orderDesc:
		m.orderDesc = true
	default:
		m.orderKey, m.orderDesc = "", false
	}
	m.table.SetSort(m.orderKey, m.orderDesc)
	return m.reload()
}

func (m *Model) handleMouse(msg tea.MouseMsg) tea.Cmd {
	listW := m.listWidth()
	if msg.X < listW {
		switch {
		case msg.Button == tea.MouseButtonWheelUp:
			m.expCursor = max(m.expCursor-1, 0)
			return m.reload()
		case msg.Button == tea.MouseButtonWheelDown:
			m.expCursor = min(m.expCursor+1, len(m.exps))
			return m.reload()
		case msg.Action == tea.MouseActionPress && msg.Button == tea.MouseButtonLeft:
			m.onList = true
			m.syncFocus()
			if i := msg.Y - 1; i >= 0 && i <= len(m.exps) && i != m.expCursor {
				m.expCursor = i
				return m.reload()
			}
		}
		return nil
	}
	x, y := msg.X-listW, msg.Y-m.tableTop()
	switch {
	case msg.Button == tea.MouseButtonWheelUp:
		m.table.Scroll(-3)
	case msg.Button == tea.MouseButtonWheelDown:
		m.table.Scroll(3)
		return m.loadMore()
	case msg.Action == tea.MouseActionPress && msg.Button == tea.MouseButtonLeft:
		if m.picking {
			return nil
		}
		m.onList = false
		m.syncFocus()
		if y == 0 {
			if c, ok := m.table.ColumnAt(x); ok {
				m.table.MoveCol(c - m.table.ColCursor())
				return m.sortBy(m.table.SelectedColumn().Key)
			}
			return nil
		}
		if i, ok := m.table.RowAt(y); ok {
			if i == m.table.Cursor() {
				return common.Cmd(common.OpenRunMsg{ID: m.table.SelectedID()})
			}
			m.table.SetCursor(i)
		}
	}
	return nil
}

func (m *Model) handleMsg(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case experimentsMsg:
		if msg.seq != m.expSeq {
			return nil
		}
		if msg.err != nil {
			return common.FlashErr(fmt.Errorf("list experiments: %w", msg.err))
		}
		cur := int64(-1)
		if m.expCursor > 0 && m.expCursor <= len(m.exps) {
			cur = m.exps[m.expCursor-1].ID
		}
		m.exps, m.counts, m.allCount = msg.exps, msg.counts, msg.total
		m.expCursor = 0
		for i, e := range m.exps {
			if e.ID == cur {
				m.expCursor = i + 1
			}
		}
	case pageMsg:
		return m.onPage(msg)
	case countMsg:
		if msg.seq == m.seq && msg.err == nil {
			m.total = msg.total
		}
	case filterTickMsg:
		if msg.gen == m.filterGen && m.filtering {
			return m.applyFilter(m.input.Value())
		}
	case exportedMsg:
		if msg.err != nil {
			return common.FlashErr(fmt.Errorf("export: %w", msg.err))
		}
		return common.Flash(fmt.Sprintf("exported %d runs to %s", msg.rows, msg.path))
	case common.SelectExperimentMsg:
		return m.selectExperiment(msg.Name)
	case common.EventsMsg:
		return m.onEvents(msg.Events)
	case common.ThemeMsg:
		m.styleInput()
	}
	return nil
}

func (m *Model) onPage(msg pageMsg) tea.Cmd {
	if msg.seq != m.seq {
		return nil
	}
	switch {
	case msg.more:
		m.loadingMore = false
	case msg.reload:
		m.refreshing = false
	default:
		m.loading = false
	}
	if msg.err != nil {
		m.err = msg.err
		return common.FlashErr(msg.err)
	}
	m.err = nil
	m.next = msg.next
	if msg.more {
		m.appendRuns(msg.runs)
		if m.toBottom {
			m.table.Bottom()
		}
		return m.loadMore()
	}
	m.runs = msg.runs
	m.updatePins()
	// Automatic columns follow the experiment, not each sort or filter, so
	// that the column the user sorts by does not vanish under them.
	if !m.cols.custom && (m.cols.forExp != m.expCursor || len(m.cols.chosen) == 0) {
		m.cols.chosen = autoColumns(m.runs)
		m.cols.forExp = m.expCursor
	}
	m.table.SetColumns(m.tableColumns())
	m.table.SetSort(m.orderKey, m.orderDesc)
	m.rebuild()
	if msg.reload && m.refreshAgain {
		m.refreshAgain = false
		return m.refresh()
	}
	return nil
}

// updatePins refreshes pinned runs from freshly loaded copies.
func (m *Model) updatePins() {
	byID := make(map[string]*store.Run, len(m.runs))
	for _, r := range m.runs {
		byID[r.ID] = r
	}
	for i, p := range m.pins {
		if r, ok := byID[p.ID]; ok {
			m.pins[i] = r
		}
	}
}

func (m *Model) selectExperiment(name string) tea.Cmd {
	for i, e := range m.exps {
		if e.Name == name || fmt.Sprint(e.ID) == name {
			m.expCursor = i + 1
			return m.reload()
		}
	}
	if name == "" || name == "all" || name == "*" {
		m.expCursor = 0
		return m.reload()
	}
	return common.FlashErr(fmt.Errorf("no experiment named %q", name))
}

// onEvents refreshes after the store changed: runs for run events, the
// experiments list for experiment events and new runs.
func (m *Model) onEvents(evs []store.Event) tea.Cmd {
	var runs, exps bool
	for _, e := range evs {
		switch {
		case strings.HasPrefix(e.Kind, "experiment."), e.Kind == "run.created", e.Kind == "run.deleted", e.Kind == "run.restored":
			exps, runs = true, true
		case strings.HasPrefix(e.Kind, "run."):
			runs = true
		}
	}
	var cmds []tea.Cmd
	if exps {
		cmds = append(cmds, m.loadExperiments())
	}
	if runs {
		cmds = append(cmds, m.refresh())
	}
	return tea.Batch(cmds...)
}
