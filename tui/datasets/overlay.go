package datasets

import (
	"fmt"
	"strings"

	"github.com/lathe-ml/lathe/tui/common"
)

// maxCellW caps a column of the rows view.
const maxCellW = 24

// rowsView shows the first rows of a version as a table that scrolls both
// ways; the row number stays put.
func (m *Model) rowsView(w, h int) string {
	st := m.c.Styles
	d := m.rows
	t := "ROWS · " + m.rowsRef
	switch {
	case d != nil && d.More:
		t += fmt.Sprintf(" · first %d rows", len(d.Rows))
	case d != nil:
		t += fmt.Sprintf(" · all %d rows", len(d.Rows))
	}
	if d != nil && len(d.Rows) > h-2 {
		t += fmt.Sprintf(" · showing %d–%d", m.rowsY+1, min(m.rowsY+h-2, len(d.Rows)))
	}
	lines := []string{m.title(t, w)}
	if m.rowsErr != nil {
		lines = append(lines, st.Error.Render(common.Pad(m.rowsErr.Error(), w, false)))
	}
	if d == nil {
		if m.loadingRows {
			lines = append(lines, m.subtle("reading…", w))
		}
		return common.FitLines(strings.Join(lines, "\n"), w, h)
	}
	numW := max(len(fmt.Sprint(len(d.Rows))), 1)
	widths := make([]int, len(d.Columns))
	for j, c := range d.Columns {
		widths[j] = common.Width(c)
		for _, r := range d.Rows {
			if j < len(r) {
				widths[j] = max(widths[j], common.Width(r[j]))
			}
		}
		widths[j] = min(max(widths[j], 4), maxCellW)
	}
	// The columns from rowsX that fit.
	x0 := min(m.rowsX, max(len(d.Columns)-1, 0))
	used, x1 := numW+2, x0
	for x1 < len(d.Columns) && used+widths[x1]+1 <= w {
		used += widths[x1] + 1
		x1++
	}
	if x1 == x0 && x0 < len(d.Columns) {
		x1 = x0 + 1
	}
	left, right := " ", " "
	if x0 > 0 {
		left = "‹"
	}
	if x1 < len(d.Columns) {
		right = "›"
	}
	head := []string{common.Pad("#", numW, true) + left}
	for j := x0; j < x1; j++ {
		head = append(head, common.Pad(d.Columns[j], widths[j], false))
	}
	lines = append(lines, st.Header.Render(common.Pad(strings.Join(head, " ")+right, w, false)))
	for i := m.rowsY; i < len(d.Rows) && len(lines) < h; i++ {
		r := d.Rows[i]
		var b strings.Builder
		b.WriteString(st.Subtle.Render(common.Pad(fmt.Sprint(i+1), numW, true)) + " ")
		for j := x0; j < x1; j++ {
			b.WriteByte(' ')
			null := j < len(d.Null[i]) && d.Null[i][j]
			switch {
			case null:
				b.WriteString(st.Subtle.Render(common.Pad("null", widths[j], false)))
			case j < len(r):
				b.WriteString(st.Text.Render(common.Pad(r[j], widths[j], false)))
			default:
				b.WriteString(common.Pad("", widths[j], false))
			}
		}
		lines = append(lines, common.Pad(b.String(), w, false))
	}
	if len(d.Rows) == 0 {
		lines = append(lines, m.subtle("no rows", w))
	}
	return common.FitLines(strings.Join(lines, "\n"), w, h)
}

