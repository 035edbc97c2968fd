package mlflowimport

import (
	"context"
	"fmt"
)

// models reads MLflow's registry tables: registered_models,
// registered_model_tags, registered_model_aliases, model_versions and
// model_version_tags. Versions in the internal "Deleted_Internal" stage are
// left out, as MLflow's API leaves them out.
func (s *sqliteSource) models(ctx context.Context) ([]Model, error) {
	if s.cols["registered_models"] == nil {
		return nil, nil
	}
	rows, err := s.db.QueryContext(ctx, `SELECT name, coalesce(description, ''), coalesce(creation_time, 0),
		coalesce(last_updated_time, 0) FROM registered_models ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("%s: registered_models: %w", s.path, err)
	}
	var out []Model
	for rows.Next() {
		var m Model
		if err := rows.Scan(&m.Name, &m.Description, &m.CreationTime, &m.LastUpdatedTime); err != nil {
			rows.Close()
			return nil, fmt.Errorf("%s: registered_models: %w", s.path, err)
		}
		out = append(out, m)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range out {
		if err := s.fillModel(ctx, &out[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (s *sqliteSource) fillModel(ctx context.Context, m *Model) error {
	var err error
	if s.cols["registered_model_tags"] != nil {
		if m.Tags, err = s.kv(ctx, `SELECT key, coalesce(value, '') FROM registered_model_tags WHERE name = ? ORDER BY key`, m.Name); err != nil {
			return err
		}
	}
	if s.cols["registered_model_aliases"] != nil {
		rows, err := s.db.QueryContext(ctx, `SELECT alias, version FROM registered_model_aliases WHERE name = ?`, m.Name)
		if err != nil {
			return fmt.Errorf("%s: registered_model_aliases: %w", s.path, err)
		}
		for rows.Next() {
			var a string
			var v int64
			if err := rows.Scan(&a, &v); err != nil {
				rows.Close()
				return err
			}
			if m.Aliases == nil {
				m.Aliases = map[string]int64{}
			}
			m.Aliases[a] = v
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	if s.cols["model_versions"] == nil {
		return nil
	}
	rows, err := s.db.QueryContext(ctx, `SELECT version, coalesce(source, ''), coalesce(run_id, ''), coalesce(run_link, ''),
		coalesce(status, ''), coalesce(status_message, ''), coalesce(current_stage, ''), coalesce(description, ''),
		coalesce(user_id, ''), coalesce(creation_time, 0), coalesce(last_updated_time, 0)
		FROM model_versions WHERE name = ? AND coalesce(current_stage, '') != 'Deleted_Internal' ORDER BY version`, m.Name)
	if err != nil {
		return fmt.Errorf("%s: model_versions: %w", s.path, err)
	}
	for rows.Next() {
		var v ModelVersion
		if err := rows.Scan(&v.Version, &v.Source, &v.RunID, &v.RunLink, &v.Status, &v.StatusMessage, &v.Stage,
			&v.Description, &v.UserID, &v.CreationTime, &v.LastUpdatedTime); err != nil {
			rows.Close()
			return fmt.Errorf("%s: model_versions: %w", s.path, err)
		}
		m.Versions = append(m.Versions, v)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if s.cols["model_version_tags"] == nil {
		return nil
	}
	for i := range m.Versions {
		v := &m.Versions[i]
		if v.Tags, err = s.kv(ctx, `SELECT key, coalesce(value, '') FROM model_version_tags WHERE name = ? AND version = ? ORDER BY key`,
			m.Name, v.Version); err != nil {
			return err
		}
	}
	return nil
}
