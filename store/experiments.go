package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// CreateExperiment creates an active experiment and returns its id.
// Returns ErrAlreadyExists when the name is taken (even by a deleted one, as
// MLflow), ErrInvalid for an empty name.
func (s *Store) CreateExperiment(ctx context.Context, name, artifactLocation string, tags []Tag) (int64, error) {
	if strings.TrimSpace(name) == "" {
		return 0, invalid("experiment name must be a non-empty string")
	}
	if utf8.RuneCountInString(name) > MaxExperimentName {
		return 0, invalid("experiment name is over %d characters", MaxExperimentName)
	}
	if err := checkArtifactLocation(artifactLocation); err != nil {
		return 0, err
	}
	for _, t := range tags {
		if err := validateExperimentTag(t); err != nil {
			return 0, err
		}
	}
	var id int64
	err := s.write(ctx, func(tx *Tx) error {
		var stage string
		err := tx.queryRow(`SELECT lifecycle_stage FROM experiments WHERE name = ?`, name).Scan(&stage)
		switch {
		case err == nil && stage == StageDeleted:
			return exists("experiment %q already exists in deleted state; restore it or pick another name", name)
		case err == nil:
			return exists("experiment %q already exists", name)
		case !isNoRows(err):
			return err
		}
		res, err := tx.exec(`INSERT INTO experiments (name, artifact_location, creation_time, last_update_time) VALUES (?, ?, ?, ?)`,
			name, artifactLocation, tx.now, tx.now)
		if err != nil {
			return fmt.Errorf("insert experiment: %w", err)
		}
		id, _ = res.LastInsertId()
		for _, t := range tags {
			if _, err := tx.exec(`INSERT INTO experiment_tags VALUES (?, ?, ?) ON CONFLICT DO UPDATE SET value = excluded.value`, id, t.Key, t.Value); err != nil {
				return err
			}
		}
		return tx.event("experiment.created", expEntity(id), jsonObj("name", name))
	})
	return id, err
}

func expEntity(id int64) string { return "experiment:" + strconv.FormatInt(id, 10) }

const experimentCols = `id, name, artifact_location, lifecycle_stage, creation_time, last_update_time`

func scanExperiment(row interface{ Scan(...any) error }) (*Experiment, error) {
	var e Experiment
	if err := row.Scan(&e.ID, &e.Name, &e.ArtifactLocation, &e.LifecycleStage, &e.CreationTime, &e.LastUpdateTime); err != nil {
		return nil, err
	}
	return &e, nil
}

