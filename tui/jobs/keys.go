package jobs

import (
	"github.com/charmbracelet/bubbles/key"

	"github.com/lathe-ml/lathe/tui/common"
)

// KeyMap is the jobs pane's keys.
type KeyMap struct {
	Up, Down, Open, Cancel, Reload key.Binding
	// Confirming a cancel.
	Yes, No key.Binding
}

// DefaultKeyMap returns the default bindings.
func DefaultKeyMap() *KeyMap {
	return &KeyMap{
		Up:     key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		Down:   key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		Open:   key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "open the job's run")),
		Cancel: key.NewBinding(key.WithKeys("x"), key.WithHelp("x", "cancel the job")),
		Reload: key.NewBinding(key.WithKeys("r", "ctrl+r"), key.WithHelp("r", "reload")),
		Yes:    key.NewBinding(key.WithKeys("y"), key.WithHelp("y", "confirm"), key.WithDisabled()),
		No:     key.NewBinding(key.WithKeys("n", "esc"), key.WithHelp("n/esc", "do not"), key.WithDisabled()),
	}
}

// Actions names the bindings for key overrides.
func (k *KeyMap) Actions() []common.Action {
	return []common.Action{
		common.Act("jobs.up", &k.Up), common.Act("jobs.down", &k.Down), common.Act("jobs.open", &k.Open),
		common.Act("jobs.cancel", &k.Cancel), common.Act("jobs.reload", &k.Reload),
	}
}

// mode enables what can be done now.
func (k *KeyMap) mode(confirming, selected, active bool) {
	for _, b := range []*key.Binding{&k.Up, &k.Down, &k.Reload} {
		b.SetEnabled(!confirming)
	}
	k.Open.SetEnabled(!confirming && selected)
	k.Cancel.SetEnabled(!confirming && active)
	k.Yes.SetEnabled(confirming)
	k.No.SetEnabled(confirming)
}

// ShortHelp is the one-line help.
func (k *KeyMap) ShortHelp() []key.Binding { return []key.Binding{k.Open, k.Cancel} }

// FullHelp groups every binding for the `?` screen.
func (k *KeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{{k.Up, k.Down, k.Open, k.Cancel, k.Reload}, {k.Yes, k.No}}
}
