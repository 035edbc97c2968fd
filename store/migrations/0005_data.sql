-- 0005: lathe's own versioned datasets (`lathe data`). These are distinct
-- from 0001's `datasets`, which records what MLflow's log-inputs describes;
-- a lathe version used by a run is linked to such a row through `lineage`
-- (data_version -> run, kind "input").

CREATE TABLE data_sets (
    id           INTEGER PRIMARY KEY,
    name         TEXT    NOT NULL UNIQUE,
    created      INTEGER NOT NULL,
    updated      INTEGER NOT NULL,
    next_version INTEGER NOT NULL DEFAULT 1  -- numbers are never reused
);

-- One version: a set of files. digest is the SHA-256 (hex) of the version's
-- manifest (sorted "path\0sha256\n" lines), so the same bytes under the same
-- names are the same version. schema, profile and validation are JSON
-- written by monitor/ (the store does not interpret them).
CREATE TABLE data_versions (
    dataset_id  INTEGER NOT NULL REFERENCES data_sets(id) ON DELETE CASCADE,
    version     INTEGER NOT NULL,
    digest      TEXT    NOT NULL,
    format      TEXT    NOT NULL,
    message     TEXT    NOT NULL DEFAULT '',
    source      TEXT    NOT NULL DEFAULT '',   -- the path it was added from
    rows        INTEGER NOT NULL DEFAULT -1,   -- -1: unknown
    size        INTEGER NOT NULL DEFAULT 0,    -- bytes over all files
    schema      TEXT    NOT NULL DEFAULT '',
    profile     TEXT    NOT NULL DEFAULT '',
    validation  TEXT    NOT NULL DEFAULT '',
    validation_status TEXT NOT NULL DEFAULT ''
                CHECK (validation_status IN ('', 'passed', 'failed')),
    created     INTEGER NOT NULL,
    PRIMARY KEY (dataset_id, version)
) WITHOUT ROWID;
CREATE INDEX data_versions_digest ON data_versions (digest);

CREATE TABLE data_files (
    dataset_id INTEGER NOT NULL,
    version    INTEGER NOT NULL,
    path       TEXT    NOT NULL,   -- relative, '/'-separated
    hash       TEXT    NOT NULL REFERENCES blobs(hash),
    size       INTEGER NOT NULL,
    PRIMARY KEY (dataset_id, version, path),
    FOREIGN KEY (dataset_id, version) REFERENCES data_versions(dataset_id, version) ON DELETE CASCADE
) WITHOUT ROWID;

CREATE TABLE data_aliases (
    dataset_id INTEGER NOT NULL REFERENCES data_sets(id) ON DELETE CASCADE,
    alias      TEXT    NOT NULL,
    version    INTEGER NOT NULL,
    PRIMARY KEY (dataset_id, alias)
) WITHOUT ROWID;
CREATE INDEX data_aliases_version ON data_aliases (dataset_id, version);
