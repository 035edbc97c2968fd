package mlflowimport

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lathe-ml/lathe/store"
)

const (
	runDefault = "3f1c2a9b8d7e4f60a1b2c3d4e5f60718"
	runGBM     = "a1b2c3d4e5f60718293a4b5c6d7e8f90"
	runOld     = "0123456789abcdef0123456789abcdef"
	runDeleted = "c0ffee00c0ffee00c0ffee00c0ffee00"
	runLive    = "d00dfeedd00dfeedd00dfeedd00dfeed"
	runTrashed = "e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1"
	longName   = "churn prediction — weekly retraining of the gradient boosted model on the customer table"
)

func TestImportFileStore(t *testing.T) {
	st := openStore(t)
	ctx := context.Background()
	sum := mustImport(t, st, fixture("mlruns"), Options{})
	if len(sum.Errors) > 0 {
		t.Fatalf("errors: %v", sum.Errors)
	}
	if sum.Experiments != (Count{Imported: 2, Present: 1}) {
		t.Errorf("experiments = %+v, want 2 imported (churn, old) and Default reused", sum.Experiments)
	}
	if sum.Runs != (RunCount{Imported: 6}) {
		t.Errorf("runs = %+v, want 6 imported", sum.Runs)
	}
	// 10+10 + 5+5+6 + 3 + 1 + 3 + 2 points.
	if sum.MetricPoints.Imported != 45 {
		t.Errorf("metric points = %+v, want 45", sum.MetricPoints)
	}
	if sum.Artifacts.Imported != 5 || sum.Artifacts.Bytes == 0 {
		t.Errorf("artifacts = %+v, want 5 files", sum.Artifacts)
	}
	if sum.Models.Found != 1 || sum.Models.Versions != 2 || sum.Models.Imported != 1 {
		t.Errorf("models = %+v, want 1 model with 2 versions imported", sum.Models)
	}

	// Experiments: names (folded YAML), stages, tags, kept ids.
	e1, err := st.GetExperiment(ctx, 1)
	if err != nil || e1.Name != longName {
		t.Fatalf("experiment 1 = %+v, %v; want the long name unfolded", e1, err)
	}
	if e1.Tags["team"] != "growth" || e1.Tags["mlflow.note.content"] != "Churn models.\nOwner: data team" {
		t.Errorf("experiment tags = %v", e1.Tags)
	}
	if e1.CreationTime != 1700000000000 {
		t.Errorf("creation time = %d", e1.CreationTime)
	}
	old, err := st.GetExperimentByName(ctx, "old experiment")
	if err != nil || old.LifecycleStage != store.StageDeleted || old.ID != 2 {
		t.Errorf("trashed experiment = %+v, %v; want id 2, deleted", old, err)
	}

	// A current run: times, status, name, user, notes, params, metrics, artifacts.
	r := getRun(t, st, runDefault)
	if r.Status != store.StatusFinished || r.StartTime != 1700000001000 || r.EndTime != 1700000061000 ||
		r.Name != "brisk-oak-12" || r.UserID != "alice" || r.Source != "train.py" || r.LifecycleStage != store.StageActive {
		t.Errorf("run %s = %+v", runDefault, r)
	}
	if r.Notes != "# Baseline\nFirst try, default settings.\n" {
		t.Errorf("notes = %q", r.Notes)
	}
	if r.Params["lr"] != "0.01" || len(r.Params) != 3 {
		t.Errorf("params = %v", r.Params)
	}
	if _, marked := r.Tags[store.TagImportIncomplete]; marked {
		t.Errorf("run still marked incomplete: %v", r.Tags)
	}
	loss := history(t, st, runDefault, "loss")
	if len(loss) != 10 || loss[0].Step != 0 || loss[0].Timestamp != 1700000001000 || loss[0].Value != 1 || loss[9].Value != 0.1 {
		t.Errorf("loss history = %+v", loss)
	}
	if got := artifactBytes(t, st, runDefault, "model/model.pkl"); len(got) != 1024 || got[255] != 255 {
		t.Errorf("model.pkl: %d bytes", len(got))
	}
	if got := string(artifactBytes(t, st, runDefault, "notes.txt")); got != "trained on the March snapshot\n" {
		t.Errorf("notes.txt = %q", got)
	}

	// Nested keys, NaN and infinities, a param with newlines, an input.
	g := getRun(t, st, runGBM)
	if g.Params["features"] != "age\nincome\ntenure" {
		t.Errorf("features = %q", g.Params["features"])
	}
	auc := history(t, st, runGBM, "val/auc")
	if len(auc) != 6 || !math.IsNaN(auc[1].Value) || auc[3].Value != math.MaxFloat64 || auc[4].Value != -math.MaxFloat64 {
		t.Errorf("val/auc = %+v", auc)
	}
	if len(history(t, st, runGBM, "train/loss")) != 5 {
		t.Errorf("train/loss missing")
	}
	if len(g.Inputs) != 1 || g.Inputs[0].Dataset.Name != "customers" || g.Inputs[0].Dataset.Digest != "9f86d081" ||
		!strings.Contains(g.Inputs[0].Dataset.Schema, `"name": "tenure"`) || len(g.Inputs[0].Tags) != 1 ||
		g.Inputs[0].Tags[0] != (store.Tag{Key: "mlflow.data.context", Value: "training"}) {
		t.Errorf("inputs = %+v", g.Inputs)
	}

	// MLflow 0.x: no run_name or lifecycle_stage, status 4, two-column lines.
	o := getRun(t, st, runOld)
	if o.Status != store.StatusFailed || o.LifecycleStage != store.StageActive || o.Name != "" || o.UserID != "bob élève" {
		t.Errorf("old run = %+v", o)
	}
	ol := history(t, st, runOld, "loss")
	if len(ol) != 3 || ol[0].Step != 0 || ol[2].Step != 0 || ol[2].Value != 0.65 || ol[2].Timestamp != 1600000003000 {
		t.Errorf("old loss = %+v", ol)
	}

	// Deleted runs stay deleted; extra metric columns are ignored.
	if d := getRun(t, st, runDeleted); d.LifecycleStage != store.StageDeleted || d.Status != store.StatusKilled {
		t.Errorf("deleted run = %+v", d)
	}
	if d := getRun(t, st, runTrashed); d.LifecycleStage != store.StageDeleted || d.ExperimentID != 2 {
		t.Errorf("trashed run = %+v", d)
	}
	live := getRun(t, st, runLive)
	if live.Status != store.StatusRunning || live.EndTime != 0 {
		t.Errorf("live run = %+v", live)
	}
	if l := history(t, st, runLive, "loss"); len(l) != 3 || l[2].Step != 2 || l[2].Value != 0.3 {
		t.Errorf("live loss = %+v", l)
	}

	// The registry: versions keep their numbers, file: sources become runs:/.
	mv, err := st.GetModelVersion(ctx, "churn-model", 1)
	if err != nil || mv.Source != "runs:/"+runGBM+"/model" || mv.RunID != runGBM || mv.Tags["validated"] != "no" {
		t.Errorf("churn-model/1 = %+v, %v", mv, err)
	}
	champ, err := st.GetModelVersionByAlias(ctx, "churn-model", "champion")
	if err != nil || champ.Version != 2 {
		t.Errorf("champion = %+v, %v", champ, err)
	}
	if _, err := st.GetModelVersion(ctx, "churn-model", 3); !isNotFound(err) {
		t.Errorf("deleted version 3 was imported: %v", err)
	}
}

