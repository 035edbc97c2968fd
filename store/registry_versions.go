package store

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"strings"
)

// ModelVersionCreate describes a new version. Source is required; RunID
// defaults to the run of a runs:/RUN_ID/PATH source; LoggedModelID links an
// MLflow 3 logged model (models:/m-… sources).
type ModelVersionCreate struct {
	Name          string
	Source        string
	RunID         string
	RunLink       string
	LoggedModelID string
	Description   string
	UserID        string
	Tags          []Tag
	// Version, when set, is the number to keep (imports from MLflow); it
	// must not be below the next free number. Zero allocates the next one.
	Version int64
}

// CheckModelSource refuses what MLflow's server refuses as a version
// source: local paths (lathe keeps no artifacts in plain directories) and
// any source with a ".." segment or a NUL byte, even percent-encoded.
func CheckModelSource(src string) error {
	if src == "" {
		return invalid("a model version needs a source (for example runs:/RUN_ID/PATH)")
	}
	dec := src
	for i := 0; i < 4; i++ {
		u, err := url.QueryUnescape(dec)
		if err != nil || u == dec {
			break
		}
		dec = u
	}
	for _, seg := range strings.Split(dec, "/") {
		if seg == ".." || strings.ContainsRune(seg, 0) {
			return invalid("invalid model version source %q: it must not contain '..' or NUL; give an absolute location", src)
		}
	}
	scheme, _, ok := strings.Cut(src, ":")
	if !ok || scheme == "file" || len(scheme) < 2 || !isScheme(scheme) {
		return invalid("invalid model version source %q: local paths cannot be registered; use runs:/RUN_ID/PATH, models:/MODEL_ID or another URI", src)
	}
	return nil
}

func isScheme(s string) bool {
	for i, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && (r >= '0' && r <= '9' || r == '+' || r == '-' || r == '.')) {
			return false
		}
	}
	return true
}

// runsURI splits runs:/RUN_ID[/PATH].
func runsURI(src string) (run, path string, ok bool) {
	rest, ok := strings.CutPrefix(src, "runs:/")
	if !ok {
		return "", "", false
	}
	run, path, _ = strings.Cut(strings.TrimLeft(rest, "/"), "/")
	return run, strings.Trim(path, "/"), run != ""
}

