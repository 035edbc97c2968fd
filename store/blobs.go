package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Blob is a content-addressed object under objects/.
type Blob struct {
	Hash string // "sha256:<64 hex>"
	Size int64
}

// blobPath is where a blob's bytes live: objects/ab/cdef....
func (s *Store) blobPath(hash string) (string, error) {
	hexs, ok := strings.CutPrefix(hash, "sha256:")
	if !ok || len(hexs) != 64 || !isHex(hexs) {
		return "", invalid("malformed blob hash %q", hash)
	}
	return filepath.Join(s.dir, ObjectsDir, hexs[:2], hexs[2:]), nil
}

// PutBlob streams r into the object store, hashing as it goes: the bytes go
// to a temporary file that is synced and then renamed to its hash, so an
// object is never half-written. Existing content is not stored twice
// (created reports whether new bytes were kept). The blob is not referenced
// by anything until a caller records it in a transaction; gc removes
// unreferenced objects.
func (s *Store) PutBlob(ctx context.Context, r io.Reader) (b Blob, created bool, err error) {
	tmpDir := filepath.Join(s.dir, ObjectsDir, "tmp")
	if err := os.MkdirAll(tmpDir, 0o755); err != nil {
		return Blob{}, false, fmt.Errorf("store blob: %w", err)
	}
	f, err := os.CreateTemp(tmpDir, "put-*")
	if err != nil {
		return Blob{}, false, fmt.Errorf("store blob: %w", err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(f, h), ctxReader{ctx, r})
	if err != nil {
		return Blob{}, false, fmt.Errorf("store blob: %w", err)
	}
	if err = f.Sync(); err != nil {
		return Blob{}, false, fmt.Errorf("store blob: sync: %w", err)
	}
	if err = f.Close(); err != nil {
		return Blob{}, false, fmt.Errorf("store blob: %w", err)
	}
	b = Blob{Hash: "sha256:" + hex.EncodeToString(h.Sum(nil)), Size: n}
	dst, _ := s.blobPath(b.Hash)
	if fi, statErr := os.Stat(dst); statErr == nil && fi.Size() == n {
		os.Remove(tmp)
		return b, false, nil
	}
	if err = os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return Blob{}, false, fmt.Errorf("store blob: %w", err)
	}
	if err = os.Chmod(tmp, 0o444); err != nil {
		return Blob{}, false, fmt.Errorf("store blob: %w", err)
	}
	if err = os.Rename(tmp, dst); err != nil {
		return Blob{}, false, fmt.Errorf("store blob: %w", err)
	}
	syncDir(filepath.Dir(dst))
	return b, true, nil
}

// OpenBlob opens a blob's bytes for reading. It reads only a regular file
// of the store: a symbolic link or special file planted under objects/ (to
// make lathe serve a file from elsewhere) is refused. Returns ErrNotFound
// when the object is missing.
func (s *Store) OpenBlob(hash string) (*os.File, error) {
	p, err := s.blobPath(hash)
	if err != nil {
		return nil, err
	}
	objects := filepath.Join(s.dir, ObjectsDir)
	rel, _ := filepath.Rel(objects, p)
	root, err := os.OpenRoot(objects)
	if err != nil {
		return nil, fmt.Errorf("open object store: %w", err)
	}
	defer root.Close()
	li, err := root.Lstat(rel)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, notFound("blob %s is missing from %s", hash, objects)
	}
	if err != nil {
		return nil, fmt.Errorf("open object %s: %w", rel, err)
	}
	if !li.Mode().IsRegular() {
		return nil, fmt.Errorf("object objects/%s is not a regular file of the store (a symbolic link or special file was planted there); refusing to read it", rel)
	}
	f, err := root.Open(rel)
	if err != nil {
		return nil, fmt.Errorf("open object %s: %w", rel, err)
	}
	// The file opened must be the one checked (no swap in between).
	if fi, err := f.Stat(); err != nil || !os.SameFile(li, fi) {
		f.Close()
		return nil, fmt.Errorf("object objects/%s changed while being opened; refusing to read it", rel)
	}
	return f, nil
}

func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}

// ctxReader stops a long copy when its context is cancelled.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// refBlob records one more reference to a blob inside a transaction. The
// object must still be on disk: gc removes unreferenced objects inside the
// writer too, so checking here (not when PutBlob found the bytes already
// stored) closes the window in which a concurrent gc could take them.
func (t *Tx) refBlob(b Blob) error {
	p, err := t.s.blobPath(b.Hash)
	if err != nil {
		return err
	}
	if fi, err := os.Lstat(p); err != nil || !fi.Mode().IsRegular() || fi.Size() != b.Size {
		return badState("the stored bytes of %s went away before they were recorded (a concurrent gc?); try again", b.Hash)
	}
	if _, err := t.exec(`INSERT INTO blobs (hash, size, refcount, created) VALUES (?, ?, 1, ?)
		ON CONFLICT (hash) DO UPDATE SET refcount = refcount + 1`, b.Hash, b.Size, t.now); err != nil {
		return fmt.Errorf("reference blob %s: %w", b.Hash, err)
	}
	return nil
}

// unrefBlob drops one reference; gc deletes blobs that reach zero.
func (t *Tx) unrefBlob(hash string) error {
	_, err := t.exec(`UPDATE blobs SET refcount = max(refcount - 1, 0) WHERE hash = ?`, hash)
	if err != nil {
		return fmt.Errorf("release blob %s: %w", hash, err)
	}
	return nil
}
