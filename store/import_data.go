package store

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// ImportBatch is one batch of a run's data. It holds at most
// MaxMetricsPerBatch points and MaxEntitiesPerBatch params, tags and inputs,
// so that one batch never holds the writer for long.
type ImportBatch struct {
	Metrics []Metric
	Params  []Param
	Tags    []Tag
	Inputs  []DatasetInput
}

// ImportCounts counts what a batch added and what was already stored.
type ImportCounts struct {
	Metrics, MetricsPresent int
	Params, ParamsPresent   int
	Tags, TagsPresent       int
	Inputs, InputsPresent   int
}

// Add sums counts.
func (c *ImportCounts) Add(o ImportCounts) {
	c.Metrics += o.Metrics
	c.MetricsPresent += o.MetricsPresent
	c.Params += o.Params
	c.ParamsPresent += o.ParamsPresent
	c.Tags += o.Tags
	c.TagsPresent += o.TagsPresent
	c.Inputs += o.Inputs
	c.InputsPresent += o.InputsPresent
}

// ImportRunData writes a batch to a run being imported, whatever its stage.
// Points keep their timestamps; a point, param, input or equal tag already
// stored is counted as present and not written again. Values are kept as the
// source stored them, even past the limits MLflow's API puts on new values.
// Returns ErrInvalidState when the run is not being imported, ErrInvalid for
// an empty key, an oversized batch, or a param whose stored value differs.
func (s *Store) ImportRunData(ctx context.Context, runID string, b ImportBatch) (ImportCounts, error) {
	var c ImportCounts
	if len(b.Metrics) > MaxMetricsPerBatch || len(b.Params)+len(b.Tags)+len(b.Inputs) > MaxEntitiesPerBatch {
		return c, invalid("import batch is over %d metrics or %d params, tags and inputs", MaxMetricsPerBatch, MaxEntitiesPerBatch)
	}
	for _, m := range b.Metrics {
		if m.Key == "" {
			return c, invalid("run %s: empty metric key", runID)
		}
	}
	for _, p := range b.Params {
		if p.Key == "" {
			return c, invalid("run %s: empty param key", runID)
		}
	}
	for _, t := range b.Tags {
		if t.Key == "" {
			return c, invalid("run %s: empty tag key", runID)
		}
	}
	err := s.write(ctx, func(tx *Tx) error {
		c = ImportCounts{}
		rid, err := tx.importingRun(runID)
		if err != nil {
			return err
		}
		if err := tx.importParams(rid, runID, b.Params, &c); err != nil {
			return err
		}
		if err := tx.importTags(rid, b.Tags, &c); err != nil {
			return err
		}
		if c.Metrics, err = tx.logMetrics(rid, b.Metrics); err != nil {
			return err
		}
		c.MetricsPresent = len(b.Metrics) - c.Metrics
		if err := tx.importInputs(rid, runID, b.Inputs, &c); err != nil {
			return err
		}
		if c.Metrics+c.Params+c.Tags+c.Inputs == 0 {
			return nil
		}
		return tx.event("run.logged", "run:"+runID,
			fmt.Sprintf(`{"metrics":%d,"params":%d,"tags":%d,"imported":true}`, c.Metrics, c.Params, c.Tags))
	})
	return c, err
}

func (t *Tx) importParams(rid int64, runID string, ps []Param, c *ImportCounts) error {
	for _, p := range ps {
		var num any
		if f, err := strconv.ParseFloat(strings.TrimSpace(p.Value), 64); err == nil {
			num, _ = storeFloat(f)
		}
		res, err := t.exec(qInsertParam, rid, p.Key, p.Value, num)
		if err != nil {
			return fmt.Errorf("import param %s: %w", p.Key, err)
		}
		if n, _ := res.RowsAffected(); n == 1 {
			c.Params++
			continue
		}
		var old string
		if err := t.queryRow(`SELECT value FROM params WHERE run_id = ? AND key = ?`, rid, p.Key).Scan(&old); err != nil {
			return fmt.Errorf("import param %s: %w", p.Key, err)
		}
		if old != p.Value {
			return invalid("run %s: param %q is %q in the store and %q in the source; params cannot change", runID, p.Key, old, p.Value)
		}
		c.ParamsPresent++
	}
	return nil
}

