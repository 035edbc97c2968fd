package store

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Disk hygiene: GC hard-deletes deleted runs and removes bytes nothing
// references, DiskUsage says where the space goes; OpenBlob makes
// sure an opened object is the store's own file.

// DefaultOrphanAge is how old an unrecorded file under objects/ must be
// before GC removes it: younger ones may belong to an upload in flight.
const DefaultOrphanAge = time.Hour

const (
	gcChunk       = 500   // objects or rows handled per write transaction
	gcMetricChunk = 50000 // metric points deleted per write transaction
	gcTrashPrefix = "gc-trash-"
)

// GCOptions tune GC. The zero value purges every deleted run and removes
// unreferenced bytes older than DefaultOrphanAge.
type GCOptions struct {
	// DryRun reports what would be freed and changes nothing.
	DryRun bool
	// OlderThan purges only runs deleted at least this long ago by the
	// store's clock. Zero purges every deleted run.
	OlderThan time.Duration
	// OrphanAge protects files under objects/ that no blob row names, and
	// partial uploads in objects/tmp: they go only when older than this.
	// Zero means DefaultOrphanAge.
	OrphanAge time.Duration
	// Settle is how long GC keeps unreferenced objects aside before removing
	// them, so that a write that found an object just before GC moved it
	// can still claim it (it is put back). Zero means one second; negative
	// means none.
	Settle time.Duration
	// Vacuum rewrites lathe.db afterwards so that the pages of deleted rows
	// return to the file system. It needs free space as large as the file.
	Vacuum bool
	// Now is the wall clock that file ages are measured by; file systems
	// stamp files with it, not with the store's clock. Nil means time.Now.
	Now func() time.Time
	// Progress, when set, is called from GC's goroutine as it advances.
	Progress func(GCProgress)

	metricChunk int // points deleted per transaction; tests lower it
}

// GCProgress says how far GC has come in one phase.
type GCProgress struct {
	Phase       string // "runs", "blobs", "orphans", "sweep" or "vacuum"
	Done, Total int
}

// GCReport is what GC freed or, for a dry run, would free.
type GCReport struct {
	DryRun        bool
	RunsPurged    int
	RunsKept      []string // deleted runs kept because a model version uses them
	MetricPoints  int64
	ArtifactFiles int64
	Blobs         int // unreferenced objects removed
	InputDirs     int // inputs/ directories of dataset versions that no longer exist
	BlobBytes     int64
	OrphanFiles   int // files under objects/ that no blob row names
	OrphanBytes   int64
	TempFiles     int // stale partial uploads in objects/tmp
	TempBytes     int64
	Restored      int   // objects put back because a write claimed them meanwhile
	DBBytesBefore int64 // lathe.db (with -wal) before and after, with Vacuum
	DBBytesAfter  int64
	Problems      []string // what GC found wrong and left alone
}

// BytesFreed is the space returned outside lathe.db (see DB bytes for it).
func (r *GCReport) BytesFreed() int64 { return r.BlobBytes + r.OrphanBytes + r.TempBytes }

type gcRun struct {
	rid  int64
	uuid string
	kept bool
}

// GC frees the disk of deleted runs and of bytes nothing references. It
// hard-deletes runs in the deleted stage with their metric points, params,
// tags, inputs, lineage edges and artifact records (the audit events stay),
// then removes objects whose reference count is zero, files under objects/
// that no blob row names and stale partial uploads. Runs a model version
// refers to are kept. Objects are moved aside inside write transactions and
// removed after Settle, so GC never takes bytes from a concurrent write.
func (s *Store) GC(ctx context.Context, opt GCOptions) (rep *GCReport, err error) {
	if opt.OrphanAge <= 0 {
		opt.OrphanAge = DefaultOrphanAge
	}
	if opt.Settle == 0 {
		opt.Settle = time.Second
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.metricChunk <= 0 {
		opt.metricChunk = gcMetricChunk
	}
	progress := func(phase string, done, total int) {
		if opt.Progress != nil {
			opt.Progress(GCProgress{phase, done, total})
		}
	}
	rep = &GCReport{DryRun: opt.DryRun}
	cutoff := int64(math.MaxInt64)
	if opt.OlderThan > 0 {
		cutoff = s.Now() - opt.OlderThan.Milliseconds()
	}
	runs, err := s.gcCandidates(ctx, cutoff)
	if err != nil {
		return nil, err
	}
	for _, c := range runs {
		if c.kept {
			rep.RunsKept = append(rep.RunsKept, c.uuid)
		}
	}
	if opt.DryRun {
		return rep, s.gcPlan(ctx, cutoff, runs, opt, rep)
	}
	for i, c := range runs {
		progress("runs", i, len(runs))
		if c.kept {
			continue
		}
		if err := s.purgeRun(ctx, c, opt.metricChunk, rep); err != nil {
			return rep, err
		}
	}
	progress("runs", len(runs), len(runs))
	objects := filepath.Join(s.dir, ObjectsDir)
	trash, err := os.MkdirTemp(objects, gcTrashPrefix)
	if err != nil {
		return rep, fmt.Errorf("gc: %w", err)
	}
	defer func() {
		if err != nil {
			gcUndo(s, trash) // interrupted: objects go home; a later GC removes them safely
		}
	}()
	progress("blobs", 0, 0)
	if err := s.gcBlobs(ctx, trash, rep); err != nil {
		return rep, err
	}
	if err := s.gcOrphans(ctx, opt, trash, rep, progress); err != nil {
		return rep, err
	}
	if opt.Settle > 0 {
		select {
		case <-time.After(opt.Settle):
		case <-ctx.Done():
			return rep, ctx.Err()
		}
	}
	if err := s.gcSweep(ctx, trash, opt, rep, progress); err != nil {
		return rep, err
	}
	if err := s.gcInputs(ctx, rep); err != nil {
		return rep, err
	}
	err = s.write(ctx, func(tx *Tx) error {
		return tx.event("store.gc", "store", jsonObj("runs", rep.RunsPurged, "metric_points", rep.MetricPoints,
			"artifact_files", rep.ArtifactFiles, "blobs", rep.Blobs, "orphans", rep.OrphanFiles,
			"temp_files", rep.TempFiles, "bytes_freed", rep.BytesFreed()))
	})
	if err != nil {
		return rep, err
	}
	if opt.Vacuum {
		progress("vacuum", 0, 1)
		rep.DBBytesBefore = s.dbBytes()
		if _, err := s.wdb.ExecContext(ctx, "VACUUM"); err != nil {
			return rep, fmt.Errorf("gc: vacuum: %w", err)
		}
		if _, err := s.wdb.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
			return rep, fmt.Errorf("gc: checkpoint: %w", err)
		}
		rep.DBBytesAfter = s.dbBytes()
		progress("vacuum", 1, 1)
	}
	return rep, nil
}

