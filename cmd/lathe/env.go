package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/lathe-ml/lathe/store"
)

// Env is everything a command reads from or writes to the outside world.
// main fills it from the process; tests fill it with buffers, a temporary
// working directory and a map-backed Getenv so commands run in-process.
type Env struct {
	Stdout io.Writer
	Stderr io.Writer
	Stdin  io.Reader
	// Getenv reads an environment variable ("" when unset).
	Getenv func(string) string
	// Cwd is the working directory, where .lathe/ is looked for and created.
	Cwd string
	// Now is the wall clock; nil means time.Now.
	Now func() time.Time
	// Location is the time zone of human output; nil means time.Local.
	Location *time.Location
	// IsTerminal reports whether w is an interactive terminal; nil means
	// checking whether w is an *os.File on a character device.
	IsTerminal func(w io.Writer) bool
}

// processEnv is the Env of the running process.
func processEnv() *Env {
	cwd, err := os.Getwd()
	if err != nil {
		cwd = "."
	}
	return &Env{Stdout: os.Stdout, Stderr: os.Stderr, Stdin: os.Stdin, Getenv: os.Getenv, Cwd: cwd}
}

func (e *Env) now() time.Time {
	if e.Now != nil {
		return e.Now()
	}
	return time.Now()
}

func (e *Env) loc() *time.Location {
	if e.Location != nil {
		return e.Location
	}
	return time.Local
}

func (e *Env) getenv(k string) string {
	if e.Getenv == nil {
		return ""
	}
	return e.Getenv(k)
}

func (e *Env) isTerminal(w io.Writer) bool {
	if e.IsTerminal != nil {
		return e.IsTerminal(w)
	}
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// app is the state one invocation shares between its commands: the
// environment and the global flags. It is built per invocation, never global.
type app struct {
	env       *Env
	storeFlag string
	json      bool
	noColor   bool
}

// colour decides whether human output may use ANSI escapes: not with
// --no-color or --json, not when NO_COLOR is set to anything, not when TERM
// is "dumb", and only when stdout is a terminal.
func (a *app) colour() bool {
	if a.noColor || a.json || a.env.getenv("NO_COLOR") != "" || a.env.getenv("TERM") == "dumb" {
		return false
	}
	return a.env.isTerminal(a.env.Stdout)
}

// style returns the styler that matches the colour decision.
func (a *app) style() style { return style{on: a.colour()} }

// locate finds the store directory by the documented precedence. Relative
// --store and LATHE_STORE paths are taken from Env.Cwd (store.Locate would
// resolve them against the process's working directory).
func (a *app) locate() (store.Location, error) {
	abs := func(p string) string {
		if p != "" && !filepath.IsAbs(p) && a.env.Cwd != "" {
			return filepath.Join(a.env.Cwd, p)
		}
		return p
	}
	getenv := func(k string) string {
		if k == "LATHE_STORE" {
			return abs(a.env.getenv(k))
		}
		return a.env.getenv(k)
	}
	return store.Locate(abs(a.storeFlag), a.env.Cwd, getenv)
}

// open locates and opens the store. The caller closes it.
func (a *app) open(ctx context.Context) (*store.Store, error) {
	loc, err := a.locate()
	if err != nil {
		return nil, err
	}
	st, err := store.Open(ctx, loc.Dir, store.Options{})
	if err != nil {
		return nil, fmt.Errorf("open store %s (chosen by %s): %w", loc.Dir, loc.Reason, err)
	}
	return st, nil
}

// withStore opens the store, runs fn and closes the store, keeping the first
// error.
func (a *app) withStore(ctx context.Context, fn func(st *store.Store) error) (err error) {
	st, err := a.open(ctx)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, st.Close()) }()
	return fn(st)
}

// withRun opens the store, resolves ref (an id, unique id prefix or run
// name) and runs fn with both.
func (a *app) withRun(ctx context.Context, ref string, fn func(st *store.Store, r *store.Run) error) error {
	return a.withStore(ctx, func(st *store.Store) error {
		r, err := st.ResolveRun(ctx, ref)
		if err != nil {
			return err
		}
		return fn(st, r)
	})
}

// openExisting opens the store only when it already holds a database; shell
// completion uses it so that pressing TAB never creates a store.
func (a *app) openExisting(ctx context.Context) (*store.Store, bool) {
	loc, err := a.locate()
	if err != nil {
		return nil, false
	}
	if _, err := os.Stat(filepath.Join(loc.Dir, store.DBFile)); err != nil {
		return nil, false
	}
	st, err := store.Open(ctx, loc.Dir, store.Options{})
	if err != nil {
		return nil, false
	}
	return st, true
}
