package datasets

import (
	"fmt"
	"sort"
	"strings"

	"github.com/charmbracelet/lipgloss"

	"github.com/lathe-ml/lathe/store"
	"github.com/lathe-ml/lathe/tui/common"
)

// cell is one table cell: text cut or padded to w, right-aligned when
// right, in style st (Text when nil) unless the row is the cursor's.
type cell struct {
	text  string
	w     int
	right bool
	st    *lipgloss.Style
}

// row renders cells separated by one space, padded to w. The cursor's row
// is drawn in one style; other rows keep their cells' styles.
func (m *Model) row(cells []cell, w int, selected, active bool) string {
	st := m.c.Styles
	var b strings.Builder
	used := 0
	for i, c := range cells {
		if used >= w {
			break
		}
		if i > 0 {
			b.WriteByte(' ')
			used++
		}
		cw := min(c.w, w-used)
		s := common.Pad(c.text, cw, c.right)
		used += cw
		if !selected && c.st != nil {
			s = c.st.Render(s)
		} else if !selected {
			s = st.Text.Render(s)
		}
		b.WriteString(s)
	}
	line := b.String()
	switch {
	case selected && active && m.focused:
		return st.Cursor.Render(common.Pad(line, w, false))
	case selected:
		return st.CursorBlur.Render(common.Pad(line, w, false))
	}
	if used < w {
		line += strings.Repeat(" ", w-used)
	}
	return line
}

// header renders a table header from cells (their styles ignored).
func (m *Model) header(cells []cell, w int) string {
	parts := make([]string, len(cells))
	for i, c := range cells {
		parts[i] = common.Pad(c.text, c.w, c.right)
	}
	return m.c.Styles.Header.Render(common.Pad(strings.Join(parts, " "), w, false))
}

func (m *Model) title(s string, w int) string {
	return m.c.Styles.Title.Render(common.Pad(s, w, false))
}

func (m *Model) subtle(s string, w int) string {
	return m.c.Styles.Subtle.Render(common.Pad(s, w, false))
}

// window is the first row to show so that cur stays among n visible rows.
func window(cur, n int) int { return max(cur-n+1, 0) }

// View draws the datasets, the selected one's versions and the selected
// version's profile, histogram, validation and runs, or the open rows or
// diff view; one line below for the filter input or hints.
func (m *Model) View() string {
	if m.width <= 0 || m.height <= 0 {
		return ""
	}
	w, bodyH := m.width, max(m.height-1, 1)
	m.hits = m.hits[:0]
	var body string
	switch {
	case m.ov == ovRows:
		body = m.rowsView(w, bodyH)
	case m.ov == ovDiff:
		body = m.diffView(w, bodyH)
	case m.empty():
		body = m.emptyView(w, bodyH)
	default:
		body = m.mainView(w, bodyH)
	}
	return common.FitLines(body, w, bodyH) + "\n" + m.footer()
}

// empty is true once the store has answered that it has no datasets.
func (m *Model) empty() bool {
	return m.setsSeq > 0 && !m.loadingSets && m.err == nil && len(m.sets) == 0
}

func (m *Model) emptyView(w, h int) string {
	lines := []string{m.title("DATASETS", w), "",
		m.c.Styles.Bold.Render(common.Pad("  No datasets yet — lathe data add FILE", w, false)), "",
		m.subtle("  Register a CSV, TSV, JSONL or Parquet file (or a directory of them):", w),
		m.subtle("    lathe data add data/train.csv --name retail -m \"first cut\"", w),
		m.subtle("  Each add makes a new version with its schema and profile; runs started", w),
		m.subtle("  with lathe run --input retail record which version they used.", w)}
	if m.st == nil {
		lines = []string{m.title("DATASETS", w), m.c.Styles.Error.Render(common.Pad("this store has no datasets", w, false))}
	}
	return common.FitLines(strings.Join(lines, "\n"), w, h)
}

func (m *Model) footer() string {
	st := m.c.Styles
	if m.typing {
		return common.Pad(m.input.View(), m.width, false)
	}
	var s string
	switch m.ov {
	case ovRows:
		s = "esc back · ↑/↓ scroll · ←/→ columns"
	case ovDiff:
		s = "esc back · ↑/↓ scroll"
	default:
		s = plural(len(m.sets), "dataset")
		if len(m.shown) != len(m.sets) {
			s = fmt.Sprintf("%d of %s", len(m.shown), s)
		}
		if ds := m.set(); ds != nil {
			s += fmt.Sprintf(" · %s: %s", ds.Name, plural(len(m.versions), "version"))
		}
		if m.marked != "" {
			s += " · marked " + m.marked
		}
		if len(m.sets) > 0 {
			s += " · tab · r rows · space mark · d diff"
		}
	}
	return common.Pad(st.Subtle.Render(s), m.width, false)
}

func (m *Model) mainView(w, h int) string {
	hs := max(min(len(m.shown)+2, max(h/4, 3)), 3)
	hv := max(min(len(m.versions)+2, max(h/4, 3)), 3)
	rest := max(h-hs-hv, 0)
	parts := []string{m.setsView(w, hs), m.versionsView(w, hv)}
	m.addHit(secSets, 0, w, 2, hs, window(m.setCur, hs-2))
	m.addHit(secVersions, 0, w, hs+2, hs+hv, window(m.verCur, hv-2))
	if rest > 0 {
		parts = append(parts, m.detailView(w, rest, hs+hv))
	}
	return strings.Join(parts, "\n")
}

