package datasets

import (
	"github.com/charmbracelet/bubbles/key"

	"github.com/lathe-ml/lathe/tui/common"
)

// KeyMap is the datasets pane's keys.
type KeyMap struct {
	Up, Down, PageUp, PageDown, Left, Right key.Binding
	// Switch moves between the datasets, versions, columns and runs.
	Switch key.Binding
	// Open drills in: a dataset's versions, a version's rows, a run.
	Open key.Binding
	// Rows shows the selected version's first rows.
	Rows key.Binding
	// Mark marks a version to diff against; Diff compares.
	Mark, Diff key.Binding
	// OpenRun opens the selected run (in the runs list).
	OpenRun key.Binding
	Reload  key.Binding
	// Close leaves the rows or diff view.
	Close key.Binding
	// Typing a filter.
	FilterDone, FilterCancel key.Binding
}

// DefaultKeyMap returns the default bindings.
func DefaultKeyMap() *KeyMap {
	return &KeyMap{
		Up:           key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		Down:         key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		PageUp:       key.NewBinding(key.WithKeys("pgup"), key.WithHelp("pgup", "page up")),
		PageDown:     key.NewBinding(key.WithKeys("pgdown"), key.WithHelp("pgdn", "page down")),
		Left:         key.NewBinding(key.WithKeys("left", "h"), key.WithHelp("←/h", "columns left")),
		Right:        key.NewBinding(key.WithKeys("right", "l"), key.WithHelp("→/l", "columns right")),
		Switch:       key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "datasets → versions → columns → runs")),
		Open:         key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "open")),
		Rows:         key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "rows of the version")),
		Mark:         key.NewBinding(key.WithKeys(" "), key.WithHelp("space", "mark version for diff")),
		Diff:         key.NewBinding(key.WithKeys("d"), key.WithHelp("d", "diff with marked (or previous) version")),
		OpenRun:      key.NewBinding(key.WithKeys("o"), key.WithHelp("o", "open the run")),
		Reload:       key.NewBinding(key.WithKeys("ctrl+r"), key.WithHelp("ctrl+r", "reload")),
		Close:        key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "close"), key.WithDisabled()),
		FilterDone:   key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "apply filter"), key.WithDisabled()),
		FilterCancel: key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel filter"), key.WithDisabled()),
	}
}

// Actions names the bindings for key overrides.
func (k *KeyMap) Actions() []common.Action {
	return []common.Action{
		common.Act("data.up", &k.Up), common.Act("data.down", &k.Down),
		common.Act("data.page_up", &k.PageUp), common.Act("data.page_down", &k.PageDown),
		common.Act("data.left", &k.Left), common.Act("data.right", &k.Right),
		common.Act("data.switch", &k.Switch), common.Act("data.open", &k.Open), common.Act("data.rows", &k.Rows),
		common.Act("data.mark", &k.Mark), common.Act("data.diff", &k.Diff), common.Act("data.open_run", &k.OpenRun),
		common.Act("data.reload", &k.Reload),
	}
}

// keyState is what the pane is doing, for enabling keys.
type keyState struct {
	typing   bool // the filter input has focus
	overlay  bool // the rows or diff view is open
	scrollX  bool // the overlay scrolls sideways
	version  bool // a version is selected
	onRuns   bool // the runs list has the cursor and a run
	switches bool // there is somewhere for tab to go
}

// mode enables what can be done now.
func (k *KeyMap) mode(s keyState) {
	normal := !s.typing && !s.overlay
	for _, b := range []*key.Binding{&k.Up, &k.Down, &k.PageUp, &k.PageDown} {
		b.SetEnabled(!s.typing)
	}
	k.Left.SetEnabled(s.overlay && s.scrollX)
	k.Right.SetEnabled(s.overlay && s.scrollX)
	k.Switch.SetEnabled(normal && s.switches)
	k.Open.SetEnabled(normal)
	k.Rows.SetEnabled(normal && s.version)
	k.Mark.SetEnabled(normal && s.version)
	k.Diff.SetEnabled(normal && s.version)
	k.OpenRun.SetEnabled(normal && s.onRuns)
	k.Reload.SetEnabled(!s.typing)
	k.Close.SetEnabled(s.overlay && !s.typing)
	k.FilterDone.SetEnabled(s.typing)
	k.FilterCancel.SetEnabled(s.typing)
}

// ShortHelp is the one-line help.
func (k *KeyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Switch, k.Rows, k.Mark, k.Diff, k.OpenRun, k.Close, k.FilterDone, k.FilterCancel}
}

// FullHelp groups every binding for the `?` screen.
func (k *KeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Up, k.Down, k.PageUp, k.PageDown, k.Left, k.Right, k.Switch},
		{k.Open, k.Rows, k.Mark, k.Diff, k.OpenRun, k.Reload, k.Close},
		{k.FilterDone, k.FilterCancel},
	}
}
