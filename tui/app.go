// Package tui is lathe's terminal workbench. Only the root Model here is a
// tea.Model: it owns the panes (runs, run detail, compare), the tab bar,
// the status bar, the `:` palette and the `?` help, routes keys and mouse
// to the focused pane and every other message to the panes that own it, and
// follows the store's event log so panes stay live.
package tui

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/lathe-ml/lathe/themes"
	"github.com/lathe-ml/lathe/tui/common"
	"github.com/lathe-ml/lathe/tui/compare"
	"github.com/lathe-ml/lathe/tui/datasets"
	"github.com/lathe-ml/lathe/tui/detail"
	"github.com/lathe-ml/lathe/tui/jobs"
	"github.com/lathe-ml/lathe/tui/models"
	"github.com/lathe-ml/lathe/tui/palette"
	"github.com/lathe-ml/lathe/tui/runs"
	"github.com/lathe-ml/lathe/tui/statusbar"
)

// The smallest terminal the workbench draws in.
const (
	MinWidth  = 60
	MinHeight = 16
)

// DefaultPoll is how often the TUI asks the store for new events.
const DefaultPoll = time.Second

// Options configure New. Store is required; the rest have defaults.
type Options struct {
	Store common.Store
	// StoreLabel names the store in the status bar (default: its directory).
	StoreLabel string
	Theme      themes.Theme
	// ThemeDirs are searched for user themes by `:theme NAME`.
	ThemeDirs []string
	// Keys rebinds actions by name (see docs/tui.md).
	Keys map[string][]string
	// Renderer draws every style (default: lipgloss's, on stdout).
	Renderer *lipgloss.Renderer
	Clock    func() time.Time
	Loc      *time.Location
	Log      *slog.Logger
	// ExportDir receives CSV exports (default: the working directory).
	ExportDir string
	// Clipboard receives OSC 52 sequences (`y`); nil turns copying off.
	Clipboard io.Writer
	// Tmux wraps OSC 52 for tmux.
	Tmux bool
	// Graphics is the terminal's inline image protocol
	// (common.DetectGraphics); none draws half-block thumbnails.
	Graphics common.Graphics
	// Poll is how often to check the store for changes (default 1 s,
	// negative: never).
	Poll time.Duration
	// Context bounds every store call (default: background).
	Context context.Context
}

// pane indices.
const (
	paneRuns = iota
	paneRun
	paneCompare
	paneModels
	paneJobs
	paneData
)

// Model is the root of the workbench.
type Model struct {
	c      *common.Common
	cancel context.CancelFunc

	runs    *runs.Model
	detail  *detail.Model
	compare *compare.Model
	models  *models.Model
	jobs    *jobs.Model
	data    *datasets.Model
	panes   []common.Pane
	active  int
	history []int

	status  *statusbar.Model
	palette *palette.Model

	helpOpen   bool
	helpOffset int

	width, height int
	tmux          bool
	themeDirs     []string

	// the store watcher
	poll      time.Duration
	lastEvent int64
	watchGen  int
	lastLive  time.Time
}

