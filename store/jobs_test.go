package store

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// openClocked opens a store whose clock the test moves.
func openClocked(t *testing.T) (*Store, *atomic.Int64) {
	t.Helper()
	var now atomic.Int64
	now.Store(time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC).UnixMilli())
	s, err := Open(context.Background(), t.TempDir(), Options{Clock: func() time.Time { return time.UnixMilli(now.Load()) }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, &now
}

func ptr[T any](v T) *T { return &v }

// deadPID returns the id of a process that has exited and been reaped.
func deadPID(t *testing.T) int {
	t.Helper()
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	return cmd.Process.Pid
}

func pidAlive(pid int) bool { return pid > 0 && syscall.Kill(pid, 0) == nil }

func TestJobLifecycle(t *testing.T) {
	s, now := openClocked(t)
	ctx := context.Background()
	r, err := s.CreateRun(ctx, RunCreate{Name: "train"})
	if err != nil {
		t.Fatal(err)
	}
	j, err := s.CreateJob(ctx, JobCreate{Backend: "local", Host: "box", SupervisorHost: "box", SupervisorPID: 42,
		RunID: r.ID, Command: []string{"python", "train.py", "--lr", "0.1"}, Workdir: "/src", LogPath: "/logs/1.log"})
	if err != nil {
		t.Fatal(err)
	}
	if j.Status != JobStarting || j.RunID != r.ID || j.Backend != "local" || j.SupervisorPID != 42 ||
		strings.Join(j.Command, " ") != "python train.py --lr 0.1" || j.Heartbeat != now.Load() || j.ExitCode != nil {
		t.Fatalf("created job = %+v", j)
	}
	now.Add(1000)
	j, err = s.UpdateJob(ctx, j.ID, JobUpdate{Status: ptr(JobRunning), PID: ptr(1234)})
	if err != nil {
		t.Fatal(err)
	}
	if j.Status != JobRunning || j.PID != 1234 || j.Started != now.Load() || j.Ended != 0 {
		t.Fatalf("running job = %+v", j)
	}
	other, err := s.CreateJob(ctx, JobCreate{Backend: "local", Command: []string{"true"}})
	if err != nil {
		t.Fatal(err)
	}
	if list, err := s.ListJobs(ctx, JobQuery{}); err != nil || len(list) != 2 || list[0].ID != other.ID {
		t.Fatalf("ListJobs = %v, %v; want both, newest first", list, err)
	}
	if list, err := s.ListJobs(ctx, JobQuery{RunID: r.ID}); err != nil || len(list) != 1 || list[0].ID != j.ID {
		t.Fatalf("ListJobs(run) = %v, %v", list, err)
	}

	beat, err := s.HeartbeatJob(ctx, j.ID, 500)
	if err != nil || beat.CancelRequested || beat.Revived {
		t.Fatalf("heartbeat = %+v, %v", beat, err)
	}
	if _, err := s.RequestJobCancel(ctx, j.ID); err != nil {
		t.Fatal(err)
	}
	now.Add(1000)
	if beat, err = s.HeartbeatJob(ctx, j.ID, 100); err != nil || !beat.CancelRequested {
		t.Fatalf("heartbeat after cancel request = %+v, %v", beat, err)
	}
	if j, _ = s.GetJob(ctx, j.ID); j.LogOffset != 500 || j.Heartbeat != now.Load() || !j.CancelRequest {
		t.Fatalf("after heartbeats: %+v (log offset must never go back)", j)
	}

	j, err = s.UpdateJob(ctx, j.ID, JobUpdate{Status: ptr(JobKilled), ExitCode: ptr(-1), Signal: ptr(15)})
	if err != nil {
		t.Fatal(err)
	}
	if j.Status != JobKilled || j.ExitCode == nil || *j.ExitCode != -1 || j.Signal != 15 || j.Ended != now.Load() {
		t.Fatalf("killed job = %+v", j)
	}
	if _, err := s.UpdateJob(ctx, j.ID, JobUpdate{Status: ptr(JobRunning)}); !errors.Is(err, ErrInvalidState) {
		t.Errorf("restarting an ended job: %v, want ErrInvalidState", err)
	}
	if _, err := s.HeartbeatJob(ctx, j.ID, 0); !errors.Is(err, ErrInvalidState) {
		t.Errorf("heartbeat of an ended job: %v, want ErrInvalidState", err)
	}
	if _, err := s.RequestJobCancel(ctx, j.ID); !errors.Is(err, ErrInvalidState) {
		t.Errorf("cancelling an ended job: %v, want ErrInvalidState", err)
	}
	if _, err := s.UpdateJob(ctx, j.ID, JobUpdate{Status: ptr("DONE")}); !errors.Is(err, ErrInvalid) {
		t.Errorf("unknown status: %v, want ErrInvalid", err)
	}
	if _, err := s.GetJob(ctx, 999); !errors.Is(err, ErrNotFound) {
		t.Errorf("GetJob(999): %v, want ErrNotFound", err)
	}
	if _, err := s.CreateJob(ctx, JobCreate{Backend: "local", Command: []string{"x"}, RunID: "nope"}); !errors.Is(err, ErrNotFound) {
		t.Errorf("job of an unknown run: %v, want ErrNotFound", err)
	}
	if _, err := s.CreateJob(ctx, JobCreate{Backend: "local"}); !errors.Is(err, ErrInvalid) {
		t.Errorf("job without a command: %v, want ErrInvalid", err)
	}

	evs, err := s.Events(ctx, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	for _, e := range evs {
		if strings.HasPrefix(e.Entity, "job:") {
			kinds[e.Kind]++
		}
	}
	if kinds["job.created"] != 2 || kinds["job.updated"] != 2 || kinds["job.cancel_requested"] != 1 {
		t.Errorf("job events = %v", kinds)
	}
}

func TestRecoverJobsFailsRunsOfDeadJobs(t *testing.T) {
	s, now := openClocked(t)
	ctx := context.Background()
	newJob := func(name string, pid, supervisor int) (*Run, *Job) {
		t.Helper()
		r, err := s.CreateRun(ctx, RunCreate{Name: name})
		if err != nil {
			t.Fatal(err)
		}
		j, err := s.CreateJob(ctx, JobCreate{Backend: "local", Host: "here", SupervisorHost: "here",
			SupervisorPID: supervisor, RunID: r.ID, Command: []string{"sleep", "100"}})
		if err != nil {
			t.Fatal(err)
		}
		if j, err = s.UpdateJob(ctx, j.ID, JobUpdate{Status: ptr(JobRunning), PID: ptr(pid)}); err != nil {
			t.Fatal(err)
		}
		return r, j
	}
	dead := deadPID(t)
	deadRun, deadJob := newJob("dead", dead, dead)
	liveRun, liveJob := newJob("live", os.Getpid(), os.Getpid())
	staleRun, staleJob := newJob("stale", os.Getpid(), os.Getpid())
	doneRun, _ := newJob("done-by-client", dead, dead)
	if _, err := s.UpdateRun(ctx, doneRun.ID, RunUpdate{Status: ptr(StatusFinished)}); err != nil {
		t.Fatal(err)
	}
	lastSign := now.Load()

	// 20 s later the live jobs beat again; the stale one does not.
	now.Add(20_000)
	if _, err := s.HeartbeatJob(ctx, liveJob.ID, 0); err != nil {
		t.Fatal(err)
	}
	now.Add(20_000)
	if _, err := s.HeartbeatJob(ctx, liveJob.ID, 0); err != nil {
		t.Fatal(err)
	}
	alive := func(j *Job) bool { return pidAlive(j.PID) || pidAlive(j.SupervisorPID) }
	lost, err := s.RecoverJobs(ctx, Recovery{StaleAfter: 30 * time.Second, Alive: alive})
	if err != nil {
		t.Fatal(err)
	}
	got := map[int64]*Job{}
	for _, j := range lost {
		got[j.ID] = j
	}
	if len(lost) != 3 || got[deadJob.ID] == nil || got[staleJob.ID] == nil || got[liveJob.ID] != nil {
		t.Fatalf("recovered %d jobs %v; want the dead, the stale and the client-finished ones", len(lost), got)
	}
	if j := got[deadJob.ID]; j.Status != JobLost || !strings.Contains(j.Error, "gone") || j.Ended != now.Load() {
		t.Errorf("dead job = %+v", j)
	}
	if j := got[staleJob.ID]; j.Status != JobLost || !strings.Contains(j.Error, "no heartbeat") {
		t.Errorf("stale job = %+v", j)
	}
	for _, c := range []struct {
		run    *Run
		status string
	}{{deadRun, StatusFailed}, {staleRun, StatusFailed}, {liveRun, StatusRunning}, {doneRun, StatusFinished}} {
		r, err := s.GetRun(ctx, c.run.ID)
		if err != nil {
			t.Fatal(err)
		}
		if r.Status != c.status {
			t.Errorf("run %s: status %s, want %s", r.Name, r.Status, c.status)
		}
		if c.status == StatusFailed && r.EndTime != lastSign {
			t.Errorf("run %s: end time %d, want the job's last sign of life %d", r.Name, r.EndTime, lastSign)
		}
	}
	// Recovery is idempotent.
	if again, err := s.RecoverJobs(ctx, Recovery{StaleAfter: 30 * time.Second, Alive: alive}); err != nil || len(again) != 0 {
		t.Errorf("second recovery = %v, %v", again, err)
	}
	// A supervisor that was only suspended takes its job back.
	beat, err := s.HeartbeatJob(ctx, staleJob.ID, 0)
	if err != nil || !beat.Revived {
		t.Fatalf("heartbeat of a lost job = %+v, %v; want revived", beat, err)
	}
	if j, _ := s.GetJob(ctx, staleJob.ID); j.Status != JobRunning || j.Ended != 0 || j.Error != "" {
		t.Errorf("revived job = %+v", j)
	}
}
