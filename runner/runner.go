// Package runner starts, watches, cancels and collects jobs: the processes
// that do a run's work. A Backend knows one place to run them (this machine
// now; SSH hosts, Slurm and model servers in later issues) and hands out
// Jobs. The package also holds what every backend shares: the parser for the
// metric lines jobs print on stdout (directive.go, scanner.go), the batcher
// that turns them into few store writes (batch.go), and the provenance that
// records what reproduces a job (provenance.go).
//
// runner knows nothing of the store: cmd/lathe records jobs in the store's
// jobs table from the Records that jobs report, and hands a Record back to
// Backend.Attach to find a job again from another process.
package runner

import (
	"context"
	"errors"
	"fmt"
	"io"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Errors; backends wrap them with what they were doing, so callers classify
// with errors.Is and users read the detail.
var (
	// ErrInvalidSpec: the Spec cannot be run as given (no command, a
	// relative log path).
	ErrInvalidSpec = errors.New("invalid job spec")
	// ErrStart: the job could not be started (command not found, not
	// executable, working directory missing).
	ErrStart = errors.New("job did not start")
	// ErrGone: the job no longer exists, so it cannot be attached to.
	ErrGone = errors.New("job is gone")
	// ErrNotSupported: the backend cannot do this for this job (attach to a
	// local job of another host, for example).
	ErrNotSupported = errors.New("not supported by this backend")
	// ErrExitUnknown: the job ended but this process cannot know how, because
	// it attached to the job instead of starting it.
	ErrExitUnknown = errors.New("job ended; its exit status is unknown to this process")
)

// Spec describes a job to start.
type Spec struct {
	// Command is the argv; Command[0] is looked up in PATH when it has no
	// slash.
	Command []string
	// Dir is the working directory; "" means the caller's.
	Dir string
	// Env is the job's whole environment ("KEY=value"); nil inherits the
	// caller's.
	Env []string
	// Stdout and Stderr receive the job's output as it arrives, a whole line
	// (or a whole carriage-return segment) per Write, never two streams'
	// bytes interleaved inside a line. Nil discards.
	Stdout, Stderr io.Writer
	// LogPath is the file that receives both streams the same way, appended
	// to; "" keeps no log file. Its directory is created.
	LogPath string
	// Grace is how long Cancel waits after SIGTERM before SIGKILL; zero means
	// the backend's default.
	Grace time.Duration
}

// Record is what a store keeps about a job so that another lathe process can
// find it again with Backend.Attach: where it runs and what identifies it
// there.
type Record struct {
	Backend string // Backend.Name()
	Host    string // the machine the job runs on
	// PID is the job's process (and process group) id on Host; 0 when the
	// backend identifies jobs otherwise.
	PID int
	// SchedulerID is a scheduler's id for the job (Slurm job id); "" for
	// plain processes.
	SchedulerID string
	LogPath     string // the combined log, on the machine running lathe
	Dir         string // the working directory on Host
}

// Exit is how a job ended.
type Exit struct {
	// Code is the exit status, or -1 when a signal ended the job.
	Code int
	// Signal is the signal that ended the job, 0 when it exited by itself.
	Signal syscall.Signal
	// Cancelled reports that Cancel was called before the job ended.
	Cancelled bool
}

// Success reports a zero exit status.
func (e Exit) Success() bool { return e.Code == 0 && e.Signal == 0 }

// ShellCode is the status a shell would report in $?: the exit status, or
// 128 plus the signal number.
func (e Exit) ShellCode() int {
	if e.Signal != 0 {
		return 128 + int(e.Signal)
	}
	return e.Code
}

// String says how the job ended, for people.
func (e Exit) String() string {
	if e.Signal != 0 {
		return "killed by " + SignalName(int(e.Signal))
	}
	return fmt.Sprintf("exit status %d", e.Code)
}

// SignalName names signal n as "SIGTERM" ("signal 99" when unknown).
func SignalName(n int) string {
	if name := unix.SignalName(syscall.Signal(n)); name != "" {
		return name
	}
	return fmt.Sprintf("signal %d", n)
}

// State is what a backend can tell about a job it did not start.
type State int

// Job states as Backend.Probe reports them.
const (
	// StateUnknown: the backend cannot tell now (host unreachable).
	StateUnknown State = iota
	// StateRunning: the job's process (or scheduler entry) exists.
	StateRunning
	// StateGone: the job has ended; how is not known to the prober.
	StateGone
)

func (s State) String() string {
	switch s {
	case StateRunning:
		return "running"
	case StateGone:
		return "gone"
	}
	return "unknown"
}

// PutFunc stores one collected output file under a slash-separated relative
// name. Collect calls it once per file.
type PutFunc func(ctx context.Context, name string, r io.Reader) error

// Backend starts jobs in one kind of place and finds them again.
type Backend interface {
	// Name is the backend's name as recorded in Record.Backend ("local").
	Name() string
	// Start launches spec and returns as soon as the job exists. Errors wrap
	// ErrInvalidSpec for a malformed spec and ErrStart when the job could
	// not be started; a done ctx returns ctx.Err(). The ctx bounds only the
	// start: cancelling it later does not touch the job (use Job.Cancel).
	Start(ctx context.Context, spec Spec) (Job, error)
	// Attach returns a handle on a job started earlier, possibly by another
	// process, from its Record. Errors wrap ErrGone when the job has ended
	// and ErrNotSupported when this backend cannot reach it. An attached
	// job's Wait returns ErrExitUnknown once the job ends.
	Attach(ctx context.Context, rec Record) (Job, error)
	// Probe tells whether the job rec describes still exists. It returns
	// StateUnknown with an error when it cannot tell.
	Probe(ctx context.Context, rec Record) (State, error)
}

// Job is a started or attached job. Its methods are safe for concurrent use.
type Job interface {
	// Record describes the job for the store.
	Record() Record
	// Wait blocks until the job has ended and its output has been drained
	// to Spec.Stdout, Spec.Stderr and the log, and returns how it ended.
	// Later calls return the same Exit. A done ctx returns ctx.Err() and
	// leaves the job alone.
	Wait(ctx context.Context) (Exit, error)
	// Cancel stops the job and everything it started: SIGTERM to its
	// process group, SIGKILL after the grace period if anything is left.
	// It returns once the job has ended (nil also when it had ended
	// already); a done ctx returns ctx.Err() after sending SIGKILL.
	Cancel(ctx context.Context) error
	// Logs copies the job's combined log from byte offset from to w and
	// keeps following it until the job ends or ctx is done. It returns the
	// offset reached, so a caller can resume.
	Logs(ctx context.Context, from int64, w io.Writer) (int64, error)
	// Annotate adds a line of lathe's own (a warning about the job's
	// output, a note that it is being stopped) to the job's log and to
	// Spec.Stderr, between lines of the job's output, never inside one.
	// Lines should start with "[lathe] " so they cannot be taken for the
	// job's own output or directives. It never blocks on the job's output,
	// so it may be called from anywhere, Spec.Stdout's writer included; the
	// line may be written a little later, and is written by the time Wait
	// returns.
	Annotate(line string)
	// Collect hands each declared output (a file, or a directory's regular
	// files) to put. Relative paths are taken from the job's working
	// directory; a file is named by its base name, a directory's files by
	// the directory's base name and their path inside it. Every path is
	// tried; the error joins those that failed.
	Collect(ctx context.Context, paths []string, put PutFunc) error
}
