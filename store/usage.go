package store

import (
	"context"
	"fmt"
	"io/fs"
	"path/filepath"
)

// Usage is what a store's disk holds, for `lathe du`.
type Usage struct {
	DBBytes     int64 // lathe.db with its -wal and -shm files
	DBFreeBytes int64 // free pages inside lathe.db that a vacuum would return
	// Tables holds bytes per table and index (with UsageOptions.Tables).
	Tables            []TableUsage
	ObjectsBytes      int64 // every file under objects/, as the disk has them
	ObjectFiles       int64
	BlobBytes         int64 // referenced objects, as recorded
	Blobs             int64
	UnreferencedBytes int64 // recorded objects nothing references (gc frees them)
	Unreferenced      int64
	TempBytes         int64 // partial uploads in objects/tmp
	TempFiles         int64
	Experiments       []ExperimentUsage
	Runs              []RunUsage // the runs using the most space, largest first
	RunCount          int        // all runs, of which Runs lists the top
}

// TableUsage is the space one table or index takes in lathe.db.
type TableUsage struct {
	Name  string
	Bytes int64
}

// ExperimentUsage totals an experiment's runs. Artifact bytes count each
// run's files; equal content is stored once, so the disk may hold less.
type ExperimentUsage struct {
	ID                           int64
	Name, Stage                  string
	Runs, DeletedRuns            int64
	ArtifactFiles, ArtifactBytes int64
	MetricPoints                 int64
}

// RunUsage is one run's share.
type RunUsage struct {
	ID, Name, Stage              string
	ExperimentID                 int64
	ArtifactFiles, ArtifactBytes int64
	MetricPoints                 int64
}

// UsageOptions tune DiskUsage.
type UsageOptions struct {
	// TopRuns bounds Usage.Runs (default 20; negative: every run).
	TopRuns int
	// Tables measures every table and index (SQLite's dbstat reads the
	// whole database file, so this is slow on a large store).
	Tables bool
}

// usageWith sums artifacts and metric points per run.
const usageWith = `WITH a AS (SELECT run_id, count(*) AS n, sum(size) AS bytes FROM artifacts GROUP BY run_id),
	m AS (SELECT run_id, sum(count) AS points FROM metric_summary GROUP BY run_id) `

// DiskUsage reports where a store's space goes: the database, the objects
// directory, and per experiment and run the artifact bytes and metric
// points. It only reads.
func (s *Store) DiskUsage(ctx context.Context, opt UsageOptions) (*Usage, error) {
	if opt.TopRuns == 0 {
		opt.TopRuns = 20
	}
	u := &Usage{DBBytes: s.dbBytes()}
	err := s.rdb.QueryRowContext(ctx, `SELECT (SELECT freelist_count FROM pragma_freelist_count) * (SELECT page_size FROM pragma_page_size),
		(SELECT count(*) FROM runs),
		(SELECT count(*) FROM blobs WHERE refcount > 0), (SELECT coalesce(sum(size), 0) FROM blobs WHERE refcount > 0),
		(SELECT count(*) FROM blobs WHERE refcount <= 0), (SELECT coalesce(sum(size), 0) FROM blobs WHERE refcount <= 0)`).
		Scan(&u.DBFreeBytes, &u.RunCount, &u.Blobs, &u.BlobBytes, &u.Unreferenced, &u.UnreferencedBytes)
	if err != nil {
		return nil, fmt.Errorf("disk usage: %w", err)
	}
	objects := filepath.Join(s.dir, ObjectsDir)
	err = filepath.WalkDir(objects, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		if fi, err := d.Info(); err == nil {
			u.ObjectFiles++
			u.ObjectsBytes += fi.Size()
			if filepath.Base(filepath.Dir(p)) == "tmp" && filepath.Dir(filepath.Dir(p)) == objects {
				u.TempFiles++
				u.TempBytes += fi.Size()
			}
		}
		return ctx.Err()
	})
	if err != nil {
		return nil, err
	}
	rows, err := s.rdb.QueryContext(ctx, usageWith+`SELECT e.id, e.name, e.lifecycle_stage,
		count(r.id), count(r.id) FILTER (WHERE r.lifecycle_stage = 'deleted'),
		coalesce(sum(a.n), 0), coalesce(sum(a.bytes), 0), coalesce(sum(m.points), 0)
		FROM experiments e LEFT JOIN runs r ON r.experiment_id = e.id
		LEFT JOIN a ON a.run_id = r.id LEFT JOIN m ON m.run_id = r.id
		GROUP BY e.id ORDER BY e.id`)
	if err != nil {
		return nil, fmt.Errorf("disk usage: %w", err)
	}
	for rows.Next() {
		var e ExperimentUsage
		if err := rows.Scan(&e.ID, &e.Name, &e.Stage, &e.Runs, &e.DeletedRuns, &e.ArtifactFiles, &e.ArtifactBytes, &e.MetricPoints); err != nil {
			rows.Close()
			return nil, err
		}
		u.Experiments = append(u.Experiments, e)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = s.rdb.QueryContext(ctx, usageWith+`SELECT r.uuid, r.name, r.lifecycle_stage, r.experiment_id,
		coalesce(a.n, 0), coalesce(a.bytes, 0), coalesce(m.points, 0)
		FROM runs r LEFT JOIN a ON a.run_id = r.id LEFT JOIN m ON m.run_id = r.id
		ORDER BY coalesce(a.bytes, 0) DESC, coalesce(m.points, 0) DESC, r.id LIMIT ?`, max(opt.TopRuns, -1))
	if err != nil {
		return nil, fmt.Errorf("disk usage: %w", err)
	}
	for rows.Next() {
		var r RunUsage
		if err := rows.Scan(&r.ID, &r.Name, &r.Stage, &r.ExperimentID, &r.ArtifactFiles, &r.ArtifactBytes, &r.MetricPoints); err != nil {
			rows.Close()
			return nil, err
		}
		u.Runs = append(u.Runs, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if opt.Tables {
		rows, err := s.rdb.QueryContext(ctx, `SELECT name, sum(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC, 1`)
		if err != nil {
			return nil, fmt.Errorf("disk usage: tables: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var t TableUsage
			if err := rows.Scan(&t.Name, &t.Bytes); err != nil {
				return nil, err
			}
			u.Tables = append(u.Tables, t)
		}
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return u, nil
}
