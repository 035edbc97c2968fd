package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/lathe-ml/lathe/store"
)

func newRunsArtifactsCmd(a *app) *cobra.Command {
	var dest string
	var recursive bool
	c := &cobra.Command{
		Use:     "artifacts RUN [ls [DIR] | get PATH | cat PATH]",
		Aliases: []string{"artifact"},
		Short:   "List, download or print a run's artifacts",
		Long: `Work with the files a run logged (through MLflow's log_artifact or the
artifact proxy of 'lathe server'):

  ls [DIR]   list a directory (the run's artifact root by default); -R lists
             every file below it
  get PATH   download a file or a whole directory; -o DEST names where (an
             existing directory receives PATH under its own name, as cp does;
             default: the working directory). PATH "." is everything
  cat PATH   write one file to stdout

Downloads are written to a temporary name and renamed when complete, and
never follow a symbolic link out of DEST. Progress goes to stderr when it is
a terminal.`,
		Example: `  lathe runs artifacts 3f2a9c1e
  lathe runs artifacts 3f2a9c1e ls model -R
  lathe runs artifacts 3f2a9c1e get model -o ./model
  lathe runs artifacts brisk-oak-12 cat metrics/report.json | jq .
  lathe runs artifacts 3f2a9c1e ls --json`,
		Args:              rangeArgs(1, 3, "RUN, then ls [DIR], get PATH or cat PATH"),
		ValidArgsFunction: positional(false, a.runRefs(store.All), verbs("ls", "get", "cat")),
		RunE: func(cmd *cobra.Command, args []string) error {
			verb, arg := "ls", ""
			if len(args) > 1 {
				verb = args[1]
			}
			if len(args) > 2 {
				arg = args[2]
			}
			switch {
			case verb != "ls" && verb != "get" && verb != "cat":
				return usagef("unknown artifacts action %q (want ls, get or cat)", verb)
			case verb != "ls" && arg == "":
				return usagef("%s needs a PATH", verb)
			case verb == "cat" && a.json:
				return usagef("cat writes the file's own bytes; --json does not apply")
			case dest != "" && verb != "get":
				return usagef("-o/--output is for get")
			case recursive && verb != "ls":
				return usagef("-R/--recursive is for ls")
			}
			ctx := cmd.Context()
			return a.withStore(ctx, func(st *store.Store) error {
				r, err := st.ResolveRun(ctx, args[0])
				if err != nil {
					return err
				}
				p, err := artifactArg(arg)
				if err != nil {
					return err
				}
				switch verb {
				case "get":
					return a.getArtifacts(ctx, st, r.ID, p, dest)
				case "cat":
					return a.catArtifact(ctx, st, r.ID, p)
				}
				return a.lsArtifacts(ctx, st, r.ID, p, recursive)
			})
		},
	}
	c.Flags().StringVarP(&dest, "output", "o", "", "get: file or directory to write to (default: the working directory)")
	c.Flags().BoolVarP(&recursive, "recursive", "R", false, "ls: list every file below DIR")
	return c
}

func verbs(vs ...string) completeFunc {
	return func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return vs, cobra.ShellCompDirectiveNoFileComp
	}
}

// artifactArg turns a PATH argument into the store's form: "" for the
// run's root ("", ".", "/"), otherwise a clean relative path.
func artifactArg(p string) (string, error) {
	switch p {
	case "", ".", "/", "./":
		return "", nil
	}
	return store.CleanArtifactPath(p)
}

// artifactJSON is one entry of `runs artifacts ls --json`.
type artifactJSON struct {
	Path     string `json:"path"`
	IsDir    bool   `json:"is_dir"`
	FileSize *int64 `json:"file_size"`
}

