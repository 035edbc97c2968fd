-- 0003: what the model registry needs beyond 0001's tables, and MLflow 3's
-- logged models (the model entities mlflow.<flavor>.log_model creates).

-- Version numbers are never reused: the next one is kept per model, so a
-- deleted NAME:3 never comes back as a different model.
ALTER TABLE registered_models ADD COLUMN next_version INTEGER NOT NULL DEFAULT 1;

-- MLflow's ModelVersion fields that 0001 lacks. storage_location is where
-- the version's files are (a runs:/ source resolved to the run's artifact
-- URI at registration); logged_model_id links an MLflow 3 logged model.
ALTER TABLE model_versions ADD COLUMN run_link         TEXT NOT NULL DEFAULT '';
ALTER TABLE model_versions ADD COLUMN status_message   TEXT NOT NULL DEFAULT '';
ALTER TABLE model_versions ADD COLUMN storage_location TEXT NOT NULL DEFAULT '';
ALTER TABLE model_versions ADD COLUMN logged_model_id  TEXT NOT NULL DEFAULT '';

CREATE INDEX model_versions_run ON model_versions (run_id);
CREATE INDEX model_aliases_version ON model_aliases (model_id, version);
CREATE INDEX registered_models_updated ON registered_models (last_updated_time);

-- Logged models: ids are MLflow's "m-<32 hex>"; deleting one is a soft delete.
CREATE TABLE logged_models (
    id                TEXT    PRIMARY KEY,
    experiment_id     INTEGER NOT NULL REFERENCES experiments(id),
    name              TEXT    NOT NULL,
    model_type        TEXT    NOT NULL DEFAULT '',
    source_run_id     INTEGER REFERENCES runs(id) ON DELETE SET NULL,
    status            TEXT    NOT NULL DEFAULT 'LOGGED_MODEL_PENDING'
                      CHECK (status IN ('LOGGED_MODEL_PENDING', 'LOGGED_MODEL_READY', 'LOGGED_MODEL_UPLOAD_FAILED')),
    status_message    TEXT    NOT NULL DEFAULT '',
    artifact_uri      TEXT    NOT NULL,
    lifecycle_stage   TEXT    NOT NULL DEFAULT 'active' CHECK (lifecycle_stage IN ('active', 'deleted')),
    creation_time     INTEGER NOT NULL,
    last_updated_time INTEGER NOT NULL
);
CREATE INDEX logged_models_experiment ON logged_models (experiment_id, creation_time DESC);
CREATE INDEX logged_models_run ON logged_models (source_run_id);

CREATE TABLE logged_model_params (
    model_id TEXT NOT NULL REFERENCES logged_models(id) ON DELETE CASCADE,
    key      TEXT NOT NULL,
    value    TEXT NOT NULL,
    PRIMARY KEY (model_id, key)
) WITHOUT ROWID;

CREATE TABLE logged_model_tags (
    model_id TEXT NOT NULL REFERENCES logged_models(id) ON DELETE CASCADE,
    key      TEXT NOT NULL,
    value    TEXT NOT NULL,
    PRIMARY KEY (model_id, key)
) WITHOUT ROWID;

-- A run's outputs (MLflow 3 runs/outputs): the logged models it produced, at a step.
CREATE TABLE run_outputs (
    run_id   INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    model_id TEXT    NOT NULL REFERENCES logged_models(id) ON DELETE CASCADE,
    step     INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (run_id, model_id)
) WITHOUT ROWID;
CREATE INDEX run_outputs_model ON run_outputs (model_id);
