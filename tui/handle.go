package tui

import (
	"fmt"
	"sort"
	"strings"

	"github.com/aymanbagabas/go-osc52/v2"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/lathe-ml/lathe/themes"
	"github.com/lathe-ml/lathe/tui/common"
)

// themeMsg carries a theme loaded by `:theme`.
type themeMsg struct {
	theme themes.Theme
	err   error
}

// copiedMsg reports an OSC 52 copy.
type copiedMsg struct {
	id  string
	err error
}

func (m *Model) handleKey(msg tea.KeyMsg) tea.Cmd {
	g := m.c.Keys
	if key.Matches(msg, g.ForceQuit) {
		return m.quit()
	}
	if m.palette.IsOpen() {
		cmd, done, value := m.palette.Update(msg)
		if done && value != "" {
			return tea.Batch(cmd, m.runCommand(value))
		}
		return cmd
	}
	if m.helpOpen {
		switch {
		case key.Matches(msg, g.Back), key.Matches(msg, g.Help), key.Matches(msg, g.Quit):
			m.helpOpen = false
		case msg.String() == "down" || msg.String() == "j":
			m.helpOffset++
		case msg.String() == "up" || msg.String() == "k":
			m.helpOffset = max(m.helpOffset-1, 0)
		}
		return nil
	}
	p := m.focused()
	if p.Capturing() {
		return p.Update(msg)
	}
	switch {
	case key.Matches(msg, g.Quit):
		return m.quit()
	case key.Matches(msg, g.Help):
		m.helpOpen, m.helpOffset = true, 0
	case key.Matches(msg, g.Palette):
		return m.palette.Open(m.candidates())
	case key.Matches(msg, g.Filter):
		return p.StartFilter()
	case key.Matches(msg, g.Back):
		if ok, cmd := p.Back(); ok {
			return cmd
		}
		return m.back()
	case key.Matches(msg, g.Copy):
		return m.copySelected()
	case key.Matches(msg, g.Runs):
		m.focus(paneRuns)
	case key.Matches(msg, g.Run):
		m.focus(paneRun)
	case key.Matches(msg, g.Compare):
		m.focus(paneCompare)
	case key.Matches(msg, g.Models):
		return m.show(paneModels)
	case key.Matches(msg, g.Jobs):
		return m.show(paneJobs)
	case key.Matches(msg, g.Data):
		return m.show(paneData)
	default:
		return p.Update(msg)
	}
	return nil
}

func (m *Model) quit() tea.Cmd {
	m.cancel()
	return tea.Quit
}

// handleMouse focuses a tab on a click in the tab bar and sends everything
// in the body to the focused pane, in the pane's own coordinates.
func (m *Model) handleMouse(msg tea.MouseMsg) tea.Cmd {
	if m.tooSmall() || m.palette.IsOpen() {
		return nil
	}
	if m.helpOpen {
		switch msg.Button {
		case tea.MouseButtonWheelDown:
			m.helpOffset++
		case tea.MouseButtonWheelUp:
			m.helpOffset = max(m.helpOffset-1, 0)
		}
		return nil
	}
	left, top := m.c.Styles.App.GetMarginLeft()+m.c.Styles.App.GetPaddingLeft(), m.c.Styles.App.GetMarginTop()+m.c.Styles.App.GetPaddingTop()
	y := msg.Y - top
	if y == 0 {
		if msg.Action == tea.MouseActionPress && msg.Button == tea.MouseButtonLeft {
			if i, ok := m.tabAt(msg.X - left); ok {
				return m.show(i)
			}
		}
		return nil
	}
	bodyH := m.height - 2
	if y < 1 || y > bodyH {
		return nil
	}
	msg.X -= left
	msg.Y = y - 1
	return m.focused().Update(msg)
}

