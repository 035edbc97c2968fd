// Command lathe is the command-line interface of lathe, an ML-lifecycle
// workbench: it tracks experiments and runs in a local store, shows and
// compares them, and serves the MLflow-compatible tracking API.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/lathe-ml/lathe/store"
)

// version is set at link time: go build -ldflags "-X main.version=v1.2.3".
var version = ""

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	// After the first signal, stop catching them, so a second Ctrl-C kills a
	// shutdown that hangs.
	context.AfterFunc(ctx, stop)
	code := execute(ctx, processEnv(), os.Args[1:])
	stop()
	os.Exit(code)
}

// Exit statuses; documented in docs/cli.md.
const (
	exitOK    = 0
	exitError = 1
	exitUsage = 2
)

// usageError is a mistake in how a command was called; it exits 2.
type usageError struct{ err error }

func (u usageError) Error() string { return u.err.Error() }
func (u usageError) Unwrap() error { return u.err }

func usagef(format string, args ...any) error {
	return usageError{fmt.Errorf(format, args...)}
}

// runError marks an error returned by a command's own work (as opposed to
// cobra's argument and flag checking); it exits 1.
type runError struct{ err error }

func (r runError) Error() string { return r.err.Error() }
func (r runError) Unwrap() error { return r.err }

// execute runs the lathe command line args in env and returns the exit status.
func execute(ctx context.Context, env *Env, args []string) int {
	root := newRootCmd(env)
	root.SetArgs(args)
	cmd, err := root.ExecuteContextC(ctx)
	if err == nil {
		return exitOK
	}
	// A job's own exit status passes through `lathe run`: the job's code,
	// 128+N when signal N killed it, 127 when it could not start.
	var ec interface{ ExitCode() int }
	if errors.As(err, &ec) {
		fmt.Fprintf(env.Stderr, "lathe: %s\n", err)
		return ec.ExitCode()
	}
	var re runError
	if errors.As(err, &re) {
		if errors.Is(err, context.Canceled) {
			fmt.Fprintln(env.Stderr, "lathe: interrupted")
		} else {
			fmt.Fprintf(env.Stderr, "lathe: %s\n", re.err.Error())
		}
		return exitError
	}
	fmt.Fprintf(env.Stderr, "lathe: %s\n", err.Error())
	if cmd != nil {
		fmt.Fprintf(env.Stderr, "Run '%s --help' for usage.\n", cmd.CommandPath())
	}
	return exitUsage
}

const rootLong = `lathe tracks machine-learning experiments on your own disk: each training
run records its parameters, metrics (as series over steps), tags, inputs,
artifacts and notes in a local store, and lathe lists, shows and compares
them, keeps a model registry, and serves the MLflow tracking API, so MLflow
clients (mlflow.log_metric, log_model, ...) log to the same store.

Quick start:
  lathe init                          # create .lathe/ here for this project
  lathe run -p lr=0.1 -- python train.py   # a tracked job: params, metrics, logs, git
  lathe log example                   # or log a few toy runs, no script needed
  lathe                               # the workbench (runs, detail, compare)
  lathe runs ls                       # list runs; runs show RUN, runs compare A B
  lathe models register RUN --path model --name recs --alias champion
  lathe import mlflow ./mlruns        # bring MLflow history along
  lathe server                        # serve the MLflow API on 127.0.0.1:5000

Where the store is (first that applies):
  1. --store DIR
  2. the LATHE_STORE environment variable
  3. the nearest .lathe/ directory in the working directory or a parent
  4. $XDG_DATA_HOME/lathe (default ~/.local/share/lathe)

Runs are named by their full id, a unique id prefix (4+ hex digits) or their
name. Experiments are named by id or name.

Output: tables for people; --json for scripts (field names in docs/cli.md).
Colour is used only on a terminal, and never with --no-color or NO_COLOR set.
Exit status: 0 success, 1 error (message on stderr as "lathe: ..."),
2 usage error (unknown command or flag, wrong number of arguments).`

