package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lathe-ml/lathe/runner"
	"github.com/lathe-ml/lathe/store"
)

// openStore opens the harness's project store for checks the CLI does not
// print (artifacts, jobs).
func openStore(t *testing.T, h *harness) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), filepath.Join(h.cwd, store.ProjectDir), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// artifact reads one artifact of a run ("" when it does not exist).
func artifact(t *testing.T, st *store.Store, runID, path string) string {
	t.Helper()
	f, _, err := st.OpenArtifact(context.Background(), runID, path)
	if err != nil {
		return ""
	}
	defer f.Close()
	b, err := io.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func wantExit(t *testing.T, r result, job int) {
	t.Helper()
	if r.code == job {
		return
	}
	t.Errorf("exit %d, want the job's %d\nstderr:\n%s", r.code, job, r.stderr)
}

// lastRun is the newest run as JSON.
func lastRun(t *testing.T, h *harness) map[string]any {
	t.Helper()
	runs := decode[[]map[string]any](t, h.ok("runs", "ls", "--json", "-n", "1").stdout)
	if len(runs) != 1 {
		t.Fatalf("no runs")
	}
	return runs[0]
}

func gitRepo(t *testing.T, dir string) {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git")
	}
	for _, args := range [][]string{{"init", "-q"}, {"add", "train.sh"}, {"-c", "user.name=t", "-c", "user.email=t@x", "commit", "-q", "-m", "one"}} {
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
}

func TestRunRecordsEverything(t *testing.T) {
	h := newHarness(t)
	t.Setenv("LATHE_TEST_API_TOKEN", "hunter2")
	script := "echo start\nprintf 'lathe: metric loss=0.5 step=1\\nlathe: metric loss=0.25 step=2\\n'\n" +
		"echo 'lathe: param arch=cnn'\necho 'lathe: tag stage=dev'\necho 'lathe: metric loss=oops'\n" +
		"echo \"arg=$1 env=$LATHE_PARAM_LR run=$LATHE_RUN_ID tok=${MLFLOW_TRACKING_TOKEN:+set}\"\n" +
		"echo to-stderr >&2\necho model > model.txt\nmkdir -p ckpt && echo w > ckpt/w.bin\n"
	if err := os.WriteFile(filepath.Join(h.cwd, "train.sh"), []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	gitRepo(t, h.cwd)
	if err := os.WriteFile(filepath.Join(h.cwd, "train.sh"), []byte(script+"# dirty\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := h.ok("run", "-e", "tests", "--name", "first", "-p", "lr=0.1", "--output", "model.txt", "--output", "ckpt",
		"--", "sh", "train.sh", "{lr}")
	run := lastRun(t, h)
	id := run["run_id"].(string)
	for _, w := range []string{"start\n", "lathe: metric loss=0.5 step=1\n", "arg=0.1 env=0.1 run=" + id + " tok=set\n"} {
		if !strings.Contains(r.stdout, w) {
			t.Errorf("stdout lacks %q:\n%s", w, r.stdout)
		}
	}
	for _, w := range []string{"to-stderr\n", "[lathe] warning: stdout line 6: metric: loss", "FINISHED"} {
		if !strings.Contains(r.stderr, w) {
			t.Errorf("stderr lacks %q:\n%s", w, r.stderr)
		}
	}
	if run["status"] != "FINISHED" || run["run_name"] != "first" || run["experiment_name"] != "tests" || run["end_time"] == nil {
		t.Errorf("run = %v", run)
	}
	params := run["params"].(map[string]any)
	if params["lr"] != "0.1" || params["arch"] != "cnn" {
		t.Errorf("params = %v", params)
	}
	if m := run["metrics"].(map[string]any)["loss"].(map[string]any); m["count"] != 2.0 || m["last"] != 0.25 || m["last_step"] != 2.0 {
		t.Errorf("loss = %v", m)
	}
	tags := run["tags"].(map[string]any)
	wantTags := map[string]string{"stage": "dev", tagCommand: `["sh","train.sh","0.1"]`, tagTemplate: `["sh","train.sh","{lr}"]`,
		tagParams: `{"lr":"0.1"}`, tagOutputs: `["model.txt","ckpt"]`, tagWorkdir: h.cwd, tagUser: "tester", "lathe.git.dirty": "true"}
	for k, v := range wantTags {
		if tags[k] != v {
			t.Errorf("tag %s = %v, want %q", k, tags[k], v)
		}
	}
	for _, k := range []string{tagHost, tagJobID, "lathe.git.commit", "mlflow.source.git.commit"} {
		if tags[k] == nil || tags[k] == "" {
			t.Errorf("tag %s missing: %v", k, tags)
		}
	}

	st := openStore(t, h)
	log := artifact(t, st, id, "logs/output.log")
	for _, w := range []string{"start\n", "to-stderr\n", "[lathe] warning: stdout line 6"} {
		if !strings.Contains(log, w) {
			t.Errorf("logs/output.log lacks %q:\n%s", w, log)
		}
	}
	if got := h.ok("runs", "logs", id).stdout; got != log {
		t.Errorf("runs logs printed\n%s\nwant the stored log\n%s", got, log)
	}
	if artifact(t, st, id, "outputs/model.txt") != "model\n" || artifact(t, st, id, "outputs/ckpt/w.bin") != "w\n" {
		t.Error("--output files were not stored under outputs/")
	}
	if d := artifact(t, st, id, "lathe/git.diff"); !strings.Contains(d, "+# dirty") {
		t.Errorf("lathe/git.diff = %q", d)
	}
	var env map[string]string
	if err := json.Unmarshal([]byte(artifact(t, st, id, "lathe/env.json")), &env); err != nil {
		t.Fatalf("lathe/env.json: %v", err)
	}
	if env["LATHE_TEST_API_TOKEN"] != runner.Redacted || env["MLFLOW_TRACKING_TOKEN"] != runner.Redacted || env["LATHE_RUN_ID"] != id {
		t.Errorf("env.json does not redact secrets or lacks lathe's variables: %v", env)
	}
	jobs, err := st.ListJobs(context.Background(), store.JobQuery{RunID: id})
	if err != nil || len(jobs) != 1 || jobs[0].Status != store.JobExited || *jobs[0].ExitCode != 0 || jobs[0].PID == 0 {
		t.Fatalf("jobs = %+v, %v", jobs, err)
	}
	if _, err := os.Stat(jobs[0].LogPath); !os.IsNotExist(err) {
		t.Errorf("the job's log file %s is left behind after it was stored: %v", jobs[0].LogPath, err)
	}

	// rerun: same command and workdir, changed param.
	h.ok("runs", "rerun", id, "-p", "lr=0.5")
	re := lastRun(t, h)
	rt := re["tags"].(map[string]any)
	if re["params"].(map[string]any)["lr"] != "0.5" || rt[tagRerunOf] != id || rt[tagCommand] != `["sh","train.sh","0.5"]` ||
		re["experiment_name"] != "tests" {
		t.Errorf("rerun = %v", re)
	}
	if !strings.Contains(artifact(t, st, re["run_id"].(string), "logs/output.log"), "arg=0.5 env=0.5") {
		t.Error("the rerun did not get the new param")
	}
	h.fails(1, []string{"runs", "rerun", "quickstart-none"}, "quickstart-none")
}

func TestRunFailures(t *testing.T) {
	h := newHarness(t)
	r := h.run("run", "--", "sh", "-c", "echo bye; exit 3")
	wantExit(t, r, 3)
	if run := lastRun(t, h); run["status"] != "FAILED" || run["end_time"] == nil {
		t.Errorf("failed command: run %v", run)
	}
	if !strings.Contains(r.stderr, "FAILED") || !strings.Contains(r.stderr, "exit status 3") {
		t.Errorf("stderr %q does not say how the run ended", r.stderr)
	}
	r = h.run("run", "--", "no-such-command-for-lathe")
	wantExit(t, r, 127)
	if run := lastRun(t, h); run["status"] != "FAILED" || !strings.Contains(r.stderr, "no-such-command-for-lathe") {
		t.Errorf("missing command: run %v, stderr %q", run, r.stderr)
	}
	h.fails(2, []string{"run"})
	h.fails(2, []string{"run", "-p", "novalue", "--", "true"}, "KEY=VALUE")
	h.fails(2, []string{"run", "-p", "a=1", "-p", "a=2", "--", "true"}, "twice")
	h.fails(2, []string{"run", "-p", "bad!key=1", "--", "true"}, "bad!key")
}

func TestRunJSONKeepsStdoutForTheResult(t *testing.T) {
	h := newHarness(t)
	r := h.ok("run", "--json", "--", "sh", "-c", "echo job-output")
	run := decode[map[string]any](t, r.stdout)
	hasFields(t, "run --json", run, runFields...)
	if run["status"] != "FINISHED" || !strings.Contains(r.stderr, "job-output") {
		t.Errorf("run --json: %v, stderr %q", run, r.stderr)
	}
}

// A chatty job with many bad lines: every point is logged, every bad line
// warned about, and nothing deadlocks between output, parsing and store.
func TestRunFloodOfDirectives(t *testing.T) {
	h := newHarness(t)
	r := h.ok("run", "--", "awk", `BEGIN { for (i = 0; i < 20000; i++) { print "lathe: metric x=" i " step=" i; print "lathe: metric bad" } }`)
	m := lastRun(t, h)["metrics"].(map[string]any)["x"].(map[string]any)
	if m["count"] != 20000.0 || m["last"] != 19999.0 {
		t.Errorf("x = %v, want 20000 points", m)
	}
	if n := strings.Count(r.stderr, "[lathe] warning: stdout line"); n != 20000 {
		t.Errorf("%d warnings, want 20000", n)
	}
}

// runInBackground runs lathe in-process on its own goroutine, with ctx.
func runInBackground(ctx context.Context, h *harness, args ...string) <-chan result {
	done := make(chan result, 1)
	go func() {
		var out, errb bytes.Buffer
		env := &Env{Stdout: &out, Stderr: &errb, Stdin: strings.NewReader(""), Getenv: func(k string) string { return h.env[k] },
			Cwd: h.cwd, Location: time.UTC, IsTerminal: func(io.Writer) bool { return false }}
		code := execute(ctx, env, args)
		done <- result{out.String(), errb.String(), code}
	}()
	return done
}

// activeJob waits until the store has a running job and returns it.
func activeJob(t *testing.T, st *store.Store) *store.Job {
	t.Helper()
	var j *store.Job
	eventuallyCLI(t, "a running job", func() bool {
		jobs, err := st.ListJobs(context.Background(), store.JobQuery{ActiveOnly: true})
		if err == nil && len(jobs) == 1 && jobs[0].Status == store.JobRunning {
			j = jobs[0]
			return true
		}
		return false
	})
	return j
}

func eventuallyCLI(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestRunsKillAndLogsFollow(t *testing.T) {
	h := newHarness(t)
	st := openStore(t, h)
	gate := filepath.Join(h.cwd, "gate")
	done := runInBackground(context.Background(), h, "run", "--grace", "5s", "--", "sh", "-c",
		`echo ready; while [ ! -e "$1" ]; do sleep 0.01; done; echo after-gate; sleep 100`, "sh", gate)
	j := activeJob(t, st)
	eventuallyCLI(t, "the job's first line", func() bool { b, _ := os.ReadFile(j.LogPath); return string(b) == "ready\n" })
	if got := h.ok("runs", "logs", j.RunID).stdout; got != "ready\n" {
		t.Errorf("runs logs of a running job = %q", got)
	}
	follow := runInBackground(context.Background(), h, "runs", "logs", "-f", j.RunID)
	if err := os.WriteFile(gate, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	eventuallyCLI(t, "the line after the gate", func() bool { b, _ := os.ReadFile(j.LogPath); return strings.Contains(string(b), "after-gate") })
	k := h.ok("runs", "kill", j.RunID)
	if !strings.Contains(k.stdout, "KILLED") {
		t.Errorf("runs kill: %q", k.stdout)
	}
	r := <-done
	wantExit(t, r, 143)
	if run := lastRun(t, h); run["status"] != "KILLED" {
		t.Errorf("killed run: %v\nstderr:\n%s", run, r.stderr)
	}
	f := <-follow
	if f.code != 0 || !strings.HasPrefix(f.stdout, "ready\nafter-gate\n") {
		t.Errorf("runs logs -f: exit %d, %q", f.code, f.stdout)
	}
	h.fails(1, []string{"runs", "kill", j.RunID}, "no running job")
}

func TestRunInterruptedIsKilled(t *testing.T) {
	h := newHarness(t)
	st := openStore(t, h)
	pidFile := filepath.Join(h.cwd, "pid")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := runInBackground(ctx, h, "run", "--grace", "5s", "--", "sh", "-c", `sleep 100 & echo $! > "$1"; wait`, "sh", pidFile)
	activeJob(t, st)
	var grandchild int
	eventuallyCLI(t, "the grandchild's pid", func() bool {
		b, err := os.ReadFile(pidFile)
		grandchild, _ = strconv.Atoi(strings.TrimSpace(string(b)))
		return err == nil && grandchild > 0
	})
	cancel() // what Ctrl-C does to lathe
	r := <-done
	if run := lastRun(t, h); run["status"] != "KILLED" {
		t.Errorf("interrupted run: %v\nstderr:\n%s", run, r.stderr)
	}
	if !strings.Contains(r.stderr, "interrupted: stopping the job") {
		t.Errorf("stderr: %q", r.stderr)
	}
	eventuallyCLI(t, "the grandchild to be gone", func() bool { return !runner.PIDAlive(grandchild) })
}

func TestRunsJobsRecoversLostJobs(t *testing.T) {
	h := newHarness(t)
	st := openStore(t, h)
	ctx := context.Background()
	run, err := st.CreateRun(ctx, store.RunCreate{Name: "orphan"})
	if err != nil {
		t.Fatal(err)
	}
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	host, _ := os.Hostname()
	j, err := st.CreateJob(ctx, store.JobCreate{Backend: runner.LocalName, Host: host, SupervisorHost: host,
		SupervisorPID: dead.Process.Pid, RunID: run.ID, Command: []string{"python", "train.py"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.UpdateJob(ctx, j.ID, store.JobUpdate{Status: ptrTo(store.JobRunning), PID: &dead.Process.Pid}); err != nil {
		t.Fatal(err)
	}
	r := h.ok("runs", "jobs", "--json")
	jobs := decode[[]map[string]any](t, r.stdout)
	if len(jobs) != 1 || jobs[0]["status"] != "LOST" || jobs[0]["run_id"] != run.ID || !strings.Contains(jobs[0]["error"].(string), "gone") {
		t.Fatalf("runs jobs --json = %v", jobs)
	}
	hasFields(t, "runs jobs --json", jobs[0], "job_id", "run_id", "backend", "host", "pid", "status", "exit_code",
		"signal", "error", "command", "workdir", "log_path", "created", "started", "ended", "heartbeat")
	if !strings.Contains(r.stderr, "was lost") {
		t.Errorf("stderr does not report the lost job: %q", r.stderr)
	}
	if got, _ := st.GetRun(ctx, run.ID); got.Status != store.StatusFailed || got.EndTime == 0 {
		t.Errorf("the lost job's run: %s, end %d; want FAILED with an end time", got.Status, got.EndTime)
	}
	table := h.ok("runs", "jobs").stdout
	for _, w := range []string{"JOB", "STATUS", "LOST", "python train.py"} {
		if !strings.Contains(table, w) {
			t.Errorf("runs jobs lacks %q:\n%s", w, table)
		}
	}
	if out := h.ok("runs", "jobs", "--active").stdout; !strings.Contains(out, "No jobs.") {
		t.Errorf("runs jobs --active = %q", out)
	}
}

// buildLathe builds the real binary (without -race) into a temporary
// directory.
func buildLathe(t testing.TB) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "lathe")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Env = append(os.Environ(), "GOFLAGS=-buildvcs=false")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// TestMLflowClientHelper is not a test: TestRunEndToEnd runs the test
// binary as a job that talks to its run's tracking API as an MLflow client
// would, and reports what it saw with directive lines.
func TestMLflowClientHelper(t *testing.T) {
	if os.Getenv("LATHE_TEST_MLFLOW_HELPER") != "1" {
		t.Skip("a job for TestRunEndToEnd")
	}
	uri, runID, token := os.Getenv("MLFLOW_TRACKING_URI"), os.Getenv("MLFLOW_RUN_ID"), os.Getenv("MLFLOW_TRACKING_TOKEN")
	post := func(endpoint, token string, body map[string]any) int {
		b, _ := json.Marshal(body)
		req, err := http.NewRequest(http.MethodPost, uri+"/api/2.0/mlflow/"+endpoint, bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	metric := map[string]any{"run_id": runID, "key": "client_loss", "value": 0.5, "timestamp": time.Now().UnixMilli(), "step": 1}
	fmt.Printf("lathe: tag no_token_status=%d\n", post("runs/log-metric", "", map[string]any{"run_id": runID,
		"key": "sneaky", "value": 1, "timestamp": time.Now().UnixMilli()}))
	fmt.Printf("lathe: tag token_status=%d\n", post("runs/log-metric", token, metric))
	fmt.Printf("lathe: tag update_status=%d\n", post("runs/update", token, map[string]any{"run_id": runID, "status": "KILLED"}))
}

func TestRunEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildLathe(t)
	tmp := t.TempDir()
	repo, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	env := append(os.Environ(), "LATHE_STORE="+filepath.Join(tmp, "store"), "NO_COLOR=1", "LATHE_TEST_MLFLOW_HELPER=1")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	lathe := func(args ...string) result {
		t.Helper()
		cmd := exec.CommandContext(ctx, bin, args...)
		cmd.Env, cmd.Dir = env, tmp
		var out, errb strings.Builder
		cmd.Stdout, cmd.Stderr = &out, &errb
		err := cmd.Run()
		return result{out.String(), errb.String(), exitCode(err)}
	}
	last := func() map[string]any {
		t.Helper()
		runs := decode[[]map[string]any](t, lathe("runs", "ls", "--json", "-n", "1").stdout)
		if len(runs) != 1 {
			t.Fatal("no runs")
		}
		return runs[0]
	}
	train := filepath.Join(repo, "testdata", "jobs", "train.sh")

	r := lathe("run", "-p", "lr=0.1", "-p", "epochs=3", "--", "sh", train)
	run := last()
	if r.code != 0 || run["status"] != "FINISHED" {
		t.Fatalf("train.sh: exit %d, run %v\nstderr:\n%s", r.code, run, r.stderr)
	}
	params, tags := run["params"].(map[string]any), run["tags"].(map[string]any)
	if params["lr"] != "0.1" || params["epochs"] != "3" || params["optimizer"] != "sgd" || tags["dataset"] != "toy" {
		t.Errorf("params %v, tags %v", params, tags)
	}
	metrics := run["metrics"].(map[string]any)
	if m, ok := metrics["loss"].(map[string]any); !ok || m["count"] != 3.0 || metrics["final_loss"] == nil {
		t.Errorf("metrics = %v", metrics)
	}
	id := run["run_id"].(string)
	if logs := lathe("runs", "logs", id); !strings.Contains(logs.stdout, "epoch 3/3: loss") || !strings.Contains(logs.stdout, "training for 3 epochs") {
		t.Errorf("runs logs:\n%s", logs.stdout)
	}

	r = lathe("run", "-p", "fail=1", "--", "sh", train)
	wantExit(t, r, 3)
	if run := last(); run["status"] != "FAILED" {
		t.Errorf("failing job: run %v", run)
	}

	r = lathe("runs", "rerun", id, "-p", "lr=0.5")
	if re := last(); r.code != 0 || re["params"].(map[string]any)["lr"] != "0.5" || re["params"].(map[string]any)["epochs"] != "3" {
		t.Errorf("rerun: exit %d, %v\n%s", r.code, re, r.stderr)
	}

	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	r = lathe("run", "--", self, "-test.run=^TestMLflowClientHelper$")
	run = last()
	tags = run["tags"].(map[string]any)
	if r.code != 0 || tags["token_status"] != "200" || tags["update_status"] != "200" || run["metrics"].(map[string]any)["client_loss"] == nil {
		t.Errorf("MLflow client with the token: exit %d, run %v\n%s", r.code, run, r.stderr)
	}
	if run["status"] != "KILLED" {
		t.Errorf("a zero exit must keep the status the client set (KILLED), got %v", run["status"])
	}
	if tags["no_token_status"] != "401" {
		t.Errorf("a request without the token got %v, want 401", tags["no_token_status"])
	}

	// SIGINT to lathe: the whole process group goes, the run is KILLED.
	pidFile := filepath.Join(tmp, "pid")
	cmd := exec.CommandContext(ctx, bin, "run", "--grace", "5s", "--", "sh", "-c", `sleep 100 & echo $! > "$1"; wait`, "sh", pidFile)
	cmd.Env, cmd.Dir = env, tmp
	var errb syncBuffer
	cmd.Stderr = &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var grandchild int
	eventuallyCLI(t, "the grandchild's pid", func() bool {
		b, err := os.ReadFile(pidFile)
		grandchild, _ = strconv.Atoi(strings.TrimSpace(string(b)))
		return err == nil && grandchild > 0
	})
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); exitCode(err) == 0 {
		t.Errorf("lathe run exited 0 after SIGINT\n%s", errb.String())
	}
	if run := last(); run["status"] != "KILLED" {
		t.Errorf("interrupted run: %v\n%s", run, errb.String())
	}
	jobs := decode[[]map[string]any](t, lathe("runs", "jobs", "--json", "-n", "1").stdout)
	pgid := int(jobs[0]["pid"].(float64))
	eventuallyCLI(t, "the process group to be gone", func() bool { return !runner.PIDAlive(grandchild) && !runner.GroupAlive(pgid) })
	if jobs[0]["status"] != "KILLED" {
		t.Errorf("interrupted job: %v", jobs[0])
	}
}

// syncBuffer is a strings.Builder safe to read while a process writes it.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// BenchmarkRunOverhead measures what `lathe run -- true` costs over running
// true directly: creating the run and job, serving the API, capturing
// provenance, storing the log, ending the run. It reports ms-added/op.
func BenchmarkRunOverhead(b *testing.B) {
	bin := buildLathe(b)
	dir := b.TempDir()
	env := append(os.Environ(), "LATHE_STORE="+filepath.Join(dir, "store"), "NO_COLOR=1")
	truePath, err := exec.LookPath("true")
	if err != nil {
		b.Skip("no true")
	}
	lathe := func() {
		cmd := exec.Command(bin, "run", "--", truePath)
		cmd.Env, cmd.Dir = env, dir
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("lathe run: %v\n%s", err, out)
		}
	}
	lathe() // create the store outside the measurement
	const bareRuns = 50
	start := time.Now()
	for range bareRuns {
		if err := exec.Command(truePath).Run(); err != nil {
			b.Fatal(err)
		}
	}
	bare := time.Since(start) / bareRuns
	for b.Loop() {
		lathe()
	}
	per := b.Elapsed() / time.Duration(b.N)
	b.ReportMetric(float64(bare.Microseconds())/1000, "ms-bare/op")
	b.ReportMetric(float64((per-bare).Microseconds())/1000, "ms-added/op")
}
