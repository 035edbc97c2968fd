package common

import (
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/charmbracelet/bubbles/key"
)

// Action names one key binding for the config file's key overrides, e.g.
// "quit" or "runs.sort" (lazygit's keybinding config works the same way).
type Action struct {
	Name    string
	Binding *key.Binding
}

// Actioner is a key map whose bindings users may rebind by name.
type Actioner interface {
	Actions() []Action
}

// GlobalKeys work in every pane.
type GlobalKeys struct {
	Quit      key.Binding
	ForceQuit key.Binding
	Help      key.Binding
	Palette   key.Binding
	Filter    key.Binding
	Back      key.Binding
	Copy      key.Binding
	Runs      key.Binding
	Run       key.Binding
	Compare   key.Binding
	Models    key.Binding
	Jobs      key.Binding
	Data      key.Binding
}

// NewGlobalKeys returns the default global bindings.
func NewGlobalKeys() *GlobalKeys {
	return &GlobalKeys{
		Quit:      key.NewBinding(key.WithKeys("q"), key.WithHelp("q", "quit")),
		ForceQuit: key.NewBinding(key.WithKeys("ctrl+c"), key.WithHelp("ctrl+c", "quit now")),
		Help:      key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "help")),
		Palette:   key.NewBinding(key.WithKeys(":"), key.WithHelp(":", "command")),
		Filter:    key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "filter")),
		Back:      key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back")),
		Copy:      key.NewBinding(key.WithKeys("y"), key.WithHelp("y", "copy run id")),
		Runs:      key.NewBinding(key.WithKeys("1"), key.WithHelp("1", "runs")),
		Run:       key.NewBinding(key.WithKeys("2"), key.WithHelp("2", "run detail")),
		Compare:   key.NewBinding(key.WithKeys("3"), key.WithHelp("3", "compare")),
		Models:    key.NewBinding(key.WithKeys("4"), key.WithHelp("4", "models")),
		Jobs:      key.NewBinding(key.WithKeys("5"), key.WithHelp("5", "jobs")),
		Data:      key.NewBinding(key.WithKeys("6"), key.WithHelp("6", "datasets")),
	}
}

// Actions lists the global bindings by action name.
func (k *GlobalKeys) Actions() []Action {
	return []Action{
		{"quit", &k.Quit}, {"force_quit", &k.ForceQuit}, {"help", &k.Help}, {"palette", &k.Palette},
		{"filter", &k.Filter}, {"back", &k.Back}, {"copy", &k.Copy},
		{"pane.runs", &k.Runs}, {"pane.run", &k.Run}, {"pane.compare", &k.Compare},
		{"pane.models", &k.Models}, {"pane.jobs", &k.Jobs}, {"pane.data", &k.Data},
	}
}

// ShortHelp is the global part of the one-line help.
func (k *GlobalKeys) ShortHelp() []key.Binding {
	return []key.Binding{k.Help, k.Palette, k.Quit}
}

// FullHelp groups the global bindings for the `?` screen.
func (k *GlobalKeys) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Runs, k.Run, k.Compare, k.Models, k.Jobs, k.Data},
		{k.Palette, k.Filter, k.Back, k.Copy, k.Help, k.Quit, k.ForceQuit},
	}
}

// SetTyping turns single-letter global keys off while a text input has
// focus (and back on after), so typing "q" in a filter does not quit.
func (k *GlobalKeys) SetTyping(typing bool) {
	for _, a := range k.Actions() {
		if isSingleChar(a.Binding.Keys()) {
			a.Binding.SetEnabled(!typing)
		}
	}
}

func isSingleChar(keys []string) bool {
	for _, s := range keys {
		if utf8.RuneCountInString(s) == 1 {
			return true
		}
	}
	return false
}

// ApplyOverrides rebinds actions by name: overrides maps an action name to
// its new keys (bubbletea key names: "q", "ctrl+r", "shift+tab"). The help
// text shows the new keys. Returns an error listing unknown action names and
// the known ones.
func ApplyOverrides(overrides map[string][]string, maps ...Actioner) error {
	byName := map[string]*key.Binding{}
	for _, m := range maps {
		for _, a := range m.Actions() {
			byName[a.Name] = a.Binding
		}
	}
	var unknown []string
	for name, keys := range overrides {
		b, ok := byName[name]
		if !ok {
			unknown = append(unknown, name)
			continue
		}
		if len(keys) == 0 {
			b.Unbind()
			b.SetEnabled(false)
			continue
		}
		b.SetKeys(keys...)
		b.SetHelp(strings.Join(keys, "/"), b.Help().Desc)
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		known := make([]string, 0, len(byName))
		for n := range byName {
			known = append(known, n)
		}
		sort.Strings(known)
		return fmt.Errorf("unknown key action %s (known: %s)", strings.Join(unknown, ", "), strings.Join(known, ", "))
	}
	return nil
}

// Act names a binding.
func Act(name string, b *key.Binding) Action { return Action{Name: name, Binding: b} }
