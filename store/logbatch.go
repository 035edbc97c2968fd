package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Batch is what one MLflow log-batch request carries.
type Batch struct {
	Metrics []Metric
	Params  []Param
	Tags    []Tag
}

// LogBatch writes metrics, params and tags to an active run atomically: all
// of it or none. A point already stored with the same (key, step, timestamp,
// value) is not stored twice. Returns ErrNotFound for an unknown run,
// ErrInvalidState for a deleted one, ErrInvalid for bad keys, values over
// MLflow's limits, or a param re-logged with a different value.
func (s *Store) LogBatch(ctx context.Context, runID string, b Batch) error {
	if err := b.Validate(); err != nil {
		return err
	}
	return s.write(ctx, func(tx *Tx) error {
		rid, err := tx.activeRun(runID)
		if err != nil {
			return err
		}
		return tx.logBatch(rid, runID, &b)
	})
}

func (t *Tx) logBatch(rid int64, runID string, b *Batch) error {
	for _, p := range b.Params {
		if err := t.logParam(rid, runID, p); err != nil {
			return err
		}
	}
	for _, tg := range b.Tags {
		if err := t.setTag(rid, tg.Key, tg.Value); err != nil {
			return err
		}
	}
	if _, err := t.logMetrics(rid, b.Metrics); err != nil {
		return err
	}
	return t.event("run.logged", "run:"+runID,
		fmt.Sprintf(`{"metrics":%d,"params":%d,"tags":%d}`, len(b.Metrics), len(b.Params), len(b.Tags)))
}

func (t *Tx) logParam(rid int64, runID string, p Param) error {
	var num any
	if f, err := strconv.ParseFloat(strings.TrimSpace(p.Value), 64); err == nil {
		num, _ = storeFloat(f)
	}
	res, err := t.exec(qInsertParam, rid, p.Key, p.Value, num)
	if err != nil {
		return fmt.Errorf("log param %s: %w", p.Key, err)
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return nil
	}
	var old string
	if err := t.queryRow(`SELECT value FROM params WHERE run_id = ? AND key = ?`, rid, p.Key).Scan(&old); err != nil {
		return fmt.Errorf("log param %s: %w", p.Key, err)
	}
	if old != p.Value {
		return invalid("changing param values is not allowed: param with key=%q was already logged with value=%q for run ID=%q; attempted logging new value %q",
			p.Key, old, runID, p.Value)
	}
	return nil
}

// keyID interns a metric key.
func (t *Tx) keyID(key string) (int64, error) {
	var id int64
	err := t.queryRow(qSelectKeyID, key).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		res, err := t.exec(qInsertKey, key)
		if err != nil {
			return 0, fmt.Errorf("intern metric key %s: %w", key, err)
		}
		return res.LastInsertId()
	}
	return id, err
}

// metricRowsPerInsert bounds one multi-row INSERT (6 variables a row).
// Batches are cut into chunks of power-of-two sizes so that a handful of
// prepared statements serve every batch without re-parsing SQL.
const metricRowsPerInsert = 256

type point struct {
	step, ts int64
	value    float64
	isNaN    int
}

// prepareInserts prepares the multi-row metric INSERT for each chunk size,
// once, before the writer starts (preparing later would need the single
// write connection while a transaction holds it).
func (s *Store) prepareInserts(ctx context.Context) error {
	for n := metricRowsPerInsert; n >= 1; n /= 2 {
		var q strings.Builder
		q.WriteString(`INSERT INTO metrics (run_id, key_id, step, ts, value, is_nan) VALUES `)
		for i := 0; i < n; i++ {
			if i > 0 {
				q.WriteByte(',')
			}
			q.WriteString("(?,?,?,?,?,?)")
		}
		q.WriteString(` ON CONFLICT DO NOTHING`)
		st, err := s.wdb.PrepareContext(ctx, q.String())
		if err != nil {
			return fmt.Errorf("prepare metric insert: %w", err)
		}
		s.insStmts[n] = st
	}
	return nil
}

