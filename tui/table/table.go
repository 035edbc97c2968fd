// Package table is the TUI's data table: frozen leading columns, horizontal
// scrolling over the rest, a column cursor for sorting and picking, marks,
// pins and an indented tree, and rendering of only the visible rows, so that
// a table of ten thousand runs costs what a screenful costs. It is a
// component, not a pane: panes own it and call its methods.
package table

import (
	"github.com/lathe-ml/lathe/tui/common"
)

// Tone is a cell's semantic colour; the table maps it to a theme style.
// Cells keep a small Tone rather than a lipgloss.Style so that ten thousand
// rows stay cheap.
type Tone uint8

// Tones.
const (
	Plain Tone = iota
	Subtle
	Accent
	Success
	Warning
	Error
	Bold
	numTones
)

// ToneOf is the tone of a run status.
func ToneOf(status string) Tone {
	switch status {
	case "RUNNING":
		return Accent
	case "FINISHED":
		return Success
	case "FAILED":
		return Error
	case "KILLED":
		return Warning
	}
	return Subtle
}

// Column describes one column.
type Column struct {
	// Key identifies the column (sorting, the column picker).
	Key   string
	Title string
	// Max caps the width fitted to the content (0: 40).
	Max int
	// Right aligns numbers.
	Right bool
}

// Cell is one value.
type Cell struct {
	Text string
	Tone Tone
}

// Row is one line of the table.
type Row struct {
	ID    string
	Cells []Cell
	// Depth indents the first column (children under their parent).
	Depth int
	// Fold is '▸' for a folded parent, '▾' for an unfolded one, 0 otherwise.
	Fold rune
	Mark bool
	Pin  bool
}

// Model is a table. The zero value is not usable: call New.
type Model struct {
	st      *common.Styles
	cols    []Column
	rows    []Row
	natural []int // content width of each column over all rows

	cursor, offset int
	colCursor      int
	colOffset      int // first visible scrolling column
	frozen         int

	width, height int
	focused       bool

	sortKey  string
	sortDesc bool

	paints     [][numTones]common.Paint
	headPaints [3]common.Paint
	paintsFor  int
	// Empty is shown when there are no rows.
	Empty string
}

const gutter = 4 // cursor, mark, pin, space

// New returns a table drawn with st; frozen leading columns never scroll.
func New(st *common.Styles, frozen int) *Model {
	return &Model{st: st, frozen: frozen, Empty: "nothing to show"}
}

// SetColumns replaces the columns; rows must follow with SetRows.
func (m *Model) SetColumns(cols []Column) {
	m.cols = cols
	m.colCursor = min(m.colCursor, max(len(cols)-1, 0))
	m.colOffset = 0
	m.natural = nil
}

// Columns returns the columns.
func (m *Model) Columns() []Column { return m.cols }

// SetRows replaces the rows, keeping the cursor on the same row id when it
// is still there.
func (m *Model) SetRows(rows []Row) {
	id := m.SelectedID()
	m.rows = rows
	m.natural = make([]int, len(m.cols))
	for i, c := range m.cols {
		m.natural[i] = width(c.Title) + 1 // room for a sort arrow
	}
	m.measure(rows)
	if id != "" {
		for i, r := range rows {
			if r.ID == id {
				m.cursor = i
				break
			}
		}
	}
	m.clamp()
}

// AppendRows adds rows at the end (the next page) without re-measuring the
// rows already there.
func (m *Model) AppendRows(rows []Row) {
	m.rows = append(m.rows, rows...)
	if m.natural == nil {
		m.SetRows(m.rows)
		return
	}
	m.measure(rows)
}

func (m *Model) measure(rows []Row) {
	for _, r := range rows {
		for i, c := range r.Cells {
			if i >= len(m.natural) {
				break
			}
			w := width(c.Text)
			if i == 0 {
				w += 2 * r.Depth
				if r.Fold != 0 || r.Depth > 0 {
					w += 2
				}
			}
			if w > m.natural[i] {
				m.natural[i] = w
			}
		}
	}
}

func width(s string) int { return common.Width(s) }

// Rows returns the rows.
func (m *Model) Rows() []Row { return m.rows }

