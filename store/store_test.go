package store

import (
	"context"
	"errors"
	"math"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func openTest(t testing.TB) *Store {
	t.Helper()
	clock := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	s, err := Open(context.Background(), t.TempDir(), Options{Clock: func() time.Time { return clock }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestOpenUsesWALAndMigrates(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	var mode string
	if err := s.ReadDB().QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		t.Fatal(err)
	}
	if mode != "wal" {
		t.Fatalf("journal_mode = %q, want wal", mode)
	}
	var fk int
	if err := s.ReadDB().QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&fk); err != nil || fk != 1 {
		t.Fatalf("foreign_keys = %d (%v), want 1", fk, err)
	}
	e, err := s.GetExperiment(ctx, 0)
	if err != nil || e.Name != "Default" {
		t.Fatalf("default experiment: %+v, %v", e, err)
	}
	// Reopening applies nothing twice.
	dir := s.Dir()
	s.Close()
	s2, err := Open(ctx, dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	var n int
	if err := s2.ReadDB().QueryRow("SELECT count(*) FROM experiments").Scan(&n); err != nil || n != 1 {
		t.Fatalf("experiments after reopen = %d, %v", n, err)
	}
}

func TestExperimentLifecycle(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	id, err := s.CreateExperiment(ctx, "recs", "", []Tag{{"team", "ml"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateExperiment(ctx, "recs", "", nil); !errors.Is(err, ErrAlreadyExists) {
		t.Fatalf("duplicate name: %v", err)
	}
	if err := s.RenameExperiment(ctx, id, "retail"); err != nil {
		t.Fatal(err)
	}
	e, err := s.ResolveExperiment(ctx, "retail")
	if err != nil || e.ID != id || e.Tags["team"] != "ml" {
		t.Fatalf("resolve: %+v %v", e, err)
	}
	if err := s.SetExperimentStage(ctx, id, StageDeleted); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateRun(ctx, RunCreate{ExperimentID: id}); !errors.Is(err, ErrInvalidState) {
		t.Fatalf("run in deleted experiment: %v", err)
	}
	list, err := s.ListExperiments(ctx, ExperimentQuery{View: DeletedOnly})
	if err != nil || len(list) != 1 || list[0].ID != id {
		t.Fatalf("deleted list: %v %v", list, err)
	}
	if err := s.SetExperimentStage(ctx, id, StageActive); err != nil {
		t.Fatal(err)
	}
	if err := s.SetExperimentStage(ctx, 0, StageDeleted); !errors.Is(err, ErrInvalid) {
		t.Fatalf("delete default: %v", err)
	}
	if _, err := s.GetExperiment(ctx, 99); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown: %v", err)
	}
}

func TestLogBatchSummaryAndDedup(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	r, err := s.CreateRun(ctx, RunCreate{Name: "mf-1"})
	if err != nil {
		t.Fatal(err)
	}
	b := Batch{
		Metrics: []Metric{
			{Key: "loss", Value: 3, Step: 0, Timestamp: 10},
			{Key: "loss", Value: 1, Step: 2, Timestamp: 30},
			{Key: "loss", Value: 2, Step: 1, Timestamp: 20},
			{Key: "loss", Value: math.NaN(), Step: 3, Timestamp: 5},
			{Key: "big", Value: math.Inf(1), Step: 0, Timestamp: 1},
		},
		Params: []Param{{"lr", "0.01"}, {"model", "mf"}},
		Tags:   []Tag{{"team", "recs"}},
	}
	for i := 0; i < 3; i++ { // a client retrying must not duplicate points
		if err := s.LogBatch(ctx, r.ID, b); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.GetRun(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Params["lr"] != "0.01" || got.Tags["team"] != "recs" || got.Name != "mf-1" || got.Tags[TagRunName] != "mf-1" {
		t.Fatalf("params/tags: %+v %+v", got.Params, got.Tags)
	}
	m := map[string]MetricSummary{}
	for _, ms := range got.Metrics {
		m[ms.Key] = ms
	}
	loss := m["loss"]
	if loss.Count != 4 || !math.IsNaN(loss.Last) || loss.LastStep != 3 || loss.Min != 1 || loss.Max != 3 {
		t.Fatalf("loss summary: %+v", loss)
	}
	if m["big"].Last != math.MaxFloat64 {
		t.Fatalf("+Inf stored as %v, want MaxFloat64 as MLflow's SQL store", m["big"].Last)
	}
	hist, next, err := s.MetricHistory(ctx, r.ID, "loss", 0, 10)
	if err != nil || next != 0 || len(hist) != 4 {
		t.Fatalf("history: %v next=%d err=%v", hist, next, err)
	}
	for i, want := range []int64{0, 1, 2, 3} {
		if hist[i].Step != want {
			t.Fatalf("history order: %+v", hist)
		}
	}
	page, next, err := s.MetricHistory(ctx, r.ID, "loss", 0, 3)
	if err != nil || len(page) != 3 || next != 3 {
		t.Fatalf("paged: %d next=%d %v", len(page), next, err)
	}
}

func TestLogBatchIsAtomic(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	r, _ := s.CreateRun(ctx, RunCreate{})
	if err := s.LogBatch(ctx, r.ID, Batch{Params: []Param{{"lr", "0.1"}}}); err != nil {
		t.Fatal(err)
	}
	err := s.LogBatch(ctx, r.ID, Batch{
		Metrics: []Metric{{Key: "loss", Value: 1}},
		Params:  []Param{{"lr", "0.2"}},
		Tags:    []Tag{{"x", "y"}},
	})
	if !errors.Is(err, ErrInvalid) {
		t.Fatalf("re-logged param: %v", err)
	}
	got, _ := s.GetRun(ctx, r.ID)
	if len(got.Metrics) != 0 || got.Tags["x"] != "" || got.Params["lr"] != "0.1" {
		t.Fatalf("half-written run: %+v", got)
	}
	for _, bad := range []Batch{
		{Metrics: []Metric{{Key: "../x"}}},
		{Metrics: []Metric{{Key: "a\x00b"}}},
		{Params: []Param{{"p", string(make([]byte, MaxParamValueLength+1))}}},
		{Metrics: make([]Metric, MaxMetricsPerBatch+1)},
	} {
		if err := s.LogBatch(ctx, r.ID, bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("bad batch accepted: %v", err)
		}
	}
	if err := s.LogBatch(ctx, NewRunID(), Batch{}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown run: %v", err)
	}
	if err := s.SetRunStage(ctx, r.ID, StageDeleted); err != nil {
		t.Fatal(err)
	}
	if err := s.LogBatch(ctx, r.ID, Batch{Tags: []Tag{{"a", "b"}}}); !errors.Is(err, ErrInvalidState) {
		t.Fatalf("deleted run: %v", err)
	}
}

// A failing operation in a group commit must not fail its neighbours.
func TestGroupCommitIsolatesFailures(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	r, _ := s.CreateRun(ctx, RunCreate{})
	_ = s.LogBatch(ctx, r.ID, Batch{Params: []Param{{"p", "1"}}})
	var wg sync.WaitGroup
	errs := make([]error, 40)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b := Batch{Metrics: []Metric{{Key: "m", Value: float64(i), Step: int64(i)}}}
			if i%4 == 0 {
				b.Params = []Param{{"p", "2"}} // conflicts: must fail alone
			}
			errs[i] = s.LogBatch(ctx, r.ID, b)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if (i%4 == 0) != (err != nil) {
			t.Fatalf("op %d: err=%v", i, err)
		}
	}
	got, _ := s.GetRun(ctx, r.ID)
	if got.Metrics[0].Count != 30 {
		t.Fatalf("count = %d, want 30", got.Metrics[0].Count)
	}
}

func TestEventsRecordedWithChange(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	before, _ := s.LastEventID(ctx)
	r, _ := s.CreateRun(ctx, RunCreate{})
	_ = s.LogBatch(ctx, r.ID, Batch{Metrics: []Metric{{Key: "m", Value: 1}}})
	_ = s.LogBatch(ctx, r.ID, Batch{Params: []Param{{"p", "1"}}, Metrics: []Metric{{Key: "m", Value: 1}}})
	_ = s.LogBatch(ctx, r.ID, Batch{Params: []Param{{"p", "2"}}}) // fails: no event
	evs, err := s.Events(ctx, before, 0)
	if err != nil {
		t.Fatal(err)
	}
	kinds := []string{}
	for _, e := range evs {
		kinds = append(kinds, e.Kind)
	}
	want := []string{"run.created", "run.logged", "run.logged"}
	if len(kinds) != len(want) {
		t.Fatalf("events %v, want %v", kinds, want)
	}
	if _, err := s.wdb.Exec("DELETE FROM events"); err == nil {
		t.Fatal("events must be append-only")
	}
}

func TestResolveRun(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	a, _ := s.CreateRun(ctx, RunCreate{Name: "alpha"})
	if r, err := s.ResolveRun(ctx, a.ID[:8]); err != nil || r.ID != a.ID {
		t.Fatalf("prefix: %v %v", r, err)
	}
	if r, err := s.ResolveRun(ctx, "alpha"); err != nil || r.ID != a.ID {
		t.Fatalf("name: %v %v", r, err)
	}
	_, _ = s.CreateRun(ctx, RunCreate{Name: "alpha"})
	if _, err := s.ResolveRun(ctx, "alpha"); !errors.Is(err, ErrInvalid) {
		t.Fatalf("ambiguous name: %v", err)
	}
	if _, err := s.ResolveRun(ctx, "nope"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown: %v", err)
	}
}

func TestSearchRunsFilterOrderPaging(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	for i := 0; i < 7; i++ {
		r, _ := s.CreateRun(ctx, RunCreate{StartTime: int64(1000 + i)})
		b := Batch{Params: []Param{{"model", []string{"mf", "pop"}[i%2]}}}
		if i != 3 {
			b.Metrics = []Metric{{Key: "ndcg", Value: float64(i) / 10}}
		}
		if err := s.LogBatch(ctx, r.ID, b); err != nil {
			t.Fatal(err)
		}
	}
	runs, next, err := s.SearchRuns(ctx, RunQuery{Filter: "params.model = 'mf'", OrderBy: []string{"metrics.ndcg DESC"}, MaxResults: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 2 || next == "" || runs[0].Metrics[0].Last != 0.6 || runs[1].Metrics[0].Last != 0.4 {
		t.Fatalf("page 1: %d runs next=%q", len(runs), next)
	}
	runs, next, err = s.SearchRuns(ctx, RunQuery{Filter: "params.model = 'mf'", OrderBy: []string{"metrics.ndcg DESC"}, MaxResults: 2, PageToken: next})
	if err != nil || len(runs) != 2 || next != "" {
		t.Fatalf("page 2: %d %q %v", len(runs), next, err)
	}
	if runs[0].Metrics[0].Last != 0.2 || runs[1].Metrics[0].Last != 0 {
		t.Fatalf("page 2 order: %v", runs[0].Metrics)
	}
	// Runs missing the order key sort last in both directions.
	for _, dir := range []string{"ASC", "DESC"} {
		runs, _, err = s.SearchRuns(ctx, RunQuery{OrderBy: []string{"metrics.ndcg " + dir}})
		if err != nil || len(runs) != 7 || len(runs[6].Metrics) != 0 {
			t.Fatalf("%s: missing key not last (%v)", dir, err)
		}
	}
	if _, _, err := s.SearchRuns(ctx, RunQuery{Filter: "metrics.ndcg <"}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("bad filter: %v", err)
	}
	if _, _, err := s.SearchRuns(ctx, RunQuery{PageToken: "!!"}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("bad token: %v", err)
	}
}

func TestLTTBKeepsShape(t *testing.T) {
	pts := make([]Metric, 10000)
	for i := range pts {
		pts[i] = Metric{Step: int64(i), Value: math.Sin(float64(i) / 500)}
	}
	pts[7777].Value = 50 // a spike must survive
	out := LTTB(pts, 200)
	if len(out) != 200 || out[0].Step != 0 || out[199].Step != 9999 {
		t.Fatalf("len %d first %d last %d", len(out), out[0].Step, out[len(out)-1].Step)
	}
	found := false
	for i, p := range out {
		if p.Value == 50 {
			found = true
		}
		if i > 0 && p.Step <= out[i-1].Step {
			t.Fatal("not increasing")
		}
	}
	if !found {
		t.Fatal("spike lost")
	}
}

func TestMetricBulkIntervalIncludesEnds(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	r, _ := s.CreateRun(ctx, RunCreate{})
	var ms []Metric
	for i := 0; i < 101; i++ {
		ms = append(ms, Metric{Key: "m", Step: int64(i), Value: float64(i)})
	}
	if err := s.LogBatch(ctx, r.ID, Batch{Metrics: ms}); err != nil {
		t.Fatal(err)
	}
	got, err := s.MetricBulkInterval(ctx, []string{r.ID}, "m", nil, nil, 10)
	if err != nil {
		t.Fatal(err)
	}
	pts := got[0].Points
	if len(pts) < 10 || len(pts) > 11 || pts[0].Step != 0 || pts[len(pts)-1].Step != 100 {
		t.Fatalf("sampled %d points: %v", len(pts), pts)
	}
}

func TestLocatePrecedence(t *testing.T) {
	root := t.TempDir()
	proj, err := Init(root)
	if err != nil {
		t.Fatal(err)
	}
	sub := filepath.Join(root, "a", "b")
	env := map[string]string{"HOME": "/home/u"}
	get := func(k string) string { return env[k] }
	loc, _ := Locate("", sub, get)
	if loc.Dir != proj || loc.Reason != "project" {
		t.Fatalf("project: %+v", loc)
	}
	env["LATHE_STORE"] = "/tmp/env"
	if loc, _ = Locate("", sub, get); loc.Dir != "/tmp/env" {
		t.Fatalf("env: %+v", loc)
	}
	if loc, _ = Locate("/tmp/flag", sub, get); loc.Dir != "/tmp/flag" {
		t.Fatalf("flag: %+v", loc)
	}
	delete(env, "LATHE_STORE")
	if loc, _ = Locate("", "/", get); loc.Dir != "/home/u/.local/share/lathe" {
		t.Fatalf("user: %+v", loc)
	}
	env["XDG_DATA_HOME"] = "/xdg"
	if loc, _ = Locate("", "/", get); loc.Dir != "/xdg/lathe" {
		t.Fatalf("xdg: %+v", loc)
	}
}

func TestValidateKey(t *testing.T) {
	for _, ok := range []string{"loss", "val/loss", "a.b-c d_e", "né", "x"} {
		if err := ValidateKey("metric", ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "/abs", "a/../b", "..", "a*b", "a\tb", "a//b", "./a", "a/", "..a", strings.Repeat("a", 251)} {
		if err := ValidateKey("metric", bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestMetricHistoryDownsampledKeepsTimestampsSkipsNaN(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	r, _ := s.CreateRun(ctx, RunCreate{})
	var ms []Metric
	for i := 0; i < 500; i++ {
		v := float64(i)
		if i == 7 {
			v = math.NaN()
		}
		ms = append(ms, Metric{Key: "m", Step: int64(i), Timestamp: int64(1000 + i), Value: v})
	}
	if err := s.LogBatch(ctx, r.ID, Batch{Metrics: ms}); err != nil {
		t.Fatal(err)
	}
	pts, err := s.MetricHistoryDownsampled(ctx, r.ID, "m", 50)
	if err != nil || len(pts) != 50 {
		t.Fatalf("%d points, %v", len(pts), err)
	}
	for _, p := range pts {
		if math.IsNaN(p.Value) || p.Timestamp != 1000+p.Step || p.Key != "m" {
			t.Fatalf("bad point %+v", p)
		}
	}
}

// Runs logged at different steps share the sampled steps, and each keeps its ends.
func TestMetricBulkIntervalSharesStepsAcrossRuns(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	a, _ := s.CreateRun(ctx, RunCreate{})
	b, _ := s.CreateRun(ctx, RunCreate{})
	var ma, mb []Metric
	for i := 0; i < 100; i++ {
		ma = append(ma, Metric{Key: "m", Step: int64(i)})
		mb = append(mb, Metric{Key: "m", Step: int64(2*i + 1)}) // odd steps 1..199
	}
	_ = s.LogBatch(ctx, a.ID, Batch{Metrics: ma})
	_ = s.LogBatch(ctx, b.ID, Batch{Metrics: mb})
	got, err := s.MetricBulkInterval(ctx, []string{a.ID, b.ID}, "m", nil, nil, 20)
	if err != nil {
		t.Fatal(err)
	}
	pa, pb := got[0].Points, got[1].Points
	if pa[0].Step != 0 || pa[len(pa)-1].Step != 99 || pb[0].Step != 1 || pb[len(pb)-1].Step != 199 {
		t.Fatalf("ends lost: a %d..%d, b %d..%d", pa[0].Step, pa[len(pa)-1].Step, pb[0].Step, pb[len(pb)-1].Step)
	}
	if n := len(pa) + len(pb); n > 2*20+4 {
		t.Fatalf("%d points for max_results 20", n)
	}
}
