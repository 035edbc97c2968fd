package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeFile(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

const salesV1 = "id,amount,segment\n1,10.5,new\n2,20,loyal\n3,NA,new\n4,7.25,lapsed\n"
const salesV2 = "id,amount,segment\n1,10.5,new\n2,25,loyal\n3,30,new\n4,7.25,lapsed\n5,99,vip\n"

func TestDataAddShowHeadGetAliasRm(t *testing.T) {
	h := newHarness(t)
	p := writeFile(t, h.cwd, "sales.csv", salesV1)
	r := h.ok("data", "add", p, "--alias", "reference", "-m", "first")
	if !strings.Contains(r.stdout, "added sales:1") || !strings.Contains(r.stdout, "copied") && !strings.Contains(r.stdout, "cloned") {
		t.Fatalf("add output:\n%s", r.stdout)
	}
	// The same bytes again: no new version, and it says so.
	r = h.ok("data", "add", p)
	if !strings.Contains(r.stdout, "unchanged") || !strings.Contains(r.stdout, "already stored") {
		t.Fatalf("re-add output:\n%s", r.stdout)
	}
	writeFile(t, h.cwd, "sales.csv", salesV2)
	r = h.ok("data", "add", p, "--json")
	var added struct {
		Ref     string `json:"ref"`
		Created bool   `json:"created"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &added); err != nil || added.Ref != "sales:2" || !added.Created {
		t.Fatalf("second add: %v %s", err, r.stdout)
	}

	r = h.ok("data", "show", "sales@reference", "--json")
	var shown struct {
		Ref     string           `json:"ref"`
		Rows    int64            `json:"rows"`
		Columns []map[string]any `json:"columns"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &shown); err != nil {
		t.Fatal(err, r.stdout)
	}
	if shown.Ref != "sales:1" || shown.Rows != 4 || len(shown.Columns) != 3 {
		t.Fatalf("show: %+v", shown)
	}
	amount := shown.Columns[1]
	for _, k := range []string{"name", "type", "count", "nulls", "distinct", "min", "max", "mean", "std", "p1", "p5", "p25", "p50", "p75", "p95", "p99", "histogram"} {
		if _, ok := amount[k]; !ok {
			t.Errorf("show --json: the amount column lacks %q: %v", k, amount)
		}
	}
	if amount["nulls"].(float64) != 1 || amount["type"] != "float" {
		t.Errorf("amount: NA must count as a null of a float column: %v", amount)
	}
	if _, ok := shown.Columns[2]["top"]; !ok {
		t.Errorf("segment has no top values: %v", shown.Columns[2])
	}

	r = h.ok("data", "head", "sales", "-n", "2")
	if lines := strings.Split(strings.TrimSpace(r.stdout), "\n"); len(lines) != 3 || !strings.Contains(lines[0], "amount") {
		t.Errorf("head -n 2:\n%s", r.stdout)
	}
	out := filepath.Join(h.cwd, "out.csv")
	h.ok("data", "get", "sales:1", "-o", out)
	if b, _ := os.ReadFile(out); string(b) != salesV1 {
		t.Errorf("get wrote %q", b)
	}
	h.fails(1, []string{"data", "get", "sales:1", "-o", out}, "exists")

	h.ok("data", "alias", "sales:2", "reference")
	if r := h.ok("data", "show", "sales@reference", "--json"); !strings.Contains(r.stdout, `"ref": "sales:2"`) {
		t.Errorf("alias did not move:\n%s", r.stdout)
	}
	r = h.ok("data", "ls")
	if !strings.Contains(r.stdout, "sales") || !strings.Contains(r.stdout, "reference=2") {
		t.Errorf("ls:\n%s", r.stdout)
	}
	h.ok("data", "rm", "sales:1")
	h.fails(1, []string{"data", "show", "sales:1"}, "no version 1")
	h.fails(1, []string{"data", "show", "nope"}, `no dataset named "nope"`)
	h.fails(1, []string{"data", "show", "bad/name"}, "dataset reference")
}

func TestDataAddBadInputChangesNothing(t *testing.T) {
	h := newHarness(t)
	for name, c := range map[string]struct{ file, body, want string }{
		"ragged":    {"ragged.csv", "a,b\n1,2\n3\n", "line 3"},
		"quote":     {"quote.csv", "a,b\n1,\"2\n", "quote.csv"},
		"empty":     {"empty.csv", "", "empty.csv"},
		"dup cols":  {"dup.csv", "a,a\n1,2\n", "dup.csv"},
		"bad utf8":  {"utf8.csv", "a,b\n1,\xff\n", "line 2"},
		"jsonl bad": {"bad.jsonl", "{\"a\": 1}\n{\"a\": \n", "line 2"},
		"gz trunc":  {"t.csv.gz", "\x1f\x8b\x08\x00\x00\x00\x00\x00", "t.csv.gz"},
		"unknown":   {"data.xlsx", "PK", "data.xlsx"},
	} {
		p := writeFile(t, h.cwd, c.file, c.body)
		h.fails(1, []string{"data", "add", p}, c.want)
		_ = name
	}
	h.fails(1, []string{"data", "add", filepath.Join(h.cwd, "missing.csv")}, "missing.csv")
	mixed := filepath.Join(h.cwd, "mixed")
	writeFile(t, mixed, "a.csv", "x\n1\n")
	writeFile(t, mixed, "b.jsonl", "{\"x\": 1}\n")
	h.fails(1, []string{"data", "add", mixed}, "mixed")
	if r := h.ok("data", "ls", "--json"); strings.TrimSpace(r.stdout) != "[]" {
		t.Errorf("a failed add left datasets behind: %s", r.stdout)
	}
}

func TestDataValidateAndRunInputs(t *testing.T) {
	h := newHarness(t)
	p := writeFile(t, h.cwd, "sales.csv", salesV2)
	rules := writeFile(t, h.cwd, "rules.toml", `
[dataset]
min_rows = 2
required_columns = ["id", "amount"]
[columns.segment]
allowed = ["new", "loyal", "lapsed"]
[columns.amount]
max = 50
`)
	h.ok("data", "add", p)
	r := h.fails(1, []string{"data", "validate", "sales", "--rules", rules}, "validation failed")
	if !strings.Contains(r.stdout, "vip") || !strings.Contains(r.stdout, "sales.csv:6") {
		t.Errorf("the report should name the failing values and lines:\n%s", r.stdout)
	}
	if r := h.ok("data", "ls", "sales"); !strings.Contains(r.stdout, "FAILED") {
		t.Errorf("validation not stored:\n%s", r.stdout)
	}
	// A failed version blocks runs unless --force.
	h.fails(1, []string{"run", "--input", "sales", "--", "sh", "-c", "true"}, "failed validation", "--force")
	r = h.ok("run", "--json", "--input", "sales", "--force", "--", "sh", "-c", `test -r "$LATHE_INPUT_SALES" && head -1 "$LATHE_INPUT_SALES" >&2`)
	if !strings.Contains(r.stderr, "id,amount,segment") {
		t.Errorf("the job did not read its input:\n%s", r.stderr)
	}
	var run struct {
		RunID string `json:"run_id"`
	}
	_ = json.Unmarshal([]byte(r.stdout), &run)
	if r := h.ok("data", "show", "sales", "--json"); !strings.Contains(r.stdout, run.RunID) {
		t.Errorf("the version does not list the run that used it:\n%s", r.stdout)
	}
	if r := h.ok("runs", "show", run.RunID); !strings.Contains(r.stdout, "lathe://data/sales:1") {
		t.Errorf("the run does not show its input:\n%s", r.stdout)
	}
	// A rerun reads the same versions, and needs --force too.
	h.fails(1, []string{"runs", "rerun", run.RunID}, "failed validation")
	r = h.ok("runs", "rerun", run.RunID, "--force", "--json")
	var again struct {
		RunID string `json:"run_id"`
	}
	_ = json.Unmarshal([]byte(r.stdout), &again)
	if r := h.ok("runs", "show", again.RunID, "--json"); !strings.Contains(r.stdout, `"sales:1"`) {
		t.Errorf("the rerun lost its input:\n%s", r.stdout)
	}
	// lathe.toml rules run on add; a failing version is kept, marked, exit 1.
	writeFile(t, h.cwd, "lathe.toml", "[data.sales.columns.amount]\nmax = 50\n")
	p2 := writeFile(t, h.cwd, "more.csv", "id,amount\n1,60\n")
	h.fails(1, []string{"data", "add", p2, "--name", "sales"}, "failed validation")
	if r := h.ok("data", "show", "sales:2", "--json"); !strings.Contains(r.stdout, `"validation_status": "failed"`) {
		t.Errorf("sales:2 not marked failed:\n%s", r.stdout)
	}
	h.fails(2, []string{"data", "validate", p2}, "--rules")
}

func TestDrift(t *testing.T) {
	h := newHarness(t)
	a := writeFile(t, h.cwd, "a.csv", salesV1)
	b := writeFile(t, h.cwd, "b.csv", salesV2)
	r := h.ok("drift", a, b, "--json")
	var rep struct {
		Columns []struct {
			Column    string   `json:"column"`
			Method    string   `json:"method"`
			Statistic float64  `json:"statistic"`
			PValue    *float64 `json:"p_value"`
			Threshold float64  `json:"threshold"`
			Drift     bool     `json:"drift"`
		} `json:"columns"`
		DriftedShare *float64 `json:"drifted_share"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatal(err, r.stdout)
	}
	if len(rep.Columns) != 3 || rep.DriftedShare == nil {
		t.Fatalf("drift report: %s", r.stdout)
	}
	for _, c := range rep.Columns {
		if c.Column == "segment" && (c.Method != "chisquare" || !c.Drift) {
			t.Errorf("segment saw an unseen category (vip): %+v", c)
		}
		if c.Column == "amount" && (c.Method != "ks" || c.PValue == nil) {
			t.Errorf("amount: small samples get KS with a p-value: %+v", c)
		}
	}
	h.fails(1, []string{"drift", a, b, "--fail-on-drift"}, "drift detected")
	h.fails(1, []string{"drift", a, b, "--columns", "nope"}, "nope")
	h.fails(2, []string{"drift", a, b, "--method", "magic"}, "--method")
	h.fails(1, []string{"drift", a, "nothing-here"}, "nothing-here")
	// Dataset refs work too.
	h.ok("data", "add", a, "--name", "s")
	h.ok("data", "add", b, "--name", "s")
	if r := h.ok("data", "diff", "s:1", "s:2"); !strings.Contains(r.stdout, "segment") || !strings.Contains(r.stdout, "reference s:1") {
		t.Errorf("data diff:\n%s", r.stdout)
	}
}

func TestDataAddDirectoryAndFormats(t *testing.T) {
	h := newHarness(t)
	dir := filepath.Join(h.cwd, "parts")
	writeFile(t, dir, "a.csv", "x,y\n1,a\n2,b\n")
	writeFile(t, dir, "b.csv", "x,y\n3,c\n")
	writeFile(t, dir, ".hidden.csv", "not,read\n")
	r := h.ok("data", "add", dir, "--json")
	var added struct {
		Version struct {
			Rows  int64 `json:"rows"`
			Files []struct {
				Path string `json:"path"`
			} `json:"files"`
		} `json:"version"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &added); err != nil || added.Version.Rows != 3 || len(added.Version.Files) != 2 {
		t.Fatalf("directory version: %+v %v\n%s", added, err, r.stdout)
	}
	if r := h.ok("data", "head", "parts", "--json"); strings.Count(r.stdout, `"x"`) != 3 {
		t.Errorf("head over two files:\n%s", r.stdout)
	}
	out := filepath.Join(h.cwd, "out")
	h.ok("data", "get", "parts", "-o", out)
	if b, _ := os.ReadFile(filepath.Join(out, "b.csv")); string(b) != "x,y\n3,c\n" {
		t.Errorf("get of a directory version wrote b.csv = %q", b)
	}
	// Columns that differ between the files of a directory: refused.
	writeFile(t, dir, "c.csv", "x,z\n1,2\n")
	h.fails(1, []string{"data", "add", dir}, "c.csv")

	// JSONL (gzip too) with nulls and a missing key; TSV with a BOM and CRLF.
	writeFile(t, h.cwd, "e.jsonl", "{\"id\": 1, \"v\": 2.5, \"s\": \"a\"}\n{\"id\": 2, \"v\": null}\n")
	h.fails(1, []string{"data", "show", "e"}, "no dataset")
	h.ok("data", "add", filepath.Join(h.cwd, "e.jsonl"))
	r = h.ok("data", "show", "e", "--json")
	if !strings.Contains(r.stdout, `"nulls": 1`) {
		t.Errorf("JSONL nulls:\n%s", r.stdout)
	}
	writeFile(t, h.cwd, "t.tsv", "\ufeffa\tb\r\n1\tx\r\n2\ty\r\n")
	h.ok("data", "add", filepath.Join(h.cwd, "t.tsv"))
	if r := h.ok("data", "head", "t", "--json"); !strings.Contains(r.stdout, `"a": "1"`) || strings.Contains(r.stdout, "\\r") {
		t.Errorf("TSV with BOM and CRLF:\n%s", r.stdout)
	}
	// Parquet: a flat file profiles; a nested one is refused by column.
	pq := filepath.Join("..", "..", "testdata", "table", "parquet")
	if _, err := os.Stat(filepath.Join(pq, "alltypes_plain.parquet")); err != nil {
		t.Fatalf("parquet fixtures: %v", err)
	}
	abs, _ := filepath.Abs(pq)
	r = h.ok("data", "add", filepath.Join(abs, "alltypes_plain.parquet"), "--json")
	if !strings.Contains(r.stdout, `"rows": 8`) {
		t.Errorf("parquet add:\n%s", r.stdout)
	}
	// The stored object has no .parquet name of its own: head and diff
	// read it by the version's file name.
	if r := h.ok("data", "head", "alltypes_plain", "-n", "2", "--json"); strings.Count(r.stdout, `"id"`) != 2 {
		t.Errorf("parquet head:\n%s", r.stdout)
	}
	h.ok("data", "diff", "alltypes_plain", "alltypes_plain")
	h.fails(1, []string{"data", "add", filepath.Join(abs, "nested_lists.snappy.parquet")}, "nested", `"a"`)
}

// The CSV reader's fields point into buffers it reuses: rows kept across
// reads must be copies (quoted fields showed the next row's text once).
func TestDataHeadKeepsQuotedFields(t *testing.T) {
	h := newHarness(t)
	p := writeFile(t, h.cwd, "q.csv", "a,b\n\"x,1\",\"say \"\"hi\"\"\"\n\"y,2\",\"q\"\n")
	h.ok("data", "add", p)
	r := h.ok("data", "head", "q", "--json")
	var rows []map[string]string
	if err := json.Unmarshal([]byte(r.stdout), &rows); err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[0]["a"] != "x,1" || rows[0]["b"] != `say "hi"` || rows[1]["a"] != "y,2" {
		t.Errorf("rows %v", rows)
	}
}

func TestDataAddBadProjectFile(t *testing.T) {
	h := newHarness(t)
	p := writeFile(t, h.cwd, "sales.csv", salesV1)
	writeFile(t, h.cwd, "lathe.toml", "[data.sales.columns.amount]\nmax = \n")
	h.fails(1, []string{"data", "add", p}, "lathe.toml", "line 2")
	writeFile(t, h.cwd, "lathe.toml", "[data.sales.columns.amount]\nmaximum = 3\n")
	h.fails(1, []string{"data", "add", p}, "lathe.toml", "maximum")
	if r := h.ok("data", "ls", "--json"); strings.TrimSpace(r.stdout) != "[]" {
		t.Errorf("a refused add left datasets behind: %s", r.stdout)
	}
	h.fails(1, []string{"data", "validate", "x", "--rules", filepath.Join(h.cwd, "missing.toml")}, "missing.toml")
}

// What a version stores is what was profiled: a symbolic link in a
// directory is read and stored (it was once profiled but not stored).
func TestDataAddDirectoryWithLink(t *testing.T) {
	h := newHarness(t)
	dir := filepath.Join(h.cwd, "parts")
	writeFile(t, dir, "a.csv", "x\n1\n")
	other := writeFile(t, h.cwd, "elsewhere.csv", "x\n2\n3\n")
	if err := os.Symlink(other, filepath.Join(dir, "b.csv")); err != nil {
		t.Fatal(err)
	}
	r := h.ok("data", "add", dir, "--json")
	var added struct {
		Version struct {
			Rows  int64 `json:"rows"`
			Files []struct {
				Path string `json:"path"`
			} `json:"files"`
		} `json:"version"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &added); err != nil || added.Version.Rows != 3 || len(added.Version.Files) != 2 {
		t.Fatalf("version %+v %v", added, err)
	}
}
