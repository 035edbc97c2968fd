package profile

import (
	"math"
)

// chunkLen is the number of values per chunk: 1 MiB chunks keep the
// per-column waste to the touched pages of one chunk.
const (
	chunkShift = 17
	chunkLen   = 1 << chunkShift
	chunkMask  = chunkLen - 1
)

// values keeps a column's numeric values in fixed-size chunks (never one
// growing slice, which would need twice the memory while it is copied).
type values struct {
	chunks [][]float64
	n      int
}

func (v *values) push(f float64) error {
	i := v.n & chunkMask
	if i == 0 {
		c, err := allocChunk()
		if err != nil {
			return err
		}
		v.chunks = append(v.chunks, c)
	}
	v.chunks[len(v.chunks)-1][i] = f
	v.n++
	return nil
}

func (v *values) free() {
	for _, c := range v.chunks {
		freeChunk(c)
	}
	v.chunks, v.n = nil, 0
}

// drain calls f for every value and frees each chunk once read, so that
// moving values into a sketch never holds more than the values.
func (v *values) drain(f func(float64)) {
	for ci, c := range v.chunks {
		n := chunkLen
		if ci == len(v.chunks)-1 {
			n = v.n - ci*chunkLen
		}
		for _, x := range c[:n] {
			f(x)
		}
		freeChunk(c)
		v.chunks[ci] = nil
	}
	v.chunks, v.n = nil, 0
}

func (v *values) each(f func(float64)) {
	for ci, c := range v.chunks {
		n := chunkLen
		if ci == len(v.chunks)-1 {
			n = v.n - ci*chunkLen
		}
		for _, x := range c[:n] {
			f(x)
		}
	}
}

// quantileLevels returns the reported quantiles, in Column order.
func quantileLevels() []float64 { return []float64{0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99} }

// quantileRanks lists the order statistics that quantilesAt reads, sorted
// and distinct.
func quantileRanks(n int, levels []float64) []int {
	var ranks []int
	for _, q := range levels {
		lo, hi, _ := quantilePos(n, q)
		ranks = append(ranks, lo, hi)
	}
	return sortedUnique(ranks)
}

// quantilePos reproduces numpy's linear method: virtual index (n-1)q, its
// floor and the next index (both clipped to n-1), and the weight.
func quantilePos(n int, q float64) (lo, hi int, gamma float64) {
	vi := float64(n-1) * q
	f := math.Floor(vi)
	if vi >= float64(n-1) {
		return n - 1, n - 1, vi - f
	}
	return int(f), int(f) + 1, vi - f
}

// quantilesAt interpolates numpy's way (its _lerp) between the order
// statistics given by at, so that results match numpy to the last bit on
// finite data and give its answers (inf or nan) around infinities.
func quantilesAt(n int, levels []float64, at func(int) float64) []float64 {
	out := make([]float64, len(levels))
	for i, q := range levels {
		lo, hi, gamma := quantilePos(n, q)
		out[i] = lerp(at(lo), at(hi), gamma)
	}
	return out
}

// lerp is numpy's _lerp: a + (b-a)t, computed from b when t >= 0.5.
func lerp(a, b, t float64) float64 {
	d := b - a
	if t >= 0.5 {
		return b - d*(1-t)
	}
	return a + d*t
}

func sortedUnique(xs []int) []int {
	for i := 1; i < len(xs); i++ {
		for j := i; j > 0 && xs[j-1] > xs[j]; j-- {
			xs[j-1], xs[j] = xs[j], xs[j-1]
		}
	}
	out := xs[:0]
	for i, x := range xs {
		if i == 0 || x != xs[i-1] {
			out = append(out, x)
		}
	}
	return out
}

// histEdges is numpy.linspace(lo, hi, bins+1), with numpy.histogram's
// widening of an empty range to [lo-0.5, hi+0.5]. A range wider than the
// largest float64 is stepped in halves so that the edges stay finite.
func histEdges(lo, hi float64, bins int) []float64 {
	if lo == hi {
		lo, hi = lo-0.5, hi+0.5
	}
	step := (hi - lo) / float64(bins)
	if math.IsInf(step, 0) {
		step = (hi/2 - lo/2) / float64(bins) * 2
	}
	e := make([]float64, bins+1)
	for i := range e {
		e[i] = float64(i)*step + lo
	}
	e[bins] = hi
	return e
}

// histBin is numpy.histogram's bin of x for equal-width edges: the scaled
// index, corrected against the edges, the last bin closed. ok is false
// outside [first, last] and for infinities. Degenerate edges (a range
// that rounds to nothing, like 1e20±0.5) put every value in the first
// bin instead of failing.
func histBin(x float64, edges []float64) (int, bool) {
	bins := len(edges) - 1
	first, last := edges[0], edges[bins]
	if !(x >= first && x <= last) {
		return 0, false
	}
	f := (x - first) * (float64(bins) / (last - first))
	if math.IsInf(last-first, 0) {
		f = (x/2 - first/2) * (float64(bins) / (last/2 - first/2))
	}
	i := 0
	if f > 0 { // false for NaN
		i = int(min(f, float64(bins-1)))
	}
	if x < edges[i] && i > 0 {
		i--
	} else if i < bins-1 && x >= edges[i+1] {
		i++
	}
	return i, true
}
