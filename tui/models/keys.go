package models

import (
	"github.com/charmbracelet/bubbles/key"

	"github.com/lathe-ml/lathe/tui/common"
)

// KeyMap is the models pane's keys.
type KeyMap struct {
	Up, Down, Switch, Open, Alias, Reload key.Binding
	// Typing an alias name.
	AliasDone, AliasCancel key.Binding
	// Confirming an alias move.
	Yes, No key.Binding
	// Typing a filter (`/`, the root's key): enter keeps it, esc clears it.
	FilterDone key.Binding
}

// DefaultKeyMap returns the default bindings.
func DefaultKeyMap() *KeyMap {
	return &KeyMap{
		Up:          key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		Down:        key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		Switch:      key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "models ↔ versions")),
		Open:        key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "open the version's run")),
		Alias:       key.NewBinding(key.WithKeys("a"), key.WithHelp("a", "set or move an alias")),
		Reload:      key.NewBinding(key.WithKeys("r", "ctrl+r"), key.WithHelp("r", "reload")),
		AliasDone:   key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "use alias"), key.WithDisabled()),
		AliasCancel: key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel"), key.WithDisabled()),
		Yes:         key.NewBinding(key.WithKeys("y"), key.WithHelp("y", "confirm"), key.WithDisabled()),
		No:          key.NewBinding(key.WithKeys("n", "esc"), key.WithHelp("n/esc", "do not"), key.WithDisabled()),
		FilterDone:  key.NewBinding(key.WithKeys("enter", "esc"), key.WithHelp("enter/esc", "keep/clear filter"), key.WithDisabled()),
	}
}

// Actions names the bindings for key overrides.
func (k *KeyMap) Actions() []common.Action {
	return []common.Action{
		common.Act("models.up", &k.Up), common.Act("models.down", &k.Down), common.Act("models.switch", &k.Switch),
		common.Act("models.open", &k.Open), common.Act("models.alias", &k.Alias), common.Act("models.reload", &k.Reload),
	}
}

// mode enables what can be done now: normal, typing an alias or a filter,
// or confirming.
func (k *KeyMap) mode(typing, confirming, filtering, versions bool) {
	normal := !typing && !confirming && !filtering
	for _, b := range []*key.Binding{&k.Up, &k.Down, &k.Switch, &k.Reload} {
		b.SetEnabled(normal)
	}
	k.Open.SetEnabled(normal && versions)
	k.Alias.SetEnabled(normal && versions)
	k.AliasDone.SetEnabled(typing)
	k.AliasCancel.SetEnabled(typing)
	k.Yes.SetEnabled(confirming)
	k.No.SetEnabled(confirming)
	k.FilterDone.SetEnabled(filtering)
}

// ShortHelp is the one-line help.
func (k *KeyMap) ShortHelp() []key.Binding { return []key.Binding{k.Switch, k.Alias, k.Open} }

// FullHelp groups every binding for the `?` screen.
func (k *KeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Up, k.Down, k.Switch, k.Open, k.Alias, k.Reload},
		{k.AliasDone, k.AliasCancel, k.Yes, k.No, k.FilterDone},
	}
}
