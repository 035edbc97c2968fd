-- 0002: jobs, the processes that do a run's work (runner/). A job is not a
-- run: a run is what was tracked, a job is where and how it ran; a job may
-- have no run (a model server) and a run may have no job (logged by a client).
-- A restarted lathe finds its jobs here; recovery marks those whose process
-- and supervisor are gone as LOST and their RUNNING run as FAILED.

CREATE TABLE jobs (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    backend          TEXT    NOT NULL,               -- runner backend: local, ssh, slurm, ...
    host             TEXT    NOT NULL DEFAULT '',    -- where the job runs
    pid              INTEGER,                        -- process (group) id on host; NULL for schedulers
    scheduler_id     TEXT    NOT NULL DEFAULT '',    -- e.g. the Slurm job id
    supervisor_host  TEXT    NOT NULL DEFAULT '',    -- the lathe process that watches the job
    supervisor_pid   INTEGER,
    run_id           INTEGER REFERENCES runs(id) ON DELETE SET NULL,
    command          TEXT    NOT NULL DEFAULT '[]',  -- JSON argv
    workdir          TEXT    NOT NULL DEFAULT '',
    status           TEXT    NOT NULL DEFAULT 'STARTING'
                     CHECK (status IN ('STARTING', 'RUNNING', 'EXITED', 'KILLED', 'FAILED', 'LOST')),
    exit_code        INTEGER,                        -- NULL until it ended; -1 when a signal ended it
    signal           INTEGER,                        -- the signal that ended it
    error            TEXT    NOT NULL DEFAULT '',    -- why it failed to start or was lost
    log_path         TEXT    NOT NULL DEFAULT '',
    log_offset       INTEGER NOT NULL DEFAULT 0,     -- log bytes already read for directives
    cancel_requested INTEGER NOT NULL DEFAULT 0,
    heartbeat        INTEGER,                        -- last sign of life from the supervisor (Unix ms)
    created          INTEGER NOT NULL,
    started          INTEGER,
    ended            INTEGER
);
CREATE INDEX jobs_active ON jobs (status) WHERE status IN ('STARTING', 'RUNNING');
CREATE INDEX jobs_run ON jobs (run_id);
