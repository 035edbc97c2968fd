package store

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"sort"
)

// MetricHistory returns up to limit points of one series in (step, timestamp)
// order starting after offset points, and the offset of the next page (0 when
// there is none). Returns ErrNotFound for an unknown run.
func (s *Store) MetricHistory(ctx context.Context, runID, key string, offset, limit int) ([]Metric, int, error) {
	rid, err := s.runRowID(ctx, runID)
	if err != nil {
		return nil, 0, err
	}
	if limit <= 0 {
		limit = 25000
	}
	rows, err := s.rdb.QueryContext(ctx, `SELECT m.step, m.ts, m.value, m.is_nan FROM metrics m
		WHERE m.run_id = ? AND m.key_id = (SELECT id FROM metric_keys WHERE key = ?)
		ORDER BY m.step, m.ts, m.value LIMIT ? OFFSET ?`, rid, key, limit+1, offset)
	if err != nil {
		return nil, 0, fmt.Errorf("metric history %s/%s: %w", runID, key, err)
	}
	defer rows.Close()
	out := make([]Metric, 0, min(limit, 1024))
	for rows.Next() {
		var m Metric
		var nan int
		if err := rows.Scan(&m.Step, &m.Timestamp, &m.Value, &nan); err != nil {
			return nil, 0, err
		}
		m.Key, m.Value = key, loadFloat(m.Value, nan)
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	next := 0
	if len(out) > limit {
		out, next = out[:limit], offset+limit
	}
	return out, next, nil
}

func (s *Store) runRowID(ctx context.Context, runID string) (int64, error) {
	var rid int64
	err := s.rdb.QueryRowContext(ctx, `SELECT id FROM runs WHERE uuid = ?`, runID).Scan(&rid)
	if err != nil {
		if isNoRows(err) {
			return 0, notFound("no run with id %q", runID)
		}
		return 0, fmt.Errorf("find run %s: %w", runID, err)
	}
	return rid, nil
}

// MetricHistoryDownsampled returns at most n points of one series chosen by
// largest-triangle-three-buckets, which keeps peaks, troughs and the overall
// shape; series of n points or fewer come back whole, NaN points left out.
// A series of 128n points or more is read from its level of detail (the
// minimum and maximum of every 256 steps, kept on write), so drawing a
// million-point series reads some 4k rows, not a million.
func (s *Store) MetricHistoryDownsampled(ctx context.Context, runID, key string, n int) ([]Metric, error) {
	rid, err := s.runRowID(ctx, runID)
	if err != nil {
		return nil, err
	}
	var count int64
	err = s.rdb.QueryRowContext(ctx, `SELECT count FROM metric_summary WHERE run_id = ? AND key_id = (SELECT id FROM metric_keys WHERE key = ?)`, rid, key).Scan(&count)
	if err != nil {
		if isNoRows(err) {
			return nil, nil
		}
		return nil, fmt.Errorf("downsample %s/%s: %w", runID, key, err)
	}
	// A long series is drawn from its level of detail, kept on write: its
	// buckets' extremes are at least n points, so LTTB still has more than
	// it keeps, and the read is 1/128 of the points or less.
	if n > 0 && count >= (1<<lodShift)/2*int64(n) {
		pts, err := s.lodPoints(ctx, rid, key)
		if err != nil {
			return nil, err
		}
		return LTTB(pts, n), nil
	}
	// Three columns, NaN points left out by SQLite.
	rows, err := s.rdb.QueryContext(ctx, `SELECT step, ts, value FROM metrics
		WHERE run_id = ? AND key_id = (SELECT id FROM metric_keys WHERE key = ?) AND is_nan = 0
		ORDER BY step, ts, value`, rid, key)
	if err != nil {
		return nil, fmt.Errorf("downsample %s/%s: %w", runID, key, err)
	}
	defer rows.Close()
	pts := make([]Metric, 0, count)
	for rows.Next() {
		m := Metric{Key: key}
		if err := rows.Scan(&m.Step, &m.Timestamp, &m.Value); err != nil {
			return nil, err
		}
		pts = append(pts, m)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return LTTB(pts, n), nil
}

// LTTB downsamples points (ordered by step) to at most n with Steinarsson's
// largest-triangle-three-buckets, x being the step.
func LTTB(pts []Metric, n int) []Metric {
	if n <= 0 || len(pts) <= n {
		return pts
	}
	if n < 3 {
		return []Metric{pts[0], pts[len(pts)-1]}[:n]
	}
	out := make([]Metric, 0, n)
	out = append(out, pts[0])
	every := float64(len(pts)-2) / float64(n-2)
	a := 0
	for i := 0; i < n-2; i++ {
		// Average of the next bucket, the third vertex.
		ns, ne := int(float64(i+1)*every)+1, int(float64(i+2)*every)+1
		ne = min(ne, len(pts))
		var ax, ay float64
		for j := ns; j < ne; j++ {
			ax += float64(pts[j].Step)
			ay += pts[j].Value
		}
		if cnt := float64(ne - ns); cnt > 0 {
			ax, ay = ax/cnt, ay/cnt
		}
		// Pick the point of this bucket with the largest triangle.
		bs, be := int(float64(i)*every)+1, int(float64(i+1)*every)+1
		px, py := float64(pts[a].Step), pts[a].Value
		best, bestArea := bs, -1.0
		for j := bs; j < be; j++ {
			area := math.Abs((px-ax)*(pts[j].Value-py) - (px-float64(pts[j].Step))*(ay-py))
			if area > bestArea {
				best, bestArea = j, area
			}
		}
		out = append(out, pts[best])
		a = best
	}
	return append(out, pts[len(pts)-1])
}

// IntervalPoints is one run's sampled series from MetricBulkInterval.
type IntervalPoints struct {
	RunID  string
	Points []Metric
}

// MetricBulkInterval samples one metric of several runs as MLflow's
// get-history-bulk-interval does: about maxResults evenly spaced steps of
// the union of the runs' steps between startStep and endStep, plus each
// run's first and last step, so that every run's curve keeps its ends and
// all runs share the sampled x values. Every point logged at a chosen step
// is returned. Returns ErrNotFound for an unknown run.
func (s *Store) MetricBulkInterval(ctx context.Context, runIDs []string, key string, startStep, endStep *int64, maxResults int) ([]IntervalPoints, error) {
	if maxResults <= 0 {
		maxResults = 2500
	}
	lo, hi := int64(math.MinInt64), int64(math.MaxInt64)
	if startStep != nil {
		lo = *startStep
	}
	if endStep != nil {
		hi = *endStep
	}
	rids := make([]int64, len(runIDs))
	union := map[int64]bool{}
	ends := map[int64]bool{}
	for i, runID := range runIDs {
		rid, err := s.runRowID(ctx, runID)
		if err != nil {
			return nil, err
		}
		rids[i] = rid
		rows, err := s.rdb.QueryContext(ctx, `SELECT DISTINCT step FROM metrics WHERE run_id = ? AND key_id = (SELECT id FROM metric_keys WHERE key = ?)
			AND step BETWEEN ? AND ? ORDER BY step`, rid, key, lo, hi)
		if err != nil {
			return nil, fmt.Errorf("bulk interval %s: %w", runID, err)
		}
		var steps []int64
		for rows.Next() {
			var st int64
			if err := rows.Scan(&st); err != nil {
				rows.Close()
				return nil, err
			}
			steps = append(steps, st)
			union[st] = true
		}
		rows.Close()
		if len(steps) > 0 {
			ends[steps[0]], ends[steps[len(steps)-1]] = true, true
		}
	}
	all := make([]int64, 0, len(union))
	for st := range union {
		all = append(all, st)
	}
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	chosen := map[int64]bool{}
	for _, st := range sampleSteps(all, maxResults) {
		chosen[st] = true
	}
	for st := range ends {
		chosen[st] = true
	}
	steps := make([]int64, 0, len(chosen))
	for st := range chosen {
		steps = append(steps, st)
	}
	stepsJSON, _ := json.Marshal(steps)
	out := make([]IntervalPoints, 0, len(runIDs))
	for i, runID := range runIDs {
		pts, err := s.pointsAtSteps(ctx, rids[i], key, string(stepsJSON))
		if err != nil {
			return nil, fmt.Errorf("bulk interval %s: %w", runID, err)
		}
		out = append(out, IntervalPoints{RunID: runID, Points: pts})
	}
	return out, nil
}

func sampleSteps(steps []int64, n int) []int64 {
	if len(steps) <= n {
		return steps
	}
	idx := map[int]bool{0: true, len(steps) - 1: true}
	for i := 0; i < n-1; i++ {
		idx[int(math.Round(float64(i)*float64(len(steps)-1)/float64(n-1)))] = true
	}
	keys := make([]int, 0, len(idx))
	for i := range idx {
		keys = append(keys, i)
	}
	sort.Ints(keys)
	out := make([]int64, len(keys))
	for i, k := range keys {
		out[i] = steps[k]
	}
	return out
}

// pointsAtSteps returns a series' points at the steps listed in a JSON array.
func (s *Store) pointsAtSteps(ctx context.Context, rid int64, key, stepsJSON string) ([]Metric, error) {
	rows, err := s.rdb.QueryContext(ctx, `SELECT step, ts, value, is_nan FROM metrics
		WHERE run_id = ? AND key_id = (SELECT id FROM metric_keys WHERE key = ?) AND step IN (SELECT value FROM json_each(?))
		ORDER BY step, ts, value`, rid, key, stepsJSON)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Metric
	for rows.Next() {
		m := Metric{Key: key}
		var nan int
		if err := rows.Scan(&m.Step, &m.Timestamp, &m.Value, &nan); err != nil {
			return nil, err
		}
		m.Value = loadFloat(m.Value, nan)
		out = append(out, m)
	}
	return out, rows.Err()
}
