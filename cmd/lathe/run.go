package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/lathe-ml/lathe/runner"
	"github.com/lathe-ml/lathe/store"
	"github.com/lathe-ml/lathe/store/mlflowapi"
)

// runOptions is what `lathe run` and `lathe runs rerun` start.
type runOptions struct {
	experiment string      // id or name; "" for Default
	name       string      // run name; "" generates one
	params     []store.Tag // -p KEY=VALUE, in order
	outputs    []string    // --output paths, relative to workdir
	command    []string    // argv as given, {KEY} placeholders included
	workdir    string
	grace      time.Duration
	rerunOf    string   // run id
	inputs     []string // --input dataset refs
	force      bool     // run even when an input failed validation
	// inputEnv is filled by runJob: LATHE_INPUT_<NAME> -> local path.
	inputEnv map[string]string
}

func newRunCmd(a *app) *cobra.Command {
	var o runOptions
	var params []string
	c := &cobra.Command{
		Use:   "run [flags] -- COMMAND [ARG]...",
		Short: "Run a command as a tracked run",
		Long: `Run COMMAND as a new run: lathe records its params (-p), what reproduces it
(command, working directory, git commit and diff, host, user, Python
environment, environment variables with secrets redacted), streams its output
live to the terminal and stores it as the artifact logs/output.log, and stores
the --output files and directories as artifacts under outputs/.

The job reports metrics in either of two ways (docs/jobs.md):
  * by printing lines on stdout:  lathe: metric loss=0.42 step=3
                                  lathe: param lr=0.01
  * with an MLflow client: lathe serves the tracking API to the job alone and
    sets MLFLOW_TRACKING_URI, MLFLOW_RUN_ID, MLFLOW_EXPERIMENT_ID and the
    per-run MLFLOW_TRACKING_TOKEN (also LATHE_RUN_ID, LATHE_TRACKING_URI).

-p KEY=VALUE logs a param, sets LATHE_PARAM_KEY=VALUE for the job, and
replaces {KEY} in the command's arguments.

--input REF hands the job a dataset version (lathe data): its local path is in
LATHE_INPUT_<NAME> (NAME upper-cased, other characters '_'), the run records
the version as an input (MLflow's dataset inputs and lathe's lineage), and a
version that failed validation stops the run unless --force.

The job runs in its own process group. Ctrl-C (or SIGTERM, or 'lathe runs kill
RUN') sends it SIGTERM and SIGKILL after --grace; the run is then KILLED. A
second Ctrl-C kills it at once. The run ends FAILED when the command exits
non-zero, else with the status its MLflow client set, else FINISHED; lathe exits
with the command's status. With --json, the job's output goes to stderr and
stdout has only the finished run as JSON.`,
		Example: `  lathe run -- python train.py
  lathe run -e sweep -p lr=0.01 -p epochs=5 -- python train.py --lr {lr} --epochs {epochs}
  lathe run --name nightly --output model.pt --output plots/ -- ./train.sh
  RUN=$(lathe run --json -- sh train.sh | jq -r .run_id)`,
		Args: minArgs(1, "a COMMAND to run (put it after --)"),
		RunE: func(cmd *cobra.Command, args []string) error {
			kv, err := parseParams(params)
			if err != nil {
				return err
			}
			o.params, o.command, o.workdir = kv, args, a.env.Cwd
			return a.runJob(cmd, o)
		},
	}
	c.Flags().SetInterspersed(false) // flags after COMMAND are the command's
	f := c.Flags()
	f.StringVarP(&o.experiment, "experiment", "e", "", "experiment id or name (created if missing; default: Default)")
	f.StringVar(&o.name, "name", "", "run name (default: generated, like brisk-oak-12)")
	f.StringArrayVarP(&params, "param", "p", nil, "param KEY=VALUE for the run and the job (repeatable)")
	f.StringArrayVar(&o.outputs, "output", nil, "file or directory to store as an artifact afterwards (repeatable)")
	f.DurationVar(&o.grace, "grace", runner.DefaultGrace, "time between SIGTERM and SIGKILL when the job is stopped")
	f.StringArrayVar(&o.inputs, "input", nil, "dataset version the job reads (NAME, NAME:N, NAME@ALIAS; repeatable): path in $LATHE_INPUT_<NAME>")
	f.BoolVar(&o.force, "force", false, "run even when an --input version failed validation")
	_ = c.RegisterFlagCompletionFunc("input", a.dataRefs)
	_ = c.RegisterFlagCompletionFunc("experiment", a.experimentNames(store.ActiveOnly))
	return c
}

