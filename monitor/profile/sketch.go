package profile

import (
	"fmt"
	"math"

	"github.com/DataDog/sketches-go/ddsketch"
)

// sketchAccuracy is the DDSketch relative accuracy: every quantile the
// sketch returns is within 0.5% (relative) of a value whose rank is the
// requested one.
const sketchAccuracy = 0.005

// sketch holds a column's numeric values once they no longer fit the
// budget. Infinities are counted beside the DDSketch, which cannot hold
// them.
type sketch struct {
	dd             *ddsketch.DDSketch
	posInf, negInf int64
}

func newSketch() (*sketch, error) {
	dd, err := ddsketch.LogUnboundedDenseDDSketch(sketchAccuracy)
	if err != nil {
		return nil, fmt.Errorf("profile: sketch: %w", err)
	}
	return &sketch{dd: dd}, nil
}

func (s *sketch) add(x float64) {
	switch {
	case math.IsInf(x, 1):
		s.posInf++
		return
	case math.IsInf(x, -1):
		s.negInf++
		return
	}
	// Values beyond the indexable range (about ±1.8e308 / 1.01) are
	// clamped to it; the bound then does not hold for them.
	if err := s.dd.Add(x); err != nil {
		if x > 0 {
			_ = s.dd.Add(s.dd.MaxIndexableValue())
		} else {
			_ = s.dd.Add(-s.dd.MaxIndexableValue())
		}
	}
}

// quantile returns the value at rank q(n-1) of the n values (finite and
// infinite), clamped to [lo, hi], the exact min and max.
func (s *sketch) quantile(q, lo, hi float64) float64 {
	finite := s.dd.GetCount()
	n := finite + float64(s.posInf+s.negInf)
	if n == 0 {
		return math.NaN()
	}
	r := q * (n - 1)
	switch {
	case r < float64(s.negInf):
		return math.Inf(-1)
	case r > float64(s.negInf)+finite-1:
		return math.Inf(1)
	}
	fq := 0.0
	if finite > 1 {
		fq = (r - float64(s.negInf)) / (finite - 1)
	}
	v, err := s.dd.GetValueAtQuantile(math.Min(math.Max(fq, 0), 1))
	if err != nil {
		return math.NaN()
	}
	return math.Min(math.Max(v, lo), hi)
}

// histogram spreads each sketch bucket's count into the bin holding the
// bucket's representative value (within 0.5% of every value it counts),
// clamped to the edges. Counts thus stay exact in total; a value may land
// in a neighbouring bin when it lies within 0.5% of a bin edge.
func (s *sketch) histogram(edges []float64) []int64 {
	counts := make([]int64, len(edges)-1)
	first, last := edges[0], edges[len(edges)-1]
	s.dd.ForEach(func(v, c float64) bool {
		v = math.Min(math.Max(v, first), last)
		if i, ok := histBin(v, edges); ok {
			counts[i] += int64(math.Round(c))
		}
		return false
	})
	return counts
}