// purgeWhere selects the runs GC may hard-delete; ?1 is the deleted-before
// cutoff. A run whose import is under way is hidden as deleted until it is
// complete (store/import.go): it is not garbage.
const purgeWhere = `r.lifecycle_stage = 'deleted' AND coalesce(r.deleted_time, 0) <= ?1
	AND NOT EXISTS (SELECT 1 FROM model_versions mv WHERE mv.run_id = r.id)
	AND NOT EXISTS (SELECT 1 FROM tags t WHERE t.run_id = r.id AND t.key = '` + TagImportIncomplete + `')`

func (s *Store) gcCandidates(ctx context.Context, cutoff int64) ([]gcRun, error) {
	rows, err := s.rdb.QueryContext(ctx, `SELECT r.id, r.uuid, EXISTS (SELECT 1 FROM model_versions mv WHERE mv.run_id = r.id)
		FROM runs r WHERE r.lifecycle_stage = 'deleted' AND coalesce(r.deleted_time, 0) <= ?
		AND NOT EXISTS (SELECT 1 FROM tags t WHERE t.run_id = r.id AND t.key = '`+TagImportIncomplete+`') ORDER BY r.id`, cutoff)
	if err != nil {
		return nil, fmt.Errorf("gc: list deleted runs: %w", err)
	}
	defer rows.Close()
	var out []gcRun
	for rows.Next() {
		var c gcRun
		if err := rows.Scan(&c.rid, &c.uuid, &c.kept); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// gcPlan fills a dry run's report from queries and a scan, changing nothing.
func (s *Store) gcPlan(ctx context.Context, cutoff int64, runs []gcRun, opt GCOptions, rep *GCReport) error {
	for _, c := range runs {
		if !c.kept {
			rep.RunsPurged++
		}
	}
	err := s.rdb.QueryRowContext(ctx, `SELECT
		(SELECT coalesce(sum(m.count), 0) FROM metric_summary m JOIN runs r ON r.id = m.run_id WHERE `+purgeWhere+`),
		(SELECT count(*) FROM artifacts a JOIN runs r ON r.id = a.run_id WHERE `+purgeWhere+`)`, cutoff).
		Scan(&rep.MetricPoints, &rep.ArtifactFiles)
	if err != nil {
		return fmt.Errorf("gc: plan: %w", err)
	}
	rows, err := s.rdb.QueryContext(ctx, `WITH gone AS (SELECT a.hash, count(*) AS n FROM artifacts a JOIN runs r ON r.id = a.run_id
			WHERE `+purgeWhere+` GROUP BY a.hash)
		SELECT b.hash FROM blobs b LEFT JOIN gone g ON g.hash = b.hash
		WHERE b.location = 'local' AND b.refcount - coalesce(g.n, 0) <= 0`, cutoff)
	if err != nil {
		return fmt.Errorf("gc: plan: %w", err)
	}
	hashes, err := scanStrings(rows)
	if err != nil {
		return err
	}
	for _, h := range hashes {
		rep.Blobs++
		if p, err := s.blobPath(h); err == nil {
			if fi, err := os.Lstat(p); err == nil {
				rep.BlobBytes += fi.Size()
			}
		}
	}
	return s.gcOrphans(ctx, opt, "", rep, func(string, int, int) {})
}

// purgeRun hard-deletes one run: its metric points a chunk per transaction
// (so the writer is never held for long), then the rest in one. Each
// transaction first checks the run is still deleted, so a run restored
// meanwhile keeps what it has left.
func (s *Store) purgeRun(ctx context.Context, c gcRun, chunk int, rep *GCReport) error {
	for {
		var points, files int64
		var done, purged bool
		err := s.write(ctx, func(tx *Tx) error {
			points, files, done, purged = 0, 0, true, false
			var stage string
			var kept bool
			err := tx.queryRow(`SELECT lifecycle_stage, EXISTS (SELECT 1 FROM model_versions WHERE run_id = ?1) FROM runs WHERE id = ?1 AND uuid = ?2`,
				c.rid, c.uuid).Scan(&stage, &kept)
			if isNoRows(err) || err == nil && (stage != StageDeleted || kept) {
				return nil
			}
			if err != nil {
				return err
			}
			res, err := tx.exec(`DELETE FROM metrics WHERE run_id = ?1 AND (key_id, step, ts, value, is_nan) IN
				(SELECT key_id, step, ts, value, is_nan FROM metrics WHERE run_id = ?1 LIMIT ?2)`, c.rid, chunk)
			if err != nil {
				return fmt.Errorf("gc: delete metrics of run %s: %w", c.uuid, err)
			}
			if points, _ = res.RowsAffected(); points == int64(chunk) {
				done = false
				return nil
			}
			rows, err := tx.tx.QueryContext(tx.ctx, `DELETE FROM artifacts WHERE run_id = ? RETURNING hash`, c.rid)
			if err != nil {
				return fmt.Errorf("gc: delete artifacts of run %s: %w", c.uuid, err)
			}
			hashes, err := scanStrings(rows)
			if err != nil {
				return err
			}
			for _, h := range hashes {
				if err := tx.unrefBlob(h); err != nil {
					return err
				}
			}
			files = int64(len(hashes))
			if _, err := tx.exec(`DELETE FROM lineage WHERE from_kind = 'run' AND from_id = ?1 OR to_kind = 'run' AND to_id = ?1`, c.uuid); err != nil {
				return fmt.Errorf("gc: delete lineage of run %s: %w", c.uuid, err)
			}
			if _, err := tx.exec(`DELETE FROM runs WHERE id = ?`, c.rid); err != nil {
				if isConstraint(err) {
					return errReferenced{err}
				}
				return fmt.Errorf("gc: delete run %s: %w", c.uuid, err)
			}
			purged = true
			return tx.event("run.purged", "run:"+c.uuid, jsonObj("artifact_files", files))
		})
		var ref errReferenced
		if errors.As(err, &ref) {
			rep.RunsKept = append(rep.RunsKept, c.uuid)
			rep.Problems = append(rep.Problems, fmt.Sprintf("run %s is still referenced (%v); kept", c.uuid, ref.err))
			return nil
		}
		if err != nil {
			return err
		}
		rep.MetricPoints += points
		rep.ArtifactFiles += files
		if purged {
			rep.RunsPurged++
		}
		if done {
			return nil
		}
	}
}

// errReferenced is a run another table still refers to without a cascade.
type errReferenced struct{ err error }

func (e errReferenced) Error() string { return e.err.Error() }

// gcBlobs drops blob rows no longer referenced and moves their objects into
// trash/blob, inside the transaction that drops the row.
func (s *Store) gcBlobs(ctx context.Context, trash string, rep *GCReport) error {
	dst := filepath.Join(trash, "blob")
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return fmt.Errorf("gc: %w", err)
	}
	after := ""
	for {
		var n int
		var last string
		var problems []string
		err := s.write(ctx, func(tx *Tx) error {
			problems = nil
			rows, err := tx.tx.QueryContext(tx.ctx, `SELECT hash FROM blobs WHERE refcount <= 0 AND location = 'local' AND hash > ? ORDER BY hash LIMIT ?`, after, gcChunk)
			if err != nil {
				return err
			}
			hashes, err := scanStrings(rows)
			if err != nil {
				return err
			}
			n, last = len(hashes), ""
			for _, h := range hashes {
				last = h
				if _, err := tx.exec(`DELETE FROM blobs WHERE hash = ? AND refcount <= 0`, h); err != nil {
					if !isConstraint(err) {
						return err
					}
					// An artifact row still names it: the refcount is wrong.
					problems = append(problems, fmt.Sprintf("blob %s has refcount 0 but is still referenced; kept", h))
					continue
				}
				src, _ := s.blobPath(h)
				if err := os.Rename(src, filepath.Join(dst, strings.TrimPrefix(h, "sha256:"))); err != nil && !errors.Is(err, fs.ErrNotExist) {
					return fmt.Errorf("gc: move %s aside: %w", h, err)
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		rep.Problems = append(rep.Problems, problems...)
		if n < gcChunk {
			return nil
		}
		after = last
	}
}

func isConstraint(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_CONSTRAINT
}
