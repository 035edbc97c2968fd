package profile

import (
	"math"
	"slices"
	"sort"
)

// orderStats returns the values of the given order statistics (0-based
// ranks, sorted, distinct) of v, without moving or copying the values: a
// radix select over an order-preserving 64-bit key of each float, 16 bits
// a pass. Each pass reads the values once, in order, and either counts
// the next 16 bits of the values that share a wanted prefix, or, once a
// prefix holds few values (collectMax), collects them and sorts them. In
// practice three passes, and at most five even for a constant column
// (whose key is then fully determined).
func (v *values) orderStats(ranks []int) []float64 {
	out := make([]float64, len(ranks))
	type want struct {
		rank int64 // residual rank within the group
		out  int   // index in out
	}
	type group struct {
		prefix uint64
		count  int64
		wants  []want
		hist   []uint32 // counts fit: a column holds < 2^32 kept values
		buf    []float64
	}
	first := &group{count: int64(v.n)}
	for i, r := range ranks {
		first.wants = append(first.wants, want{int64(r), i})
	}
	groups := []*group{first}
	for bits := uint(0); len(groups) > 0; bits += 16 {
		for _, g := range groups {
			if g.count <= collectMax {
				g.buf = make([]float64, 0, g.count)
			} else {
				g.hist = make([]uint32, 1<<16)
			}
		}
		prefixes := make([]uint64, len(groups))
		for i, g := range groups {
			prefixes[i] = g.prefix
		}
		shift := 64 - bits // Go's k>>64 is 0, the empty prefix
		// A table on the top 16 bits gives the first group under them,
		// so that most values are rejected by one lookup; deeper prefixes
		// are then compared among that group's few neighbours.
		var lut []int16
		if bits > 0 {
			lut = make([]int16, 1<<16)
			for i := range lut {
				lut[i] = -1
			}
			for i := len(prefixes) - 1; i >= 0; i-- {
				lut[prefixes[i]>>(bits-16)] = int16(i)
			}
		}
		for ci, c := range v.chunks {
			if ci == len(v.chunks)-1 {
				c = c[:v.n-ci*chunkLen]
			}
			for _, x := range c {
				k := orderKey(x)
				i := 0
				if lut != nil {
					if i = int(lut[k>>48]); i < 0 {
						continue
					}
					p := k >> shift
					for i < len(prefixes) && prefixes[i] < p {
						i++
					}
					if i == len(prefixes) || prefixes[i] != p {
						continue
					}
				}
				if g := groups[i]; g.buf != nil {
					g.buf = append(g.buf, x)
				} else {
					g.hist[(k<<bits)>>48]++
				}
			}
		}
		var next []*group
		for _, g := range groups {
			if g.buf != nil {
				slices.Sort(g.buf)
				for _, w := range g.wants {
					out[w.out] = g.buf[w.rank]
				}
				continue
			}
			var before int64
			var cur *group
			b := 0
			for _, w := range g.wants {
				for before+int64(g.hist[b]) <= w.rank {
					before += int64(g.hist[b])
					b++
				}
				prefix := g.prefix<<16 | uint64(b)
				if bits+16 == 64 { // the whole key: the value itself
					out[w.out] = fromOrderKey(prefix)
					continue
				}
				if cur == nil || cur.prefix != prefix {
					cur = &group{prefix: prefix, count: int64(g.hist[b])}
					next = append(next, cur)
				}
				cur.wants = append(cur.wants, want{w.rank - before, w.out})
			}
		}
		groups = next
	}
	return out
}

// collectMax is the most values of one prefix that orderStats sorts
// rather than splits further (128 KiB): with at most 14 groups, the select
// needs under 6 MiB beside the values.
const collectMax = 1 << 14

// orderKey maps a float (not NaN) to a uint64 in the same order: negative
// values have all bits flipped, others the sign bit set.
func orderKey(f float64) uint64 {
	b := math.Float64bits(f)
	if b>>63 == 1 {
		return ^b
	}
	return b | 1<<63
}

func fromOrderKey(k uint64) float64 {
	if k>>63 == 1 {
		return math.Float64frombits(k &^ (1 << 63))
	}
	return math.Float64frombits(^k)
}

// exactQuantiles computes numpy.quantile(method="linear") at the levels
// from the order statistics it needs.
func (v *values) exactQuantiles(levels []float64) []float64 {
	ranks := quantileRanks(v.n, levels)
	stats := v.orderStats(ranks)
	return quantilesAt(v.n, levels, func(r int) float64 {
		return stats[sort.SearchInts(ranks, r)]
	})
}