// validStyle styles a validation status.
func (m *Model) validStyle(status string) (string, *lipgloss.Style) {
	st := m.c.Styles
	switch status {
	case store.ValidationPassed:
		return "passed", &st.Success
	case store.ValidationFailed:
		return "failed", &st.Error
	}
	return "—", &st.Subtle
}

func (m *Model) setsView(w, h int) string {
	t := fmt.Sprintf("DATASETS (%d)", len(m.sets))
	if m.filter != "" {
		t = fmt.Sprintf("DATASETS (%d of %d) /%s", len(m.shown), len(m.sets), m.filter)
	}
	lines := []string{m.title(t, w)}
	const versW, latestW, rowsW, sizeW, validW = 4, 6, 11, 9, 6
	aliasW := max(w/5, 10)
	nameW := min(max(w-versW-latestW-rowsW-sizeW-validW-aliasW-6, 8), 40)
	aliasW = max(w-versW-latestW-rowsW-sizeW-validW-nameW-6, aliasW)
	cols := func(name, vers, latest, rows, size, aliases, valid string, vst *lipgloss.Style) []cell {
		return []cell{{text: name, w: nameW}, {text: vers, w: versW, right: true}, {text: latest, w: latestW},
			{text: rows, w: rowsW, right: true}, {text: size, w: sizeW, right: true}, {text: valid, w: validW, st: vst},
			{text: aliases, w: aliasW}}
	}
	lines = append(lines, m.header(cols("NAME", "VERS", "LATEST", "ROWS", "SIZE", "ALIASES", "VALID", nil), w))
	switch {
	case m.st == nil:
		lines = append(lines, m.c.Styles.Error.Render(common.Pad("this store has no datasets", w, false)))
	case m.err != nil:
		lines = append(lines, m.c.Styles.Error.Render(common.Pad(m.err.Error(), w, false)))
	case len(m.shown) == 0 && m.filter != "":
		lines = append(lines, m.subtle("no dataset matches /"+m.filter, w))
	}
	for i := window(m.setCur, h-2); i < len(m.shown) && len(lines) < h; i++ {
		ds := m.shown[i]
		latest, rows, size, status := "", "", "", ""
		if v := ds.Latest; v != nil {
			latest, rows, size, status = fmt.Sprintf("v%d", v.Version), common.FormatCount(v.Rows), fmtSize(v.Size), v.ValidationStatus
		}
		valid, vst := m.validStyle(status)
		lines = append(lines, m.row(cols(ds.Name, fmt.Sprint(ds.Versions), latest, rows, size, aliasList(ds.Aliases), valid, vst),
			w, i == m.setCur, m.sec == secSets))
	}
	return common.FitLines(strings.Join(lines, "\n"), w, h)
}

// aliasList shows a dataset's aliases as "current=v2 reference=v1".
func aliasList(a map[string]int64) string {
	names := make([]string, 0, len(a))
	for n := range a {
		names = append(names, n)
	}
	sort.Strings(names)
	for i, n := range names {
		names[i] = fmt.Sprintf("%s=v%d", n, a[n])
	}
	return strings.Join(names, " ")
}

func (m *Model) versionsView(w, h int) string {
	st := m.c.Styles
	t := "VERSIONS"
	if ds := m.set(); ds != nil {
		t += " · " + ds.Name
	}
	lines := []string{m.title(t, w)}
	const markW, verW, createdW, rowsW, sizeW, validW = 1, 4, 16, 11, 9, 6
	digestW := 0
	if w >= 110 {
		digestW = 12
	}
	aliasW := max(w/8, 9)
	fixed := markW + verW + createdW + rowsW + sizeW + validW + aliasW + 7
	if digestW > 0 {
		fixed += digestW + 1
	}
	msgW := max(w-fixed, 8)
	cols := func(mark, ver, created, rows, size, digest, aliases, valid, message string, vst *lipgloss.Style) []cell {
		cs := []cell{{text: mark, w: markW, st: &st.Marked}, {text: ver, w: verW}, {text: created, w: createdW},
			{text: rows, w: rowsW, right: true}, {text: size, w: sizeW, right: true}}
		if digestW > 0 {
			cs = append(cs, cell{text: digest, w: digestW, st: &st.Subtle})
		}
		return append(cs, cell{text: aliases, w: aliasW}, cell{text: valid, w: validW, st: vst}, cell{text: message, w: msgW})
	}
	lines = append(lines, m.header(cols("", "VER", "CREATED", "ROWS", "SIZE", "DIGEST", "ALIASES", "VALID", "MESSAGE", nil), w))
	for i := window(m.verCur, h-2); i < len(m.versions) && len(lines) < h; i++ {
		v := m.versions[i]
		mark := ""
		if v.Ref() == m.marked {
			mark = "●"
		}
		valid, vst := m.validStyle(v.ValidationStatus)
		lines = append(lines, m.row(cols(mark, fmt.Sprintf("v%d", v.Version), common.FormatTime(v.Created, m.c.Loc),
			common.FormatCount(v.Rows), fmtSize(v.Size), v.ShortDigest(), strings.Join(v.Aliases, ","), valid, firstLine(v.Message), vst),
			w, i == m.verCur, m.sec == secVersions))
	}
	return common.FitLines(strings.Join(lines, "\n"), w, h)
}

// plural says "1 dataset", "2 datasets".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i] + " …"
	}
	return s
}
