// Package statusbar is the TUI's bottom line: the store, whether the store
// is changing (live) or not (idle), a spinner while anything loads, and
// flash messages and errors that clear themselves (k9s's flash).
package statusbar

import (
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/spinner"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/lathe-ml/lathe/tui/common"
)

// How long flash messages stay.
const (
	InfoFor  = 4 * time.Second
	ErrorFor = 8 * time.Second
)

// clearMsg clears the flash armed with generation gen.
type clearMsg struct{ gen int }

// Model is the status bar.
type Model struct {
	c     *common.Common
	width int

	flash    string
	flashErr bool
	gen      int

	spin     spinner.Model
	spinning bool
	busy     string

	// Live is true while the store changed recently.
	Live bool
	// InfoFor and ErrorFor are how long flashes stay (tests shorten them).
	InfoFor, ErrorFor time.Duration
}

// New returns the status bar.
func New(c *common.Common) *Model {
	sp := spinner.New(spinner.WithSpinner(spinner.MiniDot))
	m := &Model{c: c, spin: sp, InfoFor: InfoFor, ErrorFor: ErrorFor}
	m.Restyle()
	return m
}

// Restyle picks up a new theme.
func (m *Model) Restyle() { m.spin.Style = m.c.Styles.Accent }

// SetWidth sets the bar's width.
func (m *Model) SetWidth(w int) { m.width = w }

// Flash shows text until a newer flash or its timeout; the returned command
// is the timeout.
func (m *Model) Flash(text string, isErr bool) tea.Cmd {
	m.gen++
	m.flash, m.flashErr = text, isErr
	gen := m.gen
	d := m.InfoFor
	if isErr {
		d = m.ErrorFor
	}
	return tea.Tick(d, func(time.Time) tea.Msg { return clearMsg{gen: gen} })
}

// Message is the flash on screen ("" for none).
func (m *Model) Message() string { return m.flash }

// SetBusy says what is loading ("" for nothing) and starts the spinner
// when it was still.
func (m *Model) SetBusy(what string) tea.Cmd {
	m.busy = what
	if what != "" && !m.spinning {
		m.spinning = true
		return m.spin.Tick
	}
	return nil
}

// Update handles the flash timeout and spinner ticks. A spinner tick that
// arrives when nothing is busy is dropped, which stops the spinner; the
// spinner's own id and tag keep a single tick chain alive.
func (m *Model) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case clearMsg:
		if msg.gen == m.gen {
			m.flash, m.flashErr = "", false
		}
	case spinner.TickMsg:
		if m.busy == "" {
			m.spinning = false
			return nil
		}
		var cmd tea.Cmd
		m.spin, cmd = m.spin.Update(msg)
		return cmd
	}
	return nil
}

// View draws the bar in one line of the bar's width.
func (m *Model) View() string {
	st := m.c.Styles
	left := []string{st.Bold.Render("lathe") + " " + st.StatusBar.Render(m.c.StoreLabel)}
	if m.Live {
		left = append(left, st.Success.Render("● live"))
	} else {
		left = append(left, st.StatusBar.Render("○ idle"))
	}
	if m.busy != "" {
		left = append(left, m.spin.View()+" "+st.StatusBar.Render(m.busy+"…"))
	}
	if m.flash != "" {
		if m.flashErr {
			left = append(left, st.StatusErr.Render("✗ "+m.flash))
		} else {
			left = append(left, st.StatusInfo.Render(m.flash))
		}
	}
	right := st.StatusKey.Render("?") + st.StatusBar.Render(" help ") + st.StatusKey.Render(":") + st.StatusBar.Render(" command")
	l := strings.Join(left, st.StatusBar.Render("  "))
	rw := lipgloss.Width(right)
	if lipgloss.Width(l)+rw+1 > m.width {
		return common.Pad(l, m.width, false)
	}
	return l + strings.Repeat(" ", m.width-lipgloss.Width(l)-rw) + right
}
