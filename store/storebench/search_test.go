package storebench

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/lathe-ml/lathe/store"
)

// seedRuns fills a fresh store with n runs, each with 20 params and 10
// metric summaries (the rows a search touches), straight through SQL in
// large transactions so that seeding 100k runs takes seconds.
func seedRuns(b *testing.B, n int) *store.Store {
	b.Helper()
	ctx := context.Background()
	dir := b.TempDir()
	st, err := store.Open(ctx, dir, store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	st.Close()
	db, err := sql.Open("sqlite", store.DSN(filepath.Join(dir, store.DBFile), "NORMAL"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	rng := rand.New(rand.NewPCG(1, 2))
	tx, _ := db.Begin()
	for k := 1; k <= 10; k++ {
		if _, err := tx.Exec(`INSERT INTO metric_keys (id, key) VALUES (?, ?)`, k, metricName(k)); err != nil {
			b.Fatal(err)
		}
	}
	insRun, _ := tx.Prepare(`INSERT INTO runs (id, uuid, experiment_id, name, status, start_time, end_time) VALUES (?, ?, 0, ?, 'FINISHED', ?, ?)`)
	insParam, _ := tx.Prepare(`INSERT INTO params (run_id, key, value, num) VALUES (?, ?, ?, ?)`)
	insSum, _ := tx.Prepare(`INSERT INTO metric_summary VALUES (?, ?, ?, 0, 99, ?, ?, ?, 100)`)
	models := []string{"mf", "pop", "knn", "bpr"}
	for i := 1; i <= n; i++ {
		start := int64(1_700_000_000_000 + i*1000)
		if _, err := insRun.Exec(i, store.NewRunID(), fmt.Sprintf("run-%d", i), start, start+60000); err != nil {
			b.Fatal(err)
		}
		for p := 0; p < 20; p++ {
			var v string
			var num any
			switch p {
			case 0:
				v = models[rng.IntN(len(models))]
			default:
				f := rng.Float64()
				v, num = fmt.Sprintf("%.4f", f), f
			}
			if _, err := insParam.Exec(i, fmt.Sprintf("p%02d", p), v, num); err != nil {
				b.Fatal(err)
			}
		}
		for k := 1; k <= 10; k++ {
			v := rng.Float64()
			if _, err := insSum.Exec(i, k, v, start, v*0.9, v*1.1); err != nil {
				b.Fatal(err)
			}
		}
		if i%20000 == 0 {
			if err := tx.Commit(); err != nil {
				b.Fatal(err)
			}
			tx, _ = db.Begin()
			insRun, insParam, insSum = tx.Stmt(insRun), tx.Stmt(insParam), tx.Stmt(insSum)
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	if _, err := db.Exec(`ANALYZE`); err != nil {
		b.Fatal(err)
	}
	st, err = store.Open(ctx, dir, store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	return st
}

func metricName(k int) string {
	return []string{"", "rmse", "loss", "ndcg", "precision", "recall", "mae", "auc", "f1", "acc", "lr"}[k]
}

// BenchmarkSearchRuns: a filter on a metric and a param, ordered by a
// metric, page of 100 — MLflow's runs/search as the UI issues it.
func BenchmarkSearchRuns(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprintf("runs=%d", n), func(b *testing.B) {
			st := seedRuns(b, n)
			ctx := context.Background()
			q := store.RunQuery{
				Filter:     "metrics.rmse < 0.5 and params.p00 = 'mf'",
				OrderBy:    []string{"metrics.ndcg DESC"},
				MaxResults: 100,
			}
			lat := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				t0 := time.Now()
				runs, _, err := st.SearchRuns(ctx, q)
				if err != nil {
					b.Fatal(err)
				}
				if len(runs) != 100 {
					b.Fatalf("got %d runs", len(runs))
				}
				lat = append(lat, time.Since(t0))
			}
			b.StopTimer()
			sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
			b.ReportMetric(float64(pct(lat, 0.50).Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(pct(lat, 0.99).Microseconds())/1000, "p99-ms")
		})
	}
}

// BenchmarkHistoryDownsample: one series of 1M points returned as 1,000
// points chosen by LTTB.
func BenchmarkHistoryDownsample(b *testing.B) {
	ctx := context.Background()
	dir := b.TempDir()
	st, err := store.Open(ctx, dir, store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	run, _ := st.CreateRun(ctx, store.RunCreate{})
	st.Close()
	db, err := sql.Open("sqlite", store.DSN(filepath.Join(dir, store.DBFile), "NORMAL"))
	if err != nil {
		b.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	var rid int64
	_ = db.QueryRow(`SELECT id FROM runs WHERE uuid = ?`, run.ID).Scan(&rid)
	tx, _ := db.Begin()
	_, _ = tx.Exec(`INSERT INTO metric_keys (id, key) VALUES (1, 'loss')`)
	ins, _ := tx.Prepare(`INSERT INTO metrics VALUES (?, 1, ?, ?, ?, 0)`)
	const n = 1_000_000
	rng := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < n; i++ {
		if _, err := ins.Exec(rid, i, 1_700_000_000_000+int64(i), 1/float64(i+1)+rng.Float64()*0.01); err != nil {
			b.Fatal(err)
		}
	}
	_, _ = tx.Exec(`INSERT INTO metric_summary VALUES (?, 1, 0, 0, ?, 0, 0, 1, ?)`, rid, n-1, n)
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	db.Close()
	st, err = store.Open(ctx, dir, store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	if err := st.RebuildMetricDetail(ctx); err != nil { // the points went in with SQL
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		pts, err := st.MetricHistoryDownsampled(ctx, run.ID, "loss", 1000)
		if err != nil || len(pts) != 1000 {
			b.Fatalf("%d points, %v", len(pts), err)
		}
	}
}
