package store

import (
	"context"
	"fmt"
	"strings"
)

// Events returns up to limit events with id greater than after, oldest
// first: the change feed that live views follow.
func (s *Store) Events(ctx context.Context, after int64, limit int) ([]Event, error) {
	if limit <= 0 {
		limit = 1000
	}
	rows, err := s.rdb.QueryContext(ctx, `SELECT id, time, kind, entity, payload FROM events WHERE id > ? ORDER BY id LIMIT ?`, after, limit)
	if err != nil {
		return nil, fmt.Errorf("read events: %w", err)
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var e Event
		if err := rows.Scan(&e.ID, &e.Time, &e.Kind, &e.Entity, &e.Payload); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// LastEventID is the id of the newest event (0 for none).
func (s *Store) LastEventID(ctx context.Context) (int64, error) {
	var id int64
	if err := s.rdb.QueryRowContext(ctx, `SELECT coalesce(max(id), 0) FROM events`).Scan(&id); err != nil {
		return 0, fmt.Errorf("read events: %w", err)
	}
	return id, nil
}

// Artifact is one entry of a run's artifact listing.
type Artifact struct {
	Path  string
	IsDir bool
	Size  int64
}

// ListArtifacts lists the direct children of dir in a run's artifacts.
// Returns ErrNotFound for an unknown run.
func (s *Store) ListArtifacts(ctx context.Context, runID, dir string) ([]Artifact, error) {
	rid, err := s.runRowID(ctx, runID)
	if err != nil {
		return nil, err
	}
	prefix := ""
	if dir != "" {
		prefix = dir + "/"
	}
	rows, err := s.rdb.QueryContext(ctx, `SELECT path, size FROM artifacts WHERE run_id = ? AND substr(path, 1, ?) = ? ORDER BY path`, rid, len(prefix), prefix)
	if err != nil {
		return nil, fmt.Errorf("list artifacts: %w", err)
	}
	defer rows.Close()
	var out []Artifact
	seen := map[string]bool{}
	for rows.Next() {
		var p string
		var size int64
		if err := rows.Scan(&p, &size); err != nil {
			return nil, err
		}
		rest := p[len(prefix):]
		if i := strings.IndexByte(rest, '/'); i >= 0 {
			d := prefix + rest[:i]
			if !seen[d] {
				seen[d] = true
				out = append(out, Artifact{Path: d, IsDir: true})
			}
			continue
		}
		out = append(out, Artifact{Path: p, Size: size})
	}
	return out, rows.Err()
}
