package mlflowimport

import (
	"context"
	"database/sql"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lathe-ml/lathe/store"
)

// mlflowSchema is the part of MLflow's SQL schema (mlflow/store/tracking/
// dbmodels/models.py and the registry's) that the importer reads, as MLflow
// 2.x creates it. old drops what later migrations added.
func mlflowSchema(old bool) string {
	s := `
CREATE TABLE experiments (experiment_id INTEGER PRIMARY KEY, name VARCHAR(256) NOT NULL UNIQUE,
	artifact_location VARCHAR(256), lifecycle_stage VARCHAR(32) %[1]s);
CREATE TABLE experiment_tags (key VARCHAR(250), value VARCHAR(5000), experiment_id INTEGER, PRIMARY KEY (key, experiment_id));
CREATE TABLE runs (run_uuid VARCHAR(32) PRIMARY KEY, name VARCHAR(250), source_type VARCHAR(20), source_name VARCHAR(500),
	entry_point_name VARCHAR(50), user_id VARCHAR(256), status VARCHAR(9), start_time BIGINT, end_time BIGINT,
	source_version VARCHAR(50), lifecycle_stage VARCHAR(20), artifact_uri VARCHAR(200), experiment_id INTEGER %[2]s);
CREATE TABLE params (key VARCHAR(250), value VARCHAR(8000) NOT NULL, run_uuid VARCHAR(32), PRIMARY KEY (key, run_uuid));
CREATE TABLE tags (key VARCHAR(250), value VARCHAR(5000), run_uuid VARCHAR(32), PRIMARY KEY (key, run_uuid));
CREATE TABLE metrics (key VARCHAR(250), value FLOAT NOT NULL, timestamp BIGINT, run_uuid VARCHAR(32) %[3]s);
CREATE TABLE latest_metrics (key VARCHAR(250), value FLOAT NOT NULL, timestamp BIGINT, step BIGINT, is_nan BOOLEAN, run_uuid VARCHAR(32));
`
	if old {
		return strings.NewReplacer("%[1]s", "", "%[2]s", "", "%[3]s", "").Replace(s)
	}
	return strings.NewReplacer("%[1]s", ", creation_time BIGINT, last_update_time BIGINT", "%[2]s", ", deleted_time BIGINT",
		"%[3]s", ", step BIGINT NOT NULL DEFAULT 0, is_nan BOOLEAN NOT NULL DEFAULT 0").Replace(s) + `
CREATE TABLE datasets (dataset_uuid VARCHAR(36) NOT NULL, experiment_id INTEGER, name VARCHAR(500) NOT NULL, digest VARCHAR(36) NOT NULL,
	dataset_source_type VARCHAR(36) NOT NULL, dataset_source TEXT NOT NULL, dataset_schema TEXT, dataset_profile TEXT,
	PRIMARY KEY (experiment_id, name, digest));
CREATE TABLE inputs (input_uuid VARCHAR(36) NOT NULL, source_type VARCHAR(36) NOT NULL, source_id VARCHAR(36) NOT NULL,
	destination_type VARCHAR(36) NOT NULL, destination_id VARCHAR(36) NOT NULL, PRIMARY KEY (source_type, source_id, destination_type, destination_id));
CREATE TABLE input_tags (input_uuid VARCHAR(36) NOT NULL, name VARCHAR(255) NOT NULL, value VARCHAR(500) NOT NULL, PRIMARY KEY (input_uuid, name));
CREATE TABLE registered_models (name VARCHAR(256) PRIMARY KEY, creation_time BIGINT, last_updated_time BIGINT, description VARCHAR(5000));
CREATE TABLE registered_model_tags (key VARCHAR(250), value VARCHAR(5000), name VARCHAR(256), PRIMARY KEY (key, name));
CREATE TABLE registered_model_aliases (alias VARCHAR(256), version INTEGER NOT NULL, name VARCHAR(256), PRIMARY KEY (name, alias));
CREATE TABLE model_versions (name VARCHAR(256), version INTEGER, creation_time BIGINT, last_updated_time BIGINT,
	description VARCHAR(5000), user_id VARCHAR(256), current_stage VARCHAR(20), source VARCHAR(500), run_id VARCHAR(32),
	status VARCHAR(20), status_message VARCHAR(500), run_link VARCHAR(500), PRIMARY KEY (name, version));
CREATE TABLE model_version_tags (key VARCHAR(250), value VARCHAR(5000), name VARCHAR(256), version INTEGER, PRIMARY KEY (key, name, version));
`
}

const (
	sqlRunA = "5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a"
	sqlRunB = "6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b"
	sqlRunC = "7c7c7c7c7c7c7c7c7c7c7c7c7c7c7c7c"
)

