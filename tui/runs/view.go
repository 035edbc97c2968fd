package runs

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/lipgloss"

	"github.com/lathe-ml/lathe/tui/common"
)

// listWidth is the experiments column's width, border included (0 when the
// terminal is too narrow for it).
func (m *Model) listWidth() int {
	if m.width < 70 {
		return 0
	}
	return max(min(m.width/5, 28), 16)
}

// tableTop is the row of the table's header inside the right-hand area.
func (m *Model) tableTop() int {
	if m.filterErr != nil {
		return 2
	}
	return 1
}

// layout sizes the table from what is around it.
func (m *Model) layout() {
	w := m.width - m.listWidth()
	h := m.height - m.tableTop() - 1 // the footer line
	m.table.SetSize(max(w, 0), max(h, 1))
	m.input.Width = max(w-4, 1)
}

// View draws the pane in exactly its size.
func (m *Model) View() string {
	if m.width <= 0 || m.height <= 0 {
		return ""
	}
	lw := m.listWidth()
	right := m.rightView(m.width-lw, m.height)
	if lw == 0 {
		return right
	}
	return common.JoinColumns([]int{lw, m.width - lw}, m.listView(lw, m.height), right)
}

// listKey is what the experiments list looks like; the list is drawn again
// only when it changes.
type listKey struct {
	w, h, cursor, n, version int
	active                   bool
	all                      int
}

func (m *Model) listView(w, h int) string {
	k := listKey{w: w, h: h, cursor: m.expCursor, n: len(m.exps), version: m.c.Styles.Version,
		active: m.onList && m.focused, all: m.allCount}
	if k == m.listState && m.listCache != "" {
		return m.listCache
	}
	m.listState, m.listCache = k, m.drawList(w, h)
	return m.listCache
}

func (m *Model) drawList(w, h int) string {
	st := m.c.Styles
	frame := st.Box.BorderStyle(lipgloss.NormalBorder()).BorderTop(false).BorderBottom(false).BorderLeft(false)
	inner := w - frame.GetHorizontalFrameSize()
	title := st.Header.Render(common.Pad("EXPERIMENTS", inner, false))
	if m.onList && m.focused {
		title = st.HeaderActive.Render(common.Pad("EXPERIMENTS", inner, false))
	}
	lines := []string{title}
	item := func(i int, name string, n int) string {
		count := fmt.Sprint(n)
		mark := " "
		if i == m.expCursor {
			mark = ">"
		}
		text := common.Pad(mark+name, inner-len(count)-1, false) + " " + count
		switch {
		case i == m.expCursor && m.onList && m.focused:
			return st.Cursor.Render(text)
		case i == m.expCursor:
			return st.Accent.Render(text)
		}
		return st.Text.Render(text)
	}
	lines = append(lines, item(0, "All", m.allCount))
	// Keep the cursor's experiment on screen.
	rows := h - 2
	off := 0
	if m.expCursor > rows {
		off = m.expCursor - rows
	}
	for i, e := range m.exps {
		if i+1 <= off {
			continue
		}
		if len(lines) >= h {
			break
		}
		lines = append(lines, item(i+1, e.Name, m.counts[e.ID]))
	}
	return frame.Height(h).Render(common.FitLines(strings.Join(lines, "\n"), inner, h))
}

func (m *Model) rightView(w, h int) string {
	st := m.c.Styles
	var top []string
	switch {
	case m.filtering:
		top = append(top, m.input.View())
	case m.filter != "":
		top = append(top, st.Prompt.Render("/ ")+st.Text.Render(m.filter)+st.Subtle.Render("   esc clears"))
	default:
		top = append(top, st.Subtle.Render(m.hints(w)))
	}
	if e := m.filterErr; e != nil {
		caret := strings.Repeat(" ", lipgloss.Width(m.input.Prompt)+e.Column()-1) + "^ "
		top = append(top, st.Error.Render(common.Truncate(caret+e.Msg, w)))
	}
	var body string
	if m.picking {
		body = m.pickerView(w, m.height-len(top)-1)
	} else {
		body = m.table.View()
	}
	out := common.FitLines(strings.Join(top, "\n"), w, len(top)) + "\n" + body + "\n" + common.Pad(m.footer(w), w, false)
	return common.FitHeight(out, w, h)
}

func (m *Model) footer(w int) string {
	st := m.c.Styles
	var parts []string
	switch {
	case m.err != nil:
		return st.Error.Render(common.Truncate("error: "+m.err.Error(), w))
	case m.loading:
		parts = append(parts, "loading runs…")
	default:
		shown := len(m.runs)
		switch {
		case m.total < 0 && m.next != "":
			parts = append(parts, fmt.Sprintf("%d runs loaded, counting…", shown))
		case m.total < 0:
			parts = append(parts, fmt.Sprintf("%s runs", common.FormatCount(int64(shown))))
		case m.total > shown || m.next != "":
			parts = append(parts, fmt.Sprintf("%d of %s runs loaded", shown, common.FormatCount(int64(m.total))))
		default:
			parts = append(parts, fmt.Sprintf("%s runs", common.FormatCount(int64(m.total))))
		}
	}
	if m.orderKey != "" {
		dir := "↑"
		if m.orderDesc {
			dir = "↓"
		}
		parts = append(parts, "sorted by "+m.table.ColumnTitle(m.orderKey)+" "+dir)
	}
	if n := len(m.markList); n > 0 {
		parts = append(parts, fmt.Sprintf("%d marked", n))
	}
	if n := len(m.pins); n > 0 {
		parts = append(parts, fmt.Sprintf("%d pinned", n))
	}
	return st.Subtle.Render(common.Truncate(strings.Join(parts, " · "), w))
}

// hints is the line of the most useful keys, from the live key maps (so
// overrides show), with the fold key while some runs have children, as
// many as fit in w cells.
func (m *Model) hints(w int) string {
	type hint struct {
		b     key.Binding
		label string
	}
	hs := []hint{{m.c.Keys.Filter, "filter"}, {m.keys.Sort, "sort"}, {m.keys.Columns, "columns"}, {m.keys.Mark, "mark"}, {m.keys.Compare, "compare"}}
	if m.hasParents {
		hs = append(hs, hint{m.keys.Fold, "fold"})
	}
	hs = append(hs, hint{m.c.Keys.Help, "help"})
	line := ""
	for _, h := range hs {
		if !h.b.Enabled() {
			continue
		}
		part := h.b.Help().Key + " " + h.label
		if line != "" {
			part = "   " + part
		}
		if common.Width(line+part) > w {
			break
		}
		line += part
	}
	return line
}
