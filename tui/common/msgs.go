package common

import (
	tea "github.com/charmbracelet/bubbletea"

	"github.com/lathe-ml/lathe/store"
)

// OpenRunMsg asks the root to show one run in the detail pane.
type OpenRunMsg struct{ ID string }

// CompareMsg asks the root to compare runs in the compare pane.
type CompareMsg struct{ IDs []string }

// SelectExperimentMsg asks the runs pane to show one experiment's runs
// (`:exp NAME`).
type SelectExperimentMsg struct{ Name string }

// FlashMsg puts a message in the status bar for a few seconds.
type FlashMsg struct {
	Text string
	Err  bool
}

// EventsMsg carries new store events (the change feed) to every pane.
type EventsMsg struct{ Events []store.Event }

// ThemeMsg tells every pane the theme changed: cached renders are stale.
type ThemeMsg struct{}

// Flash returns a command that shows text in the status bar.
func Flash(text string) tea.Cmd {
	return func() tea.Msg { return FlashMsg{Text: text} }
}

// FlashErr returns a command that shows err in the status bar as an error.
func FlashErr(err error) tea.Cmd {
	if err == nil {
		return nil
	}
	return func() tea.Msg { return FlashMsg{Text: err.Error(), Err: true} }
}

// Cmd wraps a ready message as a command.
func Cmd(msg tea.Msg) tea.Cmd { return func() tea.Msg { return msg } }
