package mlflowimport

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/lathe-ml/lathe/store"
)

// A source is one kind of MLflow tracking store, read-only. Its methods may
// be called from several goroutines at once (one run each).
type source interface {
	String() string
	experiments(ctx context.Context) ([]*experiment, error)
	// runs lists an experiment's runs with their own fields; a run whose
	// description cannot be read comes back with err set.
	runs(ctx context.Context, e *experiment) ([]*runMeta, error)
	// data reads a run's params, tags and inputs and checks everything that
	// can be checked before anything of the run is written (the file store
	// parses every metric file), so that a malformed run fails whole.
	data(ctx context.Context, r *runMeta) (*runData, error)
	// metrics calls fn for every point of the run, in no particular order.
	metrics(ctx context.Context, r *runMeta, d *runData, fn func(store.Metric) error) error
	// artifacts calls fn for every artifact file of the run. It returns an
	// *unreachableError when the source cannot read the run's artifacts.
	artifacts(ctx context.Context, r *runMeta, fn func(artifactFile) error) error
	models(ctx context.Context) ([]Model, error)
	Close() error
}

// experiment is an experiment as a source describes it.
type experiment struct {
	srcID    string // the source's id
	name     string
	stage    string
	created  int64
	updated  int64
	tags     []store.Tag
	where    string // for messages: "mlruns/1"
	dir      string // file store: the experiment's directory
	artifact string // artifact_location
	err      error  // set when its description could not be read
}

// runMeta is a run's own fields.
type runMeta struct {
	exp         *experiment
	id          string
	name        string
	status      string
	start, end  int64
	deleted     int64
	user        string
	stage       string
	artifactURI string
	where       string // for messages: "mlruns/1/<id>"
	dir         string // file store: the run's directory
	err         error
	// A server returns a run's params, tags, inputs and latest metrics with
	// the run; they are kept for data and metrics.
	pre *runData
}

// runData is what data returns: everything of a run but points and
// artifacts, which are streamed.
type runData struct {
	params     []store.Param
	tags       []store.Tag
	inputs     []store.DatasetInput
	metricKeys []string // file store: metric file names; server: keys
	points     int64    // points, when the source knows before streaming
	// cached holds every point when complete is set (the file store keeps
	// what it parsed while checking, for runs of moderate size).
	cached   []store.Metric
	complete bool
}

// artifactFile is one artifact file of a run.
type artifactFile struct {
	path string // relative, "/"-separated
	size int64  // -1 when unknown
	open func(ctx context.Context) (io.ReadCloser, error)
}

// unreachableError says a run's artifacts live where this source cannot read
// them (an object store, a server without artifact download). The run is
// imported without them and the summary says so.
type unreachableError struct{ uri, why string }

func (e *unreachableError) Error() string {
	return fmt.Sprintf("artifacts at %s cannot be read: %s", e.uri, e.why)
}

// Model is a registered model with its versions, in a source-neutral form.
type Model struct {
	Name            string           `json:"name"`
	Description     string           `json:"description,omitempty"`
	CreationTime    int64            `json:"creation_time"`
	LastUpdatedTime int64            `json:"last_updated_time"`
	Tags            []store.Tag      `json:"tags,omitempty"`
	Aliases         map[string]int64 `json:"aliases,omitempty"` // alias -> version
	Versions        []ModelVersion   `json:"versions,omitempty"`
}

// ModelVersion is one version of a registered model. Deleted versions
// (MLflow's stage "Deleted_Internal") are left out by every source.
type ModelVersion struct {
	Version         int64       `json:"version"`
	Source          string      `json:"source"`
	RunID           string      `json:"run_id,omitempty"`
	RunLink         string      `json:"run_link,omitempty"`
	Status          string      `json:"status"`
	StatusMessage   string      `json:"status_message,omitempty"`
	Stage           string      `json:"current_stage,omitempty"`
	Description     string      `json:"description,omitempty"`
	UserID          string      `json:"user_id,omitempty"`
	CreationTime    int64       `json:"creation_time"`
	LastUpdatedTime int64       `json:"last_updated_time"`
	Tags            []store.Tag `json:"tags,omitempty"`
}

// ModelSink receives registered models; by default the store's registry.
// ImportModel must be idempotent: created is false when the model and all
// its versions were already there.
type ModelSink interface {
	ImportModel(ctx context.Context, m Model) (created bool, err error)
}

// statusName maps MLflow's RunStatus, stored as an integer in file-store
// meta.yaml files and as a name elsewhere, to its name.
func statusName(s string) (string, error) {
	switch strings.ToUpper(s) {
	case "", "1", "RUNNING":
		return store.StatusRunning, nil
	case "2", "SCHEDULED":
		return store.StatusScheduled, nil
	case "3", "FINISHED":
		return store.StatusFinished, nil
	case "4", "FAILED":
		return store.StatusFailed, nil
	case "5", "KILLED":
		return store.StatusKilled, nil
	}
	return "", fmt.Errorf("unknown run status %q (want RUNNING, SCHEDULED, FINISHED, FAILED, KILLED or 1-5)", s)
}

func stageName(s string) (string, error) {
	switch s {
	case "", store.StageActive:
		return store.StageActive, nil
	case store.StageDeleted:
		return store.StageDeleted, nil
	}
	return "", fmt.Errorf("unknown lifecycle_stage %q (want active or deleted)", s)
}

// localArtifactDir resolves an artifact URI to a local directory when it
// names one: file: URIs and paths (relative ones from base), and
// mlflow-artifacts: URIs under artifactsDir (the MLflow server's
// --artifacts-destination) when it is set. ok is false for URIs of other
// schemes (s3:, gs:, ...).
func localArtifactDir(uri, base, artifactsDir string) (dir string, ok bool) {
	if uri == "" {
		return "", false
	}
	u, err := url.Parse(uri)
	switch {
	case err != nil || u.Scheme == "" || len(u.Scheme) == 1: // a path (or a Windows drive)
		if filepath.IsAbs(uri) {
			return filepath.Clean(uri), true
		}
		return filepath.Join(base, filepath.FromSlash(uri)), true
	case u.Scheme == "file":
		return filepath.FromSlash(u.Path), u.Path != ""
	case u.Scheme == "mlflow-artifacts" && artifactsDir != "":
		return filepath.Join(artifactsDir, filepath.FromSlash(strings.TrimPrefix(u.Path, "/"))), true
	}
	return "", false
}

func isDir(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}

// walkFiles calls fn for every regular file under dir with its "/"-separated
// path relative to dir. Symbolic links and other special files are skipped
// (counted in skipped) so that an import never reads outside the tree.
func walkFiles(dir string, fn func(rel string, d fs.DirEntry) error) (skipped int, err error) {
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		if !d.Type().IsRegular() {
			skipped++
			return nil
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		return fn(filepath.ToSlash(rel), d)
	})
	if errors.Is(err, fs.ErrNotExist) && !isDir(dir) {
		return 0, nil
	}
	return skipped, err
}

// localArtifacts lists the artifact files under dir.
func localArtifacts(dir string, fn func(artifactFile) error) error {
	_, err := walkFiles(dir, func(rel string, d fs.DirEntry) error {
		info, err := d.Info()
		if err != nil {
			return err
		}
		p := filepath.Join(dir, filepath.FromSlash(rel))
		return fn(artifactFile{path: rel, size: info.Size(), open: func(context.Context) (io.ReadCloser, error) {
			return os.Open(p)
		}})
	})
	return err
}