// parseParams reads -p KEY=VALUE flags; a malformed one is a usage error.
func parseParams(args []string) ([]store.Tag, error) {
	kv, err := parseKV(args, "param")
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for _, p := range kv {
		if err := store.ValidateKey("param", p.Key); err != nil {
			return nil, usagef("-p %s: %v", p.Key, err)
		}
		if len(p.Value) > store.MaxParamValueLength {
			return nil, usagef("-p %s: the value is over %d characters", p.Key, store.MaxParamValueLength)
		}
		if seen[p.Key] {
			return nil, usagef("-p %s is given twice", p.Key)
		}
		seen[p.Key] = true
	}
	return kv, nil
}

// tagMap turns ordered KEY=VALUE pairs into a map.
func tagMap(kv []store.Tag) map[string]string {
	m := make(map[string]string, len(kv))
	for _, t := range kv {
		m[t.Key] = t.Value
	}
	return m
}

func jsonString(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// exitStatus ends lathe with a job's exit status rather than 1. root.go's
// execute honours any error with an ExitCode method.
type exitStatus struct {
	code int
	msg  string
}

func (e *exitStatus) Error() string { return e.msg }

// ExitCode is the status lathe exits with.
func (e *exitStatus) ExitCode() int { return e.code }

// runJob creates the run and supervises its job to the end.
func (a *app) runJob(cmd *cobra.Command, o runOptions) error {
	ctx := cmd.Context()
	bg := context.WithoutCancel(ctx) // records must be written even after Ctrl-C
	argv, templated := runner.ExpandCommand(o.command, tagMap(o.params))
	st, err := a.open(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	host, _ := os.Hostname()
	a.recoverJobs(ctx, st)
	var expID int64
	if o.experiment != "" {
		e, err := a.ensureExperiment(cmd, st, o.experiment)
		if err != nil {
			return err
		}
		expID = e.ID
	}
	paramMap := tagMap(o.params)
	tags := []store.Tag{
		{Key: "mlflow.source.type", Value: "LOCAL"},
		{Key: tagCommand, Value: jsonString(argv)},
		{Key: tagWorkdir, Value: o.workdir},
		{Key: tagHost, Value: host},
		{Key: tagUser, Value: a.currentUser()},
		{Key: tagParams, Value: jsonString(paramMap)},
	}
	if templated {
		tags = append(tags, store.Tag{Key: tagTemplate, Value: jsonString(o.command)})
	}
	if len(o.outputs) > 0 {
		tags = append(tags, store.Tag{Key: tagOutputs, Value: jsonString(o.outputs)})
	}
	if o.rerunOf != "" {
		tags = append(tags, store.Tag{Key: tagRerunOf, Value: o.rerunOf})
	}
	inputs, err := a.resolveInputs(ctx, st, &o)
	if err != nil {
		return err
	}
	if len(inputs) > 0 {
		refs := make([]string, len(inputs))
		for i, v := range inputs {
			refs[i] = v.Ref()
		}
		tags = append(tags, store.Tag{Key: tagInputs, Value: jsonString(refs)})
	}
	source := truncate(shellLine(argv), 500)
	run, err := st.CreateRun(ctx, store.RunCreate{ExperimentID: expID, Name: o.name, UserID: a.currentUser(),
		Host: host, Source: source, Tags: tags})
	if err != nil {
		return fmt.Errorf("create run: %w", err)
	}
	s := &supervisor{a: a, st: st, bg: bg, o: o, argv: argv, run: run, host: host}
	if len(inputs) > 0 {
		if err := st.RecordRunDataInputs(ctx, run.ID, inputs, "training"); err != nil {
			return s.abort(fmt.Errorf("record inputs: %w", err), false)
		}
	}
	if len(o.params) > 0 {
		ps := make([]store.Param, len(o.params))
		for i, p := range o.params {
			ps[i] = store.Param(p)
		}
		if err := st.LogBatch(ctx, run.ID, store.Batch{Params: ps}); err != nil {
			return s.abort(fmt.Errorf("log params: %w", err), false)
		}
	}
	return s.supervise(ctx)
}

// shellLine quotes argv for people (and MLflow's source name).
func shellLine(argv []string) string {
	q := make([]string, len(argv))
	for i, a := range argv {
		q[i] = shellQuote(a)
	}
	return strings.Join(q, " ")
}

// supervisor runs one job for one run and records everything about it.
type supervisor struct {
	a    *app
	st   *store.Store
	bg   context.Context
	o    runOptions
	argv []string
	run  *store.Run
	host string

	jobID      int64
	logPath    string
	job        runner.Job
	jobv       atomic.Value // job again, for the API's goroutines
	cancelling atomic.Bool  // lathe asked the job to stop
	revived    atomic.Bool  // the job was marked LOST while we were away
}

// note adds a line of lathe's own to the job's output record (dropped
// before the job exists).
func (s *supervisor) note(format string, args ...any) {
	if j, ok := s.jobv.Load().(runner.Job); ok {
		j.Annotate("[lathe] " + fmt.Sprintf(format, args...))
	}
}

// abort ends the run FAILED (KILLED when interrupted) when the job could
// not even start.
func (s *supervisor) abort(cause error, interrupted bool) error {
	end := s.st.Now()
	status, jobStatus := store.StatusFailed, store.JobFailed
	if interrupted {
		status, jobStatus = store.StatusKilled, store.JobKilled
	}
	_, _ = s.st.UpdateRun(s.bg, s.run.ID, store.RunUpdate{Status: &status, EndTime: &end})
	if s.jobID != 0 {
		msg := cause.Error()
		_, _ = s.st.UpdateJob(s.bg, s.jobID, store.JobUpdate{Status: &jobStatus, Error: &msg})
	}
	code := 1
	if errors.Is(cause, runner.ErrStart) {
		code = 127 // as a shell reports a command it cannot run
	}
	return &exitStatus{code: code, msg: fmt.Sprintf("run %s (%s) %s: %v", shortID(s.run.ID), s.run.Name, status, cause)}
}

func ptrTo[T any](v T) *T { return &v }

// newToken is a fresh secret for one run's tracking API.
func newToken() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// serveAPI starts the MLflow API for the job on a free loopback port.
func (s *supervisor) serveAPI(token string) (*http.Server, string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, "", fmt.Errorf("listen for the job's tracking API: %w", err)
	}
	logger := slog.New(slog.NewTextHandler(noteWriter{s}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	api := mlflowapi.New(s.st, mlflowapi.Options{Logger: logger, Token: token, AllowedHosts: loopbackHosts()})
	srv := &http.Server{Handler: api, ReadHeaderTimeout: 10 * time.Second,
		ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn)}
	go func() { _ = srv.Serve(ln) }()
	return srv, "http://" + ln.Addr().String(), nil
}

// noteWriter turns the API's log lines into notes in the job's log.
type noteWriter struct{ s *supervisor }

func (w noteWriter) Write(p []byte) (int, error) {
	w.s.note("tracking API: %s", strings.TrimSpace(string(p)))
	return len(p), nil
}

// supervise starts the job, waits for it and records how it ended.
func (s *supervisor) supervise(ctx context.Context) error {
	a, st := s.a, s.st
	s.logPath = logPathFor(st, s.run.ID)
	token := newToken()
	srv, url, err := s.serveAPI(token)
	if err != nil {
		return s.abort(err, false)
	}
	defer srv.Close()
	jrec, err := st.CreateJob(s.bg, store.JobCreate{Backend: runner.LocalName, Host: s.host, SupervisorHost: s.host,
		SupervisorPID: os.Getpid(), RunID: s.run.ID, Command: s.argv, Workdir: s.o.workdir, LogPath: s.logPath})
	if err != nil {
		return s.abort(err, false)
	}
	s.jobID = jrec.ID
	vars := map[string]string{
		"LATHE_RUN_ID": s.run.ID, "LATHE_TRACKING_URI": url, "LATHE_JOB_ID": strconv.FormatInt(jrec.ID, 10),
		"MLFLOW_TRACKING_URI": url, "MLFLOW_RUN_ID": s.run.ID, "MLFLOW_TRACKING_TOKEN": token,
		"MLFLOW_EXPERIMENT_ID": strconv.FormatInt(s.run.ExperimentID, 10), "PYTHONUNBUFFERED": "1",
	}
	for _, p := range s.o.params {
		vars[runner.ParamEnvName(p.Key)] = p.Value
	}
	for k, v := range s.o.inputEnv {
		vars[k] = v
	}
	env := runner.MergeEnv(os.Environ(), vars)
	stdout := a.env.Stdout
	if a.json {
		stdout = a.env.Stderr
	}
	reporter := s.reporter()
	fmt.Fprintf(a.env.Stderr, "lathe: run %s (%s) started: %s\n", shortID(s.run.ID), s.run.Name, shellLine(s.argv))
	job, err := (&runner.Local{Host: s.host}).Start(ctx, runner.Spec{Command: s.argv, Dir: s.o.workdir, Env: env,
		Stdout: io.MultiWriter(stdout, reporter), Stderr: a.env.Stderr, LogPath: s.logPath, Grace: s.o.grace})
	if err != nil {
		reporter.Close()
		if ctx.Err() != nil {
			return s.abort(errors.New("interrupted before the command started"), true)
		}
		return s.abort(err, false)
	}
	s.job = job
	s.jobv.Store(job)
	reporter.Start()
	if _, err := st.UpdateJob(s.bg, s.jobID, store.JobUpdate{Status: ptrTo(store.JobRunning), PID: ptrTo(job.Record().PID)}); err != nil {
		s.note("warning: recording the job: %v", err)
	}
	provDone := make(chan struct{})
	go func() { defer close(provDone); s.recordProvenance(env) }()
	stopBeat := s.heartbeat()
	exit := s.wait(ctx)
	reporter.Close()
	sctx, cancel := context.WithTimeout(s.bg, 5*time.Second)
	_ = srv.Shutdown(sctx) // let the job's last requests finish
	cancel()
	<-provDone
	return s.finish(exit, stopBeat)
}

// logPathFor is where a run's job log lives while the job runs:
// STORE/jobs/RUN_ID.log. It becomes the artifact logs/output.log.
func logPathFor(st *store.Store, runID string) string {
	return st.Dir() + string(os.PathSeparator) + "jobs" + string(os.PathSeparator) + runID + ".log"
}

// heartbeat beats for the job until the returned function is called; a beat
// that finds a cancel request (lathe runs kill) cancels the job.
func (s *supervisor) heartbeat() (stop func()) {
	done, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		t := time.NewTicker(heartbeatEvery)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
			}
			beat, err := s.st.HeartbeatJob(s.bg, s.jobID, s.logSize())
			if err != nil {
				continue // the store is busy or gone: the next beat may do better
			}
			if beat.Revived {
				s.revived.Store(true)
			}
			if beat.CancelRequested && !s.cancelling.Swap(true) {
				s.note("cancel requested (lathe runs kill): stopping the job")
				go func() { _ = s.job.Cancel(s.bg) }()
			}
		}
	}()
	return func() { close(done); <-stopped }
}

