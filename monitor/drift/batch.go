package drift

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
)

// NumericColumn is one numeric column of a batch: its reference and current
// values and how to test them.
type NumericColumn struct {
	Ref, Cur []float64
	Options  Options
}

// CategoricalColumn is one categorical column of a batch.
type CategoricalColumn struct {
	Ref, Cur []string
	Options  Options
}

// ColumnError is a failure of one column in a batch.
type ColumnError struct {
	// Index is the column's position in the batch.
	Index int
	// Column is the column's name (Options.Column).
	Column string
	// Err is what Numeric or Categorical returned.
	Err error
}

func (e *ColumnError) Error() string { return fmt.Sprintf("#%d: %v", e.Index, e.Err) }

// Unwrap returns the column's error, so errors.Is(err, ErrEmpty) works on a
// batch's joined error.
func (e *ColumnError) Unwrap() error { return e.Err }

// NumericColumns tests every column as Numeric does, on at most workers
// goroutines (GOMAXPROCS when workers <= 0), each reusing its own buffers
// from column to column. Columns share nothing, so they parallelise
// without contention; one column is never split across workers.
//
// It returns one Result per column, in order. A column that fails leaves a
// Result holding only its name and, where decided, its method; its error is
// returned as a *ColumnError, all of them joined (errors.Join) into the
// returned error while the other columns are still tested. When ctx is done
// it stops starting columns and returns ctx.Err().
func NumericColumns(ctx context.Context, cols []NumericColumn, workers int) ([]Result, error) {
	return runColumns(ctx, len(cols), workers, func(w *worker, i int) (Result, error) {
		c := cols[i]
		return w.numeric(c.Ref, c.Cur, c.Options)
	}, func(i int) string { return cols[i].Options.Column })
}

// CategoricalColumns tests every column as Categorical does, concurrently
// and with the error contract of NumericColumns.
func CategoricalColumns(ctx context.Context, cols []CategoricalColumn, workers int) ([]Result, error) {
	return runColumns(ctx, len(cols), workers, func(_ *worker, i int) (Result, error) {
		c := cols[i]
		return Categorical(c.Ref, c.Cur, c.Options)
	}, func(i int) string { return cols[i].Options.Column })
}

func runColumns(ctx context.Context, n, workers int,
	test func(w *worker, i int) (Result, error), name func(i int) string) ([]Result, error) {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = min(workers, n)
	results := make([]Result, n)
	errs := make([]error, n)
	next := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var w worker
			for i := range next {
				results[i], errs[i] = test(&w, i)
			}
		}()
	}
	var ctxErr error
feed:
	for i := range n {
		select {
		case next <- i:
		case <-ctx.Done():
			ctxErr = ctx.Err()
			break feed
		}
	}
	close(next)
	wg.Wait()
	if ctxErr != nil {
		return results, ctxErr
	}
	var joined []error
	for i, err := range errs {
		if err != nil {
			joined = append(joined, &ColumnError{Index: i, Column: name(i), Err: err})
		}
	}
	return results, errors.Join(joined...)
}
