package validate

import (
	"context"
	"io"
	"strconv"
	"testing"

	"github.com/lathe-ml/lathe/monitor/table"
)

// fixedRows replays prepared rows without allocating.
type fixedRows struct {
	rows [][]string
	i    int
}

func (f *fixedRows) Columns() []table.Column {
	return []table.Column{{Name: "id"}, {Name: "amount"}, {Name: "segment"}}
}
func (f *fixedRows) Next() (table.Record, error) {
	if f.i >= len(f.rows) {
		return table.Record{}, io.EOF
	}
	f.i++
	return table.Record{Fields: f.rows[f.i-1], Line: int64(f.i + 1)}, nil
}
func (f *fixedRows) Close() error { return nil }

// BenchmarkValidate checks every column rule over 100k rows.
func BenchmarkValidate(b *testing.B) {
	segs := []string{"new", "loyal", "lapsed"}
	r := &fixedRows{rows: make([][]string, 100_000)}
	for i := range r.rows {
		r.rows[i] = []string{"C" + strconv.Itoa(i), strconv.FormatFloat(float64(i%1000)/7, 'f', 3, 64), segs[i%3]}
	}
	rules, err := ParseRules("b.toml", []byte(`
[columns.id]
unique = true
regex = '^C[0-9]+$'
not_null = true
[columns.amount]
type = "float"
min = 0
max = 10000
[columns.segment]
allowed = ["new", "loyal", "lapsed"]
`))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		r.i = 0
		rep, err := Validate(context.Background(), r, rules, Options{})
		if err != nil || !rep.Passed {
			b.Fatal(err, rep)
		}
	}
}
