package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestDemoJobsSweepSize(t *testing.T) {
	jobs := demoJobs(false, 15)
	children := 0
	for _, j := range jobs {
		if j.child {
			children++
		}
	}
	if children < 10 || children > 20 || len(jobs) != children+1 || jobs[0].child {
		t.Fatalf("%d jobs, %d in the sweep; want a baseline first and 10-20 sweep runs", len(jobs), children)
	}
}

// TestDemoEndToEnd builds the binary and runs a small demo, which runs its
// training jobs through lathe run, then reopens the project from its
// directory.
func TestDemoEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildLathe(t)
	tmp := t.TempDir()
	dir := filepath.Join(tmp, "demo")
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "LATHE_STORE=") {
			env = append(env, kv)
		}
	}
	env = append(env, "NO_COLOR=1", "HOME="+tmp, "XDG_DATA_HOME="+filepath.Join(tmp, "xdg"))
	lathe := func(wd string, args ...string) []byte {
		t.Helper()
		cmd := exec.Command(bin, args...)
		cmd.Env, cmd.Dir = env, wd
		var errb strings.Builder
		cmd.Stderr = &errb
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("lathe %s: %v\nstdout: %s\nstderr: %s", strings.Join(args, " "), err, out, errb.String())
		}
		return out
	}
	var sum struct {
		Dir          string   `json:"dir"`
		Runs         []string `json:"runs"`
		ParentRun    string   `json:"parent_run"`
		BestRun      string   `json:"best_run"`
		BaselineRun  string   `json:"baseline_run"`
		ModelVersion int64    `json:"model_version"`
		Failed       int      `json:"failed"`
	}
	out := lathe(tmp, "demo", "--dir", dir, "--no-tui", "--small", "--json")
	if err := json.Unmarshal(out, &sum); err != nil {
		t.Fatalf("demo --json: %v\n%s", err, out)
	}
	if sum.Dir != dir || sum.Failed != 0 || len(sum.Runs) != 4 || sum.ModelVersion != 1 || sum.BestRun == "" || sum.BaselineRun == "" {
		t.Fatalf("summary %+v", sum)
	}
	for _, f := range []string{"reference/purchases.csv", "later/purchases.csv", "../lathe.toml"} {
		if _, err := os.Stat(filepath.Join(dir, "data", f)); err != nil {
			t.Error(err)
		}
	}
	// The data: two validated versions of "retail", the reference aliased,
	// and drift between them.
	var versions []struct {
		Ref              string   `json:"ref"`
		Aliases          []string `json:"aliases"`
		ValidationStatus string   `json:"validation_status"`
	}
	if err := json.Unmarshal(lathe(dir, "data", "ls", "retail", "--json"), &versions); err != nil {
		t.Fatal(err)
	}
	if len(versions) != 2 || versions[1].Ref != "retail:1" || len(versions[1].Aliases) != 1 || versions[1].Aliases[0] != "reference" ||
		versions[0].ValidationStatus != "passed" || versions[1].ValidationStatus != "passed" {
		t.Fatalf("data versions: %+v", versions)
	}
	var diff struct {
		Drifted int `json:"drifted"`
	}
	if err := json.Unmarshal(lathe(dir, "data", "diff", "retail@reference", "retail", "--json"), &diff); err != nil || diff.Drifted == 0 {
		t.Errorf("the later extract should drift from the reference: %+v %v", diff, err)
	}

	// cd DIR && lathe ... finds the project's store.
	var runs []struct {
		RunID   string                     `json:"run_id"`
		RunName string                     `json:"run_name"`
		Status  string                     `json:"status"`
		Params  map[string]string          `json:"params"`
		Tags    map[string]string          `json:"tags"`
		Metrics map[string]json.RawMessage `json:"metrics"`
		Inputs  []json.RawMessage          `json:"inputs"`
	}
	if err := json.Unmarshal(lathe(dir, "runs", "ls", "-e", "retail-recs", "--json"), &runs); err != nil {
		t.Fatal(err)
	}
	if len(runs) != 4 {
		t.Fatalf("%d runs in the project, want 4", len(runs))
	}
	children := 0
	for _, r := range runs {
		if r.Status != "FINISHED" {
			t.Errorf("run %s is %s", r.RunName, r.Status)
		}
		switch {
		case r.RunID == sum.ParentRun:
			if _, ok := r.Metrics["best_ndcg_at_10"]; !ok || r.Params["best_run"] != sum.BestRun {
				t.Errorf("parent run: params %v, metrics %v", r.Params, r.Metrics)
			}
		case r.Tags["mlflow.parentRunId"] == sum.ParentRun:
			children++
			if _, ok := r.Metrics["loss"]; !ok {
				t.Errorf("child %s has no loss", r.RunName)
			}
		default:
			if r.RunID != sum.BaselineRun {
				t.Errorf("run %s is neither the parent, a child nor the baseline", r.RunName)
			}
		}
		if r.RunID != sum.ParentRun {
			if _, ok := r.Metrics["ndcg_at_10"]; !ok || len(r.Inputs) != 1 || r.Tags["lathe.job_id"] == "" || r.Tags["lathe.inputs"] != `["retail:1"]` {
				t.Errorf("run %s: metrics %v, %d inputs, job %q", r.RunName, r.Metrics, len(r.Inputs), r.Tags["lathe.job_id"])
			}
		}
	}
	if children != 2 {
		t.Errorf("%d children of the sweep, want 2", children)
	}
	show := string(lathe(dir, "models", "show", "retail-recs@champion"))
	if !strings.Contains(show, "champion=1") || !strings.Contains(show, "runs:/"+sum.BestRun+"/outputs/model") ||
		!strings.Contains(show, "lathe://data/retail:1") {
		t.Errorf("models show:\n%s", show)
	}
	arts := string(lathe(dir, "runs", "artifacts", sum.BestRun, "ls", "outputs/model"))
	if !strings.Contains(arts, "outputs/model/model.json") {
		t.Errorf("best run's artifacts:\n%s", arts)
	}
}
