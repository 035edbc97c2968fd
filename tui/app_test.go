package tui

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/lathe-ml/lathe/themes"
	"github.com/lathe-ml/lathe/tui/internal/testutil"
)

func newTest(t *testing.T, keys map[string][]string) *Model {
	t.Helper()
	th, _ := themes.Load("dark")
	m, err := New(Options{Store: testutil.Seed(t), StoreLabel: "test-store", Theme: th, Keys: keys,
		Renderer: testutil.Renderer(), Clock: func() time.Time { return testutil.Now }, Loc: time.UTC, Poll: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Close)
	return m
}

func press(m *Model, keys ...string) {
	for _, k := range keys {
		m.Update(testutil.Key(k))
	}
}

// TestHelpListsEveryEnabledBinding checks that `?` shows, for each pane,
// every enabled binding of that pane's live key map and of the global one.
func TestHelpListsEveryEnabledBinding(t *testing.T) {
	m := newTest(t, nil)
	m.Update(tea.WindowSizeMsg{Width: 200, Height: 100})
	for i := range m.panes {
		m.focus(i)
		press(m, "?")
		v := m.View()
		maps := []interface{ FullHelp() [][]key.Binding }{m.focused().KeyMap(), m.c.Keys}
		n := 0
		for _, km := range maps {
			for _, g := range km.FullHelp() {
				for _, b := range g {
					if !b.Enabled() {
						continue
					}
					n++
					if !strings.Contains(v, b.Help().Key+" ") || !strings.Contains(v, b.Help().Desc) {
						t.Errorf("%s pane: help lacks %q %q", m.focused().Title(), b.Help().Key, b.Help().Desc)
					}
				}
			}
		}
		if n < 10 {
			t.Errorf("%s pane: only %d enabled bindings checked", m.focused().Title(), n)
		}
		press(m, "esc")
		if m.helpOpen {
			t.Fatal("esc should close help")
		}
	}
}

func TestHelpGolden(t *testing.T) {
	m := newTest(t, nil)
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	press(m, "?")
	golden.RequireEqual(t, []byte(m.View()))
}

func TestTooSmall(t *testing.T) {
	m := newTest(t, nil)
	m.Update(tea.WindowSizeMsg{Width: 59, Height: 30})
	if v := m.View(); !strings.Contains(v, "terminal too small (need 60x16, have 59x30)") {
		t.Fatalf("got:\n%s", v)
	}
	m.Update(tea.WindowSizeMsg{Width: 60, Height: 16})
	if v := m.View(); strings.Contains(v, "too small") || len(strings.Split(v, "\n")) != 16 {
		t.Fatalf("60x16 is enough; got %d lines:\n%s", len(strings.Split(v, "\n")), v)
	}
}

func TestKeyOverrides(t *testing.T) {
	m := newTest(t, map[string][]string{"quit": {"ctrl+q"}, "runs.sort": {"S"}, "copy": {}})
	m.Update(tea.WindowSizeMsg{Width: 200, Height: 60})
	press(m, "?")
	v := m.View()
	if !strings.Contains(v, "ctrl+q") || !regexp.MustCompile(`\bS +sort by column`).MatchString(v) {
		t.Fatalf("help should show the overridden keys:\n%s", v)
	}
	if strings.Contains(v, "copy run id") {
		t.Fatalf("an unbound action should leave help:\n%s", v)
	}
	press(m, "esc")
	if _, cmd := m.Update(testutil.Key("q")); cmd != nil {
		if _, ok := cmd().(tea.QuitMsg); ok {
			t.Fatal("q no longer quits")
		}
	}
	_, err := New(Options{Store: m.c.Store, Keys: map[string][]string{"runs.sortt": {"x"}}})
	if err == nil || !strings.Contains(err.Error(), `unknown key action runs.sortt`) || !strings.Contains(err.Error(), "runs.sort,") {
		t.Fatalf("unknown action error: %v", err)
	}
}

func TestSingleLetterKeysOffWhileTyping(t *testing.T) {
	m := newTest(t, nil)
	m.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
	m.Update(testutil.Key("/"))
	if !m.focused().Capturing() {
		t.Fatal("/ should open the runs filter")
	}
	if m.c.Keys.Quit.Enabled() {
		t.Fatal("q must be off while the filter has focus")
	}
	if _, cmd := m.Update(testutil.Key("q")); cmd != nil {
		if _, ok := cmd().(tea.QuitMsg); ok {
			t.Fatal("typing q in the filter quit")
		}
	}
	m.Update(testutil.Key("esc"))
	if m.focused().Capturing() || !m.c.Keys.Quit.Enabled() {
		t.Fatal("esc should leave the filter and turn q back on")
	}
}

func TestRunesArriveTogether(t *testing.T) {
	m := newTest(t, nil)
	m.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
	m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("32")})
	if m.active != paneRun {
		t.Fatalf(`"32" in one message should act as 3 then 2: active pane %d`, m.active)
	}
	m.Update(testutil.Key("1"))
	m.Update(testutil.Key("/"))
	m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("q1")})
	if m.active != paneRuns || !m.focused().Capturing() {
		t.Fatal("while typing, runes stay text")
	}
}

func TestWatchTickChain(t *testing.T) {
	m := newTest(t, nil)
	m.poll = time.Millisecond
	start := m.startWatch()
	msg := start().(watchStartMsg)
	if m.handleWatch(watchStartMsg{gen: msg.gen - 1}) != nil {
		t.Fatal("a stale start must not arm a tick")
	}
	if m.handleWatch(msg) == nil {
		t.Fatal("start arms the tick")
	}
	if m.handleWatch(watchTickMsg{gen: msg.gen + 1}) != nil {
		t.Fatal("a tick of another generation must not re-arm")
	}
	read := m.handleWatch(watchTickMsg{gen: msg.gen})
	ev := read().(eventsMsg)
	if len(ev.events) != 0 || m.handleWatch(ev) == nil {
		t.Fatal("no events: re-arm the tick only")
	}
	m.startWatch() // a restart retires the old chain
	if m.handleWatch(ev) != nil {
		t.Fatal("the old chain's reply must not re-arm after a restart")
	}
}
