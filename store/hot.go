package store

import (
	"context"
	"database/sql"
	"fmt"
)

// The statements on the write hot path, prepared once when the store opens
// (modernc's driver would otherwise parse the SQL on every call). Tx.exec
// and Tx.queryRow use the prepared form of any of these strings.
const (
	qInsertParam   = `INSERT INTO params (run_id, key, value, num) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`
	qSelectKeyID   = `SELECT id FROM metric_keys WHERE key = ?`
	qInsertKey     = `INSERT INTO metric_keys (key) VALUES (?)`
	qRunStage      = `SELECT id, lifecycle_stage FROM runs WHERE uuid = ?`
	qSetTag        = `INSERT INTO tags (run_id, key, value) VALUES (?, ?, ?) ON CONFLICT DO UPDATE SET value = excluded.value`
	qEvent         = `INSERT INTO events (time, kind, entity, payload) VALUES (?, ?, ?, ?)`
	qUpsertSummary = `INSERT INTO metric_summary (run_id, key_id, last_value, last_is_nan, last_step, last_ts, min_value, max_value, count)
		VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
		ON CONFLICT (run_id, key_id) DO UPDATE SET
			last_value  = CASE WHEN (?5, ?6, ?3) > (last_step, last_ts, last_value) THEN ?3 ELSE last_value END,
			last_is_nan = CASE WHEN (?5, ?6, ?3) > (last_step, last_ts, last_value) THEN ?4 ELSE last_is_nan END,
			last_ts     = CASE WHEN (?5, ?6, ?3) > (last_step, last_ts, last_value) THEN ?6 ELSE last_ts END,
			last_step   = CASE WHEN (?5, ?6, ?3) > (last_step, last_ts, last_value) THEN ?5 ELSE last_step END,
			min_value   = coalesce(min(min_value, ?7), min_value, ?7),
			max_value   = coalesce(max(max_value, ?8), max_value, ?8),
			count       = count + ?9`
	qSavepoint = `SAVEPOINT op`
	qRelease   = `RELEASE op`
	qRollback  = `ROLLBACK TO op`
)

func hotQueries() []string {
	return []string{qInsertParam, qSelectKeyID, qInsertKey, qRunStage, qSetTag, qEvent, qUpsertSummary, qUpsertLOD, qSavepoint, qRelease, qRollback}
}

// prepareHot prepares hotQueries() and the metric inserts on the write
// connection before the writer starts.
func (s *Store) prepareHot(ctx context.Context) error {
	s.prepared = map[string]*sql.Stmt{}
	for _, q := range hotQueries() {
		st, err := s.wdb.PrepareContext(ctx, q)
		if err != nil {
			return fmt.Errorf("prepare %q: %w", q, err)
		}
		s.prepared[q] = st
	}
	return s.prepareInserts(ctx)
}
