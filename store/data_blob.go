package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// How PutBlobFile stored a file's bytes.
const (
	StoredDedup   = "dedup"   // the same bytes were already in the store
	StoredReflink = "reflink" // a copy-on-write clone (btrfs, XFS, ...): no bytes copied
	StoredCopy    = "copy"    // copied (the kernel may still share extents: copy_file_range)
)

// hashBufSize is the size of each read while hashing: large enough that a
// read's system call costs nothing next to hashing it.
const hashBufSize = 4 << 20

// HashFile returns the SHA-256 of a file's bytes as "sha256:<hex>" and its
// size. Reading and hashing overlap (one goroutine reads the next buffer
// while this one hashes the last), so the rate is the hash's rate, not the
// sum of both. progress, if set, is called with the bytes hashed so far.
func HashFile(ctx context.Context, f *os.File, progress func(done int64)) (string, int64, error) {
	h := sha256.New()
	n, err := hashOverlapped(ctx, f, h, progress)
	if err != nil {
		return "", n, err
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil)), n, nil
}

func hashOverlapped(ctx context.Context, r io.Reader, h hash.Hash, progress func(int64)) (int64, error) {
	type chunk struct {
		buf []byte
		n   int
		err error
	}
	free := make(chan []byte, 3)
	for range 3 {
		free <- make([]byte, hashBufSize)
	}
	full := make(chan chunk, 3)
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		defer close(full)
		for {
			var buf []byte
			select {
			case buf = <-free:
			case <-stop:
				return
			}
			n, err := io.ReadFull(r, buf)
			if err == io.ErrUnexpectedEOF {
				err = io.EOF
			}
			select {
			case full <- chunk{buf, n, err}:
			case <-stop:
				return
			}
			if err != nil {
				return
			}
		}
	}()
	var total int64
	for c := range full {
		h.Write(c.buf[:c.n])
		total += int64(c.n)
		if progress != nil && c.n > 0 {
			progress(total)
		}
		if c.err == io.EOF {
			return total, nil
		}
		if c.err != nil {
			return total, c.err
		}
		if err := ctx.Err(); err != nil {
			return total, err
		}
		free <- c.buf
	}
	return total, nil
}