// logMetrics inserts points, skipping those already stored (MLflow's point
// identity), keeps the summaries exact, and returns how many were new.
func (t *Tx) logMetrics(rid int64, ms []Metric) (int, error) {
	if len(ms) == 0 {
		return 0, nil
	}
	ids := map[string]int64{}
	byKey := map[int64][]point{}
	for _, m := range ms {
		id, ok := ids[m.Key]
		if !ok {
			var err error
			if id, err = t.keyID(m.Key); err != nil {
				return 0, err
			}
			ids[m.Key] = id
		}
		v, nan := storeFloat(m.Value)
		byKey[id] = append(byKey[id], point{m.Step, m.Timestamp, v, nan})
	}
	inserted := 0
	args := make([]any, 0, 6*metricRowsPerInsert)
	for rest := ms; len(rest) > 0; {
		n := metricRowsPerInsert
		for n > len(rest) {
			n /= 2
		}
		args = args[:0]
		for _, m := range rest[:n] {
			v, nan := storeFloat(m.Value)
			args = append(args, rid, ids[m.Key], m.Step, m.Timestamp, v, nan)
		}
		rest = rest[n:]
		res, err := t.tx.StmtContext(t.ctx, t.s.insStmts[n]).ExecContext(t.ctx, args...)
		if err != nil {
			return 0, fmt.Errorf("insert metrics: %w", err)
		}
		c, _ := res.RowsAffected()
		inserted += int(c)
	}
	for k, pts := range byKey {
		var err error
		switch {
		case inserted == 0: // all already stored: the summaries count them
		case inserted == len(ms): // the common case: fold the batch in
			if err = t.updateSummary(rid, k, pts); err == nil {
				err = t.foldLOD(rid, k, pts)
			}
		default: // a client retried part of a batch: recount from the points
			if err = t.rebuildSummary(rid, k); err == nil {
				err = t.rebuildLOD(rid, k)
			}
		}
		if err != nil {
			return 0, err
		}
	}
	return inserted, nil
}

// rebuildSummary recomputes one series' summary from its points.
func (t *Tx) rebuildSummary(rid, keyID int64) error {
	_, err := t.exec(`INSERT OR REPLACE INTO metric_summary (run_id, key_id, last_value, last_is_nan, last_step, last_ts, min_value, max_value, count)
		SELECT ?1, ?2, l.value, l.is_nan, l.step, l.ts, a.mn, a.mx, a.n
		FROM (SELECT value, is_nan, step, ts FROM metrics WHERE run_id = ?1 AND key_id = ?2 ORDER BY step DESC, ts DESC, value DESC LIMIT 1) l,
		     (SELECT min(CASE WHEN is_nan = 0 THEN value END) mn, max(CASE WHEN is_nan = 0 THEN value END) mx, count(*) n
		      FROM metrics WHERE run_id = ?1 AND key_id = ?2) a`, rid, keyID)
	if err != nil {
		return fmt.Errorf("rebuild metric summary: %w", err)
	}
	return nil
}

// later reports whether a is MLflow's "later" point than b: greater
// (step, timestamp, value), with NaN compared as stored (0).
func later(a, b point) bool {
	if a.step != b.step {
		return a.step > b.step
	}
	if a.ts != b.ts {
		return a.ts > b.ts
	}
	return a.value > b.value
}

func (t *Tx) updateSummary(rid, keyID int64, pts []point) error {
	last := pts[0]
	var mn, mx any
	var lo, hi float64
	have := false
	for _, p := range pts {
		if later(p, last) {
			last = p
		}
		if p.isNaN == 0 {
			if !have || p.value < lo {
				lo = p.value
			}
			if !have || p.value > hi {
				hi = p.value
			}
			have = true
		}
	}
	if have {
		mn, mx = lo, hi
	}
	_, err := t.exec(qUpsertSummary,
		rid, keyID, last.value, last.isNaN, last.step, last.ts, mn, mx, len(pts))
	if err != nil {
		return fmt.Errorf("update metric summary: %w", err)
	}
	return nil
}