func (s *supervisor) logSize() int64 {
	fi, err := os.Stat(s.logPath)
	if err != nil {
		return 0
	}
	return fi.Size()
}

// wait waits for the job; the first interrupt (ctx) stops it gracefully,
// a second kills it at once.
func (s *supervisor) wait(ctx context.Context) runner.Exit {
	exited := make(chan runner.Exit, 1)
	go func() { e, _ := s.job.Wait(s.bg); exited <- e }()
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	killNow, kill := context.WithCancel(s.bg)
	defer kill()
	interrupted, signals := ctx.Done(), 0
	for {
		select {
		case e := <-exited:
			return e
		case <-interrupted:
			interrupted = nil
			s.cancelling.Store(true)
			s.note("interrupted: stopping the job (SIGTERM to its process group, SIGKILL in %s; interrupt again to kill it now)", s.o.grace)
			go func() { _ = s.job.Cancel(killNow) }()
		case <-sigs:
			if signals++; signals == 2 {
				s.note("interrupted again: killing the job")
				kill()
				signal.Stop(sigs) // a third interrupt ends lathe itself
			}
		}
	}
}

// finish stores the log and outputs, sets the final statuses and tells
// the user.
func (s *supervisor) finish(exit runner.Exit, stopBeat func()) error {
	st, bg := s.st, s.bg
	if len(s.o.outputs) > 0 {
		err := s.job.Collect(bg, s.o.outputs, func(ctx context.Context, name string, r io.Reader) error {
			_, err := st.LogArtifact(ctx, s.run.ID, "outputs/"+name, r)
			return err
		})
		if err != nil {
			s.note("warning: storing outputs: %v", err)
		}
	}
	logged := false
	if f, err := os.Open(s.logPath); err == nil {
		_, err = st.LogArtifact(bg, s.run.ID, "logs/output.log", f)
		f.Close()
		logged = err == nil
		if err != nil {
			fmt.Fprintf(s.a.env.Stderr, "lathe: warning: storing the log of run %s: %v (it stays in %s)\n", shortID(s.run.ID), err, s.logPath)
		}
	}
	stopBeat()
	jrec, err := st.GetJob(bg, s.jobID)
	cancelled := exit.Cancelled || s.cancelling.Load() || err == nil && jrec.CancelRequest
	cur, err := st.GetRun(bg, s.run.ID)
	if err != nil {
		return err
	}
	status, end := store.StatusFinished, st.Now()
	switch {
	case cancelled:
		status = store.StatusKilled
	case !exit.Success():
		status = store.StatusFailed
	case cur.Status != store.StatusRunning && !(s.revived.Load() && cur.Status == store.StatusFailed):
		status = cur.Status // the job's MLflow client ended the run
		if cur.EndTime != 0 {
			end = cur.EndTime
		}
	}
	if _, err := st.UpdateRun(bg, s.run.ID, store.RunUpdate{Status: &status, EndTime: &end}); err != nil {
		fmt.Fprintf(s.a.env.Stderr, "lathe: warning: ending run %s: %v\n", shortID(s.run.ID), err)
	}
	jobStatus := store.JobExited
	if cancelled {
		jobStatus = store.JobKilled
	}
	sig, off := int(exit.Signal), s.logSize()
	if _, err := st.UpdateJob(bg, s.jobID, store.JobUpdate{Status: &jobStatus, ExitCode: &exit.Code, Signal: &sig, LogOffset: &off}); err != nil {
		fmt.Fprintf(s.a.env.Stderr, "lathe: warning: recording the end of job %d: %v\n", s.jobID, err)
	}
	if logged {
		_ = os.Remove(s.logPath)
	}
	return s.report(status, exit, end, cancelled)
}

