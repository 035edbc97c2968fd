package tui_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest"

	"github.com/lathe-ml/lathe/themes"
	"github.com/lathe-ml/lathe/tui"
	"github.com/lathe-ml/lathe/tui/internal/testutil"
)

// start runs the whole workbench as a program over a seeded store.
func start(t *testing.T, w, h int, clip *bytes.Buffer) *teatest.TestModel {
	t.Helper()
	th, _ := themes.Load("dark")
	o := tui.Options{Store: testutil.Seed(t), StoreLabel: "test-store", Theme: th, Renderer: testutil.Renderer(),
		Clock: func() time.Time { return testutil.Now }, Loc: time.UTC, Poll: -1, ExportDir: t.TempDir()}
	if clip != nil {
		o.Clipboard = clip
	}
	m, err := tui.New(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Close)
	return teatest.NewTestModel(t, m, teatest.WithInitialTermSize(w, h))
}

func waitFor(t *testing.T, tm *teatest.TestModel, what ...string) {
	t.Helper()
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
		for _, w := range what {
			if !bytes.Contains(b, []byte(w)) {
				return false
			}
		}
		return true
	}, teatest.WithDuration(10*time.Second), teatest.WithCheckInterval(10*time.Millisecond))
}

func key(tm *teatest.TestModel, keys ...string) {
	for _, k := range keys {
		tm.Send(testutil.Key(k))
	}
}

func final(t *testing.T, tm *teatest.TestModel) *tui.Model {
	t.Helper()
	if err := tm.Quit(); err != nil {
		t.Fatal(err)
	}
	return tm.FinalModel(t, teatest.WithFinalTimeout(10*time.Second)).(*tui.Model)
}

// TestFlowFilterMarkCompareLog: open, filter, mark two runs, compare them,
// toggle the log scale; the final frame is the golden.
func TestFlowFilterMarkCompareLog(t *testing.T) {
	for _, sz := range testutil.Sizes {
		t.Run(testutil.SizeName(sz), func(t *testing.T) {
			tm := start(t, sz[0], sz[1], nil)
			waitFor(t, tm, "baseline", "13 runs")
			key(tm, "/")
			tm.Type("params.model = 'mlp'")
			key(tm, "enter")
			waitFor(t, tm, "5 runs")
			key(tm, "space", "space", "c")
			waitFor(t, tm, "PARAMS", "acc · x: step")
			key(tm, "j", "L")
			waitFor(t, tm, "log scale on")
			m := final(t, tm)
			v := m.View()
			if !strings.Contains(v, "loss · x: step · log") {
				t.Fatalf("final frame:\n%s", v)
			}
			golden.RequireEqual(t, []byte(v))
		})
	}
}

// TestFlowOpenRunAndBack opens a run's detail with enter and goes back with esc.
func TestFlowOpenRunAndBack(t *testing.T) {
	tm := start(t, 100, 30, nil)
	waitFor(t, tm, "13 runs")
	key(tm, "G", "enter")
	waitFor(t, tm, "METRICS (3)", "First try: plain MLP.")
	key(tm, "esc")
	waitFor(t, tm, "13 runs")
	m := final(t, tm)
	if v := m.View(); !strings.Contains(v, "> baseline") && !strings.Contains(v, ">   baseline") {
		t.Fatalf("esc should return to the runs pane with the cursor kept:\n%s", v)
	}
}

// TestFlowPalette drives `:` commands: an experiment, a run by name, a theme.
func TestFlowPalette(t *testing.T) {
	tm := start(t, 100, 30, nil)
	waitFor(t, tm, "13 runs")
	key(tm, ":")
	tm.Type("exp cifar")
	key(tm, "enter")
	waitFor(t, tm, "2 runs")
	key(tm, ":")
	tm.Type("run resnet-50")
	key(tm, "enter")
	waitFor(t, tm, "depth", "50")
	key(tm, ":")
	tm.Type("theme light")
	key(tm, "enter")
	waitFor(t, tm, "theme light")
	key(tm, ":")
	tm.Type("bogus")
	key(tm, "enter")
	waitFor(t, tm, `unknown command "bogus"`)
	m := final(t, tm)
	if m.Common().Theme.Name != "light" {
		t.Fatalf("theme is %q", m.Common().Theme.Name)
	}
}

// TestFlowCopyRunID copies the selected run's id with OSC 52.
func TestFlowCopyRunID(t *testing.T) {
	var clip bytes.Buffer
	tm := start(t, 100, 30, &clip)
	waitFor(t, tm, "13 runs")
	key(tm, "y")
	waitFor(t, tm, "copied run id")
	final(t, tm)
	if !strings.HasPrefix(clip.String(), "\x1b]52;c;") {
		t.Fatalf("clipboard got %q", clip.String())
	}
}

// TestFlowResizeAndMouse resizes below the minimum and back, then clicks.
func TestFlowResizeAndMouse(t *testing.T) {
	tm := start(t, 100, 30, nil)
	waitFor(t, tm, "13 runs")
	tm.Send(tea.WindowSizeMsg{Width: 40, Height: 10})
	waitFor(t, tm, "terminal too small")
	tm.Send(tea.WindowSizeMsg{Width: 120, Height: 30})
	waitFor(t, tm, "13 runs")
	// Click the third run row (tab bar, filter hint, header come first),
	// then click it again to open it.
	x := 40
	tm.Send(tea.MouseMsg{X: x, Y: 5, Action: tea.MouseActionPress, Button: tea.MouseButtonLeft})
	tm.Send(tea.MouseMsg{X: x, Y: 5, Action: tea.MouseActionPress, Button: tea.MouseButtonLeft})
	waitFor(t, tm, "METRICS")
	tm.Send(tea.MouseMsg{X: 1, Y: 0, Action: tea.MouseActionPress, Button: tea.MouseButtonLeft})
	waitFor(t, tm, "EXPERIMENTS")
	m := final(t, tm)
	if v := m.View(); !strings.Contains(v, "EXPERIMENTS") {
		t.Fatalf("clicking tab 1 should show the runs pane:\n%s", v)
	}
}
