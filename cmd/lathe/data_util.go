package main

import (
	"fmt"
	"io"
	"strconv"
	"sync"
	"time"
)

// statusLine draws one self-erasing status line on stderr while long work
// runs (profiling, hashing, downloads, imports), only when it is on (stderr
// is a terminal). Its methods may be called from another goroutine.
type statusLine struct {
	mu    sync.Mutex
	w     io.Writer
	on    bool
	last  time.Time
	drawn bool
}

// progress is a status line for a command's work, off under --json.
func (a *app) progress() *statusLine {
	return &statusLine{w: a.env.Stderr, on: a.env.isTerminal(a.env.Stderr) && !a.json}
}

// set redraws the line at most ten times a second.
func (p *statusLine) set(format string, args ...any) {
	p.show(fmt.Sprintf(format, args...), false)
}

// show redraws the line with text; unless force, at most ten times a
// second.
func (p *statusLine) show(text string, force bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.on || !force && time.Since(p.last) < 100*time.Millisecond {
		return
	}
	p.last = time.Now()
	fmt.Fprintf(p.w, "\r\x1b[K%s", text)
	p.drawn = true
}

// done erases the line.
func (p *statusLine) done() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.drawn {
		fmt.Fprint(p.w, "\r\x1b[K")
		p.drawn = false
	}
}

// humanCount writes a count with thousands separators: 1,234,567.
func humanCount(n int64) string {
	if n < 0 {
		return "?"
	}
	s := strconv.FormatInt(n, 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// pct writes "12.0 MiB / 40.0 MiB (30%)", or the bytes alone without a total.
func pct(done, total int64) string {
	if total <= 0 {
		return fmtBytes(done)
	}
	return fmt.Sprintf("%s / %s (%d%%)", fmtBytes(done), fmtBytes(total), done*100/total)
}