// newRootCmd builds the whole command tree around env. Nothing outside the
// returned command holds state, so tests can build and run many in-process.
func newRootCmd(env *Env) *cobra.Command {
	a := &app{env: env}
	root := &cobra.Command{
		Use:   "lathe",
		Short: "Track, compare and serve ML experiments from a local store",
		Long:  rootLong,
		Example: `  lathe init
  lathe log example --runs 3
  lathe runs ls --filter 'params.lr > 0.01' --order-by 'metrics.loss ASC'
  lathe runs show brisk-oak-12 --json | jq .metrics.loss.last
  LATHE_STORE=/data/lathe lathe server --addr 0.0.0.0:5000`,
		SilenceErrors: true,
		SilenceUsage:  true,
		Args:          groupArgs,
		RunE:          groupRunE,
	}
	root.SetOut(env.Stdout)
	root.SetErr(env.Stderr)
	root.SetIn(env.Stdin)
	root.CompletionOptions.DisableDefaultCmd = true
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return usageError{err} })

	pf := root.PersistentFlags()
	pf.StringVar(&a.storeFlag, "store", "", "store directory (default: $LATHE_STORE, nearest .lathe/, or ~/.local/share/lathe)")
	pf.BoolVar(&a.json, "json", false, "write machine-readable JSON instead of tables")
	pf.BoolVar(&a.noColor, "no-color", false, "never colour output (also: NO_COLOR=1)")
	_ = root.RegisterFlagCompletionFunc("store", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return nil, cobra.ShellCompDirectiveFilterDirs
	})

	root.AddCommand(
		newInitCmd(a),
		newExperimentsCmd(a),
		withJobCmds(a, newRunsCmd(a)), newRunCmd(a),
		newLogCmd(a),
		newImportCmd(a),
		newModelsCmd(a),
		newDataCmd(a), newDriftCmd(a),
		newServerCmd(a),
		newGCCmd(a), newDuCmd(a),
		newVersionCmd(a),
		newDemoCmd(a),
		newCompletionCmd(a, root),
	)
	addTUI(root, a)
	markRunErrors(root)
	return root
}

// markRunErrors wraps every command's RunE so that the errors it returns
// are told apart from cobra's usage errors (exit 1 versus exit 2).
func markRunErrors(c *cobra.Command) {
	if run := c.RunE; run != nil {
		c.RunE = func(cmd *cobra.Command, args []string) error {
			err := run(cmd, args)
			var ue usageError
			if err == nil || errors.As(err, &ue) {
				return err
			}
			return runError{err}
		}
	}
	for _, sub := range c.Commands() {
		markRunErrors(sub)
	}
}

// groupArgs lets a command group accept its (unknown) argument so that
// groupRunE can report it as a usage error rather than print help and exit 0.
func groupArgs(*cobra.Command, []string) error { return nil }

// groupRunE prints the group's help, or rejects an unknown subcommand.
func groupRunE(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return cmd.Help()
	}
	msg := fmt.Sprintf("unknown command %q for %q", args[0], cmd.CommandPath())
	if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
		msg += "; did you mean " + strings.Join(s, " or ") + "?"
	}
	return usagef("%s", msg)
}

// exactArgs, minArgs and rangeArgs name the expected arguments in their
// errors, which cobra's own validators do not.
func exactArgs(n int, names string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != n {
			return usagef("%s takes %s (got %d argument%s)", cmd.CommandPath(), names, len(args), pluralS(len(args)))
		}
		return nil
	}
}

func minArgs(n int, names string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) < n {
			return usagef("%s takes %s (got %d argument%s)", cmd.CommandPath(), names, len(args), pluralS(len(args)))
		}
		return nil
	}
}

func rangeArgs(lo, hi int, names string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) < lo || len(args) > hi {
			return usagef("%s takes %s (got %d argument%s)", cmd.CommandPath(), names, len(args), pluralS(len(args)))
		}
		return nil
	}
}

