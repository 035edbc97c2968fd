// Package detail is the run detail pane: a run's params, metrics with their
// range and a sparkline each, notes (editable), the command, git and
// environment lathe recorded, other tags and artifacts, kept live while the
// run is running.
package detail

import (
	"context"
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textarea"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/lathe-ml/lathe/store"
	"github.com/lathe-ml/lathe/tui/common"
)

// Limits on what one load reads.
const (
	maxSparkMetrics = 50  // metrics that get a sparkline
	sparkPoints     = 64  // points per sparkline (LTTB in the store)
	maxArtifacts    = 200 // artifact entries listed
)

// Model is the detail pane.
type Model struct {
	c    *common.Common
	keys *KeyMap

	width, height int
	focused       bool

	id       string
	run      *store.Run
	exp      string
	data     []*store.DataVersion // dataset versions the run consumed
	history  map[string][]float64
	kids     map[string][]store.Artifact // artifact listings by directory ("" the root)
	open     map[string]bool             // expanded artifact directories
	browsing bool                        // the cursor is in the artifacts tree
	acur     int                         // tree cursor, in artRows
	artStart int                         // line of the first tree row in lines
	prev     *preview                    // the open artifact preview
	seq      int
	loading  bool
	again    bool // the run changed while it loaded: load once more
	err      error

	lines  []string // rendered content
	offset int

	notes   textarea.Model
	editing bool
	saving  bool

	filter    textinput.Model
	filtering bool
}

// New returns the detail pane, showing no run.
func New(c *common.Common) *Model {
	ta := textarea.New()
	ta.Cursor.SetMode(cursor.CursorStatic)
	ta.ShowLineNumbers = false
	ta.Prompt = "│ "
	ta.CharLimit = 5000
	fi := textinput.New()
	fi.Cursor.SetMode(cursor.CursorStatic)
	fi.Prompt = "/ "
	fi.Placeholder = "filter keys"
	m := &Model{c: c, keys: DefaultKeyMap(), notes: ta, filter: fi, open: map[string]bool{}}
	m.style()
	m.keys.mode(false, false, false)
	return m
}

func (m *Model) style() {
	st := m.c.Styles
	for _, s := range []*textarea.Style{&m.notes.FocusedStyle, &m.notes.BlurredStyle} {
		s.Base = st.Text
		s.Text = st.Text
		s.CursorLine = st.Text
		s.Prompt = st.Accent
		s.Placeholder = st.Placeholder
		s.EndOfBuffer = st.Subtle
	}
	m.notes.Cursor.Style = st.Accent
	m.filter.PromptStyle = st.Prompt
	m.filter.TextStyle = st.Input
	m.filter.PlaceholderStyle = st.Placeholder
}

// Keys exposes the key map for overrides.
func (m *Model) Keys() *KeyMap { return m.keys }

// Init does nothing until a run is opened.
func (m *Model) Init() tea.Cmd { return nil }

// Title names the pane.
func (m *Model) Title() string { return "Run" }

// KeyMap is the live key map.
func (m *Model) KeyMap() help.KeyMap { return m.keys }

// Focus gives the pane the keyboard.
func (m *Model) Focus() { m.focused = true }

// Blur takes the keyboard away.
func (m *Model) Blur() { m.focused = false }

// Capturing is true while editing notes or typing a filter.
func (m *Model) Capturing() bool { return m.editing || m.filtering }

// Selected is the open run's id.
func (m *Model) Selected() string { return m.id }

// Busy says what is loading.
func (m *Model) Busy() string {
	switch {
	case m.saving:
		return "saving notes"
	case m.loading:
		return "loading run"
	case m.prev != nil && m.prev.loading:
		return "loading artifact"
	}
	return ""
}

// Back clears the filter; otherwise the root goes back.
func (m *Model) Back() (bool, tea.Cmd) {
	if m.prev != nil {
		m.closePreview()
		return true, nil
	}
	if m.browsing {
		m.browsing = false
		m.keys.browsing = false
		m.keys.mode(m.editing, m.filtering, m.run != nil)
		m.render()
		return true, nil
	}
	if m.filter.Value() != "" {
		m.filter.SetValue("")
		m.render()
		return true, nil
	}
	return false, nil
}

// StartFilter opens the key filter.
func (m *Model) StartFilter() tea.Cmd {
	if m.run == nil || m.editing || m.prev != nil {
		return nil
	}
	m.filtering = true
	m.keys.mode(false, true, true)
	m.render()
	return m.filter.Focus()
}