// CreateModelVersion registers the next version of a model, numbered inside
// the transaction, and records lineage run -> version ("produced") and
// logged model -> version ("registered"). Returns ErrNotFound for an
// unknown model, run or logged model, ErrInvalid for a bad source or tag.
func (s *Store) CreateModelVersion(ctx context.Context, mc ModelVersionCreate) (*ModelVersion, error) {
	if err := CheckModelSource(mc.Source); err != nil {
		return nil, err
	}
	for _, t := range mc.Tags {
		if err := validateRegistryTag(t); err != nil {
			return nil, err
		}
	}
	srcRun, srcPath, isRuns := runsURI(mc.Source)
	if mc.RunID == "" && isRuns {
		mc.RunID = srcRun
	}
	if mc.LoggedModelID == "" {
		if id, ok := strings.CutPrefix(mc.Source, "models:/"); ok && strings.HasPrefix(id, "m-") && !strings.Contains(id, "/") {
			mc.LoggedModelID = id
		}
	}
	var version int64
	err := s.write(ctx, func(tx *Tx) error {
		id, err := tx.modelID(mc.Name)
		if err != nil {
			return err
		}
		if mc.Version > 0 {
			var next int64
			if err := tx.queryRow(`SELECT next_version FROM registered_models WHERE id = ?`, id).Scan(&next); err != nil {
				return err
			}
			if mc.Version < next {
				return exists("version %d of %s cannot be created: numbers below %d are taken or were used", mc.Version, mc.Name, next)
			}
			if _, err := tx.exec(`UPDATE registered_models SET next_version = ?, last_updated_time = ? WHERE id = ?`, mc.Version+1, tx.now, id); err != nil {
				return fmt.Errorf("allocate version %d of %s: %w", mc.Version, mc.Name, err)
			}
			version = mc.Version
		} else if err := tx.queryRow(`UPDATE registered_models SET next_version = next_version + 1, last_updated_time = ?
			WHERE id = ? RETURNING next_version - 1`, tx.now, id).Scan(&version); err != nil {
			return fmt.Errorf("allocate a version of %s: %w", mc.Name, err)
		}
		storage := mc.Source
		var rid any
		if mc.RunID != "" {
			var r int64
			var uri string
			if err := tx.queryRow(`SELECT id, artifact_uri FROM runs WHERE uuid = ?`, mc.RunID).Scan(&r, &uri); isNoRows(err) {
				return notFound("no run with id %q", mc.RunID)
			} else if err != nil {
				return err
			}
			rid = r
			if isRuns && srcRun == mc.RunID {
				storage = strings.TrimSuffix(uri, "/")
				if srcPath != "" {
					storage += "/" + srcPath
				}
			}
		}
		if mc.LoggedModelID != "" {
			var uri string
			if err := tx.queryRow(`SELECT artifact_uri FROM logged_models WHERE id = ? AND lifecycle_stage = 'active'`, mc.LoggedModelID).Scan(&uri); isNoRows(err) {
				return notFound("no logged model with id %q", mc.LoggedModelID)
			} else if err != nil {
				return err
			}
			if strings.HasPrefix(mc.Source, "models:/") {
				storage = uri
			}
			if err := tx.noteRegistration(mc.LoggedModelID, mc.Name, version); err != nil {
				return err
			}
			if err := tx.lineage("logged_model", mc.LoggedModelID, "model_version", versionLineageID(id, version), "registered"); err != nil {
				return err
			}
		}
		if _, err := tx.exec(`INSERT INTO model_versions (model_id, version, source, run_id, status, description, user_id,
			creation_time, last_updated_time, run_link, storage_location, logged_model_id) VALUES (?, ?, ?, ?, 'READY', ?, ?, ?, ?, ?, ?, ?)`,
			id, version, mc.Source, rid, mc.Description, mc.UserID, tx.now, tx.now, mc.RunLink, storage, mc.LoggedModelID); err != nil {
			return fmt.Errorf("insert model version: %w", err)
		}
		for _, t := range mc.Tags {
			if _, err := tx.exec(`INSERT INTO model_version_tags VALUES (?, ?, ?, ?) ON CONFLICT DO UPDATE SET value = excluded.value`, id, version, t.Key, t.Value); err != nil {
				return err
			}
		}
		if mc.RunID != "" {
			if err := tx.lineage("run", mc.RunID, "model_version", versionLineageID(id, version), "produced"); err != nil {
				return err
			}
		}
		return tx.event("model_version.created", versionEntity(id, version),
			jsonObj("name", mc.Name, "version", version, "source", mc.Source, "run_id", mc.RunID))
	})
	if err != nil {
		return nil, err
	}
	return s.GetModelVersion(ctx, mc.Name, version)
}

const versionSelect = `SELECT m.name, v.version, v.source, v.storage_location, coalesce(r.uuid, ''), v.run_link, v.logged_model_id,
	v.status, v.status_message, v.description, v.user_id, v.creation_time, v.last_updated_time, v.model_id
	FROM model_versions v JOIN registered_models m ON m.id = v.model_id LEFT JOIN runs r ON r.id = v.run_id `

