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
	"github.com/muesli/termenv"

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
	img      *imageData // an image artifact, decoded (lines is nil)
	err      error
}

// preview is the open artifact preview.
type preview struct {
	path    string
	loading bool
	vp      viewport.Model
	img     *imageData // an image: drawn in imgLines instead of vp
	// imgLines is the image drawn for the current size (half blocks, the
	// terminal's protocol, or a description).
	imgLines []string
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
	id, ctx, g := m.id, m.c.Ctx, m.c.Graphics
	return func() tea.Msg {
		lines, img, err := readPreview(ctx, op, id, p, g)
		return previewMsg{id: id, path: p, lines: lines, img: img, err: err}
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
	m.drawImage()
}

// drawImage draws the previewed image for the preview's size: with the
// terminal's image protocol, else as half blocks, else (no colours, or
// refused) as a description.
func (m *Model) drawImage() {
	p := m.prev
	if p == nil || p.img == nil {
		return
	}
	d := p.img
	cols, rows := p.vp.Width, p.vp.Height
	prof := m.c.Renderer.ColorProfile()
	switch {
	case d.thumb == nil:
		p.imgLines = d.placeholder()
	case m.c.Graphics != common.GraphicsNone && !m.c.Styles.Mono:
		p.imgLines = d.protocolLines(m.c.Graphics, cols, rows-1)
	case m.c.Styles.Mono || prof == termenv.Ascii:
		p.imgLines = d.placeholder()
	default:
		p.imgLines = d.halfBlocks(prof, cols, rows-1)
	}
	if d.thumb != nil && d.err == "" && len(p.imgLines) > 0 && !(m.c.Styles.Mono || prof == termenv.Ascii) {
		p.imgLines = append(p.imgLines, m.c.Styles.Subtle.Render(imageCaption(d)))
	}
}

// imageCaption sums an image up under its picture.
func imageCaption(d *imageData) string {
	return fmt.Sprintf("%s %d×%d, %s", strings.ToUpper(d.format), d.w, d.h, humanSize(d.size))
}

// readPreview reads up to previewCap bytes of an artifact and renders them
// as lines: JSON pretty-printed, CSV as an aligned table, other text as is,
// and anything else as "binary, N bytes". A PNG, JPEG or GIF (by its magic
// bytes) is read whole, within bounds, and decoded instead.
func readPreview(ctx context.Context, op artifactOpener, id, p string, g common.Graphics) ([]string, *imageData, error) {
	f, a, err := op.OpenArtifact(ctx, id, p)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	buf, err := io.ReadAll(io.LimitReader(f, previewCap))
	if err != nil {
		return nil, nil, err
	}
	if format := imageFormat(buf); format != "" {
		return nil, decodeImage(io.MultiReader(bytes.NewReader(buf), f), format, a.Size, g), nil
	}
	lines, err := textPreview(buf, p, a.Size)
	return lines, nil, err
}

// textPreview renders the first bytes (buf) of file p, size bytes long,
// as lines.
func textPreview(buf []byte, p string, size int64) ([]string, error) {
	truncated := size > int64(len(buf))
	if isBinary(buf, truncated) {
		return []string{fmt.Sprintf("binary, %d bytes", size)}, nil
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
		lines = append(lines, fmt.Sprintf("… first %d KiB of %d bytes", previewCap>>10, size))
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
	case p.img != nil:
		title += st.Subtle.Render(" · esc back")
		return common.FitLines(strings.Join(append(append(head, common.Truncate(title, m.width)), p.imgLines...), "\n"), m.width, m.height)
	default:
		if n := p.vp.TotalLineCount(); n > p.vp.Height {
			title += st.Subtle.Render(fmt.Sprintf(" · %d%% of %d lines", int(p.vp.ScrollPercent()*100), n))
		}
		title += st.Subtle.Render(" · esc back")
	}
	return common.FitLines(strings.Join(append(head, common.Truncate(title, m.width), p.vp.View()), "\n"), m.width, m.height)
}
