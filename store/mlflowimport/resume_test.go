package mlflowimport

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/lathe-ml/lathe/store"
)

// breaking wraps a source so that reading points fails after some were
// read, as a dropped connection or a crash would stop an import half way.
type breaking struct {
	source
	after int
}

func (b *breaking) metrics(ctx context.Context, r *runMeta, d *runData, fn func(store.Metric) error) error {
	n := 0
	return b.source.metrics(ctx, r, d, func(m store.Metric) error {
		if n++; n > b.after {
			return errors.New("connection reset")
		}
		return fn(m)
	})
}

func TestInterruptedRunStaysHiddenAndResumes(t *testing.T) {
	st := openStore(t)
	ctx := context.Background()
	fs, err := openFileStore(fixture("mlruns"), "")
	if err != nil {
		t.Fatal(err)
	}
	// The failure comes after 12 points (accuracy, then 2 of loss): with
	// batches of 1000 no point was written yet, but params and tags were.
	sum, err := importFrom(ctx, st, &breaking{fs, 12}, Options{Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Runs.Failed == 0 || !strings.Contains(strings.Join(sum.Errors, "\n"), "connection reset") {
		t.Fatalf("summary = %+v", sum)
	}
	r := getRun(t, st, runDefault)
	if r.LifecycleStage != store.StageDeleted || r.Tags[store.TagImportIncomplete] == "" || r.Params["lr"] != "0.01" {
		t.Fatalf("interrupted run = %+v: want it hidden (deleted), marked incomplete, with its params", r)
	}
	active, _, err := st.SearchRuns(ctx, store.RunQuery{ExperimentIDs: []int64{0}})
	if err != nil || len(active) != 0 {
		t.Fatalf("default listing shows %d runs (%v); a half-imported run must not show", len(active), err)
	}

	// Write some points by hand as if a batch had committed before the
	// failure, then import again from the intact source.
	early := []store.Metric{{Key: "loss", Value: 1, Timestamp: 1700000001000, Step: 0}, {Key: "loss", Value: 0.5, Timestamp: 1700000002000, Step: 1}}
	if _, err := st.ImportRunData(ctx, runDefault, store.ImportBatch{Metrics: early}); err != nil {
		t.Fatal(err)
	}
	sum = mustImport(t, st, fixture("mlruns"), Options{})
	if len(sum.Errors) > 0 {
		t.Fatalf("errors: %v", sum.Errors)
	}
	r = getRun(t, st, runDefault)
	if r.LifecycleStage != store.StageActive || r.Status != store.StatusFinished || r.Tags[store.TagImportIncomplete] != "" {
		t.Fatalf("resumed run = %+v", r)
	}
	if n := len(history(t, st, runDefault, "loss")); n != 10 {
		t.Errorf("loss has %d points after resuming, want 10", n)
	}
	for _, m := range r.Metrics {
		if m.Count != 10 {
			t.Errorf("summary of %s counts %d points, want 10", m.Key, m.Count)
		}
	}
	if sum.Runs.Imported < 1 {
		t.Errorf("runs = %+v: the resumed run counts as imported", sum.Runs)
	}
}

func TestCancelledImportIsInterrupted(t *testing.T) {
	st := openStore(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	sum, err := Import(ctx, st, fixture("mlruns"), Options{})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if sum == nil || !sum.Interrupted {
		t.Fatalf("summary = %+v, want interrupted", sum)
	}
}
