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