// GetExperiment returns an experiment with its tags, or ErrNotFound.
func (s *Store) GetExperiment(ctx context.Context, id int64) (*Experiment, error) {
	e, err := scanExperiment(s.rdb.QueryRowContext(ctx, `SELECT `+experimentCols+` FROM experiments WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("no experiment with id %d", id)
	}
	if err != nil {
		return nil, fmt.Errorf("get experiment %d: %w", id, err)
	}
	return e, s.loadExperimentTags(ctx, []*Experiment{e})
}

// GetExperimentByName returns the experiment called name, or ErrNotFound.
func (s *Store) GetExperimentByName(ctx context.Context, name string) (*Experiment, error) {
	e, err := scanExperiment(s.rdb.QueryRowContext(ctx, `SELECT `+experimentCols+` FROM experiments WHERE name = ?`, name))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("no experiment named %q", name)
	}
	if err != nil {
		return nil, fmt.Errorf("get experiment %q: %w", name, err)
	}
	return e, s.loadExperimentTags(ctx, []*Experiment{e})
}

// ResolveExperiment finds an experiment by id ("3") or by name.
func (s *Store) ResolveExperiment(ctx context.Context, ref string) (*Experiment, error) {
	if id, err := strconv.ParseInt(ref, 10, 64); err == nil {
		if e, err := s.GetExperiment(ctx, id); err == nil || !errors.Is(err, ErrNotFound) {
			return e, err
		}
	}
	e, err := s.GetExperimentByName(ctx, ref)
	if errors.Is(err, ErrNotFound) {
		return nil, notFound("no experiment with id or name %q", ref)
	}
	return e, err
}

func (s *Store) loadExperimentTags(ctx context.Context, exps []*Experiment) error {
	for _, e := range exps {
		e.Tags = map[string]string{}
		rows, err := s.rdb.QueryContext(ctx, `SELECT key, value FROM experiment_tags WHERE experiment_id = ?`, e.ID)
		if err != nil {
			return fmt.Errorf("load experiment tags: %w", err)
		}
		for rows.Next() {
			var k, v string
			if err := rows.Scan(&k, &v); err != nil {
				rows.Close()
				return err
			}
			e.Tags[k] = v
		}
		if err := rows.Close(); err != nil {
			return err
		}
	}
	return nil
}

// ExperimentQuery selects experiments for ListExperiments.
type ExperimentQuery struct {
	View ViewType // default ActiveOnly
	// NameLike filters by a SQL LIKE pattern on the name (case-sensitive).
	NameLike string
	// OrderBy: "name", "creation_time", "last_update_time" or "experiment_id",
	// optionally followed by " DESC"/" ASC". Default: experiment_id ASC.
	OrderBy []string
	Limit   int // 0: no limit
	Offset  int
}

// ListExperiments returns experiments in a stable order.
func (s *Store) ListExperiments(ctx context.Context, q ExperimentQuery) ([]*Experiment, error) {
	where, args := viewWhere("lifecycle_stage", q.View), []any{}
	if q.NameLike != "" {
		where += ` AND name GLOB ?`
		args = append(args, likeToGlob(q.NameLike))
	}
	order := []string{}
	for _, o := range q.OrderBy {
		f := strings.Fields(o)
		if len(f) == 0 || len(f) > 2 {
			return nil, invalid("order_by %q", o)
		}
		col := map[string]string{"name": "name", "creation_time": "creation_time", "last_update_time": "last_update_time",
			"experiment_id": "id", "attributes.name": "name", "attributes.creation_time": "creation_time",
			"attributes.last_update_time": "last_update_time", "attributes.experiment_id": "id"}[f[0]]
		if col == "" {
			return nil, invalid("order_by %q: experiments sort by name, creation_time, last_update_time or experiment_id", o)
		}
		dir := "ASC"
		if len(f) == 2 {
			switch strings.ToUpper(f[1]) {
			case "ASC":
			case "DESC":
				dir = "DESC"
			default:
				return nil, invalid("order_by %q: direction must be ASC or DESC", o)
			}
		}
		order = append(order, col+" "+dir)
	}
	order = append(order, "id ASC")
	sqlq := `SELECT ` + experimentCols + ` FROM experiments WHERE ` + where + ` ORDER BY ` + strings.Join(order, ", ")
	if q.Limit > 0 {
		sqlq += fmt.Sprintf(" LIMIT %d OFFSET %d", q.Limit, q.Offset)
	}
	rows, err := s.rdb.QueryContext(ctx, sqlq, args...)
	if err != nil {
		return nil, fmt.Errorf("list experiments: %w", err)
	}
	defer rows.Close()
	var out []*Experiment
	for rows.Next() {
		e, err := scanExperiment(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, s.loadExperimentTags(ctx, out)
}

func viewWhere(col string, v ViewType) string {
	switch v {
	case DeletedOnly:
		return col + ` = 'deleted'`
	case All:
		return `1`
	}
	return col + ` = 'active'`
}

// likeToGlob turns a case-sensitive SQL LIKE pattern into GLOB.
func likeToGlob(p string) string {
	var b strings.Builder
	for _, r := range p {
		switch r {
		case '%':
			b.WriteByte('*')
		case '_':
			b.WriteByte('?')
		case '*', '?', '[', ']':
			b.WriteByte('[')
			b.WriteRune(r)
			b.WriteByte(']')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// RenameExperiment renames an active experiment. Returns ErrNotFound,
// ErrAlreadyExists or ErrInvalidState (deleted experiments keep their name).
func (s *Store) RenameExperiment(ctx context.Context, id int64, name string) error {
	if strings.TrimSpace(name) == "" {
		return invalid("experiment name must be a non-empty string")
	}
	if utf8.RuneCountInString(name) > MaxExperimentName {
		return invalid("experiment name is over %d characters", MaxExperimentName)
	}
	return s.write(ctx, func(tx *Tx) error {
		stage, err := tx.experimentStage(id)
		if err != nil {
			return err
		}
		if stage != StageActive {
			return badState("cannot rename experiment %d: it is deleted", id)
		}
		var n int
		if err := tx.queryRow(`SELECT count(*) FROM experiments WHERE name = ? AND id != ?`, name, id).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return exists("experiment %q already exists", name)
		}
		if _, err := tx.exec(`UPDATE experiments SET name = ?, last_update_time = ? WHERE id = ?`, name, tx.now, id); err != nil {
			return err
		}
		return tx.event("experiment.renamed", expEntity(id), jsonObj("name", name))
	})
}

// SetExperimentStage soft-deletes (StageDeleted) or restores (StageActive)
// an experiment. Deleting also marks its runs deleted, as MLflow does.
func (s *Store) SetExperimentStage(ctx context.Context, id int64, stage string) error {
	if id == 0 && stage == StageDeleted {
		return invalid("cannot delete the default experiment '0'")
	}
	return s.write(ctx, func(tx *Tx) error {
		cur, err := tx.experimentStage(id)
		if err != nil {
			return err
		}
		if stage == StageActive && cur != StageDeleted {
			return badState("cannot restore experiment %d: it is not deleted", id)
		}
		if _, err := tx.exec(`UPDATE experiments SET lifecycle_stage = ?, last_update_time = ? WHERE id = ?`, stage, tx.now, id); err != nil {
			return err
		}
		from := map[string]string{StageDeleted: StageActive, StageActive: StageDeleted}[stage]
		deletedTime := any(nil)
		if stage == StageDeleted {
			deletedTime = tx.now
		}
		if _, err := tx.exec(`UPDATE runs SET lifecycle_stage = ?, deleted_time = ? WHERE experiment_id = ? AND lifecycle_stage = ?`,
			stage, deletedTime, id, from); err != nil {
			return err
		}
		kind := "experiment.deleted"
		if stage == StageActive {
			kind = "experiment.restored"
		}
		return tx.event(kind, expEntity(id), "")
	})
}

// SetExperimentTag sets one tag on an active experiment.
func (s *Store) SetExperimentTag(ctx context.Context, id int64, key, value string) error {
	if err := validateExperimentTag(Tag{key, value}); err != nil {
		return err
	}
	return s.write(ctx, func(tx *Tx) error {
		stage, err := tx.experimentStage(id)
		if err != nil {
			return err
		}
		if stage != StageActive {
			return badState("experiment %d is deleted", id)
		}
		if _, err := tx.exec(`INSERT INTO experiment_tags VALUES (?, ?, ?) ON CONFLICT DO UPDATE SET value = excluded.value`, id, key, value); err != nil {
			return err
		}
		return tx.event("experiment.tagged", expEntity(id), jsonObj("key", key))
	})
}

func (t *Tx) experimentStage(id int64) (string, error) {
	var stage string
	err := t.queryRow(`SELECT lifecycle_stage FROM experiments WHERE id = ?`, id).Scan(&stage)
	if errors.Is(err, sql.ErrNoRows) {
		return "", notFound("no experiment with id %d", id)
	}
	return stage, err
}

// checkArtifactLocation refuses locations on the server's own disk: a
// local path, a file: URI or anything with "..". Those are how MLflow's
// local-file-read CVEs began (an experiment whose artifacts "live" in /etc).
// Remote URIs (s3://, gs://, ...) are kept as labels: lathe keeps artifacts
// in its store and never fetches a URL on a client's behalf.
func checkArtifactLocation(loc string) error {
	if loc == "" {
		return nil
	}
	scheme, _, ok := strings.Cut(loc, ":")
	local := !ok || len(scheme) < 2 || strings.EqualFold(scheme, "file") || strings.ContainsAny(scheme, `/\.`)
	if local || strings.Contains(loc, "..") || strings.ContainsRune(loc, 0) {
		return invalid("artifact_location %q is not allowed: it points at the server's own files; leave it empty (lathe keeps artifacts in its store) or give a remote URI", loc)
	}
	return nil
}
