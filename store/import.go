package store

import (
	"context"
	"fmt"
	"strings"
)

// Importing from another tracking store (store/mlflowimport) keeps the
// source's run ids, times, statuses and lifecycle stages, which the ordinary
// write methods never take from a caller. A run is imported in pieces so that
// a run of millions of points never holds the writer for long:
//
//	BeginRunImport   creates the run hidden (lifecycle "deleted") and marks it
//	                 with the tag TagImportIncomplete;
//	ImportRunData    adds params, tags, points and inputs in batches;
//	ImportArtifact   adds artifact files;
//	FinishRunImport  sets the run's real status, times and stage and removes
//	                 the mark, in one transaction.
//
// Every piece is idempotent (a point, param, tag, input or artifact already
// stored is not stored again), so an import that stopped half way is resumed
// by importing again: BeginRunImport reports the marked run as resumed and
// the pieces fill in what is missing. Until FinishRunImport, the run is out
// of every default listing and carries the mark, so a half-imported run is
// never mistaken for a whole one.

// TagImportIncomplete marks a run whose import has begun and not finished.
// Its value names the source.
const TagImportIncomplete = "lathe.import.incomplete"

// ImportedExperiment is an experiment as another tracking store holds it.
type ImportedExperiment struct {
	// PreferredID is kept as the experiment's id when no experiment has it;
	// negative means "any".
	PreferredID    int64
	Name           string
	LifecycleStage string // "active" (default) or "deleted"
	CreationTime   int64  // Unix ms; 0 means now
	LastUpdateTime int64
	Tags           []Tag
}

// ExperimentImport says what ImportExperiment did.
type ExperimentImport struct {
	ID        int64
	Created   bool // false: an experiment with the same name was reused
	TagsAdded int
}

// ImportExperiment finds the experiment named e.Name, or creates it with
// e's stage, times and (when free) id. Tags the experiment lacks are added;
// tags it has keep their values. Returns ErrInvalid for an empty name or a
// bad stage.
func (s *Store) ImportExperiment(ctx context.Context, e ImportedExperiment) (ExperimentImport, error) {
	var out ExperimentImport
	if strings.TrimSpace(e.Name) == "" {
		return out, invalid("experiment name must be a non-empty string")
	}
	stage, err := importStage(e.LifecycleStage)
	if err != nil {
		return out, err
	}
	err = s.write(ctx, func(tx *Tx) error {
		out = ExperimentImport{}
		err := tx.queryRow(`SELECT id FROM experiments WHERE name = ?`, e.Name).Scan(&out.ID)
		switch {
		case isNoRows(err):
			if out.ID, err = tx.insertImportedExperiment(e, stage); err != nil {
				return err
			}
			out.Created = true
		case err != nil:
			return fmt.Errorf("import experiment %q: %w", e.Name, err)
		}
		for _, t := range e.Tags {
			res, err := tx.exec(`INSERT INTO experiment_tags VALUES (?, ?, ?) ON CONFLICT DO NOTHING`, out.ID, t.Key, t.Value)
			if err != nil {
				return fmt.Errorf("import experiment tag %s: %w", t.Key, err)
			}
			n, _ := res.RowsAffected()
			out.TagsAdded += int(n)
		}
		if !out.Created && out.TagsAdded == 0 {
			return nil
		}
		return tx.event("experiment.imported", expEntity(out.ID), jsonObj("name", e.Name, "created", out.Created))
	})
	return out, err
}

func (t *Tx) insertImportedExperiment(e ImportedExperiment, stage string) (int64, error) {
	created, updated := e.CreationTime, e.LastUpdateTime
	if created <= 0 {
		created = t.now
	}
	if updated <= 0 {
		updated = created
	}
	var id any // NULL lets SQLite choose
	if e.PreferredID >= 0 {
		var taken int
		if err := t.queryRow(`SELECT count(*) FROM experiments WHERE id = ?`, e.PreferredID).Scan(&taken); err != nil {
			return 0, err
		}
		if taken == 0 {
			id = e.PreferredID
		}
	}
	res, err := t.exec(`INSERT INTO experiments (id, name, artifact_location, lifecycle_stage, creation_time, last_update_time)
		VALUES (?, ?, '', ?, ?, ?)`, id, e.Name, stage, created, updated)
	if err != nil {
		return 0, fmt.Errorf("import experiment %q: %w", e.Name, err)
	}
	return res.LastInsertId()
}

