// Package chart wraps ntcharts for lathe's panes. A Chart owns a bounded
// window of points per series, redraws only when something changed and
// caches the rendered string (ntcharts renders every cell through
// lipgloss), can be parked while off screen, and gives each series a colour
// from its id so that a run looks the same in every chart.
package chart

import (
	"math"
	"sort"
	"strings"

	"github.com/NimbleMarkets/ntcharts/canvas"
	"github.com/NimbleMarkets/ntcharts/canvas/graph"
	"github.com/NimbleMarkets/ntcharts/linechart"
	"github.com/charmbracelet/lipgloss"

	"github.com/lathe-ml/lathe/tui/common"
)

// viewKey is the part of a chart's state that toggles change.
type viewKey struct {
	logY   bool
	smooth float64
}

// maxCached bounds the renders kept per chart (2 scales × a few smoothings).
const maxCached = 8

// Point is one (x, y) sample.
type Point struct{ X, Y float64 }

// DefaultMaxPoints bounds each series: more than a few points per braille
// dot column buys nothing on a terminal.
const DefaultMaxPoints = 1000

type series struct {
	id, label string
	pts       []Point
}

// Chart is a line chart of several series over a shared x axis.
type Chart struct {
	st        *common.Styles
	w, h      int
	maxPoints int
	series    []*series // sorted by id: stable drawing order
	slots     map[string]int

	logY   bool
	smooth float64
	xfmt   func(float64) string

	parked bool
	// cache holds a render per view state (log scale, smoothing), so that
	// toggling back to a state costs nothing. A change of data, size, style
	// or labels empties it and bumps gen, so renders of older data that
	// arrive from Prerender are dropped.
	cache map[viewKey]string
	gen   int
	// Renders counts redraws (tests check the cache works).
	Renders int
	// Empty is shown when there is nothing to draw.
	Empty string
}

// New returns an empty chart that keeps at most maxPoints points per series
// (DefaultMaxPoints when 0).
func New(st *common.Styles, maxPoints int) *Chart {
	if maxPoints <= 0 {
		maxPoints = DefaultMaxPoints
	}
	return &Chart{st: st, maxPoints: maxPoints, slots: map[string]int{}, cache: map[viewKey]string{},
		xfmt: func(v float64) string { return common.FormatValue(math.Round(v)) }, Empty: "no data"}
}

// SetSeries replaces one series' points (sorted by x by the caller),
// thinned to the chart's bound.
func (c *Chart) SetSeries(id, label string, pts []Point) {
	pts = Thin(pts, c.maxPoints)
	for _, s := range c.series {
		if s.id == id {
			s.label, s.pts = label, pts
			c.changed()
			return
		}
	}
	c.series = append(c.series, &series{id: id, label: label, pts: pts})
	sort.Slice(c.series, func(i, j int) bool { return c.series[i].id < c.series[j].id })
	c.assignSlots()
	c.changed()
}

// Append adds points to the end of a series, dropping the oldest beyond the
// bound (a live run's window).
func (c *Chart) Append(id string, pts ...Point) {
	for _, s := range c.series {
		if s.id == id {
			s.pts = append(s.pts, pts...)
			if over := len(s.pts) - c.maxPoints; over > 0 {
				s.pts = append(s.pts[:0], s.pts[over:]...)
			}
			c.changed()
			return
		}
	}
	c.SetSeries(id, id, pts)
}

// Clear removes every series.
func (c *Chart) Clear() {
	c.series = nil
	c.slots = map[string]int{}
	c.changed()
}

// Len is the number of series.
func (c *Chart) Len() int { return len(c.series) }

// Points returns a copy of a series' points (nil when absent).
func (c *Chart) Points(id string) []Point {
	for _, s := range c.series {
		if s.id == id {
			return append([]Point(nil), s.pts...)
		}
	}
	return nil
}

