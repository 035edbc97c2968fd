package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
)

// DataSourceType is the source type lathe records in MLflow's dataset
// inputs for its own versions; Source is then "lathe://data/NAME:N".
const DataSourceType = "lathe"

// minDigestMatch is the shortest MLflow dataset digest lathe matches, as a
// prefix, against its versions' digests.
const minDigestMatch = 8

// RecordRunDataInputs records that a run consumed dataset versions: as
// MLflow dataset inputs (so MLflow clients see them, with the tag
// mlflow.data.context = context when it is set) and as lineage edges from
// each version to the run, in one transaction.
func (s *Store) RecordRunDataInputs(ctx context.Context, runID string, versions []*DataVersion, context string) error {
	return s.write(ctx, func(tx *Tx) error {
		rid, err := tx.activeRun(runID)
		if err != nil {
			return err
		}
		var exp int64
		if err := tx.queryRow(`SELECT experiment_id FROM runs WHERE id = ?`, rid).Scan(&exp); err != nil {
			return err
		}
		for _, v := range versions {
			id, version, err := tx.dataVersionID(v.Ref())
			if err != nil {
				return err
			}
			profile := ""
			if v.Rows >= 0 {
				profile = fmt.Sprintf(`{"num_rows": %d}`, v.Rows)
			}
			did, err := tx.datasetID(exp, Dataset{Name: v.Name, Digest: v.MLflowDigest(), SourceType: DataSourceType,
				Source: "lathe://data/" + v.Ref(), Profile: profile})
			if err != nil {
				return err
			}
			var tags []Tag
			if context != "" {
				tags = []Tag{{Key: "mlflow.data.context", Value: context}}
			}
			if _, err := tx.exec(`INSERT INTO run_inputs (run_id, dataset_id, tags) VALUES (?, ?, ?)
				ON CONFLICT DO UPDATE SET tags = excluded.tags`, rid, did, encodeTags(tags)); err != nil {
				return fmt.Errorf("record input %s: %w", v.Ref(), err)
			}
			if err := tx.lineage("data_version", dataLineageID(id, version), "run", runID, "input"); err != nil {
				return fmt.Errorf("record input %s: %w", v.Ref(), err)
			}
		}
		return tx.event("run.data_inputs", "run:"+runID, jsonObj("inputs", len(versions)))
	})
}

// linkDataDigest links a run to the lathe version whose digest an MLflow
// dataset input carries (the full digest or a prefix of at least
// minDigestMatch hex digits). An input that matches no version, or more
// than one, links nothing.
func (t *Tx) linkDataDigest(runID, digest string) error {
	d := strings.ToLower(digest)
	if len(d) < minDigestMatch || len(d) > 64 || !isHex(d) {
		return nil
	}
	rows, err := t.tx.QueryContext(t.ctx, `SELECT dataset_id, version FROM data_versions
		WHERE digest >= ? AND digest < ? LIMIT 2`, d, d+"g")
	if err != nil {
		return fmt.Errorf("match dataset digest %s: %w", digest, err)
	}
	var ids [][2]int64
	for rows.Next() {
		var id, v int64
		if err := rows.Scan(&id, &v); err != nil {
			rows.Close()
			return err
		}
		ids = append(ids, [2]int64{id, v})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if len(ids) != 1 {
		return nil
	}
	return t.lineage("data_version", dataLineageID(ids[0][0], ids[0][1]), "run", runID, "input")
}

// RunDataInputs returns the dataset versions a run consumed (without their
// files), by dataset name. A version deleted since is left out.
func (s *Store) RunDataInputs(ctx context.Context, runID string) ([]*DataVersion, error) {
	var refs []string
	err := s.eachRow(ctx, `SELECT from_id FROM lineage WHERE to_kind = 'run' AND to_id = ? AND from_kind = 'data_version' AND kind = 'input'
		ORDER BY from_id`, []any{runID}, func(rows *sql.Rows) error {
		var id string
		if err := rows.Scan(&id); err != nil {
			return err
		}
		refs = append(refs, id)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read data lineage of run %s: %w", runID, err)
	}
	var out []*DataVersion
	for _, ref := range refs {
		ds, v, ok := strings.Cut(ref, ":")
		if !ok {
			continue
		}
		dsID, err1 := strconv.ParseInt(ds, 10, 64)
		ver, err2 := strconv.ParseInt(v, 10, 64)
		if err1 != nil || err2 != nil {
			continue
		}
		vs, err := s.queryDataVersions(ctx, `SELECT `+dataVersionCols+` FROM data_versions v JOIN data_sets d ON d.id = v.dataset_id
			WHERE v.dataset_id = ? AND v.version = ?`, dsID, ver)
		if err != nil {
			return nil, err
		}
		out = append(out, vs...)
	}
	return out, nil
}

// DataVersionRuns returns the ids of the runs that consumed a version, in
// the order they were recorded. Returns ErrNotFound for an unknown version.
func (s *Store) DataVersionRuns(ctx context.Context, ref string) ([]string, error) {
	v, err := s.DataVersion(ctx, ref)
	if err != nil {
		return nil, err
	}
	var out []string
	err = s.eachRow(ctx, `SELECT l.to_id FROM lineage l JOIN data_sets d ON l.from_id = d.id || ':' || ?
		WHERE d.name = ? AND l.from_kind = 'data_version' AND l.to_kind = 'run' AND l.kind = 'input'
		ORDER BY l.created, l.to_id`, []any{v.Version, v.Name}, func(rows *sql.Rows) error {
		var id string
		if err := rows.Scan(&id); err != nil {
			return err
		}
		out = append(out, id)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read runs that used %s: %w", v.Ref(), err)
	}
	return out, nil
}
