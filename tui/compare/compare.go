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
	numXModes
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
	// StatAt is the value at one step: the one set with `@`, by default
	// the last step all the runs reached.
	StatAt
	numStats
)

// String names the statistic as the table title shows it.
func (s Stat) String() string { return [...]string{"last", "min", "max", "at step"}[s] }

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
	shown     []string // the metrics table's keys, in order

	// The "at step" statistic: the step set with `@` (nil: each metric's
	// last common step) and the values read so far.
	atStep      *int64
	at          map[atKey]atValues
	atPending   map[atKey]bool // asked for, not yet read
	atLoading   bool
	stepIn      textinput.Model
	settingStep bool

	// charts holds the selected metric's curves once per x axis mode, so
	// that `x` switches to a chart already filled (and maybe drawn); only
	// the shown one draws, each caching a render per scale and smoothing.
	charts  [numXModes]*chart.Chart
	metric  string // the chart's metric
	xmode   XMode
	smoothI int
	hist    map[string]map[string][]store.Metric // metric → run → points
	want    int                                  // curves requested for metric
	got     int

	filter    textinput.Model
	filtering bool

	sem chan struct{} // bounds concurrent curve reads to seriesReaders

	prerendering bool // a background chart render is running
}

// New returns the compare pane, comparing nothing.
func New(c *common.Common) *Model {
	fi := textinput.New()
	fi.Cursor.SetMode(cursor.CursorStatic)
	fi.Prompt = "/ "
	fi.Placeholder = "filter params and metrics"
	si := textinput.New()
	si.Cursor.SetMode(cursor.CursorStatic)
	si.Prompt = "at step: "
	si.Placeholder = "the last common step"
	si.CharLimit = 20
	m := &Model{c: c, keys: DefaultKeyMap(), params: table.New(c.Styles, 1), metrics: table.New(c.Styles, 1),
		at: map[atKey]atValues{}, atPending: map[atKey]bool{}, stepIn: si, hist: map[string]map[string][]store.Metric{}, filter: fi,
		sem: make(chan struct{}, seriesReaders)}
	for x := range m.charts {
		m.charts[x] = chart.New(c.Styles, chart.DefaultMaxPoints)
		m.charts[x].SetXFormatter(m.xFormatter(XMode(x)))
		m.charts[x].Park()
	}
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
	m.stepIn.PromptStyle = st.Prompt
	m.stepIn.TextStyle = st.Input
	m.stepIn.PlaceholderStyle = st.Placeholder
}

// Keys exposes the key map for overrides.
func (m *Model) Keys() *KeyMap { return m.keys }

// Init does nothing until runs are compared.
func (m *Model) Init() tea.Cmd { return nil }

// Title names the pane.
func (m *Model) Title() string { return "Compare" }

// KeyMap is the live key map.
func (m *Model) KeyMap() help.KeyMap { return m.keys }

// Focus gives the pane the keyboard and unparks the shown chart.
func (m *Model) Focus() {
	m.focused = true
	m.parkCharts()
	m.syncFocus()
}

// Blur parks the charts: none is drawn while another pane shows.
func (m *Model) Blur() {
	m.focused = false
	m.parkCharts()
	m.syncFocus()
}

// chart is the chart shown: the one for the current x axis mode.
func (m *Model) chart() *chart.Chart { return m.charts[m.xmode] }

// parkCharts parks every chart but the shown one (and that one too while
// the pane is not focused), so only what is on screen ever draws.
func (m *Model) parkCharts() {
	for x, c := range m.charts {
		if m.focused && XMode(x) == m.xmode {
			c.Unpark()
		} else {
			c.Park()
		}
	}
}

// eachChart applies f to the chart of every x axis mode.
func (m *Model) eachChart(f func(*chart.Chart)) {
	for _, c := range m.charts {
		f(c)
	}
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

// Capturing is true while typing a filter or a step.
func (m *Model) Capturing() bool { return m.filtering || m.settingStep }

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
	case m.atLoading:
		return "loading values at step"
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
	m.eachChart((*chart.Chart).Clear)
	m.metric = ""
	m.want, m.got = 0, 0
	m.at = map[atKey]atValues{}
	return m.loadRuns()
}

func (m *Model) loadRuns() tea.Cmd {
	m.seq++
	m.loading = true
	m.atLoading = false // a reply in flight is stale now
	m.atPending = map[atKey]bool{}
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
		return tea.Batch(m.followCursor(true), m.loadAt())
	case atMsg:
		return m.handleAt(msg)
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
			return m.prerender()
		}
	case chart.PrerenderedMsg:
		return m.adopt(msg)
	case common.EventsMsg:
		for _, e := range msg.Events {
			for _, id := range m.ids {
				if e.Entity == "run:"+id {
					for _, c := range m.hist {
						delete(c, id)
					}
					m.at = map[atKey]atValues{}
					return m.loadRuns()
				}
			}
		}
	case common.ThemeMsg:
		m.style()
		m.eachChart((*chart.Chart).Invalidate)
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
		m.eachChart((*chart.Chart).Clear)
	}
	m.metric = key
	return tea.Batch(m.loadSeries(), m.prerender())
}

// drawChart gives the charts (one per x axis mode) the loaded curves of the
// selected metric.
func (m *Model) drawChart() {
	for x, c := range m.charts {
		c.Clear()
		for _, r := range m.runs {
			pts, ok := m.hist[m.metric][r.ID]
			if !ok {
				continue
			}
			c.SetSeries(r.ID, r.Name, toPoints(pts, XMode(x)))
		}
		c.Empty = "no data for " + m.metric
		if m.metric == "" {
			c.Empty = "no metrics to chart"
		}
	}
}

func toPoints(ms []store.Metric, xmode XMode) []chart.Point {
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
		switch xmode {
		case XRelative:
			x = float64(p.Timestamp-t0) / 1000
		case XWall:
			x = float64(p.Timestamp) / 1000
		}
		out[i] = chart.Point{X: x, Y: p.Value}
	}
	if xmode != XStep {
		sortPoints(out)
	}
	return out
}

func (m *Model) xFormatter(xmode XMode) func(float64) string {
	switch xmode {
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
