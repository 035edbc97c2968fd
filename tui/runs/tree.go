package runs

import (
	"fmt"

	"github.com/lathe-ml/lathe/store"
	"github.com/lathe-ml/lathe/tui/table"
)

// arrange orders runs for display: pinned runs first, then the loaded runs
// with each child (tag mlflow.parentRunId) folded under its parent when the
// parent is loaded too. Children keep the query's order among themselves.
func arrange(runs, pins []*store.Run, open map[string]bool) (order []*store.Run, depth []int, kids map[string]int) {
	loaded := make(map[string]bool, len(runs))
	for _, r := range runs {
		loaded[r.ID] = true
	}
	children := map[string][]*store.Run{}
	kids = map[string]int{}
	pinned := map[string]bool{}
	for _, p := range pins {
		pinned[p.ID] = true
	}
	var top []*store.Run
	for _, r := range runs {
		if pid := r.Tags[store.TagParentID]; pid != "" && pid != r.ID && loaded[pid] {
			children[pid] = append(children[pid], r)
			kids[pid]++
			continue
		}
		top = append(top, r)
	}
	order = make([]*store.Run, 0, len(runs)+len(pins))
	depth = make([]int, 0, cap(order))
	for _, p := range pins {
		order, depth = append(order, p), append(depth, 0)
	}
	seen := map[string]bool{}
	var walk func(r *store.Run, d int)
	walk = func(r *store.Run, d int) {
		if seen[r.ID] { // a cycle of parent tags
			return
		}
		seen[r.ID] = true
		if !pinned[r.ID] || d > 0 {
			order, depth = append(order, r), append(depth, d)
		}
		if open[r.ID] {
			for _, c := range children[r.ID] {
				walk(c, d+1)
			}
		}
	}
	for _, r := range top {
		walk(r, 0)
	}
	return order, depth, kids
}

// rebuild recomputes the table rows from the loaded runs.
func (m *Model) rebuild() {
	order, depth, kids := arrange(m.runs, m.pins, m.open)
	pinned := map[string]bool{}
	for _, p := range m.pins {
		pinned[p.ID] = true
	}
	rows := make([]table.Row, len(order))
	for i, r := range order {
		rows[i] = m.row(r, depth[i], kids[r.ID], pinned[r.ID] && depth[i] == 0 && i < len(m.pins))
	}
	m.visible = order
	m.hasParents = len(kids) > 0
	m.table.SetRows(rows)
}

func (m *Model) row(r *store.Run, depth, kids int, pin bool) table.Row {
	row := table.Row{ID: r.ID, Cells: m.cells(r), Depth: depth, Mark: m.marks[r.ID], Pin: pin}
	if kids > 0 {
		row.Fold = '▸'
		if m.open[r.ID] {
			row.Fold = '▾'
		}
		row.Cells[0].Text = fmt.Sprintf("%s (%d)", r.Name, kids)
	}
	return row
}

// appendRuns adds a page: rows are appended in place unless the page
// changes the tree (a child of a loaded run, or pins), which needs a rebuild.
func (m *Model) appendRuns(page []*store.Run) {
	prev := len(m.runs)
	m.runs = append(m.runs, page...)
	if len(m.pins) > 0 || m.hasTree() {
		m.rebuild()
		return
	}
	rows := make([]table.Row, len(page))
	for i, r := range page {
		rows[i] = m.row(r, 0, 0, false)
	}
	m.visible = append(m.visible, m.runs[prev:]...)
	m.table.AppendRows(rows)
}

func (m *Model) hasTree() bool {
	for _, r := range m.runs {
		if r.Tags[store.TagParentID] != "" {
			return true
		}
	}
	return false
}
