package main

import (
	"context"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lathe-ml/lathe/store"
	"github.com/lathe-ml/lathe/store/mlflowapi"
)

func mlflowFixture(t *testing.T, parts ...string) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join(append([]string{"..", "..", "testdata", "mlflow"}, parts...)...))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestImportMLflowFileStore(t *testing.T) {
	h := newHarness(t)
	r := h.ok("import", "mlflow", mlflowFixture(t, "mlruns"), "--json")
	sum := decode[map[string]any](t, r.stdout)
	hasFields(t, "summary", sum, "source", "experiments", "runs", "metric_points", "params", "tags", "inputs",
		"artifacts", "models", "errors", "notes", "seconds")
	runs := sum["runs"].(map[string]any)
	if runs["imported"].(float64) != 6 || runs["failed"].(float64) != 0 {
		t.Errorf("runs = %v", runs)
	}
	if r.stderr != "" {
		t.Errorf("stderr = %q: no progress when stderr is not a terminal", r.stderr)
	}
	show := decode[map[string]any](t, h.ok("runs", "show", "brisk-oak-12", "--json").stdout)
	if show["status"] != "FINISHED" || show["notes"] != "# Baseline\nFirst try, default settings.\n" {
		t.Errorf("runs show = %v", show)
	}

	// Again, in human form: everything is already there.
	r = h.ok("import", "mlflow", mlflowFixture(t, "mlruns"))
	for _, want := range []string{"runs           0 new, 0 updated, 6 already present, 0 failed", "experiments    0 new, 3 already present"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("second import output lacks %q:\n%s", want, r.stdout)
		}
	}
}

func TestImportMLflowMalformed(t *testing.T) {
	h := newHarness(t)
	r := h.fails(exitError, []string{"import", "mlflow", mlflowFixture(t, "malformed", "mlruns")}, "2 problems")
	for _, want := range []string{
		`error: mlruns/1/abcabcabcabcabcabcabcabcabcabc01/metrics/loss:7: want "timestamp value [step]"`,
		`error: mlruns/1/abcabcabcabcabcabcabcabcabcabc02/meta.yaml:3:`,
		"1 new, 0 updated, 0 already present, 2 failed",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, r.stdout)
		}
	}
	h.fails(exitError, []string{"import", "mlflow", filepath.Join(h.cwd, "nope")}, "no such file")
	h.fails(exitUsage, []string{"import", "mlflow"}, "takes one PATH_OR_URI")
	h.fails(exitUsage, []string{"import", "mlflow", "x", "--workers", "0"}, "--workers must be at least 1")
	h.fails(exitUsage, []string{"import", "nosuch"}, "unknown command")
}

func TestImportMLflowProgressOnTerminal(t *testing.T) {
	h := newHarness(t)
	h.tty = true
	r := h.ok("import", "mlflow", mlflowFixture(t, "mlruns"), "--no-artifacts")
	if !strings.Contains(r.stderr, "importing: runs 6/6 (100%)") || !strings.HasSuffix(r.stderr, "\r\x1b[K") {
		t.Errorf("stderr = %q: want a progress line, cleared at the end", r.stderr)
	}
}

// The importer against lathe's own server, over real HTTP on loopback, with
// the token taken from MLFLOW_TRACKING_TOKEN.
func TestImportMLflowFromServer(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	srcDir := t.TempDir()
	src, err := store.Open(ctx, srcDir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	feed := newHarness(t)
	feed.ok("--store", srcDir, "import", "mlflow", mlflowFixture(t, "mlruns"))
	srv := httptest.NewServer(mlflowapi.New(src, mlflowapi.Options{Token: "tok"}))
	defer srv.Close()

	h := newHarness(t)
	h.fails(exitError, []string{"import", "mlflow", srv.URL}, "401")
	h.env["MLFLOW_TRACKING_TOKEN"] = "tok"
	sum := decode[map[string]any](t, h.ok("import", "mlflow", srv.URL, "--json").stdout)
	if sum["runs"].(map[string]any)["imported"].(float64) != 6 || sum["metric_points"].(map[string]any)["imported"].(float64) != 45 ||
		sum["artifacts"].(map[string]any)["imported"].(float64) != 5 {
		t.Errorf("summary = %v", sum)
	}
	show := decode[map[string]any](t, h.ok("runs", "show", "gbm-depth-6", "--json").stdout)
	if show["params"].(map[string]any)["features"] != "age\nincome\ntenure" {
		t.Errorf("runs show = %v", show)
	}
}