func importStage(s string) (string, error) {
	switch s {
	case "", StageActive:
		return StageActive, nil
	case StageDeleted:
		return StageDeleted, nil
	}
	return "", invalid("lifecycle stage %q (want active or deleted)", s)
}

// ImportedRun is a run's own fields as another tracking store holds them.
type ImportedRun struct {
	ID             string // kept: 32 lowercase hex digits
	ExperimentID   int64  // the lathe experiment (from ImportExperiment)
	Name           string
	Status         string // a RunStatus name; "" means RUNNING
	StartTime      int64  // Unix ms; 0 when unknown
	EndTime        int64  // 0 while running
	UserID         string
	Source         string
	LifecycleStage string // "active" (default) or "deleted"
	DeletedTime    int64  // for deleted runs; 0 means now
	// Origin names the source; it is the value of TagImportIncomplete while
	// the import runs, and goes into the run.imported event.
	Origin string
}

func (r *ImportedRun) check() error {
	if len(r.ID) != 32 || !isHex(r.ID) || strings.ToLower(r.ID) != r.ID {
		return invalid("run id %q is not 32 lowercase hex digits", r.ID)
	}
	switch r.Status {
	case "":
		r.Status = StatusRunning
	case StatusRunning, StatusScheduled, StatusFinished, StatusFailed, StatusKilled:
	default:
		return invalid("run %s: status %q (want RUNNING, SCHEDULED, FINISHED, FAILED or KILLED)", r.ID, r.Status)
	}
	stage, err := importStage(r.LifecycleStage)
	r.LifecycleStage = stage
	return err
}

// RunImportState says where BeginRunImport found a run.
type RunImportState int

const (
	// RunImportNew: the run did not exist; it was created, hidden and marked.
	RunImportNew RunImportState = iota
	// RunImportResumed: the run exists and is marked: an earlier import
	// stopped before finishing it. Its pieces are written again.
	RunImportResumed
	// RunImportRefresh: the run exists and is complete, but refresh was asked
	// for or the source has it RUNNING or SCHEDULED; it is marked (staying
	// visible) and its pieces are written again, adding what is missing.
	RunImportRefresh
	// RunImportComplete: the run exists, is not marked and has the source's
	// status, end time and stage: there is nothing to do.
	RunImportComplete
)

// BeginRunImport starts importing r. A run that already exists is left as it
// is when it is complete and unchanged, unless refresh is set or the source
// still has it RUNNING or SCHEDULED (it may have grown): then it is marked
// and its pieces are written again, which adds only what is missing. Returns
// ErrNotFound for an unknown experiment, ErrInvalid for a malformed run.
func (s *Store) BeginRunImport(ctx context.Context, r ImportedRun, refresh bool) (RunImportState, error) {
	if err := r.check(); err != nil {
		return 0, err
	}
	var state RunImportState
	err := s.write(ctx, func(tx *Tx) error {
		var rid, end int64
		var status, stage string
		err := tx.queryRow(`SELECT id, status, lifecycle_stage, coalesce(end_time, 0) FROM runs WHERE uuid = ?`, r.ID).
			Scan(&rid, &status, &stage, &end)
		if isNoRows(err) {
			state = RunImportNew
			return tx.insertImportedRun(r)
		}
		if err != nil {
			return fmt.Errorf("import run %s: %w", r.ID, err)
		}
		if marked, err := tx.importMarked(rid); err != nil || marked {
			state = RunImportResumed
			return err
		}
		live := r.Status == StatusRunning || r.Status == StatusScheduled
		if !refresh && !live && status == r.Status && stage == r.LifecycleStage && end == r.EndTime {
			state = RunImportComplete
			return nil
		}
		state = RunImportRefresh
		_, err = tx.exec(qSetTag, rid, TagImportIncomplete, r.Origin)
		return err
	})
	return state, err
}

