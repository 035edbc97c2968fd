package runner

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// FollowPoll is how often FollowFile looks for new bytes.
const FollowPoll = 100 * time.Millisecond

// FollowFile copies path from byte offset from to w, then keeps copying what
// is appended until ended reports true (it is asked between polls; after it
// does, the rest of the file is copied) or ctx is done. A file that does not
// exist yet is waited for. It returns the offset reached; an error from
// ended stops it.
func FollowFile(ctx context.Context, path string, from int64, w io.Writer, ended func(context.Context) (bool, error)) (int64, error) {
	var f *os.File
	defer func() {
		if f != nil {
			f.Close()
		}
	}()
	off := from
	t := time.NewTicker(FollowPoll)
	defer t.Stop()
	for {
		// Ask before reading, so that after "ended" one last read gets all.
		done, err := ended(ctx)
		if err != nil {
			return off, err
		}
		if f == nil {
			f, err = os.Open(path)
			if err != nil && !os.IsNotExist(err) {
				return off, fmt.Errorf("follow log %s: %w", path, err)
			}
		}
		if f != nil {
			n, err := io.Copy(w, io.NewSectionReader(f, off, 1<<62))
			off += n
			if err != nil {
				return off, fmt.Errorf("follow log %s: %w", path, err)
			}
		}
		if done {
			return off, nil
		}
		select {
		case <-ctx.Done():
			return off, ctx.Err()
		case <-t.C:
		}
	}
}

// collectLocal hands the files under each path to put (see Job.Collect).
func collectLocal(ctx context.Context, dir string, paths []string, put PutFunc) error {
	var errs []error
	for _, p := range paths {
		if err := ctx.Err(); err != nil {
			return err
		}
		full := p
		if !filepath.IsAbs(full) && dir != "" {
			full = filepath.Join(dir, full)
		}
		full = filepath.Clean(full)
		base := filepath.Base(full)
		if base == "." || base == string(filepath.Separator) {
			base = ""
		}
		fi, err := os.Stat(full)
		if err != nil {
			errs = append(errs, fmt.Errorf("output %s: %w", p, err))
			continue
		}
		if !fi.IsDir() {
			if err := putFile(ctx, full, base, put); err != nil {
				errs = append(errs, fmt.Errorf("output %s: %w", p, err))
			}
			continue
		}
		err = filepath.WalkDir(full, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				errs = append(errs, fmt.Errorf("output %s: %w", p, err))
				return nil
			}
			if d.IsDir() {
				return ctx.Err()
			}
			if fi, err := os.Stat(path); err != nil || !fi.Mode().IsRegular() {
				return nil // sockets, fifos, dangling links: not outputs
			}
			rel, err := filepath.Rel(full, path)
			if err != nil {
				return err
			}
			name := filepath.ToSlash(rel)
			if base != "" {
				name = base + "/" + name
			}
			if err := putFile(ctx, path, name, put); err != nil {
				errs = append(errs, fmt.Errorf("output %s: %s: %w", p, filepath.ToSlash(rel), err))
			}
			return nil
		})
		if err != nil {
			errs = append(errs, err)
		}
	}
	return joinErrs(errs)
}

func putFile(ctx context.Context, path, name string, put PutFunc) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return put(ctx, name, f)
}

// joinErrs is errors.Join that keeps a single error as it is.
func joinErrs(errs []error) error {
	switch len(errs) {
	case 0:
		return nil
	case 1:
		return errs[0]
	}
	args := make([]any, len(errs))
	for i, e := range errs {
		args[i] = e
	}
	return fmt.Errorf("%d outputs failed: "+strings.TrimSuffix(strings.Repeat("%w; ", len(errs)), "; "), append([]any{len(errs)}, args...)...)
}
