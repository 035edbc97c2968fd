package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/lathe-ml/lathe/store"
)

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// viewFlags adds --all and --deleted to c and returns the view they select.
func viewFlags(c *cobra.Command, what string) func() store.ViewType {
	var all, deleted bool
	c.Flags().BoolVar(&all, "all", false, "include deleted "+what)
	c.Flags().BoolVar(&deleted, "deleted", false, "show only deleted "+what)
	c.MarkFlagsMutuallyExclusive("all", "deleted")
	return func() store.ViewType {
		switch {
		case all:
			return store.All
		case deleted:
			return store.DeletedOnly
		}
		return store.ActiveOnly
	}
}

// parseKV splits KEY=VALUE arguments; a missing "=" is a usage error.
func parseKV(args []string, what string) ([]store.Tag, error) {
	out := make([]store.Tag, 0, len(args))
	for _, kv := range args {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, usagef("%s %q is not KEY=VALUE", what, kv)
		}
		out = append(out, store.Tag{Key: k, Value: v})
	}
	return out, nil
}

func newExperimentsCmd(a *app) *cobra.Command {
	c := &cobra.Command{
		Use:     "experiments",
		Aliases: []string{"exp", "experiment"},
		Short:   "List, create, rename, delete and restore experiments",
		Long: `An experiment groups the runs of one question ("churn model", "tokenizer
sweep"). Every store has the experiment "Default" (id 0). Experiments are named
by id or name in arguments (EXP). Deleting is soft: the experiment and its runs
are hidden until restored.`,
		Example: `  lathe experiments ls
  lathe exp create churn --tag team=growth
  lathe exp rename churn churn-v2
  lathe exp rm churn-v2 && lathe exp restore churn-v2`,
		Args: groupArgs,
		RunE: groupRunE,
	}
	c.AddCommand(newExpLsCmd(a), newExpCreateCmd(a), newExpRenameCmd(a), newExpStageCmd(a, true), newExpStageCmd(a, false))
	return c
}

// experimentRuns counts an experiment's runs in its own lifecycle stage.
func experimentRuns(ctx context.Context, st *store.Store, e *store.Experiment) (int, error) {
	view := store.ActiveOnly
	if e.LifecycleStage == store.StageDeleted {
		view = store.DeletedOnly
	}
	return st.CountRuns(ctx, store.RunQuery{ExperimentIDs: []int64{e.ID}, View: view})
}

func newExpLsCmd(a *app) *cobra.Command {
	c := &cobra.Command{
		Use:     "ls",
		Aliases: []string{"list"},
		Short:   "List experiments",
		Long: `List experiments with their id, name, number of runs and creation time.
Deleted experiments are hidden unless --all or --deleted is given.`,
		Example: `  lathe experiments ls
  lathe experiments ls --deleted
  lathe experiments ls --json | jq -r '.[].name'`,
		Args: exactArgs(0, "no arguments"),
	}
	view := viewFlags(c, "experiments")
	c.RunE = func(cmd *cobra.Command, args []string) error {
		ctx := cmd.Context()
		return a.withStore(ctx, func(st *store.Store) error {
			exps, err := st.ListExperiments(ctx, store.ExperimentQuery{View: view()})
			if err != nil {
				return err
			}
			counts := make([]int, len(exps))
			for i, e := range exps {
				if counts[i], err = experimentRuns(ctx, st, e); err != nil {
					return err
				}
			}
			if a.json {
				out := make([]experimentJSON, len(exps))
				for i, e := range exps {
					out[i] = toExperimentJSON(e, counts[i])
				}
				return writeJSON(a.env.Stdout, out)
			}
			if len(exps) == 0 {
				fmt.Fprintln(a.env.Stdout, "No experiments.")
				return nil
			}
			s := a.style()
			showStage := view() != store.ActiveOnly
			t := &table{header: []string{"ID", "NAME", "RUNS", "CREATED"}, right: []bool{true, false, true}, max: 60}
			if showStage {
				t.header = append(t.header, "STAGE")
			}
			for i, e := range exps {
				row := []cell{{text: itoa(e.ID)}, {text: e.Name, color: s.cyan}, {text: strconv.Itoa(counts[i])},
					{text: fmtTimeShort(e.CreationTime, a.env.loc())}}
				if showStage {
					c := cell{text: e.LifecycleStage}
					if e.LifecycleStage == store.StageDeleted {
						c.color = s.red
					}
					row = append(row, c)
				}
				t.add(row...)
			}
			t.render(a.env.Stdout, s)
			return nil
		})
	}
	return c
}