// queryVersions selects versions (suffix: WHERE, ORDER BY, LIMIT over v, m
// and r) with their tags and aliases.
func (s *Store) queryVersions(ctx context.Context, suffix string, args ...any) ([]*ModelVersion, error) {
	var out []*ModelVersion
	type key struct{ id, v int64 }
	byKey := map[key]*ModelVersion{}
	var ids []int64
	err := s.eachRow(ctx, versionSelect+suffix, args, func(r *sql.Rows) error {
		mv := &ModelVersion{Tags: map[string]string{}}
		var id int64
		if err := r.Scan(&mv.Name, &mv.Version, &mv.Source, &mv.StorageLocation, &mv.RunID, &mv.RunLink, &mv.LoggedModelID,
			&mv.Status, &mv.StatusMessage, &mv.Description, &mv.UserID, &mv.CreationTime, &mv.LastUpdatedTime, &id); err != nil {
			return err
		}
		if _, seen := byKey[key{id, 0}]; !seen {
			byKey[key{id, 0}] = nil
			ids = append(ids, id)
		}
		byKey[key{id, mv.Version}] = mv
		out = append(out, mv)
		return nil
	})
	if err != nil || len(out) == 0 {
		return out, err
	}
	inArgs := anys(ids)
	err = s.eachRowIn(ctx, `SELECT model_id, version, key, value FROM model_version_tags WHERE model_id IN %s`, inArgs, func(r *sql.Rows) error {
		var k key
		var tk, tv string
		if err := r.Scan(&k.id, &k.v, &tk, &tv); err != nil {
			return err
		}
		if mv := byKey[k]; mv != nil && k.v != 0 {
			mv.Tags[tk] = tv
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = s.eachRowIn(ctx, `SELECT model_id, version, alias FROM model_aliases WHERE model_id IN %s ORDER BY alias`, inArgs, func(r *sql.Rows) error {
		var k key
		var a string
		if err := r.Scan(&k.id, &k.v, &a); err != nil {
			return err
		}
		if mv := byKey[k]; mv != nil && k.v != 0 {
			mv.Aliases = append(mv.Aliases, a)
		}
		return nil
	})
	return out, err
}

// GetModelVersion returns one version. Returns ErrNotFound for an unknown
// model or version.
func (s *Store) GetModelVersion(ctx context.Context, name string, version int64) (*ModelVersion, error) {
	vs, err := s.queryVersions(ctx, `WHERE m.name = ? AND v.version = ?`, name, version)
	if err != nil {
		return nil, err
	}
	if len(vs) == 0 {
		if _, err := s.GetRegisteredModel(ctx, name); err != nil {
			return nil, err
		}
		return nil, notFound("registered model %q has no version %d", name, version)
	}
	return vs[0], nil
}

// SearchModelVersions returns one page of versions (default order: name
// ASC, version DESC) and the next page's token. Order fields: name,
// version_number, creation_timestamp, last_updated_timestamp (timestamp).
// Returns ErrInvalid for a bad filter, order or token.
func (s *Store) SearchModelVersions(ctx context.Context, q RegistryQuery) ([]*ModelVersion, string, error) {
	conds, err := parseRegistryFilter(q.Filter, versionFilterFields())
	if err != nil {
		return nil, "", err
	}
	where, args, err := compileFilter(conds, map[string]string{"name": "m.name", "run_id": "coalesce(r.uuid, '')",
		"source_path": "v.source", "version_number": "v.version"},
		map[string]string{"tags": `EXISTS (SELECT 1 FROM model_version_tags t WHERE t.model_id = v.model_id AND t.version = v.version AND t.key = ? AND %s)`}, "t.value")
	if err != nil {
		return nil, "", err
	}
	if q.Name != "" {
		where += ` AND m.name = ?`
		args = append(args, q.Name)
	}
	order, err := registryOrder(q.OrderBy, map[string]string{"name": "m.name", "version_number": "v.version",
		"creation_timestamp": "v.creation_time", "last_updated_timestamp": "v.last_updated_time", "timestamp": "v.last_updated_time"},
		"m.name ASC, v.version DESC")
	if err != nil {
		return nil, "", err
	}
	limit, offset, err := pageOf(q.MaxResults, 10000, q.PageToken)
	if err != nil {
		return nil, "", err
	}
	vs, err := s.queryVersions(ctx, `WHERE `+where+` ORDER BY `+order+` LIMIT ? OFFSET ?`, append(args, limit+1, offset)...)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(vs) > limit {
		vs, next = vs[:limit], encodeOffset(offset+limit)
	}
	return vs, next, nil
}

// versionWrite runs fn on an existing version inside a write.
func (s *Store) versionWrite(ctx context.Context, name string, version int64, fn func(tx *Tx, id int64) error) error {
	return s.write(ctx, func(tx *Tx) error {
		id, err := tx.modelID(name)
		if err != nil {
			return err
		}
		if err := tx.versionExists(id, name, version); err != nil {
			return err
		}
		return fn(tx, id)
	})
}

// UpdateModelVersion sets a version's description. Returns ErrNotFound.
func (s *Store) UpdateModelVersion(ctx context.Context, name string, version int64, description string) (*ModelVersion, error) {
	err := s.versionWrite(ctx, name, version, func(tx *Tx, id int64) error {
		if _, err := tx.exec(`UPDATE model_versions SET description = ?, last_updated_time = ? WHERE model_id = ? AND version = ?`,
			description, tx.now, id, version); err != nil {
			return err
		}
		return tx.event("model_version.updated", versionEntity(id, version), jsonObj("name", name, "version", version))
	})
	if err != nil {
		return nil, err
	}
	return s.GetModelVersion(ctx, name, version)
}

// DeleteModelVersion deletes a version with its tags, the aliases that
// named it and its lineage. Its number is not reused. Returns ErrNotFound.
func (s *Store) DeleteModelVersion(ctx context.Context, name string, version int64) error {
	return s.versionWrite(ctx, name, version, func(tx *Tx, id int64) error {
		lid := versionLineageID(id, version)
		if _, err := tx.exec(`DELETE FROM lineage WHERE (to_kind = 'model_version' AND to_id = ?) OR (from_kind = 'model_version' AND from_id = ?)`, lid, lid); err != nil {
			return err
		}
		if _, err := tx.exec(`DELETE FROM model_aliases WHERE model_id = ? AND version = ?`, id, version); err != nil {
			return err
		}
		if _, err := tx.exec(`DELETE FROM model_versions WHERE model_id = ? AND version = ?`, id, version); err != nil {
			return err
		}
		if err := tx.touchModel(id); err != nil {
			return err
		}
		return tx.event("model_version.deleted", versionEntity(id, version), jsonObj("name", name, "version", version))
	})
}

// SetModelVersionTag sets one tag on a version. Returns ErrNotFound or ErrInvalid.
func (s *Store) SetModelVersionTag(ctx context.Context, name string, version int64, key, value string) error {
	if err := validateRegistryTag(Tag{key, value}); err != nil {
		return err
	}
	return s.versionWrite(ctx, name, version, func(tx *Tx, id int64) error {
		if _, err := tx.exec(`INSERT INTO model_version_tags VALUES (?, ?, ?, ?) ON CONFLICT DO UPDATE SET value = excluded.value`, id, version, key, value); err != nil {
			return err
		}
		return tx.event("model_version.tagged", versionEntity(id, version), jsonObj("name", name, "version", version, "key", key))
	})
}

// DeleteModelVersionTag removes a tag from a version; a missing tag is no
// error (as MLflow). Returns ErrNotFound for an unknown model or version.
func (s *Store) DeleteModelVersionTag(ctx context.Context, name string, version int64, key string) error {
	if err := ValidateKey("tag", key); err != nil {
		return err
	}
	return s.versionWrite(ctx, name, version, func(tx *Tx, id int64) error {
		res, err := tx.exec(`DELETE FROM model_version_tags WHERE model_id = ? AND version = ? AND key = ?`, id, version, key)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		return tx.event("model_version.tag_deleted", versionEntity(id, version), jsonObj("name", name, "version", version, "key", key))
	})
}

// ModelVersionDownloadURI is where a version's files are: the storage
// location resolved at registration (a runs:/ source becomes the run's
// artifact URI and path), else the source. Returns ErrNotFound.
func (s *Store) ModelVersionDownloadURI(ctx context.Context, name string, version int64) (string, error) {
	mv, err := s.GetModelVersion(ctx, name, version)
	if err != nil {
		return "", err
	}
	if mv.StorageLocation != "" {
		return mv.StorageLocation, nil
	}
	return mv.Source, nil
}
