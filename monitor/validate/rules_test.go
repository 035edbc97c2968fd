package validate

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/lathe-ml/lathe/monitor/table"
)

func TestLoadRulesExample(t *testing.T) {
	r, err := LoadRules(filepath.Join("..", "..", "testdata", "validate", "rules.toml"))
	if err != nil {
		t.Fatal(err)
	}
	if r.Dataset.MinRows == nil || *r.Dataset.MinRows != 2 || r.Dataset.MaxRows == nil || *r.Dataset.MaxRows != 1_000_000 {
		t.Errorf("dataset = %+v", r.Dataset)
	}
	if !slices.Equal(r.Dataset.RequiredColumns, []string{"customer_id", "amount"}) {
		t.Errorf("required = %v", r.Dataset.RequiredColumns)
	}
	var names []string
	for _, c := range r.Columns {
		names = append(names, c.Name)
	}
	if want := []string{"customer_id", "amount", "segment"}; !slices.Equal(names, want) {
		t.Errorf("column order = %v, want the file's %v", names, want)
	}
	a := r.Column("amount")
	if a == nil || a.Type != table.KindFloat || !a.NotNull || *a.Min != 0 || *a.Max != 10000 {
		t.Errorf("amount = %+v", a)
	}
	if c := r.Column("customer_id"); !c.Unique || c.Regex != "^C[0-9]+$" {
		t.Errorf("customer_id = %+v", c)
	}
	if r.Column("nope") != nil {
		t.Error("Column of an unknown name is not nil")
	}
}

func TestLoadRulesMissingFile(t *testing.T) {
	_, err := LoadRules(filepath.Join(t.TempDir(), "none.toml"))
	if !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("err = %v", err)
	}
}

