package profile

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/lathe-ml/lathe/monitor/table"
)

// Options tunes a profile. The zero value gives the defaults.
type Options struct {
	// MemoryBudget bounds, in bytes, the numeric values kept for exact
	// quantiles, for the whole table (8 bytes a value). Past it every
	// column's values move into a DDSketch. Default 256 MiB, at most
	// 32 GiB (the exact select counts in 32 bits).
	MemoryBudget int64
	// DistinctExact is the number of distinct values per column counted
	// exactly; past it, HyperLogLog estimates the count and a space-saving
	// summary the top values. Default 100,000.
	DistinctExact int
	// HistogramBins is the number of equal-width bins. Default 20.
	HistogramBins int
	// TopK is the number of frequent values reported. Default 10.
	TopK int
	// Progress, if set, is called with the number of rows read so far
	// after each batch, from the goroutine that called Profile.
	Progress func(rows int64)
}

// Defaults for the zero Options.
const (
	DefaultMemoryBudget  = 256 << 20
	DefaultDistinctExact = 100_000
	DefaultHistogramBins = 20
	DefaultTopK          = 10

	maxMemoryBudget = 32 << 30
)

func (o Options) withDefaults() Options {
	if o.MemoryBudget <= 0 {
		o.MemoryBudget = DefaultMemoryBudget
	}
	o.MemoryBudget = min(o.MemoryBudget, maxMemoryBudget)
	if o.DistinctExact <= 0 {
		o.DistinctExact = DefaultDistinctExact
	}
	if o.HistogramBins <= 0 {
		o.HistogramBins = DefaultHistogramBins
	}
	if o.TopK <= 0 {
		o.TopK = DefaultTopK
	}
	return o
}

// Batches: a reader goroutine copies records into a batch (one byte buffer
// and field offsets, so no allocation per field) and hands each batch to
// every worker; each worker owns a fixed group of columns. Batches are
// recycled through a free list, which bounds the memory in flight.
const (
	batchRows  = 2048
	batchBytes = 512 << 10
)

type batch struct {
	buf []byte
	// str is buf viewed as a string (unsafe.String, no copy): buf is not
	// written while workers read the batch, and every text a column keeps
	// past the batch is cloned (count-table keys, examples, timestamp
	// bounds at endBatch).
	str   string
	off   []uint32 // field j is str[off[j]:off[j+1]]
	null  []bool
	lines []int64
	files []string
	rows  int
	left  atomic.Int32 // workers yet to finish with it
}

func (b *batch) reset() {
	b.buf, b.off, b.null = b.buf[:0], b.off[:1], b.null[:0]
	b.lines, b.files, b.rows, b.str = b.lines[:0], b.files[:0], 0, ""
}

func (b *batch) add(rec table.Record, ncols int) {
	for i := 0; i < ncols; i++ {
		null := true
		if i < len(rec.Fields) {
			null = rec.Null != nil && rec.Null[i]
			if !null {
				b.buf = append(b.buf, rec.Fields[i]...)
			}
		}
		b.off = append(b.off, uint32(len(b.buf)))
		b.null = append(b.null, null)
	}
	b.lines = append(b.lines, rec.Line)
	b.files = append(b.files, rec.File)
	b.rows++
}

// run holds what one Profile call shares between its goroutines.
type run struct {
	opt    Options
	cols   []*column
	limit  int64        // values that fit the budget
	kept   atomic.Int64 // values kept so far, all columns
	spill  atomic.Bool  // set once kept passed limit
	tidied atomic.Bool  // set once the heap was returned near the limit
}

// Profile reads r to the end and returns the profile of its columns. It
// keeps no rows: memory is bounded by Options.MemoryBudget for the values
// plus a few MiB of batches, plus per column the distinct-value tables
// (at most DistinctExact entries) and sketches. When the kept values near
// the budget it calls debug.FreeOSMemory once, so that heap freed earlier
// is not counted on top of them. Profile does not close r.
//
// Errors: a reader error (wrapped, with the reader's file and line), or
// ctx's error once ctx is done.
func Profile(ctx context.Context, r table.Reader, opt Options) (*Result, error) {
	opt = opt.withDefaults()
	specs := r.Columns()
	ncols := len(specs)
	ru := &run{opt: opt, limit: opt.MemoryBudget / 8}
	ru.cols = make([]*column, ncols)
	for i, c := range specs {
		ru.cols[i] = newColumn(c, &ru.opt)
	}
	defer func() {
		for _, c := range ru.cols {
			c.vals.free()
		}
	}()

	nw := max(1, min(runtime.GOMAXPROCS(0), ncols))
	groups := make([][]int, nw)
	for i := range ncols {
		groups[i%nw] = append(groups[i%nw], i)
	}
	nb := nw + 2
	free := make(chan *batch, nb)
	for range nb {
		free <- &batch{off: make([]uint32, 1, batchRows*ncols+1)}
	}
	ins := make([]chan *batch, nw)
	var wg sync.WaitGroup
	for w := range nw {
		ins[w] = make(chan *batch, nb)
		wg.Add(1)
		go func() {
			defer wg.Done()
			ru.work(groups[w], ins[w], free)
		}()
	}
	rows, err := ru.read(ctx, r, ncols, free, ins)
	for _, in := range ins {
		close(in)
	}
	wg.Wait()
	if err != nil {
		return nil, err
	}
	return ru.finish(rows, nw)
}

