package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/lathe-ml/lathe/store"
)

// resolveRuns resolves every reference before anything is changed, so a
// typo in the third argument does not leave the first two changed.
func resolveRuns(ctx context.Context, st *store.Store, refs []string) ([]*store.Run, error) {
	out := make([]*store.Run, 0, len(refs))
	for _, ref := range refs {
		r, err := st.ResolveRun(ctx, ref)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// printRun writes a changed run as JSON, or msg for people.
func (a *app) printRun(ctx context.Context, st *store.Store, r *store.Run, msg string) error {
	if a.json {
		return writeJSON(a.env.Stdout, toRunJSON(r, newExpNames(st).name(ctx, r.ExperimentID)))
	}
	fmt.Fprintln(a.env.Stdout, msg)
	return nil
}

func newRunsRenameCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:               "rename RUN NEW_NAME",
		Short:             "Rename a run",
		Long:              `Give the run RUN the name NEW_NAME (also its mlflow.runName tag). Names need not be unique, but unique names can be used as RUN arguments.`,
		Example:           `  lathe runs rename 3f2a9c1e baseline`,
		Args:              exactArgs(2, "RUN and NEW_NAME"),
		ValidArgsFunction: positional(false, a.runRefs(store.ActiveOnly)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if strings.TrimSpace(args[1]) == "" {
				return usagef("the new run name is empty")
			}
			ctx := cmd.Context()
			return a.withRun(ctx, args[0], func(st *store.Store, r *store.Run) error {
				nr, err := st.UpdateRun(ctx, r.ID, store.RunUpdate{Name: &args[1]})
				if err != nil {
					return fmt.Errorf("rename run %s: %w", shortID(r.ID), err)
				}
				s := a.style()
				return a.printRun(ctx, st, nr, fmt.Sprintf("Renamed run %s from %s to %s", shortID(r.ID), s.cyan(r.Name), s.cyan(nr.Name)))
			})
		},
	}
}

func newRunsNoteCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "note RUN TEXT|-",
		Short: "Set a run's notes",
		Long: `Replace the notes of RUN (the MLflow UI's description, tag mlflow.note.content)
with TEXT, or with standard input when TEXT is "-". An empty TEXT clears them.`,
		Example: `  lathe runs note 3f2a9c1e "baseline for the Q3 report"
  git log -1 --format=%B | lathe runs note 3f2a9c1e -`,
		Args:              exactArgs(2, "RUN and TEXT (or - for standard input)"),
		ValidArgsFunction: positional(false, a.runRefs(store.ActiveOnly)),
		RunE: func(cmd *cobra.Command, args []string) error {
			text := args[1]
			if text == "-" {
				b, err := io.ReadAll(a.env.Stdin)
				if err != nil {
					return fmt.Errorf("read notes from standard input: %w", err)
				}
				text = strings.TrimSuffix(strings.TrimSuffix(string(b), "\n"), "\r")
			}
			ctx := cmd.Context()
			return a.withRun(ctx, args[0], func(st *store.Store, r *store.Run) error {
				nr, err := st.UpdateRun(ctx, r.ID, store.RunUpdate{Notes: &text})
				if err != nil {
					return fmt.Errorf("set notes of run %s: %w", shortID(r.ID), err)
				}
				msg := fmt.Sprintf("Set notes of run %s (%d characters)", shortID(r.ID), len([]rune(text)))
				if text == "" {
					msg = fmt.Sprintf("Cleared notes of run %s", shortID(r.ID))
				}
				return a.printRun(ctx, st, nr, msg)
			})
		},
	}
}

