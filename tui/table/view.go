package table

import (
	"strings"

	"github.com/charmbracelet/lipgloss"

	"github.com/lathe-ml/lathe/tui/common"
)

type placed struct{ i, w int }

func (m *Model) colWidth(i int) int {
	w := 0
	if i < len(m.natural) {
		w = m.natural[i]
	}
	limit := m.cols[i].Max
	if limit <= 0 {
		limit = 40
	}
	return max(min(w, limit), 3)
}

// layout decides which columns show and how wide: frozen columns first
// (shrunk if they must), then scrolling columns from colOffset while they fit.
func (m *Model) layout() []placed {
	avail := m.width - gutter
	var out []placed
	for i := 0; i < m.frozen && i < len(m.cols); i++ {
		w := m.colWidth(i)
		if i == 0 {
			// The first column gives up width down to 12 cells before any
			// later frozen column disappears.
			rest := 0
			for j := 1; j < m.frozen && j < len(m.cols); j++ {
				rest += m.colWidth(j) + 1
			}
			w = max(min(w, avail-rest), min(w, 12))
		}
		if w > avail {
			w = avail
		}
		if w <= 0 {
			break
		}
		out = append(out, placed{i, w})
		avail -= w + 1
	}
	for i := m.frozen + m.colOffset; i < len(m.cols); i++ {
		w := m.colWidth(i)
		need := w
		if i < len(m.cols)-1 {
			need += 2 // room for the " ›" that says more columns follow
		}
		if need > avail {
			break
		}
		out = append(out, placed{i, w})
		avail -= w + 1
	}
	// Room left over when every column fits: widen the ones cut to their
	// preferred Max back towards their content (a long metric name), in
	// order, up to the hard limit of 40 cells.
	if len(out) > 0 && out[len(out)-1].i == len(m.cols)-1 {
		for k := range out {
			if avail <= 0 {
				break
			}
			i := out[k].i
			if i >= len(m.natural) || i < m.frozen {
				continue
			}
			if want := min(m.natural[i], 40); want > out[k].w {
				grow := min(want-out[k].w, avail)
				out[k].w += grow
				avail -= grow
			}
		}
	}
	return out
}

func (m *Model) visible(i int) bool {
	for _, p := range m.layout() {
		if p.i == i {
			return true
		}
	}
	return false
}

// paint is the cached escape sequences of tone t on a row in state cur
// (0 plain, 1 cursor in a focused table, 2 cursor in a blurred one).
func (m *Model) paint(cur int, t Tone) common.Paint {
	if m.paintsFor != m.st.Version || m.paints == nil {
		m.paints = make([][numTones]common.Paint, 3)
		for c := 0; c < 3; c++ {
			for tt := Tone(0); tt < numTones; tt++ {
				st := m.tone(tt)
				switch c {
				case 1:
					st = st.Inherit(m.st.Cursor)
					if tt == Plain {
						st = m.st.Cursor
					}
				case 2:
					st = st.Inherit(m.st.CursorBlur)
					if tt == Plain {
						st = m.st.CursorBlur
					}
				}
				m.paints[c][tt] = common.NewPaint(st)
			}
		}
		m.headPaints = [3]common.Paint{common.NewPaint(m.st.Header), common.NewPaint(m.st.HeaderActive), common.NewPaint(m.st.Subtle)}
		m.paintsFor = m.st.Version
	}
	return m.paints[cur][t]
}

func (m *Model) tone(t Tone) lipgloss.Style {
	switch t {
	case Subtle:
		return m.st.Subtle
	case Accent:
		return m.st.Accent
	case Success:
		return m.st.Success
	case Warning:
		return m.st.Warning
	case Error:
		return m.st.Error
	case Bold:
		return m.st.Bold
	}
	return m.st.Text
}

// View renders the header and the visible rows, exactly height lines.
func (m *Model) View() string {
	if m.width <= 0 || m.height <= 0 {
		return ""
	}
	lay := m.layout()
	var b strings.Builder
	b.WriteString(m.header(lay))
	if len(m.rows) == 0 {
		b.WriteString("\n")
		b.WriteString(m.st.Subtle.Render(common.Pad("    "+m.Empty, m.width, false)))
		for i := 2; i < m.height; i++ {
			b.WriteString("\n")
			b.WriteString(strings.Repeat(" ", m.width))
		}
		return b.String()
	}
	page := m.PageSize()
	for i := 0; i < page; i++ {
		b.WriteString("\n")
		r := m.offset + i
		if r >= len(m.rows) {
			b.WriteString(strings.Repeat(" ", m.width))
			continue
		}
		b.WriteString(m.row(r, lay))
	}
	return b.String()
}

func (m *Model) header(lay []placed) string {
	var b strings.Builder
	more := ""
	if m.colOffset > 0 {
		more = "‹"
	}
	m.paint(0, Plain)
	sub := m.headPaints[2]
	b.WriteString(sub.Render(common.Pad(more, gutter, false)))
	used := gutter
	for n, p := range lay {
		if n > 0 {
			b.WriteString(" ")
			used++
		}
		c := m.cols[p.i]
		title := c.Title
		if c.Key == m.sortKey && m.sortKey != "" {
			if m.sortDesc {
				title += "↓"
			} else {
				title += "↑"
			}
		}
		style := m.headPaints[0]
		if p.i == m.colCursor && m.focused {
			style = m.headPaints[1]
		}
		b.WriteString(style.Render(common.Pad(title, p.w, c.Right)))
		used += p.w
	}
	if len(lay) > 0 && lay[len(lay)-1].i < len(m.cols)-1 && used < m.width {
		b.WriteString(sub.Render(common.Pad(" ›", m.width-used, false)))
		used = m.width
	}
	if used < m.width {
		b.WriteString(strings.Repeat(" ", m.width-used))
	}
	return b.String()
}

func (m *Model) row(r int, lay []placed) string {
	row := m.rows[r]
	isCursor := r == m.cursor
	cur := 0
	if isCursor {
		cur = 2
		if m.focused {
			cur = 1
		}
	}
	render := func(s string, t Tone) string { return m.paint(cur, t).Render(s) }
	var b strings.Builder
	g := []byte("    ")
	if isCursor {
		g[0] = '>'
	}
	gs := string(g[:1])
	switch {
	case row.Mark && row.Pin:
		gs += "●◆ "
	case row.Mark:
		gs += "●  "
	case row.Pin:
		gs += " ◆ "
	default:
		gs += "   "
	}
	b.WriteString(render(gs, Accent))
	used := gutter
	for n, p := range lay {
		if n > 0 {
			b.WriteString(render(" ", Plain))
			used++
		}
		var cell Cell
		if p.i < len(row.Cells) {
			cell = row.Cells[p.i]
		}
		text := cell.Text
		tone := cell.Tone
		if p.i == 0 {
			prefix := strings.Repeat("  ", row.Depth)
			switch {
			case row.Fold != 0:
				prefix += string(row.Fold) + " "
			case row.Depth > 0:
				prefix = strings.Repeat("  ", row.Depth-1) + "└ "
			}
			text = prefix + text
			if row.Mark && tone == Plain {
				tone = Bold
			}
		}
		b.WriteString(render(common.Pad(text, p.w, m.cols[p.i].Right), tone))
		used += p.w
	}
	if used < m.width {
		b.WriteString(render(strings.Repeat(" ", m.width-used), Plain))
	}
	return b.String()
}
