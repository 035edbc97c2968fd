package profile

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lathe-ml/lathe/monitor/table"
)

// declared is a Reader whose columns declare kinds, as Parquet's do.
type declared struct {
	*table.Rows
	cols []table.Column
}

func (d declared) Columns() []table.Column { return d.cols }

func TestDeclaredKindWins(t *testing.T) {
	rows := [][]string{{"1", "1", "true", "2024-01-02T00:00:00Z"}, {"2", "2", "false", "2024-01-01T00:00:00Z"}, {"2", "3", "true", "2024-01-03T00:00:00Z"}}
	r := declared{table.FromRows(nil, rows, nil), []table.Column{
		{Name: "f", Declared: table.KindFloat}, {Name: "s", Declared: table.KindString},
		{Name: "b", Declared: table.KindBool}, {Name: "t", Declared: table.KindTimestamp},
	}}
	res, err := Profile(context.Background(), r, Options{})
	if err != nil {
		t.Fatal(err)
	}
	f, s, b, ts := res.Columns[0], res.Columns[1], res.Columns[2], res.Columns[3]
	if f.Type != table.KindFloat || numOf(f.Mean) != 5.0/3 || f.Distinct != 2 {
		t.Errorf("f: %+v", f)
	}
	if s.Type != table.KindString || s.Mean != nil || s.Distinct != 3 {
		t.Errorf("s: %+v", s)
	}
	if b.Type != table.KindBool || b.Top[0] != (TopValue{"true", 2}) {
		t.Errorf("b: %+v", b)
	}
	if ts.Type != table.KindTimestamp || ts.Min.Text != "2024-01-01T00:00:00Z" || ts.Max.Text != "2024-01-03T00:00:00Z" {
		t.Errorf("t: %+v", ts)
	}
}

// TestCSVFile runs the real reader: empty fields are reader nulls, and the
// mixed-type warning names the file and line.
func TestCSVFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "d.csv")
	data := "a,b,c\n1,x,2024-01-01\n2,,2024-02-01\nNA,y,\n4,\"x\",2023-12-31\noops,z,2024-01-01\n"
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	r, err := table.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var seen int64
	res, err := Profile(context.Background(), r, Options{Progress: func(n int64) { seen = n }})
	if err != nil {
		t.Fatal(err)
	}
	if res.Rows != 5 || seen != 5 {
		t.Fatalf("rows %d, progress %d", res.Rows, seen)
	}
	a, b, c := res.Columns[0], res.Columns[1], res.Columns[2]
	if a.Type != table.KindString || a.Nulls != 1 || len(a.Warnings) != 1 || !strings.Contains(a.Warnings[0], "d.csv:6,") {
		t.Errorf("a: %+v", a)
	}
	if b.Nulls != 1 || b.Count != 4 || b.Distinct != 3 || b.Top[0] != (TopValue{"x", 2}) {
		t.Errorf("b: %+v", b)
	}
	if c.Type != table.KindTimestamp || c.Min.Text != "2023-12-31" || c.Max.Text != "2024-02-01" || c.Distinct != 3 {
		t.Errorf("c: %+v", c)
	}
}
