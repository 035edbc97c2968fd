package tui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/lipgloss"

	"github.com/lathe-ml/lathe/tui/common"
	"github.com/lathe-ml/lathe/tui/detail"
	"github.com/lathe-ml/lathe/tui/helpview"
)

var tabNames = []string{"Runs", "Run", "Compare", "Models", "Jobs", "Data"}

func (m *Model) tooSmall() bool { return m.width < MinWidth || m.height < MinHeight }

// View draws the whole screen: tabs, the focused pane (or help), and the
// status bar (or the palette), never more than the terminal's size.
func (m *Model) View() string {
	if m.width == 0 || m.height == 0 {
		return ""
	}
	st := m.c.Styles
	if m.tooSmall() {
		msg := fmt.Sprintf("terminal too small (need %dx%d, have %dx%d)", MinWidth, MinHeight, m.width, m.height)
		return lipgloss.Place(m.width, m.height, lipgloss.Center, lipgloss.Center, st.Warning.Render(common.Truncate(msg, m.width)),
			lipgloss.WithWhitespaceChars(" "))
	}
	fw, fh := st.App.GetFrameSize()
	w, bodyH := m.width-fw, m.height-fh-2
	var body string
	if m.helpOpen {
		body = m.helpView(w, bodyH)
	} else {
		body = common.FitHeight(m.focused().View(), w, bodyH)
	}
	if m.c.Graphics == common.GraphicsKitty && (m.helpOpen || m.active != paneRun) {
		body = detail.KittyClear + body // kitty keeps images above the text: drop a preview's
	}
	bottom := m.status.View()
	if m.palette.IsOpen() {
		sugg := m.palette.Suggestions()
		if len(sugg) > 0 && len(sugg) < bodyH {
			lines := strings.Split(body, "\n")
			copy(lines[len(lines)-len(sugg):], sugg)
			body = strings.Join(lines, "\n")
		}
		bottom = m.palette.View()
	}
	return st.App.Render(m.tabs(w) + "\n" + body + "\n" + bottom)
}

// tabs is the top line: the panes by number, the focused one highlighted.
func (m *Model) tabs(w int) string {
	st := m.c.Styles
	var b strings.Builder
	for i, name := range tabNames {
		label := fmt.Sprintf("%d %s", i+1, name)
		switch {
		case i == m.active:
			b.WriteString(st.TabActive.Render(label))
		default:
			b.WriteString(st.TabInactive.Render(label))
		}
	}
	return common.Pad(b.String(), w, false)
}

// tabAt maps an x offset in the tab bar to a tab.
func (m *Model) tabAt(x int) (int, bool) {
	st := m.c.Styles
	pos := 0
	for i, name := range tabNames {
		label := fmt.Sprintf("%d %s", i+1, name)
		s := st.TabInactive
		if i == m.active {
			s = st.TabActive
		}
		w := lipgloss.Width(s.Render(label))
		if x >= pos && x < pos+w {
			return i, true
		}
		pos += w
	}
	return 0, false
}

// helpView lists every enabled binding of the focused pane and the global
// ones, from the live key maps.
func (m *Model) helpView(w, h int) string {
	st := m.c.Styles
	lines := []string{st.Title.Render("Keys") + st.Subtle.Render("  ·  esc or ? closes  ·  ↑/↓ scroll")}
	lines = append(lines, "")
	lines = append(lines, helpview.Render(st, w,
		helpview.Section{Title: m.focused().Title() + " pane", Keys: m.focused().KeyMap()},
		helpview.Section{Title: "Everywhere", Keys: m.c.Keys},
	)...)
	m.helpOffset = max(min(m.helpOffset, len(lines)-h), 0)
	return common.FitLines(strings.Join(lines[m.helpOffset:], "\n"), w, h)
}
