package profile

import (
	"sort"
	"strings"
)

// spaceSaving is the space-saving summary (Metwally et al. 2005) of a
// column's frequent values once its distinct values no longer fit
// DistinctExact: m counters in a min-heap; a value without a counter
// takes the smallest one and its count plus one. Every count then
// overestimates the true count by at most the smallest counter, which is
// at most n/m for n values, and every value more frequent than n/m holds
// a counter.
type spaceSaving struct {
	idx  map[string]int // value -> heap position
	heap []ssEntry
}

type ssEntry struct {
	val   string
	count int64
}

// newSpaceSaving seeds the summary with the m most frequent values of an
// exact count table. Unmonitored values then have true counts no larger
// than the smallest seeded one, which is the invariant the bound needs.
func newSpaceSaving(m int, vals []string, counts []int64) *spaceSaving {
	order := make([]int, len(vals))
	for i := range order {
		order[i] = i
	}
	sort.Slice(order, func(a, b int) bool { return counts[order[a]] > counts[order[b]] })
	if len(order) > m {
		order = order[:m]
	}
	s := &spaceSaving{idx: make(map[string]int, m), heap: make([]ssEntry, 0, m)}
	for _, i := range order {
		s.heap = append(s.heap, ssEntry{vals[i], counts[i]})
	}
	for i := len(s.heap)/2 - 1; i >= 0; i-- {
		s.down(i)
	}
	for i, e := range s.heap {
		s.idx[e.val] = i
	}
	return s
}

func (s *spaceSaving) add(v string) {
	if i, ok := s.idx[v]; ok {
		s.heap[i].count++
		s.down(i)
		return
	}
	if len(s.heap) < cap(s.heap) {
		s.heap = append(s.heap, ssEntry{strings.Clone(v), 1})
		i := len(s.heap) - 1
		s.idx[s.heap[i].val] = i
		s.up(i)
		return
	}
	delete(s.idx, s.heap[0].val)
	s.heap[0] = ssEntry{strings.Clone(v), s.heap[0].count + 1}
	s.idx[s.heap[0].val] = 0
	s.down(0)
}

// errorBound is the largest overestimate of any reported count.
func (s *spaceSaving) errorBound() int64 {
	if len(s.heap) < cap(s.heap) {
		return 0
	}
	return s.heap[0].count
}

func (s *spaceSaving) top(k int) []TopValue {
	out := make([]TopValue, len(s.heap))
	for i, e := range s.heap {
		out[i] = TopValue{e.val, e.count}
	}
	return topOf(out, k)
}

func (s *spaceSaving) swap(i, j int) {
	s.heap[i], s.heap[j] = s.heap[j], s.heap[i]
	s.idx[s.heap[i].val] = i
	s.idx[s.heap[j].val] = j
}

func (s *spaceSaving) up(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if s.heap[p].count <= s.heap[i].count {
			return
		}
		s.swap(i, p)
		i = p
	}
}

func (s *spaceSaving) down(i int) {
	n := len(s.heap)
	for {
		l := 2*i + 1
		if l >= n {
			return
		}
		c := l
		if r := l + 1; r < n && s.heap[r].count < s.heap[l].count {
			c = r
		}
		if s.heap[i].count <= s.heap[c].count {
			return
		}
		s.swap(i, c)
		i = c
	}
}

// topOf sorts by count descending, then value, and keeps k.
func topOf(vs []TopValue, k int) []TopValue {
	sort.Slice(vs, func(a, b int) bool {
		if vs[a].Count != vs[b].Count {
			return vs[a].Count > vs[b].Count
		}
		return vs[a].Value < vs[b].Value
	})
	if len(vs) > k {
		vs = vs[:k]
	}
	return vs
}
