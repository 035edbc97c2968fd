package mlflowimport

import (
	"bufio"
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/lathe-ml/lathe/store"
)

// fileStore reads an MLflow file store, the mlruns/ directory MLflow's
// FileStore writes:
//
//	mlruns/<exp>/meta.yaml              experiment (name, artifact_location, lifecycle_stage, times)
//	mlruns/<exp>/tags/<key>             experiment tags, one file each
//	mlruns/<exp>/datasets/<id>/meta.yaml
//	mlruns/<exp>/<run>/meta.yaml        run (run_id, status as 1-5, times, artifact_uri, ...)
//	mlruns/<exp>/<run>/params/<key>     the value, the whole file
//	mlruns/<exp>/<run>/tags/<key>
//	mlruns/<exp>/<run>/metrics/<key>    "timestamp value step" lines
//	mlruns/<exp>/<run>/inputs/<id>/meta.yaml
//	mlruns/<exp>/<run>/artifacts/...    unless artifact_uri points elsewhere
//	mlruns/.trash/<exp>/...             deleted experiments, same layout
//	mlruns/models/<name>/...            the model registry
//
// Keys containing "/" are nested directories ("metrics/val/loss").
type fileStore struct {
	root         string // the mlruns directory
	artifactsDir string
}

// reservedDirs are experiment subdirectories that are not runs.
var reservedDirs = map[string]bool{"tags": true, "datasets": true, "traces": true, "models": true}

func openFileStore(path, artifactsDir string) (*fileStore, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("open MLflow file store: %w", err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("%s is a file, neither an MLflow file store (mlruns/ directory) nor a database (.db)", path)
	}
	if !looksLikeMlruns(path) && looksLikeMlruns(filepath.Join(path, "mlruns")) {
		path = filepath.Join(path, "mlruns")
	}
	if !looksLikeMlruns(path) {
		return nil, fmt.Errorf("%s does not look like an MLflow file store: no <experiment>/meta.yaml, .trash/ or models/ in it", path)
	}
	return &fileStore{root: path, artifactsDir: artifactsDir}, nil
}

func looksLikeMlruns(dir string) bool {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return false
	}
	for _, e := range ents {
		if !e.IsDir() {
			continue
		}
		if e.Name() == ".trash" || e.Name() == "models" {
			return true
		}
		if _, err := os.Stat(filepath.Join(dir, e.Name(), "meta.yaml")); err == nil {
			return true
		}
	}
	return false
}

func (f *fileStore) String() string { return "file:" + f.root }
func (f *fileStore) Close() error   { return nil }

// rel names a path in messages: relative to the store's parent, so that it
// starts with "mlruns/".
func (f *fileStore) rel(p string) string {
	r, err := filepath.Rel(filepath.Dir(f.root), p)
	if err != nil {
		return p
	}
	return filepath.ToSlash(r)
}

// readMeta parses dir/meta.yaml; errors name the file and line.
func (f *fileStore) readMeta(dir string) (*yamlNode, error) {
	p := filepath.Join(dir, "meta.yaml")
	b, err := os.ReadFile(p)
	if err != nil {
		return nil, err
	}
	n, err := parseYAML(string(b))
	if err != nil {
		return nil, f.yamlErr(p, err)
	}
	return n, nil
}

func (f *fileStore) yamlErr(p string, err error) error {
	if ye, ok := err.(*yamlError); ok {
		return fmt.Errorf("%s:%d: %s", f.rel(p), ye.line, ye.msg)
	}
	return fmt.Errorf("%s: %w", f.rel(p), err)
}

func (f *fileStore) experiments(ctx context.Context) ([]*experiment, error) {
	var out []*experiment
	for _, parent := range []string{f.root, filepath.Join(f.root, ".trash")} {
		ents, err := os.ReadDir(parent)
		if err != nil {
			if os.IsNotExist(err) {
				continue
			}
			return nil, err
		}
		for _, ent := range ents {
			name := ent.Name()
			dir := filepath.Join(parent, name)
			if !ent.IsDir() || parent == f.root && (name == ".trash" || name == "models") {
				continue
			}
			if _, err := os.Stat(filepath.Join(dir, "meta.yaml")); err != nil {
				continue // not an experiment (MLflow skips these too)
			}
			e := &experiment{srcID: name, dir: dir, where: f.rel(dir)}
			e.err = f.readExperiment(e, parent != f.root)
			out = append(out, e)
		}
	}
	sort.Slice(out, func(i, j int) bool { return idLess(out[i].srcID, out[j].srcID) })
	return out, nil
}

// idLess orders numeric ids numerically, then the rest by text.
func idLess(a, b string) bool {
	x, errA := strconv.ParseUint(a, 10, 64)
	y, errB := strconv.ParseUint(b, 10, 64)
	switch {
	case errA == nil && errB == nil:
		return x < y
	case errA == nil:
		return true
	case errB == nil:
		return false
	}
	return a < b
}

