package detail

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path"
	"strings"
	"unicode/utf8"

	"github.com/charmbracelet/bubbles/viewport"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/lathe-ml/lathe/store"
	"github.com/lathe-ml/lathe/tui/common"
)

// previewCap is how much of an artifact the preview reads.
const previewCap = 64 << 10

// GitDiffArtifact is the artifact `lathe run` records for a dirty worktree.
const GitDiffArtifact = "lathe/git.diff"

// artifactOpener is the store call the preview needs; *store.Store has it.
type artifactOpener interface {
	OpenArtifact(ctx context.Context, runID, path string) (*os.File, store.Artifact, error)
}

// artRow is one visible row of the artifacts tree.
type artRow struct {
	a     store.Artifact
	depth int
}

// dirMsg is the listing of one artifact directory.
type dirMsg struct {
	id   string
	dir  string
	list []store.Artifact
	err  error
}

// previewMsg is the first previewCap bytes of an artifact, rendered.
type previewMsg struct {
	id, path string
	lines    []string
	err      error
}

// preview is the open artifact preview.
type preview struct {
	path    string
	loading bool
	vp      viewport.Model
}

// artRows flattens the tree: the root listing, and the children of every
// open directory under it. With a filter, files whose path does not match
// are left out (directories stay, so that matches can be reached).
func (m *Model) artRows() []artRow {
	var out []artRow
	var walk func(dir string, depth int)
	walk = func(dir string, depth int) {
		for _, a := range m.kids[dir] {
			if !a.IsDir && !m.matches(a.Path) {
				continue
			}
			out = append(out, artRow{a, depth})
			if a.IsDir && m.open[a.Path] {
				walk(a.Path, depth+1)
			}
		}
	}
	walk("", 0)
	return out
}

// toggleArtifact expands or collapses the directory under the cursor, or
// previews the file under it.
func (m *Model) toggleArtifact() tea.Cmd {
	rows := m.artRows()
	if m.acur < 0 || m.acur >= len(rows) {
		return nil
	}
	a := rows[m.acur].a
	if !a.IsDir {
		return m.openPreview(a.Path)
	}
	if m.open[a.Path] {
		delete(m.open, a.Path)
		m.render()
		return nil
	}
	m.open[a.Path] = true
	if _, ok := m.kids[a.Path]; ok {
		m.render()
		return nil
	}
	id, ctx, st, dir := m.id, m.c.Ctx, m.c.Store, a.Path
	return func() tea.Msg {
		list, err := st.ListArtifacts(ctx, id, dir)
		return dirMsg{id: id, dir: dir, list: list, err: err}
	}
}

// moveArtifact moves the tree cursor and scrolls it into view.
func (m *Model) moveArtifact(n int) {
	rows := m.artRows()
	m.acur = max(min(m.acur+n, len(rows)-1), 0)
	m.render()
	line := m.artStart + m.acur
	if line < m.offset {
		m.offset = line
	} else if bottom := m.offset + m.pageSize() - 2; line >= bottom {
		// (the page's last line may be the "more lines" hint)
		m.offset += line - bottom + 1
	}
	m.scroll(0)
}

// openPreview starts reading an artifact for the preview.
func (m *Model) openPreview(p string) tea.Cmd {
	vp := viewport.New(max(m.width, 1), max(m.height-len(m.header())-1, 1))
	m.prev = &preview{path: p, loading: true, vp: vp}
	m.keys.mode(m.editing, m.filtering, m.run != nil)
	op, ok := m.c.Store.(artifactOpener)
	if !ok {
		m.prev.loading = false
		m.prev.vp.SetContent("this store cannot open artifacts")
		return nil
	}
	id, ctx := m.id, m.c.Ctx
	return func() tea.Msg {
		lines, err := readPreview(ctx, op, id, p)
		return previewMsg{id: id, path: p, lines: lines, err: err}
	}
}

