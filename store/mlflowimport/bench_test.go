package mlflowimport

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/lathe-ml/lathe/store"
)

// genFileStore writes an MLflow file store of runs runs in one experiment,
// each with metrics series of steps points, as MLflow's FileStore writes
// them.
func genFileStore(tb testing.TB, root string, runs, metrics, steps int) {
	tb.Helper()
	write := func(p, s string) {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	write(filepath.Join(root, "1", "meta.yaml"), "artifact_location: file:///mlruns/1\ncreation_time: 1700000000000\n"+
		"experiment_id: '1'\nlast_update_time: 1700000000000\nlifecycle_stage: active\nname: bench\n")
	for r := 0; r < runs; r++ {
		id := fmt.Sprintf("%032x", r+1)
		dir := filepath.Join(root, "1", id)
		write(filepath.Join(dir, "meta.yaml"), fmt.Sprintf("artifact_uri: file:///mlruns/1/%s/artifacts\nend_time: 1700000100000\n"+
			"experiment_id: '1'\nlifecycle_stage: active\nrun_id: %s\nrun_name: run-%d\nrun_uuid: %s\nstart_time: 1700000000000\n"+
			"status: 3\ntags: []\nuser_id: bench\n", id, id, r, id))
		write(filepath.Join(dir, "params", "lr"), strconv.FormatFloat(0.001*float64(r+1), 'g', -1, 64))
		write(filepath.Join(dir, "tags", "mlflow.runName"), fmt.Sprintf("run-%d", r))
		for m := 0; m < metrics; m++ {
			p := filepath.Join(dir, "metrics", fmt.Sprintf("metric_%d", m))
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				tb.Fatal(err)
			}
			f, err := os.Create(p)
			if err != nil {
				tb.Fatal(err)
			}
			w := bufio.NewWriter(f)
			for s := 0; s < steps; s++ {
				fmt.Fprintf(w, "%d %s %d\n", 1700000000000+int64(s)*100, strconv.FormatFloat(1/float64(s+m+1), 'g', -1, 64), s)
			}
			if err := w.Flush(); err != nil {
				tb.Fatal(err)
			}
			f.Close()
		}
	}
}

// BenchmarkImportFileStore imports 1,000 runs x 10 metrics x 1,000 steps
// (10 million points) from a generated file store into a fresh store, with
// the store's default durability (synchronous=FULL).
//
//	go test ./store/mlflowimport -run XXX -bench ImportFileStore -benchtime 1x
func BenchmarkImportFileStore(b *testing.B) {
	const runs, metrics, steps = 1000, 10, 1000
	root := filepath.Join(b.TempDir(), "mlruns")
	genFileStore(b, root, runs, metrics, steps)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		st, err := store.Open(context.Background(), b.TempDir(), store.Options{})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		sum, err := Import(context.Background(), st, root, Options{})
		b.StopTimer()
		if err != nil || len(sum.Errors) > 0 || sum.MetricPoints.Imported != runs*metrics*steps {
			b.Fatalf("import: %v %+v", err, sum)
		}
		st.Close()
		b.StartTimer()
	}
	secs := b.Elapsed().Seconds() / float64(b.N)
	b.ReportMetric(runs/secs, "runs/s")
	b.ReportMetric(runs*metrics*steps/secs, "points/s")
}

// A smaller generated store, imported by several workers at once: every
// point arrives once and every summary counts its series exactly.
func TestImportGeneratedConcurrently(t *testing.T) {
	root := filepath.Join(t.TempDir(), "mlruns")
	genFileStore(t, root, 24, 3, 700)
	st := openStore(t)
	sum := mustImport(t, st, root, Options{Workers: 6})
	if len(sum.Errors) > 0 || sum.Runs.Imported != 24 || sum.MetricPoints.Imported != 24*3*700 || sum.Params.Imported != 24 {
		t.Fatalf("summary = %+v", sum)
	}
	for r := 0; r < 24; r++ {
		run := getRun(t, st, fmt.Sprintf("%032x", r+1))
		if run.Name != fmt.Sprintf("run-%d", r) || len(run.Metrics) != 3 {
			t.Fatalf("run %d = %+v", r, run)
		}
		for _, m := range run.Metrics {
			if m.Count != 700 || m.LastStep != 699 {
				t.Errorf("run %d %s: count %d, last step %d", r, m.Key, m.Count, m.LastStep)
			}
		}
	}
}
