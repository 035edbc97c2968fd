package datadiff

import (
	"context"
	"io"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/lathe-ml/lathe/monitor/drift"
	"github.com/lathe-ml/lathe/monitor/table"
)

// textTable is a Reader over pre-formatted numeric texts that allocates
// nothing per row, so a benchmark measures Compare rather than a reader.
type textTable struct {
	cols   []table.Column
	fields [][]string // [row][col]
	i      int
}

func newTextTable(seed uint64, rows, cols int, shift float64) (*textTable, [][]float64) {
	rng := rand.New(rand.NewPCG(seed, 7))
	t := &textTable{cols: make([]table.Column, cols), fields: make([][]string, rows)}
	vals := make([][]float64, cols)
	for j := range t.cols {
		t.cols[j].Name = "f" + strconv.Itoa(j)
		vals[j] = make([]float64, rows)
	}
	for i := range t.fields {
		t.fields[i] = make([]string, cols)
		for j := range cols {
			v := rng.NormFloat64() + shift
			vals[j][i] = v
			t.fields[i][j] = strconv.FormatFloat(v, 'f', 6, 64)
		}
	}
	return t, vals
}

func (t *textTable) Columns() []table.Column { return t.cols }
func (t *textTable) Next() (table.Record, error) {
	if t.i >= len(t.fields) {
		return table.Record{}, io.EOF
	}
	t.i++
	return table.Record{Fields: t.fields[t.i-1], Line: int64(t.i + 1)}, nil
}
func (t *textTable) Close() error { return nil }

const benchRows, benchCols = 200_000, 20

// BenchmarkCompare times Compare over numeric text columns; compare with
// BenchmarkDriftOnly, the statistics alone on the same values.
func BenchmarkCompare(b *testing.B) {
	ref, _ := newTextTable(1, benchRows, benchCols, 0)
	cur, _ := newTextTable(2, benchRows, benchCols, 0.1)
	b.ResetTimer()
	for range b.N {
		ref.i, cur.i = 0, 0
		if _, err := Compare(context.Background(), ref, cur, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDriftOnly(b *testing.B) {
	_, rv := newTextTable(1, benchRows, benchCols, 0)
	_, cv := newTextTable(2, benchRows, benchCols, 0.1)
	cols := make([]drift.NumericColumn, benchCols)
	for j := range cols {
		cols[j] = drift.NumericColumn{Ref: rv[j], Cur: cv[j], Options: drift.Options{Column: strconv.Itoa(j)}}
	}
	b.ResetTimer()
	for range b.N {
		if _, err := drift.NumericColumns(context.Background(), cols, 0); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkReadTable(b *testing.B) {
	ref, _ := newTextTable(1, benchRows, benchCols, 0)
	idx := make([]int, benchCols)
	for j := range idx {
		idx[j] = j
	}
	b.ResetTimer()
	for range b.N {
		ref.i = 0
		cols := make([]column, benchCols)
		sides := make([]*side, benchCols)
		for j := range sides {
			sides[j] = &cols[j].ref
		}
		if _, err := readTable(context.Background(), ref, idx, sides); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkScan(b *testing.B) {
	ref, _ := newTextTable(1, benchRows, 1, 0)
	var s side
	for _, f := range ref.fields {
		s.text.add(f[0])
	}
	b.ResetTimer()
	for range b.N {
		s2 := side{text: s.text}
		s2.scan()
	}
}
