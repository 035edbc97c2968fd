package common

import (
	"hash/fnv"
	"strings"

	"github.com/charmbracelet/lipgloss"

	"github.com/lathe-ml/lathe/store"
	"github.com/lathe-ml/lathe/themes"
)

// Styles are every style the TUI draws with, built once from a theme (a
// theme switch builds a new set). Panes never make colours of their own.
type Styles struct {
	Mono bool
	// Version changes with every theme switch, so caches of rendered
	// strings (Paint) know to rebuild.
	Version int

	Text, Subtle, Accent, Bold lipgloss.Style
	Success, Warning, Error    lipgloss.Style
	// Border colours separators and box borders.
	Border lipgloss.Style
	// Box is a bordered panel; its frame size is what children lose.
	Box lipgloss.Style
	// FocusBox is Box for the focused sub-panel.
	FocusBox lipgloss.Style
	Title    lipgloss.Style

	TabActive, TabInactive, TabDisabled lipgloss.Style
	App                                 lipgloss.Style

	Header, HeaderActive lipgloss.Style
	// Cursor is the row under the cursor in a focused table; CursorBlur the
	// same in an unfocused one.
	Cursor, CursorBlur lipgloss.Style
	Marked             lipgloss.Style

	StatusBar, StatusKey, StatusErr, StatusInfo lipgloss.Style

	HelpKey, HelpDesc, HelpSep, HelpTitle lipgloss.Style

	Prompt, Input, Placeholder, Suggestion, SuggestionActive lipgloss.Style

	series []lipgloss.Style
}

func color(c string) lipgloss.TerminalColor {
	if c == "" {
		return lipgloss.NoColor{}
	}
	return lipgloss.Color(c)
}

// NewStyles builds the styles of theme t with renderer r. A Mono theme
// (NO_COLOR) gets no colours; bold, faint and reverse video carry meaning.
func NewStyles(r *lipgloss.Renderer, t themes.Theme) Styles {
	c := t.Colors
	ns := r.NewStyle
	fg := func(x string) lipgloss.Style { return ns().Foreground(color(x)) }
	s := Styles{Mono: t.Mono}
	s.Text = fg(c.Text)
	s.Subtle = fg(c.Subtle)
	s.Accent = fg(c.Accent)
	s.Bold = fg(c.Text).Bold(true)
	s.Success = fg(c.Success)
	s.Warning = fg(c.Warning)
	s.Error = fg(c.Error)
	s.Border = fg(c.Border)
	s.Box = ns().Border(lipgloss.RoundedBorder()).BorderForeground(color(c.Border))
	s.FocusBox = ns().Border(lipgloss.RoundedBorder()).BorderForeground(color(c.Accent))
	s.Title = fg(c.Accent).Bold(true)
	s.TabActive = ns().Foreground(color(c.SelectedText)).Background(color(c.Selected)).Bold(true).Padding(0, 1)
	s.TabInactive = fg(c.Subtle).Padding(0, 1)
	s.TabDisabled = fg(c.Subtle).Faint(true).Padding(0, 1)
	s.App = ns()
	s.Header = fg(c.Subtle).Bold(true)
	s.HeaderActive = fg(c.Accent).Bold(true).Underline(true)
	s.Cursor = ns().Foreground(color(c.SelectedText)).Background(color(c.Selected)).Bold(true)
	s.CursorBlur = ns().Foreground(color(c.Text)).Background(color(c.Selected))
	s.Marked = fg(c.Accent).Bold(true)
	s.StatusBar = fg(c.Subtle)
	s.StatusKey = fg(c.Accent)
	s.StatusErr = fg(c.Error).Bold(true)
	s.StatusInfo = fg(c.Text)
	s.HelpKey = fg(c.Accent)
	s.HelpDesc = fg(c.Text)
	s.HelpSep = fg(c.Border)
	s.HelpTitle = fg(c.Accent).Bold(true)
	s.Prompt = fg(c.Accent).Bold(true)
	s.Input = fg(c.Text)
	s.Placeholder = fg(c.Subtle)
	s.Suggestion = fg(c.Subtle)
	s.SuggestionActive = fg(c.Accent).Bold(true)
	for _, sc := range t.Series {
		s.series = append(s.series, fg(sc))
	}
	if t.Mono {
		s.Subtle = s.Subtle.Faint(true)
		s.Accent = s.Accent.Bold(true)
		s.Error = s.Error.Bold(true).Underline(true)
		s.Warning = s.Warning.Bold(true)
		s.TabActive = s.TabActive.Reverse(true)
		s.Cursor = s.Cursor.Reverse(true)
		s.CursorBlur = s.CursorBlur.Underline(true)
		s.Header = s.Header.Underline(false)
		s.StatusBar = s.StatusBar.Faint(true)
	}
	if len(s.series) == 0 {
		s.series = []lipgloss.Style{s.Text}
	}
	return s
}

// SeriesIndex is the palette slot of a series: a hash of its id, so a run
// keeps its colour in every chart and across sessions.
func (s *Styles) SeriesIndex(id string) int {
	h := fnv.New32a()
	h.Write([]byte(id))
	return int(h.Sum32() % uint32(len(s.series)))
}

// Series is the style of the series with the given id.
func (s *Styles) Series(id string) lipgloss.Style { return s.series[s.SeriesIndex(id)] }

// SeriesAt is palette slot i (wrapping).
func (s *Styles) SeriesAt(i int) lipgloss.Style { return s.series[i%len(s.series)] }

// RunStatus styles a run status: running is accent, finished success,
// failed error, killed warning.
func (s *Styles) RunStatus(status string) lipgloss.Style {
	switch status {
	case store.StatusRunning:
		return s.Accent
	case store.StatusFinished:
		return s.Success
	case store.StatusFailed:
		return s.Error
	case store.StatusKilled:
		return s.Warning
	}
	return s.Subtle
}

// SeriesPalette is the theme's series styles.
func (s *Styles) SeriesPalette() []lipgloss.Style { return s.series }

// Paint is a style reduced to the escape sequences around its text, so that
// hot paths (table cells) wrap strings by concatenation instead of running
// lipgloss for every cell. Only for styles of colour and attributes: no
// padding, margins, borders or widths.
type Paint struct{ pre, suf string }

// NewPaint captures a style's sequences.
func NewPaint(st lipgloss.Style) Paint {
	out := st.Render("X")
	i := strings.IndexByte(out, 'X')
	if i < 0 {
		return Paint{}
	}
	return Paint{pre: out[:i], suf: out[i+1:]}
}

// Render wraps s (one line) in the paint's sequences.
func (p Paint) Render(s string) string {
	if p.pre == "" && p.suf == "" {
		return s
	}
	return p.pre + s + p.suf
}
