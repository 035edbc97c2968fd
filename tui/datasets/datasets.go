// Package datasets is the Datasets pane: the store's versioned datasets,
// the versions of the selected one, and for the selected version its
// schema and per-column profile (with a histogram or the top values of the
// selected column), its validation report, and the runs that used it. `r`
// shows a version's first rows; space marks a version and `d` diffs it
// with another (schema, row counts and per-column drift). Every store read
// and every file read happens in a tea.Cmd.
package datasets

import (
	"context"
	"os"
	"strings"

	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/lathe-ml/lathe/store"
	"github.com/lathe-ml/lathe/tui/common"
)

// maxRuns caps the runs of a version whose names one load looks up.
const maxRuns = 100

// Store is what the pane reads; *store.Store has it.
type Store interface {
	DataSets(ctx context.Context) ([]*store.DataSet, error)
	DataVersions(ctx context.Context, name string) ([]*store.DataVersion, error)
	DataVersion(ctx context.Context, ref string) (*store.DataVersion, error)
	DataVersionRuns(ctx context.Context, ref string) ([]string, error)
	GetRun(ctx context.Context, id string) (*store.Run, error)
	OpenBlob(hash string) (*os.File, error)
}

var _ Store = (*store.Store)(nil)

// section is the part of the pane that has the cursor.
type section int

const (
	secSets section = iota
	secVersions
	secColumns
	secRuns
)

// overlay is a view that replaces the pane's body.
type overlay int

const (
	ovNone overlay = iota
	ovRows
	ovDiff
)

// Model is the datasets pane.
type Model struct {
	c    *common.Common
	st   Store
	keys *KeyMap

	width, height int
	focused       bool
	sec           section

	sets   []*store.DataSet // every dataset, by name
	shown  []*store.DataSet // those the filter keeps
	setCur int
	err    error

	versions []*store.DataVersion // newest first
	verCur   int
	marked   string // ref of the version marked for a diff

	// the selected version's details
	detailRef  string
	profile    *profileDoc
	profileErr error
	report     *reportDoc
	runs       []runInfo
	colCur     int
	runCur     int

	ov overlay
	// rows view
	rowsRef      string
	rows         *rowsData
	rowsErr      error
	rowsY, rowsX int
	// diff view
	diffRef, diffCur string
	diff             *diffData
	diffErr          error
	diffY            int
	// cancelOv stops the open view's read or comparison when it closes.
	cancelOv context.CancelFunc

	setsSeq, versionsSeq, detailSeq, rowsSeq, diffSeq int
	loadingSets, loadingVersions, loadingDetail       bool
	loadingRows, diffing                              bool

	input      textinput.Model
	typing     bool
	filter     string
	prevFilter string

	hist histCache
	// hits are the lists on screen at the last View, for mouse clicks.
	hits []hit
	// runsAt is the first run row's line in the side panel (-1: none).
	runsAt int
}

// New returns the datasets pane; Init loads it.
func New(c *common.Common) *Model {
	in := textinput.New()
	in.Cursor.SetMode(cursor.CursorStatic)
	in.Prompt = "/"
	in.Placeholder = "dataset name"
	in.CharLimit = 255
	st, _ := c.Store.(Store)
	m := &Model{c: c, st: st, keys: DefaultKeyMap(), input: in}
	m.style()
	m.syncKeys()
	return m
}

func (m *Model) style() {
	st := m.c.Styles
	m.input.PromptStyle = st.Prompt
	m.input.TextStyle = st.Input
	m.input.PlaceholderStyle = st.Placeholder
	m.input.Cursor.Style = st.Accent
	m.hist = histCache{}
}

// Keys exposes the key map for overrides.
func (m *Model) Keys() *KeyMap { return m.keys }

// Init loads the datasets (and then the selected one's versions).
func (m *Model) Init() tea.Cmd { return m.loadSets() }

// Title names the pane.
func (m *Model) Title() string { return "Data" }

// KeyMap is the live key map.
func (m *Model) KeyMap() help.KeyMap { return m.keys }

