package mlflowimport

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// sqliteMagic starts every SQLite database file.
var sqliteMagic = []byte("SQLite format 3\x00")

// openSource picks the reader for src:
//
//	http://host:port, https://...     a tracking server (REST API 2.0)
//	sqlite:///rel.db, sqlite:////abs   SQLAlchemy's SQLite URIs, as MLflow takes them
//	file:///path/mlruns               a file store
//	PATH                              a file store directory, or a SQLite file
func openSource(ctx context.Context, src string, opt Options) (source, error) {
	if src == "" {
		return nil, fmt.Errorf("no MLflow store given: want an mlruns/ directory, a SQLite file or an http(s):// server")
	}
	lower := strings.ToLower(src)
	switch {
	case strings.HasPrefix(lower, "http://") || strings.HasPrefix(lower, "https://"):
		return openHTTP(ctx, src, opt)
	case strings.HasPrefix(lower, "sqlite:"):
		p, err := sqlitePath(src)
		if err != nil {
			return nil, err
		}
		return openSQLite(ctx, abs(opt.Dir, p), opt.ArtifactsDir)
	case strings.HasPrefix(lower, "file:"):
		u, err := url.Parse(src)
		if err != nil || u.Path == "" {
			return nil, fmt.Errorf("malformed file URI %q", src)
		}
		return openFileStore(filepath.FromSlash(u.Path), opt.ArtifactsDir)
	}
	if i := strings.Index(src, "://"); i > 0 {
		return nil, fmt.Errorf("cannot import from %q: lathe reads MLflow file stores (mlruns/), SQLite databases and tracking servers (http://, https://); for %s, point lathe at the MLflow server in front of it",
			src, src[:i])
	}
	src = abs(opt.Dir, src)
	fi, err := os.Stat(src)
	if err != nil {
		return nil, fmt.Errorf("open MLflow store: %w", err)
	}
	if fi.IsDir() {
		return openFileStore(src, opt.ArtifactsDir)
	}
	head := make([]byte, len(sqliteMagic))
	f, err := os.Open(src)
	if err != nil {
		return nil, fmt.Errorf("open MLflow store: %w", err)
	}
	_, _ = f.Read(head)
	f.Close()
	if !bytes.Equal(head, sqliteMagic) {
		return nil, fmt.Errorf("%s is neither a directory (an MLflow file store) nor a SQLite database", src)
	}
	return openSQLite(ctx, src, opt.ArtifactsDir)
}

// sqlitePath turns SQLAlchemy's sqlite:///relative.db and sqlite:////abs.db
// into a path.
func sqlitePath(uri string) (string, error) {
	rest := uri[len("sqlite:"):]
	if !strings.HasPrefix(rest, "///") {
		return "", fmt.Errorf("malformed SQLite URI %q: want sqlite:///relative/path.db or sqlite:////absolute/path.db", uri)
	}
	p := rest[len("///"):]
	if i := strings.IndexByte(p, '?'); i >= 0 {
		p = p[:i]
	}
	if p == "" || p == ":memory:" {
		return "", fmt.Errorf("SQLite URI %q names no database file", uri)
	}
	return filepath.FromSlash(p), nil
}

// abs makes p absolute, taking a relative p from dir when dir is set.
func abs(dir, p string) string {
	if filepath.IsAbs(p) || dir == "" {
		return p
	}
	return filepath.Join(dir, p)
}
