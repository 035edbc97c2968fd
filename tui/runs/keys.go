package runs

import (
	"github.com/charmbracelet/bubbles/key"

	"github.com/lathe-ml/lathe/tui/common"
)

// KeyMap is the runs pane's keys.
type KeyMap struct {
	Up, Down, PageUp, PageDown, Top, Bottom key.Binding
	Left, Right                             key.Binding
	Open, Mark, Pin, Compare, ClearMarks    key.Binding
	Sort, Columns, Fold, Export, Switch     key.Binding
	Refresh                                 key.Binding
	// Picker keys, enabled while the column picker is open.
	PickToggle, PickAuto, PickClose key.Binding
	// Filter keys, enabled while the filter input has focus.
	FilterApply, FilterCancel key.Binding
}

// DefaultKeyMap returns the default bindings.
func DefaultKeyMap() *KeyMap {
	return &KeyMap{
		Up:           key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		Down:         key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		PageUp:       key.NewBinding(key.WithKeys("pgup", "ctrl+b"), key.WithHelp("pgup", "page up")),
		PageDown:     key.NewBinding(key.WithKeys("pgdown", "ctrl+f"), key.WithHelp("pgdn", "page down")),
		Top:          key.NewBinding(key.WithKeys("home", "g"), key.WithHelp("g/home", "first run")),
		Bottom:       key.NewBinding(key.WithKeys("end", "G"), key.WithHelp("G/end", "last run")),
		Left:         key.NewBinding(key.WithKeys("left", "h"), key.WithHelp("←/h", "column left")),
		Right:        key.NewBinding(key.WithKeys("right", "l"), key.WithHelp("→/l", "column right")),
		Open:         key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "open run")),
		Mark:         key.NewBinding(key.WithKeys(" "), key.WithHelp("space", "mark run")),
		Pin:          key.NewBinding(key.WithKeys("p"), key.WithHelp("p", "pin run on top")),
		Compare:      key.NewBinding(key.WithKeys("c"), key.WithHelp("c", "compare marked")),
		ClearMarks:   key.NewBinding(key.WithKeys("x"), key.WithHelp("x", "clear marks")),
		Sort:         key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "sort by column")),
		Columns:      key.NewBinding(key.WithKeys("C"), key.WithHelp("C", "choose columns")),
		Fold:         key.NewBinding(key.WithKeys("o"), key.WithHelp("o", "fold/unfold children")),
		Export:       key.NewBinding(key.WithKeys("e"), key.WithHelp("e", "export CSV")),
		Switch:       key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "experiments/runs")),
		Refresh:      key.NewBinding(key.WithKeys("r", "ctrl+r"), key.WithHelp("r", "reload")),
		PickToggle:   key.NewBinding(key.WithKeys(" ", "x"), key.WithHelp("space", "show/hide column"), key.WithDisabled()),
		PickAuto:     key.NewBinding(key.WithKeys("a"), key.WithHelp("a", "automatic columns"), key.WithDisabled()),
		PickClose:    key.NewBinding(key.WithKeys("enter", "C"), key.WithHelp("enter", "close picker"), key.WithDisabled()),
		FilterApply:  key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "apply filter"), key.WithDisabled()),
		FilterCancel: key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel filter"), key.WithDisabled()),
	}
}

// Actions names the bindings for key overrides ("runs.sort").
func (k *KeyMap) Actions() []common.Action {
	return []common.Action{
		common.Act("runs.up", &k.Up), common.Act("runs.down", &k.Down), common.Act("runs.page_up", &k.PageUp), common.Act("runs.page_down", &k.PageDown),
		common.Act("runs.top", &k.Top), common.Act("runs.bottom", &k.Bottom), common.Act("runs.left", &k.Left), common.Act("runs.right", &k.Right),
		common.Act("runs.open", &k.Open), common.Act("runs.mark", &k.Mark), common.Act("runs.pin", &k.Pin), common.Act("runs.compare", &k.Compare),
		common.Act("runs.clear_marks", &k.ClearMarks), common.Act("runs.sort", &k.Sort), common.Act("runs.columns", &k.Columns),
		common.Act("runs.fold", &k.Fold), common.Act("runs.export", &k.Export), common.Act("runs.switch", &k.Switch), common.Act("runs.refresh", &k.Refresh),
	}
}

// mode enables the bindings of the current mode only, so help shows what
// works now.
func (k *KeyMap) mode(picking, filtering bool) {
	normal := !picking && !filtering
	for _, b := range []*key.Binding{&k.Open, &k.Mark, &k.Pin, &k.Compare, &k.ClearMarks, &k.Sort,
		&k.Columns, &k.Fold, &k.Export, &k.Switch, &k.Refresh, &k.Left, &k.Right, &k.PageUp, &k.PageDown, &k.Top, &k.Bottom} {
		b.SetEnabled(normal)
	}
	k.Up.SetEnabled(!filtering)
	k.Down.SetEnabled(!filtering)
	k.PickToggle.SetEnabled(picking)
	k.PickAuto.SetEnabled(picking)
	k.PickClose.SetEnabled(picking)
	k.FilterApply.SetEnabled(filtering)
	k.FilterCancel.SetEnabled(filtering)
}

// ShortHelp is the one-line help.
func (k *KeyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Open, k.Mark, k.Compare, k.Sort, k.Columns}
}

// FullHelp groups every binding for the `?` screen.
func (k *KeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom, k.Left, k.Right, k.Switch},
		{k.Open, k.Mark, k.Pin, k.ClearMarks, k.Compare, k.Fold, k.Sort, k.Columns, k.Export, k.Refresh},
		{k.PickToggle, k.PickAuto, k.PickClose, k.FilterApply, k.FilterCancel},
	}
}