// assignSlots gives each series its hashed palette slot, moving to the next
// free slot on a collision so that runs compared together never share a
// colour while there are colours left. Series are visited in id order, so
// the same set of runs always gets the same colours.
func (c *Chart) assignSlots() {
	c.slots = map[string]int{}
	used := map[int]bool{}
	n := len(c.st.SeriesPalette())
	for _, s := range c.series {
		slot := c.st.SeriesIndex(s.id)
		for k := 0; k < n && used[slot]; k++ {
			slot = (slot + 1) % n
		}
		used[slot] = true
		c.slots[s.id] = slot
	}
}

// Style is the colour of a series.
func (c *Chart) Style(id string) lipgloss.Style {
	if slot, ok := c.slots[id]; ok {
		return c.st.SeriesAt(slot)
	}
	return c.st.Series(id)
}

// SetSize sets the area, legend included.
func (c *Chart) SetSize(w, h int) {
	if w != c.w || h != c.h {
		c.w, c.h = w, h
		c.changed()
	}
}

// SetLogY switches the y axis to log10 (points <= 0 are left out). A
// state drawn before since the data last changed comes from the cache.
func (c *Chart) SetLogY(on bool) { c.logY = on }

// LogY reports whether the y axis is logarithmic.
func (c *Chart) LogY() bool { return c.logY }

// SetSmoothing sets the exponential moving average weight in [0, 1): 0 is
// raw data, 0.9 is heavy smoothing (TensorBoard's slider, debiased).
func (c *Chart) SetSmoothing(w float64) {
	c.smooth = clampSmooth(w)
}

// Smoothing is the current EMA weight.
func (c *Chart) Smoothing() float64 { return c.smooth }

// SetXFormatter sets how x axis labels read (steps, durations, clock times).
func (c *Chart) SetXFormatter(f func(float64) string) {
	c.xfmt = f
	c.changed()
}

// Park stops rendering while the chart is off screen; Unpark resumes.
func (c *Chart) Park() { c.parked = true }

// Unpark makes the chart render again.
func (c *Chart) Unpark() { c.parked = false }

// Invalidate forces a redraw (the theme changed).
func (c *Chart) Invalidate() {
	c.assignSlots()
	c.changed()
}

// View returns the chart and its legend in exactly the chart's size,
// redrawing only when this view state (scale, smoothing) has not been drawn
// since the data, size or style last changed. A parked chart draws nothing.
func (c *Chart) View() string {
	if c.parked || c.w <= 0 || c.h <= 0 {
		return ""
	}
	k := viewKey{c.logY, c.smooth}
	if v, ok := c.cache[k]; ok {
		return v
	}
	if len(c.cache) >= maxCached {
		clear(c.cache)
	}
	v := c.render()
	c.cache[k] = v
	c.Renders++
	return v
}

// Cached reports whether the current view state is drawn already, so that
// View costs nothing (tests, benchmarks).
func (c *Chart) Cached() bool {
	_, ok := c.cache[viewKey{c.logY, c.smooth}]
	return ok
}

// changed drops every cached render: the data, size, style or labels
// changed.
func (c *Chart) changed() {
	clear(c.cache)
	c.gen++
}

func (c *Chart) prepared() map[string][]Point {
	out := make(map[string][]Point, len(c.series))
	for _, s := range c.series {
		pts := s.pts
		if c.smooth > 0 {
			pts = Smooth(pts, c.smooth)
		}
		if c.logY {
			lp := make([]Point, 0, len(pts))
			for _, p := range pts {
				if p.Y > 0 && !math.IsInf(p.Y, 0) {
					lp = append(lp, Point{p.X, math.Log10(p.Y)})
				}
			}
			pts = lp
		}
		clean := make([]Point, 0, len(pts))
		for _, p := range pts {
			if !math.IsNaN(p.Y) && !math.IsInf(p.Y, 0) && !math.IsNaN(p.X) {
				clean = append(clean, p)
			}
		}
		out[s.id] = clean
	}
	return out
}