func (f *fileStore) readExperiment(e *experiment, trashed bool) error {
	meta, err := f.readMeta(e.dir)
	if err != nil {
		return err
	}
	p := filepath.Join(e.dir, "meta.yaml")
	if id, err := meta.str("experiment_id"); err != nil {
		return f.yamlErr(p, err)
	} else if id != e.srcID {
		return fmt.Errorf("%s: experiment_id is %q but the directory is %q (MLflow ignores such an experiment)", f.rel(p), id, e.srcID)
	}
	if e.name, err = meta.str("name"); err != nil {
		return f.yamlErr(p, err)
	}
	if e.name == "" {
		return fmt.Errorf("%s: the experiment has no name", f.rel(p))
	}
	stage, err := meta.str("lifecycle_stage")
	if err != nil {
		return f.yamlErr(p, err)
	}
	if e.stage, err = stageName(stage); err != nil {
		return fmt.Errorf("%s: %w", f.rel(p), err)
	}
	if trashed {
		e.stage = store.StageDeleted
	}
	if e.created, _, err = meta.integer("creation_time"); err != nil {
		return f.yamlErr(p, err)
	}
	if e.updated, _, err = meta.integer("last_update_time"); err != nil {
		return f.yamlErr(p, err)
	}
	if e.artifact, err = meta.str("artifact_location"); err != nil {
		return f.yamlErr(p, err)
	}
	kv, err := f.readKV(filepath.Join(e.dir, "tags"))
	for _, k := range sortedMapKeys(kv) {
		e.tags = append(e.tags, store.Tag{Key: k, Value: kv[k]})
	}
	return err
}

// readKV reads a params/ or tags/ directory: one file per key, the whole
// file the value (newlines and all).
func (f *fileStore) readKV(dir string) (map[string]string, error) {
	out := map[string]string{}
	_, err := walkFiles(dir, func(rel string, _ fs.DirEntry) error {
		p := filepath.Join(dir, filepath.FromSlash(rel))
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if !utf8.Valid(b) {
			return fmt.Errorf("%s: not valid UTF-8", f.rel(p))
		}
		out[rel] = string(b)
		return nil
	})
	return out, err
}

func (f *fileStore) runs(ctx context.Context, e *experiment) ([]*runMeta, error) {
	ents, err := os.ReadDir(e.dir)
	if err != nil {
		return nil, err
	}
	var out []*runMeta
	for _, ent := range ents {
		if !ent.IsDir() || reservedDirs[ent.Name()] {
			continue
		}
		dir := filepath.Join(e.dir, ent.Name())
		if _, err := os.Stat(filepath.Join(dir, "meta.yaml")); err != nil {
			continue // not a run: MLflow skips directories without meta.yaml
		}
		r := &runMeta{exp: e, id: ent.Name(), dir: dir, where: f.rel(dir)}
		r.err = f.readRun(r)
		out = append(out, r)
	}
	return out, nil
}

func (f *fileStore) readRun(r *runMeta) error {
	meta, err := f.readMeta(r.dir)
	if err != nil {
		return err
	}
	p := filepath.Join(r.dir, "meta.yaml")
	str := func(keys ...string) string {
		for _, k := range keys {
			if s, e := meta.str(k); e != nil && err == nil {
				err = f.yamlErr(p, e)
			} else if s != "" {
				return s
			}
		}
		return ""
	}
	num := func(key string) int64 {
		v, _, e := meta.integer(key)
		if e != nil && err == nil {
			err = f.yamlErr(p, e)
		}
		return v
	}
	id := str("run_id", "run_uuid")
	exp := str("experiment_id")
	r.name = str("run_name", "name")
	status, stage := str("status"), str("lifecycle_stage")
	r.start, r.end, r.deleted = num("start_time"), num("end_time"), num("deleted_time")
	r.user, r.artifactURI = str("user_id"), str("artifact_uri")
	if err != nil {
		return err
	}
	switch {
	case id != r.id:
		return fmt.Errorf("%s: run_id is %q but the directory is %q", f.rel(p), id, r.id)
	case exp != r.exp.srcID:
		return fmt.Errorf("%s: experiment_id is %q but the run is in experiment %q", f.rel(p), exp, r.exp.srcID)
	}
	if r.status, err = statusName(status); err != nil {
		return fmt.Errorf("%s: %w", f.rel(p), err)
	}
	if r.stage, err = stageName(stage); err != nil {
		return fmt.Errorf("%s: %w", f.rel(p), err)
	}
	return nil
}

func (f *fileStore) data(ctx context.Context, r *runMeta) (*runData, error) {
	d := &runData{}
	params, err := f.readKV(filepath.Join(r.dir, "params"))
	if err != nil {
		return nil, err
	}
	for _, k := range sortedMapKeys(params) {
		d.params = append(d.params, store.Param{Key: k, Value: params[k]})
	}
	tags, err := f.readKV(filepath.Join(r.dir, "tags"))
	if err != nil {
		return nil, err
	}
	for _, k := range sortedMapKeys(tags) {
		d.tags = append(d.tags, store.Tag{Key: k, Value: tags[k]})
	}
	if d.inputs, err = f.inputs(r); err != nil {
		return nil, err
	}
	mdir := filepath.Join(r.dir, "metrics")
	if _, err := walkFiles(mdir, func(rel string, _ fs.DirEntry) error {
		d.metricKeys = append(d.metricKeys, rel)
		return nil
	}); err != nil {
		return nil, err
	}
	sort.Strings(d.metricKeys)
	// Parse every metric file before the first write, so that a malformed
	// line fails the run before any of it is stored. The points are kept
	// for the import unless there are too many to hold; then they are read
	// again.
	keep := true
	for _, k := range d.metricKeys {
		if err := f.scanMetric(ctx, r, k, func(m store.Metric) error {
			d.points++
			if keep = keep && d.points <= maxCachedPoints; keep {
				d.cached = append(d.cached, m)
			} else {
				d.cached = nil
			}
			return nil
		}); err != nil {
			return nil, err
		}
	}
	d.complete = keep
	return d, nil
}

