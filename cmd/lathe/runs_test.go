package main

import (
	"encoding/csv"
	"strings"
	"testing"
)

var runFields = []string{"run_id", "run_name", "experiment_id", "experiment_name", "status", "lifecycle_stage",
	"start_time", "end_time", "duration_ms", "user_id", "host", "source", "artifact_uri", "notes",
	"params", "tags", "metrics", "inputs"}

func TestLogExampleAndRunsLs(t *testing.T) {
	h := newHarness(t)
	r := h.ok("log", "example", "--runs", "3")
	for _, w := range []string{"Logged 3 example runs", "quickstart", "lr", "loss", "Next, try", "lathe runs show"} {
		if !strings.Contains(r.stdout, w) {
			t.Errorf("log example output lacks %q:\n%s", w, r.stdout)
		}
	}
	runs := decode[[]map[string]any](t, h.ok("runs", "ls", "--json").stdout)
	if len(runs) != 3 {
		t.Fatalf("runs ls --json: %d runs, want 3", len(runs))
	}
	for _, run := range runs {
		hasFields(t, "runs ls --json", run, runFields...)
		if run["status"] != "FINISHED" || run["experiment_name"] != "quickstart" {
			t.Errorf("example run: %v", run)
		}
		m := run["metrics"].(map[string]any)["loss"].(map[string]any)
		hasFields(t, "metric summary", m, "last", "last_step", "last_timestamp", "min", "max", "count")
		if m["count"] != 30.0 || m["last_step"] != 29.0 {
			t.Errorf("loss summary %v, want 30 points up to step 29", m)
		}
	}

	table := h.ok("runs", "ls").stdout
	lines := strings.Split(strings.TrimSpace(table), "\n")
	if len(lines) != 4 {
		t.Fatalf("runs ls: %d lines, want header + 3:\n%s", len(lines), table)
	}
	for _, w := range []string{"ID", "NAME", "STATUS", "START", "DURATION", "lr", "seed", "loss", "rmse"} {
		if !strings.Contains(lines[0], w) {
			t.Errorf("runs ls header %q lacks %q", lines[0], w)
		}
	}
	if strings.Contains(lines[0], "epochs") {
		t.Errorf("runs ls shows the param epochs, equal in every run: %q", lines[0])
	}
	for _, l := range lines {
		if n := len([]rune(l)); n > 120 {
			t.Errorf("runs ls line is %d columns wide: %q", n, l)
		}
	}
	id := runs[0]["run_id"].(string)
	if !strings.HasPrefix(lines[1], id[:8]+" ") {
		t.Errorf("first row %q does not start with the short id %s", lines[1], id[:8])
	}

	// --limit, --order-by, --filter, --experiment.
	top := decode[[]map[string]any](t, h.ok("runs", "ls", "--json", "--order-by", "metrics.rmse ASC", "-n", "1", "-e", "quickstart").stdout)
	if len(top) != 1 || top[0]["params"].(map[string]any)["lr"] != "0.3" {
		t.Errorf("best run by rmse: %v, want lr 0.3", top)
	}
	sel := decode[[]map[string]any](t, h.ok("runs", "ls", "--json", "--filter", "params.lr >= 0.1").stdout)
	if len(sel) != 2 {
		t.Errorf("filter params.lr >= 0.1: %d runs, want 2", len(sel))
	}
	if r := h.run("runs", "ls", "-n", "1"); !strings.Contains(r.stderr, "showing 1 of 3") {
		t.Errorf("truncated listing should say so on stderr, got %q", r.stderr)
	}
	h.fails(1, []string{"runs", "ls", "-e", "nope"}, `"nope"`)
}

