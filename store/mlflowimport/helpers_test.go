package mlflowimport

import (
	"context"
	"errors"
	"io"
	"math"
	"path/filepath"
	"runtime"
	"sort"
	"testing"
	"time"

	"github.com/lathe-ml/lathe/store"
)

// fixture is the MLflow file store under testdata (see make_fixture.py).
func fixture(parts ...string) string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(append([]string{filepath.Dir(file), "..", "..", "testdata", "mlflow"}, parts...)...)
}

func openStore(t testing.TB) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), t.TempDir(), store.Options{Synchronous: "NORMAL"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func mustImport(t testing.TB, st *store.Store, src string, opt Options) *Summary {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	sum, err := Import(ctx, st, src, opt)
	if err != nil {
		t.Fatalf("import %s: %v", src, err)
	}
	return sum
}

func history(t testing.TB, st *store.Store, run, key string) []store.Metric {
	t.Helper()
	pts, _, err := st.MetricHistory(context.Background(), run, key, 0, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	return pts
}

func artifactBytes(t testing.TB, st *store.Store, run, path string) []byte {
	t.Helper()
	f, _, err := st.OpenArtifact(context.Background(), run, path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b, err := io.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func getRun(t testing.TB, st *store.Store, id string) *store.Run {
	t.Helper()
	r, err := st.GetRun(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func isNotFound(err error) bool { return errors.Is(err, store.ErrNotFound) }

// sameFloat compares metric values, NaN equal to NaN.
func sameFloat(a, b float64) bool { return a == b || math.IsNaN(a) && math.IsNaN(b) }

// dump is everything an import brings in, for comparing two stores.
type dump struct {
	Experiments map[string]string            // name -> stage
	Runs        map[string]*store.Run        // by id, hydrated
	Points      map[string][]store.Metric    // "run/key"
	Artifacts   map[string]map[string]string // run -> path -> content
}

func dumpStore(t testing.TB, st *store.Store) dump {
	t.Helper()
	ctx := context.Background()
	d := dump{Experiments: map[string]string{}, Runs: map[string]*store.Run{}, Points: map[string][]store.Metric{},
		Artifacts: map[string]map[string]string{}}
	exps, err := st.ListExperiments(ctx, store.ExperimentQuery{View: store.All})
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, e := range exps {
		d.Experiments[e.Name] = e.LifecycleStage
		ids = append(ids, e.ID)
	}
	runs, _, err := st.SearchRuns(ctx, store.RunQuery{ExperimentIDs: ids, View: store.All, MaxResults: 50000})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range runs {
		d.Runs[r.ID] = r
		for _, m := range r.Metrics {
			d.Points[r.ID+"/"+m.Key] = history(t, st, r.ID, m.Key)
		}
		sizes, err := st.ArtifactSizes(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		paths := make([]string, 0, len(sizes))
		for p := range sizes {
			paths = append(paths, p)
		}
		sort.Strings(paths)
		d.Artifacts[r.ID] = map[string]string{}
		for _, p := range paths {
			d.Artifacts[r.ID][p] = string(artifactBytes(t, st, r.ID, p))
		}
	}
	return d
}