// SetSize lays the pane out.
func (m *Model) SetSize(w, h int) {
	m.width, m.height = w, h
	m.notes.SetWidth(max(w-2, 10))
	m.notes.SetHeight(max(h-4, 3))
	m.filter.Width = max(w-4, 1)
	m.resizePreview()
	m.render()
}

// Open shows run id, loading it.
func (m *Model) Open(id string) tea.Cmd {
	if id != m.id {
		m.run, m.history, m.kids, m.offset, m.err = nil, nil, nil, 0, nil
		m.open, m.acur, m.browsing, m.prev = map[string]bool{}, 0, false, nil
		m.keys.browsing = false
		m.filter.SetValue("")
	}
	m.id = id
	m.render()
	return m.load()
}

// load reads the run, its sparklines and artifacts in one command.
func (m *Model) load() tea.Cmd {
	if m.id == "" {
		return nil
	}
	if m.loading {
		m.again = true
		return nil
	}
	m.loading = true
	m.seq++
	seq, id, ctx, st := m.seq, m.id, m.c.Ctx, m.c.Store
	dirs := []string{""}
	for d := range m.open {
		dirs = append(dirs, d)
	}
	return func() tea.Msg { return fetch(ctx, st, seq, id, dirs) }
}

func fetch(ctx context.Context, st common.Store, seq int, id string, dirs []string) runMsg {
	r, err := st.GetRun(ctx, id)
	if err != nil {
		return runMsg{seq: seq, err: err}
	}
	out := runMsg{seq: seq, run: r, history: map[string][]float64{}}
	if e, err := st.GetExperiment(ctx, r.ExperimentID); err == nil {
		out.exp = e.Name
	}
	if out.data, err = st.RunDataInputs(ctx, id); err != nil {
		return runMsg{seq: seq, err: err}
	}
	for i, ms := range r.Metrics {
		if i >= maxSparkMetrics {
			break
		}
		pts, err := st.MetricHistoryDownsampled(ctx, id, ms.Key, sparkPoints)
		if err != nil {
			return runMsg{seq: seq, err: err}
		}
		vs := make([]float64, len(pts))
		for j, p := range pts {
			vs[j] = p.Value
		}
		out.history[ms.Key] = vs
	}
	out.kids, out.err = listArtifacts(ctx, st, id, dirs)
	return out
}

// listArtifacts lists the root and the expanded directories of a run's
// artifacts, up to maxArtifacts entries each.
func listArtifacts(ctx context.Context, st common.Store, id string, dirs []string) (map[string][]store.Artifact, error) {
	out := map[string][]store.Artifact{}
	for _, d := range dirs {
		as, err := st.ListArtifacts(ctx, id, d)
		if err != nil {
			if d != "" {
				continue // the directory went away
			}
			return nil, err
		}
		if len(as) > maxArtifacts {
			as = as[:maxArtifacts]
		}
		out[d] = as
	}
	return out, nil
}

// Update handles keys, mouse and replies.
func (m *Model) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case tea.KeyMsg:
		return m.handleKey(msg)
	case tea.MouseMsg:
		if m.prev != nil {
			var cmd tea.Cmd
			m.prev.vp, cmd = m.prev.vp.Update(msg)
			return cmd
		}
		switch msg.Button {
		case tea.MouseButtonWheelUp:
			m.scroll(-3)
		case tea.MouseButtonWheelDown:
			m.scroll(3)
		}
		return nil
	case runMsg:
		if msg.seq != m.seq {
			return nil
		}
		m.loading = false
		if msg.err != nil {
			m.err = msg.err
			m.render()
			return common.FlashErr(fmt.Errorf("run %s: %w", common.ShortID(m.id), msg.err))
		}
		m.err = nil
		m.run, m.exp, m.history, m.kids, m.data = msg.run, msg.exp, msg.history, msg.kids, msg.data
		for d := range m.open {
			if _, ok := m.kids[d]; !ok {
				delete(m.open, d)
			}
		}
		m.acur = max(min(m.acur, len(m.artRows())-1), 0)
		m.keys.mode(m.editing, m.filtering, true)
		m.render()
		if m.again {
			m.again = false
			return m.load()
		}
	case dirMsg:
		if msg.id != m.id {
			return nil
		}
		if msg.err != nil {
			delete(m.open, msg.dir)
			return common.FlashErr(fmt.Errorf("artifacts %s: %w", msg.dir, msg.err))
		}
		if m.kids == nil {
			m.kids = map[string][]store.Artifact{}
		}
		if len(msg.list) > maxArtifacts {
			msg.list = msg.list[:maxArtifacts]
		}
		m.kids[msg.dir] = msg.list
		m.render()
	case previewMsg:
		if m.prev == nil || msg.id != m.id || msg.path != m.prev.path {
			return nil
		}
		m.prev.loading = false
		if msg.err != nil {
			m.prev.vp.SetContent("cannot read " + msg.path + ": " + msg.err.Error())
			return common.FlashErr(fmt.Errorf("artifact %s: %w", msg.path, msg.err))
		}
		if msg.img != nil {
			m.prev.img = msg.img
			m.drawImage()
			return nil
		}
		m.prev.vp.SetContent(strings.Join(msg.lines, "\n"))
	case savedMsg:
		m.saving = false
		if msg.err != nil {
			return common.FlashErr(fmt.Errorf("save notes: %w", msg.err))
		}
		m.run = msg.run
		m.render()
		return common.Flash("notes saved")
	case common.EventsMsg:
		for _, e := range msg.Events {
			if e.Entity == "run:"+m.id && m.id != "" {
				return m.load()
			}
		}
	case common.ThemeMsg:
		m.style()
		m.drawImage()
		m.render()
	}
	return nil
}

