package tui

import (
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/lathe-ml/lathe/store"
	"github.com/lathe-ml/lathe/tui/common"
)

// The watcher follows the store's append-only event log: a tick every poll
// interval asks for events after the last one seen (an indexed range read
// that returns nothing when nothing changed). The chain is tick → read →
// events → next tick: the tick re-arms only from its own reply, and a
// generation number retires any chain a restart left behind, so there is
// never more than one.

// LiveFor is how long after the last change the status bar says "live".
const LiveFor = 10 * time.Second

// maxEventBatch bounds one read of the event log; more waits for the next
// tick.
const maxEventBatch = 500

type watchStartMsg struct {
	gen  int
	last int64
	err  error
}

type watchTickMsg struct{ gen int }

type eventsMsg struct {
	gen    int
	events []store.Event
	err    error
}

func (m *Model) startWatch() tea.Cmd {
	if m.poll < 0 {
		return nil
	}
	m.watchGen++
	gen, ctx, st := m.watchGen, m.c.Ctx, m.c.Store
	return func() tea.Msg {
		last, err := st.LastEventID(ctx)
		return watchStartMsg{gen: gen, last: last, err: err}
	}
}

func (m *Model) tick(gen int) tea.Cmd {
	return tea.Tick(m.poll, func(time.Time) tea.Msg { return watchTickMsg{gen: gen} })
}

func (m *Model) handleWatch(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case watchStartMsg:
		if msg.gen != m.watchGen {
			return nil
		}
		if msg.err != nil {
			m.c.Log.Warn("watch: read last event", "err", msg.err)
		}
		m.lastEvent = msg.last
		return m.tick(msg.gen)
	case watchTickMsg:
		if msg.gen != m.watchGen {
			return nil
		}
		m.status.Live = m.c.Now().Sub(m.lastLive) < LiveFor
		gen, after, ctx, st := msg.gen, m.lastEvent, m.c.Ctx, m.c.Store
		return func() tea.Msg {
			evs, err := st.Events(ctx, after, maxEventBatch)
			return eventsMsg{gen: gen, events: evs, err: err}
		}
	case eventsMsg:
		if msg.gen != m.watchGen {
			return nil
		}
		if msg.err != nil {
			if m.c.Ctx.Err() != nil {
				return nil // quitting
			}
			m.c.Log.Warn("watch: read events", "err", msg.err)
			return m.tick(msg.gen)
		}
		if len(msg.events) == 0 {
			return m.tick(msg.gen)
		}
		m.lastEvent = msg.events[len(msg.events)-1].ID
		m.lastLive = m.c.Now()
		m.status.Live = true
		m.c.Log.Debug("store changed", "events", len(msg.events), "last", m.lastEvent)
		return tea.Batch(m.tick(msg.gen), m.broadcast(common.EventsMsg{Events: msg.events}))
	}
	return nil
}
