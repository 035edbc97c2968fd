package main

import (
	"errors"
	"fmt"
	"os"
	"os/user"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/lathe-ml/lathe/store"
)

func newLogCmd(a *app) *cobra.Command {
	c := &cobra.Command{
		Use:   "log",
		Short: "Log runs from the shell, or log an example to try lathe",
		Long: `Track runs without Python. 'lathe log example' logs a few toy training runs so
you can try every other command at once. 'start', 'param', 'metric' and 'end'
let shell scripts (or any program that can run a command) track their own
runs: 'lathe log start' prints the new run's id for the others to use.`,
		Example: `  lathe log example
  RUN=$(lathe log start --experiment nightly --name build-142)
  lathe log param "$RUN" threads 8
  lathe log metric "$RUN" seconds 41.7
  lathe log metric "$RUN" loss 0.25 --step 3
  lathe log end "$RUN" --status FINISHED`,
		Args: groupArgs,
		RunE: groupRunE,
	}
	c.AddCommand(newLogExampleCmd(a), newLogStartCmd(a), newLogParamCmd(a), newLogMetricCmd(a), newLogEndCmd(a))
	return c
}

// currentUser is the user name recorded on runs started from the shell.
func (a *app) currentUser() string {
	for _, k := range []string{"LOGNAME", "USER", "USERNAME"} {
		if v := a.env.getenv(k); v != "" {
			return v
		}
	}
	if u, err := user.Current(); err == nil {
		return u.Username
	}
	return ""
}

func newLogStartCmd(a *app) *cobra.Command {
	var expRef, name string
	var tags []string
	c := &cobra.Command{
		Use:   "start",
		Short: "Start a run and print its id",
		Long: `Create a RUNNING run and print its id (only the id, so that
RUN=$(lathe log start) works). The experiment (by id or name) is created when
no experiment has that name; without --experiment the run goes to Default (0).
Finish the run with 'lathe log end'.`,
		Example: `  RUN=$(lathe log start --experiment nightly --name build-142 --tag git=$(git rev-parse --short HEAD))`,
		Args:    exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, args []string) error {
			kv, err := parseKV(tags, "tag")
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			return a.withStore(ctx, func(st *store.Store) error {
				expID := int64(0)
				if expRef != "" {
					e, err := a.ensureExperiment(cmd, st, expRef)
					if err != nil {
						return err
					}
					expID = e.ID
				}
				host, _ := os.Hostname()
				r, err := st.CreateRun(ctx, store.RunCreate{ExperimentID: expID, Name: name, UserID: a.currentUser(),
					Host: host, Source: "lathe log start", Tags: kv})
				if err != nil {
					return fmt.Errorf("start run: %w", err)
				}
				if a.json {
					return writeJSON(a.env.Stdout, toRunJSON(r, newExpNames(st).name(ctx, r.ExperimentID)))
				}
				fmt.Fprintln(a.env.Stdout, r.ID)
				return nil
			})
		},
	}
	c.Flags().StringVarP(&expRef, "experiment", "e", "", "experiment id or name (created if missing; default: Default)")
	c.Flags().StringVar(&name, "name", "", "run name (default: generated, like brisk-oak-12)")
	c.Flags().StringArrayVar(&tags, "tag", nil, "set a tag KEY=VALUE (repeatable)")
	_ = c.RegisterFlagCompletionFunc("experiment", a.experimentNames(store.ActiveOnly))
	return c
}

// ensureExperiment resolves ref, creating an experiment of that name when
// none exists (a note on stderr says so).
func (a *app) ensureExperiment(cmd *cobra.Command, st *store.Store, ref string) (*store.Experiment, error) {
	ctx := cmd.Context()
	e, err := st.ResolveExperiment(ctx, ref)
	if err == nil {
		if e.LifecycleStage != store.StageActive {
			return nil, fmt.Errorf("experiment %q is deleted: restore it with 'lathe experiments restore %d' or pick another name", e.Name, e.ID)
		}
		return e, nil
	}
	if !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	id, err := st.CreateExperiment(ctx, ref, "", nil)
	if err != nil {
		return nil, fmt.Errorf("create experiment %q: %w", ref, err)
	}
	if !a.json {
		fmt.Fprintf(a.env.Stderr, "lathe: created experiment %q (id %d)\n", ref, id)
	}
	return st.GetExperiment(ctx, id)
}

func newLogParamCmd(a *app) *cobra.Command {
	c := &cobra.Command{
		Use:   "param RUN KEY VALUE",
		Short: "Log a parameter of a run",
		Long: `Log the parameter KEY = VALUE on RUN. Params are logged once: logging the same
value again is fine, a different value is an error.`,
		Example:           `  lathe log param "$RUN" lr 0.01`,
		Args:              exactArgs(3, "RUN, KEY and VALUE"),
		ValidArgsFunction: positional(false, a.runRefs(store.ActiveOnly)),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			return a.withRun(ctx, args[0], func(st *store.Store, r *store.Run) error {
				if err := st.LogBatch(ctx, r.ID, store.Batch{Params: []store.Param{{Key: args[1], Value: args[2]}}}); err != nil {
					return fmt.Errorf("log param %q to run %s: %w", args[1], shortID(r.ID), err)
				}
				if a.json {
					return writeJSON(a.env.Stdout, map[string]string{"run_id": r.ID, "key": args[1], "value": args[2]})
				}
				return nil
			})
		},
	}
	allowNegativeNumbers(c, c.Args)
	return c
}

