package runner

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"
)

// Output handling: each of a job's streams is read by a pump that cuts it
// into lines (or carriage-return segments, so progress bars stay live) and
// writes each piece whole to the log and to the caller's writer, holding one
// lock for both streams. So no line is ever interleaved with the other
// stream's bytes, in the log or on the terminal.

const (
	// maxPiece bounds a piece: a longer line is written in parts.
	maxPiece = 64 << 10
	// DefaultIdleFlush is how long a partial line waits for its end before
	// it is written anyway (a prompt, dots printed one by one).
	DefaultIdleFlush = 100 * time.Millisecond
)

// sink is what both streams of one job write to.
type sink struct {
	mu     sync.Mutex
	log    *os.File  // nil: no log, the log failed, or the job ended
	path   string    // the log's path, for notes after the job ended
	notify io.Writer // the job's stderr writer: notes and log failures go there too
	last   *stream   // the stream of the last piece logged (nil: a note)
	open   bool      // the last piece logged ended inside a line

	notesMu sync.Mutex
	notes   []string // notes waiting for mu
}

// toLog appends a piece to the log. When the previous piece came from
// another stream (or from lathe) and ended inside a line, a newline is put
// in between, so that every line of the log comes from one stream.
func (s *sink) toLog(from *stream, piece []byte) {
	if s.log == nil || len(piece) == 0 {
		return
	}
	if s.open && s.last != from {
		if _, err := s.log.Write([]byte{'\n'}); err != nil {
			s.failLog(err)
			return
		}
	}
	if _, err := s.log.Write(piece); err != nil {
		s.failLog(err)
		return
	}
	end := piece[len(piece)-1]
	s.open, s.last = end != '\n' && end != '\r', from
}

// note queues one line of lathe's own for the log and the stderr writer,
// to go between two pieces of the job's output. It never waits for mu: the
// goroutine that holds mu may be blocked in a Spec.Stdout writer that waits
// for the very goroutine calling note (a Reporter warning about a line).
// Whoever holds mu writes the queued notes before letting go of it.
func (s *sink) note(line string) {
	s.notesMu.Lock()
	s.notes = append(s.notes, line)
	s.notesMu.Unlock()
	s.drainNotes()
}

// drainNotes writes queued notes if mu is free; if it is not, its holder
// will (unlock calls drainNotes after releasing it).
func (s *sink) drainNotes() {
	for s.notesWaiting() && s.mu.TryLock() {
		s.writeNotes()
		s.mu.Unlock()
	}
}

func (s *sink) notesWaiting() bool {
	s.notesMu.Lock()
	defer s.notesMu.Unlock()
	return len(s.notes) > 0
}

func (s *sink) unlock() {
	s.mu.Unlock()
	s.drainNotes()
}

// writeNotes writes the queued notes; mu is held.
func (s *sink) writeNotes() {
	s.notesMu.Lock()
	notes := s.notes
	s.notes = nil
	s.notesMu.Unlock()
	for _, n := range notes {
		s.writeNote(n)
	}
}

func (s *sink) writeNote(line string) {
	b := []byte(strings.TrimRight(line, "\n") + "\n")
	switch {
	case s.log != nil:
		s.toLog(nil, b)
	case s.path != "":
		// The job has ended and its log is closed: append on our own.
		if f, err := os.OpenFile(s.path, os.O_WRONLY|os.O_APPEND, 0); err == nil {
			_, _ = f.Write(b)
			f.Close()
		}
	}
	if s.notify != nil {
		_, _ = s.notify.Write(b)
	}
}

// close closes the log; later notes append to it by path.
func (s *sink) close() {
	s.mu.Lock()
	defer s.unlock()
	s.writeNotes()
	if s.log != nil {
		s.log.Close()
		s.log = nil
	}
}

func (s *sink) failLog(err error) {
	s.log.Close()
	s.log, s.path = nil, ""
	if s.notify != nil {
		fmt.Fprintf(s.notify, "[lathe] writing the job's log failed, the log stops here: %v\n", err)
	}
}

// write writes piece of stream from to the log and then to w, as one unit.
func (s *sink) write(from *stream, w io.Writer, piece []byte) {
	s.mu.Lock()
	defer s.unlock()
	s.toLog(from, piece)
	if w != nil {
		_, _ = w.Write(piece) // a closed terminal must not stop the job or the log
	}
	s.writeNotes()
}

// stream is one of a job's output streams.
type stream struct {
	s       *sink
	w       io.Writer
	idle    time.Duration
	pending []byte
}

// feed appends p and writes every complete piece: up to and including a
// '\n', or a '\r' (with its '\n' when that follows).
func (st *stream) feed(p []byte) {
	st.pending = append(st.pending, p...)
	start := 0
	for {
		i := bytes.IndexAny(st.pending[start:], "\r\n")
		if i < 0 {
			break
		}
		end := start + i + 1
		if st.pending[end-1] == '\r' && end < len(st.pending) && st.pending[end] == '\n' {
			end++
		}
		st.s.write(st, st.w, st.pending[start:end])
		start = end
	}
	for len(st.pending)-start >= maxPiece {
		st.s.write(st, st.w, st.pending[start:start+maxPiece])
		start += maxPiece
	}
	st.pending = append(st.pending[:0], st.pending[start:]...)
}

// flush writes what is left of a partial line.
func (st *stream) flush() {
	if len(st.pending) > 0 {
		st.s.write(st, st.w, st.pending)
		st.pending = st.pending[:0]
	}
}

// pump copies r into st until r ends or fails, writing a partial line after
// st.idle without more input. It closes r.
func pump(r *os.File, st *stream) {
	defer r.Close()
	buf := make([]byte, 32<<10)
	for {
		if len(st.pending) > 0 {
			_ = r.SetReadDeadline(time.Now().Add(st.idle))
		} else {
			_ = r.SetReadDeadline(time.Time{})
		}
		n, err := r.Read(buf)
		if n > 0 {
			st.feed(buf[:n])
		}
		if errors.Is(err, os.ErrDeadlineExceeded) {
			st.flush()
			continue
		}
		if err != nil {
			st.flush()
			return
		}
	}
}