// closePreview goes back to the run.
func (m *Model) closePreview() {
	m.prev = nil
	m.keys.mode(m.editing, m.filtering, m.run != nil)
}

func (m *Model) resizePreview() {
	if m.prev == nil {
		return
	}
	m.prev.vp.Width = max(m.width, 1)
	m.prev.vp.Height = max(m.height-len(m.header())-1, 1)
}

// readPreview reads up to previewCap bytes of an artifact and renders them
// as lines: JSON pretty-printed, CSV as an aligned table, other text as is,
// and anything else as "binary, N bytes".
func readPreview(ctx context.Context, op artifactOpener, id, p string) ([]string, error) {
	f, a, err := op.OpenArtifact(ctx, id, p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	buf, err := io.ReadAll(io.LimitReader(f, previewCap))
	if err != nil {
		return nil, err
	}
	truncated := a.Size > int64(len(buf))
	if isBinary(buf, truncated) {
		return []string{fmt.Sprintf("binary, %d bytes", a.Size)}, nil
	}
	var lines []string
	switch strings.ToLower(path.Ext(p)) {
	case ".json":
		var out bytes.Buffer
		if !truncated && json.Indent(&out, buf, "", "  ") == nil {
			lines = strings.Split(out.String(), "\n")
		}
	case ".csv":
		if ls, ok := csvTable(buf, truncated); ok {
			lines = ls
		}
	}
	if lines == nil {
		lines = strings.Split(strings.TrimRight(string(buf), "\n"), "\n")
	}
	for i, l := range lines {
		lines[i] = strings.ReplaceAll(strings.TrimRight(l, "\r"), "\t", "    ")
	}
	if truncated {
		lines = append(lines, fmt.Sprintf("… first %d KiB of %d bytes", previewCap>>10, a.Size))
	}
	return lines, nil
}

// isBinary says whether bytes are not text: a NUL, or invalid UTF-8 other
// than a rune cut at the end of a truncated read.
func isBinary(b []byte, truncated bool) bool {
	if bytes.IndexByte(b, 0) >= 0 {
		return true
	}
	if truncated {
		for i := 0; i < utf8.UTFMax && len(b) > 0 && !utf8.Valid(b); i++ {
			b = b[:len(b)-1]
		}
	}
	return !utf8.Valid(b)
}

// csvTable lays CSV records out in aligned columns (each at most 24 cells
// wide), at most 200 rows.
func csvTable(b []byte, truncated bool) ([]string, bool) {
	r := csv.NewReader(bytes.NewReader(b))
	r.FieldsPerRecord = -1
	var recs [][]string
	for len(recs) < 200 {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			if truncated && len(recs) > 0 {
				break // the cut last record
			}
			return nil, false
		}
		recs = append(recs, rec)
	}
	var widths []int
	for _, rec := range recs {
		for i, c := range rec {
			if i >= len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], min(lipgloss.Width(c), 24))
		}
	}
	out := make([]string, 0, len(recs))
	for _, rec := range recs {
		cells := make([]string, len(rec))
		for i, c := range rec {
			cells[i] = common.Pad(common.Truncate(c, widths[i]), widths[i], false)
		}
		out = append(out, strings.TrimRight(strings.Join(cells, "  "), " "))
	}
	return out, true
}

// previewView draws the preview under the run's header.
func (m *Model) previewView(head []string) string {
	st := m.c.Styles
	p := m.prev
	title := st.Title.Render(p.path)
	switch {
	case p.loading:
		title += st.Subtle.Render(" · loading…")
	default:
		if n := p.vp.TotalLineCount(); n > p.vp.Height {
			title += st.Subtle.Render(fmt.Sprintf(" · %d%% of %d lines", int(p.vp.ScrollPercent()*100), n))
		}
		title += st.Subtle.Render(" · esc back")
	}
	return common.FitLines(strings.Join(append(head, common.Truncate(title, m.width), p.vp.View()), "\n"), m.width, m.height)
}
