package compare

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/lathe-ml/lathe/store"
	"github.com/lathe-ml/lathe/tui/common"
	"github.com/lathe-ml/lathe/tui/table"
)

// stepReader is the store call the "at step" values need; *store.Store has
// it.
type stepReader interface {
	MetricBulkInterval(ctx context.Context, runIDs []string, key string, startStep, endStep *int64, maxResults int) ([]store.IntervalPoints, error)
}

var _ stepReader = (*store.Store)(nil)

// atKey names one metric at one step in the cache.
type atKey struct {
	metric string
	step   int64
}

// atValues are the runs' values of one metric at one step: a run missing
// from the map logged nothing at that step.
type atValues map[string]float64

// atMsg carries metric values at steps, read by loadAt.
type atMsg struct {
	seq  int
	want map[atKey]bool // what was asked for
	vals map[atKey]atValues
	err  error
}

// stepFor is the step the table shows metric k at: the one set with `@`,
// else the last step every compared run that logged k has reached.
func (m *Model) stepFor(k string) (int64, bool) {
	if m.atStep != nil {
		return *m.atStep, true
	}
	var step int64
	found := false
	for _, r := range m.runs {
		for _, s := range r.Metrics {
			if s.Key == k && (!found || s.LastStep < step) {
				step, found = s.LastStep, true
			}
		}
	}
	return step, found
}

// atCell is run r's value of metric k at the table's step.
func (m *Model) atCell(r *store.Run, k string) table.Cell {
	step, ok := m.stepFor(k)
	if !ok || !hasMetric(r, k) {
		return table.Cell{Text: "—", Tone: table.Subtle}
	}
	vals, ok := m.at[atKey{k, step}]
	if !ok {
		return table.Cell{Text: "…", Tone: table.Subtle}
	}
	v, ok := vals[r.ID]
	if !ok {
		return table.Cell{Text: "—", Tone: table.Subtle}
	}
	return table.Cell{Text: common.FormatValue(v)}
}

// loadAt reads, in one command, the values at the table's step of every
// metric the table shows that are not cached yet.
func (m *Model) loadAt() tea.Cmd {
	if m.stat != StatAt || len(m.runs) == 0 {
		return nil
	}
	sr, ok := m.c.Store.(stepReader)
	if !ok {
		return nil
	}
	var want []atKey
	for _, k := range m.shown {
		step, ok := m.stepFor(k)
		if !ok {
			continue
		}
		ak := atKey{k, step}
		if _, done := m.at[ak]; !done && !m.atPending[ak] {
			want = append(want, ak)
			m.atPending[ak] = true
		}
	}
	if len(want) == 0 {
		return nil
	}
	m.atLoading = true
	ids := make([]string, len(m.runs))
	for i, r := range m.runs {
		ids[i] = r.ID
	}
	seq, ctx := m.seq, m.c.Ctx
	return func() tea.Msg { return readAt(ctx, sr, seq, ids, want) }
}

// readAt reads each metric at its step for every run; a step logged more
// than once gives its latest point, as MLflow's last value does.
func readAt(ctx context.Context, sr stepReader, seq int, ids []string, want []atKey) atMsg {
	asked := make(map[atKey]bool, len(want))
	for _, w := range want {
		asked[w] = true
	}
	out := map[atKey]atValues{}
	for _, w := range want {
		step := w.step
		ps, err := sr.MetricBulkInterval(ctx, ids, w.metric, &step, &step, 1)
		if err != nil {
			return atMsg{seq: seq, want: asked, err: fmt.Errorf("%s at step %d: %w", w.metric, step, err)}
		}
		vals := atValues{}
		for _, p := range ps {
			for _, pt := range p.Points {
				if pt.Step == step {
					vals[p.RunID] = pt.Value
				}
			}
		}
		out[w] = vals
	}
	return atMsg{seq: seq, want: asked, vals: out}
}

// handleAt takes the values read by loadAt.
func (m *Model) handleAt(msg atMsg) tea.Cmd {
	if msg.seq != m.seq {
		return nil
	}
	for k := range msg.want {
		delete(m.atPending, k)
	}
	m.atLoading = len(m.atPending) > 0
	if msg.err != nil {
		return common.FlashErr(msg.err)
	}
	for k, v := range msg.vals {
		m.at[k] = v
	}
	m.rebuild()
	return nil
}

// startStep opens the step input (`@`).
func (m *Model) startStep() tea.Cmd {
	m.settingStep = true
	m.stepIn.SetValue("")
	if m.atStep != nil {
		m.stepIn.SetValue(strconv.FormatInt(*m.atStep, 10))
	}
	m.stepIn.CursorEnd()
	m.keys.mode(true, true)
	m.keys.StepDone.SetEnabled(true)
	m.keys.FilterDone.SetEnabled(false)
	m.layout()
	return m.stepIn.Focus()
}

// stepKey handles a key while the step input is open: enter shows the
// values at the typed step (empty: the last common step), esc cancels; a
// step that is not a whole number keeps the input open and says so.
func (m *Model) stepKey(msg tea.KeyMsg) tea.Cmd {
	if !key.Matches(msg, m.keys.StepDone) {
		var cmd tea.Cmd
		m.stepIn, cmd = m.stepIn.Update(msg)
		return cmd
	}
	var step *int64
	if msg.String() != "esc" {
		if s := strings.TrimSpace(m.stepIn.Value()); s != "" {
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				return common.FlashErr(fmt.Errorf("step %q: not a whole number", s))
			}
			step = &n
		}
	}
	m.settingStep = false
	m.stepIn.Blur()
	m.keys.mode(false, len(m.runs) > 0)
	defer m.layout()
	if msg.String() == "esc" {
		return nil
	}
	m.atStep = step
	m.stat = StatAt
	m.rebuild()
	return tea.Batch(m.loadAt(), common.Flash(m.statFlash()))
}

// statName is the table's statistic in words ("last", "at step 90").
func (m *Model) statName() string {
	if m.stat != StatAt {
		return m.stat.String()
	}
	if m.atStep == nil {
		return "at the last common step"
	}
	return fmt.Sprintf("at step %d", *m.atStep)
}

// statFlash says what the metrics table shows now.
func (m *Model) statFlash() string {
	switch m.stat {
	case StatMin:
		return "metrics table: the minimum of each metric"
	case StatMax:
		return "metrics table: the maximum of each metric"
	case StatAt:
		return "metrics table: the value " + m.statName()
	}
	return "metrics table: the last value of each metric"
}
