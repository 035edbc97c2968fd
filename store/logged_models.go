package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
)

// Logged models are MLflow 3's model entities: mlflow.<flavor>.log_model
// creates one (PENDING), uploads its files under its artifact URI, then
// finalizes it (READY or UPLOAD_FAILED). Registering it makes a registry
// version whose source is models:/<id>.

// Logged model statuses, as MLflow's LoggedModelStatus names them.
const (
	LoggedModelPending      = "LOGGED_MODEL_PENDING"
	LoggedModelReady        = "LOGGED_MODEL_READY"
	LoggedModelUploadFailed = "LOGGED_MODEL_UPLOAD_FAILED"
)

// TagModelVersions is the logged-model tag in which MLflow lists the
// registry versions made from the model, as a JSON array of
// {"name": …, "version": …}. lathe keeps it up to date in the same way.
const TagModelVersions = "mlflow.modelVersions"

// LoggedModel is one MLflow 3 logged model.
type LoggedModel struct {
	ID              string // "m-" and 32 hex digits
	ExperimentID    int64
	Name            string
	ModelType       string
	SourceRunID     string // "" when no run produced it
	Status          string
	StatusMessage   string
	ArtifactURI     string
	CreationTime    int64 // Unix ms
	LastUpdatedTime int64
	Params          map[string]string
	Tags            map[string]string
}

// NewLoggedModelID returns a fresh id in MLflow's form, "m-" and 32 hex digits.
func NewLoggedModelID() string { return "m-" + NewRunID() }

// LoggedModelCreate describes a new logged model; an empty Name gets a
// readable generated one.
type LoggedModelCreate struct {
	ExperimentID int64
	Name         string
	ModelType    string
	SourceRunID  string
	Params       []Param
	Tags         []Tag
}

func loggedModelEntity(id string) string { return "logged_model:" + id }

