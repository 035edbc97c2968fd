-- 0004: a coarse level of detail per metric series, kept on write, so that a
-- long series can be drawn from a few thousand rows instead of all its points.
-- One row per 256 steps (bucket = step >> 8): the point count and the
-- minimum and maximum non-NaN points, each with its step and timestamp.
CREATE TABLE metric_lod (
    run_id    INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    key_id    INTEGER NOT NULL REFERENCES metric_keys(id),
    bucket    INTEGER NOT NULL,
    n         INTEGER NOT NULL,
    min_step  INTEGER NOT NULL,
    min_ts    INTEGER NOT NULL,
    min_value REAL    NOT NULL,
    max_step  INTEGER NOT NULL,
    max_ts    INTEGER NOT NULL,
    max_value REAL    NOT NULL,
    PRIMARY KEY (run_id, key_id, bucket)
) WITHOUT ROWID;

INSERT INTO metric_lod
SELECT run_id, key_id, b, n, mn_step, mn_ts, mn_value, mx_step, mx_ts, mx_value FROM (
    SELECT run_id, key_id, step >> 8 AS b,
        count(*) OVER part AS n,
        first_value(step)  OVER lo AS mn_step, first_value(ts) OVER lo AS mn_ts, first_value(value) OVER lo AS mn_value,
        first_value(step)  OVER hi AS mx_step, first_value(ts) OVER hi AS mx_ts, first_value(value) OVER hi AS mx_value,
        row_number() OVER lo AS rn
    FROM metrics WHERE is_nan = 0
    WINDOW part AS (PARTITION BY run_id, key_id, step >> 8),
           lo   AS (PARTITION BY run_id, key_id, step >> 8 ORDER BY value ASC, step ASC, ts ASC),
           hi   AS (PARTITION BY run_id, key_id, step >> 8 ORDER BY value DESC, step ASC, ts ASC)
) WHERE rn = 1;
