package mlflowimport

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/lathe-ml/lathe/store"
)

// Options tune Import. The zero value imports everything with 8 workers.
type Options struct {
	// Workers is how many runs are imported at once (default 8). The store
	// commits concurrent batches together, so a few workers are much faster
	// than one.
	Workers int
	// Refresh re-reads runs already imported and complete, adding anything
	// missing (never duplicating) and re-reading artifacts whose size
	// matches. Runs the source has RUNNING or SCHEDULED are always re-read.
	Refresh bool
	// NoArtifacts skips artifact files.
	NoArtifacts bool
	// ArtifactsDir is the local directory that mlflow-artifacts: URIs point
	// into (an MLflow server's --artifacts-destination, by default its
	// ./mlartifacts).
	ArtifactsDir string
	// Token is sent to a server as "Authorization: Bearer" (MLflow's
	// MLFLOW_TRACKING_TOKEN); Username and Password as basic auth
	// (MLFLOW_TRACKING_USERNAME, MLFLOW_TRACKING_PASSWORD).
	Token, Username, Password string
	// Dir is where relative paths in src (and ArtifactsDir) are taken from;
	// "" means the process's working directory.
	Dir string
	// HTTPClient talks to a server; nil means a client with timeouts.
	HTTPClient *http.Client
	// Models receives registered models; nil means the store's registry.
	Models ModelSink
	// NoModels skips registered models.
	NoModels bool
	// Progress, when set, is called about every ProgressEvery (default
	// 200ms) from another goroutine, and once at the end.
	Progress      func(Progress)
	ProgressEvery time.Duration
}

// batchSize is how many points one store write carries: MLflow's log-batch
// limit, so that a batch never holds the store's writer for long.
const batchSize = store.MaxMetricsPerBatch

// Import brings the experiments, runs (params, metrics with their whole
// history, tags, notes, inputs, statuses, times, lifecycle stages),
// artifacts and registered models of the MLflow tracking store at src into
// st. src is an mlruns/ directory (or one holding mlruns/), a SQLite file
// (path or sqlite:/// URI), or an http(s):// server. Importing again adds
// only what is missing. The error is for what stops the whole import (the
// source cannot be opened, the store fails, ctx is cancelled); problems
// with single experiments or runs are in Summary.Errors.
func Import(ctx context.Context, st *store.Store, src string, opt Options) (*Summary, error) {
	s, err := openSource(ctx, src, opt)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	return importFrom(ctx, st, s, opt)
}

type importer struct {
	st   *store.Store
	src  source
	opt  Options
	t    *tally
	exps map[*experiment]int64
}

func importFrom(ctx context.Context, st *store.Store, src source, opt Options) (*Summary, error) {
	if opt.Workers <= 0 {
		opt.Workers = 8
	}
	if opt.Models == nil {
		opt.Models = storeModels{st}
	}
	if opt.ProgressEvery <= 0 {
		opt.ProgressEvery = 200 * time.Millisecond
	}
	start := time.Now()
	im := &importer{st: st, src: src, opt: opt, t: &tally{}, exps: map[*experiment]int64{}}
	im.t.s.Source = src.String()
	stopProgress := im.reportProgress()
	err := im.run(ctx)
	stopProgress()
	sum, _ := im.t.snapshot()
	sum.Seconds = time.Since(start).Seconds()
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		sum.Interrupted = true
	}
	return &sum, err
}

func (im *importer) reportProgress() (stop func()) {
	if im.opt.Progress == nil {
		return func() {}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(im.opt.ProgressEvery)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				_, p := im.t.snapshot()
				im.opt.Progress(p)
			}
		}
	}()
	return func() {
		close(done)
		wg.Wait()
		_, p := im.t.snapshot()
		im.opt.Progress(p)
	}
}

func (im *importer) run(ctx context.Context) error {
	exps, err := im.src.experiments(ctx)
	if err != nil {
		return fmt.Errorf("read experiments of %s: %w", im.src, err)
	}
	var runs []*runMeta
	for _, e := range exps {
		if err := im.importExperiment(ctx, e); err != nil {
			if fatal(err) {
				return err
			}
			im.t.fail(err.Error())
			continue
		}
		rs, err := im.src.runs(ctx, e)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			im.t.fail(fmt.Sprintf("%s: list runs: %v", e.where, err))
			continue
		}
		runs = append(runs, rs...)
	}
	im.t.do(func(_ *Summary, p *Progress) { p.RunsTotal = int64(len(runs)) })
	if err := im.importRuns(ctx, runs); err != nil {
		return err
	}
	return im.importModels(ctx)
}

