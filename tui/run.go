package tui

import (
	"context"
	"errors"
	"os"
	"sync"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
)

// FPS is the renderer's frame rate: a key's effect reaches the screen
// within one frame (8 ms at 120), and an unchanged frame costs nothing.
const FPS = 120

// ttyWriter serialises writes to the terminal: the renderer writes each
// frame in one Write, and OSC 52 copies go through the same lock, so a copy
// never lands inside a frame. It passes the file's descriptor on, so
// bubbletea still sees a terminal (size, raw mode).
type ttyWriter struct {
	mu sync.Mutex
	f  *os.File
}

// Write writes one frame (or one OSC 52 copy) under the lock.
func (w *ttyWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.f.Write(p)
}

// Read, Close and Fd make the writer a term.File, so bubbletea sees a terminal.
func (w *ttyWriter) Read(p []byte) (int, error) { return w.f.Read(p) }
func (w *ttyWriter) Close() error               { return nil }
func (w *ttyWriter) Fd() uintptr                { return w.f.Fd() }

// NewRenderer returns a renderer for the terminal out. With noColor (the
// NO_COLOR convention) it keeps text attributes (bold, reverse video) but
// the caller should pass themes.Mono(), which has no colours.
func NewRenderer(out *os.File, noColor bool) *lipgloss.Renderer {
	r := lipgloss.NewRenderer(out)
	if noColor {
		r.SetColorProfile(termenv.ANSI)
	}
	return r
}

// Run shows the workbench on the terminal (in, out) until the user quits
// or ctx ends. Nothing else may write to the terminal meanwhile.
func Run(ctx context.Context, o Options, in, out *os.File) error {
	w := &ttyWriter{f: out}
	if o.Clipboard == nil {
		o.Clipboard = w
	}
	if o.Renderer == nil {
		o.Renderer = NewRenderer(out, false)
	}
	o.Context = ctx
	m, err := New(o)
	if err != nil {
		return err
	}
	defer m.Close()
	p := tea.NewProgram(m, tea.WithAltScreen(), tea.WithMouseCellMotion(), tea.WithInput(in),
		tea.WithOutput(w), tea.WithContext(ctx), tea.WithFPS(FPS))
	_, err = p.Run()
	if errors.Is(err, tea.ErrProgramKilled) && ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}
