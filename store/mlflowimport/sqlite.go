package mlflowimport

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	_ "modernc.org/sqlite" // the "sqlite" driver

	"github.com/lathe-ml/lathe/store"
)

// sqliteSource reads an MLflow SQLite database (what `mlflow server
// --backend-store-uri sqlite:///mlflow.db` writes), read-only. MLflow's
// schema grew over its migrations (metrics got step and is_nan, experiments
// got creation times, runs got deleted_time, datasets and inputs came in
// 2.4); columns and tables that an older database lacks read as empty.
type sqliteSource struct {
	path         string
	db           *sql.DB
	cols         map[string]map[string]bool // table -> columns
	artifactsDir string
}

func openSQLite(ctx context.Context, path, artifactsDir string) (*sqliteSource, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("open MLflow database: %w", err)
	}
	q := url.Values{}
	q.Set("mode", "ro")
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "query_only(1)")
	db, err := sql.Open("sqlite", "file:"+(&url.URL{Path: path}).EscapedPath()+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	s := &sqliteSource{path: path, db: db, cols: map[string]map[string]bool{}, artifactsDir: artifactsDir}
	for _, t := range []string{"experiments", "experiment_tags", "runs", "params", "tags", "metrics",
		"datasets", "inputs", "input_tags", "registered_models", "registered_model_tags",
		"registered_model_aliases", "model_versions", "model_version_tags"} {
		rows, err := db.QueryContext(ctx, `SELECT name FROM pragma_table_info(?)`, t)
		if err != nil {
			db.Close()
			return nil, fmt.Errorf("read %s: %w", path, err)
		}
		names, err := scanColumn[string](rows)
		if err != nil {
			db.Close()
			return nil, fmt.Errorf("read %s: %w", path, err)
		}
		if len(names) > 0 {
			s.cols[t] = map[string]bool{}
			for _, n := range names {
				s.cols[t][n] = true
			}
		}
	}
	if s.cols["experiments"] == nil || s.cols["runs"] == nil {
		db.Close()
		return nil, fmt.Errorf("%s is a SQLite database but not MLflow's: it has no experiments and runs tables", path)
	}
	return s, nil
}

func (s *sqliteSource) String() string { return "sqlite:" + s.path }
func (s *sqliteSource) Close() error   { return s.db.Close() }

// col is the column when the table has it, else a literal default.
func (s *sqliteSource) col(table, name, def string) string {
	if s.cols[table][name] {
		return name
	}
	return def
}

