package detail

import (
	"github.com/charmbracelet/bubbles/key"

	"github.com/lathe-ml/lathe/tui/common"
)

// KeyMap is the detail pane's keys.
type KeyMap struct {
	Up, Down, PageUp, PageDown, Top, Bottom key.Binding
	EditNotes, Reload                       key.Binding
	// The artifacts tree and preview.
	Artifacts, OpenArtifact, GitDiff key.Binding
	// Editing notes.
	Save, Cancel key.Binding
	// Typing a filter.
	FilterDone key.Binding

	browsing bool // the artifacts tree has the cursor: enter expands/previews
}

// DefaultKeyMap returns the default bindings.
func DefaultKeyMap() *KeyMap {
	return &KeyMap{
		Up:           key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "scroll up")),
		Down:         key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "scroll down")),
		PageUp:       key.NewBinding(key.WithKeys("pgup", "ctrl+b"), key.WithHelp("pgup", "page up")),
		PageDown:     key.NewBinding(key.WithKeys("pgdown", "ctrl+f", " "), key.WithHelp("pgdn", "page down")),
		Top:          key.NewBinding(key.WithKeys("home", "g"), key.WithHelp("g/home", "top")),
		Bottom:       key.NewBinding(key.WithKeys("end", "G"), key.WithHelp("G/end", "bottom")),
		EditNotes:    key.NewBinding(key.WithKeys("n"), key.WithHelp("n", "edit notes")),
		Reload:       key.NewBinding(key.WithKeys("r", "ctrl+r"), key.WithHelp("r", "reload")),
		Artifacts:    key.NewBinding(key.WithKeys("a"), key.WithHelp("a", "browse artifacts")),
		OpenArtifact: key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "expand/preview artifact"), key.WithDisabled()),
		GitDiff:      key.NewBinding(key.WithKeys("D"), key.WithHelp("D", "preview git diff")),
		Save:         key.NewBinding(key.WithKeys("ctrl+s"), key.WithHelp("ctrl+s", "save notes"), key.WithDisabled()),
		Cancel:       key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel editing"), key.WithDisabled()),
		FilterDone:   key.NewBinding(key.WithKeys("enter", "esc"), key.WithHelp("enter", "keep filter"), key.WithDisabled()),
	}
}

// Actions names the bindings for key overrides.
func (k *KeyMap) Actions() []common.Action {
	return []common.Action{
		common.Act("run.up", &k.Up), common.Act("run.down", &k.Down), common.Act("run.page_up", &k.PageUp),
		common.Act("run.page_down", &k.PageDown), common.Act("run.top", &k.Top), common.Act("run.bottom", &k.Bottom),
		common.Act("run.edit_notes", &k.EditNotes), common.Act("run.reload", &k.Reload),
		common.Act("run.save_notes", &k.Save), common.Act("run.artifacts", &k.Artifacts),
		common.Act("run.open_artifact", &k.OpenArtifact), common.Act("run.git_diff", &k.GitDiff),
	}
}

func (k *KeyMap) mode(editing, filtering bool, loaded bool) {
	normal := !editing && !filtering
	for _, b := range []*key.Binding{&k.Up, &k.Down, &k.PageUp, &k.PageDown, &k.Top, &k.Bottom, &k.Reload} {
		b.SetEnabled(normal && loaded)
	}
	k.EditNotes.SetEnabled(normal && loaded)
	k.Artifacts.SetEnabled(normal && loaded)
	k.GitDiff.SetEnabled(normal && loaded)
	k.OpenArtifact.SetEnabled(normal && loaded && k.browsing)
	k.Save.SetEnabled(editing)
	k.Cancel.SetEnabled(editing)
	k.FilterDone.SetEnabled(filtering)
}

// ShortHelp is the one-line help.
func (k *KeyMap) ShortHelp() []key.Binding { return []key.Binding{k.EditNotes, k.Reload} }

// FullHelp groups every binding for the `?` screen.
func (k *KeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom},
		{k.EditNotes, k.Save, k.Cancel, k.Reload, k.FilterDone},
		{k.Artifacts, k.OpenArtifact, k.GitDiff},
	}
}
