package chart

import (
	tea "github.com/charmbracelet/bubbletea"
)

// State is a view state a chart can be drawn in: the toggles that do not
// change its data.
type State struct {
	LogY   bool
	Smooth float64
}

// PrerenderedMsg carries renders made by Prerender; the chart's owner
// hands it to Adopt. Tag is the owner's, to find the chart.
type PrerenderedMsg struct {
	Tag     int
	gen     int
	renders map[viewKey]string
}

// Prerender returns a command that draws the chart in the given states
// that are not cached yet, on a copy of the chart (its series, colours and
// styles copied now), off the UI goroutine; nil when there is nothing to
// draw. A toggle to one of these states then costs only the cache lookup.
func (c *Chart) Prerender(tag int, states ...State) tea.Cmd {
	if c.w <= 0 || c.h <= 0 || len(c.series) == 0 {
		return nil
	}
	var todo []viewKey
	for _, s := range states {
		k := viewKey{s.LogY, clampSmooth(s.Smooth)}
		if _, ok := c.cache[k]; !ok && len(c.cache)+len(todo) < maxCached {
			todo = append(todo, k)
		}
	}
	if len(todo) == 0 {
		return nil
	}
	snap := c.snapshot()
	gen := c.gen
	return func() tea.Msg {
		out := make(map[viewKey]string, len(todo))
		for _, k := range todo {
			snap.logY, snap.smooth = k.logY, k.smooth
			out[k] = snap.render()
		}
		return PrerenderedMsg{Tag: tag, gen: gen, renders: out}
	}
}

// Adopt caches the renders of a Prerender made since the chart last
// changed; older ones are dropped.
func (c *Chart) Adopt(msg PrerenderedMsg) {
	if msg.gen != c.gen {
		return
	}
	for k, v := range msg.renders {
		if _, ok := c.cache[k]; !ok && len(c.cache) < maxCached {
			c.cache[k] = v
		}
	}
}

// snapshot copies what render reads, so that a copy can render on another
// goroutine while the chart changes.
func (c *Chart) snapshot() *Chart {
	st := *c.st
	s := &Chart{st: &st, w: c.w, h: c.h, maxPoints: c.maxPoints, xfmt: c.xfmt, Empty: c.Empty,
		slots: make(map[string]int, len(c.slots)), cache: map[viewKey]string{}}
	for k, v := range c.slots {
		s.slots[k] = v
	}
	for _, sr := range c.series {
		s.series = append(s.series, &series{id: sr.id, label: sr.label, pts: append([]Point(nil), sr.pts...)})
	}
	return s
}

func clampSmooth(w float64) float64 { return max(0, min(w, 0.99)) }
