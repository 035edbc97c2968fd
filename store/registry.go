package store

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// The model registry: registered models (a name), their versions (numbered
// 1, 2, 3, … per model, never reused), tags on both, and aliases that name
// one version each. Every lathe command and API names a version with one
// grammar (see ModelRef): NAME, NAME:N or NAME@ALIAS.

// Registry limits (MLflow's where it has them).
const (
	MaxModelNameLength       = 256 // MLflow's SQL column
	MaxRegistryTagValue      = 5000
	MaxAliasLength           = 255
	MaxRegistrySearchResults = 200000
)

// ModelVersionReady is the status of every version lathe registers: its
// files already exist when it is registered, so it is never pending.
const ModelVersionReady = "READY"

// RegisteredModel is a named model. Latest is its highest version (nil while
// it has none); Aliases maps each alias to the version it names.
type RegisteredModel struct {
	Name            string
	Description     string
	CreationTime    int64 // Unix ms
	LastUpdatedTime int64
	Tags            map[string]string
	Aliases         map[string]int64
	Latest          *ModelVersion
}

// ModelVersion is one registered version of a model: where its files are
// (Source as given, StorageLocation resolved), the run that produced it, and
// its tags and aliases.
type ModelVersion struct {
	Name            string
	Version         int64
	Source          string
	StorageLocation string
	RunID           string // MLflow run id; "" when no run is recorded
	RunLink         string
	LoggedModelID   string // MLflow 3 logged model, "" when none
	Status          string
	StatusMessage   string
	Description     string
	UserID          string
	CreationTime    int64 // Unix ms
	LastUpdatedTime int64
	Tags            map[string]string
	Aliases         []string // sorted
}

// Ref is the version's reference, NAME:N.
func (v *ModelVersion) Ref() string { return ModelRef{Name: v.Name, Version: v.Version}.String() }

func modelEntity(id int64) string { return "registered_model:" + strconv.FormatInt(id, 10) }

func versionEntity(id, v int64) string { return fmt.Sprintf("model_version:%d:%d", id, v) }

// versionLineageID is a version's id in the lineage table: "<model id>:<version>".
func versionLineageID(id, v int64) string { return fmt.Sprintf("%d:%d", id, v) }

// modelID finds a registered model's internal id inside a write.
func (t *Tx) modelID(name string) (int64, error) {
	var id int64
	err := t.queryRow(`SELECT id FROM registered_models WHERE name = ?`, name).Scan(&id)
	if isNoRows(err) {
		return 0, notFound("no registered model named %q", name)
	}
	return id, err
}

// versionExists checks a version inside a write.
func (t *Tx) versionExists(id int64, name string, v int64) error {
	var n int
	if err := t.queryRow(`SELECT count(*) FROM model_versions WHERE model_id = ? AND version = ?`, id, v).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return notFound("registered model %q has no version %d", name, v)
	}
	return nil
}

func (t *Tx) touchModel(id int64) error {
	_, err := t.exec(`UPDATE registered_models SET last_updated_time = ? WHERE id = ?`, t.now, id)
	return err
}

// CreateRegisteredModel creates a model with no versions. Returns
// ErrAlreadyExists when the name is taken and ErrInvalid for a bad name or tag.
func (s *Store) CreateRegisteredModel(ctx context.Context, name, description string, tags []Tag) (*RegisteredModel, error) {
	if err := ValidateModelName(name); err != nil {
		return nil, err
	}
	for _, t := range tags {
		if err := validateRegistryTag(t); err != nil {
			return nil, err
		}
	}
	err := s.write(ctx, func(tx *Tx) error {
		if _, err := tx.modelID(name); err == nil {
			return exists("registered model %q already exists", name)
		} else if !isNotFound(err) {
			return err
		}
		res, err := tx.exec(`INSERT INTO registered_models (name, description, creation_time, last_updated_time) VALUES (?, ?, ?, ?)`,
			name, description, tx.now, tx.now)
		if err != nil {
			return fmt.Errorf("insert registered model: %w", err)
		}
		id, _ := res.LastInsertId()
		for _, t := range tags {
			if _, err := tx.exec(`INSERT INTO registered_model_tags VALUES (?, ?, ?) ON CONFLICT DO UPDATE SET value = excluded.value`, id, t.Key, t.Value); err != nil {
				return err
			}
		}
		return tx.event("registered_model.created", modelEntity(id), jsonObj("name", name))
	})
	if err != nil {
		return nil, err
	}
	return s.GetRegisteredModel(ctx, name)
}