// PutBlobFile stores the file at path as a blob: it hashes the file, and
// when the store does not hold those bytes yet, clones it (reflink) into
// the object store where the file system allows, else copies it, through a
// temporary file that is synced and renamed, so an object is never
// half-written. how is StoredDedup, StoredReflink or StoredCopy. The file
// must not change while it is added: its size and modification time are
// checked before and after, and a change is an error. As with PutBlob, the
// blob is unreferenced until a transaction records it.
//
// A hard link is never used: the object would be the user's file, and an
// edit of it in place would silently change a stored version.
func (s *Store) PutBlobFile(ctx context.Context, path string, progress func(done int64)) (b Blob, how string, err error) {
	src, err := os.Open(path)
	if err != nil {
		return Blob{}, "", err
	}
	defer src.Close()
	before, err := src.Stat()
	if err != nil {
		return Blob{}, "", err
	}
	if !before.Mode().IsRegular() {
		return Blob{}, "", fmt.Errorf("%s is not a regular file", path)
	}
	hash, n, err := HashFile(ctx, src, progress)
	if err != nil {
		return Blob{}, "", fmt.Errorf("hash %s: %w", path, err)
	}
	b = Blob{Hash: hash, Size: n}
	dst, _ := s.blobPath(hash)
	if fi, err := os.Stat(dst); err == nil && fi.Size() == n {
		return b, StoredDedup, nil
	}
	tmpDir := filepath.Join(s.dir, ObjectsDir, "tmp")
	if err := os.MkdirAll(tmpDir, 0o755); err != nil {
		return Blob{}, "", fmt.Errorf("store %s: %w", path, err)
	}
	tmp, err := os.CreateTemp(tmpDir, "put-*")
	if err != nil {
		return Blob{}, "", fmt.Errorf("store %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	how = StoredCopy
	if unix.IoctlFileClone(int(tmp.Fd()), int(src.Fd())) == nil {
		how = StoredReflink
	} else {
		if _, err = src.Seek(0, io.SeekStart); err != nil {
			return Blob{}, "", fmt.Errorf("store %s: %w", path, err)
		}
		// *os.File to *os.File: the kernel copies (copy_file_range), which
		// some file systems turn into shared extents themselves.
		if _, err = io.Copy(tmp, ctxReader{ctx, src}); err != nil {
			return Blob{}, "", fmt.Errorf("store %s: %w", path, err)
		}
	}
	after, err := os.Stat(path)
	if err != nil {
		return Blob{}, "", fmt.Errorf("store %s: %w", path, err)
	}
	if fi, statErr := tmp.Stat(); statErr != nil || fi.Size() != n || after.Size() != before.Size() || !after.ModTime().Equal(before.ModTime()) {
		err = errors.New("the file changed while it was being added; add it again once it is complete")
		return Blob{}, "", fmt.Errorf("store %s: %w", path, err)
	}
	if err = tmp.Sync(); err != nil {
		return Blob{}, "", fmt.Errorf("store %s: sync: %w", path, err)
	}
	if err = tmp.Close(); err != nil {
		return Blob{}, "", fmt.Errorf("store %s: %w", path, err)
	}
	if err = os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return Blob{}, "", fmt.Errorf("store %s: %w", path, err)
	}
	if err = os.Chmod(tmp.Name(), 0o444); err != nil {
		return Blob{}, "", fmt.Errorf("store %s: %w", path, err)
	}
	if err = os.Rename(tmp.Name(), dst); err != nil {
		return Blob{}, "", fmt.Errorf("store %s: %w", path, err)
	}
	syncDir(filepath.Dir(dst))
	return b, how, nil
}

// InputsDir is where versions handed to jobs are materialised, inside the
// store directory.
const InputsDir = "inputs"

// MaterializeDataVersion makes a version's files readable under their own
// names (tools infer formats and compression from names), as
// inputs/<digest prefix>/<path> inside the store, and returns the path a
// job should read: the file itself for a one-file version, else the
// directory. Files are copy-on-write clones of the objects where the file
// system can (a job that writes to one changes nothing stored), else
// read-only hard links to them, else copies, so nothing is duplicated on
// disk; the directory is reused by every run of the same version.
func (s *Store) MaterializeDataVersion(ctx context.Context, v *DataVersion) (string, error) {
	if len(v.Files) == 0 {
		return "", invalid("%s has no files", v.Ref())
	}
	dir := filepath.Join(s.dir, InputsDir, shortHex(v.Digest, 16))
	for _, f := range v.Files {
		if err := ctx.Err(); err != nil {
			return "", err
		}
		dst := filepath.Join(dir, filepath.FromSlash(f.Path))
		if fi, err := os.Stat(dst); err == nil && fi.Size() == f.Size {
			continue
		}
		src, err := s.blobPath(f.Hash)
		if err != nil {
			return "", err
		}
		if _, err := os.Stat(src); err != nil {
			return "", notFound("the bytes of %s (%s) are missing from the store", v.Ref(), f.Path)
		}
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return "", fmt.Errorf("materialise %s: %w", v.Ref(), err)
		}
		tmp := dst + ".tmp"
		os.Remove(tmp)
		if err := cloneOrLink(src, tmp); err != nil {
			in, err := s.OpenBlob(f.Hash)
			if err != nil {
				return "", err
			}
			out, err := os.OpenFile(tmp, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o444)
			if err == nil {
				_, err = io.Copy(out, ctxReader{ctx, in})
				if cerr := out.Close(); err == nil {
					err = cerr
				}
			}
			in.Close()
			if err != nil {
				os.Remove(tmp)
				return "", fmt.Errorf("materialise %s: %w", v.Ref(), err)
			}
		}
		if err := os.Rename(tmp, dst); err != nil {
			return "", fmt.Errorf("materialise %s: %w", v.Ref(), err)
		}
	}
	if len(v.Files) == 1 {
		return filepath.Join(dir, filepath.FromSlash(v.Files[0].Path)), nil
	}
	return dir, nil
}

// gcInputs removes the inputs/ directories (MaterializeDataVersion) of
// versions that no longer exist; they hold links to bytes gc just freed.
func (s *Store) gcInputs(ctx context.Context, rep *GCReport) error {
	root := filepath.Join(s.dir, InputsDir)
	ents, err := os.ReadDir(root)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("gc: %w", err)
	}
	for _, e := range ents {
		name := e.Name()
		if !e.IsDir() || len(name) != 16 || !isLowerHex(name) {
			continue
		}
		var n int
		if err := s.rdb.QueryRowContext(ctx, `SELECT count(*) FROM data_versions WHERE digest >= ? AND digest < ?`, name, name+"g").Scan(&n); err != nil {
			return fmt.Errorf("gc: %w", err)
		}
		if n > 0 {
			continue
		}
		if err := os.RemoveAll(filepath.Join(root, name)); err != nil {
			return fmt.Errorf("gc: remove %s: %w", name, err)
		}
		rep.InputDirs++
	}
	return nil
}

// cloneOrLink makes dst a reflink clone of src, or else a hard link to it.
func cloneOrLink(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o444)
	if err != nil {
		return err
	}
	cloneErr := unix.IoctlFileClone(int(out.Fd()), int(in.Fd()))
	if cerr := out.Close(); cloneErr == nil && cerr == nil {
		return nil
	}
	os.Remove(dst)
	return os.Link(src, dst)
}