// CreateLoggedModel creates a PENDING logged model, with lineage run ->
// logged model ("produced") when a source run is given. Its files go under
// the source run's artifacts, at <run artifact URI>/models/<id>, where the
// artifact proxy already serves them; without a run, under MLflow's
// mlflow-artifacts:/<experiment>/models/<id>/artifacts. Returns
// ErrNotFound for an unknown experiment or run, ErrInvalidState for a
// deleted experiment, ErrInvalid for bad params or tags.
func (s *Store) CreateLoggedModel(ctx context.Context, lc LoggedModelCreate) (*LoggedModel, error) {
	for _, p := range lc.Params {
		if err := ValidateParam(p); err != nil {
			return nil, err
		}
	}
	for _, t := range lc.Tags {
		if err := ValidateTag(t); err != nil {
			return nil, err
		}
	}
	id := NewLoggedModelID()
	if lc.Name == "" {
		lc.Name = runName(id[2:])
	}
	err := s.write(ctx, func(tx *Tx) error {
		stage, err := tx.experimentStage(lc.ExperimentID)
		if err != nil {
			return err
		}
		if stage != StageActive {
			return badState("experiment %d is deleted: restore it before logging models in it", lc.ExperimentID)
		}
		var rid any
		uri := fmt.Sprintf("mlflow-artifacts:/%d/models/%s/artifacts", lc.ExperimentID, id)
		if lc.SourceRunID != "" {
			var r int64
			var runURI string
			if err := tx.queryRow(`SELECT id, artifact_uri FROM runs WHERE uuid = ?`, lc.SourceRunID).Scan(&r, &runURI); isNoRows(err) {
				return notFound("no run with id %q", lc.SourceRunID)
			} else if err != nil {
				return err
			}
			rid, uri = r, strings.TrimSuffix(runURI, "/")+"/models/"+id
			if err := tx.lineage("run", lc.SourceRunID, "logged_model", id, "produced"); err != nil {
				return err
			}
		}
		if _, err := tx.exec(`INSERT INTO logged_models (id, experiment_id, name, model_type, source_run_id, artifact_uri, creation_time, last_updated_time)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, id, lc.ExperimentID, lc.Name, lc.ModelType, rid, uri, tx.now, tx.now); err != nil {
			return fmt.Errorf("insert logged model: %w", err)
		}
		if err := tx.loggedModelParams(id, lc.Params); err != nil {
			return err
		}
		if err := tx.loggedModelTags(id, lc.Tags); err != nil {
			return err
		}
		return tx.event("logged_model.created", loggedModelEntity(id),
			jsonObj("name", lc.Name, "experiment_id", lc.ExperimentID, "source_run_id", lc.SourceRunID))
	})
	if err != nil {
		return nil, err
	}
	return s.GetLoggedModel(ctx, id)
}

// activeLoggedModel checks inside a write that a logged model exists and is
// not deleted.
func (t *Tx) activeLoggedModel(id string) error {
	var n int
	if err := t.queryRow(`SELECT count(*) FROM logged_models WHERE id = ? AND lifecycle_stage = 'active'`, id).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return notFound("no logged model with id %q", id)
	}
	return nil
}

func (t *Tx) loggedModelParams(id string, params []Param) error {
	for _, p := range params {
		var old string
		err := t.queryRow(`INSERT INTO logged_model_params VALUES (?, ?, ?) ON CONFLICT DO UPDATE SET value = value RETURNING value`, id, p.Key, p.Value).Scan(&old)
		if err != nil {
			return fmt.Errorf("log param %s of model %s: %w", p.Key, id, err)
		}
		if old != p.Value {
			return invalid("param %q of logged model %s already has the value %q; params cannot change (attempted %q)", p.Key, id, old, p.Value)
		}
	}
	return nil
}

func (t *Tx) loggedModelTags(id string, tags []Tag) error {
	for _, tg := range tags {
		if _, err := t.exec(`INSERT INTO logged_model_tags VALUES (?, ?, ?) ON CONFLICT DO UPDATE SET value = excluded.value`, id, tg.Key, tg.Value); err != nil {
			return fmt.Errorf("set tag %s of model %s: %w", tg.Key, id, err)
		}
	}
	return nil
}

// noteRegistration adds {name, version} to the logged model's
// mlflow.modelVersions tag, as MLflow's server does on registration.
func (t *Tx) noteRegistration(id, name string, version int64) error {
	type reg struct {
		Name    string `json:"name"`
		Version string `json:"version"`
	}
	var cur string
	if err := t.queryRow(`SELECT value FROM logged_model_tags WHERE model_id = ? AND key = ?`, id, TagModelVersions).Scan(&cur); err != nil && !isNoRows(err) {
		return err
	}
	var regs []reg
	_ = json.Unmarshal([]byte(cur), &regs)
	b, _ := json.Marshal(append(regs, reg{name, fmt.Sprint(version)}))
	return t.loggedModelTags(id, []Tag{{TagModelVersions, string(b)}})
}

// loggedModelWrite runs fn on an active logged model inside a write and
// records an event of kind with payload.
func (s *Store) loggedModelWrite(ctx context.Context, id, kind, payload string, fn func(tx *Tx) error) error {
	return s.write(ctx, func(tx *Tx) error {
		if err := tx.activeLoggedModel(id); err != nil {
			return err
		}
		if err := fn(tx); err != nil {
			return err
		}
		if _, err := tx.exec(`UPDATE logged_models SET last_updated_time = ? WHERE id = ?`, tx.now, id); err != nil {
			return err
		}
		return tx.event(kind, loggedModelEntity(id), payload)
	})
}

// FinalizeLoggedModel sets the final status, LoggedModelReady or
// LoggedModelUploadFailed. Returns ErrNotFound or ErrInvalid.
func (s *Store) FinalizeLoggedModel(ctx context.Context, id, status string) (*LoggedModel, error) {
	if status != LoggedModelReady && status != LoggedModelUploadFailed {
		return nil, invalid("a logged model is finalized as %s or %s, not %q", LoggedModelReady, LoggedModelUploadFailed, status)
	}
	err := s.loggedModelWrite(ctx, id, "logged_model.finalized", jsonObj("status", status), func(tx *Tx) error {
		_, err := tx.exec(`UPDATE logged_models SET status = ? WHERE id = ?`, status, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.GetLoggedModel(ctx, id)
}

// DeleteLoggedModel soft-deletes a logged model: it disappears from get and
// search, as in MLflow. Returns ErrNotFound.
func (s *Store) DeleteLoggedModel(ctx context.Context, id string) error {
	return s.loggedModelWrite(ctx, id, "logged_model.deleted", "", func(tx *Tx) error {
		_, err := tx.exec(`UPDATE logged_models SET lifecycle_stage = 'deleted' WHERE id = ?`, id)
		return err
	})
}

// LogLoggedModelParams adds params; re-logging a param with its value is
// harmless, with another value ErrInvalid. Returns ErrNotFound.
func (s *Store) LogLoggedModelParams(ctx context.Context, id string, params []Param) error {
	for _, p := range params {
		if err := ValidateParam(p); err != nil {
			return err
		}
	}
	return s.loggedModelWrite(ctx, id, "logged_model.params_logged", fmt.Sprintf(`{"params":%d}`, len(params)), func(tx *Tx) error {
		return tx.loggedModelParams(id, params)
	})
}

// SetLoggedModelTags sets tags on a logged model. Returns ErrNotFound or ErrInvalid.
func (s *Store) SetLoggedModelTags(ctx context.Context, id string, tags []Tag) error {
	for _, t := range tags {
		if err := ValidateTag(t); err != nil {
			return err
		}
	}
	return s.loggedModelWrite(ctx, id, "logged_model.tagged", fmt.Sprintf(`{"tags":%d}`, len(tags)), func(tx *Tx) error {
		return tx.loggedModelTags(id, tags)
	})
}

// DeleteLoggedModelTag removes one tag. Returns ErrNotFound when the model
// or the tag does not exist.
func (s *Store) DeleteLoggedModelTag(ctx context.Context, id, key string) error {
	return s.loggedModelWrite(ctx, id, "logged_model.tag_deleted", jsonObj("key", key), func(tx *Tx) error {
		res, err := tx.exec(`DELETE FROM logged_model_tags WHERE model_id = ? AND key = ?`, id, key)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return notFound("logged model %s has no tag %q", id, key)
		}
		return nil
	})
}

const loggedModelSelect = `SELECT lm.id, lm.experiment_id, lm.name, lm.model_type, coalesce(r.uuid, ''), lm.status, lm.status_message,
	lm.artifact_uri, lm.creation_time, lm.last_updated_time FROM logged_models lm LEFT JOIN runs r ON r.id = lm.source_run_id `

func (s *Store) queryLoggedModels(ctx context.Context, suffix string, args ...any) ([]*LoggedModel, error) {
	var out []*LoggedModel
	byID := map[string]*LoggedModel{}
	err := s.eachRow(ctx, loggedModelSelect+suffix, args, func(r *sql.Rows) error {
		m := &LoggedModel{Params: map[string]string{}, Tags: map[string]string{}}
		if err := r.Scan(&m.ID, &m.ExperimentID, &m.Name, &m.ModelType, &m.SourceRunID, &m.Status, &m.StatusMessage,
			&m.ArtifactURI, &m.CreationTime, &m.LastUpdatedTime); err != nil {
			return err
		}
		out, byID[m.ID] = append(out, m), m
		return nil
	})
	if err != nil || len(out) == 0 {
		return out, err
	}
	ids := make([]any, len(out))
	for i, m := range out {
		ids[i] = m.ID
	}
	for _, t := range [...]struct {
		table string
		into  func(*LoggedModel) map[string]string
	}{{"logged_model_params", func(m *LoggedModel) map[string]string { return m.Params }},
		{"logged_model_tags", func(m *LoggedModel) map[string]string { return m.Tags }}} {
		err := s.eachRowIn(ctx, `SELECT model_id, key, value FROM `+t.table+` WHERE model_id IN %s`, ids, func(r *sql.Rows) error {
			var id, k, v string
			if err := r.Scan(&id, &k, &v); err != nil {
				return err
			}
			t.into(byID[id])[k] = v
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// GetLoggedModel returns a logged model with its params and tags. Returns
// ErrNotFound for an unknown or deleted one.
func (s *Store) GetLoggedModel(ctx context.Context, id string) (*LoggedModel, error) {
	ms, err := s.queryLoggedModels(ctx, `WHERE lm.id = ? AND lm.lifecycle_stage = 'active'`, id)
	if err != nil {
		return nil, err
	}
	if len(ms) == 0 {
		return nil, notFound("no logged model with id %q", id)
	}
	return ms[0], nil
}

// LoggedModelOrder is one order_by entry of a logged-model search.
type LoggedModelOrder struct {
	Field     string // name, model_id, creation_timestamp, last_updated_timestamp
	Ascending bool
}

// LoggedModelQuery selects logged models: in ExperimentIDs (all when
// empty), matching Filter (the registry filter language over name,
// model_id, model_type, status, source_run_id, tags.KEY and params.KEY).
type LoggedModelQuery struct {
	ExperimentIDs []int64
	Filter        string
	OrderBy       []LoggedModelOrder // default: creation_timestamp DESC
	MaxResults    int                // default 100
	PageToken     string
}

func loggedModelFilterFields() map[string]filterField {
	return map[string]filterField{"name": {ops: strOps}, "model_id": {ops: "= != IN"},
		"model_type": {ops: strOps}, "status": {ops: "= != IN"}, "source_run_id": {ops: "= != IN"},
		"tags": {ops: strOps}, "params": {ops: strOps}}
}

// SearchLoggedModels returns one page of active logged models and the next
// page's token. Returns ErrInvalid for a bad filter, order or token.
func (s *Store) SearchLoggedModels(ctx context.Context, q LoggedModelQuery) ([]*LoggedModel, string, error) {
	conds, err := parseRegistryFilter(q.Filter, loggedModelFilterFields())
	if err != nil {
		return nil, "", err
	}
	where, args, err := compileFilter(conds, map[string]string{"name": "lm.name", "model_id": "lm.id", "model_type": "lm.model_type",
		"status": "lm.status", "source_run_id": "coalesce(r.uuid, '')"}, map[string]string{
		"tags":   `EXISTS (SELECT 1 FROM logged_model_tags t WHERE t.model_id = lm.id AND t.key = ? AND %s)`,
		"params": `EXISTS (SELECT 1 FROM logged_model_params t WHERE t.model_id = lm.id AND t.key = ? AND %s)`}, "t.value")
	if err != nil {
		return nil, "", err
	}
	where += ` AND lm.lifecycle_stage = 'active'`
	if len(q.ExperimentIDs) > 0 {
		in, a := inList(q.ExperimentIDs)
		where += ` AND lm.experiment_id IN ` + in
		args = append(args, a...)
	}
	clauses := make([]string, 0, len(q.OrderBy))
	for _, o := range q.OrderBy {
		dir := " DESC"
		if o.Ascending {
			dir = " ASC"
		}
		clauses = append(clauses, o.Field+dir)
	}
	order, err := registryOrder(clauses, map[string]string{"name": "lm.name", "model_id": "lm.id",
		"creation_timestamp": "lm.creation_time", "last_updated_timestamp": "lm.last_updated_time"}, "lm.id ASC")
	if err != nil {
		return nil, "", err
	}
	if len(q.OrderBy) == 0 {
		order = "lm.creation_time DESC, " + order
	}
	limit, offset, err := pageOf(q.MaxResults, 100, q.PageToken)
	if err != nil {
		return nil, "", err
	}
	ms, err := s.queryLoggedModels(ctx, `WHERE `+where+` ORDER BY `+order+` LIMIT ? OFFSET ?`, append(args, limit+1, offset)...)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(ms) > limit {
		ms, next = ms[:limit], encodeOffset(offset+limit)
	}
	return ms, next, nil
}

// ModelOutput is one model a run produced, at a step (MLflow 3's runs/outputs).
type ModelOutput struct {
	ModelID string
	Step    int64
}

// LogRunOutputs records logged models as outputs of an active run, with
// lineage run -> logged model ("output"). Returns ErrNotFound for an unknown
// run or model and ErrInvalidState for a deleted run.
func (s *Store) LogRunOutputs(ctx context.Context, runID string, outputs []ModelOutput) error {
	return s.write(ctx, func(tx *Tx) error {
		rid, err := tx.activeRun(runID)
		if err != nil {
			return err
		}
		for _, o := range outputs {
			if err := tx.activeLoggedModel(o.ModelID); err != nil {
				return err
			}
			if _, err := tx.exec(`INSERT INTO run_outputs VALUES (?, ?, ?) ON CONFLICT DO UPDATE SET step = excluded.step`, rid, o.ModelID, o.Step); err != nil {
				return err
			}
			if err := tx.lineage("run", runID, "logged_model", o.ModelID, "output"); err != nil {
				return err
			}
		}
		return tx.event("run.outputs_logged", "run:"+runID, fmt.Sprintf(`{"models":%d}`, len(outputs)))
	})
}
