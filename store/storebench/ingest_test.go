package storebench

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sort"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/lathe-ml/lathe/store"
	"github.com/lathe-ml/lathe/store/mlflowapi"
)

const clients = 20

// BenchmarkIngestHTTP measures runs/log-batch over real loopback HTTP with 20
// concurrent clients. One op is one batch. Request bodies are encoded before
// the timer starts so that the CPU figure is mostly the server's (the load
// generator shares the process).
func BenchmarkIngestHTTP(b *testing.B) {
	for _, size := range []int{500, 10} {
		for _, sync := range []string{"FULL", "NORMAL"} {
			b.Run(fmt.Sprintf("batch=%d/sync=%s", size, sync), func(b *testing.B) { benchIngest(b, size, sync) })
		}
	}
}

func benchIngest(b *testing.B, size int, syncMode string) {
	ctx := context.Background()
	st, err := store.Open(ctx, b.TempDir(), store.Options{Synchronous: syncMode})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	srv := httptest.NewServer(mlflowapi.New(st, mlflowapi.Options{}))
	defer srv.Close()
	tr := &http.Transport{MaxIdleConnsPerHost: clients}
	client := &http.Client{Transport: tr}
	defer tr.CloseIdleConnections()

	perClient := (b.N + clients - 1) / clients
	bodies := make([][][]byte, clients)
	for c := range bodies {
		run, err := st.CreateRun(ctx, store.RunCreate{})
		if err != nil {
			b.Fatal(err)
		}
		for i := 0; i < perClient; i++ {
			bodies[c] = append(bodies[c], batchBody(run.ID, c, i, size))
		}
	}
	lat := make([][]time.Duration, clients)
	var wg sync.WaitGroup
	cpu0 := cpuSeconds()
	b.ResetTimer()
	start := time.Now()
	for c := 0; c < clients; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, body := range bodies[c] {
				t0 := time.Now()
				resp, err := client.Post(srv.URL+"/api/2.0/mlflow/runs/log-batch", "application/json", bytes.NewReader(body))
				if err != nil {
					b.Error(err)
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					b.Errorf("status %d", resp.StatusCode)
					return
				}
				lat[c] = append(lat[c], time.Since(t0))
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	cpu := cpuSeconds() - cpu0
	var all []time.Duration
	for _, l := range lat {
		all = append(all, l...)
	}
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	metrics := float64(len(all) * size)
	b.ReportMetric(metrics/elapsed.Seconds(), "metrics/s")
	b.ReportMetric(float64(pct(all, 0.99).Microseconds())/1000, "p99-ms")
	b.ReportMetric(cpu/metrics*1e6, "cpu-s/Mmetrics")
}

func batchBody(runID string, client, i, size int) []byte {
	type metric struct {
		Key       string  `json:"key"`
		Value     float64 `json:"value"`
		Timestamp int64   `json:"timestamp"`
		Step      int64   `json:"step"`
	}
	ms := make([]metric, size)
	for j := range ms {
		ms[j] = metric{Key: fmt.Sprintf("m%d", j%10), Value: float64(i*size+j) * 0.001, Timestamp: 1_700_000_000_000 + int64(i), Step: int64(i*size + j)}
	}
	body, _ := json.Marshal(map[string]any{"run_id": runID, "metrics": ms})
	return body
}

// BenchmarkRawInsert is the yardstick for ingest: the same rows inserted
// straight into SQLite (same schema and pragmas) in 10k-row transactions with
// one prepared single-row INSERT. One op is one row.
func BenchmarkRawInsert(b *testing.B) {
	for _, syncMode := range []string{"FULL", "NORMAL"} {
		b.Run("sync="+syncMode, func(b *testing.B) {
			ctx := context.Background()
			dir := b.TempDir()
			st, err := store.Open(ctx, dir, store.Options{Synchronous: syncMode})
			if err != nil {
				b.Fatal(err)
			}
			run, _ := st.CreateRun(ctx, store.RunCreate{})
			st.Close()
			db, err := sql.Open("sqlite", store.DSN(filepath.Join(dir, store.DBFile), syncMode))
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			db.SetMaxOpenConns(1)
			var rid int64
			if err := db.QueryRow(`SELECT id FROM runs WHERE uuid = ?`, run.ID).Scan(&rid); err != nil {
				b.Fatal(err)
			}
			if _, err := db.Exec(`INSERT INTO metric_keys (id, key) VALUES (1,'m0'),(2,'m1'),(3,'m2'),(4,'m3'),(5,'m4'),(6,'m5'),(7,'m6'),(8,'m7'),(9,'m8'),(10,'m9')`); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			start := time.Now()
			for done := 0; done < b.N; {
				tx, err := db.Begin()
				if err != nil {
					b.Fatal(err)
				}
				stmt, err := tx.Prepare(`INSERT INTO metrics (run_id, key_id, step, ts, value, is_nan) VALUES (?, ?, ?, ?, ?, 0)`)
				if err != nil {
					b.Fatal(err)
				}
				for i := 0; i < 10000 && done < b.N; i++ {
					if _, err := stmt.Exec(rid, done%10+1, done, 1_700_000_000_000, float64(done)*0.001); err != nil {
						b.Fatal(err)
					}
					done++
				}
				stmt.Close()
				if err := tx.Commit(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "rows/s")
		})
	}
}

func pct(d []time.Duration, p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	return d[min(len(d)-1, int(float64(len(d))*p))]
}

func cpuSeconds() float64 {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return float64(ru.Utime.Sec+ru.Stime.Sec) + float64(ru.Utime.Usec+ru.Stime.Usec)/1e6
}
