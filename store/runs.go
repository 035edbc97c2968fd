package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"
	"unicode/utf8"
)

// NewRunID returns a fresh run id in MLflow's form: a UUID4 as 32 hex digits.
func NewRunID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return hex.EncodeToString(b[:])
}

// RunCreate describes a new run. Zero fields take MLflow's defaults: the
// default experiment, now as start time, a generated name.
type RunCreate struct {
	ExperimentID int64
	Name         string
	StartTime    int64
	UserID       string
	Host         string
	Source       string
	Tags         []Tag
}

// CreateRun starts a RUNNING run. Returns ErrNotFound for an unknown
// experiment and ErrInvalidState for a deleted one.
func (s *Store) CreateRun(ctx context.Context, rc RunCreate) (*Run, error) {
	id := NewRunID()
	for _, t := range rc.Tags {
		if err := ValidateTag(t); err != nil {
			return nil, err
		}
		switch t.Key {
		case TagRunName:
			if rc.Name == "" {
				rc.Name = t.Value
			} else if rc.Name != t.Value {
				return nil, invalid("run name %q and tag %s %q disagree", rc.Name, TagRunName, t.Value)
			}
		case TagUser:
			if rc.UserID == "" {
				rc.UserID = t.Value
			}
		case TagSource:
			if rc.Source == "" {
				rc.Source = t.Value
			}
		}
	}
	if rc.Name == "" {
		rc.Name = runName(id)
	}
	if utf8.RuneCountInString(rc.Name) > MaxRunNameLength {
		return nil, invalid("run name is over %d characters", MaxRunNameLength)
	}
	err := s.write(ctx, func(tx *Tx) error {
		stage, err := tx.experimentStage(rc.ExperimentID)
		if err != nil {
			return err
		}
		if stage != StageActive {
			return badState("experiment %d is deleted: restore it before creating runs in it", rc.ExperimentID)
		}
		start := rc.StartTime
		if start == 0 {
			start = tx.now
		}
		res, err := tx.exec(`INSERT INTO runs (uuid, experiment_id, name, status, start_time, user_id, host, source, artifact_uri)
			VALUES (?, ?, ?, 'RUNNING', ?, ?, ?, ?, ?)`,
			id, rc.ExperimentID, rc.Name, start, rc.UserID, rc.Host, rc.Source, artifactURI(rc.ExperimentID, id))
		if err != nil {
			return fmt.Errorf("insert run: %w", err)
		}
		rid, _ := res.LastInsertId()
		tags := append([]Tag{{TagRunName, rc.Name}}, rc.Tags...)
		if rc.UserID != "" {
			tags = append(tags, Tag{TagUser, rc.UserID})
		}
		if rc.Source != "" {
			tags = append(tags, Tag{TagSource, rc.Source})
		}
		for _, t := range tags {
			if err := tx.setTag(rid, t.Key, t.Value); err != nil {
				return err
			}
		}
		return tx.event("run.created", "run:"+id, jsonObj("experiment_id", rc.ExperimentID, "name", rc.Name))
	})
	if err != nil {
		return nil, err
	}
	return s.GetRun(ctx, id)
}

func artifactURI(exp int64, run string) string {
	return fmt.Sprintf("mlflow-artifacts:/%d/%s/artifacts", exp, run)
}

// runName makes a readable default name from the id, like MLflow's
// adjective-noun-number names but deterministic.
func runName(id string) string {
	adjs := []string{"amber", "brisk", "calm", "deft", "eager", "fair", "gentle", "hardy", "keen", "lucid", "mellow", "nimble", "proud", "quiet", "rapid", "sly"}
	nouns := []string{"ash", "birch", "cedar", "elm", "fir", "hazel", "larch", "maple", "oak", "pine", "rowan", "spruce", "teak", "willow", "yew", "alder"}
	b, _ := hex.DecodeString(id[:6])
	return fmt.Sprintf("%s-%s-%d", adjs[b[0]%16], nouns[b[1]%16], int(b[2])%1000)
}

const runCols = `r.id, r.uuid, r.experiment_id, r.name, r.status, coalesce(r.start_time, 0), coalesce(r.end_time, 0),
	r.user_id, r.host, r.source, r.notes, r.artifact_uri, r.lifecycle_stage`

func scanRun(row interface{ Scan(...any) error }) (int64, *Run, error) {
	var r Run
	var rid int64
	err := row.Scan(&rid, &r.ID, &r.ExperimentID, &r.Name, &r.Status, &r.StartTime, &r.EndTime,
		&r.UserID, &r.Host, &r.Source, &r.Notes, &r.ArtifactURI, &r.LifecycleStage)
	return rid, &r, err
}