// maxCachedPoints bounds the points of one run kept in memory between
// checking and importing them (about 40 bytes each, per worker).
const maxCachedPoints = 1 << 20

// inputs reads a run's dataset inputs: inputs/<id>/meta.yaml names a dataset
// of the experiment (datasets/<id>/meta.yaml) and carries the input's tags.
func (f *fileStore) inputs(r *runMeta) ([]store.DatasetInput, error) {
	ents, err := os.ReadDir(filepath.Join(r.dir, "inputs"))
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []store.DatasetInput
	for _, ent := range ents {
		dir := filepath.Join(r.dir, "inputs", ent.Name())
		meta, err := f.readMeta(dir)
		if err != nil {
			return nil, err
		}
		p := filepath.Join(dir, "meta.yaml")
		srcType, err1 := meta.str("source_type")
		srcID, err2 := meta.str("source_id")
		tags, err3 := meta.strMap("tags")
		for _, e := range []error{err1, err2, err3} {
			if e != nil {
				return nil, f.yamlErr(p, e)
			}
		}
		if srcType != "DATASET" || srcID == "" || strings.ContainsAny(srcID, `/\`) {
			continue // MLflow skips inputs that are not datasets
		}
		ddir := filepath.Join(r.exp.dir, "datasets", srcID)
		dm, err := f.readMeta(ddir)
		if os.IsNotExist(err) {
			continue // MLflow skips inputs whose dataset is missing
		}
		if err != nil {
			return nil, err
		}
		var ds store.Dataset
		var errs [6]error
		ds.Name, errs[0] = dm.str("name")
		ds.Digest, errs[1] = dm.str("digest")
		ds.SourceType, errs[2] = dm.str("source_type")
		ds.Source, errs[3] = dm.str("source")
		ds.Schema, errs[4] = dm.str("schema")
		ds.Profile, errs[5] = dm.str("profile")
		for _, e := range errs {
			if e != nil {
				return nil, f.yamlErr(filepath.Join(ddir, "meta.yaml"), e)
			}
		}
		in := store.DatasetInput{Dataset: ds}
		for _, k := range sortedMapKeys(tags) {
			in.Tags = append(in.Tags, store.Tag{Key: k, Value: tags[k]})
		}
		out = append(out, in)
	}
	return out, nil
}

// scanMetric reads one metric file, calling fn for each point. Errors name
// the file and line.
func (f *fileStore) scanMetric(ctx context.Context, r *runMeta, key string, fn func(store.Metric) error) error {
	p := filepath.Join(r.dir, "metrics", filepath.FromSlash(key))
	fh, err := os.Open(p)
	if err != nil {
		return err
	}
	defer fh.Close()
	sc := bufio.NewScanner(fh)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	line := 0
	for sc.Scan() {
		line++
		if line%4096 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		ts, v, step, err := parseMetricLine(sc.Text())
		if err != nil {
			return fmt.Errorf("%s:%d: %v", f.rel(p), line, err)
		}
		if err := fn(store.Metric{Key: key, Value: v, Timestamp: ts, Step: step}); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("%s:%d: %w", f.rel(p), line+1, err)
	}
	return nil
}

func (f *fileStore) metrics(ctx context.Context, r *runMeta, d *runData, fn func(store.Metric) error) error {
	if d.complete {
		for _, m := range d.cached {
			if err := fn(m); err != nil {
				return err
			}
		}
		return nil
	}
	for _, k := range d.metricKeys {
		if err := f.scanMetric(ctx, r, k, fn); err != nil {
			return err
		}
	}
	return nil
}

// artifacts reads the directory artifact_uri names when it is local and
// exists; else the run's own artifacts/ (a store copied from elsewhere keeps
// its artifacts beside the runs).
func (f *fileStore) artifacts(ctx context.Context, r *runMeta, fn func(artifactFile) error) error {
	dir, local := localArtifactDir(r.artifactURI, filepath.Dir(f.root), f.artifactsDir)
	switch own := filepath.Join(r.dir, "artifacts"); {
	case local && isDir(dir):
	case isDir(own):
		dir = own
	case r.artifactURI != "" && !local:
		return &unreachableError{r.artifactURI, "lathe reads local paths, file: URIs and (with --artifacts-dir) mlflow-artifacts: URIs"}
	default:
		return nil // no artifacts were logged
	}
	return localArtifacts(dir, fn)
}