// walkArtifacts lists dir, and with recursive every file below it.
func walkArtifacts(ctx context.Context, st *store.Store, runID, dir string, recursive bool) ([]store.Artifact, error) {
	ls, err := st.ListArtifacts(ctx, runID, dir)
	if err != nil || !recursive {
		return ls, err
	}
	var out []store.Artifact
	for _, e := range ls {
		if !e.IsDir {
			out = append(out, e)
			continue
		}
		sub, err := walkArtifacts(ctx, st, runID, e.Path, true)
		if err != nil {
			return nil, err
		}
		out = append(out, sub...)
	}
	return out, nil
}

func (a *app) lsArtifacts(ctx context.Context, st *store.Store, runID, dir string, recursive bool) error {
	ls, err := walkArtifacts(ctx, st, runID, dir, recursive)
	if err != nil {
		return err
	}
	if len(ls) == 0 && dir != "" {
		if f, _, err := st.OpenArtifact(ctx, runID, dir); err == nil {
			f.Close()
			return fmt.Errorf("%s is a file, not a directory: use 'get' or 'cat'", dir)
		}
		return fmt.Errorf("run %s has no artifact directory %q", runID, dir)
	}
	if a.json {
		out := make([]artifactJSON, 0, len(ls))
		for _, e := range ls {
			j := artifactJSON{Path: e.Path, IsDir: e.IsDir}
			if !e.IsDir {
				j.FileSize = &e.Size
			}
			out = append(out, j)
		}
		return writeJSON(a.env.Stdout, out)
	}
	if len(ls) == 0 {
		fmt.Fprintf(a.env.Stderr, "run %s has no artifacts\n", shortID(runID))
		return nil
	}
	s := a.style()
	t := &table{header: []string{"SIZE", "PATH"}, right: []bool{true, false}}
	for _, e := range ls {
		if e.IsDir {
			t.add(cell{text: "-", color: s.dim}, cell{text: e.Path + "/", color: s.cyan})
		} else {
			t.addText(fmtBytes(e.Size), e.Path)
		}
	}
	t.render(a.env.Stdout, s)
	return nil
}

func (a *app) catArtifact(ctx context.Context, st *store.Store, runID, p string) error {
	if p == "" {
		return fmt.Errorf("cat needs a file, not the run's artifact root")
	}
	f, _, err := openChecked(ctx, st, runID, p)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(a.env.Stdout, f)
	return err
}

// openChecked opens an artifact file and makes sure the object is the
// store's own regular file (store.OpenBlob checks). A directory gets a clear
// error rather than "not found".
func openChecked(ctx context.Context, st *store.Store, runID, p string) (*os.File, store.Artifact, error) {
	f, art, err := st.OpenArtifact(ctx, runID, p)
	if errors.Is(err, store.ErrNotFound) {
		if ls, lerr := st.ListArtifacts(ctx, runID, p); lerr == nil && len(ls) > 0 {
			return nil, art, fmt.Errorf("%s is a directory: use 'ls', or 'get' to download it", p)
		}
	}
	if err != nil {
		return nil, art, err
	}
	return f, art, nil
}

