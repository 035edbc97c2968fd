// Package compare is the compare pane: the params that differ between runs,
// their metrics (last, min or max) side by side, and the curves of the
// selected metric overlaid in one chart, by step or by time, on a linear or
// log scale, raw or smoothed.
package compare

import (
	"context"
	"fmt"
	"runtime"
	"time"

	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/lathe-ml/lathe/store"
	"github.com/lathe-ml/lathe/tui/chart"
	"github.com/lathe-ml/lathe/tui/common"
	"github.com/lathe-ml/lathe/tui/table"
)

// SeriesPoints is how many points of each curve the store sends (LTTB).
const SeriesPoints = 400

// seriesReaders bounds how many curves load at once: the store reads each
// whole series to downsample it, so more readers than CPUs only share the
// CPUs and delay every curve's first appearance: at most 4, at most
// GOMAXPROCS.
var seriesReaders = max(1, min(4, runtime.GOMAXPROCS(0)))

// XMode is what the chart's x axis measures.
type XMode int

// X axis modes, cycled by `x`.
const (
	XStep XMode = iota
	XRelative
	XWall
)

// String names the mode as the chart title shows it.
func (x XMode) String() string {
	return [...]string{"step", "relative time", "wall time"}[x]
}

// Stat is which summary the metrics table shows.
type Stat int

// Stats, cycled by `v`.
const (
	StatLast Stat = iota
	StatMin
	StatMax
)

// String names the statistic as the table title shows it.
func (s Stat) String() string { return [...]string{"last", "min", "max"}[s] }

// smoothings are the steps `S` cycles through.
var smoothings = []float64{0, 0.6, 0.9}

// Model is the compare pane.
type Model struct {
	c    *common.Common
	keys *KeyMap

	width, height int
	focused       bool

	ids     []string
	runs    []*store.Run
	seq     int
	loading bool
	err     error

	allParams bool
	stat      Stat
	onParams  bool
	params    *table.Model
	metrics   *table.Model
	paramKeys []string // all param keys
	differ    map[string]bool

	chart   *chart.Chart
	metric  string // the chart's metric
	xmode   XMode
	smoothI int
	hist    map[string]map[string][]store.Metric // metric → run → points
	want    int                                  // curves requested for metric
	got     int

	filter    textinput.Model
	filtering bool

	sem chan struct{} // bounds concurrent curve reads to seriesReaders
}

// New returns the compare pane, comparing nothing.
func New(c *common.Common) *Model {
	fi := textinput.New()
	fi.Cursor.SetMode(cursor.CursorStatic)
	fi.Prompt = "/ "
	fi.Placeholder = "filter params and metrics"
	m := &Model{c: c, keys: DefaultKeyMap(), params: table.New(c.Styles, 1), metrics: table.New(c.Styles, 1),
		chart: chart.New(c.Styles, chart.DefaultMaxPoints), hist: map[string]map[string][]store.Metric{}, filter: fi,
		sem: make(chan struct{}, seriesReaders)}
	m.params.Empty = "no params differ (a shows all)"
	m.metrics.Empty = "no metrics"
	m.style()
	m.keys.mode(false, false)
	return m
}

func (m *Model) style() {
	st := m.c.Styles
	m.filter.PromptStyle = st.Prompt
	m.filter.TextStyle = st.Input
	m.filter.PlaceholderStyle = st.Placeholder
}

// Keys exposes the key map for overrides.
func (m *Model) Keys() *KeyMap { return m.keys }

// Init does nothing until runs are compared.
func (m *Model) Init() tea.Cmd { return nil }

// Title names the pane.
func (m *Model) Title() string { return "Compare" }

// KeyMap is the live key map.
func (m *Model) KeyMap() help.KeyMap { return m.keys }

// Focus gives the pane the keyboard and unparks the chart.
func (m *Model) Focus() {
	m.focused = true
	m.chart.Unpark()
	m.syncFocus()
}

