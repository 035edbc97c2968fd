package compare_test

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/exp/golden"

	"github.com/lathe-ml/lathe/tui/common"
	"github.com/lathe-ml/lathe/tui/compare"
	"github.com/lathe-ml/lathe/tui/internal/testutil"
)

func open(t *testing.T, st common.Store, w, h int, names ...string) *compare.Model {
	t.Helper()
	m := compare.New(testutil.Common(t, st))
	m.SetSize(w, h)
	m.Focus()
	var ids []string
	for _, n := range names {
		ids = append(ids, testutil.ID(n))
	}
	testutil.Drain(t, m.Update, m.SetRuns(ids))
	return m
}

func TestView(t *testing.T) {
	st := testutil.Seed(t)
	for _, sz := range testutil.Sizes {
		t.Run(testutil.SizeName(sz), func(t *testing.T) {
			m := open(t, st, sz[0], sz[1], "baseline", "wide-lr", "cnn-1")
			if m.Busy() != "" {
				t.Fatalf("still busy: %s", m.Busy())
			}
			golden.RequireEqual(t, []byte(m.View()))
		})
	}
}

func TestEmpty(t *testing.T) {
	m := compare.New(testutil.Common(t, testutil.Seed(t)))
	m.SetSize(80, 20)
	if v := m.View(); !strings.Contains(v, "Mark runs with space") {
		t.Fatalf("an empty compare pane should say how to compare:\n%s", v)
	}
}

func TestParamsDifferOnlyThenAll(t *testing.T) {
	st := testutil.Seed(t)
	m := open(t, st, 120, 40, "baseline", "small-batch")
	v := m.View()
	if !strings.Contains(v, "PARAMS (1 of 3 differ)") || !strings.Contains(v, "batch") || strings.Contains(v, "model ") {
		t.Fatalf("only batch differs:\n%s", v)
	}
	testutil.Press(t, m.Update, "a")
	if v := m.View(); !strings.Contains(v, "PARAMS (all 3, 1 differ)") || !strings.Contains(v, "model") {
		t.Fatalf("a shows every param:\n%s", v)
	}
}

func TestToggles(t *testing.T) {
	st := testutil.Seed(t)
	m := open(t, st, 100, 40, "baseline", "diverged")
	testutil.Press(t, m.Update, "j") // the chart follows the metric cursor: acc → loss
	if v := m.View(); !strings.Contains(v, "loss · x: step") {
		t.Fatalf("chart title should name loss:\n%s", v)
	}
	testutil.Press(t, m.Update, "L", "S", "x")
	v := m.View()
	for _, want := range []string{"x: relative time", "log", "smooth 0.6"} {
		if !strings.Contains(v, want) {
			t.Errorf("after L S x the chart title lacks %q:\n%s", want, v)
		}
	}
	golden.RequireEqual(t, []byte(v))
	testutil.Press(t, m.Update, "v")
	if v := m.View(); !strings.Contains(v, "METRICS (min)") {
		t.Fatalf("v cycles the statistic:\n%s", v)
	}
}

func TestFilter(t *testing.T) {
	st := testutil.Seed(t)
	m := open(t, st, 100, 40, "baseline", "cnn-1")
	testutil.Drain(t, m.Update, m.StartFilter())
	testutil.Type(t, m.Update, "val")
	testutil.Press(t, m.Update, "enter")
	v := m.View()
	if !strings.Contains(v, "val_loss") || strings.Contains(v, " acc ") {
		t.Fatalf("filter keeps val_loss only:\n%s", v)
	}
	if !strings.Contains(v, "val_loss · x: step") {
		t.Fatalf("the chart follows the filtered metric:\n%s", v)
	}
}

// TestAtStep: `v` cycles to the value at the last common step (cnn-1 stops
// at step 39, so both runs show step 39), `@` sets another step, and a
// step a run never logged shows "—".
func TestAtStep(t *testing.T) {
	st := testutil.Seed(t)
	for _, sz := range testutil.Sizes {
		t.Run(testutil.SizeName(sz), func(t *testing.T) {
			m := open(t, st, sz[0], sz[1], "baseline", "cnn-1")
			testutil.Press(t, m.Update, "v", "v", "v")
			v := m.View()
			if !strings.Contains(v, "last common") || strings.Contains(v, "…") {
				t.Fatalf("v three times should show values at the last common step:\n%s", v)
			}
			testutil.Press(t, m.Update, "@")
			if !m.Capturing() {
				t.Fatal("@ should open the step input")
			}
			testutil.Type(t, m.Update, "45")
			testutil.Press(t, m.Update, "enter")
			if m.Capturing() || !strings.Contains(m.View(), "METRICS (at step 45)") {
				t.Fatalf("enter should show the values at step 45:\n%s", m.View())
			}
			golden.RequireEqual(t, []byte(m.View()))
		})
	}
}

// TestTogglesDrawnAhead: once the curves have loaded, every state a toggle
// reaches is drawn in the background, so the toggle's frame is a cache
// lookup; only the shown chart draws in the foreground.
func TestTogglesDrawnAhead(t *testing.T) {
	st := testutil.Seed(t)
	m := open(t, st, 160, 48, "baseline", "wide-lr", "cnn-1")
	m.View()
	for i := 0; i < 12; i++ {
		for _, k := range []string{"L", "S", "x"} {
			testutil.Press(t, m.Update, k)
			c := m.Chart()
			if !c.Cached() {
				t.Fatalf("toggle %d %s: the new state was not drawn ahead", i, k)
			}
			before := c.Renders
			m.View()
			if c.Renders != before {
				t.Fatalf("toggle %d %s: View redrew a cached state", i, k)
			}
		}
	}
}

// TestAtStepInput: a step that is not a number keeps the input open; esc
// cancels; an empty step goes back to the last common step.
func TestAtStepInput(t *testing.T) {
	st := testutil.Seed(t)
	m := open(t, st, 120, 40, "baseline", "cnn-1")
	testutil.Press(t, m.Update, "@", "x", "enter")
	if !m.Capturing() {
		t.Fatal("a step that is not a number should keep the input open")
	}
	testutil.Press(t, m.Update, "esc")
	if m.Capturing() || !strings.Contains(m.View(), "METRICS (last)") {
		t.Fatalf("esc should cancel and leave the table as it was:\n%s", m.View())
	}
	testutil.Press(t, m.Update, "@", "1", "0", "enter")
	if !strings.Contains(m.View(), "METRICS (at step 10)") {
		t.Fatalf("want the values at step 10:\n%s", m.View())
	}
	testutil.Press(t, m.Update, "@", "backspace", "backspace", "enter")
	if !strings.Contains(m.View(), "last common") {
		t.Fatalf("an empty step should go back to the last common step:\n%s", m.View())
	}
	if m.Busy() != "" {
		t.Fatalf("still busy: %s", m.Busy())
	}
}

// TestAtStepNamesCommonStep: when every metric shown shares its last common
// step, the title names it (cnn-1 stops at step 39).
func TestAtStepNamesCommonStep(t *testing.T) {
	st := testutil.Seed(t)
	m := open(t, st, 120, 40, "baseline", "cnn-1")
	testutil.Drain(t, m.Update, m.StartFilter())
	for _, k := range []string{"a", "c", "c", "enter", "v", "v", "v"} {
		testutil.Press(t, m.Update, k)
	}
	if v := m.View(); !strings.Contains(v, "METRICS (at step 39, the last common one") {
		t.Fatalf("the title should name the common step:\n%s", v)
	}
}