// GetRun returns a run with its params, tags, metric summaries and inputs.
// Returns ErrNotFound for an unknown id.
func (s *Store) GetRun(ctx context.Context, id string) (*Run, error) {
	rid, r, err := scanRun(s.rdb.QueryRowContext(ctx, `SELECT `+runCols+` FROM runs r WHERE r.uuid = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("no run with id %q", id)
	}
	if err != nil {
		return nil, fmt.Errorf("get run %s: %w", id, err)
	}
	if err := s.hydrate(ctx, []int64{rid}, []*Run{r}); err != nil {
		return nil, err
	}
	return r, nil
}

// ResolveRun finds a run by full id, unique id prefix (at least 4 hex
// digits) or exact name. Ambiguous references return ErrInvalid listing
// the candidates.
func (s *Store) ResolveRun(ctx context.Context, ref string) (*Run, error) {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return nil, invalid("empty run reference")
	}
	if r, err := s.GetRun(ctx, strings.ToLower(ref)); err == nil || !errors.Is(err, ErrNotFound) {
		return r, err
	}
	var cands []string
	if len(ref) >= 4 && isHex(ref) {
		lo := strings.ToLower(ref)
		rows, err := s.rdb.QueryContext(ctx, `SELECT uuid FROM runs WHERE uuid >= ? AND uuid < ? LIMIT 6`, lo, lo+"g")
		if err != nil {
			return nil, fmt.Errorf("resolve run %q: %w", ref, err)
		}
		cands, err = scanStrings(rows)
		if err != nil {
			return nil, err
		}
	}
	if len(cands) == 0 {
		rows, err := s.rdb.QueryContext(ctx, `SELECT uuid FROM runs WHERE name = ? ORDER BY lifecycle_stage = 'active' DESC, start_time DESC LIMIT 6`, ref)
		if err != nil {
			return nil, fmt.Errorf("resolve run %q: %w", ref, err)
		}
		if cands, err = scanStrings(rows); err != nil {
			return nil, err
		}
	}
	switch len(cands) {
	case 0:
		return nil, notFound("no run has id, id prefix or name %q", ref)
	case 1:
		return s.GetRun(ctx, cands[0])
	}
	return nil, invalid("run reference %q is ambiguous: it matches %s", ref, strings.Join(cands, ", "))
}

func isHex(s string) bool {
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

func scanStrings(rows *sql.Rows) ([]string, error) {
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// hydrate loads params, tags, metric summaries and inputs for runs whose
// internal ids are rids (same order as runs).
func (s *Store) hydrate(ctx context.Context, rids []int64, runs []*Run) error {
	if len(rids) == 0 {
		return nil
	}
	byID := make(map[int64]*Run, len(rids))
	for i, id := range rids {
		r := runs[i]
		r.Params, r.Tags = map[string]string{}, map[string]string{}
		r.Metrics, r.Inputs = nil, nil
		byID[id] = r
	}
	in, args := inList(rids)
	load := func(what, q string, each func(rows *sql.Rows) error) error {
		rows, err := s.rdb.QueryContext(ctx, q, args...)
		if err != nil {
			return fmt.Errorf("load %s: %w", what, err)
		}
		defer rows.Close()
		for rows.Next() {
			if err := each(rows); err != nil {
				return fmt.Errorf("load %s: %w", what, err)
			}
		}
		return rows.Err()
	}
	var rid int64
	var k, v string
	if err := load("params", `SELECT run_id, key, value FROM params WHERE run_id IN `+in, func(rows *sql.Rows) error {
		if err := rows.Scan(&rid, &k, &v); err != nil {
			return err
		}
		byID[rid].Params[k] = v
		return nil
	}); err != nil {
		return err
	}
	if err := load("tags", `SELECT run_id, key, value FROM tags WHERE run_id IN `+in, func(rows *sql.Rows) error {
		if err := rows.Scan(&rid, &k, &v); err != nil {
			return err
		}
		byID[rid].Tags[k] = v
		return nil
	}); err != nil {
		return err
	}
	if err := load("metrics", `SELECT ms.run_id, mk.key, ms.last_value, ms.last_is_nan, ms.last_step, ms.last_ts,
			ms.min_value, ms.max_value, ms.count
		FROM metric_summary ms JOIN metric_keys mk ON mk.id = ms.key_id WHERE ms.run_id IN `+in+` ORDER BY mk.key`,
		func(rows *sql.Rows) error {
			var m MetricSummary
			var isNaN int
			var mn, mx sql.NullFloat64
			if err := rows.Scan(&rid, &m.Key, &m.Last, &isNaN, &m.LastStep, &m.LastTimestamp, &mn, &mx, &m.Count); err != nil {
				return err
			}
			m.Last = loadFloat(m.Last, isNaN)
			m.Min, m.Max = math.NaN(), math.NaN()
			if mn.Valid {
				m.Min, m.Max = mn.Float64, mx.Float64
			}
			byID[rid].Metrics = append(byID[rid].Metrics, m)
			return nil
		}); err != nil {
		return err
	}
	return load("inputs", `SELECT ri.run_id, d.name, d.digest, d.source_type, d.source, d.schema, d.profile, ri.tags
		FROM run_inputs ri JOIN datasets d ON d.id = ri.dataset_id WHERE ri.run_id IN `+in+` ORDER BY d.name, d.id`,
		func(rows *sql.Rows) error {
			var d Dataset
			var tags string
			if err := rows.Scan(&rid, &d.Name, &d.Digest, &d.SourceType, &d.Source, &d.Schema, &d.Profile, &tags); err != nil {
				return err
			}
			byID[rid].Inputs = append(byID[rid].Inputs, DatasetInput{Dataset: d, Tags: decodeTags(tags)})
			return nil
		})
}

func inList(ids []int64) (string, []any) {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	return "(" + strings.TrimSuffix(strings.Repeat("?,", len(ids)), ",") + ")", args
}

// SortedKeys returns a map's keys in order, for stable output.
func SortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// RunUpdate changes a run's status, end time or name; nil fields stay.
type RunUpdate struct {
	Status  *string
	EndTime *int64
	Name    *string
	Notes   *string
}

// UpdateRun applies u. Returns ErrNotFound, ErrInvalid for an unknown status,
// ErrInvalidState for a deleted run.
func (s *Store) UpdateRun(ctx context.Context, id string, u RunUpdate) (*Run, error) {
	if u.Status != nil {
		switch *u.Status {
		case StatusRunning, StatusScheduled, StatusFinished, StatusFailed, StatusKilled:
		default:
			return nil, invalid("run status %q (want RUNNING, SCHEDULED, FINISHED, FAILED or KILLED)", *u.Status)
		}
	}
	if u.Name != nil && utf8.RuneCountInString(*u.Name) > MaxRunNameLength {
		return nil, invalid("run name is over %d characters", MaxRunNameLength)
	}
	if u.Notes != nil {
		if err := ValidateTag(Tag{TagNote, *u.Notes}); err != nil {
			return nil, err
		}
	}
	err := s.write(ctx, func(tx *Tx) error {
		rid, err := tx.activeRun(id)
		if err != nil {
			return err
		}
		if u.Status != nil {
			if _, err := tx.exec(`UPDATE runs SET status = ? WHERE id = ?`, *u.Status, rid); err != nil {
				return err
			}
		}
		if u.EndTime != nil {
			if _, err := tx.exec(`UPDATE runs SET end_time = ? WHERE id = ?`, *u.EndTime, rid); err != nil {
				return err
			}
		}
		if u.Name != nil && *u.Name != "" {
			if err := tx.setTag(rid, TagRunName, *u.Name); err != nil {
				return err
			}
		}
		if u.Notes != nil {
			if err := tx.setTag(rid, TagNote, *u.Notes); err != nil {
				return err
			}
		}
		return tx.event("run.updated", "run:"+id, "")
	})
	if err != nil {
		return nil, err
	}
	return s.GetRun(ctx, id)
}

// SetRunStage soft-deletes (StageDeleted) or restores (StageActive) a run.
func (s *Store) SetRunStage(ctx context.Context, id, stage string) error {
	return s.write(ctx, func(tx *Tx) error {
		rid, cur, err := tx.runStage(id)
		if err != nil {
			return err
		}
		if stage == StageActive {
			if cur == StageActive {
				return nil
			}
			var expStage string
			if err := tx.queryRow(`SELECT e.lifecycle_stage FROM experiments e JOIN runs r ON r.experiment_id = e.id WHERE r.id = ?`, rid).Scan(&expStage); err != nil {
				return err
			}
			if expStage != StageActive {
				return badState("cannot restore run %s: its experiment is deleted", id)
			}
		}
		var dt any
		if stage == StageDeleted {
			dt = tx.now
		}
		if _, err := tx.exec(`UPDATE runs SET lifecycle_stage = ?, deleted_time = ? WHERE id = ?`, stage, dt, rid); err != nil {
			return err
		}
		kind := "run.deleted"
		if stage == StageActive {
			kind = "run.restored"
		}
		return tx.event(kind, "run:"+id, "")
	})
}

func (t *Tx) runStage(id string) (int64, string, error) {
	var rid int64
	var stage string
	err := t.queryRow(qRunStage, id).Scan(&rid, &stage)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, "", notFound("no run with id %q", id)
	}
	return rid, stage, err
}

// activeRun returns the internal id of a run that may be written to.
func (t *Tx) activeRun(id string) (int64, error) {
	rid, stage, err := t.runStage(id)
	if err != nil {
		return 0, err
	}
	if stage != StageActive {
		return 0, badState("the run %s must be in the 'active' state; current state is %s", id, stage)
	}
	return rid, nil
}

// setTag upserts a run tag, keeping the columns MLflow mirrors in tags
// (run name, notes) in step.
func (t *Tx) setTag(rid int64, key, value string) error {
	if _, err := t.exec(qSetTag, rid, key, value); err != nil {
		return fmt.Errorf("set tag %s: %w", key, err)
	}
	switch key {
	case TagRunName:
		_, err := t.exec(`UPDATE runs SET name = ? WHERE id = ?`, value, rid)
		return err
	case TagNote:
		_, err := t.exec(`UPDATE runs SET notes = ? WHERE id = ?`, value, rid)
		return err
	}
	return nil
}