func (im *importer) importExperiment(ctx context.Context, e *experiment) error {
	if e.err != nil {
		return e.err
	}
	pref := int64(-1)
	if id, err := strconv.ParseInt(e.srcID, 10, 64); err == nil && id >= 0 {
		pref = id
	}
	res, err := im.st.ImportExperiment(ctx, store.ImportedExperiment{PreferredID: pref, Name: e.name,
		LifecycleStage: e.stage, CreationTime: e.created, LastUpdateTime: e.updated, Tags: e.tags})
	if err != nil {
		return storeErr(fmt.Errorf("%s: import experiment %q: %w", e.where, e.name, err))
	}
	im.exps[e] = res.ID
	im.t.do(func(s *Summary, _ *Progress) {
		if res.Created {
			s.Experiments.Imported++
		} else {
			s.Experiments.Present++
		}
	})
	return nil
}

// importRuns runs Workers goroutines over the runs. A run's own failure is
// recorded and the others go on; a failure of the store stops everything.
func (im *importer) importRuns(ctx context.Context, runs []*runMeta) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	todo := make(chan *runMeta)
	var wg sync.WaitGroup
	for range min(im.opt.Workers, max(len(runs), 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range todo {
				err := im.importRun(ctx, r)
				im.t.do(func(s *Summary, p *Progress) {
					p.Runs++
					if err != nil && !fatal(err) {
						s.Runs.Failed++
					}
				})
				switch {
				case err == nil:
				case fatal(err):
					cancel(err)
				default:
					im.t.fail(err.Error())
				}
			}
		}()
	}
feed:
	for _, r := range runs {
		select {
		case todo <- r:
		case <-ctx.Done():
			break feed
		}
	}
	close(todo)
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		return err
	}
	return nil
}

// storeError marks an error from the store, as opposed to the source.
type storeError struct{ err error }

func (e *storeError) Error() string { return e.err.Error() }
func (e *storeError) Unwrap() error { return e.err }

func storeErr(err error) error {
	if err == nil {
		return nil
	}
	return &storeError{err}
}

// fatal tells errors that stop the import (cancellation, a failing store)
// from those of one run or experiment (bad data in the source, a value the
// store refuses).
func fatal(err error) bool {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var se *storeError
	if !errors.As(err, &se) {
		return false
	}
	return !errors.Is(err, store.ErrInvalid) && !errors.Is(err, store.ErrInvalidState) &&
		!errors.Is(err, store.ErrNotFound) && !errors.Is(err, store.ErrAlreadyExists)
}

func (im *importer) importModels(ctx context.Context) error {
	if im.opt.NoModels {
		return nil
	}
	models, err := im.src.models(ctx)
	switch {
	case errors.Is(err, errNoRegistry):
		im.t.note(err.Error() + "; no registered models were read")
		return nil
	case err != nil && ctx.Err() != nil:
		return ctx.Err()
	case err != nil:
		im.t.fail(fmt.Sprintf("registered models: %v", err))
		return nil
	}
	for _, m := range models {
		im.t.do(func(s *Summary, _ *Progress) {
			s.Models.Found++
			s.Models.Versions += int64(len(m.Versions))
		})
		created, err := im.opt.Models.ImportModel(ctx, m)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			im.t.do(func(s *Summary, _ *Progress) { s.Models.Skipped++ })
			im.t.fail(fmt.Sprintf("registered model %q: %v", m.Name, err))
			continue
		}
		for _, v := range m.Versions {
			if v.Stage != "" && v.Stage != "None" {
				im.t.note("model version stages (Staging, Production, Archived) are not kept: lathe's registry has aliases instead")
				break
			}
		}
		im.t.do(func(s *Summary, _ *Progress) {
			if created {
				s.Models.Imported++
			} else {
				s.Models.Present++
			}
		})
	}
	return nil
}

// countingReader counts bytes read into a tally's progress.
type countingReader struct {
	r io.Reader
	t *tally
}

func (c countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if n > 0 {
		c.t.do(func(_ *Summary, pr *Progress) { pr.Bytes += int64(n) })
	}
	return n, err
}
