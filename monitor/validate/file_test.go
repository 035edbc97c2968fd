package validate

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/lathe-ml/lathe/monitor/table"
)

// TestCSVFile runs the example rules over the example CSV through
// table.Open, so the line numbers are the file's own.
func TestCSVFile(t *testing.T) {
	dir := filepath.Join("..", "..", "testdata", "validate")
	rules, err := LoadRules(filepath.Join(dir, "rules.toml"))
	if err != nil {
		t.Fatal(err)
	}
	r, err := table.Open(context.Background(), filepath.Join(dir, "retail.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	rep, err := Validate(context.Background(), r, rules, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Passed || rep.Rows != 5 {
		t.Fatalf("report = %+v", rep)
	}
	want := map[string]int64{ // rule -> line of its first example
		"columns.customer_id.regex":  5,
		"columns.customer_id.unique": 4,
		"columns.amount.type":        6,
		"columns.amount.not_null":    5,
		"columns.amount.min":         3,
		"columns.segment.allowed":    5,
	}
	if len(rep.Failures) != len(want) {
		t.Fatalf("failures = %+v", rep.Failures)
	}
	for _, f := range rep.Failures {
		if line, ok := want[f.Rule]; !ok || f.Examples[0].Line != line {
			t.Errorf("%s: examples %+v, want line %d", f.Rule, f.Examples, line)
		}
	}
}
