package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// ProjectDir is the name of a project-local store directory, found by
// walking up from the working directory as git finds .git.
const ProjectDir = ".lathe"

// Location says where a store is and why it was chosen.
type Location struct {
	Dir    string
	Reason string // "--store", "LATHE_STORE", "project", "user"
}

// Locate picks the store directory: flag (--store) first, then env
// (LATHE_STORE), then the nearest .lathe/ in cwd or a parent, then
// $XDG_DATA_HOME/lathe (default ~/.local/share/lathe). getenv is passed in so
// tests need not touch the process environment.
func Locate(flag, cwd string, getenv func(string) string) (Location, error) {
	abs := func(p string) string {
		if filepath.IsAbs(p) {
			return filepath.Clean(p)
		}
		return filepath.Join(cwd, p)
	}
	if flag != "" {
		return Location{abs(flag), "--store"}, nil
	}
	if env := getenv("LATHE_STORE"); env != "" {
		return Location{abs(env), "LATHE_STORE"}, nil
	}
	for dir := cwd; ; {
		cand := filepath.Join(dir, ProjectDir)
		if fi, err := os.Stat(cand); err == nil && fi.IsDir() {
			return Location{cand, "project"}, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			break
		}
		dir = parent
	}
	data := getenv("XDG_DATA_HOME")
	if data == "" {
		home := getenv("HOME")
		if home == "" {
			h, err := os.UserHomeDir()
			if err != nil {
				return Location{}, errors.New("cannot find a store: no --store, LATHE_STORE, .lathe/ or home directory")
			}
			home = h
		}
		data = filepath.Join(home, ".local", "share")
	}
	return Location{filepath.Join(data, "lathe"), "user"}, nil
}

// Init creates a project store directory .lathe/ in dir and returns its path.
// It is not an error when one exists already.
func Init(dir string) (string, error) {
	p := filepath.Join(dir, ProjectDir)
	if err := os.MkdirAll(filepath.Join(p, ObjectsDir), 0o755); err != nil {
		return "", fmt.Errorf("create %s: %w", p, err)
	}
	return p, nil
}
