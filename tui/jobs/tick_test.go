package jobs

import (
	"testing"

	"github.com/lathe-ml/lathe/tui/internal/testutil"
)

// TestTickGeneration: a tick of an older chain is dropped, the current one
// reloads, and leaving the pane ends the chain.
func TestTickGeneration(t *testing.T) {
	m := New(testutil.Common(t, testutil.Seed(t)))
	m.Focus()
	m.ticking, m.tickGen = true, 2
	if cmd := m.Update(tickMsg{gen: 1}); cmd != nil || !m.ticking {
		t.Fatal("a stale tick must be dropped")
	}
	if cmd := m.Update(tickMsg{gen: 2}); cmd == nil || m.ticking {
		t.Fatal("the current tick should reload")
	}
	m.ticking = true
	m.Blur()
	if cmd := m.Update(tickMsg{gen: 2}); cmd != nil {
		t.Fatal("after Blur the old chain's tick must be dropped")
	}
	if m.arm() != nil {
		t.Fatal("an unfocused pane arms no tick")
	}
}
