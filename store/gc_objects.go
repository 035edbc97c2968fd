package store

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// orphan is a file under objects/ that may be unrecorded.
type orphan struct {
	rel, hash string // hash is "" when the name is not one
	size      int64
	link, old bool
}

// gcOrphans finds files under objects/ that no blob row names and stale
// partial uploads; with trash == "" it only counts them (dry run).
// Symbolic links are never followed: an unrecorded one is removed as a
// link, and one standing where a recorded blob should be is reported.
func (s *Store) gcOrphans(ctx context.Context, opt GCOptions, trash string, rep *GCReport, progress func(string, int, int)) error {
	objects := filepath.Join(s.dir, ObjectsDir)
	old := func(fi fs.FileInfo) bool { return opt.Now().Sub(fi.ModTime()) >= opt.OrphanAge }
	tmps, _ := os.ReadDir(filepath.Join(objects, "tmp"))
	for _, e := range tmps {
		fi, err := e.Info()
		if err != nil || fi.IsDir() || !old(fi) {
			continue
		}
		if trash == "" || os.Remove(filepath.Join(objects, "tmp", e.Name())) == nil {
			rep.TempFiles++
			rep.TempBytes += fi.Size()
		}
	}
	var cands []orphan
	tops, err := os.ReadDir(objects)
	if err != nil {
		return fmt.Errorf("gc: %w", err)
	}
	for _, top := range tops {
		if len(top.Name()) != 2 || !isLowerHex(top.Name()) || !top.IsDir() {
			continue
		}
		ents, err := os.ReadDir(filepath.Join(objects, top.Name()))
		if err != nil {
			return fmt.Errorf("gc: %w", err)
		}
		for _, e := range ents {
			fi, err := e.Info()
			if err != nil {
				continue
			}
			o := orphan{rel: top.Name() + "/" + e.Name(), size: fi.Size(), link: fi.Mode()&fs.ModeSymlink != 0, old: old(fi)}
			if len(e.Name()) == 62 && isLowerHex(e.Name()) {
				o.hash = "sha256:" + top.Name() + e.Name()
			}
			switch {
			case fi.IsDir():
				rep.Problems = append(rep.Problems, fmt.Sprintf("objects/%s is a directory; left alone", o.rel))
			case o.link || o.old:
				cands = append(cands, o)
			}
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	dst := filepath.Join(trash, "orphan")
	if trash != "" {
		if err := os.MkdirAll(dst, 0o755); err != nil {
			return fmt.Errorf("gc: %w", err)
		}
	}
	progress("orphans", 0, len(cands))
	for i := 0; i < len(cands); i += gcChunk {
		if i > 0 {
			progress("orphans", i, len(cands))
		}
		chunk := cands[i:min(i+gcChunk, len(cands))]
		if trash == "" {
			_, err := s.sortOrphans(chunk, rep, func(h string) (int, error) {
				var n int
				err := s.rdb.QueryRowContext(ctx, `SELECT count(*) FROM blobs WHERE hash = ?`, h).Scan(&n)
				return n, err
			}, func(o orphan) error {
				rep.OrphanFiles++
				rep.OrphanBytes += o.size
				return nil
			})
			if err != nil {
				return err
			}
			continue
		}
		var problems []string
		err := s.write(ctx, func(tx *Tx) error {
			var err error
			problems, err = s.sortOrphans(chunk, rep, func(h string) (int, error) {
				var n int
				err := tx.queryRow(`SELECT count(*) FROM blobs WHERE hash = ?`, h).Scan(&n)
				return n, err
			}, func(o orphan) error {
				name := strings.TrimPrefix(o.hash, "sha256:")
				if name == "" {
					name = "x-" + strings.ReplaceAll(o.rel, "/", "-")
				}
				err := os.Rename(filepath.Join(objects, o.rel), filepath.Join(dst, name))
				if err != nil && !errors.Is(err, fs.ErrNotExist) {
					return fmt.Errorf("gc: move objects/%s aside: %w", o.rel, err)
				}
				return nil
			})
			return err
		})
		if err != nil {
			return err
		}
		rep.Problems = append(rep.Problems, problems...)
	}
	return nil
}

// sortOrphans applies remove to the unrecorded old files of chunk and
// returns the problems it saw (a link where a recorded blob should be).
// For a dry run it appends the problems to rep itself.
func (s *Store) sortOrphans(chunk []orphan, rep *GCReport, rows func(hash string) (int, error), remove func(orphan) error) ([]string, error) {
	var problems []string
	for _, o := range chunk {
		n := 0
		if o.hash != "" {
			var err error
			if n, err = rows(o.hash); err != nil {
				return nil, err
			}
		}
		switch {
		case n > 0 && o.link:
			problems = append(problems, fmt.Sprintf("objects/%s is a symbolic link where blob %s should be; left alone (that blob's bytes are missing)", o.rel, o.hash))
		case n > 0 || !o.old && !o.link: // lathe never makes links: any age goes
		default:
			if err := remove(o); err != nil {
				return nil, err
			}
		}
	}
	if rep.DryRun {
		rep.Problems = append(rep.Problems, problems...)
	}
	return problems, nil
}

// gcSweep empties this GC's trash directory and any that an interrupted
// GC left long ago (a concurrent GC's is younger): an object whose blob row
// exists again while its place is empty is put back; everything else is
// removed and counted.
func (s *Store) gcSweep(ctx context.Context, mine string, opt GCOptions, rep *GCReport, progress func(string, int, int)) error {
	objects := filepath.Join(s.dir, ObjectsDir)
	trashes, _ := filepath.Glob(filepath.Join(objects, gcTrashPrefix+"*"))
	for _, trash := range trashes {
		if fi, err := os.Lstat(trash); trash != mine && (err != nil || !fi.IsDir() || opt.Now().Sub(fi.ModTime()) < opt.OrphanAge) {
			continue
		}
		for _, kind := range []string{"blob", "orphan"} {
			dir := filepath.Join(trash, kind)
			ents, _ := os.ReadDir(dir)
			for i := 0; i < len(ents); i += gcChunk {
				progress("sweep", i, len(ents))
				chunk := ents[i:min(i+gcChunk, len(ents))]
				var files, restored int
				var bytes int64
				err := s.write(ctx, func(tx *Tx) error {
					files, restored, bytes = 0, 0, 0
					for _, e := range chunk {
						p := filepath.Join(dir, e.Name())
						fi, err := os.Lstat(p)
						if err != nil {
							continue
						}
						if hash := "sha256:" + e.Name(); len(e.Name()) == 64 && isLowerHex(e.Name()) {
							var n int
							if err := tx.queryRow(`SELECT count(*) FROM blobs WHERE hash = ?`, hash).Scan(&n); err != nil {
								return err
							}
							home, _ := s.blobPath(hash)
							if _, err := os.Lstat(home); n > 0 && errors.Is(err, fs.ErrNotExist) {
								if err := os.MkdirAll(filepath.Dir(home), 0o755); err != nil {
									return err
								}
								if err := os.Rename(p, home); err != nil {
									return fmt.Errorf("gc: put %s back: %w", hash, err)
								}
								restored++
								continue
							}
						}
						if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
							return fmt.Errorf("gc: %w", err)
						}
						files++
						bytes += fi.Size()
					}
					return nil
				})
				if err != nil {
					return err
				}
				rep.Restored += restored
				if kind == "blob" {
					rep.Blobs += files
					rep.BlobBytes += bytes
				} else {
					rep.OrphanFiles += files
					rep.OrphanBytes += bytes
				}
			}
			_ = os.Remove(dir)
		}
		if err := os.Remove(trash); err != nil && !errors.Is(err, fs.ErrNotExist) {
			rep.Problems = append(rep.Problems, fmt.Sprintf("could not remove %s: %v", trash, err))
		}
	}
	return nil
}

// gcUndo moves the objects of an interrupted GC's trash back where they
// were; what it cannot place stays for a later sweep.
func gcUndo(s *Store, trash string) {
	for _, kind := range []string{"blob", "orphan"} {
		ents, _ := os.ReadDir(filepath.Join(trash, kind))
		for _, e := range ents {
			if home, err := s.blobPath("sha256:" + e.Name()); err == nil {
				if _, err := os.Lstat(home); errors.Is(err, fs.ErrNotExist) {
					_ = os.Rename(filepath.Join(trash, kind, e.Name()), home)
				}
			}
		}
	}
}

func isLowerHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// dbBytes is the size of lathe.db with its -wal and -shm files.
func (s *Store) dbBytes() int64 {
	var n int64
	for _, suffix := range []string{"", "-wal", "-shm"} {
		if fi, err := os.Stat(filepath.Join(s.dir, DBFile+suffix)); err == nil {
			n += fi.Size()
		}
	}
	return n
}
