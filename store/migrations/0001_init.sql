-- 0001: the tracking core. Times are Unix milliseconds (as MLflow), ids are
-- integers inside the store; runs also carry MLflow's 32-hex uuid.

CREATE TABLE experiments (
    id                INTEGER PRIMARY KEY,
    name              TEXT    NOT NULL UNIQUE,
    artifact_location TEXT    NOT NULL DEFAULT '',
    lifecycle_stage   TEXT    NOT NULL DEFAULT 'active' CHECK (lifecycle_stage IN ('active', 'deleted')),
    creation_time     INTEGER NOT NULL,
    last_update_time  INTEGER NOT NULL
);

-- MLflow's default experiment "0".
INSERT INTO experiments (id, name, artifact_location, creation_time, last_update_time)
VALUES (0, 'Default', '', CAST(unixepoch('subsec') * 1000 AS INTEGER), CAST(unixepoch('subsec') * 1000 AS INTEGER));

CREATE TABLE experiment_tags (
    experiment_id INTEGER NOT NULL REFERENCES experiments(id) ON DELETE CASCADE,
    key           TEXT    NOT NULL,
    value         TEXT    NOT NULL,
    PRIMARY KEY (experiment_id, key)
) WITHOUT ROWID;

CREATE TABLE runs (
    id              INTEGER PRIMARY KEY,
    uuid            TEXT    NOT NULL UNIQUE,
    experiment_id   INTEGER NOT NULL REFERENCES experiments(id),
    name            TEXT    NOT NULL DEFAULT '',
    status          TEXT    NOT NULL DEFAULT 'RUNNING'
                    CHECK (status IN ('RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED')),
    start_time      INTEGER,
    end_time        INTEGER,
    user_id         TEXT    NOT NULL DEFAULT '',
    host            TEXT    NOT NULL DEFAULT '',
    source          TEXT    NOT NULL DEFAULT '',
    notes           TEXT    NOT NULL DEFAULT '',
    artifact_uri    TEXT    NOT NULL DEFAULT '',
    lifecycle_stage TEXT    NOT NULL DEFAULT 'active' CHECK (lifecycle_stage IN ('active', 'deleted')),
    deleted_time    INTEGER
);
CREATE INDEX runs_experiment ON runs (experiment_id, lifecycle_stage, start_time DESC);
CREATE INDEX runs_name ON runs (name);

CREATE TABLE params (
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    key    TEXT    NOT NULL,
    value  TEXT    NOT NULL,
    num    REAL,            -- value parsed as a number, NULL when it is not one
    PRIMARY KEY (run_id, key)
) WITHOUT ROWID;
CREATE INDEX params_key ON params (key, value);

CREATE TABLE tags (
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    key    TEXT    NOT NULL,
    value  TEXT    NOT NULL,
    PRIMARY KEY (run_id, key)
) WITHOUT ROWID;
CREATE INDEX tags_key ON tags (key, value);

-- Metric keys are interned so that each point costs an integer, not a string.
CREATE TABLE metric_keys (
    id  INTEGER PRIMARY KEY,
    key TEXT    NOT NULL UNIQUE
);

-- A point's identity is (run, key, step, timestamp, value) as in MLflow, so a
-- retried request never duplicates one. NaN is stored as value 0 with is_nan 1
-- because SQLite turns NaN into NULL.
CREATE TABLE metrics (
    run_id INTEGER NOT NULL,
    key_id INTEGER NOT NULL,
    step   INTEGER NOT NULL,
    ts     INTEGER NOT NULL,
    value  REAL    NOT NULL,
    is_nan INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (run_id, key_id, step, ts, value, is_nan)
) WITHOUT ROWID;

-- One row per (run, key), kept up to date in the transaction that writes points.
-- "last" is MLflow's latest metric: the greatest (step, timestamp, value).
CREATE TABLE metric_summary (
    run_id      INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    key_id      INTEGER NOT NULL REFERENCES metric_keys(id),
    last_value  REAL    NOT NULL,
    last_is_nan INTEGER NOT NULL,
    last_step   INTEGER NOT NULL,
    last_ts     INTEGER NOT NULL,
    min_value   REAL,   -- over non-NaN points; NULL when every point is NaN
    max_value   REAL,
    count       INTEGER NOT NULL,
    PRIMARY KEY (run_id, key_id)
) WITHOUT ROWID;
CREATE INDEX metric_summary_key ON metric_summary (key_id, last_value);

