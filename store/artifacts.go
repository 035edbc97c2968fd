package store

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode/utf8"
)

// CleanArtifactPath validates a relative artifact path and returns it in
// canonical form. It refuses what MLflow's path-traversal CVEs used:
// absolute paths, ".." segments, backslashes, NUL and control characters,
// and empty segments. URL decoding is the caller's job and happens once.
func CleanArtifactPath(p string) (string, error) {
	if p == "" {
		return "", invalid("artifact path is empty")
	}
	if !utf8.ValidString(p) {
		return "", invalid("artifact path %q is not valid UTF-8", p)
	}
	if strings.HasPrefix(p, "/") || strings.Contains(p, `\`) || len(p) > 1 && p[1] == ':' {
		return "", invalid("artifact path %q must be relative (no leading /, drive letter or backslash)", p)
	}
	for _, r := range p {
		if r < 0x20 || r == 0x7f {
			return "", invalid("artifact path %q contains a control character", p)
		}
	}
	p = strings.TrimSuffix(p, "/")
	for _, seg := range strings.Split(p, "/") {
		switch seg {
		case "", ".", "..":
			return "", invalid("artifact path %q has an empty, \".\" or \"..\" segment", p)
		}
	}
	if len(p) > 4096 {
		return "", invalid("artifact path is over 4096 bytes")
	}
	return p, nil
}

// LogArtifact stores r as the artifact at path in a run, replacing what was
// there. The bytes are written (and synced) before the transaction that
// references them commits, so an artifact row never points at missing data.
func (s *Store) LogArtifact(ctx context.Context, runID, path string, r io.Reader) (Artifact, error) {
	clean, err := CleanArtifactPath(path)
	if err != nil {
		return Artifact{}, err
	}
	if _, err := s.runRowID(ctx, runID); err != nil {
		return Artifact{}, err
	}
	b, _, err := s.PutBlob(ctx, r)
	if err != nil {
		return Artifact{}, fmt.Errorf("log artifact %s: %w", clean, err)
	}
	err = s.write(ctx, func(tx *Tx) error {
		rid, err := tx.activeRun(runID)
		if err != nil {
			return err
		}
		// A directory and a file cannot share a name.
		var clash int
		if err := tx.queryRow(`SELECT count(*) FROM artifacts WHERE run_id = ? AND (substr(path, 1, ?) = ? OR path IN (`+parentsSQL(clean)+`))`,
			append([]any{rid, len(clean) + 1, clean + "/"}, parents(clean)...)...).Scan(&clash); err != nil {
			return err
		}
		if clash > 0 {
			return badState("artifact %q clashes with an existing file or directory of run %s", clean, runID)
		}
		var old string
		err = tx.queryRow(`SELECT hash FROM artifacts WHERE run_id = ? AND path = ?`, rid, clean).Scan(&old)
		if err == nil {
			if err := tx.unrefBlob(old); err != nil {
				return err
			}
		} else if !isNoRows(err) {
			return err
		}
		if err := tx.refBlob(b); err != nil {
			return err
		}
		if _, err := tx.exec(`INSERT INTO artifacts (run_id, path, hash, size) VALUES (?, ?, ?, ?)
			ON CONFLICT DO UPDATE SET hash = excluded.hash, size = excluded.size`, rid, clean, b.Hash, b.Size); err != nil {
			return fmt.Errorf("record artifact %s: %w", clean, err)
		}
		return tx.event("artifact.logged", "run:"+runID, jsonObj("path", clean, "hash", b.Hash, "size", b.Size))
	})
	if err != nil {
		return Artifact{}, err
	}
	return Artifact{Path: clean, Size: b.Size}, nil
}

func parents(p string) []any {
	var out []any
	for i := 0; i < len(p); i++ {
		if p[i] == '/' {
			out = append(out, p[:i])
		}
	}
	return out
}

func parentsSQL(p string) string {
	n := len(parents(p))
	if n == 0 {
		return "NULL"
	}
	return strings.TrimSuffix(strings.Repeat("?,", n), ",")
}

// OpenArtifact opens one artifact file of a run. Returns ErrNotFound when
// the run or path is unknown (a directory is not a file).
func (s *Store) OpenArtifact(ctx context.Context, runID, path string) (*os.File, Artifact, error) {
	clean, err := CleanArtifactPath(path)
	if err != nil {
		return nil, Artifact{}, err
	}
	rid, err := s.runRowID(ctx, runID)
	if err != nil {
		return nil, Artifact{}, err
	}
	var hash string
	var size int64
	err = s.rdb.QueryRowContext(ctx, `SELECT hash, size FROM artifacts WHERE run_id = ? AND path = ?`, rid, clean).Scan(&hash, &size)
	if isNoRows(err) {
		return nil, Artifact{}, notFound("run %s has no artifact file %q", runID, clean)
	}
	if err != nil {
		return nil, Artifact{}, fmt.Errorf("open artifact %s: %w", clean, err)
	}
	f, err := s.OpenBlob(hash)
	if err != nil {
		return nil, Artifact{}, err
	}
	return f, Artifact{Path: clean, Size: size}, nil
}

// DeleteArtifacts removes an artifact file, or a directory and everything
// under it, from a run. Returns ErrNotFound when nothing matches.
func (s *Store) DeleteArtifacts(ctx context.Context, runID, path string) (int, error) {
	clean, err := CleanArtifactPath(path)
	if err != nil {
		return 0, err
	}
	var n int
	err = s.write(ctx, func(tx *Tx) error {
		rid, err := tx.activeRun(runID)
		if err != nil {
			return err
		}
		rows, err := tx.tx.QueryContext(tx.ctx, `DELETE FROM artifacts WHERE run_id = ? AND (path = ? OR substr(path, 1, ?) = ?) RETURNING hash`,
			rid, clean, len(clean)+1, clean+"/")
		if err != nil {
			return fmt.Errorf("delete artifacts %s: %w", clean, err)
		}
		hashes, err := scanStrings(rows)
		if err != nil {
			return err
		}
		if len(hashes) == 0 {
			return notFound("run %s has no artifact %q", runID, clean)
		}
		for _, h := range hashes {
			if err := tx.unrefBlob(h); err != nil {
				return err
			}
		}
		n = len(hashes)
		return tx.event("artifact.deleted", "run:"+runID, jsonObj("path", clean, "files", n))
	})
	return n, err
}
