package runner

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe for the concurrent writes of a test
// that reads it while a job runs.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
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

// eventually polls cond every 10ms for up to 30s: the tests never sleep to
// synchronise and never assert how long something took.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func start(t *testing.T, spec Spec) Job {
	t.Helper()
	j, err := (&Local{Grace: 5 * time.Second}).Start(testCtx(t), spec)
	if err != nil {
		t.Fatalf("start %v: %v", spec.Command, err)
	}
	return j
}

func TestLocalExitCodes(t *testing.T) {
	for _, c := range []struct {
		script string
		want   Exit
		shell  int
	}{
		{"exit 0", Exit{Code: 0}, 0},
		{"exit 3", Exit{Code: 3}, 3},
		{"kill -TERM $$", Exit{Code: -1, Signal: syscall.SIGTERM}, 143},
	} {
		j := start(t, Spec{Command: []string{"sh", "-c", c.script}})
		got, err := j.Wait(testCtx(t))
		if err != nil || got != c.want || got.ShellCode() != c.shell || got.Success() != (c.shell == 0) {
			t.Errorf("%q: Wait = %+v (%s), %v; want %+v, shell code %d", c.script, got, got, err, c.want, c.shell)
		}
		if again, _ := j.Wait(testCtx(t)); again != got {
			t.Errorf("%q: second Wait = %+v, want the same %+v", c.script, again, got)
		}
	}
}

func TestLocalStartErrors(t *testing.T) {
	l := &Local{}
	ctx := testCtx(t)
	if _, err := l.Start(ctx, Spec{}); !errors.Is(err, ErrInvalidSpec) {
		t.Errorf("no command: %v, want ErrInvalidSpec", err)
	}
	if _, err := l.Start(ctx, Spec{Command: []string{"true"}, LogPath: "rel.log"}); !errors.Is(err, ErrInvalidSpec) {
		t.Errorf("relative log path: %v, want ErrInvalidSpec", err)
	}
	if _, err := l.Start(ctx, Spec{Command: []string{"no-such-command-lathe"}}); !errors.Is(err, ErrStart) {
		t.Errorf("missing command: %v, want ErrStart", err)
	}
	if _, err := l.Start(ctx, Spec{Command: []string{"true"}, Dir: "/no/such/dir"}); !errors.Is(err, ErrStart) {
		t.Errorf("missing directory: %v, want ErrStart", err)
	}
	done, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := l.Start(done, Spec{Command: []string{"true"}}); !errors.Is(err, context.Canceled) {
		t.Errorf("done context: %v, want context.Canceled", err)
	}
}

func TestLocalRelativeCommandUsesDir(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "job.sh"), []byte("#!/bin/sh\necho \"in $(pwd)\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	var out syncBuffer
	j := start(t, Spec{Command: []string{"./job.sh"}, Dir: dir, Stdout: &out})
	if exit, err := j.Wait(testCtx(t)); err != nil || !exit.Success() {
		t.Fatalf("Wait = %v, %v", exit, err)
	}
	if real, _ := filepath.EvalSymlinks(dir); !strings.Contains(out.String(), real) && !strings.Contains(out.String(), dir) {
		t.Errorf("stdout %q: not run in %s", out.String(), dir)
	}
}

func TestLocalCapturesBothStreamsLineByLine(t *testing.T) {
	logPath := filepath.Join(t.TempDir(), "sub", "job.log")
	var stdout, stderr syncBuffer
	// Two writers race on each stream with lines written in pieces; the
	// log must still hold whole lines only.
	script := `for i in $(seq 1 200); do printf 'out-%d-' $i; printf 'tail\n'; done &
for i in $(seq 1 200); do printf 'err-%d-' $i >&2; printf 'tail\n' >&2; done
wait
printf 'no newline at the end'`
	// A long idle flush: a loaded machine must not split a line in two.
	j, err := (&Local{IdleFlush: time.Minute}).Start(testCtx(t), Spec{Command: []string{"sh", "-c", script},
		Stdout: &stdout, Stderr: &stderr, LogPath: logPath})
	if err != nil {
		t.Fatal(err)
	}
	if exit, err := j.Wait(testCtx(t)); err != nil || !exit.Success() {
		t.Fatalf("Wait = %v, %v", exit, err)
	}
	b, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatal(err)
	}
	var outs, errs []string
	for _, l := range strings.Split(strings.TrimSuffix(string(b), "\n"), "\n") {
		switch {
		case l == "no newline at the end":
		case strings.HasPrefix(l, "out-") && strings.HasSuffix(l, "-tail") && strings.Count(l, "-") == 2:
			outs = append(outs, l)
		case strings.HasPrefix(l, "err-") && strings.HasSuffix(l, "-tail") && strings.Count(l, "-") == 2:
			errs = append(errs, l)
		default:
			t.Errorf("mixed or broken log line %q", l)
		}
	}
	if len(outs) != 200 || len(errs) != 200 {
		t.Errorf("log has %d stdout and %d stderr lines, want 200 each", len(outs), len(errs))
	}
	if strings.Contains(stdout.String(), "err-") || strings.Count(stdout.String(), "\n") != 200 {
		t.Errorf("stdout writer got stderr or lost lines: %d lines", strings.Count(stdout.String(), "\n"))
	}
	if strings.Contains(stderr.String(), "out-") || strings.Count(stderr.String(), "\n") != 200 {
		t.Errorf("stderr writer got stdout or lost lines: %d lines", strings.Count(stderr.String(), "\n"))
	}
	var followed bytes.Buffer
	if off, err := j.Logs(testCtx(t), 0, &followed); err != nil || off != int64(len(b)) || followed.String() != string(b) {
		t.Errorf("Logs = %d bytes, %v; want the whole log (%d bytes)", off, err, len(b))
	}
}