func (t *Tx) insertImportedRun(r ImportedRun) error {
	if _, err := t.experimentStage(r.ExperimentID); err != nil {
		return err
	}
	res, err := t.exec(`INSERT INTO runs (uuid, experiment_id, name, status, start_time, end_time, user_id, source,
			artifact_uri, lifecycle_stage, deleted_time)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'deleted', ?)`,
		r.ID, r.ExperimentID, r.Name, r.Status, nullMS(r.StartTime), nullMS(r.EndTime), r.UserID, r.Source,
		artifactURI(r.ExperimentID, r.ID), t.now)
	if err != nil {
		return fmt.Errorf("import run %s: %w", r.ID, err)
	}
	rid, _ := res.LastInsertId()
	if _, err := t.exec(qSetTag, rid, TagImportIncomplete, r.Origin); err != nil {
		return fmt.Errorf("import run %s: %w", r.ID, err)
	}
	return t.event("run.import_started", "run:"+r.ID, jsonObj("experiment_id", r.ExperimentID, "origin", r.Origin))
}

func nullMS(ms int64) any {
	if ms == 0 {
		return nil
	}
	return ms
}

func (t *Tx) importMarked(rid int64) (bool, error) {
	var n int
	err := t.queryRow(`SELECT count(*) FROM tags WHERE run_id = ? AND key = ?`, rid, TagImportIncomplete).Scan(&n)
	return n > 0, err
}

// importingRun returns the internal id of a run marked as being imported.
func (t *Tx) importingRun(id string) (int64, error) {
	rid, _, err := t.runStage(id)
	if err != nil {
		return 0, err
	}
	marked, err := t.importMarked(rid)
	if err != nil {
		return 0, err
	}
	if !marked {
		return 0, badState("run %s is not being imported (call BeginRunImport first)", id)
	}
	return rid, nil
}

// FinishRunImport gives a run being imported the source's status, times,
// name, user and stage, and removes the mark, in one transaction: until it
// commits the run stays hidden and marked. dataChanged tells it that the
// import created the run or added data to it; changed reports that or a
// change of the run's own fields, and only then is run.imported recorded.
// Returns ErrInvalidState when the run is not being imported.
func (s *Store) FinishRunImport(ctx context.Context, r ImportedRun, dataChanged bool) (changed bool, err error) {
	if err := r.check(); err != nil {
		return false, err
	}
	err = s.write(ctx, func(tx *Tx) error {
		rid, err := tx.importingRun(r.ID)
		if err != nil {
			return err
		}
		var before string
		if err := tx.queryRow(qImportRow, rid).Scan(&before); err != nil {
			return err
		}
		var deleted any
		if r.LifecycleStage == StageDeleted {
			deleted = r.DeletedTime
			if r.DeletedTime <= 0 {
				deleted = tx.now
			}
		}
		if _, err := tx.exec(`UPDATE runs SET status = ?1, start_time = ?2, end_time = ?3, lifecycle_stage = ?4, deleted_time = ?5,
				user_id = CASE WHEN ?6 = '' THEN user_id ELSE ?6 END, source = CASE WHEN ?7 = '' THEN source ELSE ?7 END,
				name = CASE WHEN ?8 = '' THEN name ELSE ?8 END
			WHERE id = ?9`,
			r.Status, nullMS(r.StartTime), nullMS(r.EndTime), r.LifecycleStage, deleted, r.UserID, r.Source, r.Name, rid); err != nil {
			return fmt.Errorf("finish import of run %s: %w", r.ID, err)
		}
		if _, err := tx.exec(`DELETE FROM tags WHERE run_id = ? AND key = ?`, rid, TagImportIncomplete); err != nil {
			return err
		}
		var after string
		if err := tx.queryRow(qImportRow, rid).Scan(&after); err != nil {
			return err
		}
		changed = before != after || dataChanged
		if !changed {
			return nil
		}
		return tx.event("run.imported", "run:"+r.ID, jsonObj("origin", r.Origin, "status", r.Status, "lifecycle_stage", r.LifecycleStage))
	})
	return changed, err
}

// qImportRow is a run's importable fields as one string, to tell whether
// FinishRunImport changed anything. deleted_time is left out: it differs
// between a hidden run and a finished one even when both are deleted.
const qImportRow = `SELECT json_array(status, start_time, end_time, lifecycle_stage, user_id, source, name) FROM runs WHERE id = ?`
