package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/lathe-ml/lathe/runner"
	"github.com/lathe-ml/lathe/store"
)

// reporter parses the job's stdout for directives and logs them to the run.
func (s *supervisor) reporter() *runner.Reporter {
	b := runner.NewBatcher(s.bg, s.flushDirectives, runner.BatcherOptions{
		MaxCount: store.MaxMetricsPerBatch, MaxDelay: time.Second,
		OnError: func(err error) { s.note("warning: logging to run %s: %v", shortID(s.run.ID), err) },
	})
	return runner.NewReporter(runner.ReporterOptions{Batcher: b, Check: checkDirective,
		Warn: func(d runner.Directive) { s.note("warning: stdout line %d: %s", d.Line, d.Warning) }})
}

// checkDirective applies MLflow's key rules and value limits, so that one
// bad line never spoils the batch it would share.
func checkDirective(d runner.Directive) error {
	switch d.Kind {
	case runner.KindMetric:
		for _, p := range d.Points {
			if err := store.ValidateKey("metric", p.Key); err != nil {
				return err
			}
		}
	case runner.KindParam, runner.KindTag:
		kind, limit := "param", store.MaxParamValueLength
		if d.Kind == runner.KindTag {
			kind, limit = "tag", store.MaxTagValueLength
		}
		if err := store.ValidateKey(kind, d.Key); err != nil {
			return err
		}
		if len(d.Value) > limit {
			return fmt.Errorf("%s %q: the value is over %d characters", kind, d.Key, limit)
		}
	}
	return nil
}

// flushDirectives logs one batch of directives in as few LogBatch calls as
// MLflow's limits allow. A call that fails is retried piece by piece, so a
// param logged twice with different values costs only itself.
func (s *supervisor) flushDirectives(ctx context.Context, ds []runner.Directive) error {
	var ms []store.Metric
	var ps []store.Param
	var ts []store.Tag
	for _, d := range ds {
		switch d.Kind {
		case runner.KindMetric:
			for _, p := range d.Points {
				ms = append(ms, store.Metric{Key: p.Key, Value: p.Value, Timestamp: d.Time, Step: d.Step})
			}
		case runner.KindParam:
			ps = append(ps, store.Param{Key: d.Key, Value: d.Value})
		case runner.KindTag:
			ts = append(ts, store.Tag{Key: d.Key, Value: d.Value})
		}
	}
	var errs []error
	log := func(b store.Batch) {
		err := s.st.LogBatch(ctx, s.run.ID, b)
		if err == nil || len(b.Metrics)+len(b.Params)+len(b.Tags) == 1 {
			if err != nil {
				errs = append(errs, err)
			}
			return
		}
		if len(b.Metrics) > 0 {
			if err := s.st.LogBatch(ctx, s.run.ID, store.Batch{Metrics: b.Metrics}); err != nil {
				errs = append(errs, err)
			}
		}
		for _, p := range b.Params {
			if err := s.st.LogBatch(ctx, s.run.ID, store.Batch{Params: []store.Param{p}}); err != nil {
				errs = append(errs, err)
			}
		}
		for _, t := range b.Tags {
			if err := s.st.LogBatch(ctx, s.run.ID, store.Batch{Tags: []store.Tag{t}}); err != nil {
				errs = append(errs, err)
			}
		}
	}
	for len(ms)+len(ps)+len(ts) > 0 {
		var b store.Batch
		np := min(len(ps), store.MaxParamsTagsPerBatch)
		nt := min(len(ts), store.MaxParamsTagsPerBatch-np)
		nm := min(len(ms), store.MaxMetricsPerBatch, store.MaxEntitiesPerBatch-np-nt)
		b.Params, ps = ps[:np], ps[np:]
		b.Tags, ts = ts[:nt], ts[nt:]
		b.Metrics, ms = ms[:nm], ms[nm:]
		log(b)
	}
	return errors.Join(errs...)
}

// recordProvenance stores what reproduces the job beyond its command: git
// state, Python environment, the redacted environment.
func (s *supervisor) recordProvenance(env []string) {
	p := runner.CaptureProvenance(s.bg, s.o.workdir, env, s.argv)
	tags := []store.Tag{{Key: tagJobID, Value: strconv.FormatInt(s.jobID, 10)}}
	add := func(k, v string) {
		if v != "" {
			tags = append(tags, store.Tag{Key: k, Value: v})
		}
	}
	put := func(path string, b []byte) {
		if _, err := s.st.LogArtifact(s.bg, s.run.ID, path, bytes.NewReader(b)); err != nil {
			s.note("warning: storing %s: %v", path, err)
		}
	}
	if g := p.Git; g != nil {
		add("lathe.git.commit", g.Commit)
		add("lathe.git.branch", g.Branch)
		add("lathe.git.remote", g.Remote)
		add("lathe.git.dirty", strconv.FormatBool(g.Dirty))
		add("mlflow.source.git.commit", g.Commit)
		add("mlflow.source.git.branch", g.Branch)
		add("mlflow.source.git.repoURL", g.Remote)
		if g.Dirty {
			put("lathe/git.diff", g.Diff)
		}
	}
	if py := p.Python; py != nil {
		add("lathe.python.version", py.Version)
		add("lathe.python.venv", py.Venv)
		add("lathe.conda.env", py.CondaEnv)
		if len(py.PipFreeze) > 0 {
			put("lathe/pip-freeze.txt", py.PipFreeze)
		}
		if len(py.CondaList) > 0 {
			put("lathe/conda-list.txt", py.CondaList)
		}
	}
	b, _ := json.MarshalIndent(p.Env, "", "  ")
	put("lathe/env.json", append(b, '\n'))
	if err := s.st.LogBatch(s.bg, s.run.ID, store.Batch{Tags: tags}); err != nil {
		s.note("warning: recording provenance tags: %v", err)
	}
}
