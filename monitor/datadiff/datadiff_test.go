package datadiff

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/lathe-ml/lathe/monitor/drift"
	"github.com/lathe-ml/lathe/monitor/table"
)

// rowsOf builds a reader from columns given as name -> values (all of one
// length), in the order of names.
func rowsOf(names []string, cols ...[]string) *table.Rows {
	n := 0
	if len(cols) > 0 {
		n = len(cols[0])
	}
	rows := make([][]string, n)
	for i := range rows {
		rows[i] = make([]string, len(cols))
		for j, c := range cols {
			rows[i][j] = c[i]
		}
	}
	return table.FromRows(names, rows, nil)
}

func floats(n int, f func(i int) float64) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = strconv.FormatFloat(f(i), 'g', -1, 64)
	}
	return out
}

func repeat(n int, s string) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = s
	}
	return out
}

func compare(t *testing.T, ref, cur table.Reader, opt Options) *Report {
	t.Helper()
	rep, err := Compare(context.Background(), ref, cur, opt)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func byName(t *testing.T, rep *Report, name string) ColumnDrift {
	t.Helper()
	for _, c := range rep.Columns {
		if c.Column == name {
			return c
		}
	}
	t.Fatalf("no column %q in %+v", name, rep.Columns)
	return ColumnDrift{}
}

func TestSchemaChanges(t *testing.T) {
	ref := rowsOf([]string{"a", "b", "gone"}, []string{"1", "2"}, []string{"1", "2"}, []string{"x", "y"})
	cur := rowsOf([]string{"new", "b", "a"}, []string{"p", "q"}, []string{"x", "y"}, []string{"1.5", "3"})
	rep := compare(t, ref, cur, Options{})
	if !reflect.DeepEqual(rep.Added, []string{"new"}) || !reflect.DeepEqual(rep.Removed, []string{"gone"}) {
		t.Errorf("added %v removed %v", rep.Added, rep.Removed)
	}
	want := []TypeChange{{Column: "a", From: table.KindInt, To: table.KindFloat}, {Column: "b", From: table.KindInt, To: table.KindString}}
	if !reflect.DeepEqual(rep.TypeChanged, want) {
		t.Errorf("type changed %+v, want %+v", rep.TypeChanged, want)
	}
	if a := byName(t, rep, "a"); a.Type != TypeNumeric || a.Error != "" {
		t.Errorf("a = %+v", a)
	}
	b := byName(t, rep, "b")
	if b.Type != TypeCategorical || b.Method != drift.MethodChiSquare || !b.Drift || !reflect.DeepEqual(b.Unseen, []string{"x", "y"}) {
		t.Errorf("b = %+v", b)
	}
	if rep.Columns[0].Column != "a" || rep.Columns[1].Column != "b" {
		t.Errorf("order = %+v, want the reference's", rep.Columns)
	}
	if rep.RefRows != 2 || rep.CurRows != 2 {
		t.Errorf("rows %d %d", rep.RefRows, rep.CurRows)
	}
}

func TestNoChangesJSONIsEmptyLists(t *testing.T) {
	ref := rowsOf([]string{"a"}, []string{"1", "2", "3"})
	cur := rowsOf([]string{"a"}, []string{"1", "2", "3"})
	rep := compare(t, ref, cur, Options{})
	b, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"ref_rows":3,"cur_rows":3,"added":[],"removed":[],"type_changed":[],"columns":[{"column":"a","type":"numeric","method":"chisquare","statistic":0,"p_value":1,"threshold":0.05,"drift":false}],"tested":1,"drifted":0,"drifted_share":0}`
	if string(b) != want {
		t.Errorf("json:\n%s\nwant\n%s", b, want)
	}
}

func TestAllNullColumn(t *testing.T) {
	ref := table.FromRows([]string{"a", "b"}, [][]string{{"", "1"}, {"NA", "2"}, {"", "3"}}, [][]bool{{true, false}, nil, {true, false}})
	cur := rowsOf([]string{"a", "b"}, []string{"1", "2", "3"}, []string{"NA", "null", "None"})
	rep := compare(t, ref, cur, Options{})
	a, b := byName(t, rep, "a"), byName(t, rep, "b")
	if a.Error != "no non-null values in the reference table" || a.Drift || a.Type != TypeNumeric {
		t.Errorf("a = %+v", a)
	}
	if b.Error != "no non-null values in the current table" {
		t.Errorf("b = %+v", b)
	}
	if rep.Tested != 0 || rep.DriftedShare != 0 || len(rep.TypeChanged) != 0 {
		t.Errorf("report = %+v", rep)
	}
	if _, err := json.Marshal(rep); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(rep.Text(), "error: no non-null values in the reference table") {
		t.Errorf("text:\n%s", rep.Text())
	}
}

func TestConstantColumn(t *testing.T) {
	ref := rowsOf([]string{"c"}, repeat(50, "7"))
	cur := rowsOf([]string{"c"}, repeat(40, "7"))
	c := byName(t, compare(t, ref, cur, Options{Method: drift.MethodKS}), "c")
	if c.Error != "" || c.Drift || c.Statistic != 0 || c.PValue == nil || *c.PValue != 1 {
		t.Errorf("constant = %+v", c)
	}
}

func TestNonFinite(t *testing.T) {
	ref := rowsOf([]string{"x", "y"}, []string{"1", "inf", "2", "NaN", "-Infinity", "3"}, []string{"inf", "-inf", "inf", "NA", "inf", "inf"})
	cur := rowsOf([]string{"x", "y"}, []string{"1", "2", "3", "+inf", "nan", "2"}, []string{"1", "2", "3", "4", "5", "6"})
	rep := compare(t, ref, cur, Options{Method: drift.MethodKS})
	x := byName(t, rep, "x")
	want, err := drift.Numeric([]float64{1, math.Inf(1), 2, math.Inf(-1), 3}, []float64{1, 2, 3, math.Inf(1), 2}, drift.Options{Column: "x", Method: drift.MethodKS})
	if err != nil {
		t.Fatal(err)
	}
	if x.Error != "" || x.Type != TypeNumeric || x.Statistic != want.Statistic || *x.PValue != *want.PValue {
		t.Errorf("x = %+v, want %+v", x, want)
	}
	if y := byName(t, rep, "y"); y.Error != "no finite values in the reference table" || y.Type != TypeNumeric {
		t.Errorf("y = %+v", y)
	}
}

func TestMissingRequestedColumns(t *testing.T) {
	for _, tc := range []struct {
		col, want string
	}{
		{"onlycur", `column "onlycur" is not in the reference table`},
		{"onlyref", `column "onlyref" is not in the current table`},
		{"nowhere", `column "nowhere" is in neither`},
	} {
		ref := rowsOf([]string{"a", "onlyref"}, []string{"1"}, []string{"1"})
		cur := rowsOf([]string{"a", "onlycur"}, []string{"1"}, []string{"1"})
		_, err := Compare(context.Background(), ref, cur, Options{Columns: []string{"a", tc.col}})
		if !errors.Is(err, ErrNoColumn) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v", tc.col, err)
		}
	}
}

func TestRequestedColumnsOrder(t *testing.T) {
	ref := rowsOf([]string{"a", "b", "c"}, []string{"1"}, []string{"2"}, []string{"3"})
	cur := rowsOf([]string{"a", "b", "c"}, []string{"1"}, []string{"2"}, []string{"3"})
	rep := compare(t, ref, cur, Options{Columns: []string{"c", "a", "c"}})
	if len(rep.Columns) != 2 || rep.Columns[0].Column != "c" || rep.Columns[1].Column != "a" {
		t.Errorf("columns = %+v", rep.Columns)
	}
}

func TestBadOptions(t *testing.T) {
	for _, opt := range []Options{{Method: "t-test"}, {Threshold: -1}, {Threshold: math.NaN()}} {
		_, err := Compare(context.Background(), rowsOf(nil), rowsOf(nil), opt)
		if !errors.Is(err, ErrOptions) {
			t.Errorf("%+v: err = %v", opt, err)
		}
	}
}

// sample returns n normal values shifted by mu, as text.
func sample(seed uint64, n int, mu float64) ([]string, []float64) {
	rng := rand.New(rand.NewPCG(seed, 1))
	vals := make([]float64, n)
	for i := range vals {
		vals[i] = mu + rng.NormFloat64()
	}
	return floats(n, func(i int) float64 { return vals[i] }), vals
}

func TestMatchesDrift(t *testing.T) {
	rt, rv := sample(1, 1500, 0)
	ct, cv := sample(2, 1200, 0.3)
	st, sv := sample(3, 1500, 0)
	dt, dv := sample(4, 1200, 0.01)
	cats := func(seed uint64, n int, p float64) []string {
		rng := rand.New(rand.NewPCG(seed, 2))
		out := make([]string, n)
		for i := range out {
			out[i] = "a"
			if rng.Float64() < p {
				out[i] = "b"
			}
		}
		return out
	}
	ra, ca := cats(5, 1500, 0.3), cats(6, 1200, 0.5)
	for _, m := range []drift.Method{"", drift.MethodKS, drift.MethodWasserstein, drift.MethodPSI, drift.MethodJS} {
		ref := rowsOf([]string{"x", "s", "cat"}, rt, st, ra)
		cur := rowsOf([]string{"x", "s", "cat"}, ct, dt, ca)
		rep := compare(t, ref, cur, Options{Method: m, Workers: 2})
		for _, c := range []struct {
			name     string
			ref, cur []float64
		}{{"x", rv, cv}, {"s", sv, dv}} {
			want, err := drift.Numeric(c.ref, c.cur, drift.Options{Column: c.name, Method: m})
			if err != nil {
				t.Fatal(err)
			}
			got := byName(t, rep, c.name)
			if got.Method != want.Method || got.Statistic != want.Statistic || got.Drift != want.Drift ||
				!reflect.DeepEqual(got.PValue, want.PValue) || got.Threshold != want.Threshold {
				t.Errorf("%q %s: got %+v, want %+v", m, c.name, got, want)
			}
		}
		got := byName(t, rep, "cat")
		want, err := drift.Categorical(ra, ca, drift.Options{Column: "cat", Method: m})
		if m == drift.MethodKS || m == drift.MethodWasserstein {
			if !errors.Is(err, drift.ErrMethod) || got.Error == "" || got.Drift {
				t.Errorf("%q on categories: got %+v", m, got)
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if got.Method != want.Method || got.Statistic != want.Statistic || got.Drift != want.Drift {
			t.Errorf("%q cat: got %+v, want %+v", m, got, want)
		}
	}
	// Defaults with more than 1000 reference values: normed Wasserstein and JS.
	rep := compare(t, rowsOf([]string{"x", "cat"}, rt, ra), rowsOf([]string{"x", "cat"}, ct, ca), Options{})
	if x := byName(t, rep, "x"); x.Method != drift.MethodWasserstein || !x.Drift || x.PValue != nil {
		t.Errorf("x default = %+v", x)
	}
	if c := byName(t, rep, "cat"); c.Method != drift.MethodJS || !c.Drift {
		t.Errorf("cat default = %+v", c)
	}
}

func TestShareAndThreshold(t *testing.T) {
	rt, _ := sample(1, 300, 0)
	names := []string{"a", "b", "c", "d"}
	ct1, _ := sample(2, 300, 3) // drifts
	ct2, _ := sample(3, 300, 0)
	ref := rowsOf(names, rt, rt, rt, repeat(300, "NA"))
	cur := rowsOf(names, ct1, ct2, ct2, ct2)
	rep := compare(t, ref, cur, Options{})
	if rep.Tested != 3 || rep.Drifted != 1 || math.Abs(rep.DriftedShare-1.0/3) > 1e-12 {
		t.Errorf("tested %d drifted %d share %v", rep.Tested, rep.Drifted, rep.DriftedShare)
	}
	if !strings.Contains(rep.Text(), "1 of 3 tested columns drifted (33%)") {
		t.Errorf("text:\n%s", rep.Text())
	}
	// A threshold of 1 on the KS p-value calls everything drifted.
	ref = rowsOf(names[:3], rt, rt, rt)
	cur = rowsOf(names[:3], ct1, ct2, ct2)
	rep = compare(t, ref, cur, Options{Method: drift.MethodKS, Threshold: 1})
	if rep.Drifted != 3 || rep.DriftedShare != 1 || rep.Columns[0].Threshold != 1 {
		t.Errorf("threshold 1: %+v", rep)
	}
}

func TestWrite(t *testing.T) {
	p := 0.0123456
	rep := &Report{
		RefRows: 10, CurRows: 12,
		Added: []string{"n"}, Removed: []string{"o"},
		TypeChanged: []TypeChange{{Column: "b", From: table.KindInt, To: table.KindString}},
		Columns: []ColumnDrift{
			{Column: "amount", Type: TypeNumeric, Method: drift.MethodKS, Statistic: 0.5, PValue: &p, Threshold: 0.05, Drift: true},
			{Column: "b", Type: TypeCategorical, Method: drift.MethodChiSquare, Statistic: 3, PValue: &p, Threshold: 0.05, Drift: true,
				Unseen: []string{"w", "x", "y", "z"}},
			{Column: "w", Type: TypeNumeric, Method: drift.MethodWasserstein, Statistic: 0.01, Threshold: 0.1},
			{Column: "e", Type: TypeNumeric, Error: "no non-null values in the current table"},
		},
		Tested: 3, Drifted: 2, DriftedShare: 2.0 / 3,
	}
	want := `reference: 10 rows; current: 12 rows
added columns: n
removed columns: o
type changed: b int -> string
COLUMN  TYPE         METHOD       STATISTIC  P-VALUE  THRESHOLD  DRIFT
amount  numeric      ks           0.5        0.01235  0.05       DRIFT
b       categorical  chisquare    3          0.01235  0.05       DRIFT (4 unseen: "w", "x", "y", ...)
w       numeric      wasserstein  0.01       -        0.1        no
e       numeric      -                                           error: no non-null values in the current table
2 of 3 tested columns drifted (67%)
`
	if got := rep.Text(); got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}

// endless yields the same row forever.
type endless struct{ n int64 }

func (e *endless) Columns() []table.Column { return []table.Column{{Name: "a"}} }
func (e *endless) Next() (table.Record, error) {
	e.n++
	return table.Record{Fields: []string{"1"}, Line: e.n}, nil
}
func (e *endless) Close() error { return nil }

// broken fails after a few rows.
type broken struct{ n int64 }

func (b *broken) Columns() []table.Column { return []table.Column{{Name: "a"}} }
func (b *broken) Next() (table.Record, error) {
	b.n++
	if b.n > 3 {
		return table.Record{}, fmt.Errorf("cur.csv: line %d: %w", b.n+1, table.ErrMalformed)
	}
	return table.Record{Fields: []string{"1"}, Line: b.n + 1}, nil
}
func (b *broken) Close() error { return nil }

func TestContextCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Compare(ctx, &endless{}, &endless{}, Options{})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
}

func TestReadErrorStopsTheOtherSide(t *testing.T) {
	// The reference never ends: the current side's failure must stop it.
	_, err := Compare(context.Background(), &endless{}, &broken{}, Options{})
	if !errors.Is(err, table.ErrMalformed) || !strings.Contains(err.Error(), "cur.csv: line 5") {
		t.Fatalf("err = %v", err)
	}
}

func TestDeclaredNumeric(t *testing.T) {
	ref := &declared{Rows: rowsOf([]string{"a"}, []string{"1", "2", "3"})}
	cur := rowsOf([]string{"a"}, []string{"1", "2", "x"})
	rep := compare(t, ref, cur, Options{})
	if len(rep.TypeChanged) != 1 || rep.TypeChanged[0].From != table.KindFloat || rep.Columns[0].Type != TypeCategorical {
		t.Errorf("report = %+v", rep)
	}
}

// declared marks every column float, as a Parquet file would.
type declared struct{ *table.Rows }

func (d *declared) Columns() []table.Column {
	cols := append([]table.Column(nil), d.Rows.Columns()...)
	for i := range cols {
		cols[i].Declared = table.KindFloat
	}
	return cols
}

func TestTimestampsNotTested(t *testing.T) {
	ref := rowsOf([]string{"ts", "huge"}, []string{"2024-01-01", "2024-01-02"}, []string{"1e308", "-1e308"})
	cur := rowsOf([]string{"ts", "huge"}, []string{"2024-02-01", "2024-02-02T10:00:00Z"}, []string{"1.5e308", "-1.7e308"})
	rep := compare(t, ref, cur, Options{Method: drift.MethodWasserstein})
	if ts := byName(t, rep, "ts"); ts.Type != TypeTimestamp || ts.Error == "" || ts.Drift {
		t.Errorf("ts = %+v", ts)
	}
	if h := byName(t, rep, "huge"); !strings.Contains(h.Error, "not finite") {
		t.Errorf("huge = %+v", h)
	}
	if _, err := json.Marshal(rep); err != nil {
		t.Fatalf("report does not encode: %v", err)
	}
}