// New builds the workbench. Returns an error for key overrides naming
// unknown actions.
func New(o Options) (*Model, error) {
	if o.Store == nil {
		return nil, fmt.Errorf("tui: no store")
	}
	ctx := o.Context
	if ctx == nil {
		ctx = context.Background()
	}
	if o.Renderer == nil {
		o.Renderer = lipgloss.DefaultRenderer()
	}
	if o.Theme.Name == "" {
		t, err := themes.Load(themes.DefaultName)
		if err != nil {
			return nil, err
		}
		o.Theme = t
	}
	if o.Log == nil {
		o.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if o.Loc == nil {
		o.Loc = time.Local
	}
	if o.Clock == nil {
		o.Clock = time.Now
	}
	if o.Poll == 0 {
		o.Poll = DefaultPoll
	}
	if o.StoreLabel == "" {
		o.StoreLabel = o.Store.Dir()
	}
	ctx, cancel := context.WithCancel(ctx)
	c := &common.Common{Ctx: ctx, Store: o.Store, StoreLabel: o.StoreLabel, Keys: common.NewGlobalKeys(),
		Renderer: o.Renderer, Clock: o.Clock, Loc: o.Loc, Log: o.Log, ExportDir: o.ExportDir, Clipboard: o.Clipboard, Graphics: o.Graphics}
	c.SetTheme(o.Theme)
	m := &Model{c: c, cancel: cancel, tmux: o.Tmux, themeDirs: o.ThemeDirs, poll: o.Poll}
	m.runs = runs.New(c)
	m.detail = detail.New(c)
	m.compare = compare.New(c)
	m.models = models.New(c)
	m.jobs = jobs.New(c)
	m.data = datasets.New(c)
	m.panes = []common.Pane{m.runs, m.detail, m.compare, m.models, m.jobs, m.data}
	m.status = statusbar.New(c)
	m.palette = palette.New(c)
	if err := common.ApplyOverrides(o.Keys, c.Keys, m.runs.Keys(), m.detail.Keys(), m.compare.Keys(), m.models.Keys(), m.jobs.Keys(), m.data.Keys()); err != nil {
		cancel()
		return nil, err
	}
	m.panes[m.active].Focus()
	return m, nil
}

// Common exposes the shared state (tests, benchmarks).
func (m *Model) Common() *common.Common { return m.c }

// Close cancels the store calls still running; the caller closes the store.
func (m *Model) Close() { m.cancel() }

// Init loads the first pane and starts following the store.
func (m *Model) Init() tea.Cmd {
	return tea.Batch(m.runs.Init(), m.startWatch(), m.syncBusy())
}

// Update is the root's only entry: window size first, then keys and mouse
// to the focused pane, then every other message to its owner.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	var cmd tea.Cmd
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.resize(msg.Width, msg.Height)
	case tea.KeyMsg:
		cmd = m.keys(msg)
	case tea.MouseMsg:
		cmd = m.handleMouse(msg)
	default:
		cmd = m.handleMsg(msg)
	}
	m.c.Keys.SetTyping(m.typing())
	return m, tea.Batch(cmd, m.syncBusy())
}

// keys handles a key press. Fast typing (or a terminal multiplexer) can
// deliver several runes in one message ("jj"); outside text inputs each is
// its own key, so bindings still match.
func (m *Model) keys(msg tea.KeyMsg) tea.Cmd {
	if msg.Type != tea.KeyRunes || len(msg.Runes) < 2 || msg.Paste || m.typing() {
		return m.handleKey(msg)
	}
	cmds := make([]tea.Cmd, 0, len(msg.Runes))
	for _, r := range msg.Runes {
		cmds = append(cmds, m.handleKey(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}, Alt: msg.Alt}))
		m.c.Keys.SetTyping(m.typing())
	}
	return tea.Batch(cmds...)
}

// typing is true while a text input has the keyboard.
func (m *Model) typing() bool { return m.palette.IsOpen() || m.focused().Capturing() }

func (m *Model) focused() common.Pane { return m.panes[m.active] }

// syncBusy points the status bar's spinner at whatever is loading, the
// focused pane first.
func (m *Model) syncBusy() tea.Cmd {
	busy := m.focused().Busy()
	for _, p := range m.panes {
		if busy != "" {
			break
		}
		busy = p.Busy()
	}
	return m.status.SetBusy(busy)
}

// resize sizes every child from the frame sizes of what surrounds it.
func (m *Model) resize(w, h int) {
	m.width, m.height = w, h
	fw, fh := m.c.Styles.App.GetFrameSize()
	inner := max(w-fw, 0)
	bodyH := max(h-fh-2, 0) // tab bar and status bar
	for _, p := range m.panes {
		p.SetSize(inner, bodyH)
	}
	m.status.SetWidth(inner)
	m.palette.SetWidth(inner)
}

// focus switches to pane i, remembering where we were for esc.
func (m *Model) focus(i int) {
	if i == m.active {
		return
	}
	m.focused().Blur()
	m.history = append(m.history, m.active)
	if len(m.history) > 50 {
		m.history = m.history[1:]
	}
	m.active = i
	m.focused().Focus()
}

// show focuses pane i; the models, jobs and datasets panes reload whenever shown.
func (m *Model) show(i int) tea.Cmd {
	m.focus(i)
	return m.refresh(i)
}

// refresh reloads pane i if it reloads whenever shown.
func (m *Model) refresh(i int) tea.Cmd {
	switch i {
	case paneModels:
		return m.models.Init()
	case paneJobs:
		return m.jobs.Refresh()
	case paneData:
		return m.data.Init()
	}
	return nil
}

// back returns to the previous pane.
func (m *Model) back() tea.Cmd {
	if len(m.history) == 0 {
		return nil
	}
	prev := m.history[len(m.history)-1]
	m.history = m.history[:len(m.history)-1]
	m.focused().Blur()
	m.active = prev
	m.focused().Focus()
	return m.refresh(prev)
}
