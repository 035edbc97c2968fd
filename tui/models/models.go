// Package models is the model registry pane: registered models, the
// versions of the selected one (source run, aliases, status), and the
// metrics its source run had at registration. `a` sets or moves an alias
// after a confirmation; `enter` opens a version's run.
package models

import (
	"context"
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/lathe-ml/lathe/store"
	"github.com/lathe-ml/lathe/tui/common"
)

// Limits on what one load reads.
const (
	maxModels   = 500
	maxVersions = 500
	maxRunNames = 100 // versions whose run names are looked up
)

// Store is what the pane needs beyond common.Store; *store.Store has it.
type Store interface {
	SearchRegisteredModels(ctx context.Context, q store.RegistryQuery) ([]*store.RegisteredModel, string, error)
	SearchModelVersions(ctx context.Context, q store.RegistryQuery) ([]*store.ModelVersion, string, error)
	GetRun(ctx context.Context, id string) (*store.Run, error)
	RunDataInputs(ctx context.Context, runID string) ([]*store.DataVersion, error)
	SetModelAlias(ctx context.Context, name, alias string, version int64) error
}

var _ Store = (*store.Store)(nil)

// Model is the models pane.
type Model struct {
	c    *common.Common
	st   Store
	keys *KeyMap

	width, height int
	focused       bool
	onVersions    bool // the versions table has the cursor

	models   []*store.RegisteredModel // those that pass the filter
	versions []*store.ModelVersion    // those that pass the filter
	// allModels and allVersions are what was loaded.
	allModels   []*store.RegisteredModel
	allVersions []*store.ModelVersion
	runNames    map[string]string
	run         *store.Run
	runData     []*store.DataVersion // what the version's run was trained on
	mCur        int
	vCur        int
	err         error

	modelsSeq, versionsSeq, runSeq int
	loadingModels, loadingVersions bool

	input      textinput.Model
	typing     bool
	confirming bool
	pending    aliasMsg // the alias change awaiting y/n
	question   string

	filter    textinput.Model
	filtering bool
}

// New returns the models pane; Init loads it.
func New(c *common.Common) *Model {
	in := textinput.New()
	in.Cursor.SetMode(cursor.CursorStatic)
	in.Prompt = "alias: "
	in.Placeholder = "champion"
	in.CharLimit = 255
	fi := textinput.New()
	fi.Cursor.SetMode(cursor.CursorStatic)
	fi.Prompt = "/ "
	fi.Placeholder = "filter models, aliases, versions"
	st, _ := c.Store.(Store)
	m := &Model{c: c, st: st, keys: DefaultKeyMap(), input: in, filter: fi}
	m.style()
	m.keys.mode(false, false, false, false)
	return m
}

func (m *Model) style() {
	st := m.c.Styles
	m.input.PromptStyle = st.Prompt
	m.input.TextStyle = st.Input
	m.input.PlaceholderStyle = st.Placeholder
	m.input.Cursor.Style = st.Accent
	m.filter.PromptStyle = st.Prompt
	m.filter.TextStyle = st.Input
	m.filter.PlaceholderStyle = st.Placeholder
}

// Keys exposes the key map for overrides.
func (m *Model) Keys() *KeyMap { return m.keys }

// Init loads the models.
func (m *Model) Init() tea.Cmd { return m.loadModels() }

// Title names the pane.
func (m *Model) Title() string { return "Models" }

// KeyMap is the live key map.
func (m *Model) KeyMap() help.KeyMap { return m.keys }

// Focus gives the pane the keyboard.
func (m *Model) Focus() { m.focused = true }

// Blur takes the keyboard away.
func (m *Model) Blur() { m.focused = false }

// Capturing is true while typing an alias or a filter, or answering y/n.
func (m *Model) Capturing() bool { return m.typing || m.confirming || m.filtering }

// Selected is the selected version's run id.
func (m *Model) Selected() string {
	if v := m.version(); v != nil {
		return v.RunID
	}
	return ""
}

// Busy says what is loading.
func (m *Model) Busy() string {
	switch {
	case m.loadingModels:
		return "loading models"
	case m.loadingVersions:
		return "loading versions"
	}
	return ""
}