// parseMetricValue accepts decimal numbers and NaN, Inf, Infinity (any case,
// with sign).
func parseMetricValue(s string) (float64, error) {
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil {
		var ne *strconv.NumError
		if errors.As(err, &ne) && ne.Err == strconv.ErrRange {
			return v, nil // ±Inf or 0 on overflow, as MLflow clients send them
		}
		return 0, usagef("metric value %q is not a number", s)
	}
	return v, nil
}

func newLogMetricCmd(a *app) *cobra.Command {
	var step int64
	var ts int64
	c := &cobra.Command{
		Use:   "metric RUN KEY VALUE",
		Short: "Log a metric point of a run",
		Long: `Log one point of the metric KEY on RUN: VALUE at --step (default 0) and
--timestamp (Unix milliseconds, default now). VALUE may be NaN or Infinity.
Log each epoch's value with its own --step to build a series.`,
		Example: `  lathe log metric "$RUN" loss 0.31 --step 1
  for i in 1 2 3; do lathe log metric "$RUN" score "$((i * 10))" --step "$i"; done`,
		Args:              exactArgs(3, "RUN, KEY and VALUE"),
		ValidArgsFunction: positional(false, a.runRefs(store.ActiveOnly)),
		RunE: func(cmd *cobra.Command, args []string) error {
			v, err := parseMetricValue(args[2])
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			return a.withRun(ctx, args[0], func(st *store.Store, r *store.Run) error {
				when := ts
				if when == 0 {
					when = a.env.now().UnixMilli()
				}
				m := store.Metric{Key: args[1], Value: v, Step: step, Timestamp: when}
				if err := st.LogBatch(ctx, r.ID, store.Batch{Metrics: []store.Metric{m}}); err != nil {
					return fmt.Errorf("log metric %q to run %s: %w", args[1], shortID(r.ID), err)
				}
				if a.json {
					return writeJSON(a.env.Stdout, map[string]any{"run_id": r.ID, "key": m.Key,
						"value": jsonFloat(m.Value), "step": m.Step, "timestamp": jsonTime(m.Timestamp)})
				}
				return nil
			})
		},
	}
	c.Flags().Int64Var(&step, "step", 0, "the point's step (epoch, iteration)")
	c.Flags().Int64Var(&ts, "timestamp", 0, "the point's time in Unix milliseconds (default: now)")
	allowNegativeNumbers(c, c.Args)
	return c
}

func newLogEndCmd(a *app) *cobra.Command {
	var status string
	c := &cobra.Command{
		Use:   "end RUN",
		Short: "End a run with a final status",
		Long: `Mark RUN as ended now with --status FINISHED (default), FAILED or KILLED.
In a script, end with FAILED when the work failed:
  trap 'lathe log end "$RUN" --status FAILED' ERR`,
		Example: `  lathe log end "$RUN"
  lathe log end "$RUN" --status FAILED`,
		Args:              exactArgs(1, "one RUN"),
		ValidArgsFunction: positional(false, a.runRefs(store.ActiveOnly)),
		RunE: func(cmd *cobra.Command, args []string) error {
			st := strings.ToUpper(status)
			switch st {
			case store.StatusFinished, store.StatusFailed, store.StatusKilled:
			default:
				return usagef("--status %q: want FINISHED, FAILED or KILLED", status)
			}
			ctx := cmd.Context()
			return a.withStore(ctx, func(s *store.Store) error {
				r, err := s.ResolveRun(ctx, args[0])
				if err != nil {
					return err
				}
				end := a.env.now().UnixMilli()
				nr, err := s.UpdateRun(ctx, r.ID, store.RunUpdate{Status: &st, EndTime: &end})
				if err != nil {
					return fmt.Errorf("end run %s: %w", shortID(r.ID), err)
				}
				return a.printRun(ctx, s, nr, fmt.Sprintf("Ended run %s (%s) as %s after %s", shortID(nr.ID),
					a.style().cyan(nr.Name), a.style().status(st), runDuration(nr, a.env.now())))
			})
		},
	}
	c.Flags().StringVar(&status, "status", store.StatusFinished, "final status: FINISHED, FAILED or KILLED")
	_ = c.RegisterFlagCompletionFunc("status", cobra.FixedCompletions(
		[]string{store.StatusFinished, store.StatusFailed, store.StatusKilled}, cobra.ShellCompDirectiveNoFileComp))
	return c
}
