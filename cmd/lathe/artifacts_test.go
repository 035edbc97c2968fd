package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lathe-ml/lathe/store"
)

// withArtifacts gives the harness's store a run with a small tree of
// artifacts and returns the run id.
func (h *harness) withArtifacts(files map[string]string) string {
	h.t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(h.cwd, store.ProjectDir), store.Options{})
	if err != nil {
		h.t.Fatal(err)
	}
	defer st.Close()
	r, err := st.CreateRun(ctx, store.RunCreate{Name: "art"})
	if err != nil {
		h.t.Fatal(err)
	}
	for p, c := range files {
		if _, err := st.LogArtifact(ctx, r.ID, p, strings.NewReader(c)); err != nil {
			h.t.Fatal(err)
		}
	}
	return r.ID
}

var artFiles = map[string]string{
	"model/weights.bin":     "weights",
	"model/conf/params.yml": "lr: 0.1\n",
	"report.json":           `{"acc": 0.9}`,
}

func TestArtifactsLsCat(t *testing.T) {
	h := newHarness(t)
	id := h.withArtifacts(artFiles)
	r := h.ok("runs", "artifacts", id[:8])
	if !strings.Contains(r.stdout, "model/") || !strings.Contains(r.stdout, "report.json") || !strings.Contains(r.stdout, "12 B") {
		t.Errorf("ls:\n%s", r.stdout)
	}
	ls := decode[[]map[string]any](t, h.ok("runs", "artifacts", "art", "ls", "model", "-R", "--json").stdout)
	if len(ls) != 2 || ls[0]["path"] != "model/conf/params.yml" || ls[1]["file_size"] != 7.0 || ls[1]["is_dir"] != false {
		t.Errorf("ls -R --json: %v", ls)
	}
	if r := h.ok("runs", "artifacts", id, "cat", "report.json"); r.stdout != artFiles["report.json"] {
		t.Errorf("cat: %q", r.stdout)
	}
	h.fails(1, []string{"runs", "artifacts", id, "cat", "model"}, "is a directory")
	h.fails(1, []string{"runs", "artifacts", id, "cat", "nope"}, "no artifact")
	h.fails(1, []string{"runs", "artifacts", id, "ls", "report.json"}, "is a file")
	h.fails(1, []string{"runs", "artifacts", id, "cat", "../etc/passwd"}, `".."`)
	h.fails(2, []string{"runs", "artifacts", id, "cat", "report.json", "--json"}, "--json")
	h.fails(2, []string{"runs", "artifacts", id, "get"}, "PATH")
	h.fails(2, []string{"runs", "artifacts", id, "put", "x"}, "ls, get or cat")
}

func TestArtifactsGet(t *testing.T) {
	h := newHarness(t)
	id := h.withArtifacts(artFiles)
	read := func(p string) string {
		t.Helper()
		b, err := os.ReadFile(filepath.Join(h.cwd, p))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	h.ok("runs", "artifacts", id, "get", "report.json", "-o", "r.json")
	if read("r.json") != artFiles["report.json"] {
		t.Error("get file")
	}
	mkdir(t, h.cwd, "into")
	h.ok("runs", "artifacts", id, "get", "model/weights.bin", "-o", "into")
	if read("into/weights.bin") != "weights" {
		t.Error("get file into a directory")
	}
	out := decode[map[string]any](t, h.ok("runs", "artifacts", id, "get", "model", "-o", "m", "--json").stdout)
	if out["files"] != 2.0 || read("m/conf/params.yml") != "lr: 0.1\n" || read("m/weights.bin") != "weights" {
		t.Errorf("get dir: %v", out)
	}
	h.tty = true // progress is drawn on a terminal, and erased
	r := h.ok("runs", "artifacts", id, "get", ".", "-o", "all")
	if read("all/model/conf/params.yml") != "lr: 0.1\n" || read("all/report.json") != artFiles["report.json"] ||
		!strings.Contains(r.stderr, "\r\x1b[K") || !strings.Contains(r.stdout, "3 files") {
		t.Errorf("get everything: %+v", r)
	}
	ents, _ := os.ReadDir(filepath.Join(h.cwd, "all"))
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), ".lathe-get-") {
			t.Errorf("temporary file left: %s", e.Name())
		}
	}
	h.tty = false

	// A symbolic link already in DEST must not carry files outside it.
	outside := t.TempDir()
	dest := mkdir(t, h.cwd, "trap", "model") // get model -o trap writes into trap/model
	if err := os.Symlink(outside, filepath.Join(dest, "conf")); err != nil {
		t.Fatal(err)
	}
	h.fails(1, []string{"runs", "artifacts", id, "get", "model", "-o", "trap"}, "write")
	if ents, _ := os.ReadDir(outside); len(ents) != 0 {
		t.Errorf("get wrote through a link out of DEST: %v", ents)
	}
}

func TestGCAndDu(t *testing.T) {
	h := newHarness(t)
	id := h.withArtifacts(map[string]string{"big.bin": strings.Repeat("x", 5000)})
	keep := h.withArtifacts(map[string]string{"small.bin": "y"})
	h.ok("runs", "rm", id)
	du := decode[map[string]any](t, h.ok("du", "--json").stdout)
	hasFields(t, "du", du, "db_bytes", "db_free_bytes", "objects_bytes", "blob_bytes", "experiments", "runs", "gc")
	runs := du["runs"].([]any)
	if len(runs) != 2 || runs[0].(map[string]any)["run_id"] != id || runs[0].(map[string]any)["artifact_bytes"] != 5000.0 {
		t.Errorf("du runs: %v", runs)
	}
	if r := h.ok("du"); !strings.Contains(r.stdout, "would purge 1 deleted run") || !strings.Contains(r.stdout, "Default") {
		t.Errorf("du:\n%s", r.stdout)
	}
	dry := decode[map[string]any](t, h.ok("gc", "--dry-run", "--json").stdout)
	if dry["runs_purged"] != 1.0 || dry["bytes_freed"] != 5000.0 || dry["dry_run"] != true {
		t.Errorf("gc --dry-run: %v", dry)
	}
	h.ok("runs", "show", id) // still there
	r := h.ok("gc", "--settle", "-1ns")
	if !strings.Contains(r.stdout, "Purged 1 deleted run") || !strings.Contains(r.stdout, "4.9 KiB") {
		t.Errorf("gc:\n%s", r.stdout)
	}
	h.fails(1, []string{"runs", "show", id}, "no run")
	h.ok("runs", "artifacts", keep, "cat", "small.bin")
	if j := decode[map[string]any](t, h.ok("gc", "--json", "--settle", "-1ns", "--vacuum").stdout); j["runs_purged"] != 0.0 || j["db_bytes_after"] == 0.0 {
		t.Errorf("second gc: %v", j)
	}
	h.fails(2, []string{"gc", "--older-than", "soon"}, "--older-than")
}