// Back moves from the versions to the models, else clears the filter;
// otherwise the root goes back.
func (m *Model) Back() (bool, tea.Cmd) {
	if m.onVersions {
		m.onVersions = false
		m.syncKeys()
		return true, nil
	}
	if m.filter.Value() != "" {
		m.filter.SetValue("")
		cmd := m.applyFilter()
		m.syncKeys()
		return true, cmd
	}
	return false, nil
}

// SetSize lays the pane out.
func (m *Model) SetSize(w, h int) {
	m.width, m.height = w, h
	m.input.Width = max(w-12, 1)
	m.filter.Width = max(w-4, 1)
}

func (m *Model) model() *store.RegisteredModel {
	if m.mCur >= 0 && m.mCur < len(m.models) {
		return m.models[m.mCur]
	}
	return nil
}

func (m *Model) version() *store.ModelVersion {
	if m.vCur >= 0 && m.vCur < len(m.versions) {
		return m.versions[m.vCur]
	}
	return nil
}

func (m *Model) syncKeys() {
	m.keys.mode(m.typing, m.confirming, m.filtering, m.onVersions && m.version() != nil)
}

func (m *Model) loadModels() tea.Cmd {
	if m.st == nil {
		return nil
	}
	m.modelsSeq++
	m.loadingModels = true
	seq, ctx, st := m.modelsSeq, m.c.Ctx, m.st
	return func() tea.Msg {
		ms, _, err := st.SearchRegisteredModels(ctx, store.RegistryQuery{MaxResults: maxModels})
		return modelsMsg{seq: seq, models: ms, err: err}
	}
}

func (m *Model) loadVersions() tea.Cmd {
	md := m.model()
	if md == nil || m.st == nil {
		m.versions, m.run = nil, nil
		return nil
	}
	m.versionsSeq++
	m.loadingVersions = true
	seq, ctx, st, name := m.versionsSeq, m.c.Ctx, m.st, md.Name
	return func() tea.Msg {
		vs, _, err := st.SearchModelVersions(ctx, store.RegistryQuery{Name: name, MaxResults: maxVersions})
		if err != nil {
			return versionsMsg{seq: seq, model: name, err: err}
		}
		names := map[string]string{}
		for _, v := range vs {
			if v.RunID == "" || len(names) >= maxRunNames {
				continue
			}
			if _, ok := names[v.RunID]; ok {
				continue
			}
			if r, err := st.GetRun(ctx, v.RunID); err == nil {
				names[v.RunID] = r.Name
			} else {
				names[v.RunID] = ""
			}
		}
		return versionsMsg{seq: seq, model: name, versions: vs, runNames: names}
	}
}

func (m *Model) loadRun() tea.Cmd {
	v := m.version()
	m.runSeq++
	if v == nil || v.RunID == "" || m.st == nil {
		m.run = nil
		return nil
	}
	if m.run != nil && m.run.ID == v.RunID {
		return nil
	}
	seq, ctx, st, id := m.runSeq, m.c.Ctx, m.st, v.RunID
	return func() tea.Msg {
		r, err := st.GetRun(ctx, id)
		if err != nil {
			return runMsg{seq: seq, id: id, err: err}
		}
		data, err := st.RunDataInputs(ctx, id)
		return runMsg{seq: seq, id: id, run: r, data: data, err: err}
	}
}

