// Package runs is the runs pane: experiments beside a table of runs with
// param and metric columns, sorting through the store, the query-language
// filter, marks, pins, folded child runs, paging and CSV export.
package runs

import (
	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/lathe-ml/lathe/store"
	"github.com/lathe-ml/lathe/store/query"
	"github.com/lathe-ml/lathe/tui/common"
	"github.com/lathe-ml/lathe/tui/table"
)

// Page sizes: the first page is small so the first frame comes fast; later
// pages are larger so scrolling rarely waits.
const (
	FirstPage = 100
	NextPage  = 500
	// refreshCap bounds a live refresh of what is loaded.
	refreshCap = 1000
)

// Model is the runs pane.
type Model struct {
	c    *common.Common
	keys *KeyMap

	width, height int
	focused       bool
	onList        bool // the experiments list has focus

	// experiments
	exps      []*store.Experiment
	counts    map[int64]int
	allCount  int
	expCursor int // 0 is "all experiments"
	expSeq    int

	// the query and what it loaded
	filter       string
	orderKey     string // column key sorted by, "" for the store's default
	orderDesc    bool
	seq          int
	loading      bool
	loadingMore  bool
	toBottom     bool // G was pressed: follow the end while pages load
	runs         []*store.Run
	next         string
	total        int
	refreshing   bool
	refreshAgain bool
	err          error

	// the user's state over runs
	marks    map[string]bool
	markList []string // marking order, for compare
	pins     []*store.Run
	open     map[string]bool // unfolded parents

	cols    columns
	table   *table.Model
	visible []*store.Run // the table's rows, in order

	// filter input
	input      textinput.Model
	filtering  bool
	filterErr  *query.Error
	filterGen  int
	prevFilter string

	// column picker
	picking bool
	picker  picker

	listState  listKey
	listCache  string
	hasParents bool // some loaded run has children (the fold key matters)
}

// New returns the runs pane.
func New(c *common.Common) *Model {
	in := textinput.New()
	in.Cursor.SetMode(cursor.CursorStatic)
	in.Prompt = "/ "
	in.Placeholder = "params.lr > 0.01 and metrics.loss < 0.5"
	in.CharLimit = store.MaxFilterLength
	m := &Model{c: c, keys: DefaultKeyMap(), marks: map[string]bool{}, open: map[string]bool{},
		table: table.New(c.Styles, 1), input: in}
	m.table.Empty = "no runs"
	m.styleInput()
	m.keys.mode(false, false)
	return m
}

func (m *Model) styleInput() {
	st := m.c.Styles
	m.input.PromptStyle = st.Prompt
	m.input.TextStyle = st.Input
	m.input.PlaceholderStyle = st.Placeholder
	m.input.Cursor.Style = st.Accent
}

// Keys exposes the key map for overrides.
func (m *Model) Keys() *KeyMap { return m.keys }

// Init loads the experiments and the first page.
func (m *Model) Init() tea.Cmd {
	return tea.Batch(m.loadExperiments(), m.reload())
}

// Title names the pane.
func (m *Model) Title() string { return "Runs" }

// KeyMap is the live key map.
func (m *Model) KeyMap() help.KeyMap { return m.keys }

// Focus gives the pane the keyboard.
func (m *Model) Focus() {
	m.focused = true
	m.syncFocus()
}

// Blur takes the keyboard away.
func (m *Model) Blur() {
	m.focused = false
	m.syncFocus()
}

func (m *Model) syncFocus() {
	if m.focused && !m.onList {
		m.table.Focus()
	} else {
		m.table.Blur()
	}
}

// Capturing is true while the filter input has focus.
func (m *Model) Capturing() bool { return m.filtering }

// Back closes the picker, leaves the experiments list, then clears an
// applied filter.
func (m *Model) Back() (bool, tea.Cmd) {
	switch {
	case m.picking:
		m.closePicker()
		return true, nil
	case m.onList:
		m.onList = false
		m.syncFocus()
		return true, nil
	case m.filter != "":
		m.filter = ""
		m.input.SetValue("")
		m.filterErr = nil
		return true, m.reload()
	}
	return false, nil
}

// Selected is the run under the cursor.
func (m *Model) Selected() string {
	if m.onList {
		return ""
	}
	return m.table.SelectedID()
}

// Busy says what is loading.
func (m *Model) Busy() string {
	switch {
	case m.loading:
		return "loading runs"
	case m.loadingMore:
		return "loading more runs"
	}
	return ""
}

// Marked returns the marked runs in marking order, then the pinned ones:
// what `c` compares.
func (m *Model) Marked() []string {
	out := append([]string(nil), m.markList...)
	seen := map[string]bool{}
	for _, id := range out {
		seen[id] = true
	}
	for _, p := range m.pins {
		if !seen[p.ID] {
			out = append(out, p.ID)
		}
	}
	return out
}

// SetSize lays the pane out.
func (m *Model) SetSize(w, h int) {
	m.width, m.height = w, h
	m.layout()
}

// Update handles keys, mouse and replies.
func (m *Model) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case tea.KeyMsg:
		return m.handleKey(msg)
	case tea.MouseMsg:
		return m.handleMouse(msg)
	}
	return m.handleMsg(msg)
}

// ExperimentNames lists the experiments for the palette.
func (m *Model) ExperimentNames() []string {
	out := make([]string, len(m.exps))
	for i, e := range m.exps {
		out[i] = e.Name
	}
	return out
}

// VisibleNames lists up to n run names from the top of the table.
func (m *Model) VisibleNames(n int) []string {
	var out []string
	for _, r := range m.visible {
		if len(out) >= n {
			break
		}
		out = append(out, r.Name)
	}
	return out
}
