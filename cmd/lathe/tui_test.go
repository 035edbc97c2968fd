package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestTUIHelpAndBareLathe(t *testing.T) {
	h := newHarness(t)
	r := h.ok("--help")
	if !strings.Contains(r.stdout, "opens the workbench") || !strings.Contains(r.stdout, "--theme") {
		t.Errorf("lathe --help should mention the workbench and --theme:\n%s", r.stdout)
	}
	h.tty = true // stdout a terminal, stdin not: still help, never a half-started TUI
	if r := h.ok(); !strings.Contains(r.stdout, "Usage:") {
		t.Errorf("bare lathe without a terminal on stdin should print help, got %q", r.stdout)
	}
	if r := h.ok("tui", "--help"); !strings.Contains(r.stdout, "config.json") {
		t.Errorf("lathe tui --help should document the config file:\n%s", r.stdout)
	}
}

func TestTUINeedsATerminal(t *testing.T) {
	h := newHarness(t)
	h.fails(1, []string{"tui"}, "needs a terminal")
}

func TestTUIConfigErrors(t *testing.T) {
	h := newHarness(t)
	h.fails(1, []string{"tui", "--theme", "neon"}, `unknown theme "neon"`, "dark, high-contrast, light")
	dir := mkdir(t, h.env["HOME"], ".config", "lathe")
	cfg := filepath.Join(dir, "config.json")
	write := func(s string) {
		if err := os.WriteFile(cfg, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(`{"theme": "light", "colour": "x"}`)
	h.fails(1, []string{"tui"}, cfg, `unknown field "colour"`)
	write(`{"keys": {"runs.sortt": ["S"]}}`)
	h.fails(1, []string{"tui"}, "unknown key action runs.sortt")
	write(`{"theme": "mine"}`)
	h.fails(1, []string{"tui"}, `unknown theme "mine"`)
	// A user theme in the config directory, validated on load.
	mkdir(t, dir, "themes")
	if err := os.WriteFile(filepath.Join(dir, "themes", "mine.json"), []byte(`{"name":"mine","colors":{}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	h.fails(1, []string{"tui"}, "colors.accent: missing")
	// A good config passes validation and stops only at the terminal check.
	write(`{"theme": "light", "keys": {"quit": ["ctrl+q"]}}`)
	h.fails(1, []string{"tui"}, "needs a terminal")
}
