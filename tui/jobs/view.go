package jobs

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/charmbracelet/lipgloss"

	"github.com/lathe-ml/lathe/store"
	"github.com/lathe-ml/lathe/tui/common"
)

// View draws the jobs table over the selected job's log tail, with one line
// below for the confirmation or counts.
func (m *Model) View() string {
	if m.width <= 0 || m.height <= 0 {
		return ""
	}
	bodyH := max(m.height-1, 1)
	th := max(min(len(m.jobs)+2, bodyH/2), min(4, bodyH))
	out := m.tableView(m.width, th)
	if bodyH-th > 0 {
		if m.form != nil {
			out += "\n" + m.formView(m.width, bodyH-th)
		} else {
			out += "\n" + m.logView(m.width, bodyH-th)
		}
	}
	return out + "\n" + m.footer()
}

func (m *Model) footer() string {
	st := m.c.Styles
	if m.confirming {
		return common.Pad(st.Warning.Render(m.question), m.width, false)
	}
	if m.form != nil {
		if m.form.err != "" {
			return st.Error.Render(common.Pad(m.form.err, m.width, false))
		}
		return common.Pad(st.Subtle.Render("tab/shift+tab move · enter launch · esc cancel"), m.width, false)
	}
	if m.filtering {
		return common.Pad(m.filter.View(), m.width, false)
	}
	active := 0
	for _, j := range m.jobs {
		if store.JobActive(j.Status) {
			active++
		}
	}
	n := fmt.Sprintf("%d jobs", len(m.jobs))
	if f := strings.TrimSpace(m.filter.Value()); f != "" {
		n = fmt.Sprintf("/%s · %d of %d jobs", f, len(m.jobs), len(m.allJobs))
	}
	s := fmt.Sprintf("%s, %d running", n, active)
	// Hints while they fit, the most useful first.
	for _, h := range []string{"enter open run", "x cancel", "R re-run", "/ filter"} {
		if common.Width(s)+3+len(h) > m.width {
			break
		}
		s += " · " + h
	}
	return common.Pad(st.Subtle.Render(s), m.width, false)
}

// commandText is a job's command as the table shows it: the program by its
// base name (`lathe demo train …`, not `/tmp/go-build…/lathe demo train …`).
func commandText(argv []string) string {
	if len(argv) == 0 {
		return ""
	}
	return strings.Join(append([]string{filepath.Base(argv[0])}, argv[1:]...), " ")
}

func (m *Model) statusStyle(j *store.Job) lipgloss.Style {
	st := m.c.Styles
	switch j.Status {
	case store.JobRunning, store.JobStarting:
		return st.Accent
	case store.JobExited:
		if j.ExitCode != nil && *j.ExitCode == 0 {
			return st.Success
		}
		return st.Error
	case store.JobKilled:
		return st.Warning
	}
	return st.Error
}

func statusText(j *store.Job) string {
	if j.Status == store.JobExited && j.ExitCode != nil {
		return fmt.Sprintf("EXITED %d", *j.ExitCode)
	}
	if j.CancelRequest && store.JobActive(j.Status) {
		return "STOPPING"
	}
	return j.Status
}

