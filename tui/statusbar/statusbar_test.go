package statusbar_test

import (
	"strings"
	"testing"
	"time"

	"github.com/lathe-ml/lathe/tui/internal/testutil"
	"github.com/lathe-ml/lathe/tui/statusbar"
)

func TestFlashClearsItself(t *testing.T) {
	s := statusbar.New(testutil.Common(t, testutil.Seed(t)))
	s.SetWidth(80)
	s.InfoFor, s.ErrorFor = time.Millisecond, time.Millisecond
	first := s.Flash("one", false)
	second := s.Flash("two", true)
	if !strings.Contains(s.View(), "✗ two") {
		t.Fatalf("an error flash shows marked: %q", s.View())
	}
	s.Update(first()) // the first flash's timeout must not clear the second
	if s.Message() != "two" {
		t.Fatal("a stale timeout cleared a newer message")
	}
	s.Update(second())
	if s.Message() != "" {
		t.Fatal("the flash did not clear")
	}
	if got := len([]rune(s.View())); got != 80 {
		t.Fatalf("the bar is %d cells, want 80", got)
	}
}

func TestSpinnerOnlyWhileBusy(t *testing.T) {
	s := statusbar.New(testutil.Common(t, testutil.Seed(t)))
	s.SetWidth(80)
	tick := s.SetBusy("loading runs")
	if tick == nil || s.SetBusy("loading runs") != nil {
		t.Fatal("one tick chain starts when busy starts, and only one")
	}
	if !strings.Contains(s.View(), "loading runs…") {
		t.Fatalf("busy text: %q", s.View())
	}
	s.SetBusy("")
	if cmd := s.Update(tick()); cmd != nil {
		t.Fatal("a tick after the work ended must stop the spinner")
	}
	if s.SetBusy("again") == nil {
		t.Fatal("the spinner restarts with new work")
	}
}
