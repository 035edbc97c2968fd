package tui

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/lathe-ml/lathe/tui/common"
	"github.com/lathe-ml/lathe/tui/compare"
	"github.com/lathe-ml/lathe/tui/detail"
	"github.com/lathe-ml/lathe/tui/runs"
)

// Config is the TUI's config file, $XDG_CONFIG_HOME/lathe/config.json
// (~/.config/lathe/config.json):
//
//	{
//	  "theme": "light",
//	  "keys": {"quit": ["q", "ctrl+q"], "runs.sort": ["S"], "copy": []}
//	}
//
// keys rebinds actions by name; an empty list unbinds one. Unknown fields
// and actions are errors, so a typo never passes silently.
type Config struct {
	Theme string              `json:"theme,omitempty"`
	Keys  map[string][]string `json:"keys,omitempty"`
}

// ConfigDir is lathe's config directory: $XDG_CONFIG_HOME/lathe, else
// ~/.config/lathe ("" when neither is known).
func ConfigDir(getenv func(string) string) string {
	if d := getenv("XDG_CONFIG_HOME"); d != "" && filepath.IsAbs(d) {
		return filepath.Join(d, "lathe")
	}
	if h := getenv("HOME"); h != "" {
		return filepath.Join(h, ".config", "lathe")
	}
	return ""
}

// StateDir is where the TUI's log goes: $XDG_STATE_HOME/lathe, else
// ~/.local/state/lathe ("" when neither is known).
func StateDir(getenv func(string) string) string {
	if d := getenv("XDG_STATE_HOME"); d != "" && filepath.IsAbs(d) {
		return filepath.Join(d, "lathe")
	}
	if h := getenv("HOME"); h != "" {
		return filepath.Join(h, ".local", "state", "lathe")
	}
	return ""
}

// LoadConfig reads the config file at path; a missing file is an empty
// config. Returns an error naming the file for bad JSON or unknown fields.
func LoadConfig(path string) (Config, error) {
	var c Config
	if path == "" {
		return c, nil
	}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return c, nil
	}
	if err != nil {
		return c, fmt.Errorf("config %s: %w", path, err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return c, fmt.Errorf("config %s: %w", path, err)
	}
	return c, nil
}

// CheckKeys reports an error for key overrides that name unknown actions,
// without building a workbench (the CLI checks before taking the terminal).
func CheckKeys(keys map[string][]string) error {
	return common.ApplyOverrides(keys, common.NewGlobalKeys(), runs.DefaultKeyMap(), detail.DefaultKeyMap(), compare.DefaultKeyMap())
}