func (t *Tx) importTags(rid int64, tags []Tag, c *ImportCounts) error {
	for _, tg := range tags {
		if tg.Key == TagImportIncomplete {
			continue
		}
		res, err := t.exec(`INSERT INTO tags (run_id, key, value) VALUES (?, ?, ?)
			ON CONFLICT DO UPDATE SET value = excluded.value WHERE value IS NOT excluded.value`, rid, tg.Key, tg.Value)
		if err != nil {
			return fmt.Errorf("import tag %s: %w", tg.Key, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			c.TagsPresent++
			continue
		}
		c.Tags++
		col := map[string]string{TagRunName: "name", TagNote: "notes"}[tg.Key] // mirrored as setTag does
		if col == "" {
			continue
		}
		if _, err := t.exec(`UPDATE runs SET `+col+` = ? WHERE id = ?`, tg.Value, rid); err != nil {
			return fmt.Errorf("import tag %s: %w", tg.Key, err)
		}
	}
	return nil
}

func (t *Tx) importInputs(rid int64, runID string, inputs []DatasetInput, c *ImportCounts) error {
	if len(inputs) == 0 {
		return nil
	}
	var exp int64
	if err := t.queryRow(`SELECT experiment_id FROM runs WHERE id = ?`, rid).Scan(&exp); err != nil {
		return err
	}
	for _, in := range inputs {
		d := in.Dataset
		if d.Name == "" || d.Digest == "" {
			return invalid("run %s: dataset input needs a name and a digest", runID)
		}
		did, err := t.datasetID(exp, d)
		if err != nil {
			return err
		}
		res, err := t.exec(`INSERT INTO run_inputs (run_id, dataset_id, tags) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`,
			rid, did, encodeTags(in.Tags))
		if err != nil {
			return fmt.Errorf("import input %s: %w", d.Name, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			c.InputsPresent++
			continue
		}
		c.Inputs++
		if err := t.lineage("dataset", strconv.FormatInt(did, 10), "run", runID, "input"); err != nil {
			return err
		}
	}
	return nil
}

// ArtifactSizes returns the size of every artifact file of a run by path, so
// that an importer can skip files it already brought in without reading
// them again. Returns ErrNotFound for an unknown run.
func (s *Store) ArtifactSizes(ctx context.Context, runID string) (map[string]int64, error) {
	rid, err := s.runRowID(ctx, runID)
	if err != nil {
		return nil, err
	}
	rows, err := s.rdb.QueryContext(ctx, `SELECT path, size FROM artifacts WHERE run_id = ?`, rid)
	if err != nil {
		return nil, fmt.Errorf("artifact sizes of %s: %w", runID, err)
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var p string
		var n int64
		if err := rows.Scan(&p, &n); err != nil {
			return nil, err
		}
		out[p] = n
	}
	return out, rows.Err()
}

// ImportArtifact stores r as the artifact at path of a run being imported,
// whatever its stage. created is false when the run already had these exact
// bytes at path. The bytes are synced before the row that references them
// commits, as LogArtifact does. Returns ErrInvalidState when the run is not
// being imported or path clashes with a directory, ErrInvalid for a bad path.
func (s *Store) ImportArtifact(ctx context.Context, runID, path string, r io.Reader) (created bool, a Artifact, err error) {
	clean, err := CleanArtifactPath(path)
	if err != nil {
		return false, Artifact{}, err
	}
	b, _, err := s.PutBlob(ctx, r)
	if err != nil {
		return false, Artifact{}, fmt.Errorf("import artifact %s: %w", clean, err)
	}
	err = s.write(ctx, func(tx *Tx) error {
		created = false
		rid, err := tx.importingRun(runID)
		if err != nil {
			return err
		}
		var old string
		err = tx.queryRow(`SELECT hash FROM artifacts WHERE run_id = ? AND path = ?`, rid, clean).Scan(&old)
		switch {
		case err == nil && old == b.Hash:
			return nil
		case err == nil:
			if err := tx.unrefBlob(old); err != nil {
				return err
			}
		case !isNoRows(err):
			return err
		default:
			var clash int
			if err := tx.queryRow(`SELECT count(*) FROM artifacts WHERE run_id = ? AND (substr(path, 1, ?) = ? OR path IN (`+parentsSQL(clean)+`))`,
				append([]any{rid, len(clean) + 1, clean + "/"}, parents(clean)...)...).Scan(&clash); err != nil {
				return err
			}
			if clash > 0 {
				return badState("artifact %q clashes with an existing file or directory of run %s", clean, runID)
			}
		}
		if err := tx.refBlob(b); err != nil {
			return err
		}
		if _, err := tx.exec(`INSERT INTO artifacts (run_id, path, hash, size) VALUES (?, ?, ?, ?)
			ON CONFLICT DO UPDATE SET hash = excluded.hash, size = excluded.size`, rid, clean, b.Hash, b.Size); err != nil {
			return fmt.Errorf("import artifact %s: %w", clean, err)
		}
		created = true
		return tx.event("artifact.logged", "run:"+runID, jsonObj("path", clean, "hash", b.Hash, "size", b.Size, "imported", true))
	})
	if err != nil {
		return false, Artifact{}, err
	}
	return created, Artifact{Path: clean, Size: b.Size}, nil
}