// Len is the number of rows.
func (m *Model) Len() int { return len(m.rows) }

// SetSize sets the table's area, header included.
func (m *Model) SetSize(w, h int) {
	m.width, m.height = w, h
	m.clamp()
}

// Focus and Blur change how the cursor row is drawn.
func (m *Model) Focus() { m.focused = true }

// Blur dims the cursor row.
func (m *Model) Blur() { m.focused = false }

// SetSort shows an arrow on the column sorted by ("" for none).
func (m *Model) SetSort(key string, desc bool) { m.sortKey, m.sortDesc = key, desc }

// Cursor is the index of the row under the cursor.
func (m *Model) Cursor() int { return m.cursor }

// SetCursor moves the cursor to row i.
func (m *Model) SetCursor(i int) {
	m.cursor = i
	m.clamp()
}

// SelectedID is the id of the row under the cursor ("" when empty).
func (m *Model) SelectedID() string {
	if m.cursor < 0 || m.cursor >= len(m.rows) {
		return ""
	}
	return m.rows[m.cursor].ID
}

// PageSize is how many rows fit.
func (m *Model) PageSize() int { return max(m.height-1, 1) }

// Move moves the cursor by n rows (negative: up).
func (m *Model) Move(n int) {
	m.cursor += n
	m.clamp()
}

// Top and Bottom jump to the first and last row.
func (m *Model) Top() { m.cursor = 0; m.clamp() }

// Bottom jumps to the last row.
func (m *Model) Bottom() { m.cursor = len(m.rows) - 1; m.clamp() }

// Scroll moves the view by n rows, dragging the cursor along when it would
// leave the screen (the mouse wheel).
func (m *Model) Scroll(n int) {
	m.offset = max(min(m.offset+n, len(m.rows)-m.PageSize()), 0)
	if m.cursor < m.offset {
		m.cursor = m.offset
	}
	if m.cursor >= m.offset+m.PageSize() {
		m.cursor = m.offset + m.PageSize() - 1
	}
	m.clamp()
}

func (m *Model) clamp() {
	if m.cursor >= len(m.rows) {
		m.cursor = len(m.rows) - 1
	}
	if m.cursor < 0 {
		m.cursor = 0
	}
	page := m.PageSize()
	if m.cursor < m.offset {
		m.offset = m.cursor
	}
	if m.cursor >= m.offset+page {
		m.offset = m.cursor - page + 1
	}
	m.offset = max(min(m.offset, len(m.rows)-page), 0)
}

// ColCursor is the index of the selected column.
func (m *Model) ColCursor() int { return m.colCursor }

// SelectedColumn is the selected column (zero Column when there are none).
func (m *Model) SelectedColumn() Column {
	if m.colCursor < 0 || m.colCursor >= len(m.cols) {
		return Column{}
	}
	return m.cols[m.colCursor]
}

// MoveCol moves the column cursor, scrolling columns into view.
func (m *Model) MoveCol(n int) {
	m.colCursor = max(min(m.colCursor+n, len(m.cols)-1), 0)
	if m.colCursor >= m.frozen {
		if m.colCursor-m.frozen < m.colOffset {
			m.colOffset = m.colCursor - m.frozen
		}
		for m.colOffset < m.colCursor-m.frozen && !m.visible(m.colCursor) {
			m.colOffset++
		}
	}
}

// RowAt maps a y offset inside the table (0 is the header) to a row index.
func (m *Model) RowAt(y int) (int, bool) {
	if y < 1 {
		return 0, false
	}
	i := m.offset + y - 1
	return i, i < len(m.rows)
}

// ColumnAt maps an x offset to a visible column index.
func (m *Model) ColumnAt(x int) (int, bool) {
	pos := gutter
	for _, c := range m.layout() {
		if x >= pos && x < pos+c.w {
			return c.i, true
		}
		pos += c.w + 1
	}
	return 0, false
}

// ColumnTitle is the title of the column with key k (k itself when
// there is none).
func (m *Model) ColumnTitle(k string) string {
	for _, c := range m.cols {
		if c.Key == k {
			return c.Title
		}
	}
	return k
}