func (m *Model) handleKey(msg tea.KeyMsg) tea.Cmd {
	if m.editing {
		return m.notesKey(msg)
	}
	if m.filtering {
		return m.filterKey(msg)
	}
	k := m.keys
	if m.prev != nil {
		var cmd tea.Cmd
		m.prev.vp, cmd = m.prev.vp.Update(msg)
		return cmd
	}
	switch {
	case key.Matches(msg, k.Artifacts):
		m.browsing = !m.browsing
		m.keys.browsing = m.browsing
		m.keys.mode(m.editing, m.filtering, m.run != nil)
		if m.browsing {
			m.moveArtifact(0)
		} else {
			m.render()
		}
	case key.Matches(msg, k.GitDiff):
		for _, a := range m.kids["lathe"] {
			if a.Path == GitDiffArtifact {
				return m.openPreview(GitDiffArtifact)
			}
		}
		if m.kids["lathe"] == nil && m.hasArtifactDir("lathe") {
			return m.openPreview(GitDiffArtifact)
		}
		return common.Flash("no " + GitDiffArtifact + " in this run")
	case m.browsing && key.Matches(msg, k.OpenArtifact):
		return m.toggleArtifact()
	case m.browsing && key.Matches(msg, k.Up):
		m.moveArtifact(-1)
	case m.browsing && key.Matches(msg, k.Down):
		m.moveArtifact(1)
	case m.browsing && key.Matches(msg, k.Top):
		m.moveArtifact(-len(m.artRows()))
	case m.browsing && key.Matches(msg, k.Bottom):
		m.moveArtifact(len(m.artRows()))
	case key.Matches(msg, k.Up):
		m.scroll(-1)
	case key.Matches(msg, k.Down):
		m.scroll(1)
	case key.Matches(msg, k.PageUp):
		m.scroll(-m.pageSize())
	case key.Matches(msg, k.PageDown):
		m.scroll(m.pageSize())
	case key.Matches(msg, k.Top):
		m.offset = 0
	case key.Matches(msg, k.Bottom):
		m.scroll(len(m.lines))
	case key.Matches(msg, k.Reload):
		return m.load()
	case key.Matches(msg, k.EditNotes):
		return m.startNotes()
	}
	return nil
}

func (m *Model) filterKey(msg tea.KeyMsg) tea.Cmd {
	closed, _, cmd := common.FilterKey(&m.filter, m.keys.FilterDone, msg)
	if closed {
		m.filtering = false
		m.keys.mode(false, false, m.run != nil)
	} else {
		m.offset = 0
	}
	m.render()
	return cmd
}

// pageSize is how many content lines show under the header (and the
// filter input, when shown).
func (m *Model) pageSize() int {
	h := m.height - len(m.header())
	if m.filtering || m.filter.Value() != "" {
		h--
	}
	return max(h, 1)
}

func (m *Model) scroll(n int) {
	m.offset = max(min(m.offset+n, len(m.lines)-m.pageSize()), 0)
}

// hasArtifactDir says whether the root listing has directory d.
func (m *Model) hasArtifactDir(d string) bool {
	for _, a := range m.kids[""] {
		if a.IsDir && a.Path == d {
			return true
		}
	}
	return false
}

// matches reports whether a key passes the filter (case-insensitive).
func (m *Model) matches(k string) bool {
	f := strings.ToLower(strings.TrimSpace(m.filter.Value()))
	return f == "" || strings.Contains(strings.ToLower(k), f)
}
