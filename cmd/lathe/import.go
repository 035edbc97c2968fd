package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/lathe-ml/lathe/store"
	"github.com/lathe-ml/lathe/store/mlflowimport"
)

func newImportCmd(a *app) *cobra.Command {
	c := &cobra.Command{
		Use:   "import",
		Short: "Bring experiments and runs in from another tracking tool",
		Long: `Copy experiments, runs and their history from another tracking tool into the
lathe store. Importing again adds only what is missing.`,
		Example: `  lathe import mlflow ./mlruns`,
		Args:    groupArgs,
		RunE:    groupRunE,
	}
	c.AddCommand(newImportMLflowCmd(a))
	return c
}

func newImportMLflowCmd(a *app) *cobra.Command {
	var opt mlflowimport.Options
	c := &cobra.Command{
		Use:   "mlflow PATH_OR_URI",
		Short: "Import an MLflow file store, SQLite database or tracking server",
		Long: `Import everything an MLflow tracking store holds: experiments (with their tags;
an experiment whose name lathe already has is reused), runs with their ids,
names, statuses, start and end times and lifecycle stages (deleted runs and
experiments stay deleted), params, tags, notes, dataset inputs, every point of
every metric with its original timestamp and step, artifact files, and
registered models with their versions and aliases.

PATH_OR_URI is one of
  ./mlruns                   an MLflow file store (or a directory holding mlruns/)
  ./mlflow.db                an MLflow SQLite database (also sqlite:///mlflow.db)
  http://host:5000           a running MLflow tracking server (or lathe server);
                             MLFLOW_TRACKING_TOKEN, or MLFLOW_TRACKING_USERNAME and
                             MLFLOW_TRACKING_PASSWORD, authenticate

Importing is idempotent: a run already imported and unchanged is skipped, and
nothing (point, param, tag, artifact) is stored twice, so an import that was
interrupted is finished by running it again. A run is never visible half
imported: until its last piece is in, it is hidden and tagged
lathe.import.incomplete. Malformed files are reported with their path and
line; the other runs are still imported, and the exit status is 1.

Progress goes to stderr when it is a terminal; the summary to stdout (--json
for scripts). See docs/import.md for how MLflow's fields map onto lathe's.`,
		Example: `  lathe import mlflow ./mlruns
  lathe import mlflow sqlite:///mlflow.db --artifacts-dir ./mlartifacts
  MLFLOW_TRACKING_TOKEN=... lathe import mlflow https://mlflow.example.com --json`,
		Args: exactArgs(1, "one PATH_OR_URI (an mlruns/ directory, a SQLite file or an http(s):// server)"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opt.Dir = a.env.Cwd
			if opt.ArtifactsDir != "" && !filepath.IsAbs(opt.ArtifactsDir) {
				opt.ArtifactsDir = filepath.Join(a.env.Cwd, opt.ArtifactsDir)
			}
			opt.Token = a.env.getenv("MLFLOW_TRACKING_TOKEN")
			opt.Username = a.env.getenv("MLFLOW_TRACKING_USERNAME")
			opt.Password = a.env.getenv("MLFLOW_TRACKING_PASSWORD")
			return a.withStore(cmd.Context(), func(st *store.Store) error {
				return a.importMLflow(cmd.Context(), st, args[0], opt)
			})
		},
	}
	f := c.Flags()
	f.IntVar(&opt.Workers, "workers", 8, "runs imported at once")
	f.BoolVar(&opt.Refresh, "refresh", false, "re-read runs already imported, adding anything missing (never duplicating)")
	f.BoolVar(&opt.NoArtifacts, "no-artifacts", false, "do not copy artifact files")
	f.BoolVar(&opt.NoModels, "no-models", false, "do not import registered models")
	f.StringVar(&opt.ArtifactsDir, "artifacts-dir", "", "local directory that mlflow-artifacts: URIs point into (the MLflow server's --artifacts-destination)")
	_ = c.MarkFlagDirname("artifacts-dir")
	return c
}

