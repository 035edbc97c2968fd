package chart

import (
	"math"
	"strings"
)

// Thin bounds pts to about n points by keeping, from each of n/2 buckets,
// its lowest and highest point in x order: spikes survive, which a stride
// would lose. Series of n points or fewer come back unchanged.
func Thin(pts []Point, n int) []Point {
	if n <= 0 || len(pts) <= n {
		return pts
	}
	buckets := max(n/2, 1)
	out := make([]Point, 0, n+2)
	size := float64(len(pts)) / float64(buckets)
	for b := 0; b < buckets; b++ {
		lo, hi := int(float64(b)*size), int(float64(b+1)*size)
		hi = min(hi, len(pts))
		if lo >= hi {
			continue
		}
		mi, ma := lo, lo
		for i := lo; i < hi; i++ {
			if pts[i].Y < pts[mi].Y {
				mi = i
			}
			if pts[i].Y > pts[ma].Y {
				ma = i
			}
		}
		if mi > ma {
			mi, ma = ma, mi
		}
		out = append(out, pts[mi])
		if ma != mi {
			out = append(out, pts[ma])
		}
	}
	return out
}

// Smooth is a debiased exponential moving average with weight w (the
// TensorBoard smoothing slider): NaN points pass through unchanged.
func Smooth(pts []Point, w float64) []Point {
	if w <= 0 {
		return pts
	}
	out := make([]Point, len(pts))
	last, n := 0.0, 0
	for i, p := range pts {
		if math.IsNaN(p.Y) || math.IsInf(p.Y, 0) {
			out[i] = p
			continue
		}
		last = last*w + (1-w)*p.Y
		n++
		out[i] = Point{p.X, last / (1 - math.Pow(w, float64(n)))}
	}
	return out
}

var bars = []rune("▁▂▃▄▅▆▇█")

// Sparkline draws values as one line of width block characters scaled
// between their minimum and maximum (each cell shows its bucket's last
// value); NaN cells are blank.
func Sparkline(values []float64, width int) string {
	if width <= 0 || len(values) == 0 {
		return ""
	}
	cells := make([]float64, 0, width)
	if len(values) <= width {
		cells = append(cells, values...)
	} else {
		for i := 0; i < width; i++ {
			j := int(float64(i+1)*float64(len(values))/float64(width)) - 1
			cells = append(cells, values[max(j, 0)])
		}
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, v := range cells {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			continue
		}
		lo, hi = math.Min(lo, v), math.Max(hi, v)
	}
	var b strings.Builder
	for _, v := range cells {
		switch {
		case math.IsNaN(v) || math.IsInf(v, 0):
			b.WriteRune(' ')
		case hi == lo:
			b.WriteRune(bars[3])
		default:
			k := int(math.Round((v - lo) / (hi - lo) * float64(len(bars)-1)))
			b.WriteRune(bars[k])
		}
	}
	return b.String()
}