func (m *Model) tableView(w, h int) string {
	st := m.c.Styles
	lines := []string{st.Title.Render(common.Pad(fmt.Sprintf("JOBS (%d)", len(m.jobs)), w, false))}
	const idW, statusW, startW, durW = 5, 9, 16, 8
	rest := max(w-idW-statusW-startW-durW-5, 16)
	runW := min(rest/2, 32)
	cmdW := rest - runW
	cols := func(a, b, c, d, e, f string) string {
		return common.Pad(a, idW, true) + " " + b + " " + common.Pad(c, runW, false) + " " + common.Pad(d, cmdW, false) + " " +
			common.Pad(e, startW, false) + " " + common.Pad(f, durW, true)
	}
	lines = append(lines, st.Header.Render(common.Pad(cols("ID", common.Pad("STATUS", statusW, false), "RUN", "COMMAND", "STARTED", "DURATION"), w, false)))
	switch {
	case m.st == nil:
		lines = append(lines, st.Error.Render(common.Pad("the store cannot list jobs", w, false)))
	case m.err != nil:
		lines = append(lines, st.Error.Render(common.Pad(m.err.Error(), w, false)))
	case len(m.jobs) == 0 && m.loaded:
		lines = append(lines, st.Subtle.Render(common.Pad("No jobs yet: lathe run -- COMMAND starts one.", w, false)))
	}
	now := m.c.Now()
	for i := max(m.cur-(h-2)+1, 0); i < len(m.jobs) && len(lines) < h; i++ {
		j := m.jobs[i]
		start := j.Started
		if start == 0 {
			start = j.Created
		}
		dur := ""
		if j.Started != 0 {
			dur = common.RunDuration(j.Started, j.Ended, now)
		}
		status := common.Pad(statusText(j), statusW, false)
		run := m.runLabel(j)
		if n := m.runNames[j.RunID]; n != "" && runW < 26 {
			run = n // narrow: the name says more than the id
		}
		row := cols(fmt.Sprint(j.ID), status, run, commandText(j.Command), common.FormatTime(start, m.c.Loc), dur)
		switch {
		case i == m.cur && m.focused:
			lines = append(lines, st.Cursor.Render(common.Pad(row, w, false)))
		case i == m.cur:
			lines = append(lines, st.CursorBlur.Render(common.Pad(row, w, false)))
		default:
			// Colour the status alone on ordinary rows.
			pre := common.Pad(fmt.Sprint(j.ID), idW, true) + " "
			lines = append(lines, st.Text.Render(pre)+m.statusStyle(j).Render(status)+st.Text.Render(common.Pad(row[len(pre)+len(status):], w-idW-1-statusW, false)))
		}
	}
	return common.FitLines(strings.Join(lines, "\n"), w, h)
}

func (m *Model) logView(w, h int) string {
	st := m.c.Styles
	j := m.job()
	title := "LOG"
	if j != nil {
		title += fmt.Sprintf(" · job %d", j.ID)
		switch {
		case m.tailJob == j.ID && m.tailSrc != "":
			title += " · " + m.tailSrc
		case j.LogPath != "":
			title += " · " + j.LogPath
		}
	}
	lines := []string{"", st.Title.Render(common.Pad(title, w, false))}
	rows := h - len(lines)
	switch {
	case j == nil:
	case m.tailErr != nil:
		lines = append(lines, st.Subtle.Render(common.Pad(m.tailErr.Error(), w, false)))
	case m.tailJob != j.ID:
		lines = append(lines, st.Subtle.Render("loading…"))
	case len(m.tail) == 0:
		lines = append(lines, st.Subtle.Render("the log is empty"))
	default:
		tail := m.tail
		if len(tail) > rows {
			tail = tail[len(tail)-rows:]
		}
		for _, l := range tail {
			lines = append(lines, st.Text.Render(common.Pad(l, w, false)))
		}
	}
	return common.FitLines(strings.Join(lines, "\n"), w, h)
}

// formView draws the re-run form in place of the log: one row per param
// (key, then its input), the add row last, scrolled to keep the focused
// row on screen.
func (m *Model) formView(w, h int) string {
	st, f := m.c.Styles, m.form
	lines := []string{"", st.Title.Render(common.Pad("RE-RUN "+f.label+" · edit params, enter launches", w, false))}
	kw := m.formKeyWidth()
	rows := max(h-len(lines), 1)
	first := max(f.focus-rows+1, 0)
	for i := first; i < len(f.inputs) && len(lines) < h; i++ {
		name := "add"
		if i < len(f.keys) {
			name = f.keys[i]
		}
		label := common.Pad(name, kw, false) + "  "
		if i == f.focus {
			label = st.Accent.Render("› " + label)
		} else {
			label = st.Subtle.Render("  " + label)
		}
		lines = append(lines, label+f.inputs[i].View())
	}
	return common.FitLines(strings.Join(lines, "\n"), w, h)
}