func TestImportTwiceChangesNothing(t *testing.T) {
	st := openStore(t)
	ctx := context.Background()
	mustImport(t, st, fixture("mlruns"), Options{})
	before := dumpStore(t, st)
	lastEvent, err := st.LastEventID(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, opt := range []Options{{}, {Refresh: true, Workers: 1}} {
		sum := mustImport(t, st, fixture("mlruns"), opt)
		if sum.Runs.Imported != 0 || sum.Runs.Updated != 0 || sum.Runs.Present != 6 {
			t.Errorf("refresh=%v: runs = %+v, want all 6 present", opt.Refresh, sum.Runs)
		}
		if sum.MetricPoints.Imported != 0 || sum.Params.Imported != 0 || sum.Tags.Imported != 0 ||
			sum.Artifacts.Imported != 0 || sum.Experiments.Imported != 0 || sum.Models.Imported != 0 || sum.Inputs.Imported != 0 {
			t.Errorf("refresh=%v: second import added something: %+v", opt.Refresh, sum)
		}
		if sum.Experiments.Present != 3 || sum.Models.Present != 1 {
			t.Errorf("refresh=%v: experiments %+v, models %+v", opt.Refresh, sum.Experiments, sum.Models)
		}
		after := dumpStore(t, st)
		compareDumps(t, before, after)
		n, err := st.LastEventID(ctx)
		if err != nil || n != lastEvent {
			t.Errorf("refresh=%v: events went from %d to %d (%v): an unchanged import must record nothing", opt.Refresh, lastEvent, n, err)
		}
	}
}

func compareDumps(t *testing.T, want, got dump) {
	t.Helper()
	if len(want.Runs) != len(got.Runs) || len(want.Experiments) != len(got.Experiments) {
		t.Fatalf("got %d runs in %d experiments, want %d in %d", len(got.Runs), len(got.Experiments), len(want.Runs), len(want.Experiments))
	}
	for name, stage := range want.Experiments {
		if got.Experiments[name] != stage {
			t.Errorf("experiment %q: stage %q, want %q", name, got.Experiments[name], stage)
		}
	}
	for id, w := range want.Runs {
		g := got.Runs[id]
		if g == nil {
			t.Errorf("run %s missing", id)
			continue
		}
		if g.Name != w.Name || g.Status != w.Status || g.StartTime != w.StartTime || g.EndTime != w.EndTime ||
			g.LifecycleStage != w.LifecycleStage || g.UserID != w.UserID || g.Notes != w.Notes {
			t.Errorf("run %s: got %+v\nwant %+v", id, g, w)
		}
		if !equalMaps(g.Params, w.Params) || !equalMaps(g.Tags, w.Tags) {
			t.Errorf("run %s: params/tags %v %v, want %v %v", id, g.Params, g.Tags, w.Params, w.Tags)
		}
		if len(g.Inputs) != len(w.Inputs) {
			t.Errorf("run %s: %d inputs, want %d", id, len(g.Inputs), len(w.Inputs))
		}
		if !equalMaps(got.Artifacts[id], want.Artifacts[id]) {
			t.Errorf("run %s: artifacts differ: %d files, want %d", id, len(got.Artifacts[id]), len(want.Artifacts[id]))
		}
	}
	for k, w := range want.Points {
		g := got.Points[k]
		if len(g) != len(w) {
			t.Errorf("%s: %d points, want %d", k, len(g), len(w))
			continue
		}
		for i := range w {
			if g[i].Step != w[i].Step || g[i].Timestamp != w[i].Timestamp || !sameFloat(g[i].Value, w[i].Value) {
				t.Errorf("%s[%d] = %+v, want %+v", k, i, g[i], w[i])
				break
			}
		}
	}
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func TestImportMalformedNamesFileAndLine(t *testing.T) {
	st := openStore(t)
	sum := mustImport(t, st, fixture("malformed", "mlruns"), Options{})
	if sum.Runs.Imported != 1 || sum.Runs.Failed != 2 {
		t.Errorf("runs = %+v, want 1 imported and 2 failed", sum.Runs)
	}
	all := strings.Join(sum.Errors, "\n")
	for _, want := range []string{
		`mlruns/1/abcabcabcabcabcabcabcabcabcabc01/metrics/loss:7: want "timestamp value [step]": value "oops" is not a number`,
		`mlruns/1/abcabcabcabcabcabcabcabcabcabc02/meta.yaml:3: unterminated '-quoted string`,
	} {
		if !strings.Contains(all, want) {
			t.Errorf("errors lack %q:\n%s", want, all)
		}
	}
	// A malformed run leaves nothing behind: it fails before its first write.
	for _, id := range []string{"abcabcabcabcabcabcabcabcabcabc01", "abcabcabcabcabcabcabcabcabcabc02"} {
		if _, err := st.GetRun(context.Background(), id); !isNotFound(err) {
			t.Errorf("malformed run %s is in the store (%v)", id, err)
		}
	}
	if r := getRun(t, st, "abcabcabcabcabcabcabcabcabcabc03"); r.Params["p"] != "1" {
		t.Errorf("good run = %+v", r)
	}
}

func TestImportFindsMlrunsInsideDirectory(t *testing.T) {
	st := openStore(t)
	sum := mustImport(t, st, fixture(), Options{NoArtifacts: true, NoModels: true})
	if sum.Runs.Imported != 6 || sum.Artifacts.Imported != 0 || sum.Models.Found != 0 {
		t.Errorf("summary = %+v", sum)
	}
	if _, err := Import(context.Background(), st, t.TempDir(), Options{}); err == nil || !strings.Contains(err.Error(), "does not look like an MLflow file store") {
		t.Errorf("empty directory: %v", err)
	}
	f := filepath.Join(t.TempDir(), "x.db")
	os.WriteFile(f, []byte("not a database"), 0o644)
	if _, err := Import(context.Background(), st, f, Options{}); err == nil || !strings.Contains(err.Error(), "neither a directory") {
		t.Errorf("junk file: %v", err)
	}
	if _, err := Import(context.Background(), st, "postgresql://u@h/db", Options{}); err == nil || !strings.Contains(err.Error(), "tracking servers") {
		t.Errorf("postgres URI: %v", err)
	}
}
