package store

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
)

func TestImportExperiment(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	res, err := s.ImportExperiment(ctx, ImportedExperiment{PreferredID: 7, Name: "churn", CreationTime: 1000,
		Tags: []Tag{{"team", "growth"}}})
	if err != nil || res != (ExperimentImport{ID: 7, Created: true, TagsAdded: 1}) {
		t.Fatalf("import = %+v, %v; want id 7 kept", res, err)
	}
	e, _ := s.GetExperiment(ctx, 7)
	if e.CreationTime != 1000 || e.LastUpdateTime != 1000 || e.Tags["team"] != "growth" {
		t.Errorf("experiment = %+v", e)
	}
	// Same name: reused, its tags kept, missing ones added.
	last, _ := s.LastEventID(ctx)
	res, err = s.ImportExperiment(ctx, ImportedExperiment{PreferredID: 3, Name: "churn", Tags: []Tag{{"team", "other"}}})
	if err != nil || res != (ExperimentImport{ID: 7}) {
		t.Fatalf("reimport = %+v, %v", res, err)
	}
	if n, _ := s.LastEventID(ctx); n != last {
		t.Errorf("a reimport that changed nothing recorded events")
	}
	// Taken id: another is chosen; deleted stage kept.
	res, err = s.ImportExperiment(ctx, ImportedExperiment{PreferredID: 7, Name: "other", LifecycleStage: StageDeleted})
	if err != nil || res.ID == 7 || !res.Created {
		t.Fatalf("clash = %+v, %v", res, err)
	}
	if e, _ := s.GetExperiment(ctx, res.ID); e.LifecycleStage != StageDeleted {
		t.Errorf("stage = %q", e.LifecycleStage)
	}
	if _, err := s.ImportExperiment(ctx, ImportedExperiment{Name: " "}); !errors.Is(err, ErrInvalid) {
		t.Errorf("empty name: %v", err)
	}
}

func TestImportRunLifecycle(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	id := strings.Repeat("ab", 16)
	r := ImportedRun{ID: id, Name: "imported", Status: StatusFinished, StartTime: 100, EndTime: 200, UserID: "u",
		LifecycleStage: StageActive, Origin: "test"}
	if _, err := s.BeginRunImport(ctx, ImportedRun{ID: "XYZ"}, false); !errors.Is(err, ErrInvalid) {
		t.Errorf("bad id: %v", err)
	}
	if _, err := s.ImportRunData(ctx, id, ImportBatch{}); !errors.Is(err, ErrNotFound) {
		t.Errorf("data before begin: %v", err)
	}
	state, err := s.BeginRunImport(ctx, r, false)
	if err != nil || state != RunImportNew {
		t.Fatalf("begin = %v, %v", state, err)
	}
	got, _ := s.GetRun(ctx, id)
	if got.LifecycleStage != StageDeleted || got.Tags[TagImportIncomplete] != "test" {
		t.Fatalf("run while importing = %+v: want hidden and marked", got)
	}
	pts := []Metric{{"loss", 1, 10, 0}, {"loss", 0.5, 20, 1}, {"loss", math.NaN(), 30, 2}}
	c, err := s.ImportRunData(ctx, id, ImportBatch{Metrics: pts[:2], Params: []Param{{"lr", "0.1"}},
		Tags: []Tag{{TagNote, "hello"}, {TagImportIncomplete, "ignored"}}})
	if err != nil || c.Metrics != 2 || c.Params != 1 || c.Tags != 1 {
		t.Fatalf("batch = %+v, %v", c, err)
	}
	// A resent batch (a resumed import) stores only what is new.
	c, err = s.ImportRunData(ctx, id, ImportBatch{Metrics: pts, Params: []Param{{"lr", "0.1"}}, Tags: []Tag{{TagNote, "hello"}}})
	if err != nil || c.Metrics != 1 || c.MetricsPresent != 2 || c.ParamsPresent != 1 || c.TagsPresent != 1 {
		t.Fatalf("resent = %+v, %v", c, err)
	}
	if _, err := s.ImportRunData(ctx, id, ImportBatch{Params: []Param{{"lr", "0.2"}}}); !errors.Is(err, ErrInvalid) {
		t.Errorf("changed param: %v", err)
	}
	created, _, err := s.ImportArtifact(ctx, id, "model/a.bin", strings.NewReader("bytes"))
	if err != nil || !created {
		t.Fatalf("artifact = %v, %v", created, err)
	}
	if created, _, err = s.ImportArtifact(ctx, id, "model/a.bin", strings.NewReader("bytes")); err != nil || created {
		t.Errorf("same artifact again: created=%v, %v", created, err)
	}
	if _, _, err = s.ImportArtifact(ctx, id, "model", strings.NewReader("x")); !errors.Is(err, ErrInvalidState) {
		t.Errorf("file over a directory: %v", err)
	}
	changed, err := s.FinishRunImport(ctx, r, true)
	if err != nil || !changed {
		t.Fatalf("finish = %v, %v", changed, err)
	}
	got, _ = s.GetRun(ctx, id)
	if got.LifecycleStage != StageActive || got.Status != StatusFinished || got.StartTime != 100 || got.EndTime != 200 ||
		got.Notes != "hello" || got.Name != "imported" || got.UserID != "u" || got.Tags[TagImportIncomplete] != "" {
		t.Fatalf("finished run = %+v", got)
	}
	if len(got.Metrics) != 1 || got.Metrics[0].Count != 3 || got.Metrics[0].LastStep != 2 || !math.IsNaN(got.Metrics[0].Last) {
		t.Errorf("summary = %+v", got.Metrics)
	}
	if _, err := s.ImportRunData(ctx, id, ImportBatch{}); !errors.Is(err, ErrInvalidState) {
		t.Errorf("data after finish: %v", err)
	}

	// Unchanged: complete. A running run, or refresh: marked again, visible.
	if state, _ := s.BeginRunImport(ctx, r, false); state != RunImportComplete {
		t.Errorf("second begin = %v", state)
	}
	if state, _ := s.BeginRunImport(ctx, r, true); state != RunImportRefresh {
		t.Errorf("refresh begin = %v", state)
	}
	if got, _ := s.GetRun(ctx, id); got.LifecycleStage != StageActive {
		t.Errorf("a refreshed run must stay visible: %+v", got)
	}
	if changed, err := s.FinishRunImport(ctx, r, false); err != nil || changed {
		t.Errorf("refresh finish = %v, %v", changed, err)
	}
	sizes, err := s.ArtifactSizes(ctx, id)
	if err != nil || sizes["model/a.bin"] != 5 {
		t.Errorf("sizes = %v, %v", sizes, err)
	}
}

func TestImportDeletedRunKeepsStage(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	r := ImportedRun{ID: strings.Repeat("cd", 16), Status: StatusKilled, LifecycleStage: StageDeleted, DeletedTime: 555}
	if _, err := s.BeginRunImport(ctx, r, false); err != nil {
		t.Fatal(err)
	}
	if _, err := s.FinishRunImport(ctx, r, true); err != nil {
		t.Fatal(err)
	}
	var dt int64
	if err := s.ReadDB().QueryRow(`SELECT deleted_time FROM runs WHERE uuid = ?`, r.ID).Scan(&dt); err != nil || dt != 555 {
		t.Errorf("deleted_time = %d, %v", dt, err)
	}
	if _, err := s.BeginRunImport(ctx, ImportedRun{ID: strings.Repeat("ef", 16), ExperimentID: 99}, false); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown experiment: %v", err)
	}
}