func TestParseRulesErrors(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		want      []string // substrings of the error
	}{
		{"syntax", "[dataset]\nmin_rows = 1\nmax_rows = = 2\n", []string{"r.toml: line 3"}},
		{"unterminated", "[columns.a]\nregex = '^x\n", []string{"r.toml: line 2"}},
		{"wrong type", "[dataset]\n\nmin_rows = \"ten\"\n", []string{"r.toml: line 3", "min_rows"}},
		{"duplicate key", "[columns.a]\nunique = true\nunique = false\n", []string{"line 3"}},
		{"unknown key", "[columns.a]\nnot_nul = true\n", []string{"r.toml: unknown key columns.a.not_nul"}},
		{"unknown table", "[colums.a]\nunique = true\n", []string{"colums.a.unique"}},
		{"unknown dataset key", "[dataset]\nrows = 3\n", []string{"dataset.rows"}},
		{"unknown type", "[columns.a]\ntype = \"flaot\"\n", []string{"columns.a.type", `"flaot"`}},
		{"empty type", "[columns.a]\ntype = \"\"\n", []string{"columns.a.type"}},
		{"bad regex", "[columns.a]\nregex = '('\n", []string{"columns.a.regex"}},
		{"empty regex", "[columns.a]\nregex = ''\n", []string{"columns.a.regex"}},
		{"min above max", "[columns.a]\nmin = 5\nmax = 1\n", []string{"columns.a", "min 5 is above max 1"}},
		{"nan bound", "[columns.a]\nmin = nan\n", []string{"columns.a.min"}},
		{"rows inverted", "[dataset]\nmin_rows = 5\nmax_rows = 1\n", []string{"dataset", "min_rows 5"}},
		{"negative rows", "[dataset]\nmin_rows = -1\n", []string{"dataset.min_rows"}},
		{"empty allowed", "[columns.a]\nallowed = []\n", []string{"columns.a.allowed"}},
		{"quoted column", "[columns.\"a b\"]\ntype = \"x\"\n", []string{`columns."a b".type`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseRules("r.toml", []byte(tc.src))
			if err == nil {
				t.Fatal("no error")
			}
			if !errors.Is(err, ErrRules) {
				t.Errorf("%v does not wrap ErrRules", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

func TestParseRulesMinIntOrFloat(t *testing.T) {
	r, err := ParseRules("r.toml", []byte("[columns.a]\nmin = 0\nmax = 2.5\n[columns.b]\ntype = \"int\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	if a := r.Column("a"); *a.Min != 0 || *a.Max != 2.5 {
		t.Errorf("a = %+v", a)
	}
	if b := r.Column("b"); b.Min != nil || b.Max != nil || b.Type != table.KindInt {
		t.Errorf("b = %+v", b)
	}
}

func TestParseRulesEmpty(t *testing.T) {
	r, err := ParseRules("r.toml", nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Columns) != 0 || r.Dataset.MinRows != nil {
		t.Errorf("rules = %+v", r)
	}
}

func TestParseProject(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "testdata", "validate", "lathe.toml"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := ParseProject("lathe.toml", data)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("datasets = %v", got)
	}
	retail := got["retail"]
	if retail == nil || *retail.Dataset.MinRows != 1 || len(retail.Columns) != 2 {
		t.Fatalf("retail = %+v", retail)
	}
	if retail.Columns[0].Name != "amount" || retail.Columns[1].Name != "segment" {
		t.Errorf("retail columns = %+v", retail.Columns)
	}
	if retail.Name != "lathe.toml: data.retail" {
		t.Errorf("name = %q", retail.Name)
	}
	if ev := got["events"]; ev == nil || ev.Column("ts").Type != table.KindTimestamp || !ev.Column("ts").NotNull {
		t.Errorf("events = %+v", ev)
	}
}

func TestParseProjectErrors(t *testing.T) {
	for _, tc := range []struct{ name, src, want string }{
		{"unknown key in data", "[data.retail.columns.a]\nmni = 1\n", "data.retail.columns.a.mni"},
		{"unknown section in data", "[data.retail.checks]\nx = 1\n", "data.retail.checks.x"},
		{"bad value", "[data.retail.columns.a]\nmin = 3\nmax = 1\n", "data.retail.columns.a: min 3"},
		{"syntax", "[other]\nx = [\n", "lathe.toml: line"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseProject("lathe.toml", []byte(tc.src))
			if err == nil || !strings.Contains(err.Error(), tc.want) || !errors.Is(err, ErrRules) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

func TestParseProjectNoData(t *testing.T) {
	got, err := ParseProject("lathe.toml", []byte("[server]\nport = 1\n[runner.local]\nx = 1\n"))
	if err != nil || len(got) != 0 {
		t.Fatalf("got %v, %v", got, err)
	}
}

func TestCheckBuiltRules(t *testing.T) {
	r := &Rules{Columns: []ColumnRules{{Name: "a"}, {Name: "a"}}}
	if err := r.Check(); err == nil || !strings.Contains(err.Error(), "twice") {
		t.Errorf("duplicate column: %v", err)
	}
	r = &Rules{Columns: []ColumnRules{{Name: "a", Type: "decimal"}}}
	if err := r.Check(); !errors.Is(err, ErrRules) {
		t.Errorf("unknown type: %v", err)
	}
}

func FuzzParseRules(f *testing.F) {
	for _, name := range []string{"rules.toml", "lathe.toml"} {
		data, err := os.ReadFile(filepath.Join("..", "..", "testdata", "validate", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("[columns.a]\nmin = 1\nmax = 0\n"))
	f.Add([]byte("columns.x.regex = '('"))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := ParseRules("f.toml", data)
		if err != nil {
			if !errors.Is(err, ErrRules) {
				t.Fatalf("error %v does not wrap ErrRules", err)
			}
			return
		}
		if err := r.Check(); err != nil {
			t.Fatalf("parsed rules fail Check: %v", err)
		}
		if _, err := ParseProject("f.toml", data); err != nil && !errors.Is(err, ErrRules) {
			t.Fatalf("project error %v does not wrap ErrRules", err)
		}
	})
}