// Blur parks the chart: it is not drawn while another pane shows.
func (m *Model) Blur() {
	m.focused = false
	m.chart.Park()
	m.syncFocus()
}

func (m *Model) syncFocus() {
	m.params.Blur()
	m.metrics.Blur()
	if !m.focused {
		return
	}
	if m.onParams {
		m.params.Focus()
	} else {
		m.metrics.Focus()
	}
}

// Capturing is true while typing a filter.
func (m *Model) Capturing() bool { return m.filtering }

// Selected is the run of the selected column, else the first run.
func (m *Model) Selected() string {
	if i := m.table().ColCursor() - 1; i >= 0 && i < len(m.runs) {
		return m.runs[i].ID
	}
	if len(m.runs) > 0 {
		return m.runs[0].ID
	}
	return ""
}

func (m *Model) table() *table.Model {
	if m.onParams {
		return m.params
	}
	return m.metrics
}

// Busy says what is loading.
func (m *Model) Busy() string {
	switch {
	case m.loading:
		return "loading runs"
	case m.got < m.want:
		return fmt.Sprintf("loading curves %d/%d", m.got, m.want)
	}
	return ""
}

// Back clears the filter; otherwise the root goes back.
func (m *Model) Back() (bool, tea.Cmd) {
	if m.filter.Value() != "" {
		m.filter.SetValue("")
		m.rebuild()
		m.layout()
		return true, nil
	}
	return false, nil
}

// StartFilter opens the key filter.
func (m *Model) StartFilter() tea.Cmd {
	if len(m.runs) == 0 {
		return nil
	}
	m.filtering = true
	m.keys.mode(true, true)
	m.layout()
	return m.filter.Focus()
}

// IDs are the runs being compared.
func (m *Model) IDs() []string { return m.ids }

// SetRuns compares runs ids, loading them.
func (m *Model) SetRuns(ids []string) tea.Cmd {
	m.ids = append([]string(nil), ids...)
	m.runs = nil
	m.hist = map[string]map[string][]store.Metric{}
	m.chart.Clear()
	m.metric = ""
	m.want, m.got = 0, 0
	return m.loadRuns()
}

func (m *Model) loadRuns() tea.Cmd {
	m.seq++
	m.loading = true
	seq, ids, ctx, st := m.seq, m.ids, m.c.Ctx, m.c.Store
	return func() tea.Msg {
		runs := make([]*store.Run, 0, len(ids))
		for _, id := range ids {
			r, err := st.GetRun(ctx, id)
			if err != nil {
				return runsMsg{seq: seq, err: err}
			}
			runs = append(runs, r)
		}
		return runsMsg{seq: seq, runs: runs}
	}
}

// loadSeries requests the selected metric's curve of every run that logged
// it and is not cached; each reply arrives on its own, so curves appear as
// they load and the status bar counts them.
func (m *Model) loadSeries() tea.Cmd {
	key := m.metric
	if key == "" {
		return nil
	}
	cache := m.hist[key]
	if cache == nil {
		cache = map[string][]store.Metric{}
		m.hist[key] = cache
	}
	var cmds []tea.Cmd
	m.want, m.got = 0, 0
	for _, r := range m.runs {
		if !hasMetric(r, key) {
			continue
		}
		m.want++
		if _, ok := cache[r.ID]; ok {
			m.got++
			continue
		}
		cmds = append(cmds, fetchSeries(m.c.Ctx, m.c.Store, m.sem, m.seq, key, r.ID))
	}
	m.drawChart()
	return tea.Batch(cmds...)
}

// fetchSeries reads one curve once a reader slot is free. The commands of
// one batch run in parallel; the slots keep at most seriesReaders reading.
func fetchSeries(ctx context.Context, st common.Store, sem chan struct{}, seq int, key, id string) tea.Cmd {
	return func() tea.Msg {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			return seriesMsg{seq: seq, key: key, runID: id, err: ctx.Err()}
		}
		defer func() { <-sem }()
		pts, err := st.MetricHistoryDownsampled(ctx, id, key, SeriesPoints)
		return seriesMsg{seq: seq, key: key, runID: id, pts: pts, err: err}
	}
}