// Update handles keys (when focused) and the pane's own replies.
func (m *Model) Update(msg tea.Msg) tea.Cmd {
	defer m.syncKeys()
	switch msg := msg.(type) {
	case tea.KeyMsg:
		if !m.focused {
			return nil
		}
		return m.handleKey(msg)
	case modelsMsg:
		if msg.seq != m.modelsSeq {
			return nil
		}
		m.loadingModels = false
		if msg.err != nil {
			m.err = msg.err
			return common.FlashErr(msg.err)
		}
		m.err = nil
		prev := ""
		if md := m.model(); md != nil {
			prev = md.Name
		}
		m.allModels = msg.models
		m.models = nil
		for _, md := range m.allModels {
			if modelMatches(md, m.filterText()) {
				m.models = append(m.models, md)
			}
		}
		m.mCur = 0
		for i, md := range m.models {
			if md.Name == prev {
				m.mCur = i
			}
		}
		return m.loadVersions()
	case versionsMsg:
		if msg.seq != m.versionsSeq {
			return nil
		}
		m.loadingVersions = false
		if msg.err != nil {
			return common.FlashErr(msg.err)
		}
		if v := m.version(); v == nil || v.Name != msg.model {
			m.versions = nil
		}
		m.allVersions, m.runNames = msg.versions, msg.runNames
		return m.filterVersions()
	case runMsg:
		if msg.seq != m.runSeq {
			return nil
		}
		if msg.err != nil {
			m.run = nil
			return common.FlashErr(msg.err)
		}
		m.run, m.runData = msg.run, msg.data
	case aliasMsg:
		if msg.err != nil {
			return common.FlashErr(fmt.Errorf("alias %s: %w", msg.alias, msg.err))
		}
		return tea.Batch(common.Flash(fmt.Sprintf("%s@%s → v%d", msg.model, msg.alias, msg.version)), m.loadModels())
	case common.EventsMsg:
		for _, e := range msg.Events {
			if m.modelsSeq > 0 && (strings.HasPrefix(e.Kind, "registered_model.") || strings.HasPrefix(e.Kind, "model_")) {
				return m.loadModels()
			}
		}
	case common.ThemeMsg:
		m.style()
	}
	return nil
}

func (m *Model) handleKey(msg tea.KeyMsg) tea.Cmd {
	k := m.keys
	if m.filtering {
		return m.filterKey(msg)
	}
	if m.confirming {
		switch {
		case key.Matches(msg, k.Yes):
			m.confirming = false
			p, ctx, st := m.pending, m.c.Ctx, m.st
			return func() tea.Msg {
				p.err = st.SetModelAlias(ctx, p.model, p.alias, p.version)
				return p
			}
		case key.Matches(msg, k.No):
			m.confirming = false
			return common.Flash("alias unchanged")
		}
		return nil
	}
	if m.typing {
		switch {
		case key.Matches(msg, k.AliasCancel):
			m.typing = false
			m.input.Blur()
			return nil
		case key.Matches(msg, k.AliasDone):
			m.typing = false
			m.input.Blur()
			return m.ask(strings.TrimSpace(m.input.Value()))
		}
		var cmd tea.Cmd
		m.input, cmd = m.input.Update(msg)
		return cmd
	}
	switch {
	case key.Matches(msg, k.Up):
		return m.move(-1)
	case key.Matches(msg, k.Down):
		return m.move(1)
	case key.Matches(msg, k.Switch):
		m.onVersions = !m.onVersions && len(m.versions) > 0
	case key.Matches(msg, k.Reload):
		return m.loadModels()
	case key.Matches(msg, k.Open):
		if v := m.version(); v != nil && v.RunID != "" {
			return common.Cmd(common.OpenRunMsg{ID: v.RunID})
		}
		return common.Flash("this version records no run")
	case key.Matches(msg, k.Alias):
		if m.version() == nil {
			return nil
		}
		m.typing = true
		m.input.SetValue("")
		return m.input.Focus()
	}
	return nil
}

// ask turns a typed alias into the confirmation question.
func (m *Model) ask(alias string) tea.Cmd {
	md, v := m.model(), m.version()
	if alias == "" || md == nil || v == nil {
		return nil
	}
	if err := store.ValidateAlias(alias); err != nil {
		return common.FlashErr(err)
	}
	if cur, ok := md.Aliases[alias]; ok {
		if cur == v.Version {
			return common.Flash(fmt.Sprintf("%s is already v%d", alias, cur))
		}
		m.question = fmt.Sprintf("move %s from v%d to v%d? y/n", alias, cur, v.Version)
	} else {
		m.question = fmt.Sprintf("set %s on v%d? y/n", alias, v.Version)
	}
	m.pending = aliasMsg{model: md.Name, alias: alias, version: v.Version}
	m.confirming = true
	return nil
}

func (m *Model) move(d int) tea.Cmd {
	if m.onVersions {
		n := max(min(m.vCur+d, len(m.versions)-1), 0)
		if n == m.vCur {
			return nil
		}
		m.vCur = n
		return m.loadRun()
	}
	n := max(min(m.mCur+d, len(m.models)-1), 0)
	if n == m.mCur {
		return nil
	}
	m.mCur = n
	m.versions, m.allVersions, m.run, m.vCur = nil, nil, nil, 0
	return m.loadVersions()
}