func TestRunsLsCSV(t *testing.T) {
	h := newHarness(t)
	h.exampleRuns(3)
	recs, err := csv.NewReader(strings.NewReader(h.ok("runs", "ls", "--csv").stdout)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 4 {
		t.Fatalf("%d CSV records, want header + 3", len(recs))
	}
	col := map[string]int{}
	for i, c := range recs[0] {
		col[c] = i
	}
	for _, c := range []string{"run_id", "run_name", "status", "start_time", "params.lr", "params.epochs", "params.seed", "metrics.loss", "metrics.rmse"} {
		if _, ok := col[c]; !ok {
			t.Errorf("CSV header %v lacks %s", recs[0], c)
		}
	}
	for _, rec := range recs[1:] {
		if len(rec[col["run_id"]]) != 32 || rec[col["params.epochs"]] != "30" || rec[col["metrics.loss"]] == "" {
			t.Errorf("CSV row %v", rec)
		}
	}
}

func TestBadFilterShowsPosition(t *testing.T) {
	h := newHarness(t)
	h.exampleRuns(1)
	r := h.fails(1, []string{"runs", "ls", "--filter", "params.lr >"}, "column 12", "params.lr >")
	lines := strings.Split(strings.TrimRight(r.stderr, "\n"), "\n")
	last := lines[len(lines)-1]
	if last != "  "+strings.Repeat(" ", 11)+"^" {
		t.Errorf("caret line %q is not under column 12", last)
	}
	h.fails(1, []string{"runs", "ls", "--order-by", "metrics.loss SIDEWAYS"}, "order_by", "column 14", "^")
}

func TestRunsShowCompareMetric(t *testing.T) {
	h := newHarness(t)
	runs := h.exampleRuns(2)
	a, b := runs[0]["run_id"].(string), runs[1]["run_id"].(string)

	show := h.ok("runs", "show", a[:8]).stdout
	for _, w := range []string{a, "quickstart", "FINISHED", "Params (4)", "lr", "Metrics (2)", "loss", "Inputs (1)", "toy-regression", "lathe.example", "mlflow.* tags hidden"} {
		if !strings.Contains(show, w) {
			t.Errorf("runs show lacks %q:\n%s", w, show)
		}
	}
	if strings.Contains(show, "mlflow.runName") {
		t.Error("runs show shows mlflow.* tags without --all-tags")
	}
	if !strings.Contains(h.ok("runs", "show", a, "--all-tags").stdout, "mlflow.runName") {
		t.Error("--all-tags does not show mlflow.runName")
	}
	j := decode[map[string]any](t, h.ok("runs", "show", runs[0]["run_name"].(string), "--json").stdout)
	hasFields(t, "runs show --json", j, runFields...)
	if j["run_id"] != a {
		t.Errorf("show by name found %v, want %s", j["run_id"], a)
	}

	cmp := h.ok("runs", "compare", a[:8], b[:8]).stdout
	for _, w := range []string{"params that differ", "lr", "seed", "metrics", "loss", "last", "min", "max"} {
		if !strings.Contains(cmp, w) {
			t.Errorf("runs compare lacks %q:\n%s", w, cmp)
		}
	}
	if strings.Contains(cmp, "epochs") {
		t.Errorf("runs compare shows the equal param epochs without --all-params:\n%s", cmp)
	}
	if !strings.Contains(h.ok("runs", "compare", a, b, "--all-params").stdout, "epochs") {
		t.Error("--all-params does not show epochs")
	}
	cj := decode[map[string]any](t, h.ok("runs", "compare", a, b, "--json").stdout)
	hasFields(t, "runs compare --json", cj, "runs", "params", "metrics")
	m0 := cj["metrics"].([]any)[0].(map[string]any)
	hasFields(t, "compare metric", m0, "key", "last", "min", "max", "last_step", "count")
	if len(m0["last"].([]any)) != 2 {
		t.Errorf("compare metric values %v, want one per run", m0["last"])
	}
	h.fails(2, []string{"runs", "compare", a})

	series := h.ok("runs", "metric", a[:8], "loss").stdout
	lines := strings.Split(strings.TrimSpace(series), "\n")
	if len(lines) != 32 { // sparkline, header, 30 points
		t.Errorf("runs metric: %d lines, want 32:\n%s", len(lines), series)
	}
	if !strings.ContainsAny(lines[0], "▁▂▃▄▅▆▇█") {
		t.Errorf("no sparkline in %q", lines[0])
	}
	sj := decode[map[string]any](t, h.ok("runs", "metric", a, "loss", "--points", "5", "--json").stdout)
	hasFields(t, "runs metric --json", sj, "run_id", "run_name", "key", "downsampled", "points")
	pts := sj["points"].([]any)
	if len(pts) != 5 || sj["downsampled"] != true {
		t.Errorf("--points 5: %d points, downsampled=%v", len(pts), sj["downsampled"])
	}
	hasFields(t, "point", pts[0].(map[string]any), "step", "timestamp", "value")
	h.fails(1, []string{"runs", "metric", a, "accuracy"}, `"accuracy"`, a[:8], "loss, rmse")
}

func TestRunErrors(t *testing.T) {
	h := newHarness(t)
	h.fails(1, []string{"runs", "show", "deadbeef"}, `"deadbeef"`)
	// Two runs with one name make the name ambiguous.
	h.ok("log", "start", "--name", "twin")
	h.ok("log", "start", "--name", "twin")
	h.fails(1, []string{"runs", "show", "twin"}, `"twin"`, "ambiguous")
	h.fails(1, []string{"runs", "rm", "twin"}, "ambiguous")
	h.fails(1, []string{"log", "metric", "nope", "loss", "1"}, `"nope"`)
}

func TestShellLogging(t *testing.T) {
	h := newHarness(t)
	r := h.ok("log", "start", "--experiment", "nightly", "--name", "build-1", "--tag", "git=abc")
	id := strings.TrimSpace(r.stdout)
	if len(id) != 32 {
		t.Fatalf("log start printed %q, want a run id", r.stdout)
	}
	if !strings.Contains(r.stderr, `created experiment "nightly"`) {
		t.Errorf("log start should note the new experiment, stderr %q", r.stderr)
	}
	h.ok("log", "param", id, "threads", "8")
	h.ok("log", "param", id, "threads", "8") // same value again is fine
	h.fails(1, []string{"log", "param", id, "threads", "9"}, "threads")
	h.ok("log", "metric", id[:8], "loss", "1.5", "--step", "1")
	h.ok("log", "metric", "build-1", "loss", "NaN", "--step", "2")
	h.ok("log", "metric", id, "peak", "-Infinity")
	h.fails(1, []string{"log", "metric", id, "bad key!", "1"}, "bad key!")
	// Negative numbers are values, not flags.
	h.ok("log", "metric", id, "elbo", "-3.5", "--step", "-1")
	e := decode[map[string]any](t, h.ok("--json", "log", "metric", id, "elbo", "-4e1", "--step=2").stdout)
	if e["value"] != -40.0 || e["step"] != 2.0 {
		t.Errorf("negative metric: %v", e)
	}
	h.ok("log", "param", id, "offset", "-2")
	if r := h.ok("log", "metric", "-h"); !strings.Contains(r.stdout, "--step") {
		t.Errorf("log metric -h: %q", r.stdout)
	}
	h.fails(2, []string{"log", "metric", id, "loss"})
	h.fails(2, []string{"log", "metric", id, "loss", "1", "--bogus"})
	m := decode[map[string]any](t, h.ok("log", "metric", id, "acc", "0.5", "--step", "3", "--json").stdout)
	hasFields(t, "log metric --json", m, "run_id", "key", "value", "step", "timestamp")

	end := decode[map[string]any](t, h.ok("log", "end", id, "--status", "failed", "--json").stdout)
	if end["status"] != "FAILED" || end["end_time"] == nil {
		t.Errorf("after log end: %v", end)
	}
	run := decode[map[string]any](t, h.ok("runs", "show", id, "--json").stdout)
	if run["experiment_name"] != "nightly" || run["params"].(map[string]any)["threads"] != "8" || run["tags"].(map[string]any)["git"] != "abc" {
		t.Errorf("logged run: %v", run)
	}
	loss := run["metrics"].(map[string]any)["loss"].(map[string]any)
	if loss["last"] != "NaN" || loss["min"] != 1.5 || loss["count"] != 2.0 {
		t.Errorf("loss summary %v, want last \"NaN\", min 1.5, 2 points", loss)
	}
	pts := decode[map[string]any](t, h.ok("runs", "metric", id, "loss", "--json").stdout)["points"].([]any)
	if len(pts) != 2 || pts[1].(map[string]any)["value"] != "NaN" {
		t.Errorf("loss points %v", pts)
	}
	if s := h.ok("runs", "show", id).stdout; !strings.Contains(s, "NaN") {
		t.Errorf("runs show should print NaN:\n%s", s)
	}
}

func TestRunsEdit(t *testing.T) {
	h := newHarness(t)
	runs := h.exampleRuns(2)
	a, b := runs[0]["run_id"].(string), runs[1]["run_id"].(string)

	h.ok("runs", "rename", a[:8], "baseline")
	if j := decode[map[string]any](t, h.ok("runs", "show", "baseline", "--json").stdout); j["run_id"] != a {
		t.Errorf("renamed run resolves to %v", j["run_id"])
	}
	h.fails(2, []string{"runs", "rename", "baseline", " "})

	h.ok("runs", "note", "baseline", "first try")
	h.stdin = "line one\nline two\n"
	h.ok("runs", "note", "baseline", "-")
	h.stdin = ""
	j := decode[map[string]any](t, h.ok("runs", "show", "baseline", "--json").stdout)
	if j["notes"] != "line one\nline two" {
		t.Errorf("notes from stdin: %q", j["notes"])
	}
	if s := h.ok("runs", "show", "baseline").stdout; !strings.Contains(s, "Notes") || !strings.Contains(s, "  line two") {
		t.Errorf("runs show lacks notes:\n%s", s)
	}

	h.ok("runs", "tag", a, "stage=candidate", "reviewer=ana")
	j = decode[map[string]any](t, h.ok("runs", "tag", a, "--delete", "reviewer", "--json").stdout)
	tags := j["tags"].(map[string]any)
	if tags["stage"] != "candidate" || tags["reviewer"] != nil {
		t.Errorf("tags after set and delete: %v", tags)
	}
	h.fails(1, []string{"runs", "tag", a, "--delete", "reviewer"}, "reviewer")

	r := h.ok("runs", "rm", a[:8], b[:8])
	if !strings.Contains(r.stdout, "lathe runs restore") {
		t.Errorf("rm should say how to undo: %q", r.stdout)
	}
	if n := len(decode[[]map[string]any](t, h.ok("runs", "ls", "--json").stdout)); n != 0 {
		t.Errorf("%d runs listed after rm", n)
	}
	del := decode[[]map[string]any](t, h.ok("runs", "ls", "--deleted", "--json").stdout)
	if len(del) != 2 || del[0]["lifecycle_stage"] != "deleted" {
		t.Errorf("runs ls --deleted: %v", del)
	}
	h.fails(1, []string{"runs", "rename", a, "x"}, a)
	h.fails(1, []string{"runs", "rm", "nope", a}, `"nope"`)
	res := decode[[]map[string]any](t, h.ok("runs", "restore", a, b, "--json").stdout)
	if len(res) != 2 || res[0]["lifecycle_stage"] != "active" {
		t.Errorf("restore --json: %v", res)
	}
	if n := len(decode[[]map[string]any](t, h.ok("runs", "ls", "--all", "--json").stdout)); n != 2 {
		t.Errorf("runs ls --all: %d", n)
	}
}