func pluralS(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func newInitCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "init [DIR]",
		Short: "Create a project store (.lathe/) in the working directory",
		Long: `Create a .lathe/ directory holding a new store in the working directory (or
DIR). lathe commands run in that directory or any directory below it then use
this store, as git finds .git/, unless --store or LATHE_STORE say otherwise.
Running it again where a store exists changes nothing.`,
		Example: `  cd ~/projects/churn && lathe init
  lathe init ~/projects/churn`,
		Args: rangeArgs(0, 1, "at most one DIR"),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := a.env.Cwd
			if len(args) == 1 {
				dir = args[0]
				if !filepath.IsAbs(dir) {
					dir = filepath.Join(a.env.Cwd, dir)
				}
			}
			existed := false
			if fi, err := os.Stat(filepath.Join(dir, store.ProjectDir, store.DBFile)); err == nil && !fi.IsDir() {
				existed = true
			}
			p, err := store.Init(dir)
			if err != nil {
				return err
			}
			st, err := store.Open(cmd.Context(), p, store.Options{})
			if err != nil {
				return fmt.Errorf("open new store %s: %w", p, err)
			}
			if err := st.Close(); err != nil {
				return err
			}
			if a.json {
				return writeJSON(a.env.Stdout, map[string]any{"store": p, "created": !existed})
			}
			s := a.style()
			if existed {
				fmt.Fprintf(a.env.Stdout, "lathe store already exists in %s\n", s.bold(p))
			} else {
				fmt.Fprintf(a.env.Stdout, "Created lathe store in %s\n", s.bold(p))
				fmt.Fprintf(a.env.Stdout, "Commands run in %s or below now use it. Try: lathe log example\n", dir)
			}
			if a.storeFlag != "" || a.env.getenv("LATHE_STORE") != "" {
				fmt.Fprintln(a.env.Stderr, "lathe: note: --store or LATHE_STORE is set and takes precedence over this .lathe/")
			}
			return nil
		},
	}
}

func newVersionCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print lathe's version",
		Long:  "Print the version of this lathe binary, the Go release that built it, and its platform.",
		Example: `  lathe version
  lathe version --json`,
		Args: exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, args []string) error {
			v, commit := buildVersion()
			if a.json {
				return writeJSON(a.env.Stdout, map[string]string{"version": v, "commit": commit,
					"go_version": runtime.Version(), "os": runtime.GOOS, "arch": runtime.GOARCH})
			}
			extra := ""
			if commit != "" {
				extra = " " + commit
			}
			fmt.Fprintf(a.env.Stdout, "lathe %s%s (%s, %s/%s)\n", v, extra, runtime.Version(), runtime.GOOS, runtime.GOARCH)
			return nil
		},
	}
}

// buildVersion reports the link-time version, else the module version, and
// the VCS revision when the build recorded one.
func buildVersion() (v, commit string) {
	v = version
	bi, ok := debug.ReadBuildInfo()
	if ok {
		if v == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			v = bi.Main.Version
		}
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				commit = s.Value[:12]
			}
		}
	}
	if v == "" {
		v = "dev"
	}
	return v, commit
}

func newCompletionCmd(a *app, root *cobra.Command) *cobra.Command {
	return &cobra.Command{
		Use:   "completion bash|zsh|fish|powershell",
		Short: "Print a shell completion script",
		Long: `Print the script that makes your shell complete lathe's commands, flags,
experiment names and run names and ids. Load it from your shell's startup file.`,
		Example: `  # bash (needs the bash-completion package)
  source <(lathe completion bash)
  lathe completion bash > /etc/bash_completion.d/lathe
  # zsh
  lathe completion zsh > "${fpath[1]}/_lathe"
  # fish
  lathe completion fish > ~/.config/fish/completions/lathe.fish
  # PowerShell
  lathe completion powershell | Out-String | Invoke-Expression`,
		ValidArgs: []string{"bash", "zsh", "fish", "powershell"},
		Args:      exactArgs(1, "one shell name: bash, zsh, fish or powershell"),
		RunE: func(cmd *cobra.Command, args []string) error {
			w := a.env.Stdout
			switch args[0] {
			case "bash":
				return root.GenBashCompletionV2(w, true)
			case "zsh":
				return root.GenZshCompletion(w)
			case "fish":
				return root.GenFishCompletion(w, true)
			case "powershell":
				return root.GenPowerShellCompletionWithDesc(w)
			}
			return usagef("unknown shell %q (want bash, zsh, fish or powershell)", args[0])
		},
	}
}