func (m *Model) handleMsg(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case common.OpenRunMsg:
		m.focus(paneRun)
		return m.detail.Open(msg.ID)
	case common.CompareMsg:
		m.focus(paneCompare)
		return m.compare.SetRuns(msg.IDs)
	case common.SelectExperimentMsg:
		m.focus(paneRuns)
		return m.runs.Update(msg)
	case common.FlashMsg:
		if msg.Err {
			m.c.Log.Warn("flash", "error", msg.Text)
		}
		return m.status.Flash(msg.Text, msg.Err)
	case themeMsg:
		if msg.err != nil {
			return m.status.Flash(msg.err.Error(), true)
		}
		m.c.SetTheme(msg.theme)
		m.status.Restyle()
		m.palette.Restyle()
		m.resize(m.width, m.height)
		return tea.Batch(m.broadcast(common.ThemeMsg{}), m.status.Flash("theme "+msg.theme.Name, false))
	case copiedMsg:
		if msg.err != nil {
			return m.status.Flash("copy: "+msg.err.Error(), true)
		}
		return m.status.Flash("copied run id "+msg.id, false)
	case watchTickMsg, eventsMsg, watchStartMsg:
		return m.handleWatch(msg)
	}
	if cmd := m.status.Update(msg); cmd != nil {
		return cmd
	}
	return m.broadcast(msg)
}

// broadcast sends a message to every pane; a pane ignores the message types
// of other panes, so each reply reaches its owner.
func (m *Model) broadcast(msg tea.Msg) tea.Cmd {
	cmds := make([]tea.Cmd, 0, len(m.panes))
	for _, p := range m.panes {
		cmds = append(cmds, p.Update(msg))
	}
	return tea.Batch(cmds...)
}

// copySelected copies the selected run's id with OSC 52, which the terminal
// (and tmux) forwards to the system clipboard, over SSH too.
func (m *Model) copySelected() tea.Cmd {
	id := m.focused().Selected()
	if id == "" {
		return m.status.Flash("no run selected to copy", true)
	}
	w := m.c.Clipboard
	if w == nil {
		return m.status.Flash("copying is off (no terminal)", true)
	}
	seq := osc52.New(id)
	if m.tmux {
		seq = seq.Tmux()
	}
	return func() tea.Msg {
		_, err := seq.WriteTo(w)
		return copiedMsg{id: id, err: err}
	}
}

// candidates are the palette's suggestions.
func (m *Model) candidates() []string {
	out := []string{"runs", "compare", "run ", "exp ", "theme ", "models", "jobs", "data", "datasets", "help", "q"}
	for _, t := range themes.Names() {
		out = append(out, "theme "+t)
	}
	out = append(out, "theme mono")
	for _, e := range m.runs.ExperimentNames() {
		out = append(out, "exp "+e)
	}
	for _, r := range m.runs.VisibleNames(50) {
		out = append(out, "run "+r)
	}
	return out
}

// runCommand does what a palette command says.
func (m *Model) runCommand(line string) tea.Cmd {
	f := strings.Fields(line)
	if len(f) == 0 {
		return nil
	}
	arg := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(line), f[0]))
	switch strings.ToLower(f[0]) {
	case "q", "quit", "q!", "exit":
		return m.quit()
	case "runs":
		m.focus(paneRuns)
	case "run":
		if arg == "" {
			m.focus(paneRun)
			return nil
		}
		ctx, st := m.c.Ctx, m.c.Store
		return func() tea.Msg {
			r, err := st.ResolveRun(ctx, arg)
			if err != nil {
				return common.FlashMsg{Text: err.Error(), Err: true}
			}
			return common.OpenRunMsg{ID: r.ID}
		}
	case "compare":
		if len(m.compare.IDs()) == 0 || len(m.runs.Marked()) >= 2 {
			if ids := m.runs.Marked(); len(ids) >= 2 {
				return common.Cmd(common.CompareMsg{IDs: ids})
			}
		}
		m.focus(paneCompare)
	case "exp", "experiment":
		return common.Cmd(common.SelectExperimentMsg{Name: arg})
	case "theme":
		if arg == "" {
			return m.status.Flash("themes: "+strings.Join(append(themes.Names(), "mono"), ", "), false)
		}
		dirs := m.themeDirs
		return func() tea.Msg {
			if arg == "mono" {
				return themeMsg{theme: themes.Mono()}
			}
			t, err := themes.Load(arg, dirs...)
			return themeMsg{theme: t, err: err}
		}
	case "models":
		return m.show(paneModels)
	case "jobs":
		return m.show(paneJobs)
	case "data", "datasets":
		return m.show(paneData)
	case "help", "?":
		m.helpOpen, m.helpOffset = true, 0
	default:
		known := []string{"runs", "compare", "run ID", "exp NAME", "theme NAME", "models", "jobs", "data", "q"}
		sort.Strings(known)
		return m.status.Flash(fmt.Sprintf("unknown command %q (try %s)", f[0], strings.Join(known, ", ")), true)
	}
	return nil
}