func scanColumn[T any](rows *sql.Rows) ([]T, error) {
	defer rows.Close()
	var out []T
	for rows.Next() {
		var v T
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

func (s *sqliteSource) experiments(ctx context.Context) ([]*experiment, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT experiment_id, name, coalesce(artifact_location, ''),
		coalesce(lifecycle_stage, 'active'), coalesce(`+s.col("experiments", "creation_time", "0")+`, 0),
		coalesce(`+s.col("experiments", "last_update_time", "0")+`, 0)
		FROM experiments ORDER BY experiment_id`)
	if err != nil {
		return nil, fmt.Errorf("%s: experiments: %w", s.path, err)
	}
	defer rows.Close()
	var out []*experiment
	for rows.Next() {
		e := &experiment{}
		var id int64
		var stage string
		if err := rows.Scan(&id, &e.name, &e.artifact, &stage, &e.created, &e.updated); err != nil {
			return nil, fmt.Errorf("%s: experiments: %w", s.path, err)
		}
		e.srcID = strconv.FormatInt(id, 10)
		e.where = "experiment " + e.srcID
		if e.stage, err = stageName(stage); err != nil {
			e.err = fmt.Errorf("%s: experiment %s: %w", s.path, e.srcID, err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if s.cols["experiment_tags"] != nil {
		for _, e := range out {
			if e.tags, err = s.kv(ctx, `SELECT key, coalesce(value, '') FROM experiment_tags WHERE experiment_id = ? ORDER BY key`, e.srcID); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

func (s *sqliteSource) kv(ctx context.Context, q string, args ...any) ([]store.Tag, error) {
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.path, err)
	}
	defer rows.Close()
	var out []store.Tag
	for rows.Next() {
		var t store.Tag
		if err := rows.Scan(&t.Key, &t.Value); err != nil {
			return nil, fmt.Errorf("%s: %w", s.path, err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

func (s *sqliteSource) runs(ctx context.Context, e *experiment) ([]*runMeta, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT run_uuid, coalesce(name, ''), coalesce(user_id, ''), coalesce(status, 'RUNNING'),
		coalesce(start_time, 0), coalesce(end_time, 0), coalesce(`+s.col("runs", "deleted_time", "0")+`, 0),
		coalesce(lifecycle_stage, 'active'), coalesce(artifact_uri, '')
		FROM runs WHERE experiment_id = ? ORDER BY start_time, run_uuid`, e.srcID)
	if err != nil {
		return nil, fmt.Errorf("%s: runs: %w", s.path, err)
	}
	defer rows.Close()
	var out []*runMeta
	for rows.Next() {
		r := &runMeta{exp: e}
		var status, stage string
		if err := rows.Scan(&r.id, &r.name, &r.user, &status, &r.start, &r.end, &r.deleted, &stage, &r.artifactURI); err != nil {
			return nil, fmt.Errorf("%s: runs: %w", s.path, err)
		}
		r.where = fmt.Sprintf("run %s (experiment %s)", r.id, e.srcID)
		if r.status, err = statusName(status); err == nil {
			r.stage, err = stageName(stage)
		}
		if err != nil {
			r.err = fmt.Errorf("%s: %s: %w", s.path, r.where, err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

func (s *sqliteSource) data(ctx context.Context, r *runMeta) (*runData, error) {
	d := &runData{}
	ps, err := s.kv(ctx, `SELECT key, value FROM params WHERE run_uuid = ? ORDER BY key`, r.id)
	if err != nil {
		return nil, err
	}
	for _, p := range ps {
		d.params = append(d.params, store.Param(p))
	}
	if d.tags, err = s.kv(ctx, `SELECT key, coalesce(value, '') FROM tags WHERE run_uuid = ? ORDER BY key`, r.id); err != nil {
		return nil, err
	}
	if s.cols["inputs"] != nil && s.cols["datasets"] != nil {
		if d.inputs, err = s.inputs(ctx, r.id); err != nil {
			return nil, err
		}
	}
	return d, nil
}

func (s *sqliteSource) inputs(ctx context.Context, runID string) ([]store.DatasetInput, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT i.input_uuid, d.name, d.digest, coalesce(d.dataset_source_type, ''),
		coalesce(d.dataset_source, ''), coalesce(d.dataset_schema, ''), coalesce(d.dataset_profile, '')
		FROM inputs i JOIN datasets d ON d.dataset_uuid = i.source_id
		WHERE i.destination_type = 'RUN' AND i.destination_id = ? AND i.source_type = 'DATASET'
		ORDER BY d.name, d.digest`, runID)
	if err != nil {
		return nil, fmt.Errorf("%s: inputs: %w", s.path, err)
	}
	var out []store.DatasetInput
	var ids []string
	for rows.Next() {
		var in store.DatasetInput
		var id string
		d := &in.Dataset
		if err := rows.Scan(&id, &d.Name, &d.Digest, &d.SourceType, &d.Source, &d.Schema, &d.Profile); err != nil {
			rows.Close()
			return nil, fmt.Errorf("%s: inputs: %w", s.path, err)
		}
		out = append(out, in)
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if s.cols["input_tags"] == nil {
		return out, nil
	}
	for i, id := range ids {
		if out[i].Tags, err = s.kv(ctx, `SELECT name, value FROM input_tags WHERE input_uuid = ? ORDER BY name`, id); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (s *sqliteSource) metrics(ctx context.Context, r *runMeta, _ *runData, fn func(store.Metric) error) error {
	rows, err := s.db.QueryContext(ctx, `SELECT key, coalesce(value, 0), coalesce(timestamp, 0), `+
		s.col("metrics", "step", "0")+`, `+s.col("metrics", "is_nan", "0")+`
		FROM metrics WHERE run_uuid = ?`, r.id)
	if err != nil {
		return fmt.Errorf("%s: metrics: %w", s.path, err)
	}
	defer rows.Close()
	for rows.Next() {
		var m store.Metric
		var step sql.NullInt64
		var isNaN sql.NullBool
		if err := rows.Scan(&m.Key, &m.Value, &m.Timestamp, &step, &isNaN); err != nil {
			return fmt.Errorf("%s: metrics of %s: %w", s.path, r.id, err)
		}
		m.Step = step.Int64
		if isNaN.Bool {
			m.Value = math.NaN()
		}
		if err := fn(m); err != nil {
			return err
		}
	}
	return rows.Err()
}

// artifacts reads the run's artifact_uri when it is local. Relative paths
// (MLflow's default artifact root is ./mlruns) are taken from the
// database's directory, and mlflow-artifacts: URIs from --artifacts-dir or,
// failing that, the mlartifacts/ beside the database (the MLflow server's
// default --artifacts-destination).
func (s *sqliteSource) artifacts(ctx context.Context, r *runMeta, fn func(artifactFile) error) error {
	base := filepath.Dir(s.path)
	ad := s.artifactsDir
	if ad == "" && isDir(filepath.Join(base, "mlartifacts")) {
		ad = filepath.Join(base, "mlartifacts")
	}
	dir, local := localArtifactDir(r.artifactURI, base, ad)
	switch {
	case local && isDir(dir):
		return localArtifacts(dir, fn)
	case local || r.artifactURI == "":
		return nil
	case strings.HasPrefix(r.artifactURI, "mlflow-artifacts:"):
		return &unreachableError{r.artifactURI, "name the server's artifact directory with --artifacts-dir, or import from the server"}
	}
	return &unreachableError{r.artifactURI, "lathe reads local paths, file: URIs and (with --artifacts-dir) mlflow-artifacts: URIs"}
}
