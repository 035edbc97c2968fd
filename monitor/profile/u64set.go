package profile

import (
	"cmp"
	"math"
	"slices"
)

// u64Counts counts uint64 keys (float bits) in an open-addressing table
// with linear probing: a fraction of the cost of a Go map for the one
// operation the hot loop needs, increment-or-insert. A slot is empty when
// its count is 0.
type u64Counts struct {
	slots []u64Slot
	n     int
	mask  uint64
}

type u64Slot struct {
	key   uint64
	count int64
}

func newU64Counts() *u64Counts {
	return &u64Counts{slots: make([]u64Slot, 64), mask: 63}
}

// add counts key once and returns the number of distinct keys.
func (t *u64Counts) add(key uint64) int {
	i := mix64(key) & t.mask
	for {
		s := &t.slots[i]
		if s.count == 0 {
			s.key, s.count = key, 1
			t.n++
			if 2*t.n > len(t.slots) {
				t.grow()
			}
			return t.n
		}
		if s.key == key {
			s.count++
			return t.n
		}
		i = (i + 1) & t.mask
	}
}

func (t *u64Counts) grow() {
	old := t.slots
	t.slots = make([]u64Slot, 2*len(old))
	t.mask = uint64(len(t.slots) - 1)
	for _, s := range old {
		if s.count == 0 {
			continue
		}
		i := mix64(s.key) & t.mask
		for t.slots[i].count != 0 {
			i = (i + 1) & t.mask
		}
		t.slots[i] = s
	}
}

// len is the number of distinct keys; 0 for a nil table.
func (t *u64Counts) len() int {
	if t == nil {
		return 0
	}
	return t.n
}

// each calls f for every key; nothing for a nil table.
func (t *u64Counts) each(f func(key uint64, count int64)) {
	if t == nil {
		return
	}
	for _, s := range t.slots {
		if s.count != 0 {
			f(s.key, s.count)
		}
	}
}

// sorted returns the keys as floats in increasing order and the running
// count of values up to each: the exact distribution of a column with few
// distinct values, without touching its values.
func (t *u64Counts) sorted() (vals []float64, cum []int64) {
	type kv struct {
		v float64
		n int64
	}
	kvs := make([]kv, 0, t.n)
	t.each(func(k uint64, n int64) { kvs = append(kvs, kv{math.Float64frombits(k), n}) })
	slices.SortFunc(kvs, func(a, b kv) int { return cmp.Compare(a.v, b.v) })
	vals, cum = make([]float64, len(kvs)), make([]int64, len(kvs))
	var total int64
	for i, e := range kvs {
		total += e.n
		vals[i], cum[i] = e.v, total
	}
	return vals, cum
}
