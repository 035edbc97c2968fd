package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/lathe-ml/lathe/runner"
	"github.com/lathe-ml/lathe/store"
)

// Tags that `lathe run` sets; docs/jobs.md documents them.
const (
	tagCommand  = "lathe.command"          // JSON argv as run
	tagTemplate = "lathe.command_template" // JSON argv with {KEY} placeholders, when it had some
	tagParams   = "lathe.params"           // JSON object of the -p params
	tagOutputs  = "lathe.outputs"          // JSON array of the --output paths
	tagInputs   = "lathe.inputs"           // JSON array of the --input versions (NAME:N)
	tagWorkdir  = "lathe.workdir"
	tagHost     = "lathe.host"
	tagUser     = "lathe.user"
	tagJobID    = "lathe.job_id"
	tagRerunOf  = "lathe.rerun_of"
)

// A supervising lathe beats every heartbeatEvery; a job whose beats stop
// for staleAfter is lost wherever it runs.
const (
	heartbeatEvery = 5 * time.Second
	staleAfter     = 60 * time.Second
)

// withJobCmds adds the job commands to the runs group. It also takes the
// alias "run" from the group: that name is now `lathe run`.
func withJobCmds(a *app, runs *cobra.Command) *cobra.Command {
	runs.AddCommand(newRunsRerunCmd(a), newRunsLogsCmd(a), newRunsKillCmd(a), newRunsJobsCmd(a))
	return runs
}

// recoverJobs marks jobs whose process and supervisor are gone (or whose
// heartbeats stopped) as LOST and their RUNNING runs as FAILED, and says so
// on stderr. It only warns on failure: it must not stop the command.
func (a *app) recoverJobs(ctx context.Context, st *store.Store) {
	host, _ := os.Hostname()
	me := os.Getpid()
	lost, err := st.RecoverJobs(ctx, store.Recovery{StaleAfter: staleAfter, Alive: func(j *store.Job) bool {
		if j.SupervisorHost != host {
			return true // cannot tell from here: staleness decides
		}
		if j.SupervisorPID == me || runner.PIDAlive(j.SupervisorPID) {
			return true
		}
		return j.Backend == runner.LocalName && j.Host == host && j.PID > 0 && (runner.PIDAlive(j.PID) || runner.GroupAlive(j.PID))
	}})
	if err != nil {
		fmt.Fprintf(a.env.Stderr, "lathe: warning: checking for lost jobs: %v\n", err)
	}
	for _, j := range lost {
		what := fmt.Sprintf("job %d", j.ID)
		if j.RunID != "" {
			what += " of run " + shortID(j.RunID)
		}
		fmt.Fprintf(a.env.Stderr, "lathe: %s was lost (%s); its run, if it was running, is now FAILED\n", what, j.Error)
	}
}

func newRunsRerunCmd(a *app) *cobra.Command {
	var params []string
	var name string
	var grace time.Duration
	var force bool
	c := &cobra.Command{
		Use:   "rerun RUN",
		Short: "Run a run's command again, with changed params",
		Long: `Start a new run with the command, working directory, experiment, params and
outputs of RUN, which 'lathe run' started. -p KEY=VALUE changes or adds a
param: it is logged, set as LATHE_PARAM_KEY for the job, and replaces {KEY} in
the original command's arguments. The new run reads the same dataset versions
(--input) as RUN did, and has the tag lathe.rerun_of.`,
		Example: `  lathe runs rerun brisk-oak-12
  lathe runs rerun 3f2a9c1e -p lr=0.02 --name lr-0.02`,
		Args:              exactArgs(1, "one RUN"),
		ValidArgsFunction: positional(false, a.runRefs(store.All)),
		RunE: func(cmd *cobra.Command, args []string) error {
			override, err := parseParams(params)
			if err != nil {
				return err
			}
			var o runOptions
			if err := a.withStore(cmd.Context(), func(st *store.Store) error {
				o, err = rerunOptions(cmd.Context(), st, args[0], override)
				return err
			}); err != nil {
				return err
			}
			o.name, o.grace, o.force = name, grace, force
			return a.runJob(cmd, o)
		},
	}
	c.Flags().StringArrayVarP(&params, "param", "p", nil, "change or add a param KEY=VALUE (repeatable)")
	c.Flags().StringVar(&name, "name", "", "name of the new run (default: generated)")
	c.Flags().DurationVar(&grace, "grace", runner.DefaultGrace, "time between SIGTERM and SIGKILL when the job is stopped")
	c.Flags().BoolVar(&force, "force", false, "run even when an input version has failed validation since")
	return c
}

