package runner

import (
	"context"
	"fmt"
	"io"
	"time"
)

// checkLocal refuses records that this backend cannot reach.
func (l *Local) checkLocal(rec Record) error {
	if rec.Backend != LocalName {
		return fmt.Errorf("%w: job of backend %q", ErrNotSupported, rec.Backend)
	}
	if h := l.host(); rec.Host != h {
		return fmt.Errorf("%w: the job runs on %s, not on this machine (%s)", ErrNotSupported, rec.Host, h)
	}
	if rec.PID <= 0 {
		return fmt.Errorf("%w: the job has no process id", ErrNotSupported)
	}
	return nil
}

func localRunning(pid int) bool { return PIDAlive(pid) || GroupAlive(pid) }

// Probe implements Backend: a local job runs while its process or any
// process of its group is alive.
func (l *Local) Probe(ctx context.Context, rec Record) (State, error) {
	if err := l.checkLocal(rec); err != nil {
		return StateUnknown, err
	}
	if localRunning(rec.PID) {
		return StateRunning, nil
	}
	return StateGone, nil
}

// Attach implements Backend. The returned job can be cancelled and its log
// followed; its Wait polls and returns ErrExitUnknown.
func (l *Local) Attach(ctx context.Context, rec Record) (Job, error) {
	if err := l.checkLocal(rec); err != nil {
		return nil, err
	}
	if !localRunning(rec.PID) {
		return nil, fmt.Errorf("%w: process %d has ended", ErrGone, rec.PID)
	}
	return &attachedJob{rec: rec, grace: l.grace(0)}, nil
}

// attachedJob is a local job started by another process.
type attachedJob struct {
	rec   Record
	grace time.Duration
}

func (j *attachedJob) Record() Record { return j.rec }

func (j *attachedJob) gone() bool { return !localRunning(j.rec.PID) }

func (j *attachedJob) Wait(ctx context.Context) (Exit, error) {
	if waitUntil(ctx, time.Time{}, j.gone) {
		return Exit{Code: -1}, ErrExitUnknown
	}
	return Exit{}, ctx.Err()
}

func (j *attachedJob) Cancel(ctx context.Context) error {
	if j.gone() {
		return nil
	}
	if !terminateGroup(ctx, j.rec.PID, time.Now().Add(j.grace)) {
		if err := ctx.Err(); err != nil {
			return err
		}
		return fmt.Errorf("process group %d survived SIGKILL", j.rec.PID)
	}
	return nil
}

func (j *attachedJob) Logs(ctx context.Context, from int64, w io.Writer) (int64, error) {
	if j.rec.LogPath == "" {
		return from, fmt.Errorf("%w: the job keeps no log file", ErrNotSupported)
	}
	return FollowFile(ctx, j.rec.LogPath, from, w, func(context.Context) (bool, error) { return j.gone(), nil })
}

// Annotate appends to the log file, if the job keeps one.
func (j *attachedJob) Annotate(line string) {
	(&sink{path: j.rec.LogPath}).note(line)
}

func (j *attachedJob) Collect(ctx context.Context, paths []string, put PutFunc) error {
	return collectLocal(ctx, j.rec.Dir, paths, put)
}
