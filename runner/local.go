package runner

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// LocalName is the local backend's Name.
const LocalName = "local"

// Default timings of the local backend.
const (
	// DefaultGrace is the time between SIGTERM and SIGKILL.
	DefaultGrace = 10 * time.Second
	// DefaultDrain bounds how long Wait waits for the end of the output
	// once the job's processes are gone (a daemon that escaped the process
	// group may hold the pipe open forever).
	DefaultDrain = 2 * time.Second
)

// Local runs jobs as children of this process, on this machine. Each job is
// its own process group, so that cancelling it reaches everything it
// started; when the job's first process exits, whatever it left running in
// its group is stopped too (SIGTERM, then SIGKILL after the grace period).
// The job's stdin is /dev/null: it runs in the background of the terminal.
type Local struct {
	// Host names this machine in Records; "" means os.Hostname().
	Host string
	// Grace is the default time between SIGTERM and SIGKILL.
	Grace time.Duration
	// Drain bounds the wait for output after the job's processes are gone.
	Drain time.Duration
	// IdleFlush is how long a partial line waits for its end before it is
	// written anyway (default DefaultIdleFlush).
	IdleFlush time.Duration
}

var _ Backend = (*Local)(nil)

// Name implements Backend.
func (l *Local) Name() string { return LocalName }

func (l *Local) host() string {
	if l.Host != "" {
		return l.Host
	}
	h, _ := os.Hostname()
	return h
}

func (l *Local) grace(g time.Duration) time.Duration {
	switch {
	case g > 0:
		return g
	case l.Grace > 0:
		return l.Grace
	}
	return DefaultGrace
}

// Start implements Backend.
func (l *Local) Start(ctx context.Context, spec Spec) (Job, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if len(spec.Command) == 0 || spec.Command[0] == "" {
		return nil, fmt.Errorf("%w: no command", ErrInvalidSpec)
	}
	if spec.LogPath != "" && !filepath.IsAbs(spec.LogPath) {
		return nil, fmt.Errorf("%w: log path %q is not absolute", ErrInvalidSpec, spec.LogPath)
	}
	env := spec.Env
	if env == nil {
		env = os.Environ()
	}
	path, err := lookPath(spec.Command[0], spec.Dir, env)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrStart, err)
	}
	var logf *os.File
	if spec.LogPath != "" {
		if err := os.MkdirAll(filepath.Dir(spec.LogPath), 0o755); err != nil {
			return nil, fmt.Errorf("create log directory: %w", err)
		}
		if logf, err = os.OpenFile(spec.LogPath, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644); err != nil {
			return nil, fmt.Errorf("open job log: %w", err)
		}
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		closeAll(logf)
		return nil, fmt.Errorf("stdout pipe: %w", err)
	}
	errR, errW, err := os.Pipe()
	if err != nil {
		closeAll(logf, outR, outW)
		return nil, fmt.Errorf("stderr pipe: %w", err)
	}
	cmd := &exec.Cmd{Path: path, Args: spec.Command, Dir: spec.Dir, Env: env, Stdout: outW, Stderr: errW,
		SysProcAttr: &syscall.SysProcAttr{Setpgid: true}}
	if err := cmd.Start(); err != nil {
		closeAll(logf, outR, outW, errR, errW)
		return nil, fmt.Errorf("%w: %s: %w", ErrStart, spec.Command[0], err)
	}
	closeAll(outW, errW) // the child has its copies
	dir := spec.Dir
	if dir == "" {
		dir, _ = os.Getwd()
	}
	j := &localJob{
		rec: Record{Backend: LocalName, Host: l.host(), PID: cmd.Process.Pid, LogPath: spec.LogPath, Dir: dir},
		cmd: cmd, grace: l.grace(spec.Grace), drain: l.Drain, done: make(chan struct{}),
	}
	if j.drain <= 0 {
		j.drain = DefaultDrain
	}
	j.sink = &sink{log: logf, path: spec.LogPath, notify: spec.Stderr}
	idle := l.IdleFlush
	if idle <= 0 {
		idle = DefaultIdleFlush
	}
	out := &stream{s: j.sink, w: spec.Stdout, idle: idle}
	errs := &stream{s: j.sink, w: spec.Stderr, idle: idle}
	go j.supervise(outR, errR, out, errs)
	return j, nil
}

func closeAll(fs ...*os.File) {
	for _, f := range fs {
		if f != nil {
			f.Close()
		}
	}
}