// rerunOptions rebuilds what started ref, with override applied to its params.
func rerunOptions(ctx context.Context, st *store.Store, ref string, override []store.Tag) (runOptions, error) {
	r, err := st.ResolveRun(ctx, ref)
	if err != nil {
		return runOptions{}, err
	}
	o := runOptions{experiment: strconv.FormatInt(r.ExperimentID, 10), workdir: r.Tags[tagWorkdir], rerunOf: r.ID}
	raw := r.Tags[tagTemplate]
	if raw == "" {
		raw = r.Tags[tagCommand]
	}
	if err := json.Unmarshal([]byte(raw), &o.command); err != nil || len(o.command) == 0 || o.workdir == "" {
		return o, fmt.Errorf("run %s was not started by 'lathe run' (it lacks the tags %s and %s): there is no command to run again",
			shortID(r.ID), tagCommand, tagWorkdir)
	}
	var old map[string]string
	_ = json.Unmarshal([]byte(r.Tags[tagParams]), &old)
	for _, k := range store.SortedKeys(old) {
		o.params = append(o.params, store.Tag{Key: k, Value: old[k]})
	}
	for _, p := range override {
		if i := slices.IndexFunc(o.params, func(t store.Tag) bool { return t.Key == p.Key }); i >= 0 {
			o.params[i].Value = p.Value
		} else {
			o.params = append(o.params, p)
		}
	}
	_ = json.Unmarshal([]byte(r.Tags[tagOutputs]), &o.outputs)
	_ = json.Unmarshal([]byte(r.Tags[tagInputs]), &o.inputs)
	return o, nil
}

func newRunsLogsCmd(a *app) *cobra.Command {
	var follow bool
	c := &cobra.Command{
		Use:   "logs RUN",
		Short: "Print the output log of a run started by 'lathe run'",
		Long: `Print what the job of RUN wrote on stdout and stderr, as one log, with the
notes lathe added ([lathe] ...). While the job runs the log is read from its
file; afterwards from the run's artifact logs/output.log. -f keeps printing
what the job writes until it ends (Ctrl-C stops following, not the job).`,
		Example: `  lathe runs logs brisk-oak-12
  lathe runs logs 3f2a9c1e -f`,
		Args:              exactArgs(1, "one RUN"),
		ValidArgsFunction: positional(false, a.runRefs(store.All)),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			return a.withRun(ctx, args[0], func(st *store.Store, r *store.Run) error {
				a.recoverJobs(ctx, st)
				jobs, err := st.ListJobs(ctx, store.JobQuery{RunID: r.ID, Limit: 1})
				if err != nil {
					return err
				}
				if len(jobs) == 1 && store.JobActive(jobs[0].Status) && jobs[0].LogPath != "" {
					if done, err := a.printLiveLog(ctx, st, jobs[0], follow); done || err != nil {
						return err
					}
				}
				f, _, err := st.OpenArtifact(ctx, r.ID, "logs/output.log")
				if err == nil {
					defer f.Close()
					_, err = io.Copy(a.env.Stdout, f)
					return err
				}
				if !errors.Is(err, store.ErrNotFound) {
					return err
				}
				if len(jobs) == 1 && jobs[0].LogPath != "" {
					if f, err := os.Open(jobs[0].LogPath); err == nil {
						defer f.Close()
						_, err = io.Copy(a.env.Stdout, f)
						return err
					}
				}
				return fmt.Errorf("run %s has no log: it was not started by 'lathe run', or its log was lost", shortID(r.ID))
			})
		},
	}
	c.Flags().BoolVarP(&follow, "follow", "f", false, "keep printing the log of a running job until it ends")
	return c
}

// printLiveLog prints (and with follow, follows) a running job's log file.
// done is false when the file is gone, so the caller tries the artifact.
func (a *app) printLiveLog(ctx context.Context, st *store.Store, j *store.Job, follow bool) (done bool, err error) {
	if !follow {
		f, err := os.Open(j.LogPath)
		if err != nil {
			return false, nil
		}
		defer f.Close()
		_, err = io.Copy(a.env.Stdout, f)
		return true, err
	}
	n, err := runner.FollowFile(ctx, j.LogPath, 0, a.env.Stdout, func(ctx context.Context) (bool, error) {
		cur, err := st.GetJob(context.WithoutCancel(ctx), j.ID)
		if err != nil {
			return true, err
		}
		return !store.JobActive(cur.Status), nil
	})
	if ctx.Err() != nil {
		return true, nil // Ctrl-C ends following; the job goes on
	}
	return n > 0, err
}