// getArtifacts downloads a file or a directory tree. Files go to a
// temporary name inside DEST's directory first and are renamed when
// complete; a directory is written through an os.Root, so that nothing
// (a ".." or a symbolic link already in DEST) can place a file outside it.
func (a *app) getArtifacts(ctx context.Context, st *store.Store, runID, p, dest string) error {
	if dest == "" {
		dest = "."
	}
	if !filepath.IsAbs(dest) {
		dest = filepath.Join(a.env.Cwd, dest)
	}
	files, err := walkArtifacts(ctx, st, runID, p, true)
	if err != nil {
		return err
	}
	isDir := p == "" || len(files) > 0
	if p == "" && len(files) == 0 {
		return fmt.Errorf("run %s has no artifacts", runID)
	}
	if !isDir {
		f, art, err := openChecked(ctx, st, runID, p)
		if err != nil {
			return err
		}
		f.Close()
		files = []store.Artifact{art}
	}
	name := path.Base(p)
	if p == "" {
		name = "artifacts"
	}
	if fi, err := os.Stat(dest); err == nil && fi.IsDir() {
		dest = filepath.Join(dest, name)
	}
	var total int64
	for _, f := range files {
		total += f.Size
	}
	prog := a.newProgress("downloading", total)
	defer prog.finish()
	if !isDir {
		err = writeArtifact(ctx, st, runID, files[0].Path, filepath.Dir(dest), filepath.Base(dest), prog)
	} else {
		if err := os.MkdirAll(dest, 0o755); err != nil {
			return err
		}
		for _, f := range files {
			rel := f.Path
			if p != "" {
				rel = f.Path[len(p)+1:]
			}
			if err = writeArtifact(ctx, st, runID, f.Path, dest, rel, prog); err != nil {
				break
			}
		}
	}
	if err != nil {
		return err
	}
	prog.finish()
	if a.json {
		return writeJSON(a.env.Stdout, map[string]any{"run_id": runID, "path": p, "dest": dest, "files": len(files), "bytes": total})
	}
	fmt.Fprintf(a.env.Stdout, "Downloaded %s (%s) to %s\n", plural(len(files), "file"), fmtBytes(total), dest)
	return nil
}

// writeArtifact copies one artifact to rel inside dir.
func writeArtifact(ctx context.Context, st *store.Store, runID, p, dir, rel string, prog *progress) error {
	src, _, err := openChecked(ctx, st, runID, p)
	if err != nil {
		return err
	}
	defer src.Close()
	root, err := os.OpenRoot(dir)
	if err != nil {
		return err
	}
	defer root.Close()
	if d := filepath.Dir(rel); d != "." {
		if err := root.MkdirAll(d, 0o755); err != nil {
			return fmt.Errorf("write %s: %w", filepath.Join(dir, rel), err)
		}
	}
	tmp := filepath.Join(filepath.Dir(rel), ".lathe-get-"+strconv.FormatInt(time.Now().UnixNano(), 36))
	out, err := root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return fmt.Errorf("write %s: %w", filepath.Join(dir, rel), err)
	}
	_, err = io.Copy(out, io.TeeReader(ctxReader{ctx, src}, prog))
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = root.Rename(tmp, rel)
	}
	if err != nil {
		_ = root.Remove(tmp)
		return fmt.Errorf("write %s: %w", filepath.Join(dir, rel), err)
	}
	return nil
}

// ctxReader stops a long copy when the command is interrupted.
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

// progress shows how many bytes (or items) of a long operation are done
// on a status line, only when stderr is a terminal.
type progress struct {
	line        *statusLine
	label       string
	done, total int64
}

func (a *app) newProgress(label string, total int64) *progress {
	return &progress{line: &statusLine{w: a.env.Stderr, on: a.env.isTerminal(a.env.Stderr)}, label: label, total: total}
}

// Write counts bytes that went by (it is an io.Writer for io.TeeReader).
func (p *progress) Write(b []byte) (int, error) {
	p.set(p.done+int64(len(b)), p.total)
	return len(b), nil
}

// set records how far the operation is and redraws at most ten times a
// second, and always once it is complete.
func (p *progress) set(done, total int64) {
	p.done, p.total = done, total
	p.line.show(p.label+" "+pct(done, total), done >= total)
}

// finish erases the line.
func (p *progress) finish() { p.line.done() }

// fmtBytes prints a size in binary units: 512 B, 1.5 KiB, 3.2 GiB.
func fmtBytes(n int64) string {
	if n < 1024 {
		return strconv.FormatInt(n, 10) + " B"
	}
	f, units := float64(n)/1024, []string{"KiB", "MiB", "GiB", "TiB", "PiB"}
	i := 0
	for f >= 1024 && i < len(units)-1 {
		f /= 1024
		i++
	}
	return strconv.FormatFloat(f, 'f', 1, 64) + " " + units[i]
}