-- Datasets as MLflow's log-inputs describes them (name, digest, source, schema).
CREATE TABLE datasets (
    id            INTEGER PRIMARY KEY,
    experiment_id INTEGER NOT NULL REFERENCES experiments(id),
    name          TEXT    NOT NULL,
    digest        TEXT    NOT NULL,
    source_type   TEXT    NOT NULL DEFAULT '',
    source        TEXT    NOT NULL DEFAULT '',
    schema        TEXT    NOT NULL DEFAULT '',
    profile       TEXT    NOT NULL DEFAULT '',
    UNIQUE (experiment_id, name, digest)
);

CREATE TABLE run_inputs (
    run_id     INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    dataset_id INTEGER NOT NULL REFERENCES datasets(id),
    tags       TEXT    NOT NULL DEFAULT '{}', -- JSON object of input tags, e.g. mlflow.data.context
    PRIMARY KEY (run_id, dataset_id)
) WITHOUT ROWID;

-- Artifacts: metadata only here; blobs live content-addressed under objects/.
CREATE TABLE blobs (
    hash      TEXT    PRIMARY KEY,  -- "sha256:<hex>"
    size      INTEGER NOT NULL,
    location  TEXT    NOT NULL DEFAULT 'local', -- where the bytes live (a host, later)
    refcount  INTEGER NOT NULL DEFAULT 0,
    created   INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE artifacts (
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    path   TEXT    NOT NULL,
    hash   TEXT    NOT NULL REFERENCES blobs(hash),
    size   INTEGER NOT NULL,
    PRIMARY KEY (run_id, path)
) WITHOUT ROWID;

-- Model registry (filled by the registry issue).
CREATE TABLE registered_models (
    id                     INTEGER PRIMARY KEY,
    name                   TEXT    NOT NULL UNIQUE,
    description            TEXT    NOT NULL DEFAULT '',
    creation_time          INTEGER NOT NULL,
    last_updated_time      INTEGER NOT NULL
);

CREATE TABLE registered_model_tags (
    model_id INTEGER NOT NULL REFERENCES registered_models(id) ON DELETE CASCADE,
    key      TEXT    NOT NULL,
    value    TEXT    NOT NULL,
    PRIMARY KEY (model_id, key)
) WITHOUT ROWID;

CREATE TABLE model_versions (
    model_id          INTEGER NOT NULL REFERENCES registered_models(id) ON DELETE CASCADE,
    version           INTEGER NOT NULL,
    source            TEXT    NOT NULL DEFAULT '',
    run_id            INTEGER REFERENCES runs(id),
    status            TEXT    NOT NULL DEFAULT 'READY',
    description       TEXT    NOT NULL DEFAULT '',
    user_id           TEXT    NOT NULL DEFAULT '',
    creation_time     INTEGER NOT NULL,
    last_updated_time INTEGER NOT NULL,
    PRIMARY KEY (model_id, version)
) WITHOUT ROWID;

CREATE TABLE model_version_tags (
    model_id INTEGER NOT NULL,
    version  INTEGER NOT NULL,
    key      TEXT    NOT NULL,
    value    TEXT    NOT NULL,
    PRIMARY KEY (model_id, version, key),
    FOREIGN KEY (model_id, version) REFERENCES model_versions(model_id, version) ON DELETE CASCADE
) WITHOUT ROWID;

CREATE TABLE model_aliases (
    model_id INTEGER NOT NULL REFERENCES registered_models(id) ON DELETE CASCADE,
    alias    TEXT    NOT NULL,
    version  INTEGER NOT NULL,
    PRIMARY KEY (model_id, alias)
) WITHOUT ROWID;

-- Generic lineage: "dataset:12 -> run:34 (input)", "run:34 -> model_version:5:1 (produced)".
CREATE TABLE lineage (
    from_kind TEXT    NOT NULL,
    from_id   TEXT    NOT NULL,
    to_kind   TEXT    NOT NULL,
    to_id     TEXT    NOT NULL,
    kind      TEXT    NOT NULL,
    created   INTEGER NOT NULL,
    PRIMARY KEY (from_kind, from_id, to_kind, to_id, kind)
) WITHOUT ROWID;
CREATE INDEX lineage_to ON lineage (to_kind, to_id);

-- Append-only audit trail and change feed, written in the same transaction as
-- the change it records. Readers follow it by id.
CREATE TABLE events (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    time    INTEGER NOT NULL,
    kind    TEXT    NOT NULL,   -- e.g. run.created, metrics.logged
    entity  TEXT    NOT NULL,   -- e.g. run:<uuid>
    payload TEXT    NOT NULL DEFAULT '{}'
);
CREATE TRIGGER events_append_only_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
CREATE TRIGGER events_append_only_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
