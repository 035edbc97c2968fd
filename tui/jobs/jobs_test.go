package jobs_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/charmbracelet/x/exp/golden"

	"github.com/lathe-ml/lathe/store"
	"github.com/lathe-ml/lathe/tui/common"
	"github.com/lathe-ml/lathe/tui/internal/testutil"
	"github.com/lathe-ml/lathe/tui/jobs"
)

// seed adds three jobs: one exited (baseline), one killed (killed-early) and
// one running on another host (live-run, the newest), each with a log.
func seed(t *testing.T) *store.Store {
	t.Helper()
	ctx := context.Background()
	st := testutil.Seed(t)
	dir := st.Dir()
	if err := os.MkdirAll(filepath.Join(dir, "logs"), 0o755); err != nil {
		t.Fatal(err)
	}
	for i, j := range []struct {
		run, status string
		code        int
	}{{"baseline", store.JobExited, 0}, {"killed-early", store.JobKilled, -1}, {"live-run", store.JobRunning, 0}} {
		log := filepath.Join("logs", fmt.Sprintf("job%d.log", i)) // relative to the store
		var b strings.Builder
		for k := 1; k <= 40; k++ {
			fmt.Fprintf(&b, "\x1b[32mstep %d\x1b[0m\tloss %.3f\n", k, 2.0/float64(k))
		}
		if err := os.WriteFile(filepath.Join(dir, log), []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		jb, err := st.CreateJob(ctx, store.JobCreate{Backend: "local", Host: "elsewhere", SupervisorHost: "elsewhere", SupervisorPID: 1,
			RunID: testutil.ID(j.run), Command: []string{"python", "train.py", "--run", j.run}, Workdir: "/work", LogPath: log})
		if err != nil {
			t.Fatal(err)
		}
		running := store.JobRunning
		started := testutil.Base.Add(-1e9 * 60).UnixMilli()
		if _, err := st.UpdateJob(ctx, jb.ID, store.JobUpdate{Status: &running, Started: &started}); err != nil {
			t.Fatal(err)
		}
		if j.status != store.JobRunning {
			ended := testutil.Base.UnixMilli()
			code := j.code
			if _, err := st.UpdateJob(ctx, jb.ID, store.JobUpdate{Status: &j.status, ExitCode: &code, Ended: &ended}); err != nil {
				t.Fatal(err)
			}
		}
	}
	return st
}

// open loads the pane, then focuses it (a focused pane with a running job
// keeps ticking, which Drain would follow for ever).
func open(t *testing.T, st common.Store, w, h int) *jobs.Model {
	t.Helper()
	m := jobs.New(testutil.Common(t, st))
	m.SetSize(w, h)
	testutil.Drain(t, m.Update, m.Init())
	m.Focus()
	return m
}

func TestView(t *testing.T) {
	st := seed(t)
	for _, sz := range testutil.Sizes {
		t.Run(testutil.SizeName(sz), func(t *testing.T) {
			m := open(t, st, sz[0], sz[1]-2)
			golden.RequireEqual(t, []byte(m.View()))
		})
	}
}

func TestEmpty(t *testing.T) {
	m := open(t, testutil.Seed(t), 80, 20)
	if v := m.View(); !strings.Contains(v, "No jobs yet") {
		t.Fatalf("no jobs should say so:\n%s", v)
	}
}

func TestCancel(t *testing.T) {
	st := seed(t)
	m := open(t, st, 100, 30)
	testutil.Press(t, m.Update, "x")
	if v := m.View(); !strings.Contains(v, "cancel job 3 (") || !m.Capturing() {
		t.Fatalf("x should ask first:\n%s", v)
	}
	testutil.Press(t, m.Update, "n")
	if j, _ := st.GetJob(context.Background(), 3); j.CancelRequest {
		t.Fatal("n must not cancel")
	}
	testutil.Press(t, m.Update, "x")
	cmd := m.Update(testutil.Key("y"))
	m.Blur() // no refresh ticks while draining
	msgs := testutil.Drain(t, m.Update, cmd)
	var said bool
	for _, msg := range msgs {
		if f, ok := msg.(common.FlashMsg); ok && strings.HasPrefix(f.Text, "cancel requested for job 3") {
			said = true
		}
	}
	if !said {
		t.Fatalf("cancelling should say so: %v", msgs)
	}
	j, err := st.GetJob(context.Background(), 3)
	if err != nil || !j.CancelRequest {
		t.Fatalf("y should request the cancel: %+v %v", j, err)
	}
}

func TestTail(t *testing.T) {
	p := filepath.Join(t.TempDir(), "log")
	os.WriteFile(p, []byte(strings.Repeat("x", 70<<10)+"\nline a\r\nprogress 10%\rprogress 90%\n"), 0o644)
	got, err := jobs.Tail(p, 5)
	if err != nil || strings.Join(got, "|") != "line a|progress 90%" {
		t.Fatalf("Tail = %q, %v", got, err)
	}
}

func TestTailFromArtifact(t *testing.T) {
	ctx := context.Background()
	st := testutil.Seed(t)
	jb, err := st.CreateJob(ctx, store.JobCreate{Backend: "local", Host: "elsewhere", RunID: testutil.ID("baseline"),
		Command: []string{"python", "train.py"}, LogPath: "logs/gone.log"})
	if err != nil {
		t.Fatal(err)
	}
	exited, code := store.JobExited, 0
	if _, err := st.UpdateJob(ctx, jb.ID, store.JobUpdate{Status: &exited, ExitCode: &code}); err != nil {
		t.Fatal(err)
	}
	m := open(t, st, 100, 20)
	if v := m.View(); !strings.Contains(v, "artifact logs/output.log") || !strings.Contains(v, "epoch 1 loss 2.3") {
		t.Fatalf("an ended job's log should come from its run's artifact:\n%s", v)
	}
}

// TestFilter: `/` narrows the jobs by status, run or command as typed, the
// log follows the selected job, esc clears the filter.
func TestFilter(t *testing.T) {
	st := seed(t)
	m := open(t, st, 120, 30)
	testutil.Drain(t, m.Update, m.StartFilter())
	if !m.Capturing() {
		t.Fatal("/ should give the filter the keyboard")
	}
	testutil.Press(t, m.Update, "K", "I", "L", "L", "E", "D")
	testutil.Drain(t, m.Update, m.Update(testutil.Key("enter")))
	v := m.View()
	if m.Capturing() || !strings.Contains(v, "/KILLED · 1 of 3 jobs") || !strings.Contains(v, "killed-early") || strings.Contains(v, "live-run") {
		t.Fatalf("the filter should leave the killed job only:\n%s", v)
	}
	golden.RequireEqual(t, []byte(v))
	if ok, cmd := m.Back(); !ok {
		t.Fatal("esc should clear the filter")
	} else {
		testutil.Drain(t, m.Update, cmd)
	}
	if v := m.View(); !strings.Contains(v, "3 jobs, 1 running") {
		t.Fatalf("clearing the filter should show every job:\n%s", v)
	}
	// By command, and keys type while filtering.
	testutil.Drain(t, m.Update, m.StartFilter())
	for _, r := range "--run base" {
		testutil.Press(t, m.Update, string(r))
	}
	if v := m.View(); !strings.Contains(v, "baseline") || strings.Contains(v, "killed-early") {
		t.Fatalf("the filter should match the command:\n%s", v)
	}
}
