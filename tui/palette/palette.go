// Package palette is the `:` command line: a text input with suggestions
// that narrow as the user types (k9s's command prompt). It returns the
// command; the root decides what it means.
package palette

import (
	"strings"

	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/lathe-ml/lathe/tui/common"
)

// MaxSuggestions is how many suggestions show at once.
const MaxSuggestions = 6

// KeyMap is the palette's keys.
type KeyMap struct {
	Run, Cancel, Complete, Next, Prev key.Binding
}

// Model is the palette.
type Model struct {
	c       *common.Common
	keys    KeyMap
	input   textinput.Model
	open    bool
	cands   []string
	matches []string
	sel     int
	width   int
}

// New returns a closed palette.
func New(c *common.Common) *Model {
	in := textinput.New()
	in.Cursor.SetMode(cursor.CursorStatic)
	in.Prompt = ":"
	in.Placeholder = "runs, compare, run ID, models, jobs, exp NAME, theme NAME, q"
	m := &Model{c: c, input: in, sel: -1, keys: KeyMap{
		Run:      key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "run command")),
		Cancel:   key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "close")),
		Complete: key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "complete")),
		Next:     key.NewBinding(key.WithKeys("down", "ctrl+n"), key.WithHelp("↓", "next suggestion")),
		Prev:     key.NewBinding(key.WithKeys("up", "ctrl+p"), key.WithHelp("↑", "previous suggestion")),
	}}
	m.Restyle()
	return m
}

// Restyle picks up a new theme.
func (m *Model) Restyle() {
	st := m.c.Styles
	m.input.PromptStyle = st.Prompt
	m.input.TextStyle = st.Input
	m.input.PlaceholderStyle = st.Placeholder
	m.input.Cursor.Style = st.Accent
}

// Open shows the palette with these candidate commands.
func (m *Model) Open(cands []string) tea.Cmd {
	m.open = true
	m.cands = cands
	m.input.SetValue("")
	m.match()
	return m.input.Focus()
}

// Close hides the palette.
func (m *Model) Close() {
	m.open = false
	m.input.Blur()
}

// IsOpen reports whether the palette has the keyboard.
func (m *Model) IsOpen() bool { return m.open }

// SetWidth sets the palette's width.
func (m *Model) SetWidth(w int) {
	m.width = w
	m.input.Width = max(w-3, 1)
}

// Update handles a key. done is true when the user ran a command (value)
// or closed the palette (value "").
func (m *Model) Update(msg tea.KeyMsg) (cmd tea.Cmd, done bool, value string) {
	switch {
	case key.Matches(msg, m.keys.Cancel):
		m.Close()
		return nil, true, ""
	case key.Matches(msg, m.keys.Run):
		v := strings.TrimSpace(m.input.Value())
		if m.sel >= 0 && m.sel < len(m.matches) {
			v = m.matches[m.sel]
		}
		m.Close()
		return nil, true, v
	case key.Matches(msg, m.keys.Complete):
		i := max(m.sel, 0)
		if i < len(m.matches) {
			m.input.SetValue(m.matches[i])
			m.input.CursorEnd()
			m.match()
		}
		return nil, false, ""
	case key.Matches(msg, m.keys.Next):
		if len(m.matches) > 0 {
			m.sel = (m.sel + 1) % min(len(m.matches), MaxSuggestions)
		}
		return nil, false, ""
	case key.Matches(msg, m.keys.Prev):
		if len(m.matches) > 0 {
			m.sel--
			if m.sel < 0 {
				m.sel = min(len(m.matches), MaxSuggestions) - 1
			}
		}
		return nil, false, ""
	}
	m.input, cmd = m.input.Update(msg)
	m.match()
	return cmd, false, ""
}

// match narrows the candidates: those that start with what was typed come
// first, then those that merely contain it.
func (m *Model) match() {
	v := strings.ToLower(strings.TrimLeft(m.input.Value(), " "))
	var pre, sub []string
	for _, c := range m.cands {
		lc := strings.ToLower(c)
		switch {
		case strings.HasPrefix(lc, v):
			if lc != v {
				pre = append(pre, c)
			}
		case v != "" && strings.Contains(lc, v):
			sub = append(sub, c)
		}
	}
	m.matches = append(pre, sub...)
	m.sel = -1
}

// Suggestions returns the lines to draw above the input (most relevant
// last, nearest the input).
func (m *Model) Suggestions() []string {
	st := m.c.Styles
	n := min(len(m.matches), MaxSuggestions)
	out := make([]string, 0, n)
	for i := n - 1; i >= 0; i-- {
		line := common.Pad("  "+m.matches[i], m.width, false)
		if i == m.sel {
			out = append(out, st.Cursor.Render(line))
		} else {
			out = append(out, st.Suggestion.Render(line))
		}
	}
	return out
}

// View is the input line.
func (m *Model) View() string { return common.Pad(m.input.View(), m.width, false) }