// read feeds the workers until EOF, an error or cancellation.
func (ru *run) read(ctx context.Context, r table.Reader, ncols int, free chan *batch, ins []chan *batch) (int64, error) {
	var rows int64
	for {
		if err := ctx.Err(); err != nil {
			return rows, fmt.Errorf("profile: %w", err)
		}
		b := <-free
		b.reset()
		var rerr error
		for b.rows < batchRows && len(b.buf) < batchBytes {
			rec, err := r.Next()
			if err != nil {
				rerr = err
				break
			}
			b.add(rec, ncols)
		}
		if b.rows > 0 {
			rows += int64(b.rows)
			if len(b.buf) > 0 {
				b.str = unsafe.String(&b.buf[0], len(b.buf))
			}
			b.left.Store(int32(len(ins)))
			for _, in := range ins {
				in <- b
			}
			if ru.opt.Progress != nil {
				ru.opt.Progress(rows)
			}
		} else {
			free <- b
		}
		switch {
		case errors.Is(rerr, io.EOF):
			return rows, nil
		case rerr != nil:
			return rows, fmt.Errorf("profile: %w", rerr)
		}
	}
}

// work accumulates the columns of one group, batch by batch.
func (ru *run) work(group []int, in <-chan *batch, free chan<- *batch) {
	ncols := len(ru.cols)
	for b := range in {
		if ru.spill.Load() {
			for _, ci := range group {
				if c := ru.cols[ci]; c.sk == nil && c.err == nil {
					c.err = c.spill()
				}
			}
		}
		var kept int64
		for _, ci := range group {
			c := ru.cols[ci]
			before := c.vals.n
			for row := 0; row < b.rows; row++ {
				j := row*ncols + ci
				if b.null[j] {
					c.nulls++
					continue
				}
				c.addText(b.str[b.off[j]:b.off[j+1]], b.files[row], b.lines[row])
			}
			c.endBatch()
			kept += int64(c.vals.n - before)
		}
		if kept > 0 {
			total := ru.kept.Add(kept)
			if total > ru.limit {
				ru.spill.Store(true)
			} else if total > ru.limit/8*7 && ru.tidied.CompareAndSwap(false, true) {
				// The values are near their peak: give the heap pages
				// freed earlier (count tables dropped when they
				// overflowed) back to the OS, so that they do not sit
				// in RSS on top of the values. Once per profile.
				debug.FreeOSMemory()
			}
		}
		if b.left.Add(-1) == 0 {
			free <- b
		}
	}
}

// finish decides the sketch question for the whole table (so that the
// result does not depend on when the budget was crossed) and builds the
// column profiles on nw goroutines, a column at a time.
func (ru *run) finish(rows int64, nw int) (*Result, error) {
	if ru.kept.Load() > ru.limit {
		ru.spill.Store(true)
	}
	spill := ru.spill.Load()
	res := &Result{Rows: rows, Columns: make([]Column, len(ru.cols)), Exact: true}
	errs := make([]error, len(ru.cols))
	next := make(chan int, len(ru.cols))
	for i := range ru.cols {
		next <- i
	}
	close(next)
	var wg sync.WaitGroup
	for range nw {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ci := range next {
				c := ru.cols[ci]
				if spill && c.err == nil {
					c.err = c.spill()
				}
				if errs[ci] = c.err; c.err == nil {
					res.Columns[ci] = c.result(rows)
				}
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	for _, c := range res.Columns {
		res.Warnings = append(res.Warnings, c.Warnings...)
		if c.QuantilesExact != nil && !*c.QuantilesExact {
			res.Exact = false
		}
	}
	return res, nil
}
