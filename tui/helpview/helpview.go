// Package helpview draws the `?` screen from the live key maps: the focused
// pane's bindings and the global ones, each group rendered by bubbles/help
// and the groups flowed into as many columns as fit. Disabled bindings (what
// cannot be done now) are left out, as bubbles/help does.
package helpview

import (
	"strings"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/lipgloss"

	"github.com/lathe-ml/lathe/tui/common"
)

// Section is a titled key map.
type Section struct {
	Title string
	Keys  help.KeyMap
}

// Render lays the sections out in width columns and returns the lines.
func Render(st *common.Styles, width int, sections ...Section) []string {
	padded := st.App.PaddingRight(4)
	h := help.New()
	h.Styles = help.Styles{
		FullKey: st.HelpKey, FullDesc: st.HelpDesc, FullSeparator: st.HelpSep,
		ShortKey: st.HelpKey, ShortDesc: st.HelpDesc, ShortSeparator: st.HelpSep, Ellipsis: st.HelpSep,
	}
	var out []string
	for _, s := range sections {
		var blocks []string
		for _, g := range s.Keys.FullHelp() {
			if b := h.FullHelpView([][]key.Binding{g}); b != "" {
				blocks = append(blocks, b)
			}
		}
		if len(blocks) == 0 {
			continue
		}
		out = append(out, st.HelpTitle.Render(s.Title))
		out = append(out, flow(padded, blocks, width)...)
		out = append(out, "")
	}
	return out
}

// flow places blocks side by side while they fit, then starts a new row.
func flow(pad lipgloss.Style, blocks []string, width int) []string {
	var rows []string
	var row []string
	used := 0
	for _, b := range blocks {
		w := lipgloss.Width(b) + 4
		if used > 0 && used+w > width {
			rows = append(rows, lipgloss.JoinHorizontal(lipgloss.Top, row...))
			row, used = nil, 0
		}
		row = append(row, pad.Render(b))
		used += w
	}
	if len(row) > 0 {
		rows = append(rows, lipgloss.JoinHorizontal(lipgloss.Top, row...))
	}
	return strings.Split(strings.Join(rows, "\n"), "\n")
}
