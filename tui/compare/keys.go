package compare

import (
	"github.com/charmbracelet/bubbles/key"

	"github.com/lathe-ml/lathe/tui/common"
)

// KeyMap is the compare pane's keys.
type KeyMap struct {
	Up, Down, Left, Right, Switch key.Binding
	AllParams, Stat, AtStep       key.Binding
	XAxis, LogScale, Smooth       key.Binding
	Open, Reload                  key.Binding
	FilterDone                    key.Binding
	// StepDone closes the step input (enter sets the step, esc cancels).
	StepDone key.Binding
}

// DefaultKeyMap returns the default bindings.
func DefaultKeyMap() *KeyMap {
	return &KeyMap{
		Up:         key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		Down:       key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down (chart follows metric)")),
		Left:       key.NewBinding(key.WithKeys("left", "h"), key.WithHelp("←/h", "run column left")),
		Right:      key.NewBinding(key.WithKeys("right", "l"), key.WithHelp("→/l", "run column right")),
		Switch:     key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "params/metrics")),
		AllParams:  key.NewBinding(key.WithKeys("a"), key.WithHelp("a", "all/differing params")),
		Stat:       key.NewBinding(key.WithKeys("v"), key.WithHelp("v", "last/min/max/at step")),
		AtStep:     key.NewBinding(key.WithKeys("@"), key.WithHelp("@", "value at step…")),
		XAxis:      key.NewBinding(key.WithKeys("x"), key.WithHelp("x", "x axis: step/time")),
		LogScale:   key.NewBinding(key.WithKeys("L"), key.WithHelp("L", "log scale")),
		Smooth:     key.NewBinding(key.WithKeys("S"), key.WithHelp("S", "smoothing")),
		Open:       key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "open run of column")),
		Reload:     key.NewBinding(key.WithKeys("r", "ctrl+r"), key.WithHelp("r", "reload")),
		FilterDone: key.NewBinding(key.WithKeys("enter", "esc"), key.WithHelp("enter", "keep filter"), key.WithDisabled()),
		StepDone:   key.NewBinding(key.WithKeys("enter", "esc"), key.WithHelp("enter/esc", "set step/cancel"), key.WithDisabled()),
	}
}

// Actions names the bindings for key overrides.
func (k *KeyMap) Actions() []common.Action {
	return []common.Action{
		common.Act("compare.up", &k.Up), common.Act("compare.down", &k.Down),
		common.Act("compare.left", &k.Left), common.Act("compare.right", &k.Right),
		common.Act("compare.switch", &k.Switch), common.Act("compare.all_params", &k.AllParams),
		common.Act("compare.stat", &k.Stat), common.Act("compare.at_step", &k.AtStep), common.Act("compare.x_axis", &k.XAxis),
		common.Act("compare.log_scale", &k.LogScale), common.Act("compare.smooth", &k.Smooth),
		common.Act("compare.open", &k.Open), common.Act("compare.reload", &k.Reload),
	}
}

func (k *KeyMap) mode(filtering, loaded bool) {
	for _, b := range []*key.Binding{&k.Up, &k.Down, &k.Left, &k.Right, &k.Switch, &k.AllParams, &k.Stat, &k.AtStep,
		&k.XAxis, &k.LogScale, &k.Smooth, &k.Open, &k.Reload} {
		b.SetEnabled(!filtering && loaded)
	}
	k.FilterDone.SetEnabled(filtering)
	k.StepDone.SetEnabled(false)
}

// ShortHelp is the one-line help.
func (k *KeyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Switch, k.AllParams, k.XAxis, k.LogScale, k.Smooth}
}

// FullHelp groups every binding for the `?` screen.
func (k *KeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Up, k.Down, k.Left, k.Right, k.Switch, k.Open},
		{k.AllParams, k.Stat, k.AtStep, k.XAxis, k.LogScale, k.Smooth, k.Reload, k.FilterDone, k.StepDone},
	}
}