func newRunsTagCmd(a *app) *cobra.Command {
	var del []string
	c := &cobra.Command{
		Use:   "tag RUN KEY=VALUE... | tag RUN --delete KEY",
		Short: "Set or delete tags on a run",
		Long: `Set tags (mutable key/value labels) on RUN, or delete them with --delete KEY
(repeatable). Both may be given: deletions happen first.`,
		Example: `  lathe runs tag 3f2a9c1e stage=candidate reviewer=ana
  lathe runs tag 3f2a9c1e --delete stage`,
		Args:              minArgs(1, "RUN and KEY=VALUE tags"),
		ValidArgsFunction: positional(false, a.runRefs(store.ActiveOnly)),
		RunE: func(cmd *cobra.Command, args []string) error {
			tags, err := parseKV(args[1:], "tag")
			if err != nil {
				return err
			}
			if len(tags) == 0 && len(del) == 0 {
				return usagef("%s needs KEY=VALUE tags to set or --delete KEY", cmd.CommandPath())
			}
			ctx := cmd.Context()
			return a.withRun(ctx, args[0], func(st *store.Store, r *store.Run) error {
				for _, k := range del {
					if err := st.DeleteTag(ctx, r.ID, k); err != nil {
						return fmt.Errorf("delete tag %q of run %s: %w", k, shortID(r.ID), err)
					}
				}
				if len(tags) > 0 {
					if err := st.LogBatch(ctx, r.ID, store.Batch{Tags: tags}); err != nil {
						return fmt.Errorf("tag run %s: %w", shortID(r.ID), err)
					}
				}
				nr, err := st.GetRun(ctx, r.ID)
				if err != nil {
					return err
				}
				var parts []string
				if len(tags) > 0 {
					parts = append(parts, "set "+plural(len(tags), "tag"))
				}
				if len(del) > 0 {
					parts = append(parts, "deleted "+plural(len(del), "tag"))
				}
				return a.printRun(ctx, st, nr, fmt.Sprintf("Run %s: %s", shortID(r.ID), strings.Join(parts, ", ")))
			})
		},
	}
	c.Flags().StringArrayVar(&del, "delete", nil, "delete the tag KEY (repeatable)")
	return c
}

// newRunsStageCmd builds "runs rm" (del) or "runs restore".
func newRunsStageCmd(a *app, del bool) *cobra.Command {
	c := &cobra.Command{
		Use:     "rm RUN...",
		Aliases: []string{"delete"},
		Short:   "Delete runs (restorable)",
		Long: `Soft-delete each RUN: it disappears from listings and can no longer be logged
to, but stays in the store until restored with 'lathe runs restore'. Every RUN
is resolved before any is deleted.`,
		Example:           `  lathe runs rm 3f2a9c1e 9b1d22c0`,
		Args:              minArgs(1, "one or more RUNs"),
		ValidArgsFunction: positional(true, a.runRefs(store.ActiveOnly)),
	}
	stage, verb := store.StageDeleted, "Deleted"
	if !del {
		c.Use, c.Aliases = "restore RUN...", nil
		c.Short = "Restore deleted runs"
		c.Long = `Bring back each deleted RUN. A run whose experiment is deleted can only come
back with its experiment ('lathe experiments restore').`
		c.Example = `  lathe runs ls --deleted
  lathe runs restore 3f2a9c1e`
		c.ValidArgsFunction = positional(true, a.runRefs(store.DeletedOnly))
		stage, verb = store.StageActive, "Restored"
	}
	c.RunE = func(cmd *cobra.Command, args []string) error {
		ctx := cmd.Context()
		return a.withStore(ctx, func(st *store.Store) error {
			runs, err := resolveRuns(ctx, st, args)
			if err != nil {
				return err
			}
			var errs []error
			var done []runJSON
			names := newExpNames(st)
			for _, r := range runs {
				if err := st.SetRunStage(ctx, r.ID, stage); err != nil {
					errs = append(errs, fmt.Errorf("%s run %s: %w", strings.ToLower(verb[:len(verb)-1]), shortID(r.ID), err))
					continue
				}
				nr, err := st.GetRun(ctx, r.ID)
				if err != nil {
					errs = append(errs, err)
					continue
				}
				done = append(done, toRunJSON(nr, names.name(ctx, nr.ExperimentID)))
				if !a.json {
					fmt.Fprintf(a.env.Stdout, "%s run %s (%s)\n", verb, shortID(r.ID), a.style().cyan(r.Name))
				}
			}
			if a.json {
				if done == nil {
					done = []runJSON{}
				}
				if err := writeJSON(a.env.Stdout, done); err != nil {
					errs = append(errs, err)
				}
			} else if del && len(done) > 0 {
				fmt.Fprintln(a.env.Stdout, "Undo with: lathe runs restore", joinShort(done))
			}
			return errors.Join(errs...)
		})
	}
	return c
}

func joinShort(runs []runJSON) string {
	ids := make([]string, len(runs))
	for i, r := range runs {
		ids[i] = shortID(r.RunID)
	}
	return strings.Join(ids, " ")
}
