package main

import (
	"encoding/json"
	"math"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func TestInitCreatesProjectStore(t *testing.T) {
	h := newHarness(t)
	want := filepath.Join(h.cwd, ".lathe")
	r := h.ok("init")
	if !strings.Contains(r.stdout, want) || !strings.Contains(r.stdout, "already exists") {
		t.Errorf("second init: %q, want it to say %s already exists", r.stdout, want)
	}
	j := decode[map[string]any](t, h.ok("init", "--json", "sub").stdout)
	if j["store"] != filepath.Join(h.cwd, "sub", ".lathe") || j["created"] != true {
		t.Errorf("init sub --json = %v", j)
	}
}

func TestStoreLocationPrecedence(t *testing.T) {
	h := newHarness(t)
	h.ok("experiments", "create", "in-project")
	envStore := filepath.Join(h.cwd, "env-store")
	flagStore := filepath.Join(h.cwd, "flag-store")
	h.ok("--store", envStore, "experiments", "create", "in-env")
	h.ok("--store", flagStore, "experiments", "create", "in-flag")

	names := func(args ...string) string {
		t.Helper()
		exps := decode[[]map[string]any](t, h.ok(append(args, "experiments", "ls", "--json")...).stdout)
		var out []string
		for _, e := range exps {
			out = append(out, e["name"].(string))
		}
		return strings.Join(out, ",")
	}
	// .lathe/ is found from a subdirectory.
	h.cwd = mkdir(t, h.cwd, "a", "b")
	if got := names(); got != "Default,in-project" {
		t.Errorf("from a subdirectory: %s, want the project store", got)
	}
	// LATHE_STORE beats .lathe/.
	h.env["LATHE_STORE"] = envStore
	if got := names(); got != "Default,in-env" {
		t.Errorf("with LATHE_STORE: %s, want the env store", got)
	}
	// --store beats LATHE_STORE.
	if got := names("--store", flagStore); got != "Default,in-flag" {
		t.Errorf("with --store: %s, want the flag store", got)
	}
	// Relative paths are taken from the working directory.
	h.cwd = filepath.Dir(flagStore)
	if got := names("--store", "flag-store"); got != "Default,in-flag" {
		t.Errorf("with a relative --store: %s, want the flag store", got)
	}
	h.env["LATHE_STORE"] = "env-store"
	if got := names(); got != "Default,in-env" {
		t.Errorf("with a relative LATHE_STORE: %s, want the env store", got)
	}
}

func TestExperiments(t *testing.T) {
	h := newHarness(t)
	r := h.ok("experiments", "create", "churn", "--tag", "team=growth")
	if !strings.Contains(r.stdout, "churn") {
		t.Errorf("create: %q", r.stdout)
	}
	e := decode[map[string]any](t, h.ok("exp", "create", "sweep", "--json").stdout)
	hasFields(t, "experiments create", e, "experiment_id", "name", "lifecycle_stage", "artifact_location",
		"creation_time", "last_update_time", "run_count", "tags")
	if !regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`).MatchString(e["creation_time"].(string)) {
		t.Errorf("creation_time %q is not RFC 3339 UTC with milliseconds", e["creation_time"])
	}
	h.fails(1, []string{"exp", "create", "churn"}, `"churn"`, "already exists")

	ls := h.ok("exp", "ls").stdout
	for _, w := range []string{"ID", "NAME", "Default", "churn", "sweep"} {
		if !strings.Contains(ls, w) {
			t.Errorf("exp ls lacks %q:\n%s", w, ls)
		}
	}
	h.ok("exp", "rename", "churn", "churn-v2")
	h.fails(1, []string{"exp", "rename", "churn", "x"}, `"churn"`)
	h.ok("log", "example", "--runs", "2", "-e", "churn-v2")

	r = h.ok("exp", "rm", "churn-v2")
	if !strings.Contains(r.stdout, "2 runs") {
		t.Errorf("rm: %q, want the number of runs deleted", r.stdout)
	}
	if strings.Contains(h.ok("exp", "ls").stdout, "churn-v2") {
		t.Error("deleted experiment still listed")
	}
	if !strings.Contains(h.ok("exp", "ls", "--deleted").stdout, "churn-v2") {
		t.Error("deleted experiment not listed by --deleted")
	}
	if n := len(decode[[]map[string]any](t, h.ok("runs", "ls", "--json").stdout)); n != 0 {
		t.Errorf("%d runs listed after deleting their experiment", n)
	}
	h.ok("exp", "restore", "churn-v2")
	all := decode[[]map[string]any](t, h.ok("exp", "ls", "--json").stdout)
	if len(all) != 3 || all[1]["name"] != "churn-v2" || all[1]["run_count"] != 2.0 {
		t.Errorf("after restore: %v", all)
	}
	h.fails(1, []string{"exp", "rm", "nope"}, `no experiment with id or name "nope"`)
	h.fails(1, []string{"exp", "rm", "0"}, "default experiment")
}

func TestUsageErrorsExit2(t *testing.T) {
	h := newHarness(t)
	for _, args := range [][]string{
		{"runs", "show"},
		{"runs", "show", "a", "b"},
		{"runs", "ls", "--bogus"},
		{"runs", "bogus"},
		{"bogus"},
		{"runs", "ls", "--all", "--deleted"},
		{"runs", "ls", "--limit", "x"},
		{"runs", "ls", "--csv", "--json"},
		{"runs", "tag", "abcd"},
		{"runs", "tag", "abcd", "novalue"},
		{"log", "metric", "abcd", "loss", "high"},
		{"log", "end", "abcd", "--status", "DONE"},
		{"completion", "tcsh"},
	} {
		r := h.fails(2, args)
		if !strings.Contains(r.stderr, "--help") {
			t.Errorf("lathe %s: stderr %q does not point at --help", strings.Join(args, " "), r.stderr)
		}
	}
	if r := h.ok(); !strings.Contains(r.stdout, "Usage:") {
		t.Errorf("bare lathe should print help, got %q", r.stdout)
	}
}

func TestHelpTeaches(t *testing.T) {
	root := newRootCmd(&Env{Getenv: func(string) string { return "" }})
	for _, c := range allCommands(root) {
		if c.Hidden || c.Name() == "help" {
			continue
		}
		if c.Short == "" || c.Long == "" || c.Example == "" {
			t.Errorf("%s lacks Short, Long or Example", c.CommandPath())
		}
	}
}

func TestNoColor(t *testing.T) {
	h := newHarness(t)
	h.exampleRuns(2)
	h.tty = true
	esc := "\x1b["
	if r := h.ok("runs", "ls"); !strings.Contains(r.stdout, esc) {
		t.Fatalf("expected colour on a terminal, got %q", r.stdout)
	}
	if r := h.ok("runs", "ls", "--no-color"); strings.Contains(r.stdout, esc) {
		t.Errorf("--no-color output has escapes: %q", r.stdout)
	}
	h.env["NO_COLOR"] = "1"
	for _, args := range [][]string{{"runs", "ls"}, {"exp", "ls"}, {"runs", "show", "quickstart"}} {
		r := h.run(args...)
		if strings.Contains(r.stdout+r.stderr, esc) {
			t.Errorf("NO_COLOR: lathe %s has escapes: %q", strings.Join(args, " "), r.stdout)
		}
	}
	delete(h.env, "NO_COLOR")
	h.tty = false
	if r := h.ok("runs", "ls"); strings.Contains(r.stdout, esc) {
		t.Errorf("not a terminal, yet escapes: %q", r.stdout)
	}
}

func TestJSONFloatsAndTimes(t *testing.T) {
	for v, want := range map[float64]string{math.NaN(): `"NaN"`, math.Inf(1): `"Infinity"`, math.Inf(-1): `"-Infinity"`, 0.5: `0.5`, 1e21: `1e+21`} {
		b, err := json.Marshal(jsonFloat(v))
		if err != nil || string(b) != want {
			t.Errorf("jsonFloat(%v) = %s, %v; want %s", v, b, err, want)
		}
	}
	b, _ := json.Marshal(struct {
		A jsonTime `json:"a"`
		B jsonTime `json:"b"`
	}{1795773600123, 0})
	if string(b) != `{"a":"2026-11-27T10:00:00.123Z","b":null}` {
		t.Errorf("jsonTime: %s", b)
	}
}

func TestVersionAndCompletion(t *testing.T) {
	h := newHarness(t)
	if r := h.ok("version"); !strings.HasPrefix(r.stdout, "lathe ") {
		t.Errorf("version: %q", r.stdout)
	}
	hasFields(t, "version", decode[map[string]any](t, h.ok("version", "--json").stdout), "version", "go_version", "os", "arch")
	for _, sh := range []string{"bash", "zsh", "fish", "powershell"} {
		if r := h.ok("completion", sh); len(r.stdout) < 100 {
			t.Errorf("completion %s: %d bytes", sh, len(r.stdout))
		}
	}
	runs := h.exampleRuns(2)
	name := runs[0]["run_name"].(string)
	r := h.ok("__complete", "runs", "show", name[:2])
	if !strings.Contains(r.stdout, name) {
		t.Errorf("completing a run name: %q lacks %s", r.stdout, name)
	}
	r = h.ok("__complete", "runs", "metric", name, "")
	if !strings.Contains(r.stdout, "loss") || !strings.Contains(r.stdout, "rmse") {
		t.Errorf("completing a metric key: %q", r.stdout)
	}
	r = h.ok("__complete", "exp", "rm", "qu")
	if !strings.Contains(r.stdout, "quickstart") {
		t.Errorf("completing an experiment: %q", r.stdout)
	}
	r = h.ok("__complete", "runs", "ls", "--experiment", "")
	if !strings.Contains(r.stdout, "quickstart") {
		t.Errorf("completing --experiment: %q", r.stdout)
	}
}

func TestCompletionNeverCreatesAStore(t *testing.T) {
	h := &harness{t: t, cwd: t.TempDir(), env: map[string]string{}}
	h.env["LATHE_STORE"] = filepath.Join(h.cwd, "nothing-here")
	h.ok("__complete", "runs", "show", "")
	if r := h.run("--store", h.env["LATHE_STORE"], "__complete", "exp", "rm", ""); r.code != 0 {
		t.Fatal(r)
	}
	if _, err := filepath.Glob(filepath.Join(h.cwd, "nothing-here", "*")); err != nil {
		t.Fatal(err)
	}
	if m, _ := filepath.Glob(filepath.Join(h.cwd, "nothing-here")); len(m) != 0 {
		t.Errorf("completion created a store at %v", m)
	}
}

func TestErrorText(t *testing.T) {
	h := newHarness(t)
	r := h.fails(1, []string{"runs", "show", "zzzz"}, `"zzzz"`)
	if strings.HasSuffix(strings.TrimSpace(r.stderr), "not found") {
		t.Errorf("sentinel suffix left in %q", r.stderr)
	}
}