// report prints the outcome and picks lathe's exit status: the job's, as a
// shell reports it (128+N for signal N).
func (s *supervisor) report(status string, exit runner.Exit, end int64, cancelled bool) error {
	a := s.a
	took := fmtDuration(time.Duration(end-s.run.StartTime) * time.Millisecond)
	if a.json {
		r, err := s.st.GetRun(s.bg, s.run.ID)
		if err != nil {
			return err
		}
		if err := writeJSON(a.env.Stdout, toRunJSON(r, newExpNames(s.st).name(s.bg, r.ExperimentID))); err != nil {
			return err
		}
	}
	code := exit.ShellCode()
	if code == 0 && cancelled {
		code = 1 // stopped by lathe, though the job exited 0 on SIGTERM
	}
	if code == 0 {
		fmt.Fprintf(a.env.Stderr, "lathe: run %s (%s) %s in %s\n", shortID(s.run.ID), s.run.Name, status, took)
		return nil
	}
	return &exitStatus{code: code, msg: fmt.Sprintf("run %s (%s) %s after %s: %s",
		shortID(s.run.ID), s.run.Name, status, took, exit)}
}

// resolveInputs resolves --input refs to versions, refuses versions that
// failed validation (unless --force), and materialises their files for the
// job, filling o.inputEnv.
func (a *app) resolveInputs(ctx context.Context, st *store.Store, o *runOptions) ([]*store.DataVersion, error) {
	var out []*store.DataVersion
	o.inputEnv = map[string]string{}
	for _, ref := range o.inputs {
		v, err := st.DataVersion(ctx, ref)
		if err != nil {
			return nil, fmt.Errorf("--input %s: %w", ref, err)
		}
		env := inputEnvName(v.Name)
		if _, dup := o.inputEnv[env]; dup {
			return nil, usagef("--input %s: another input already sets %s (one version per dataset)", ref, env)
		}
		if v.ValidationStatus == store.ValidationFailed && !o.force {
			return nil, fmt.Errorf("--input %s: %s failed validation (see lathe data show %s); use --force to run anyway", ref, v.Ref(), v.Ref())
		}
		p, err := st.MaterializeDataVersion(ctx, v)
		if err != nil {
			return nil, fmt.Errorf("--input %s: %w", ref, err)
		}
		o.inputEnv[env] = p
		out = append(out, v)
	}
	return out, nil
}

// inputEnvName is LATHE_INPUT_ and the dataset name upper-cased, with any
// character other than A-Z and 0-9 as '_'.
func inputEnvName(name string) string {
	return "LATHE_INPUT_" + strings.TrimPrefix(runner.ParamEnvName(name), "LATHE_PARAM_")
}
