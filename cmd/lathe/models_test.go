package main

import (
	"strings"
	"testing"
)

func TestModelsRegisterShowAliasRm(t *testing.T) {
	h := newHarness(t)
	runs := h.exampleRuns(2)
	run := runs[0]["run_id"].(string)
	other := runs[1]["run_name"].(string)

	r := h.ok("models", "register", run[:8], "--path", "model", "--name", "churn", "--alias", "staging", "--description", "first")
	if !strings.Contains(r.stdout, "churn:1") || !strings.Contains(r.stdout, "churn@staging") {
		t.Errorf("register: %q", r.stdout)
	}
	if !strings.Contains(r.stderr, "no artifacts under") {
		t.Errorf("register of a path with no artifacts should say so on stderr: %q", r.stderr)
	}
	v := decode[map[string]any](t, h.ok("models", "register", other, "--path", "model/", "--name", "churn", "--tag", "k=v", "--json").stdout)
	hasFields(t, "register --json", v, "name", "version", "ref", "source", "storage_location", "run_id", "logged_model_id", "status",
		"description", "creation_time", "last_updated_time", "tags", "aliases")
	if v["ref"] != "churn:2" || v["version"] != 2.0 || !strings.HasSuffix(v["source"].(string), "/model") || v["tags"].(map[string]any)["k"] != "v" {
		t.Errorf("second version: %v", v)
	}

	ls := h.ok("models", "ls").stdout
	for _, w := range []string{"NAME", "LATEST", "churn", "staging=1"} {
		if !strings.Contains(ls, w) {
			t.Errorf("models ls lacks %q:\n%s", w, ls)
		}
	}
	list := decode[[]map[string]any](t, h.ok("models", "ls", "--json").stdout)
	if len(list) != 1 || list[0]["latest_version"] != 2.0 || list[0]["aliases"].(map[string]any)["staging"] != 1.0 {
		t.Errorf("models ls --json: %v", list)
	}

	show := h.ok("models", "show", "churn@staging").stdout
	for _, w := range []string{"churn", "Versions (2)", "Lineage of churn:1", run, "toy-regression"} {
		if !strings.Contains(show, w) {
			t.Errorf("models show churn@staging lacks %q:\n%s", w, show)
		}
	}
	j := decode[map[string]any](t, h.ok("models", "show", "churn", "--json").stdout)
	hasFields(t, "show --json", j, "name", "versions", "lineage", "aliases", "latest_version")
	lin := j["lineage"].(map[string]any)
	if lin["version"] != "churn:2" || lin["run"].(map[string]any)["run_name"] != other || len(lin["datasets"].([]any)) != 1 {
		t.Errorf("lineage of the latest version: %v", lin)
	}

	r = h.ok("models", "alias", "churn@staging", "2")
	if !strings.Contains(r.stdout, "(was 1)") {
		t.Errorf("moving an alias: %q", r.stdout)
	}
	h.ok("models", "alias", "churn@champion", "1")
	if r := h.ok("models", "alias", "churn@champion", "--delete"); !strings.Contains(r.stdout, "version 1") {
		t.Errorf("alias --delete: %q", r.stdout)
	}
	h.fails(1, []string{"models", "alias", "churn@x", "9"}, "no version 9")
	h.fails(2, []string{"models", "alias", "churn@latest", "1"}, "churn@latest")
	h.fails(2, []string{"models", "alias", "churn", "1"}, "NAME@ALIAS")
	h.fails(2, []string{"models", "alias", "churn@x"}, "VERSION")
	h.fails(2, []string{"models", "alias", "churn@x", "1", "--delete"}, "--delete")

	h.ok("models", "rm", "churn:1")
	h.fails(1, []string{"models", "show", "churn:1"}, "no version 1")
	h.fails(2, []string{"models", "rm", "churn"}, "--yes", "1 version")
	h.fails(2, []string{"models", "rm", "churn@staging"}, "alias")
	if r := h.ok("models", "register", run, "--path", "model", "--name", "churn", "--json"); decode[map[string]any](t, r.stdout)["version"] != 3.0 {
		t.Errorf("a deleted version's number came back: %s", r.stdout)
	}
	r = h.ok("models", "rm", "churn", "--yes")
	if !strings.Contains(r.stdout, "2 versions") {
		t.Errorf("rm model: %q", r.stdout)
	}
	h.fails(1, []string{"models", "show", "churn"}, `no registered model named "churn"`)
	if r := h.ok("models", "ls"); !strings.Contains(r.stdout, "No registered models") {
		t.Errorf("empty ls: %q", r.stdout)
	}
}

func TestModelsUsageErrors(t *testing.T) {
	h := newHarness(t)
	h.exampleRuns(1)
	for _, c := range []struct {
		args  []string
		wants []string
	}{
		{[]string{"models", "register", "quickstart", "--name", "m"}, []string{"path"}},
		{[]string{"models", "register", "quickstart", "--path", "model"}, []string{"name"}},
		{[]string{"models", "register", "quickstart", "--path", "../x", "--name", "m"}, []string{"--path"}},
		{[]string{"models", "register", "quickstart", "--path", "m", "--name", "a:b"}, []string{"--name"}},
		{[]string{"models", "register", "quickstart", "--path", "m", "--name", "m", "--alias", "v1"}, []string{"--alias"}},
		{[]string{"models", "show", "a:b:c"}, []string{"a:b:c"}},
		{[]string{"models", "bogus"}, []string{"bogus"}},
	} {
		h.fails(2, c.args, c.wants...)
	}
	h.fails(1, []string{"models", "register", "zzzz", "--path", "m", "--name", "m"}, `"zzzz"`)
	h.fails(1, []string{"models", "show", "nope"}, `"nope"`)
}

func TestModelsNoColorAndCompletion(t *testing.T) {
	h := newHarness(t)
	runs := h.exampleRuns(1)
	h.ok("models", "register", runs[0]["run_id"].(string), "--path", "model", "--name", "churn", "--alias", "champion")
	h.tty = true
	if r := h.ok("models", "ls"); !strings.Contains(r.stdout, "\x1b[") {
		t.Errorf("no colour on a terminal: %q", r.stdout)
	}
	h.env["NO_COLOR"] = "1"
	for _, args := range [][]string{{"models", "ls"}, {"models", "show", "churn"}} {
		if r := h.ok(args...); strings.Contains(r.stdout, "\x1b[") {
			t.Errorf("NO_COLOR: lathe %s has escapes: %q", strings.Join(args, " "), r.stdout)
		}
	}
	if r := h.ok("__complete", "models", "show", "ch"); !strings.Contains(r.stdout, "churn") {
		t.Errorf("completing a model: %q", r.stdout)
	}
	if r := h.ok("__complete", "models", "show", "churn@"); !strings.Contains(r.stdout, "churn@champion") {
		t.Errorf("completing an alias: %q", r.stdout)
	}
}
