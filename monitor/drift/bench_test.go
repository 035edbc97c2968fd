package drift

import (
	"context"
	"math/rand/v2"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"
)

const (
	benchRows = 1_000_000
	benchCols = 50
)

// benchColumns builds 50 numeric columns of 1M reference and 1M current
// rows once (800 MB): normal data, every other column shifted a little.
var benchColumns = sync.OnceValue(func() []NumericColumn {
	rng := rand.New(rand.NewPCG(7, 8))
	cols := make([]NumericColumn, benchCols)
	for c := range cols {
		ref := make([]float64, benchRows)
		cur := make([]float64, benchRows)
		shift := float64(c%2) * 0.05
		for i := range ref {
			ref[i] = rng.NormFloat64()*10 + 100
			cur[i] = (rng.NormFloat64()+shift)*10 + 100
		}
		cols[c] = NumericColumn{Ref: ref, Cur: cur}
	}
	return cols
})

// BenchmarkDriftDefaults tests 50 columns of 1M x 1M rows with the default
// statistics (normed Wasserstein, since the reference has more than 1000
// rows) on GOMAXPROCS workers.
func BenchmarkDriftDefaults(b *testing.B) {
	cols := benchColumns()
	ctx := context.Background()
	cpu0 := processCPU()
	for b.Loop() {
		res, err := NumericColumns(ctx, cols, 0)
		if err != nil || res[0].Method != MethodWasserstein {
			b.Fatal(err, res[0].Method)
		}
	}
	// CPU time over all threads: on a shared machine wall time depends on
	// the neighbours, CPU time much less. Ideal wall time on k idle cores
	// is cpu-s/op divided by k.
	b.ReportMetric((processCPU()-cpu0).Seconds()/float64(b.N), "cpu-s/op")
}

// BenchmarkDriftDefaultsSlicesSort is the plain version for comparison:
// one column after another, each sample copied and sorted with
// slices.Sort, then the same merge.
func BenchmarkDriftDefaultsSlicesSort(b *testing.B) {
	cols := benchColumns()
	for b.Loop() {
		for _, c := range cols {
			a := append(slices.Clone(c.Ref), 0)[:len(c.Ref)]
			d := append(slices.Clone(c.Cur), 0)[:len(c.Cur)]
			slices.Sort(a)
			slices.Sort(d)
			a[:len(a)+1][len(a)] = inf
			d[:len(d)+1][len(d)] = inf
			_ = wassersteinSorted(a, d) / max(popStd(a), minNorm)
		}
	}
}

// BenchmarkKS1M is one KS test of 1M reference against 1M current values
// (asymptotic p-value).
func BenchmarkKS1M(b *testing.B) {
	c := benchColumns()[1]
	var w worker
	for b.Loop() {
		r, err := w.numeric(c.Ref, c.Cur, Options{Method: MethodKS})
		if err != nil {
			b.Fatal(err)
		}
		_ = r
	}
}

// BenchmarkSort1M sorts 1M normal values (copying out the finite ones).
func BenchmarkSort1M(b *testing.B) {
	c := benchColumns()[0]
	var s sorter
	var dst []float64
	for b.Loop() {
		dst = s.finiteSorted(dst, c.Ref)
	}
}

// BenchmarkWalk1M merges two sorted samples of 1M values.
func BenchmarkWalk1M(b *testing.B) {
	c := benchColumns()[1]
	var s sorter
	x := s.finiteSorted(nil, c.Ref)
	y := s.finiteSorted(nil, c.Cur)
	for b.Loop() {
		_ = walkSorted(x, y)
	}
}

// processCPU returns the user and system CPU time of the whole process.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