// DeleteTag removes a tag from an active run. Returns ErrNotFound when the
// run or the tag does not exist.
func (s *Store) DeleteTag(ctx context.Context, runID, key string) error {
	return s.write(ctx, func(tx *Tx) error {
		rid, err := tx.activeRun(runID)
		if err != nil {
			return err
		}
		res, err := tx.exec(`DELETE FROM tags WHERE run_id = ? AND key = ?`, rid, key)
		if err != nil {
			return fmt.Errorf("delete tag %s: %w", key, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return notFound("no tag with key %q on run %s", key, runID)
		}
		return tx.event("run.tag_deleted", "run:"+runID, jsonObj("key", key))
	})
}

// LogInputs records datasets a run consumed. The same dataset (experiment,
// name, digest) is stored once and linked to each run that used it.
func (s *Store) LogInputs(ctx context.Context, runID string, inputs []DatasetInput) error {
	for _, in := range inputs {
		d := in.Dataset
		if d.Name == "" || d.Digest == "" {
			return invalid("dataset input needs a name and a digest")
		}
		if len(d.Name) > 500 || len(d.Digest) > 36 || len(d.Source) > 65535 || len(d.Schema) > 1048575 || len(d.Profile) > 16384 {
			return invalid("dataset %q: a field is over MLflow's length limit", d.Name)
		}
		for _, t := range in.Tags {
			if t.Key == "" || len(t.Key) > 255 || len(t.Value) > 500 {
				return invalid("dataset %q: input tag %q is empty or too long", d.Name, t.Key)
			}
		}
	}
	return s.write(ctx, func(tx *Tx) error {
		rid, err := tx.activeRun(runID)
		if err != nil {
			return err
		}
		var exp int64
		if err := tx.queryRow(`SELECT experiment_id FROM runs WHERE id = ?`, rid).Scan(&exp); err != nil {
			return err
		}
		for _, in := range inputs {
			did, err := tx.datasetID(exp, in.Dataset)
			if err != nil {
				return err
			}
			if _, err := tx.exec(`INSERT INTO run_inputs (run_id, dataset_id, tags) VALUES (?, ?, ?)
				ON CONFLICT DO UPDATE SET tags = excluded.tags`, rid, did, encodeTags(in.Tags)); err != nil {
				return err
			}
			if err := tx.lineage("dataset", strconv.FormatInt(did, 10), "run", runID, "input"); err != nil {
				return err
			}
			if err := tx.linkDataDigest(runID, in.Dataset.Digest); err != nil {
				return err
			}
		}
		return tx.event("run.inputs_logged", "run:"+runID, fmt.Sprintf(`{"inputs":%d}`, len(inputs)))
	})
}

// datasetID stores a dataset once per (experiment, name, digest) and
// returns its id.
func (t *Tx) datasetID(exp int64, d Dataset) (int64, error) {
	if _, err := t.exec(`INSERT INTO datasets (experiment_id, name, digest, source_type, source, schema, profile)
		VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`, exp, d.Name, d.Digest, d.SourceType, d.Source, d.Schema, d.Profile); err != nil {
		return 0, fmt.Errorf("record dataset %s: %w", d.Name, err)
	}
	var did int64
	if err := t.queryRow(`SELECT id FROM datasets WHERE experiment_id = ? AND name = ? AND digest = ?`, exp, d.Name, d.Digest).Scan(&did); err != nil {
		return 0, fmt.Errorf("record dataset %s: %w", d.Name, err)
	}
	return did, nil
}

func encodeTags(tags []Tag) string {
	m := make(map[string]string, len(tags))
	for _, t := range tags {
		m[t.Key] = t.Value
	}
	b, _ := json.Marshal(m)
	return string(b)
}

func decodeTags(s string) []Tag {
	var m map[string]string
	_ = json.Unmarshal([]byte(s), &m)
	out := make([]Tag, 0, len(m))
	for _, k := range SortedKeys(m) {
		out = append(out, Tag{k, m[k]})
	}
	return out
}