func newRunsKillCmd(a *app) *cobra.Command {
	var grace time.Duration
	c := &cobra.Command{
		Use:   "kill RUN",
		Short: "Stop the running job of a run; the run becomes KILLED",
		Long: `Stop the job that 'lathe run' started for RUN: SIGTERM to its whole process
group, SIGKILL after --grace if anything is left. The 'lathe run' that
supervises the job then stores its log and outputs and ends the run as KILLED;
this command waits for that (bounded) and prints the run. A job on another
host is stopped by its supervisor at its next heartbeat.`,
		Example: `  lathe runs kill brisk-oak-12
  lathe runs kill 3f2a9c1e --grace 30s`,
		Args:              exactArgs(1, "one RUN"),
		ValidArgsFunction: positional(false, a.runRefs(store.ActiveOnly)),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			return a.withRun(ctx, args[0], func(st *store.Store, r *store.Run) error {
				a.recoverJobs(ctx, st)
				jobs, err := st.ListJobs(ctx, store.JobQuery{RunID: r.ID, ActiveOnly: true, Limit: 1})
				if err != nil {
					return err
				}
				if len(jobs) == 0 {
					return fmt.Errorf("run %s (%s) has no running job (its status is %s)", shortID(r.ID), r.Name, r.Status)
				}
				return a.killJob(ctx, st, r, jobs[0], grace)
			})
		},
	}
	c.Flags().DurationVar(&grace, "grace", runner.DefaultGrace, "time between SIGTERM and SIGKILL")
	return c
}

