package store

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"
)

// wantLOD computes metric_lod for one series from its points, the slow way.
func wantLOD(pts []Metric) map[int64][7]float64 {
	out := map[int64][7]float64{}
	for _, m := range pts {
		if math.IsNaN(m.Value) {
			continue
		}
		b := m.Step >> lodShift
		p := point{m.Step, m.Timestamp, m.Value, 0}
		cur, ok := out[b]
		if !ok {
			out[b] = [7]float64{1, float64(m.Step), float64(m.Timestamp), m.Value, float64(m.Step), float64(m.Timestamp), m.Value}
			continue
		}
		lo := point{int64(cur[1]), int64(cur[2]), cur[3], 0}
		hi := point{int64(cur[4]), int64(cur[5]), cur[6], 0}
		if lowerThan(p, lo) {
			lo = p
		}
		if higherThan(p, hi) {
			hi = p
		}
		out[b] = [7]float64{cur[0] + 1, float64(lo.step), float64(lo.ts), lo.value, float64(hi.step), float64(hi.ts), hi.value}
	}
	return out
}

func gotLOD(t *testing.T, s *Store, runID string) map[int64][7]float64 {
	t.Helper()
	rows, err := s.ReadDB().Query(`SELECT bucket, n, min_step, min_ts, min_value, max_step, max_ts, max_value FROM metric_lod
		WHERE run_id = (SELECT id FROM runs WHERE uuid = ?)`, runID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[int64][7]float64{}
	for rows.Next() {
		var b int64
		var r [7]float64
		if err := rows.Scan(&b, &r[0], &r[1], &r[2], &r[3], &r[4], &r[5], &r[6]); err != nil {
			t.Fatal(err)
		}
		out[b] = r
	}
	return out
}

func sameLOD(t *testing.T, stage string, got, want map[int64][7]float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d buckets, want %d", stage, len(got), len(want))
	}
	for b, w := range want {
		if got[b] != w {
			t.Fatalf("%s: bucket %d = %v, want %v", stage, b, got[b], w)
		}
	}
}

// The level of detail kept on write equals a recomputation from the points:
// after folding batches (out of order, with NaN and ties), after a retry that
// re-sends points (rebuild), and after the migration's backfill.
func TestMetricLODKeptOnWrite(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	r, _ := s.CreateRun(ctx, RunCreate{})
	rng := rand.New(rand.NewPCG(5, 6))
	var last []Metric
	for batch := 0; batch < 12; batch++ {
		var ms []Metric
		for i := 0; i < 300; i++ {
			v := float64(rng.IntN(50)) // ties on purpose
			if rng.IntN(40) == 0 {
				v = math.NaN()
			}
			ms = append(ms, Metric{Key: "m", Step: int64(rng.IntN(3000)) - 100, Timestamp: int64(rng.IntN(5)), Value: v})
		}
		if err := s.LogBatch(ctx, r.ID, Batch{Metrics: ms}); err != nil {
			t.Fatal(err)
		}
		last = ms
	}
	hist, _, err := s.MetricHistory(ctx, r.ID, "m", 0, 0) // the points as stored (duplicates within a batch collapse)
	if err != nil {
		t.Fatal(err)
	}
	sameLOD(t, "folded", gotLOD(t, s, r.ID), wantLOD(hist))

	// A retry re-sends part of the last batch plus new points: rebuild path.
	retry := append(append([]Metric{}, last[:100]...), Metric{Key: "m", Step: 5000, Value: -7})
	if err := s.LogBatch(ctx, r.ID, Batch{Metrics: retry}); err != nil {
		t.Fatal(err)
	}
	hist, _, _ = s.MetricHistory(ctx, r.ID, "m", 0, 0)
	sameLOD(t, "rebuilt", gotLOD(t, s, r.ID), wantLOD(hist))

	// The backfill in migration 0004 computes the same rows.
	if err := s.RebuildMetricDetail(ctx); err != nil {
		t.Fatal(err)
	}
	sameLOD(t, "backfilled", gotLOD(t, s, r.ID), wantLOD(hist))
}

// A long series is downsampled from its level of detail and keeps its extremes.
func TestMetricHistoryDownsampledFromLOD(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	r, _ := s.CreateRun(ctx, RunCreate{})
	const n = 128 * 100
	for start := 0; start < n; start += MaxMetricsPerBatch {
		var ms []Metric
		for i := start; i < min(start+MaxMetricsPerBatch, n); i++ {
			v := math.Sin(float64(i) / 300)
			switch i {
			case 4321:
				v = 9
			case 777:
				v = -9
			}
			ms = append(ms, Metric{Key: "m", Step: int64(i), Timestamp: int64(1000 + i), Value: v})
		}
		if err := s.LogBatch(ctx, r.ID, Batch{Metrics: ms}); err != nil {
			t.Fatal(err)
		}
	}
	pts, err := s.MetricHistoryDownsampled(ctx, r.ID, "m", 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(pts) != 100 {
		t.Fatalf("%d points, want 100", len(pts))
	}
	var hi, lo bool
	for i, p := range pts {
		hi = hi || p.Value == 9 && p.Step == 4321
		lo = lo || p.Value == -9 && p.Step == 777
		if p.Timestamp != 1000+p.Step || i > 0 && p.Step <= pts[i-1].Step {
			t.Fatalf("bad point %d: %+v", i, p)
		}
	}
	if !hi || !lo {
		t.Fatalf("extremes lost: max %v min %v", hi, lo)
	}
}
