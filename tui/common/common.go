// Package common holds what every pane of the TUI shares: the Common struct
// (store, styles, keys, clock, logger), the Pane interface, the messages
// panes send the root, and small formatting helpers. Nothing here is
// package-level mutable state; the root builds one Common and passes a
// pointer to every pane (soft-serve's pkg/ui/common does the same).
package common

import (
	"context"
	"io"
	"log/slog"
	"time"

	"github.com/charmbracelet/bubbles/help"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/lathe-ml/lathe/store"
	"github.com/lathe-ml/lathe/themes"
)

// Store is the part of *store.Store the TUI reads and writes. Every call
// happens inside a tea.Cmd, never in Update or View.
type Store interface {
	Dir() string
	ListExperiments(ctx context.Context, q store.ExperimentQuery) ([]*store.Experiment, error)
	GetExperiment(ctx context.Context, id int64) (*store.Experiment, error)
	SearchRuns(ctx context.Context, q store.RunQuery) ([]*store.Run, string, error)
	CountRuns(ctx context.Context, q store.RunQuery) (int, error)
	GetRun(ctx context.Context, id string) (*store.Run, error)
	RunDataInputs(ctx context.Context, runID string) ([]*store.DataVersion, error)
	ResolveRun(ctx context.Context, ref string) (*store.Run, error)
	UpdateRun(ctx context.Context, id string, u store.RunUpdate) (*store.Run, error)
	MetricHistoryDownsampled(ctx context.Context, runID, key string, n int) ([]store.Metric, error)
	ListArtifacts(ctx context.Context, runID, dir string) ([]store.Artifact, error)
	Events(ctx context.Context, after int64, limit int) ([]store.Event, error)
	LastEventID(ctx context.Context) (int64, error)
}

var _ Store = (*store.Store)(nil)

// Common is shared by the root and every pane. The root owns it: only the
// root's Update changes it (a theme switch rebuilds Styles in place), and
// panes read it while they update and render.
type Common struct {
	// Ctx is cancelled when the TUI quits; commands pass it to the store.
	Ctx   context.Context
	Store Store
	// StoreLabel is how the status bar names the store (a shortened path).
	StoreLabel string
	Theme      themes.Theme
	Styles     *Styles
	Keys       *GlobalKeys
	// Renderer makes every style; tests give it an Ascii profile.
	Renderer *lipgloss.Renderer
	// Clock is the wall clock (durations of running runs, export names).
	Clock func() time.Time
	// Loc is the time zone times are shown in.
	Loc *time.Location
	Log *slog.Logger
	// ExportDir is where `e` writes CSV files (the working directory).
	ExportDir string
	// Clipboard receives OSC 52 sequences; nil disables copying.
	Clipboard io.Writer
	// Graphics is the terminal's inline image protocol (artifact previews).
	Graphics Graphics

	themeGen int
}

// SetTheme rebuilds the styles from t in place, so every pane sees the new
// theme at its next render.
func (c *Common) SetTheme(t themes.Theme) {
	c.Theme = t
	c.themeGen++
	s := NewStyles(c.Renderer, t)
	s.Version = c.themeGen
	if c.Styles == nil {
		c.Styles = &s
		return
	}
	*c.Styles = s
}

// Now is the injected clock.
func (c *Common) Now() time.Time {
	if c.Clock == nil {
		return time.Now()
	}
	return c.Clock()
}

// Pane is one screen of the workbench. Only the root is a tea.Model; panes
// update in place and return commands.
type Pane interface {
	Init() tea.Cmd
	Update(msg tea.Msg) tea.Cmd
	View() string
	// SetSize gives the pane its whole area; View must fill no more.
	SetSize(width, height int)
	// KeyMap is the pane's live key map: disabled bindings are left out of help.
	KeyMap() help.KeyMap
	Focus()
	Blur()
	// Title names the pane in the tab bar.
	Title() string
	// Capturing is true while a text input has focus: the root then sends
	// every key (esc included) to the pane and turns single-letter global
	// keys off.
	Capturing() bool
	// Back handles esc: it closes the pane's own sub-state (a picker, an
	// applied filter) and reports whether it did; false lets the root go
	// back to the previous pane.
	Back() (bool, tea.Cmd)
	// StartFilter opens the pane's filter (the global `/`).
	StartFilter() tea.Cmd
	// Selected is the run id under the cursor, "" for none (`y` copies it).
	Selected() string
	// Busy says what the pane is loading, "" when idle; the status bar spins
	// while any pane is busy.
	Busy() string
}
