package common

import (
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
)

// FilterKey feeds a key to a pane's live filter input: done (enter or esc)
// closes it, esc also clearing it; any other key edits it. closed reports
// that the input closed, changed that its value differs from before, so
// the pane re-applies the filter only when it must.
func FilterKey(in *textinput.Model, done key.Binding, msg tea.KeyMsg) (closed, changed bool, cmd tea.Cmd) {
	before := in.Value()
	if key.Matches(msg, done) {
		in.Blur()
		if msg.String() == "esc" {
			in.SetValue("")
		}
		return true, in.Value() != before, nil
	}
	*in, cmd = in.Update(msg)
	return false, in.Value() != before, cmd
}