// Focus gives the pane the keyboard.
func (m *Model) Focus() { m.focused = true }

// Blur takes the keyboard away.
func (m *Model) Blur() { m.focused = false }

// Capturing is true while the filter input has the keyboard.
func (m *Model) Capturing() bool { return m.typing }

// Selected is the run id under the cursor in the runs list, else "".
func (m *Model) Selected() string {
	if r := m.run(); r != nil && m.sec == secRuns && m.ov == ovNone {
		return r.ID
	}
	return ""
}

// Busy says what is loading.
func (m *Model) Busy() string {
	switch {
	case m.diffing:
		return "comparing " + m.diffRef + " → " + m.diffCur
	case m.loadingRows:
		return "reading rows of " + m.rowsRef
	case m.loadingSets:
		return "loading datasets"
	case m.loadingVersions:
		return "loading versions"
	case m.loadingDetail:
		if v := m.version(); v != nil {
			return "loading " + v.Ref()
		}
		return "loading the version"
	}
	return ""
}

// Back closes the rows or diff view, leaves the inner lists, then clears
// an applied filter; otherwise the root goes back.
func (m *Model) Back() (bool, tea.Cmd) {
	defer m.syncKeys()
	switch {
	case m.ov != ovNone:
		m.closeOverlay()
		return true, nil
	case m.sec != secSets:
		m.sec = secSets
		return true, nil
	case m.filter != "":
		m.filter = ""
		return true, m.applyFilter()
	}
	return false, nil
}

// StartFilter opens the dataset-name filter.
func (m *Model) StartFilter() tea.Cmd {
	m.closeOverlay()
	m.typing = true
	m.prevFilter = m.filter
	m.sec = secSets
	m.input.SetValue(m.filter)
	m.input.CursorEnd()
	m.syncKeys()
	return m.input.Focus()
}

// SetSize lays the pane out.
func (m *Model) SetSize(w, h int) {
	m.width, m.height = w, h
	m.input.Width = max(w-4, 1)
}

func (m *Model) set() *store.DataSet {
	if m.setCur >= 0 && m.setCur < len(m.shown) {
		return m.shown[m.setCur]
	}
	return nil
}

func (m *Model) version() *store.DataVersion {
	if m.verCur >= 0 && m.verCur < len(m.versions) {
		return m.versions[m.verCur]
	}
	return nil
}

func (m *Model) column() *profileCol {
	if m.profile != nil && m.colCur >= 0 && m.colCur < len(m.profile.Columns) {
		return &m.profile.Columns[m.colCur]
	}
	return nil
}

func (m *Model) run() *runInfo {
	if m.runCur >= 0 && m.runCur < len(m.runs) {
		return &m.runs[m.runCur]
	}
	return nil
}

func (m *Model) closeOverlay() {
	m.stopOverlay()
	m.ov = ovNone
	m.rowsSeq++ // drop replies still coming
	m.diffSeq++
	m.loadingRows, m.diffing = false, false
}

// stopOverlay cancels the overlay's background work, if any.
func (m *Model) stopOverlay() {
	if m.cancelOv != nil {
		m.cancelOv()
		m.cancelOv = nil
	}
}

func (m *Model) syncKeys() {
	m.keys.mode(keyState{
		typing:   m.typing,
		overlay:  m.ov != ovNone,
		scrollX:  m.ov == ovRows,
		version:  m.version() != nil,
		onRuns:   m.sec == secRuns && m.run() != nil,
		switches: len(m.versions) > 0,
	})
}

// applyFilter recomputes the shown datasets, keeping the selected one
// where it still shows, and loads the versions when the selection moved.
func (m *Model) applyFilter() tea.Cmd {
	prev := ""
	if s := m.set(); s != nil {
		prev = s.Name
	}
	m.shown = m.shown[:0]
	f := strings.ToLower(m.filter)
	for _, s := range m.sets {
		if f == "" || strings.Contains(strings.ToLower(s.Name), f) {
			m.shown = append(m.shown, s)
		}
	}
	m.setCur = 0
	for i, s := range m.shown {
		if s.Name == prev {
			m.setCur = i
		}
	}
	if s := m.set(); s == nil || s.Name != prev {
		return m.loadVersions()
	}
	return nil
}

