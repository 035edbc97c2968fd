package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/lathe-ml/lathe/store"
	"github.com/lathe-ml/lathe/themes"
	"github.com/lathe-ml/lathe/tui"
	"github.com/lathe-ml/lathe/tui/common"
)

const tuiLong = `Open lathe's workbench in the terminal: experiments and runs in a table you
can sort, filter with the query language and page through, the detail of one
run (params, metrics with sparklines, notes, command, git, artifacts), and a
comparison of marked runs with their metric curves overlaid. It follows the
store, so runs being logged update as you watch.

Press ? for the keys, : for commands (:runs, :compare, :run ID, :exp NAME,
:theme NAME, :q). Running lathe with no arguments on a terminal opens it too.

Themes: dark (default), light, high-contrast, or NAME.json in
~/.config/lathe/themes/. NO_COLOR=1 gives a monochrome UI.
Config: ~/.config/lathe/config.json ($XDG_CONFIG_HOME/lathe/config.json):
  {"theme": "light", "keys": {"quit": ["q", "ctrl+q"], "runs.sort": ["S"]}}
Log: ~/.local/state/lathe/tui.log ($XDG_STATE_HOME/lathe/tui.log).
See docs/tui.md for every key and action name.`

// addTUI makes a bare "lathe" open the workbench when it runs on a terminal
// (and print help otherwise, as before), and adds "lathe tui" and --theme.
func addTUI(root *cobra.Command, a *app) {
	var theme string
	root.Flags().StringVar(&theme, "theme", "", "workbench colour theme (dark, light, high-contrast, or a user theme)")
	root.Long += "\n\nWith no arguments on a terminal, lathe opens the workbench (see lathe tui --help)."
	root.RunE = func(cmd *cobra.Command, args []string) error {
		if len(args) == 0 && a.env.isTerminal(a.env.Stdout) && a.stdinTerminal() {
			return runTUI(cmd.Context(), a, theme)
		}
		return groupRunE(cmd, args)
	}
	tc := &cobra.Command{
		Use:   "tui",
		Short: "Open the terminal workbench (also: lathe with no arguments)",
		Long:  tuiLong,
		Example: `  lathe
  lathe tui --theme light
  NO_COLOR=1 lathe --store /data/lathe`,
		Args: exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runTUI(cmd.Context(), a, theme)
		},
	}
	tc.Flags().StringVar(&theme, "theme", "", "colour theme (dark, light, high-contrast, or a user theme)")
	_ = tc.RegisterFlagCompletionFunc("theme", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return themes.Names(), cobra.ShellCompDirectiveNoFileComp
	})
	root.AddCommand(tc)
}

func (a *app) stdinTerminal() bool {
	f, ok := a.env.Stdin.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// tuiSetup is everything the workbench needs that can fail before the
// terminal is taken over, so that errors print as usual.
type tuiSetup struct {
	opts    tui.Options
	noColor bool
	logFile *os.File
}

func (a *app) prepareTUI(theme string, storeDir string) (*tuiSetup, error) {
	getenv := a.env.getenv
	cfgDir := tui.ConfigDir(getenv)
	cfgPath := ""
	themeDirs := []string{}
	if cfgDir != "" {
		cfgPath = filepath.Join(cfgDir, "config.json")
		themeDirs = append(themeDirs, filepath.Join(cfgDir, "themes"))
	}
	cfg, err := tui.LoadConfig(cfgPath)
	if err != nil {
		return nil, err
	}
	if err := tui.CheckKeys(cfg.Keys); err != nil {
		return nil, fmt.Errorf("config %s: %w", cfgPath, err)
	}
	name := theme
	if name == "" {
		name = cfg.Theme
	}
	t, err := themes.Load(name, themeDirs...)
	if err != nil {
		return nil, err
	}
	noColor := a.noColor || getenv("NO_COLOR") != "" || getenv("TERM") == "dumb"
	if noColor {
		t = themes.Mono()
	}
	s := &tuiSetup{noColor: noColor, opts: tui.Options{
		Theme: t, ThemeDirs: themeDirs, Keys: cfg.Keys, ExportDir: a.env.Cwd,
		Clock: a.env.Now, Loc: a.env.Location, Tmux: getenv("TMUX") != "",
		StoreLabel: tildePath(storeDir, getenv("HOME")), Graphics: common.DetectGraphics(getenv),
	}}
	s.opts.Log, s.logFile = a.tuiLogger(storeDir)
	return s, nil
}

// tuiLogger logs to $XDG_STATE_HOME/lathe/tui.log, else the store
// directory: the terminal belongs to the workbench while it runs.
func (a *app) tuiLogger(storeDir string) (*slog.Logger, *os.File) {
	level := slog.LevelInfo
	if strings.EqualFold(a.env.getenv("LATHE_LOG"), "debug") {
		level = slog.LevelDebug
	}
	for _, dir := range []string{tui.StateDir(a.env.getenv), storeDir} {
		if dir == "" || os.MkdirAll(dir, 0o755) != nil {
			continue
		}
		f, err := os.OpenFile(filepath.Join(dir, "tui.log"), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
		if err == nil {
			return slog.New(slog.NewTextHandler(f, &slog.HandlerOptions{Level: level})), f
		}
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil)), nil
}

func tildePath(p, home string) string {
	if home != "" && (p == home || strings.HasPrefix(p, home+string(filepath.Separator))) {
		return "~" + strings.TrimPrefix(p, home)
	}
	return p
}

func runTUI(ctx context.Context, a *app, theme string) error {
	loc, err := a.locate()
	if err != nil {
		return err
	}
	setup, err := a.prepareTUI(theme, loc.Dir)
	if err != nil {
		return err
	}
	if setup.logFile != nil {
		defer setup.logFile.Close()
	}
	in, okIn := a.env.Stdin.(*os.File)
	out, okOut := a.env.Stdout.(*os.File)
	if !okIn || !okOut || !a.env.isTerminal(out) || !a.stdinTerminal() {
		return errors.New("the workbench needs a terminal on stdin and stdout (for scripts, use lathe runs ls --json)")
	}
	return a.withStore(ctx, func(st *store.Store) error {
		setup.opts.Store = st
		setup.opts.Renderer = tui.NewRenderer(out, setup.noColor)
		setup.opts.Log.Info("workbench start", "store", st.Dir(), "theme", setup.opts.Theme.Name)
		err := tui.Run(ctx, setup.opts, in, out)
		if err != nil && !errors.Is(err, context.Canceled) {
			setup.opts.Log.Error("workbench", "err", err)
			return fmt.Errorf("workbench: %w", err)
		}
		setup.opts.Log.Info("workbench end")
		return err
	})
}