func (a *app) importMLflow(ctx context.Context, st *store.Store, src string, opt mlflowimport.Options) error {
	if opt.Workers < 1 {
		return usagef("--workers must be at least 1 (got %d)", opt.Workers)
	}
	bar := &statusLine{w: a.env.Stderr, on: a.env.isTerminal(a.env.Stderr)}
	if bar.on {
		opt.Progress = func(pr mlflowimport.Progress) { bar.show(importProgress(pr), true) }
	}
	sum, err := mlflowimport.Import(ctx, st, src, opt)
	bar.done()
	if sum == nil {
		return err
	}
	if a.json {
		if werr := writeJSON(a.env.Stdout, sum); werr != nil {
			return werr
		}
	} else {
		a.printImportSummary(sum)
	}
	switch {
	case err != nil && sum.Interrupted:
		return fmt.Errorf("import interrupted: run it again to finish (runs begun are hidden until complete): %w", err)
	case err != nil:
		return err
	case len(sum.Errors) > 0:
		n := len(sum.Errors) + sum.ErrorsLeftOut
		if a.json { // the errors are in the JSON; say so once on stderr
			for _, e := range sum.Errors {
				fmt.Fprintf(a.env.Stderr, "lathe: %s\n", e)
			}
		}
		return errors.New(plural(n, "problem") + " stopped parts of the import (listed above); fix them and import again")
	}
	return nil
}

func (a *app) printImportSummary(s *mlflowimport.Summary) {
	w, st := a.env.Stdout, a.style()
	verb := "Imported"
	if s.Interrupted {
		verb = "Interrupted importing"
	}
	fmt.Fprintf(w, "%s %s in %.1fs\n", verb, st.bold(s.Source), s.Seconds)
	row := func(what, text string) { fmt.Fprintf(w, "  %-14s %s\n", what, text) }
	count := func(c mlflowimport.Count) string {
		return fmt.Sprintf("%s new, %s already present", num(c.Imported), num(c.Present))
	}
	row("experiments", count(s.Experiments))
	r := s.Runs
	failed := num(r.Failed) + " failed"
	if r.Failed > 0 {
		failed = st.red(failed)
	}
	row("runs", fmt.Sprintf("%s new, %s updated, %s already present, %s", num(r.Imported), num(r.Updated), num(r.Present), failed))
	row("metric points", count(s.MetricPoints))
	row("params", count(s.Params))
	row("tags", count(s.Tags))
	row("inputs", count(s.Inputs))
	ar := s.Artifacts
	row("artifacts", fmt.Sprintf("%s new (%s), %s already present, %s skipped", num(ar.Imported), fmtBytes(ar.Bytes), num(ar.Present), num(ar.Skipped)))
	m := s.Models
	row("models", fmt.Sprintf("%s found (%s versions): %s new, %s already present, %s skipped",
		num(m.Found), num(m.Versions), num(m.Imported), num(m.Present), num(m.Skipped)))
	for _, n := range s.Notes {
		fmt.Fprintf(w, "%s %s\n", st.dim("note:"), n)
	}
	for _, e := range s.Errors {
		fmt.Fprintf(w, "%s %s\n", st.red("error:"), e)
	}
	if s.ErrorsLeftOut > 0 {
		fmt.Fprintf(w, "%s %d more not shown\n", st.red("error:"), s.ErrorsLeftOut)
	}
}

func num(n int64) string { return strconv.FormatInt(n, 10) }

// importProgress is the status line of an import.
func importProgress(pr mlflowimport.Progress) string {
	pct := ""
	if pr.RunsTotal > 0 {
		pct = fmt.Sprintf(" (%d%%)", pr.Runs*100/pr.RunsTotal)
	}
	return strings.TrimSpace(fmt.Sprintf("importing: runs %d/%d%s, %s metric points, %s of artifacts",
		pr.Runs, pr.RunsTotal, pct, num(pr.Points), fmtBytes(pr.Bytes)))
}