func TestLocalPartialLineIsFlushedWhileWaiting(t *testing.T) {
	var out syncBuffer
	dir := t.TempDir()
	gate := filepath.Join(dir, "gate")
	// The job prints a prompt without a newline and then waits for the
	// test, which waits for the prompt: it must arrive without its end.
	j := start(t, Spec{Command: []string{"sh", "-c", `printf 'progress: '; while [ ! -e "$1" ]; do sleep 0.01; done; echo done`, "sh", gate}, Stdout: &out})
	eventually(t, "the partial line", func() bool { return out.String() == "progress: " })
	if err := os.WriteFile(gate, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := j.Wait(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	if out.String() != "progress: done\n" {
		t.Errorf("stdout = %q", out.String())
	}
}

// readPIDs waits for a job to write its pids into path, one per line.
func readPIDs(t *testing.T, path string, n int) []int {
	t.Helper()
	var pids []int
	eventually(t, "the job's pids", func() bool {
		b, err := os.ReadFile(path)
		if err != nil || !bytes.HasSuffix(b, []byte("\n")) {
			return false
		}
		pids = pids[:0]
		for _, f := range strings.Fields(string(b)) {
			p, err := strconv.Atoi(f)
			if err != nil {
				return false
			}
			pids = append(pids, p)
		}
		return len(pids) >= n
	})
	return pids
}

func TestLocalCancelKillsTheWholeGroup(t *testing.T) {
	dir := t.TempDir()
	pidFile := filepath.Join(dir, "pids")
	// The shell starts a grandchild in the background and waits; the
	// grandchild ignores SIGTERM, so only SIGKILL after the grace ends it.
	script := `sh -c 'trap "" TERM; sleep 100' & echo $! > "$1.tmp"; echo $$ >> "$1.tmp"; mv "$1.tmp" "$1"; wait`
	j, err := (&Local{Grace: 200 * time.Millisecond}).Start(testCtx(t), Spec{Command: []string{"sh", "-c", script, "sh", pidFile}})
	if err != nil {
		t.Fatal(err)
	}
	pids := readPIDs(t, pidFile, 2)
	grandchild := pids[0]
	if !PIDAlive(grandchild) || !GroupAlive(j.Record().PID) {
		t.Fatalf("grandchild %d or group %d not running before cancel", grandchild, j.Record().PID)
	}
	if err := j.Cancel(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	exit, err := j.Wait(testCtx(t))
	if err != nil || !exit.Cancelled || exit.Success() {
		t.Errorf("after Cancel: Wait = %+v, %v", exit, err)
	}
	eventually(t, "the grandchild to be gone", func() bool { return !PIDAlive(grandchild) })
	if GroupAlive(j.Record().PID) {
		t.Errorf("process group %d still has live members", j.Record().PID)
	}
	if err := j.Cancel(testCtx(t)); err != nil {
		t.Errorf("second Cancel: %v", err)
	}
}

func TestLocalStopsLeftoversWhenTheJobExits(t *testing.T) {
	pidFile := filepath.Join(t.TempDir(), "pids")
	// The job leaves a background process behind that holds stdout open.
	j := start(t, Spec{Command: []string{"sh", "-c", `sleep 100 & echo $! > "$1.tmp"; mv "$1.tmp" "$1"; exit 0`, "sh", pidFile}, Stdout: io.Discard})
	exit, err := j.Wait(testCtx(t))
	if err != nil || !exit.Success() || exit.Cancelled {
		t.Fatalf("Wait = %+v, %v", exit, err)
	}
	leftover := readPIDs(t, pidFile, 1)[0]
	eventually(t, "the leftover process to be gone", func() bool { return !PIDAlive(leftover) })
}

func TestLocalAttachProbeAndCancel(t *testing.T) {
	dir := t.TempDir()
	pidFile := filepath.Join(dir, "pids")
	logPath := filepath.Join(dir, "job.log")
	l := &Local{Grace: 5 * time.Second}
	started, err := l.Start(testCtx(t), Spec{Command: []string{"sh", "-c", `echo hello; sleep 100 & echo $! > "$1.tmp"; mv "$1.tmp" "$1"; wait`, "sh", pidFile}, LogPath: logPath})
	if err != nil {
		t.Fatal(err)
	}
	grandchild := readPIDs(t, pidFile, 1)[0]
	rec := started.Record()
	if rec.Backend != LocalName || rec.PID <= 0 || rec.LogPath != logPath {
		t.Fatalf("Record = %+v", rec)
	}
	if st, err := l.Probe(testCtx(t), rec); err != nil || st != StateRunning {
		t.Fatalf("Probe = %v, %v", st, err)
	}
	other := rec
	other.Host = "elsewhere"
	if _, err := l.Attach(testCtx(t), other); !errors.Is(err, ErrNotSupported) {
		t.Errorf("attach to another host's job: %v, want ErrNotSupported", err)
	}
	// Another process would attach from the record alone.
	att, err := l.Attach(testCtx(t), rec)
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, "hello in the log", func() bool { b, _ := os.ReadFile(logPath); return string(b) == "hello\n" })
	att.Annotate("[lathe] a note")
	if err := att.Cancel(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	if _, err := att.Wait(testCtx(t)); !errors.Is(err, ErrExitUnknown) {
		t.Errorf("attached Wait: %v, want ErrExitUnknown", err)
	}
	exit, err := started.Wait(testCtx(t))
	if err != nil || exit.Signal != syscall.SIGTERM {
		t.Errorf("the starter sees %+v, %v; want killed by SIGTERM", exit, err)
	}
	eventually(t, "the grandchild to be gone", func() bool { return !PIDAlive(grandchild) })
	if st, _ := l.Probe(testCtx(t), rec); st != StateGone {
		t.Errorf("Probe after cancel = %v", st)
	}
	if _, err := l.Attach(testCtx(t), rec); !errors.Is(err, ErrGone) {
		t.Errorf("attach to an ended job: %v, want ErrGone", err)
	}
	b, _ := os.ReadFile(logPath)
	if string(b) != "hello\n[lathe] a note\n" {
		t.Errorf("log = %q", b)
	}
}

func TestCollect(t *testing.T) {
	dir := t.TempDir()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.MkdirAll(filepath.Join(dir, "ckpt", "deep"), 0o755))
	must(os.WriteFile(filepath.Join(dir, "model.txt"), []byte("m"), 0o644))
	must(os.WriteFile(filepath.Join(dir, "ckpt", "a.bin"), []byte("a"), 0o644))
	must(os.WriteFile(filepath.Join(dir, "ckpt", "deep", "b.bin"), []byte("b"), 0o644))
	must(os.Symlink("/no/such/target", filepath.Join(dir, "ckpt", "dangling")))
	j := start(t, Spec{Command: []string{"true"}, Dir: dir})
	if _, err := j.Wait(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	err := j.Collect(testCtx(t), []string{"model.txt", "ckpt", "missing.txt"}, func(_ context.Context, name string, r io.Reader) error {
		b, err := io.ReadAll(r)
		got[name] = string(b)
		return err
	})
	if err == nil || !strings.Contains(err.Error(), "missing.txt") || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Collect error = %v; want it to name missing.txt", err)
	}
	var names []string
	for n := range got {
		names = append(names, n)
	}
	sort.Strings(names)
	if strings.Join(names, ",") != "ckpt/a.bin,ckpt/deep/b.bin,model.txt" || got["ckpt/deep/b.bin"] != "b" {
		t.Errorf("collected %v", got)
	}
}

type writerFunc func(p []byte)

func (f writerFunc) Write(p []byte) (int, error) { f(p); return len(p), nil }

// A Spec.Stdout writer may annotate the job (a Reporter warning about the
// line it was handed) without deadlocking on the output lock.
func TestAnnotateFromTheOutputWriter(t *testing.T) {
	logPath := filepath.Join(t.TempDir(), "job.log")
	var job atomic.Value
	ready := make(chan struct{})
	w := writerFunc(func(p []byte) {
		<-ready
		job.Load().(Job).Annotate("[lathe] saw " + strings.TrimSpace(string(p)))
	})
	j := start(t, Spec{Command: []string{"sh", "-c", "echo a; echo b"}, Stdout: w, LogPath: logPath})
	job.Store(j)
	close(ready)
	if _, err := j.Wait(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(logPath); string(b) != "a\n[lathe] saw a\nb\n[lathe] saw b\n" {
		t.Errorf("log = %q", b)
	}
}
