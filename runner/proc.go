package runner

import (
	"bytes"
	"context"
	"errors"
	"os"
	"strconv"
	"syscall"
	"time"
)

// procStat reads the state letter and process group of pid from
// /proc/PID/stat. ok is false where /proc is missing or pid is gone.
func procStat(pid int) (state byte, pgrp int, ok bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, 0, false
	}
	// "pid (comm) S ppid pgrp ...": comm may hold spaces and parentheses,
	// so fields are counted after the last ')'.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, 0, false
	}
	f := bytes.Fields(b[i+1:])
	if len(f) < 3 || len(f[0]) != 1 {
		return 0, 0, false
	}
	g, err := strconv.Atoi(string(f[2]))
	if err != nil {
		return 0, 0, false
	}
	return f[0][0], g, true
}

// dead reports a state letter of a process that has ended but not been
// reaped: zombies count as gone, since in a container without an init that
// reaps, orphans stay zombies forever.
func dead(state byte) bool { return state == 'Z' || state == 'X' || state == 'x' }

// PIDAlive reports whether process pid exists on this machine and has not
// ended (a zombie is not alive). A process owned by another user counts as
// alive.
func PIDAlive(pid int) bool {
	if pid <= 0 {
		return false
	}
	err := syscall.Kill(pid, 0)
	if err != nil && !errors.Is(err, syscall.EPERM) {
		return false
	}
	if state, _, ok := procStat(pid); ok && dead(state) {
		return false
	}
	return true
}

// GroupAlive reports whether any process of process group pgid is alive
// (zombies excepted).
func GroupAlive(pgid int) bool {
	if pgid <= 0 {
		return false
	}
	err := syscall.Kill(-pgid, 0)
	if err != nil && !errors.Is(err, syscall.EPERM) {
		return false
	}
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return true // no /proc: trust kill
	}
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if state, g, ok := procStat(pid); ok && g == pgid && !dead(state) {
			return true
		}
	}
	return false
}

// signalGroup sends sig to every process of group pgid; a group that is
// already gone is not an error.
func signalGroup(pgid int, sig syscall.Signal) {
	if pgid > 0 {
		_ = syscall.Kill(-pgid, sig)
	}
}

// pollEvery is how often loops re-check a condition they wait for.
const pollEvery = 20 * time.Millisecond

// waitUntil polls cond until it holds, ctx is done or the deadline passes
// (a zero deadline never passes). It reports whether cond held.
func waitUntil(ctx context.Context, deadline time.Time, cond func() bool) bool {
	t := time.NewTicker(pollEvery)
	defer t.Stop()
	for {
		if cond() {
			return true
		}
		if !deadline.IsZero() && !time.Now().Before(deadline) {
			return false
		}
		select {
		case <-ctx.Done():
			return cond()
		case <-t.C:
		}
	}
}

// terminateGroup stops group pgid: SIGTERM now, SIGKILL at killAt if
// anything is left, then waits (bounded) until nothing is. It reports
// whether the group is gone.
func terminateGroup(ctx context.Context, pgid int, killAt time.Time) bool {
	gone := func() bool { return !GroupAlive(pgid) }
	signalGroup(pgid, syscall.SIGTERM)
	if waitUntil(ctx, killAt, gone) {
		return true
	}
	signalGroup(pgid, syscall.SIGKILL)
	return waitUntil(context.WithoutCancel(ctx), time.Now().Add(5*time.Second), gone)
}