// makeMLflowDB writes an MLflow SQLite database (and artifacts beside it, as
// `mlflow server --backend-store-uri sqlite:///mlflow.db` leaves them) into
// dir and returns its path.
func makeMLflowDB(t *testing.T, dir string, old bool) string {
	t.Helper()
	path := filepath.Join(dir, "mlflow.db")
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := db.Exec(q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	exec(mlflowSchema(old))
	if old {
		exec(`INSERT INTO experiments VALUES (0, 'Default', './mlruns/0', 'active'), (1, 'sql exp', './mlruns/1', 'active')`)
		exec(`INSERT INTO runs VALUES (?, 'old-sql-run', 'LOCAL', '', '', 'carol', 'FINISHED', 1500000000000, 1500000100000, '', 'active', '', 1)`, sqlRunA)
		exec(`INSERT INTO metrics VALUES ('loss', 0.5, 1500000001000, ?), ('loss', 0.25, 1500000002000, ?)`, sqlRunA, sqlRunA)
		exec(`INSERT INTO params VALUES ('k', 'v', ?)`, sqlRunA)
		return path
	}
	exec(`INSERT INTO experiments VALUES (0, 'Default', './mlruns/0', 'active', 1, 1),
		(1, 'sql exp', 'mlflow-artifacts:/1', 'active', 1700000000000, 1700000000000),
		(4, 'gone', 's3://bucket/4', 'deleted', 1700000000000, 1700000900000)`)
	exec(`INSERT INTO experiment_tags VALUES ('team', 'growth', 1)`)
	exec(`INSERT INTO runs VALUES
		(?, 'sql-a', 'LOCAL', '', '', 'alice', 'FINISHED', 1700000001000, 1700000009000, '', 'active', ?, 1, NULL),
		(?, 'sql-b', 'LOCAL', '', '', 'bob', 'KILLED', 1700000001000, 1700000002000, '', 'deleted', 'mlflow-artifacts:/1/`+sqlRunB+`/artifacts', 1, 1700000500000),
		(?, 'sql-c', 'LOCAL', '', '', 'bob', 'RUNNING', 1700000001000, NULL, '', 'deleted', 's3://bucket/4/`+sqlRunC+`/artifacts', 4, 1700000900000)`,
		sqlRunA, "./mlruns/1/"+sqlRunA+"/artifacts", sqlRunB, sqlRunC)
	exec(`INSERT INTO params VALUES ('lr', '0.1', ?), ('note', 'two
lines', ?)`, sqlRunA, sqlRunA)
	exec(`INSERT INTO tags VALUES ('mlflow.runName', 'sql-a', ?), ('mlflow.note.content', 'from SQL', ?), ('mlflow.runName', 'sql-b', ?)`,
		sqlRunA, sqlRunA, sqlRunB)
	exec(`BEGIN`)
	for i := 0; i < 2500; i++ { // more than two batches
		exec(`INSERT INTO metrics VALUES ('val/loss', ?, ?, ?, ?, 0)`, 1.0/float64(i+1), 1700000001000+int64(i), sqlRunA, i)
	}
	exec(`COMMIT`)
	exec(`INSERT INTO metrics VALUES ('acc', 0, 1700000001000, ?, 0, 1), ('acc', 0.9, 1700000002000, ?, 1, 0), ('x', 1, 1, ?, 0, 0)`,
		sqlRunA, sqlRunA, sqlRunB)
	exec(`INSERT INTO datasets VALUES ('d-1', 1, 'customers', 'abc123', 'local', '{"uri": "/data/c.csv"}', '{}', '{"rows": 3}')`)
	exec(`INSERT INTO inputs VALUES ('i-1', 'DATASET', 'd-1', 'RUN', ?)`, sqlRunA)
	exec(`INSERT INTO input_tags VALUES ('i-1', 'mlflow.data.context', 'eval')`)
	exec(`INSERT INTO registered_models VALUES ('sql-model', 1700000010000, 1700000020000, 'from SQL')`)
	exec(`INSERT INTO registered_model_tags VALUES ('owner', 'alice', 'sql-model')`)
	exec(`INSERT INTO registered_model_aliases VALUES ('prod', 1, 'sql-model')`)
	exec(`INSERT INTO model_versions VALUES ('sql-model', 1, 1700000010000, 1700000010000, '', 'alice', 'None',
		'mlflow-artifacts:/1/`+sqlRunA+`/artifacts/model', ?, 'READY', NULL, ''),
		('sql-model', 2, 1700000011000, 1700000011000, '', 'alice', 'Deleted_Internal', 'runs:/x/model', NULL, 'READY', NULL, '')`, sqlRunA)
	exec(`INSERT INTO model_version_tags VALUES ('k', 'v', 'sql-model', 1)`)
	for p, content := range map[string]string{
		filepath.Join("mlruns", "1", sqlRunA, "artifacts", "model", "MLmodel"):           "flavors: {}\n",
		filepath.Join("mlruns", "1", sqlRunA, "artifacts", "metrics.json"):               `{"auc": 0.9}`,
		filepath.Join("mlartifacts", "1", sqlRunB, "artifacts", "plots", "roc.svg"):      "<svg/>",
		filepath.Join("mlartifacts", "1", sqlRunB, "artifacts", "plots", "sub", "x.txt"): "x",
	} {
		p = filepath.Join(dir, p)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return path
}

func TestImportSQLite(t *testing.T) {
	dir := t.TempDir()
	makeMLflowDB(t, dir, false)
	st := openStore(t)
	ctx := context.Background()
	sum := mustImport(t, st, "sqlite:///mlflow.db", Options{Dir: dir})
	if len(sum.Errors) > 0 {
		t.Fatalf("errors: %v", sum.Errors)
	}
	if sum.Runs.Imported != 3 || sum.Experiments.Imported != 2 || sum.Experiments.Present != 1 {
		t.Errorf("summary = %+v", sum)
	}
	if sum.MetricPoints.Imported != 2503 || sum.Artifacts.Imported != 4 || sum.Artifacts.Skipped != 1 {
		t.Errorf("points %+v, artifacts %+v", sum.MetricPoints, sum.Artifacts)
	}
	if !strings.Contains(strings.Join(sum.Notes, "\n"), "artifacts under s3: URIs were not imported") {
		t.Errorf("notes = %v", sum.Notes)
	}
	a := getRun(t, st, sqlRunA)
	if a.Name != "sql-a" || a.Status != store.StatusFinished || a.Notes != "from SQL" || a.Params["note"] != "two\nlines" ||
		a.StartTime != 1700000001000 || a.EndTime != 1700000009000 || a.ExperimentID != 1 {
		t.Errorf("run a = %+v", a)
	}
	if len(a.Inputs) != 1 || a.Inputs[0].Dataset.Source != `{"uri": "/data/c.csv"}` || a.Inputs[0].Tags[0].Value != "eval" {
		t.Errorf("inputs = %+v", a.Inputs)
	}
	if h := history(t, st, sqlRunA, "val/loss"); len(h) != 2500 || h[2499].Step != 2499 || h[1].Value != 0.5 {
		t.Errorf("val/loss: %d points", len(h))
	}
	if acc := history(t, st, sqlRunA, "acc"); len(acc) != 2 || !math.IsNaN(acc[0].Value) || acc[1].Value != 0.9 {
		t.Errorf("acc = %+v", acc)
	}
	if got := string(artifactBytes(t, st, sqlRunA, "metrics.json")); got != `{"auc": 0.9}` {
		t.Errorf("metrics.json = %q", got)
	}
	if got := string(artifactBytes(t, st, sqlRunB, "plots/sub/x.txt")); got != "x" {
		t.Errorf("mlflow-artifacts file = %q", got)
	}
	if b := getRun(t, st, sqlRunB); b.LifecycleStage != store.StageDeleted || b.Status != store.StatusKilled {
		t.Errorf("run b = %+v", b)
	}
	if c := getRun(t, st, sqlRunC); c.Status != store.StatusRunning || c.EndTime != 0 || c.LifecycleStage != store.StageDeleted {
		t.Errorf("run c = %+v", c)
	}
	if e, err := st.GetExperimentByName(ctx, "gone"); err != nil || e.LifecycleStage != store.StageDeleted || e.ID != 4 {
		t.Errorf("experiment gone = %+v, %v", e, err)
	}
	mv, err := st.GetModelVersion(ctx, "sql-model", 1)
	if err != nil || mv.Source != "runs:/"+sqlRunA+"/model" || mv.Tags["k"] != "v" {
		t.Errorf("sql-model/1 = %+v, %v", mv, err)
	}
	if v, err := st.GetModelVersionByAlias(ctx, "sql-model", "prod"); err != nil || v.Version != 1 {
		t.Errorf("prod alias = %+v, %v", v, err)
	}

	// Again: nothing new (the RUNNING run is re-read and unchanged).
	again := mustImport(t, st, filepath.Join(dir, "mlflow.db"), Options{})
	if again.Runs.Present != 3 || again.MetricPoints.Imported != 0 || again.Artifacts.Imported != 0 || again.Models.Present != 1 {
		t.Errorf("second import = %+v", again)
	}
}

func TestImportOldSQLiteSchema(t *testing.T) {
	dir := t.TempDir()
	path := makeMLflowDB(t, dir, true)
	st := openStore(t)
	sum := mustImport(t, st, path, Options{})
	if len(sum.Errors) > 0 || sum.Runs.Imported != 1 || sum.MetricPoints.Imported != 2 {
		t.Fatalf("summary = %+v", sum)
	}
	h := history(t, st, sqlRunA, "loss")
	if len(h) != 2 || h[0].Step != 0 || h[1].Value != 0.25 {
		t.Errorf("loss = %+v", h)
	}
	if _, err := Import(context.Background(), st, "sqlite://host/x.db", Options{}); err == nil || !strings.Contains(err.Error(), "malformed SQLite URI") {
		t.Errorf("sqlite:// with a host: %v", err)
	}
	if _, err := Import(context.Background(), st, "sqlite:///"+path+".missing", Options{}); err == nil || !strings.Contains(err.Error(), "no such file") {
		t.Errorf("missing database: %v", err)
	}
	notML := filepath.Join(dir, "other.db")
	db, _ := sql.Open("sqlite", "file:"+notML)
	db.Exec(`CREATE TABLE t (x)`)
	db.Close()
	if _, err := Import(context.Background(), st, notML, Options{}); err == nil || !strings.Contains(err.Error(), "not MLflow's") {
		t.Errorf("non-MLflow database: %v", err)
	}
}