// killJob asks the supervisor to stop j and, on this host, stops it at once.
func (a *app) killJob(ctx context.Context, st *store.Store, r *store.Run, j *store.Job, grace time.Duration) error {
	if _, err := st.RequestJobCancel(ctx, j.ID); err != nil {
		return fmt.Errorf("kill run %s: %w", shortID(r.ID), err)
	}
	host, _ := os.Hostname()
	local := &runner.Local{Host: host, Grace: grace}
	if j.Backend == runner.LocalName && j.Host == host && j.PID > 0 {
		rec := runner.Record{Backend: j.Backend, Host: j.Host, PID: j.PID, LogPath: j.LogPath, Dir: j.Workdir}
		if job, err := local.Attach(ctx, rec); err == nil {
			if err := job.Cancel(ctx); err != nil {
				return fmt.Errorf("kill run %s: %w", shortID(r.ID), err)
			}
		} else if !errors.Is(err, runner.ErrGone) {
			return fmt.Errorf("kill run %s: %w", shortID(r.ID), err)
		}
		if j.SupervisorHost == host && !runner.PIDAlive(j.SupervisorPID) {
			// Nobody else will record the end: do it here.
			end, killed := st.Now(), store.StatusKilled
			_, _ = st.UpdateJob(ctx, j.ID, store.JobUpdate{Status: ptrTo(store.JobKilled)})
			_, _ = st.UpdateRun(ctx, r.ID, store.RunUpdate{Status: &killed, EndTime: &end})
		}
	}
	// The supervisor stores the log and outputs, then ends the job.
	deadline := time.Now().Add(grace + 2*heartbeatEvery + 30*time.Second)
	for {
		cur, err := st.GetJob(ctx, j.ID)
		if err != nil {
			return err
		}
		if !store.JobActive(cur.Status) {
			break
		}
		if time.Now().After(deadline) {
			fmt.Fprintf(a.env.Stderr, "lathe: job %d has been asked to stop but has not ended yet\n", j.ID)
			break
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	nr, err := st.GetRun(ctx, r.ID)
	if err != nil {
		return err
	}
	s := a.style()
	return a.printRun(ctx, st, nr, fmt.Sprintf("Stopped run %s (%s): %s", shortID(nr.ID), s.cyan(nr.Name), s.status(nr.Status)))
}

// jobJSON is a job in --json output (docs/jobs.md).
type jobJSON struct {
	JobID           int64    `json:"job_id"`
	RunID           *string  `json:"run_id"`
	Backend         string   `json:"backend"`
	Host            string   `json:"host"`
	PID             *int     `json:"pid"`
	SchedulerID     string   `json:"scheduler_id"`
	Status          string   `json:"status"`
	ExitCode        *int     `json:"exit_code"`
	Signal          *string  `json:"signal"`
	Error           string   `json:"error"`
	Command         []string `json:"command"`
	Workdir         string   `json:"workdir"`
	LogPath         string   `json:"log_path"`
	CancelRequested bool     `json:"cancel_requested"`
	Created         jsonTime `json:"created"`
	Started         jsonTime `json:"started"`
	Ended           jsonTime `json:"ended"`
	Heartbeat       jsonTime `json:"heartbeat"`
}

func toJobJSON(j *store.Job) jobJSON {
	out := jobJSON{JobID: j.ID, Backend: j.Backend, Host: j.Host, SchedulerID: j.SchedulerID, Status: j.Status,
		ExitCode: j.ExitCode, Error: j.Error, Command: j.Command, Workdir: j.Workdir, LogPath: j.LogPath,
		CancelRequested: j.CancelRequest, Created: jsonTime(j.Created), Started: jsonTime(j.Started),
		Ended: jsonTime(j.Ended), Heartbeat: jsonTime(j.Heartbeat)}
	if j.RunID != "" {
		out.RunID = &j.RunID
	}
	if j.PID != 0 {
		out.PID = &j.PID
	}
	if j.Signal != 0 {
		name := runner.SignalName(j.Signal)
		out.Signal = &name
	}
	if out.Command == nil {
		out.Command = []string{}
	}
	return out
}

func newRunsJobsCmd(a *app) *cobra.Command {
	var runRef string
	var active bool
	var limit int
	c := &cobra.Command{
		Use:   "jobs",
		Short: "List recent jobs: the processes behind runs",
		Long: `List the jobs that 'lathe run' started, newest first: the run, status
(STARTING, RUNNING, EXITED, KILLED, FAILED to start, or LOST), exit status or
signal, host and process id, and command. Jobs whose process and supervising
lathe are gone, or whose heartbeats stopped, are marked LOST first, and their
runs FAILED.`,
		Example: `  lathe runs jobs
  lathe runs jobs --active
  lathe runs jobs --run brisk-oak-12 --json`,
		Args: exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if limit < 1 {
				return usagef("--limit must be at least 1, not %d", limit)
			}
			ctx := cmd.Context()
			return a.withStore(ctx, func(st *store.Store) error {
				a.recoverJobs(ctx, st)
				q := store.JobQuery{ActiveOnly: active, Limit: limit}
				if runRef != "" {
					r, err := st.ResolveRun(ctx, runRef)
					if err != nil {
						return err
					}
					q.RunID = r.ID
				}
				jobs, err := st.ListJobs(ctx, q)
				if err != nil {
					return err
				}
				if a.json {
					out := make([]jobJSON, len(jobs))
					for i, j := range jobs {
						out[i] = toJobJSON(j)
					}
					return writeJSON(a.env.Stdout, out)
				}
				if len(jobs) == 0 {
					fmt.Fprintln(a.env.Stdout, "No jobs.")
					return nil
				}
				a.jobsTable(jobs).render(a.env.Stdout, a.style())
				return nil
			})
		},
	}
	c.Flags().StringVar(&runRef, "run", "", "only the jobs of this run")
	c.Flags().BoolVar(&active, "active", false, "only jobs that are starting or running")
	c.Flags().IntVarP(&limit, "limit", "n", 20, "show at most N jobs")
	_ = c.RegisterFlagCompletionFunc("run", a.runRefs(store.All))
	return c
}

func (a *app) jobsTable(jobs []*store.Job) *table {
	s := a.style()
	t := &table{header: []string{"JOB", "RUN", "STATUS", "EXIT", "HOST", "PID", "STARTED", "TOOK", "COMMAND"},
		right: []bool{true, false, false, true, false, true}, max: 60}
	now := a.env.now().UnixMilli()
	for _, j := range jobs {
		exit := "-"
		switch {
		case j.Signal != 0:
			exit = runner.SignalName(j.Signal)
		case j.ExitCode != nil:
			exit = strconv.Itoa(*j.ExitCode)
		}
		pid, took := "-", "-"
		if j.PID != 0 {
			pid = strconv.Itoa(j.PID)
		}
		if j.Started != 0 {
			end := j.Ended
			if end == 0 {
				end = now
			}
			took = fmtDuration(time.Duration(end-j.Started) * time.Millisecond)
		}
		run := "-"
		if j.RunID != "" {
			run = shortID(j.RunID)
		}
		t.add(cell{text: strconv.FormatInt(j.ID, 10)}, cell{text: run}, cell{text: j.Status, color: jobColour(s, j)},
			cell{text: exit}, cell{text: j.Host}, cell{text: pid}, cell{text: fmtTimeShort(j.Started, a.env.loc())},
			cell{text: took}, cell{text: shellLine(j.Command)})
	}
	return t
}

// jobColour colours a job status: green for a clean exit, red for a failed
// one, as runs are coloured.
func jobColour(s style, j *store.Job) colourFunc {
	code := map[string]string{store.JobRunning: ansiYellow, store.JobStarting: ansiBlue, store.JobExited: ansiGreen,
		store.JobKilled: ansiMag, store.JobFailed: ansiRed, store.JobLost: ansiRed}[j.Status]
	if j.Status == store.JobExited && (j.ExitCode == nil || *j.ExitCode != 0) {
		code = ansiRed
	}
	return func(text string) string { return s.wrap(code, text) }
}