func newExpCreateCmd(a *app) *cobra.Command {
	var tags []string
	c := &cobra.Command{
		Use:   "create NAME",
		Short: "Create an experiment",
		Long: `Create an empty, active experiment called NAME and print its id. Names are
unique across active and deleted experiments.`,
		Example: `  lathe experiments create churn
  lathe experiments create sweep-7 --tag owner=ana --tag gpu=a100`,
		Args: exactArgs(1, "one NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			kv, err := parseKV(tags, "tag")
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			return a.withStore(ctx, func(st *store.Store) error {
				id, err := st.CreateExperiment(ctx, args[0], "", kv)
				if err != nil {
					return fmt.Errorf("create experiment %q: %w", args[0], err)
				}
				if a.json {
					e, err := st.GetExperiment(ctx, id)
					if err != nil {
						return err
					}
					return writeJSON(a.env.Stdout, toExperimentJSON(e, 0))
				}
				fmt.Fprintf(a.env.Stdout, "Created experiment %s (id %d)\n", a.style().cyan(args[0]), id)
				return nil
			})
		},
	}
	c.Flags().StringArrayVar(&tags, "tag", nil, "set a tag KEY=VALUE on the experiment (repeatable)")
	return c
}

func newExpRenameCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:               "rename EXP NEW_NAME",
		Short:             "Rename an experiment",
		Long:              `Rename the experiment EXP (id or name) to NEW_NAME. Deleted experiments cannot be renamed.`,
		Example:           `  lathe experiments rename churn churn-2026`,
		Args:              exactArgs(2, "EXP and NEW_NAME"),
		ValidArgsFunction: positional(false, a.experimentNames(store.ActiveOnly)),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			return a.withStore(ctx, func(st *store.Store) error {
				e, err := st.ResolveExperiment(ctx, args[0])
				if err != nil {
					return err
				}
				if err := st.RenameExperiment(ctx, e.ID, args[1]); err != nil {
					return fmt.Errorf("rename experiment %q: %w", e.Name, err)
				}
				if a.json {
					e, err := st.GetExperiment(ctx, e.ID)
					if err != nil {
						return err
					}
					n, err := experimentRuns(ctx, st, e)
					if err != nil {
						return err
					}
					return writeJSON(a.env.Stdout, toExperimentJSON(e, n))
				}
				s := a.style()
				fmt.Fprintf(a.env.Stdout, "Renamed experiment %d from %s to %s\n", e.ID, s.cyan(e.Name), s.cyan(args[1]))
				return nil
			})
		},
	}
}

// newExpStageCmd builds "experiments rm" (del) or "experiments restore".
func newExpStageCmd(a *app, del bool) *cobra.Command {
	c := &cobra.Command{
		Use:     "rm EXP",
		Aliases: []string{"delete"},
		Short:   "Delete an experiment and its runs (restorable)",
		Long: `Soft-delete the experiment EXP (id or name) and every run in it: they
disappear from listings but stay in the store until restored with
'lathe experiments restore'. The Default experiment (id 0) cannot be deleted.`,
		Example:           `  lathe experiments rm churn`,
		Args:              exactArgs(1, "one EXP"),
		ValidArgsFunction: positional(false, a.experimentNames(store.ActiveOnly)),
	}
	stage := store.StageDeleted
	if !del {
		c.Use, c.Aliases = "restore EXP", nil
		c.Short = "Restore a deleted experiment and its runs"
		c.Long = `Bring back the deleted experiment EXP (id or name) and the runs that were
deleted with it.`
		c.Example = `  lathe experiments ls --deleted
  lathe experiments restore churn`
		c.ValidArgsFunction = positional(false, a.experimentNames(store.DeletedOnly))
		stage = store.StageActive
	}
	c.RunE = func(cmd *cobra.Command, args []string) error {
		ctx := cmd.Context()
		return a.withStore(ctx, func(st *store.Store) error {
			e, err := st.ResolveExperiment(ctx, args[0])
			if err != nil {
				return err
			}
			if err := st.SetExperimentStage(ctx, e.ID, stage); err != nil {
				verb := "delete"
				if !del {
					verb = "restore"
				}
				return fmt.Errorf("%s experiment %q: %w", verb, e.Name, err)
			}
			if e, err = st.GetExperiment(ctx, e.ID); err != nil {
				return err
			}
			n, err := experimentRuns(ctx, st, e)
			if err != nil {
				return err
			}
			if a.json {
				return writeJSON(a.env.Stdout, toExperimentJSON(e, n))
			}
			s := a.style()
			if del {
				fmt.Fprintf(a.env.Stdout, "Deleted experiment %s (id %d) and %s; undo with: lathe experiments restore %d\n",
					s.cyan(e.Name), e.ID, plural(n, "run"), e.ID)
			} else {
				fmt.Fprintf(a.env.Stdout, "Restored experiment %s (id %d) and %s\n", s.cyan(e.Name), e.ID, plural(n, "run"))
			}
			return nil
		})
	}
	return c
}
