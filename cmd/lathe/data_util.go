package main

import (
	"fmt"
	"io"
	"strconv"
	"time"
)

// statusLine draws one self-erasing status line on stderr while long work
// runs (profiling, hashing), only when stderr is a terminal and --json is
// off; otherwise it does nothing. Redraws at most ten times a second.
type statusLine struct {
	w     io.Writer
	on    bool
	last  time.Time
	drawn bool
}

func (a *app) progress() *statusLine {
	return &statusLine{w: a.env.Stderr, on: a.env.isTerminal(a.env.Stderr) && !a.json}
}

func (p *statusLine) set(format string, args ...any) {
	if !p.on || time.Since(p.last) < 100*time.Millisecond {
		return
	}
	p.last = time.Now()
	fmt.Fprintf(p.w, "\r\x1b[K%s", fmt.Sprintf(format, args...))
	p.drawn = true
}

func (p *statusLine) done() {
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

func humanBytes(n int64) string { return fmtBytes(n) }

// pct writes "12.0 MiB / 40.0 MiB (30%)", or the bytes alone without a total.
func pct(done, total int64) string {
	if total <= 0 {
		return fmtBytes(done)
	}
	return fmt.Sprintf("%s / %s (%d%%)", fmtBytes(done), fmtBytes(total), done*100/total)
}