func hasMetric(r *store.Run, key string) bool {
	for _, s := range r.Metrics {
		if s.Key == key {
			return true
		}
	}
	return false
}

// Update handles keys, mouse and replies.
func (m *Model) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case tea.KeyMsg:
		return m.handleKey(msg)
	case tea.MouseMsg:
		return m.handleMouse(msg)
	case runsMsg:
		if msg.seq != m.seq {
			return nil
		}
		m.loading = false
		if msg.err != nil {
			m.err = msg.err
			return common.FlashErr(fmt.Errorf("compare: %w", msg.err))
		}
		m.err = nil
		m.runs = msg.runs
		m.keys.mode(m.filtering, true)
		m.rebuild()
		m.layout()
		return m.followCursor(true)
	case seriesMsg:
		if msg.seq != m.seq {
			return nil
		}
		if msg.err != nil {
			return common.FlashErr(fmt.Errorf("history of %s: %w", msg.key, msg.err))
		}
		if m.hist[msg.key] == nil {
			m.hist[msg.key] = map[string][]store.Metric{}
		}
		m.hist[msg.key][msg.runID] = msg.pts
		if msg.key == m.metric {
			m.got++
			m.drawChart()
		}
	case common.EventsMsg:
		for _, e := range msg.Events {
			for _, id := range m.ids {
				if e.Entity == "run:"+id {
					for _, c := range m.hist {
						delete(c, id)
					}
					return m.loadRuns()
				}
			}
		}
	case common.ThemeMsg:
		m.style()
		m.chart.Invalidate()
	}
	return nil
}

// followCursor points the chart at the metric under the metrics cursor.
func (m *Model) followCursor(force bool) tea.Cmd {
	key := m.metrics.SelectedID()
	if key == m.metric && !force {
		return nil
	}
	if key != m.metric {
		m.chart.Clear()
	}
	m.metric = key
	return m.loadSeries()
}

// drawChart gives the chart the cached curves of the selected metric in
// the current x mode.
func (m *Model) drawChart() {
	m.chart.Clear()
	for _, r := range m.runs {
		pts, ok := m.hist[m.metric][r.ID]
		if !ok {
			continue
		}
		m.chart.SetSeries(r.ID, r.Name, m.toPoints(pts))
	}
	m.chart.SetXFormatter(m.xFormatter())
	m.chart.Empty = "no data for " + m.metric
	if m.metric == "" {
		m.chart.Empty = "no metrics to chart"
	}
}

func (m *Model) toPoints(ms []store.Metric) []chart.Point {
	out := make([]chart.Point, len(ms))
	var t0 int64
	if len(ms) > 0 {
		t0 = ms[0].Timestamp
		for _, p := range ms {
			t0 = min(t0, p.Timestamp)
		}
	}
	for i, p := range ms {
		x := float64(p.Step)
		switch m.xmode {
		case XRelative:
			x = float64(p.Timestamp-t0) / 1000
		case XWall:
			x = float64(p.Timestamp) / 1000
		}
		out[i] = chart.Point{X: x, Y: p.Value}
	}
	if m.xmode != XStep {
		sortPoints(out)
	}
	return out
}

func (m *Model) xFormatter() func(float64) string {
	switch m.xmode {
	case XRelative:
		return func(v float64) string { return common.FormatDuration(int64(v * 1000)) }
	case XWall:
		loc := m.c.Loc
		if loc == nil {
			loc = time.Local
		}
		return func(v float64) string { return time.Unix(int64(v), 0).In(loc).Format("15:04") }
	}
	return func(v float64) string { return common.FormatValue(float64(int64(v))) }
}