func (c *Chart) legend() []string {
	var lines []string
	line, lw := "", 0
	for i, s := range c.series {
		item := c.Style(s.id).Render(marker(i)+" ") + c.st.Text.Render(s.label)
		iw := lipgloss.Width(item)
		if lw > 0 && lw+2+iw > c.w {
			lines = append(lines, line)
			line, lw = "", 0
		}
		if lw > 0 {
			line += "  "
			lw += 2
		}
		line += item
		lw += iw
	}
	if line != "" {
		lines = append(lines, line)
	}
	return lines
}

// marker tells series apart where colour cannot (NO_COLOR).
func marker(i int) string {
	m := []string{"●", "■", "▲", "◆", "○", "□", "△", "◇"}
	return m[i%len(m)]
}

func (c *Chart) render() string {
	data := c.prepared()
	minX, maxX, minY, maxY := math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
	n := 0
	for _, pts := range data {
		for _, p := range pts {
			minX, maxX = math.Min(minX, p.X), math.Max(maxX, p.X)
			minY, maxY = math.Min(minY, p.Y), math.Max(maxY, p.Y)
			n++
		}
	}
	legend := c.legend()
	if len(legend) > c.h/3 {
		legend = legend[:c.h/3]
	}
	plotH := c.h - len(legend)
	if n == 0 || plotH < 4 || c.w < 12 {
		msg := c.Empty
		if c.logY && n == 0 && len(c.series) > 0 {
			msg = "no positive values for a log scale"
		}
		return common.FitLines(c.st.Subtle.Render(msg)+"\n"+strings.Join(legend, "\n"), c.w, c.h)
	}
	if maxX == minX {
		maxX = minX + 1
	}
	if maxY == minY {
		pad := math.Max(math.Abs(maxY)*0.1, 1e-9)
		minY, maxY = minY-pad, maxY+pad
	} else {
		pad := (maxY - minY) * 0.05
		minY, maxY = minY-pad, maxY+pad
	}
	yfmt := func(_ int, v float64) string { return common.FormatValue(v) }
	if c.logY {
		yfmt = func(_ int, v float64) string { return common.FormatValue(math.Pow(10, v)) }
	}
	xfmt := c.xfmt
	lc := linechart.New(c.w, plotH, minX, maxX, minY, maxY,
		linechart.WithXYSteps(max(c.w/8, 8), max(plotH/8, 2)),
		linechart.WithStyles(c.st.Border, c.st.Subtle, c.st.Text),
		linechart.WithXLabelFormatter(func(_ int, v float64) string { return xfmt(v) }),
		linechart.WithYLabelFormatter(yfmt),
	)
	lc.DrawXYAxisAndLabel()
	gw, gh := lc.GraphWidth(), lc.GraphHeight()
	if gw < 2 || gh < 1 {
		return common.FitLines(c.st.Subtle.Render("too small for a chart"), c.w, c.h)
	}
	for _, s := range c.series {
		pts := data[s.id]
		if len(pts) == 0 {
			continue
		}
		grid := graph.NewBrailleGrid(gw, gh, minX, maxX, minY, maxY)
		prev := grid.GridPoint(canvas.Float64Point{X: pts[0].X, Y: pts[0].Y})
		grid.Set(prev)
		for _, p := range pts[1:] {
			cur := grid.GridPoint(canvas.Float64Point{X: p.X, Y: p.Y})
			for _, q := range graph.GetLinePoints(prev, cur) {
				grid.Set(q)
			}
			prev = cur
		}
		graph.DrawBraillePatterns(&lc.Canvas, canvas.Point{X: lc.Origin().X + 1, Y: 0}, grid.BraillePatterns(), c.Style(s.id))
	}
	out := lc.View()
	if len(legend) > 0 {
		out += "\n" + strings.Join(legend, "\n")
	}
	return common.FitLines(out, c.w, c.h)
}
