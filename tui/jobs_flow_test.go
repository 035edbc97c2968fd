package tui_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest"

	"github.com/lathe-ml/lathe/runner"
	"github.com/lathe-ml/lathe/store"
	"github.com/lathe-ml/lathe/themes"
	"github.com/lathe-ml/lathe/tui"
	"github.com/lathe-ml/lathe/tui/internal/testutil"
)

// deadPID is the pid of a process that has ended and been reaped: the
// supervisor of a job whose `lathe run` is gone.
func deadPID(t *testing.T) int {
	t.Helper()
	c := exec.Command("true")
	if err := c.Run(); err != nil {
		t.Skipf("cannot run true: %v", err)
	}
	return c.Process.Pid
}

// TestFlowCancelJob: a real `sleep 60` started by the runner's local
// backend and recorded as `lathe run` records it (its supervisor gone);
// open the jobs pane, select it, x, y: the process is gone and the store
// says KILLED for the job and its run. The final frame is the golden.
func TestFlowCancelJob(t *testing.T) {
	ctx := context.Background()
	st := testutil.Seed(t)
	host, _ := os.Hostname()
	runID := testutil.ID("live-run")
	started := testutil.Base.UnixMilli()
	running := store.JobRunning

	// The job to cancel, recorded first (so listed second).
	logRel := filepath.Join("logs", "sleep.log")
	local := &runner.Local{Host: host, Grace: 5 * time.Second}
	job, err := local.Start(ctx, runner.Spec{Command: []string{"sleep", "60"}, LogPath: filepath.Join(st.Dir(), logRel)})
	if err != nil {
		t.Skipf("cannot start sleep: %v", err)
	}
	pid := job.Record().PID
	t.Cleanup(func() { _ = job.Cancel(context.Background()) })
	jr, err := st.CreateJob(ctx, store.JobCreate{Backend: runner.LocalName, Host: host, SupervisorHost: host, SupervisorPID: deadPID(t),
		RunID: runID, Command: []string{"sleep", "60"}, Workdir: st.Dir(), LogPath: logRel})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.UpdateJob(ctx, jr.ID, store.JobUpdate{Status: &running, PID: &pid, Started: &started}); err != nil {
		t.Fatal(err)
	}
	// An ended job above it.
	other, err := st.CreateJob(ctx, store.JobCreate{Backend: runner.LocalName, Host: "elsewhere", RunID: testutil.ID("baseline"),
		Command: []string{"python", "train.py"}, Workdir: "/work"})
	if err != nil {
		t.Fatal(err)
	}
	exited, code, ended := store.JobExited, 0, testutil.Base.Add(time.Minute).UnixMilli()
	if _, err := st.UpdateJob(ctx, other.ID, store.JobUpdate{Status: &exited, ExitCode: &code, Started: &started, Ended: &ended}); err != nil {
		t.Fatal(err)
	}

	th, _ := themes.Load("dark")
	m, err := tui.New(tui.Options{Store: st, StoreLabel: "test-store", Theme: th, Renderer: testutil.Renderer(),
		Clock: func() time.Time { return testutil.Now }, Loc: time.UTC, Poll: -1, ExportDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Close)
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(100, 24))
	waitFor(t, tm, "13 runs")
	key(tm, "5")
	waitFor(t, tm, "JOBS (2)", "sleep 60", "1 running")
	key(tm, "j", "x")
	waitFor(t, tm, "cancel job 1 (")
	key(tm, "y")
	waitFor(t, tm, "job 1 cancelled", "0 running")

	// The process is gone (bounded poll: SIGTERM ends sleep at once).
	if _, err := job.Wait(ctx); err != nil {
		t.Fatalf("waiting for sleep: %v", err)
	}
	for i := 0; runner.PIDAlive(pid); i++ {
		if i > 1000 {
			t.Fatalf("sleep (pid %d) still runs after the cancel", pid)
		}
		time.Sleep(time.Millisecond)
	}
	j, err := st.GetJob(ctx, jr.ID)
	if err != nil || j.Status != store.JobKilled || !j.CancelRequest {
		t.Fatalf("job after cancel = %+v, %v; want KILLED", j, err)
	}
	if r, err := st.GetRun(ctx, runID); err != nil || r.Status != store.StatusKilled {
		t.Fatalf("run after cancel = %v, %v; want KILLED", r.Status, err)
	}
	fm := final(t, tm)
	v := fm.View()
	if !strings.Contains(v, "KILLED") {
		t.Fatalf("final frame should show the job KILLED:\n%s", v)
	}
	golden.RequireEqual(t, []byte(v))
}
