package store

import (
	"context"
	"fmt"
	"strings"
)

// lodShift sets the level of detail kept on write: one metric_lod row per
// 1<<lodShift steps of a series (migration 0004).
const lodShift = 8

// lodBucket is one metric_lod row being folded in.
type lodBucket struct {
	n        int
	min, max point
}

// lowerThan and higherThan order points for the bucket extremes: by value,
// then the earlier step and timestamp, as the backfill in 0004 does.
func lowerThan(a, b point) bool {
	if a.value != b.value {
		return a.value < b.value
	}
	if a.step != b.step {
		return a.step < b.step
	}
	return a.ts < b.ts
}

func higherThan(a, b point) bool {
	if a.value != b.value {
		return a.value > b.value
	}
	if a.step != b.step {
		return a.step < b.step
	}
	return a.ts < b.ts
}

// qUpsertLOD folds a batch's bucket into metric_lod; ?4..?6 are the batch's
// minimum point and ?7..?9 its maximum.
const qUpsertLOD = `INSERT INTO metric_lod (run_id, key_id, bucket, n, min_step, min_ts, min_value, max_step, max_ts, max_value)
	VALUES (?1, ?2, ?3, ?10, ?4, ?5, ?6, ?7, ?8, ?9)
	ON CONFLICT (run_id, key_id, bucket) DO UPDATE SET
		n = n + ?10,
		min_step  = CASE WHEN (?6, ?4, ?5) < (min_value, min_step, min_ts) THEN ?4 ELSE min_step END,
		min_ts    = CASE WHEN (?6, ?4, ?5) < (min_value, min_step, min_ts) THEN ?5 ELSE min_ts END,
		min_value = CASE WHEN (?6, ?4, ?5) < (min_value, min_step, min_ts) THEN ?6 ELSE min_value END,
		max_step  = CASE WHEN ?9 > max_value OR ?9 = max_value AND (?7, ?8) < (max_step, max_ts) THEN ?7 ELSE max_step END,
		max_ts    = CASE WHEN ?9 > max_value OR ?9 = max_value AND (?7, ?8) < (max_step, max_ts) THEN ?8 ELSE max_ts END,
		max_value = CASE WHEN ?9 > max_value OR ?9 = max_value AND (?7, ?8) < (max_step, max_ts) THEN ?9 ELSE max_value END`

// foldLOD adds newly inserted points of one series to its level of detail.
func (t *Tx) foldLOD(rid, keyID int64, pts []point) error {
	buckets := map[int64]*lodBucket{}
	for _, p := range pts {
		if p.isNaN != 0 {
			continue
		}
		b := buckets[p.step>>lodShift]
		if b == nil {
			buckets[p.step>>lodShift] = &lodBucket{n: 1, min: p, max: p}
			continue
		}
		b.n++
		if lowerThan(p, b.min) {
			b.min = p
		}
		if higherThan(p, b.max) {
			b.max = p
		}
	}
	for k, b := range buckets {
		if _, err := t.exec(qUpsertLOD, rid, keyID, k, b.min.step, b.min.ts, b.min.value,
			b.max.step, b.max.ts, b.max.value, b.n); err != nil {
			return fmt.Errorf("update metric level of detail: %w", err)
		}
	}
	return nil
}

// rebuildLOD recomputes one series' level of detail from its points, for
// batches that re-sent points already stored: the same fold as on write,
// over the whole series.
func (t *Tx) rebuildLOD(rid, keyID int64) error {
	if _, err := t.exec(`DELETE FROM metric_lod WHERE run_id = ? AND key_id = ?`, rid, keyID); err != nil {
		return fmt.Errorf("rebuild metric level of detail: %w", err)
	}
	rows, err := t.tx.QueryContext(t.ctx, `SELECT step, ts, value, is_nan FROM metrics WHERE run_id = ? AND key_id = ?`, rid, keyID)
	if err != nil {
		return fmt.Errorf("rebuild metric level of detail: %w", err)
	}
	var pts []point
	for rows.Next() {
		var p point
		if err := rows.Scan(&p.step, &p.ts, &p.value, &p.isNaN); err != nil {
			rows.Close()
			return fmt.Errorf("rebuild metric level of detail: %w", err)
		}
		pts = append(pts, p)
	}
	if err := rows.Close(); err != nil {
		return fmt.Errorf("rebuild metric level of detail: %w", err)
	}
	return t.foldLOD(rid, keyID, pts)
}

// lodPoints reads a series' level of detail as points in step order: each
// bucket's minimum and maximum (one point when they coincide).
func (s *Store) lodPoints(ctx context.Context, rid int64, key string) ([]Metric, error) {
	rows, err := s.rdb.QueryContext(ctx, `SELECT min_step, min_ts, min_value, max_step, max_ts, max_value FROM metric_lod
		WHERE run_id = ? AND key_id = (SELECT id FROM metric_keys WHERE key = ?) ORDER BY bucket`, rid, key)
	if err != nil {
		return nil, fmt.Errorf("read level of detail of %s: %w", key, err)
	}
	defer rows.Close()
	var out []Metric
	for rows.Next() {
		lo, hi := Metric{Key: key}, Metric{Key: key}
		if err := rows.Scan(&lo.Step, &lo.Timestamp, &lo.Value, &hi.Step, &hi.Timestamp, &hi.Value); err != nil {
			return nil, err
		}
		switch {
		case lo.Step == hi.Step && lo.Timestamp == hi.Timestamp:
			out = append(out, lo)
		case lo.Step < hi.Step || lo.Step == hi.Step && lo.Timestamp < hi.Timestamp:
			out = append(out, lo, hi)
		default:
			out = append(out, hi, lo)
		}
	}
	return out, rows.Err()
}

// RebuildMetricDetail recomputes every series' level of detail from its
// points. lathe keeps it on write; tools that load points into the database
// with SQL directly (benchmarks, repairs) call this afterwards. It runs the
// same statement as the backfill in migration 0004.
func (s *Store) RebuildMetricDetail(ctx context.Context) error {
	body, err := migrations.ReadFile("migrations/0004_metric_lod.sql")
	if err != nil {
		return err
	}
	i := strings.Index(string(body), "INSERT INTO metric_lod")
	if i < 0 {
		return fmt.Errorf("migration 0004 has no backfill")
	}
	return s.write(ctx, func(tx *Tx) error {
		if _, err := tx.exec(`DELETE FROM metric_lod`); err != nil {
			return fmt.Errorf("rebuild metric level of detail: %w", err)
		}
		if _, err := tx.exec(string(body[i:])); err != nil {
			return fmt.Errorf("rebuild metric level of detail: %w", err)
		}
		return nil
	})
}
