package runner

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

type recorder struct {
	mu      sync.Mutex
	batches [][]Directive
	fail    bool
}

func (r *recorder) flush(_ context.Context, b []Directive) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.batches = append(r.batches, append([]Directive(nil), b...))
	if r.fail {
		return errors.New("store says no")
	}
	return nil
}

func (r *recorder) sizes() []int {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []int
	for _, b := range r.batches {
		n := 0
		for _, d := range b {
			n += size(d)
		}
		out = append(out, n)
	}
	return out
}

func metric(step int64, keys ...string) Directive {
	d := Directive{Kind: KindMetric, Step: step}
	for _, k := range keys {
		d.Points = append(d.Points, Point{Key: k, Value: 1})
	}
	return d
}

func TestBatcherByCount(t *testing.T) {
	var r recorder
	b := NewBatcher(context.Background(), r.flush, BatcherOptions{MaxCount: 10, MaxDelay: time.Hour})
	for i := range 25 {
		if err := b.Add(metric(int64(i), "loss")); err != nil {
			t.Fatal(err)
		}
	}
	// Two full batches go out without waiting for the (hour-long) delay.
	eventually(t, "two full batches", func() bool { return len(r.sizes()) >= 2 })
	b.Close()
	total := 0
	for _, n := range r.sizes() {
		if n > 10 {
			t.Errorf("a batch of %d, over MaxCount 10: %v", n, r.sizes())
		}
		total += n
	}
	if total != 25 {
		t.Errorf("batches %v hold %d points, want 25", r.sizes(), total)
	}
	var steps []string
	for _, bt := range r.batches {
		for _, d := range bt {
			steps = append(steps, fmt.Sprint(d.Step))
		}
	}
	if strings.Join(steps, ",") != "0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24" {
		t.Errorf("order lost: %v", steps)
	}
	if err := b.Add(metric(99, "late")); !errors.Is(err, ErrBatcherClosed) {
		t.Errorf("Add after Close: %v", err)
	}
	b.Close() // twice is fine
}

func TestBatcherByTime(t *testing.T) {
	var r recorder
	b := NewBatcher(context.Background(), r.flush, BatcherOptions{MaxCount: 1000, MaxDelay: 10 * time.Millisecond})
	defer b.Close()
	if err := b.Add(Directive{Kind: KindParam, Key: "lr", Value: "0.1"}); err != nil {
		t.Fatal(err)
	}
	_ = b.Add(Directive{Kind: KindWarning, Warning: "not queued"})
	eventually(t, "a batch flushed by time", func() bool { return len(r.sizes()) == 1 })
	if r.batches[0][0].Key != "lr" || len(r.batches[0]) != 1 {
		t.Errorf("batch = %+v", r.batches[0])
	}
}

func TestBatcherSplitsBigDirectivesAndReportsErrors(t *testing.T) {
	r := recorder{fail: true}
	var errs []error
	var mu sync.Mutex
	b := NewBatcher(context.Background(), r.flush, BatcherOptions{MaxCount: 3, MaxDelay: time.Hour, BacklogBatches: 1,
		OnError: func(err error) { mu.Lock(); errs = append(errs, err); mu.Unlock() }})
	// Over the backlog: Add flushes in the caller, which therefore waits.
	_ = b.Add(metric(1, "a", "b", "c", "d", "e"))
	_ = b.Add(metric(2, "a"))
	b.Close()
	if got := fmt.Sprint(r.sizes()); got != "[5 1]" {
		t.Errorf("batch sizes %s, want a batch for the big directive alone, then the rest", got)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(errs) != 2 {
		t.Errorf("errors reported: %v", errs)
	}
}

func TestRedactEnv(t *testing.T) {
	env := RedactEnv([]string{"HOME=/root", "GITHUB_TOKEN=ghp_x", "aws_secret_access_key=s", "MY_PASSWORD=p",
		"API_KEY=k", "DB_URL=postgres://bob:hunter2@db:5432/x", "GIT=https://tok@github.com/a/b", "EMPTY=", "=odd", "PLAIN=a=b"})
	want := map[string]string{"HOME": "/root", "GITHUB_TOKEN": Redacted, "aws_secret_access_key": Redacted,
		"MY_PASSWORD": Redacted, "API_KEY": Redacted, "DB_URL": "postgres://bob:[redacted]@db:5432/x",
		"GIT": "https://[redacted]@github.com/a/b", "EMPTY": "", "PLAIN": "a=b"}
	if fmt.Sprint(env) != fmt.Sprint(want) {
		t.Errorf("RedactEnv =\n%v\nwant\n%v", env, want)
	}
}

func TestCaptureProvenance(t *testing.T) {
	ctx := testCtx(t)
	dir := t.TempDir()
	env := append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@x", "GIT_COMMITTER_NAME=t",
		"GIT_COMMITTER_EMAIL=t@x", "HOME="+dir, "SECRET_THING=s")
	p := CaptureProvenance(ctx, dir, env, []string{"true"})
	if p.Git != nil || p.Python != nil || p.Env["SECRET_THING"] != Redacted {
		t.Fatalf("outside a repo, no Python: %+v", p)
	}
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git")
	}
	git := func(args ...string) {
		t.Helper()
		cmd := exec.Command("git", args...)
		cmd.Dir, cmd.Env = dir, env
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	git("init", "-q", "-b", "main")
	git("remote", "add", "origin", "https://user:pw@example.com/r.git")
	if err := os.WriteFile(filepath.Join(dir, "train.py"), []byte("print(1)\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	git("add", ".")
	git("commit", "-q", "-m", "one")
	if err := os.WriteFile(filepath.Join(dir, "train.py"), []byte("print(2)\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	p = CaptureProvenance(ctx, dir, env, []string{"python3", "train.py"})
	g := p.Git
	if g == nil || len(g.Commit) != 40 || g.Branch != "main" || !g.Dirty || g.Remote != "https://user:[redacted]@example.com/r.git" ||
		!strings.Contains(string(g.Diff), "+print(2)") {
		t.Fatalf("git provenance = %+v", g)
	}
	if p.Python == nil {
		t.Fatal("a python3 command records its Python environment")
	}
	if _, err := exec.LookPath("python3"); err == nil && p.Python.Version == "" {
		t.Errorf("python3 exists but no version was recorded: %+v", p.Python)
	}
}
