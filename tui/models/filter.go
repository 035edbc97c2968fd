package models

import (
	"fmt"
	"strings"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/lathe-ml/lathe/store"
	"github.com/lathe-ml/lathe/tui/common"
)

// The `/` filter narrows the models to those whose name, description or
// alias names contain the text (any case), and the versions of a model
// that matched only through its aliases to the versions that match: by
// version ("v3"), alias, source run (short id or name) or status. A model
// whose name matches shows all its versions.

// StartFilter opens the filter.
func (m *Model) StartFilter() tea.Cmd {
	if m.typing || m.confirming {
		return nil
	}
	m.filtering = true
	m.filter.CursorEnd()
	m.syncKeys()
	return m.filter.Focus()
}

// filterKey handles a key while the filter has the keyboard: every
// keystroke applies at once (the lists are in memory), enter keeps the
// filter, esc clears it.
func (m *Model) filterKey(msg tea.KeyMsg) tea.Cmd {
	closed, changed, cmd := common.FilterKey(&m.filter, m.keys.FilterDone, msg)
	if closed {
		m.filtering = false
		return m.applyFilter()
	}
	if !changed {
		return cmd
	}
	return tea.Batch(cmd, m.applyFilter())
}

func (m *Model) filterText() string { return strings.ToLower(strings.TrimSpace(m.filter.Value())) }

// nameMatches says whether a model matches by its name or description.
func nameMatches(md *store.RegisteredModel, f string) bool {
	return f == "" || strings.Contains(strings.ToLower(md.Name), f) || strings.Contains(strings.ToLower(md.Description), f)
}

func modelMatches(md *store.RegisteredModel, f string) bool {
	if nameMatches(md, f) {
		return true
	}
	for a := range md.Aliases {
		if strings.Contains(strings.ToLower(a), f) {
			return true
		}
	}
	return false
}

func (m *Model) versionMatches(v *store.ModelVersion, f string) bool {
	fields := []string{fmt.Sprintf("v%d", v.Version), v.Status, common.ShortID(v.RunID), m.runNames[v.RunID]}
	fields = append(fields, v.Aliases...)
	for _, s := range fields {
		if strings.Contains(strings.ToLower(s), f) {
			return true
		}
	}
	return false
}

// applyFilter narrows the loaded models and versions to the filter,
// keeping the cursor on the same model and version when they pass; a new
// selected model loads its versions.
func (m *Model) applyFilter() tea.Cmd {
	f := m.filterText()
	prev := ""
	if md := m.model(); md != nil {
		prev = md.Name
	}
	m.models = m.models[:0:0]
	for _, md := range m.allModels {
		if modelMatches(md, f) {
			m.models = append(m.models, md)
		}
	}
	m.mCur = 0
	for i, md := range m.models {
		if md.Name == prev {
			m.mCur = i
		}
	}
	md := m.model()
	if md == nil {
		m.versions, m.allVersions, m.run, m.vCur, m.onVersions = nil, nil, nil, 0, false
		return nil
	}
	if md.Name != prev {
		m.versions, m.allVersions, m.run, m.vCur = nil, nil, nil, 0
		return m.loadVersions()
	}
	return m.filterVersions()
}

// filterVersions narrows the selected model's loaded versions.
func (m *Model) filterVersions() tea.Cmd {
	f := m.filterText()
	var prev int64
	if v := m.version(); v != nil {
		prev = v.Version
	}
	all := f == ""
	if md := m.model(); md != nil && nameMatches(md, f) {
		all = true
	}
	m.versions = m.versions[:0:0]
	for _, v := range m.allVersions {
		if all || m.versionMatches(v, f) {
			m.versions = append(m.versions, v)
		}
	}
	m.vCur = 0
	for i, v := range m.versions {
		if v.Version == prev {
			m.vCur = i
		}
	}
	if len(m.versions) == 0 {
		m.onVersions = false
	}
	return m.loadRun()
}