// diffView shows a comparison: row counts, schema changes and the drift of
// each column.
func (m *Model) diffView(w, h int) string {
	st := m.c.Styles
	lines := []string{m.title(fmt.Sprintf("DIFF · %s → %s", m.diffRef, m.diffCur), w)}
	if m.diffErr != nil {
		lines = append(lines, st.Error.Render(common.Pad(m.diffErr.Error(), w, false)))
	}
	d := m.diff
	if d == nil {
		if m.diffing {
			lines = append(lines, m.subtle("comparing…", w))
		}
		return common.FitLines(strings.Join(lines, "\n"), w, h)
	}
	rows := fmt.Sprintf("rows %s → %s", common.FormatCount(d.RefRows), common.FormatCount(d.CurRows))
	if d.RefRows >= 0 && d.CurRows >= 0 {
		delta := d.CurRows - d.RefRows
		sign := "+"
		if delta < 0 {
			sign, delta = "-", -delta
		}
		rows += " (" + sign + common.FormatCount(delta) + ")"
	}
	lines = append(lines, st.Text.Render(common.Pad(rows, w, false)))
	var schema []string
	if len(d.Added) > 0 {
		schema = append(schema, "added: "+strings.Join(d.Added, ", "))
	}
	if len(d.Removed) > 0 {
		schema = append(schema, "removed: "+strings.Join(d.Removed, ", "))
	}
	for _, tc := range d.TypeChanged {
		schema = append(schema, fmt.Sprintf("%s: %s → %s", tc.Column, tc.From, tc.To))
	}
	if len(schema) == 0 {
		lines = append(lines, m.subtle("schema unchanged", w))
	} else {
		lines = append(lines, st.Warning.Render(common.Pad("schema: "+strings.Join(schema, " · "), w, false)))
	}
	if d.Note != "" {
		lines = append(lines, m.subtle(d.Note, w))
	}
	if len(d.Columns) == 0 {
		return common.FitLines(strings.Join(lines, "\n"), w, h)
	}
	share := st.Success
	if d.Drifted > 0 {
		share = st.Warning
	}
	lines = append(lines, share.Render(common.Pad(fmt.Sprintf("drift in %d of %d tested columns (%.0f%%)", d.Drifted, d.Tested, 100*d.DriftedShare), w, false)), "")
	const typeW, methodW, numW, driftW = 5, 11, 10, 5
	nameW := min(max(w-typeW-methodW-3*numW-driftW-6, 8), 32)
	cols := func(name, typ, method, stat, p, thr, drift string, dst *cell) []cell {
		cs := []cell{{text: name, w: nameW}, {text: typ, w: typeW, st: &st.Subtle}, {text: method, w: methodW},
			{text: stat, w: numW, right: true}, {text: p, w: numW, right: true}, {text: thr, w: numW, right: true}}
		if dst != nil {
			return append(cs, *dst)
		}
		return append(cs, cell{text: drift, w: driftW})
	}
	lines = append(lines, m.header(cols("COLUMN", "TYPE", "METHOD", "STATISTIC", "P-VALUE", "THRESHOLD", "DRIFT", nil), w))
	for i := m.diffY; i < len(d.Columns) && len(lines) < h; i++ {
		c := d.Columns[i]
		p := ""
		if c.PValue != nil {
			p = fmtFloat(*c.PValue)
		}
		dc := cell{text: "no", w: driftW, st: &st.Subtle}
		if c.Drift {
			dc = cell{text: "yes", w: driftW, st: &st.Error}
		}
		if c.Error != "" {
			msgW := max(w-nameW-typeW-methodW-3, 5)
			lines = append(lines, m.row([]cell{{text: c.Column, w: nameW}, {text: shortType(c.Type), w: typeW, st: &st.Subtle},
				{text: c.Method, w: methodW}, {text: c.Error, w: msgW, st: &st.Subtle}}, w, false, false))
			continue
		}
		stat := fmtFloat(c.Statistic)
		if c.Unseen > 0 {
			dc.text += fmt.Sprintf(" (%d unseen)", c.Unseen)
			dc.w = max(w-nameW-typeW-methodW-3*numW-6, driftW)
		}
		lines = append(lines, m.row(cols(c.Column, shortType(c.Type), c.Method, stat, p, fmtFloat(c.Threshold), "", &dc), w, false, false))
	}
	return common.FitLines(strings.Join(lines, "\n"), w, h)
}