// lookPath finds name as exec.LookPath would, but in the PATH of the job's
// environment and relative to its working directory.
func lookPath(name, dir string, env []string) (string, error) {
	abs := func(p string) string {
		if !filepath.IsAbs(p) && dir != "" {
			return filepath.Join(dir, p)
		}
		return p
	}
	executable := func(p string) bool {
		fi, err := os.Stat(p)
		return err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0
	}
	if strings.Contains(name, "/") {
		p := abs(name)
		if !executable(p) {
			return "", fmt.Errorf("%s: not an executable file", name)
		}
		return p, nil
	}
	pathEnv := ""
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "PATH="); ok {
			pathEnv = v
		}
	}
	for _, d := range filepath.SplitList(pathEnv) {
		if d == "" {
			d = "."
		}
		if p := abs(filepath.Join(d, name)); executable(p) {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s: command not found in PATH", name)
}

// localJob is a job this process started.
type localJob struct {
	rec   Record
	cmd   *exec.Cmd
	grace time.Duration
	drain time.Duration
	done  chan struct{} // closed when exit is final
	sink  *sink

	mu        sync.Mutex
	exit      Exit
	cancelled bool
	killAt    time.Time // when a cancelled job gets SIGKILL
}

// supervise waits for the job's first process, stops what it left in its
// group, drains the output and publishes the exit.
func (j *localJob) supervise(outR, errR *os.File, out, errs *stream) {
	var pumps sync.WaitGroup
	pumps.Add(2)
	go func() { defer pumps.Done(); pump(outR, out) }()
	go func() { defer pumps.Done(); pump(errR, errs) }()

	err := j.cmd.Wait()
	exit := exitOf(j.cmd.ProcessState, err)
	pgid := j.rec.PID
	if GroupAlive(pgid) {
		j.mu.Lock()
		killAt := j.killAt
		j.mu.Unlock()
		if killAt.IsZero() {
			killAt = time.Now().Add(j.grace)
		}
		terminateGroup(context.Background(), pgid, killAt)
	}
	drained := make(chan struct{})
	go func() { pumps.Wait(); close(drained) }()
	select {
	case <-drained:
	case <-time.After(j.drain):
		closeAll(outR, errR) // unblocks the pumps, which flush and return
		<-drained
	}
	j.sink.close()
	j.mu.Lock()
	exit.Cancelled = j.cancelled
	j.exit = exit
	j.mu.Unlock()
	close(j.done)
}

// exitOf turns a process state into an Exit.
func exitOf(ps *os.ProcessState, err error) Exit {
	if ps == nil {
		return Exit{Code: -1, Signal: syscall.SIGKILL} // Wait failed: treat as lost
	}
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return Exit{Code: -1, Signal: ws.Signal()}
	}
	return Exit{Code: ps.ExitCode()}
}

func (j *localJob) Record() Record { return j.rec }

func (j *localJob) Wait(ctx context.Context) (Exit, error) {
	select {
	case <-j.done:
		j.mu.Lock()
		defer j.mu.Unlock()
		return j.exit, nil
	case <-ctx.Done():
		return Exit{}, ctx.Err()
	}
}

func (j *localJob) Cancel(ctx context.Context) error {
	j.mu.Lock()
	select {
	case <-j.done:
		j.mu.Unlock()
		return nil
	default:
	}
	if !j.cancelled {
		j.cancelled = true
		j.killAt = time.Now().Add(j.grace)
	}
	killAt := j.killAt
	j.mu.Unlock()
	signalGroup(j.rec.PID, syscall.SIGTERM)
	t := time.NewTimer(time.Until(killAt))
	defer t.Stop()
	select {
	case <-j.done:
		return nil
	case <-t.C:
		signalGroup(j.rec.PID, syscall.SIGKILL)
	case <-ctx.Done():
		signalGroup(j.rec.PID, syscall.SIGKILL)
		return ctx.Err()
	}
	select {
	case <-j.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (j *localJob) Logs(ctx context.Context, from int64, w io.Writer) (int64, error) {
	if j.rec.LogPath == "" {
		return from, fmt.Errorf("%w: the job keeps no log file", ErrNotSupported)
	}
	return FollowFile(ctx, j.rec.LogPath, from, w, func(context.Context) (bool, error) {
		select {
		case <-j.done:
			return true, nil
		default:
			return false, nil
		}
	})
}

func (j *localJob) Annotate(line string) { j.sink.note(line) }

func (j *localJob) Collect(ctx context.Context, paths []string, put PutFunc) error {
	return collectLocal(ctx, j.rec.Dir, paths, put)
}
