package jobs

import (
	"fmt"
	"strings"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/lathe-ml/lathe/store"
	"github.com/lathe-ml/lathe/tui/common"
)

// The `/` filter narrows the jobs to those whose id, status (as shown:
// "EXITED 0", "STOPPING"), run, command or host contain the text, in any
// case.

// StartFilter opens the filter.
func (m *Model) StartFilter() tea.Cmd {
	if m.confirming || m.form != nil {
		return nil
	}
	m.filtering = true
	m.filter.CursorEnd()
	m.syncKeys()
	return m.filter.Focus()
}

// filterKey handles a key while the filter has the keyboard: every
// keystroke applies at once, enter keeps the filter, esc clears it.
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

func (m *Model) jobMatches(j *store.Job, f string) bool {
	if f == "" {
		return true
	}
	for _, s := range []string{fmt.Sprint(j.ID), statusText(j), m.runLabel(j), strings.Join(j.Command, " "), j.Host, j.RunID} {
		if strings.Contains(strings.ToLower(s), f) {
			return true
		}
	}
	return false
}

// narrow sets the shown jobs from the loaded ones, keeping the cursor on
// the selected job when it passes; it reports whether the selection moved.
func (m *Model) narrow() bool {
	f := strings.ToLower(strings.TrimSpace(m.filter.Value()))
	m.jobs = m.jobs[:0:0]
	for _, j := range m.allJobs {
		if m.jobMatches(j, f) {
			m.jobs = append(m.jobs, j)
		}
	}
	m.cur = 0
	for i, j := range m.jobs {
		if j.ID == m.selID {
			m.cur = i
		}
	}
	var id int64
	if j := m.job(); j != nil {
		id = j.ID
	}
	moved := id != m.selID
	m.selID = id
	return moved
}

// applyFilter narrows the jobs and reads the log of a newly selected job.
func (m *Model) applyFilter() tea.Cmd {
	if !m.narrow() {
		return nil
	}
	m.tail, m.tailErr, m.tailJob = nil, nil, 0
	if m.selID == 0 {
		return nil
	}
	return m.loadTail()
}
