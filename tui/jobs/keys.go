package jobs

import (
	"github.com/charmbracelet/bubbles/key"

	"github.com/lathe-ml/lathe/tui/common"
)

// KeyMap is the jobs pane's keys.
type KeyMap struct {
	Up, Down, Open, Cancel, Reload, Rerun key.Binding
	// Confirming a cancel.
	Yes, No key.Binding
	// In the re-run form.
	FormNext, FormPrev, FormSubmit, FormCancel key.Binding
	// Typing a filter (`/`, the root's key): enter keeps it, esc clears it.
	FilterDone key.Binding
}

// DefaultKeyMap returns the default bindings.
func DefaultKeyMap() *KeyMap {
	return &KeyMap{
		Up:     key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		Down:   key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		Open:   key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "open the job's run")),
		Cancel: key.NewBinding(key.WithKeys("x"), key.WithHelp("x", "cancel the job")),
		Reload: key.NewBinding(key.WithKeys("r", "ctrl+r"), key.WithHelp("r", "reload")),
		Rerun:  key.NewBinding(key.WithKeys("R"), key.WithHelp("R", "re-run with edited params")),
		Yes:    key.NewBinding(key.WithKeys("y"), key.WithHelp("y", "confirm"), key.WithDisabled()),
		No:     key.NewBinding(key.WithKeys("n", "esc"), key.WithHelp("n/esc", "do not"), key.WithDisabled()),

		FormNext:   key.NewBinding(key.WithKeys("tab", "down"), key.WithHelp("tab", "next param"), key.WithDisabled()),
		FormPrev:   key.NewBinding(key.WithKeys("shift+tab", "up"), key.WithHelp("shift+tab", "previous param"), key.WithDisabled()),
		FormSubmit: key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "launch the re-run"), key.WithDisabled()),
		FormCancel: key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel"), key.WithDisabled()),
		FilterDone: key.NewBinding(key.WithKeys("enter", "esc"), key.WithHelp("enter/esc", "keep/clear filter"), key.WithDisabled()),
	}
}

// Actions names the bindings for key overrides.
func (k *KeyMap) Actions() []common.Action {
	return []common.Action{
		common.Act("jobs.up", &k.Up), common.Act("jobs.down", &k.Down), common.Act("jobs.open", &k.Open),
		common.Act("jobs.cancel", &k.Cancel), common.Act("jobs.reload", &k.Reload), common.Act("jobs.rerun", &k.Rerun),
	}
}

// mode enables what can be done now.
func (k *KeyMap) mode(confirming, form, filtering, selected, active bool) {
	idle := !confirming && !form && !filtering
	for _, b := range []*key.Binding{&k.Up, &k.Down, &k.Reload} {
		b.SetEnabled(idle)
	}
	k.Open.SetEnabled(idle && selected)
	k.Rerun.SetEnabled(idle && selected)
	k.Cancel.SetEnabled(idle && active)
	k.Yes.SetEnabled(confirming)
	k.No.SetEnabled(confirming)
	k.FilterDone.SetEnabled(filtering)
	for _, b := range []*key.Binding{&k.FormNext, &k.FormPrev, &k.FormSubmit, &k.FormCancel} {
		b.SetEnabled(form)
	}
}

// ShortHelp is the one-line help.
func (k *KeyMap) ShortHelp() []key.Binding {
	if k.FormSubmit.Enabled() {
		return []key.Binding{k.FormNext, k.FormSubmit, k.FormCancel}
	}
	return []key.Binding{k.Open, k.Cancel, k.Rerun}
}

// FullHelp groups every binding for the `?` screen.
func (k *KeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{{k.Up, k.Down, k.Open, k.Cancel, k.Rerun, k.Reload}, {k.Yes, k.No, k.FilterDone},
		{k.FormNext, k.FormPrev, k.FormSubmit, k.FormCancel}}
}