const modelCols = `m.id, m.name, m.description, m.creation_time, m.last_updated_time,
	(SELECT max(version) FROM model_versions WHERE model_id = m.id)`

// GetRegisteredModel returns a model with its tags, aliases and latest
// version. Returns ErrNotFound for an unknown name.
func (s *Store) GetRegisteredModel(ctx context.Context, name string) (*RegisteredModel, error) {
	ms, err := s.queryModels(ctx, `SELECT `+modelCols+` FROM registered_models m WHERE m.name = ?`, name)
	if err != nil {
		return nil, err
	}
	if len(ms) == 0 {
		return nil, notFound("no registered model named %q", name)
	}
	return ms[0], nil
}

// queryModels runs a registered-model query selecting modelCols and loads
// each model's tags, aliases and latest version.
func (s *Store) queryModels(ctx context.Context, q string, args ...any) ([]*RegisteredModel, error) {
	rows, err := s.rdb.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("read registered models: %w", err)
	}
	var out []*RegisteredModel
	var ids []int64
	latest := map[int64]int64{}
	for rows.Next() {
		m := &RegisteredModel{Tags: map[string]string{}, Aliases: map[string]int64{}}
		var id int64
		var last sql.NullInt64
		if err := rows.Scan(&id, &m.Name, &m.Description, &m.CreationTime, &m.LastUpdatedTime, &last); err != nil {
			rows.Close()
			return nil, err
		}
		out, ids = append(out, m), append(ids, id)
		if last.Valid {
			latest[id] = last.Int64
		}
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil || len(ids) == 0 {
		return out, err
	}
	byID := make(map[int64]*RegisteredModel, len(ids))
	for i, id := range ids {
		byID[id] = out[i]
	}
	inArgs := anys(ids)
	err = s.eachRowIn(ctx, `SELECT model_id, key, value FROM registered_model_tags WHERE model_id IN %s`, inArgs, func(r *sql.Rows) error {
		var id int64
		var k, v string
		if err := r.Scan(&id, &k, &v); err != nil {
			return err
		}
		byID[id].Tags[k] = v
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = s.eachRowIn(ctx, `SELECT model_id, alias, version FROM model_aliases WHERE model_id IN %s`, inArgs, func(r *sql.Rows) error {
		var id, v int64
		var a string
		if err := r.Scan(&id, &a, &v); err != nil {
			return err
		}
		byID[id].Aliases[a] = v
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(latest) == 0 {
		return out, nil
	}
	// The latest versions, maxInList models at a time.
	var pairs []string
	var pairArgs []any
	byName := make(map[string]*RegisteredModel, len(latest))
	for i, id := range ids {
		if v, ok := latest[id]; ok {
			pairs, pairArgs = append(pairs, "(?, ?)"), append(pairArgs, id, v)
			byName[byID[id].Name] = byID[id]
		}
		if len(pairs) == 0 || (len(pairs) < maxInList && i < len(ids)-1) {
			continue
		}
		vs, err := s.queryVersions(ctx, `WHERE (v.model_id, v.version) IN (VALUES `+strings.Join(pairs, ", ")+`)`, pairArgs...)
		if err != nil {
			return nil, err
		}
		for _, v := range vs {
			if m := byName[v.Name]; m != nil {
				m.Latest = v
			}
		}
		pairs, pairArgs = pairs[:0], pairArgs[:0]
	}
	return out, nil
}

// eachRow runs a read query and calls fn for every row.
func (s *Store) eachRow(ctx context.Context, q string, args []any, fn func(*sql.Rows) error) error {
	rows, err := s.rdb.QueryContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("read registry: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// maxInList bounds the ids of one IN list, far below SQLite's limit on
// bound variables however large a page is.
const maxInList = 500

// eachRowIn runs q, whose %s is an IN list, over ids in chunks, calling fn
// for every row.
func (s *Store) eachRowIn(ctx context.Context, q string, ids []any, fn func(*sql.Rows) error) error {
	for len(ids) > 0 {
		n := min(len(ids), maxInList)
		in := "(" + strings.TrimSuffix(strings.Repeat("?,", n), ",") + ")"
		if err := s.eachRow(ctx, fmt.Sprintf(q, in), ids[:n], fn); err != nil {
			return err
		}
		ids = ids[n:]
	}
	return nil
}

func anys[T any](xs []T) []any {
	out := make([]any, len(xs))
	for i, x := range xs {
		out[i] = x
	}
	return out
}

// RegistryQuery selects registered models or model versions: Filter is
// MLflow's registry filter (conditions joined by AND: name = / != / LIKE /
// ILIKE, tags.KEY …, and for versions run_id = / IN, source_path …,
// version_number); OrderBy entries are "FIELD [ASC|DESC]".
type RegistryQuery struct {
	Name       string // versions only: exactly this model (no quoting needed)
	Filter     string
	OrderBy    []string
	MaxResults int // default 100 for models, 10000 for versions
	PageToken  string
}

// SearchRegisteredModels returns one page of models and the next page's
// token ("" at the end). Order fields: name, last_updated_timestamp
// (timestamp), creation_timestamp; the default and tie-break is name ASC.
// Returns ErrInvalid for a bad filter, order or token.
func (s *Store) SearchRegisteredModels(ctx context.Context, q RegistryQuery) ([]*RegisteredModel, string, error) {
	conds, err := parseRegistryFilter(q.Filter, modelFilterFields())
	if err != nil {
		return nil, "", err
	}
	where, args, err := compileFilter(conds, map[string]string{"name": "m.name"},
		map[string]string{"tags": `EXISTS (SELECT 1 FROM registered_model_tags t WHERE t.model_id = m.id AND t.key = ? AND %s)`}, "t.value")
	if err != nil {
		return nil, "", err
	}
	order, err := registryOrder(q.OrderBy, map[string]string{"name": "m.name", "timestamp": "m.last_updated_time",
		"last_updated_timestamp": "m.last_updated_time", "creation_timestamp": "m.creation_time"}, "m.name ASC")
	if err != nil {
		return nil, "", err
	}
	limit, offset, err := pageOf(q.MaxResults, 100, q.PageToken)
	if err != nil {
		return nil, "", err
	}
	ms, err := s.queryModels(ctx, `SELECT `+modelCols+` FROM registered_models m WHERE `+where+` ORDER BY `+order+` LIMIT ? OFFSET ?`,
		append(args, limit+1, offset)...)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(ms) > limit {
		ms, next = ms[:limit], encodeOffset(offset+limit)
	}
	return ms, next, nil
}

// RenameRegisteredModel renames a model; its versions, tags and aliases
// follow. Returns ErrNotFound, ErrAlreadyExists or ErrInvalid.
func (s *Store) RenameRegisteredModel(ctx context.Context, name, newName string) (*RegisteredModel, error) {
	if err := ValidateModelName(newName); err != nil {
		return nil, err
	}
	err := s.write(ctx, func(tx *Tx) error {
		id, err := tx.modelID(name)
		if err != nil {
			return err
		}
		if other, err := tx.modelID(newName); err == nil && other != id {
			return exists("registered model %q already exists", newName)
		} else if err != nil && !isNotFound(err) {
			return err
		}
		if _, err := tx.exec(`UPDATE registered_models SET name = ?, last_updated_time = ? WHERE id = ?`, newName, tx.now, id); err != nil {
			return err
		}
		return tx.event("registered_model.renamed", modelEntity(id), jsonObj("old_name", name, "name", newName))
	})
	if err != nil {
		return nil, err
	}
	return s.GetRegisteredModel(ctx, newName)
}

// UpdateRegisteredModel sets a model's description. Returns ErrNotFound.
func (s *Store) UpdateRegisteredModel(ctx context.Context, name, description string) (*RegisteredModel, error) {
	err := s.write(ctx, func(tx *Tx) error {
		id, err := tx.modelID(name)
		if err != nil {
			return err
		}
		if _, err := tx.exec(`UPDATE registered_models SET description = ?, last_updated_time = ? WHERE id = ?`, description, tx.now, id); err != nil {
			return err
		}
		return tx.event("registered_model.updated", modelEntity(id), jsonObj("name", name))
	})
	if err != nil {
		return nil, err
	}
	return s.GetRegisteredModel(ctx, name)
}

// DeleteRegisteredModel deletes a model with all its versions, tags,
// aliases and their lineage (as MLflow, for good: there is no restore).
// Returns ErrNotFound.
func (s *Store) DeleteRegisteredModel(ctx context.Context, name string) error {
	return s.write(ctx, func(tx *Tx) error {
		id, err := tx.modelID(name)
		if err != nil {
			return err
		}
		var n int64
		if err := tx.queryRow(`SELECT count(*) FROM model_versions WHERE model_id = ?`, id).Scan(&n); err != nil {
			return err
		}
		if _, err := tx.exec(`DELETE FROM lineage WHERE (to_kind = 'model_version' AND to_id GLOB ?) OR (from_kind = 'model_version' AND from_id GLOB ?)`,
			strconv.FormatInt(id, 10)+":*", strconv.FormatInt(id, 10)+":*"); err != nil {
			return err
		}
		if _, err := tx.exec(`DELETE FROM registered_models WHERE id = ?`, id); err != nil {
			return fmt.Errorf("delete registered model %s: %w", name, err)
		}
		return tx.event("registered_model.deleted", modelEntity(id), jsonObj("name", name, "versions", n))
	})
}

// SetRegisteredModelTag sets one tag on a model. Returns ErrNotFound or ErrInvalid.
func (s *Store) SetRegisteredModelTag(ctx context.Context, name, key, value string) error {
	if err := validateRegistryTag(Tag{key, value}); err != nil {
		return err
	}
	return s.write(ctx, func(tx *Tx) error {
		id, err := tx.modelID(name)
		if err != nil {
			return err
		}
		if _, err := tx.exec(`INSERT INTO registered_model_tags VALUES (?, ?, ?) ON CONFLICT DO UPDATE SET value = excluded.value`, id, key, value); err != nil {
			return err
		}
		return tx.event("registered_model.tagged", modelEntity(id), jsonObj("name", name, "key", key))
	})
}

// DeleteRegisteredModelTag removes a tag from a model; a tag that is not
// there is no error (as MLflow). Returns ErrNotFound for an unknown model.
func (s *Store) DeleteRegisteredModelTag(ctx context.Context, name, key string) error {
	if err := ValidateKey("tag", key); err != nil {
		return err
	}
	return s.write(ctx, func(tx *Tx) error {
		id, err := tx.modelID(name)
		if err != nil {
			return err
		}
		res, err := tx.exec(`DELETE FROM registered_model_tags WHERE model_id = ? AND key = ?`, id, key)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		return tx.event("registered_model.tag_deleted", modelEntity(id), jsonObj("name", name, "key", key))
	})
}

// SetModelAlias points alias at a version, moving it if it pointed at
// another (one event with both versions). Returns ErrNotFound for an
// unknown model or version, ErrInvalid for a bad alias.
func (s *Store) SetModelAlias(ctx context.Context, name, alias string, version int64) error {
	if err := ValidateAlias(alias); err != nil {
		return err
	}
	return s.write(ctx, func(tx *Tx) error {
		id, err := tx.modelID(name)
		if err != nil {
			return err
		}
		if err := tx.versionExists(id, name, version); err != nil {
			return err
		}
		var old sql.NullInt64
		if err := tx.queryRow(`SELECT version FROM model_aliases WHERE model_id = ? AND alias = ?`, id, alias).Scan(&old); err != nil && !isNoRows(err) {
			return err
		}
		if old.Valid && old.Int64 == version {
			return nil
		}
		if _, err := tx.exec(`INSERT INTO model_aliases VALUES (?, ?, ?) ON CONFLICT DO UPDATE SET version = excluded.version`, id, alias, version); err != nil {
			return err
		}
		if err := tx.touchModel(id); err != nil {
			return err
		}
		var prev any
		if old.Valid {
			prev = old.Int64
		}
		return tx.event("model_alias.set", modelEntity(id), jsonObj("name", name, "alias", alias, "version", version, "previous_version", prev))
	})
}

// DeleteModelAlias removes an alias and returns the version it named (0 when
// the model had no such alias, which is no error, as in MLflow). Returns
// ErrNotFound for an unknown model.
func (s *Store) DeleteModelAlias(ctx context.Context, name, alias string) (int64, error) {
	var prev int64
	err := s.write(ctx, func(tx *Tx) error {
		prev = 0
		id, err := tx.modelID(name)
		if err != nil {
			return err
		}
		if err := tx.queryRow(`DELETE FROM model_aliases WHERE model_id = ? AND alias = ? RETURNING version`, id, alias).Scan(&prev); isNoRows(err) {
			return nil
		} else if err != nil {
			return err
		}
		if err := tx.touchModel(id); err != nil {
			return err
		}
		return tx.event("model_alias.deleted", modelEntity(id), jsonObj("name", name, "alias", alias, "previous_version", prev))
	})
	return prev, err
}

// GetModelVersionByAlias returns the version an alias names. Returns
// ErrNotFound for an unknown model or alias.
func (s *Store) GetModelVersionByAlias(ctx context.Context, name, alias string) (*ModelVersion, error) {
	var v int64
	err := s.rdb.QueryRowContext(ctx, `SELECT a.version FROM model_aliases a JOIN registered_models m ON m.id = a.model_id
		WHERE m.name = ? AND a.alias = ?`, name, alias).Scan(&v)
	if isNoRows(err) {
		if _, err := s.GetRegisteredModel(ctx, name); err != nil {
			return nil, err
		}
		return nil, notFound("registered model %q has no alias %q", name, alias)
	}
	if err != nil {
		return nil, fmt.Errorf("read alias %s@%s: %w", name, alias, err)
	}
	return s.GetModelVersion(ctx, name, v)
}

// ModelLineage is where a version came from: the run that produced it and
// the datasets that run consumed.
type ModelLineage struct {
	Version  *ModelVersion
	Run      *Run // nil when the version records no run
	Datasets []DatasetInput
	// DataVersions are the lathe dataset versions the run consumed.
	DataVersions []*DataVersion
}

// ModelVersionLineage reads a version's lineage from the lineage table:
// the run that produced it and, through that run's inputs, its datasets.
// Returns ErrNotFound for an unknown model or version.
func (s *Store) ModelVersionLineage(ctx context.Context, name string, version int64) (*ModelLineage, error) {
	var id int64
	if err := s.rdb.QueryRowContext(ctx, `SELECT id FROM registered_models WHERE name = ?`, name).Scan(&id); isNoRows(err) {
		return nil, notFound("no registered model named %q", name)
	} else if err != nil {
		return nil, err
	}
	mv, err := s.GetModelVersion(ctx, name, version)
	if err != nil {
		return nil, err
	}
	out := &ModelLineage{Version: mv}
	var runID string
	err = s.rdb.QueryRowContext(ctx, `SELECT from_id FROM lineage WHERE to_kind = 'model_version' AND to_id = ?
		AND from_kind = 'run' AND kind = 'produced' ORDER BY created LIMIT 1`, versionLineageID(id, version)).Scan(&runID)
	if isNoRows(err) {
		return out, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read lineage of %s:%d: %w", name, version, err)
	}
	if out.Run, err = s.GetRun(ctx, runID); err != nil {
		return nil, err
	}
	out.Datasets = out.Run.Inputs
	if out.DataVersions, err = s.RunDataInputs(ctx, out.Run.ID); err != nil {
		return nil, err
	}
	return out, nil
}

// Paging and ordering shared by the registry and logged-model searches.

func pageOf(max, def int, token string) (limit, offset int, err error) {
	if max <= 0 {
		max = def
	}
	if max > MaxRegistrySearchResults {
		return 0, 0, invalid("max_results %d is over the limit of %d", max, MaxRegistrySearchResults)
	}
	if token == "" {
		return max, 0, nil
	}
	b, err := base64.StdEncoding.DecodeString(token)
	var pt pageToken
	if err == nil {
		err = json.Unmarshal(b, &pt)
	}
	if err != nil || pt.Offset < 0 {
		return 0, 0, invalid("invalid page token %q", token)
	}
	return max, pt.Offset, nil
}

func encodeOffset(n int) string {
	b, _ := json.Marshal(pageToken{Offset: n})
	return base64.StdEncoding.EncodeToString(b)
}

// registryOrder turns "FIELD [ASC|DESC]" clauses into SQL over cols, then
// the tie-break.
func registryOrder(clauses []string, cols map[string]string, tie string) (string, error) {
	var out []string
	for _, c := range clauses {
		f := strings.Fields(c)
		if len(f) == 0 || len(f) > 2 {
			return "", invalid("invalid order_by clause %q: want FIELD, FIELD ASC or FIELD DESC", c)
		}
		col, ok := cols[strings.TrimPrefix(f[0], "attributes.")]
		if !ok {
			keys := make([]string, 0, len(cols))
			for k := range cols {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			return "", invalid("invalid order_by clause %q: can order by %s", c, strings.Join(keys, ", "))
		}
		dir := "ASC"
		if len(f) == 2 {
			switch strings.ToUpper(f[1]) {
			case "ASC":
			case "DESC":
				dir = "DESC"
			default:
				return "", invalid("invalid order_by clause %q: the direction must be ASC or DESC", c)
			}
		}
		out = append(out, col+" "+dir)
	}
	return strings.Join(append(out, tie), ", "), nil
}

func isNotFound(err error) bool { return errors.Is(err, ErrNotFound) }
