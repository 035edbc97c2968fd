// Package detail is the run detail pane: a run's params, metrics with their
// range and a sparkline each, notes (editable), the command, git and
// environment lathe recorded, other tags and artifacts, kept live while the
// run is running.
package detail

import (
	"context"
	"fmt"
	"path"
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

	id        string
	run       *store.Run
	exp       string
	history   map[string][]float64
	artifacts []store.Artifact
	seq       int
	loading   bool
	again     bool // the run changed while it loaded: load once more
	err       error

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
	m := &Model{c: c, keys: DefaultKeyMap(), notes: ta, filter: fi}
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
	}
	return ""
}

// Back clears the filter; otherwise the root goes back.
func (m *Model) Back() (bool, tea.Cmd) {
	if m.filter.Value() != "" {
		m.filter.SetValue("")
		m.render()
		return true, nil
	}
	return false, nil
}

// StartFilter opens the key filter.
func (m *Model) StartFilter() tea.Cmd {
	if m.run == nil || m.editing {
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
	m.render()
}

// Open shows run id, loading it.
func (m *Model) Open(id string) tea.Cmd {
	if id != m.id {
		m.run, m.history, m.artifacts, m.offset, m.err = nil, nil, nil, 0, nil
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
	return func() tea.Msg { return fetch(ctx, st, seq, id) }
}

func fetch(ctx context.Context, st common.Store, seq int, id string) runMsg {
	r, err := st.GetRun(ctx, id)
	if err != nil {
		return runMsg{seq: seq, err: err}
	}
	out := runMsg{seq: seq, run: r, history: map[string][]float64{}}
	if e, err := st.GetExperiment(ctx, r.ExperimentID); err == nil {
		out.exp = e.Name
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
	out.artifacts, out.err = listArtifacts(ctx, st, id)
	return out
}

// listArtifacts walks the artifact tree breadth first, up to maxArtifacts.
func listArtifacts(ctx context.Context, st common.Store, id string) ([]store.Artifact, error) {
	var out []store.Artifact
	dirs := []string{""}
	for len(dirs) > 0 && len(out) < maxArtifacts {
		d := dirs[0]
		dirs = dirs[1:]
		as, err := st.ListArtifacts(ctx, id, d)
		if err != nil {
			return nil, err
		}
		for _, a := range as {
			if a.IsDir {
				dirs = append(dirs, a.Path)
				continue
			}
			out = append(out, a)
		}
	}
	if len(out) > maxArtifacts {
		out = out[:maxArtifacts]
	}
	return out, nil
}

// Update handles keys, mouse and replies.
func (m *Model) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case tea.KeyMsg:
		return m.handleKey(msg)
	case tea.MouseMsg:
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
		m.run, m.exp, m.history, m.artifacts = msg.run, msg.exp, msg.history, msg.artifacts
		m.keys.mode(m.editing, m.filtering, true)
		m.render()
		if m.again {
			m.again = false
			return m.load()
		}
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
	switch {
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
	if key.Matches(msg, m.keys.FilterDone) {
		m.filtering = false
		m.filter.Blur()
		if msg.String() == "esc" {
			m.filter.SetValue("")
		}
		m.keys.mode(false, false, m.run != nil)
		m.render()
		return nil
	}
	var cmd tea.Cmd
	m.filter, cmd = m.filter.Update(msg)
	m.offset = 0
	m.render()
	return cmd
}

func (m *Model) pageSize() int { return max(m.height-2, 1) }

func (m *Model) scroll(n int) {
	m.offset = max(min(m.offset+n, len(m.lines)-m.pageSize()), 0)
}

// artifactName is an artifact's path with its directory dimmed later.
func artifactName(a store.Artifact) (dir, base string) {
	d, b := path.Split(a.Path)
	return d, b
}

// matches reports whether a key passes the filter (case-insensitive).
func (m *Model) matches(k string) bool {
	f := strings.ToLower(strings.TrimSpace(m.filter.Value()))
	return f == "" || strings.Contains(strings.ToLower(k), f)
}