func (m *Model) loadSets() tea.Cmd {
	if m.st == nil {
		return nil
	}
	m.setsSeq++
	m.loadingSets = true
	seq, ctx, st := m.setsSeq, m.c.Ctx, m.st
	return func() tea.Msg {
		sets, err := st.DataSets(ctx)
		return setsMsg{seq: seq, sets: sets, err: err}
	}
}

func (m *Model) loadVersions() tea.Cmd {
	m.versionsSeq++
	s := m.set()
	if s == nil || m.st == nil {
		m.versions, m.verCur, m.loadingVersions = nil, 0, false
		return m.loadDetail()
	}
	m.loadingVersions = true
	seq, ctx, st, name := m.versionsSeq, m.c.Ctx, m.st, s.Name
	return func() tea.Msg {
		vs, err := st.DataVersions(ctx, name)
		return versionsMsg{seq: seq, name: name, versions: vs, err: err}
	}
}

// loadDetail decodes the selected version's profile and validation report
// and reads the runs that used it.
func (m *Model) loadDetail() tea.Cmd {
	m.detailSeq++
	v := m.version()
	if v == nil || m.st == nil {
		m.detailRef, m.profile, m.profileErr, m.report, m.runs = "", nil, nil, nil, nil
		m.loadingDetail = false
		if m.sec > secVersions {
			m.sec = secSets
		}
		return nil
	}
	m.loadingDetail = true
	seq, ctx, st := m.detailSeq, m.c.Ctx, m.st
	ref, prof, rep := v.Ref(), v.Profile, v.Validation
	return func() tea.Msg {
		msg := detailMsg{seq: seq, ref: ref}
		msg.profile, msg.profileErr = decodeProfile(prof)
		if r, err := decodeReport(rep); err == nil {
			msg.report = r
		}
		ids, err := st.DataVersionRuns(ctx, ref)
		if err != nil {
			msg.err = err
			return msg
		}
		for i, id := range ids {
			ri := runInfo{ID: id}
			if i < maxRuns {
				if r, err := st.GetRun(ctx, id); err == nil {
					ri.Name, ri.Status = r.Name, r.Status
				}
			}
			msg.runs = append(msg.runs, ri)
		}
		return msg
	}
}

// openRows reads the selected version's first rows.
func (m *Model) openRows() tea.Cmd {
	v := m.version()
	if v == nil || m.st == nil {
		return nil
	}
	m.ov = ovRows
	m.rowsSeq++
	m.rowsRef, m.rows, m.rowsErr, m.rowsX, m.rowsY = v.Ref(), nil, nil, 0, 0
	m.loadingRows = true
	m.stopOverlay()
	ctx, cancel := context.WithCancel(m.c.Ctx)
	m.cancelOv = cancel
	seq, st, ref := m.rowsSeq, m.st, v.Ref()
	return func() tea.Msg {
		d, err := readRows(ctx, st, ref, maxRows)
		return rowsMsg{seq: seq, ref: ref, data: d, err: err}
	}
}

// startDiff compares ref (the reference) with cur in the background.
func (m *Model) startDiff(ref, cur string) tea.Cmd {
	m.ov = ovDiff
	m.diffSeq++
	m.diffRef, m.diffCur, m.diff, m.diffErr, m.diffY = ref, cur, nil, nil, 0
	m.diffing = true
	m.stopOverlay()
	ctx, cancel := context.WithCancel(m.c.Ctx)
	m.cancelOv = cancel
	seq, st := m.diffSeq, m.st
	return func() tea.Msg {
		d, err := compareVersions(ctx, st, ref, cur)
		return diffMsg{seq: seq, ref: ref, cur: cur, diff: d, err: err}
	}
}
