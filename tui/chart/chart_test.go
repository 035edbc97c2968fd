package chart_test

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/lathe-ml/lathe/tui/chart"
	"github.com/lathe-ml/lathe/tui/internal/testutil"
)

func line(n int, f func(i int) float64) []chart.Point {
	pts := make([]chart.Point, n)
	for i := range pts {
		pts[i] = chart.Point{X: float64(i), Y: f(i)}
	}
	return pts
}

func TestRedrawsOnlyWhenDirty(t *testing.T) {
	st := testutil.Common(t, testutil.Seed(t)).Styles
	c := chart.New(st, 0)
	c.SetSize(60, 15)
	c.SetSeries("a", "run a", line(100, func(i int) float64 { return float64(i * i) }))
	first := c.View()
	for i := 0; i < 5; i++ {
		if c.View() != first {
			t.Fatal("view changed without changes")
		}
	}
	if c.Renders != 1 {
		t.Fatalf("%d renders for one state, want 1 (cached)", c.Renders)
	}
	c.SetLogY(true)
	c.View()
	c.SetLogY(true) // no change
	c.View()
	if c.Renders != 2 {
		t.Fatalf("%d renders, want 2", c.Renders)
	}
	c.Park()
	if c.View() != "" || c.Renders != 2 {
		t.Fatal("a parked chart draws nothing")
	}
	if got := len(strings.Split(first, "\n")); got != 15 {
		t.Fatalf("chart is %d lines, want 15", got)
	}
}

func TestBoundedWindow(t *testing.T) {
	st := testutil.Common(t, testutil.Seed(t)).Styles
	c := chart.New(st, 100)
	c.SetSeries("a", "a", line(10_000, func(i int) float64 { return math.Sin(float64(i) / 50) }))
	if n := len(c.Points("a")); n > 100 || n < 50 {
		t.Fatalf("SetSeries kept %d points, want at most 100", n)
	}
	for i := 0; i < 500; i++ {
		c.Append("a", chart.Point{X: float64(10_000 + i), Y: 1})
	}
	pts := c.Points("a")
	if len(pts) != 100 || pts[len(pts)-1].X != 10_499 {
		t.Fatalf("Append keeps the newest 100 points: %d, last %v", len(pts), pts[len(pts)-1])
	}
}

func TestThinKeepsSpikes(t *testing.T) {
	pts := line(1000, func(i int) float64 { return 0 })
	pts[537].Y = 99
	out := chart.Thin(pts, 50)
	var peak bool
	for _, p := range out {
		peak = peak || p.Y == 99
	}
	if !peak || len(out) > 50 {
		t.Fatalf("thin to %d points lost the spike: %v", len(out), peak)
	}
}

func TestSmooth(t *testing.T) {
	pts := line(5, func(i int) float64 { return 1 })
	for _, p := range chart.Smooth(pts, 0.9) {
		if math.Abs(p.Y-1) > 1e-12 {
			t.Fatalf("debiased EMA of a constant is the constant, got %v", p.Y)
		}
	}
	if got := chart.Smooth(pts, 0); &got[0] != &pts[0] {
		t.Fatal("weight 0 returns the input")
	}
}

func TestStableDistinctColours(t *testing.T) {
	st := testutil.Common(t, testutil.Seed(t)).Styles
	a, b := chart.New(st, 0), chart.New(st, 0)
	ids := []string{"r1", "r2", "r3", "r4", "r5"}
	for _, id := range ids {
		a.SetSeries(id, id, nil)
	}
	for i := len(ids) - 1; i >= 0; i-- {
		b.SetSeries(ids[i], ids[i], nil)
	}
	seen := map[string]bool{}
	for _, id := range ids {
		ca, cb := fmt.Sprint(a.Style(id).GetForeground()), fmt.Sprint(b.Style(id).GetForeground())
		if ca != cb {
			t.Errorf("%s: colour depends on insertion order (%s, %s)", id, ca, cb)
		}
		if seen[ca] {
			t.Errorf("%s shares colour %s", id, ca)
		}
		seen[ca] = true
	}
}

func TestSparkline(t *testing.T) {
	if got := chart.Sparkline([]float64{0, 1, 2, 3, 4, 5, 6, 7}, 8); got != "▁▂▃▄▅▆▇█" {
		t.Errorf("ramp: %q", got)
	}
	if got := chart.Sparkline([]float64{1, 1, math.NaN()}, 3); got != "▄▄ " {
		t.Errorf("flat with NaN: %q", got)
	}
	if got := chart.Sparkline(make([]float64, 100), 10); len([]rune(got)) != 10 {
		t.Errorf("100 values in 10 cells: %q", got)
	}
	if chart.Sparkline(nil, 5) != "" {
		t.Error("no values, no line")
	}
}

// TestCachesEachViewState: toggling back to a scale or smoothing drawn
// before costs no redraw; new data empties the cache.
func TestCachesEachViewState(t *testing.T) {
	st := testutil.Common(t, testutil.Seed(t)).Styles
	c := chart.New(st, 0)
	c.SetSize(60, 15)
	c.SetSeries("a", "run a", line(100, func(i int) float64 { return float64(i*i + 1) }))
	lin := c.View()
	c.SetLogY(true)
	logv := c.View()
	c.SetSmoothing(0.6)
	c.View()
	if c.Renders != 3 {
		t.Fatalf("%d renders for three states, want 3", c.Renders)
	}
	c.SetSmoothing(0)
	if !c.Cached() || c.View() != logv {
		t.Fatal("log scale unsmoothed was drawn before: it should come from the cache")
	}
	c.SetLogY(false)
	if c.View() != lin || c.Renders != 3 {
		t.Fatalf("toggling back redrew: %d renders", c.Renders)
	}
	c.SetSeries("b", "run b", line(100, func(i int) float64 { return float64(i) }))
	if c.Cached() {
		t.Fatal("new data should empty the cache")
	}
	c.View()
	if c.Renders != 4 {
		t.Fatalf("%d renders, want 4 after new data", c.Renders)
	}
}
