package profile

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/lathe-ml/lathe/monitor/table"
)

type vectors struct {
	Levels []float64 `json:"levels"`
	Bins   int       `json:"bins"`
	Cases  []struct {
		Name    string        `json:"name"`
		Columns []string      `json:"columns"`
		Rows    [][]string    `json:"rows"`
		Expect  []expectation `json:"expect"`
	} `json:"cases"`
}

func loadVectors(t testing.TB) *vectors {
	t.Helper()
	b, err := os.ReadFile("../../testdata/profile/vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var v vectors
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	return &v
}

func pf(t testing.TB, s string) float64 {
	t.Helper()
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// near reports a and b equal to 1e-9 relative (NaNs and infinities must
// match exactly).
func near(a, b float64) bool {
	if math.IsNaN(a) || math.IsNaN(b) {
		return math.IsNaN(a) && math.IsNaN(b)
	}
	if math.IsInf(a, 0) || math.IsInf(b, 0) {
		return a == b
	}
	return math.Abs(a-b) <= 1e-9*math.Max(math.Max(math.Abs(a), math.Abs(b)), 1e-300)
}

func numOf(n *Num) float64 {
	if n == nil {
		return math.NaN()
	}
	return float64(*n)
}

func quantilesOf(c Column) []float64 {
	return []float64{numOf(c.P1), numOf(c.P5), numOf(c.P25), numOf(c.P50), numOf(c.P75), numOf(c.P95), numOf(c.P99)}
}

func profileRows(t testing.TB, names []string, rows [][]string, opt Options) *Result {
	t.Helper()
	res, err := Profile(context.Background(), table.FromRows(names, rows, nil), opt)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestVectors(t *testing.T) {
	v := loadVectors(t)
	if !slices.Equal(v.Levels, quantileLevels()) || v.Bins != DefaultHistogramBins {
		t.Fatalf("vectors made for levels %v bins %d", v.Levels, v.Bins)
	}
	// The default options take numeric quantiles from the distinct-value
	// table; DistinctExact 1 makes them come from the kept values.
	for _, opt := range []Options{{}, {DistinctExact: 1}} {
		for _, tc := range v.Cases {
			t.Run(fmt.Sprintf("%s/distinct%d", tc.Name, opt.DistinctExact), func(t *testing.T) {
				vectorCase(t, tc.Columns, tc.Rows, tc.Expect, opt)
			})
		}
	}
}

type expectation = struct {
	Name       string     `json:"name"`
	Dtype      string     `json:"dtype"`
	Count      int64      `json:"count"`
	Nulls      int64      `json:"nulls"`
	Distinct   int64      `json:"distinct"`
	Min        string     `json:"min"`
	Max        string     `json:"max"`
	Mean       string     `json:"mean"`
	Std        string     `json:"std"`
	Quantiles  []string   `json:"quantiles"`
	HistEdges  []string   `json:"hist_edges"`
	HistCounts []int64    `json:"hist_counts"`
	Top        [][]string `json:"top"`
}

func vectorCase(t *testing.T, names []string, rows [][]string, expect []expectation, opt Options) {
	exactDistinct := opt.DistinctExact == 0
	res := profileRows(t, names, rows, opt)
	if res.Rows != int64(len(rows)) || !res.Exact {
		t.Fatalf("rows %d exact %v", res.Rows, res.Exact)
	}
	for i, e := range expect {
		c := res.Columns[i]
		if exactDistinct {
			checkType(t, c, e.Dtype, e.Count)
		}
		if c.Count != e.Count || c.Nulls != e.Nulls || exactDistinct && (c.Distinct != e.Distinct || !c.DistinctExact) {
			t.Errorf("%s: count %d nulls %d distinct %d (exact %v), want %d %d %d",
				e.Name, c.Count, c.Nulls, c.Distinct, c.DistinctExact, e.Count, e.Nulls, e.Distinct)
		}
		if e.Quantiles != nil {
			checkNumeric(t, c, e.Name, e.Min, e.Max, e.Mean, e.Std, e.Quantiles)
			checkHist(t, c, e.HistEdges, e.HistCounts)
		}
		if e.Top != nil && exactDistinct {
			if len(c.Top) != len(e.Top) {
				t.Fatalf("%s: top %v, want %v", e.Name, c.Top, e.Top)
			}
			for j, kv := range e.Top {
				if !strings.EqualFold(c.Top[j].Value, kv[0]) || strconv.FormatInt(c.Top[j].Count, 10) != kv[1] {
					t.Errorf("%s: top[%d] = %v, want %v", e.Name, j, c.Top[j], kv)
				}
			}
		}
	}
	if _, err := json.Marshal(res); err != nil {
		t.Fatal(err)
	}
}

func checkType(t *testing.T, c Column, dtype string, count int64) {
	t.Helper()
	ok := false
	switch dtype {
	case "int64":
		ok = c.Type == table.KindInt
	case "float64":
		// pandas makes an int column with NAs float; we keep int.
		ok = c.Type == table.KindFloat || c.Type == table.KindInt || (count == 0 && c.Type == table.KindUnknown)
	case "bool":
		ok = c.Type == table.KindBool
	case "object":
		ok = c.Type == table.KindString || c.Type == table.KindCategorical
	}
	if !ok {
		t.Errorf("%s: type %q, pandas dtype %s", c.Name, c.Type, dtype)
	}
}

func checkNumeric(t *testing.T, c Column, name, min, max, mean, std string, qs []string) {
	t.Helper()
	if c.Min == nil || !near(float64(c.Min.Num), pf(t, min)) || !near(float64(c.Max.Num), pf(t, max)) {
		t.Errorf("%s: min %v max %v, want %s %s", name, c.Min, c.Max, min, max)
	}
	if !near(numOf(c.Mean), pf(t, mean)) {
		t.Errorf("%s: mean %v, want %s", name, numOf(c.Mean), mean)
	}
	if std != "" && !near(numOf(c.Std), pf(t, std)) {
		t.Errorf("%s: std %v, want %s", name, numOf(c.Std), std)
	}
	got := quantilesOf(c)
	for i, q := range qs {
		if !near(got[i], pf(t, q)) {
			t.Errorf("%s: quantile %d = %v, want %s", name, i, got[i], q)
		}
	}
}

func checkHist(t *testing.T, c Column, edges []string, counts []int64) {
	t.Helper()
	if c.Histogram == nil || len(c.Histogram.Edges) != len(edges) {
		t.Fatalf("%s: histogram %+v, want edges %v", c.Name, c.Histogram, edges)
	}
	for i, e := range edges {
		if !near(c.Histogram.Edges[i], pf(t, e)) {
			t.Errorf("%s: edge %d = %v, want %s", c.Name, i, c.Histogram.Edges[i], e)
		}
	}
	if !slices.Equal(c.Histogram.Counts, counts) {
		t.Errorf("%s: counts %v, want %v", c.Name, c.Histogram.Counts, counts)
	}
}

func largeCase(t testing.TB) ([]string, [][]string) {
	for _, c := range loadVectors(t).Cases {
		if c.Name == "large" {
			return c.Columns, c.Rows
		}
	}
	t.Fatal("no large case")
	return nil, nil
}

// TestSketchPath forces every value into the sketch and checks each
// quantile against the documented bound: within 0.5% (relative) of the
// order statistics around the interpolation point.
func TestSketchPath(t *testing.T) {
	names, rows := largeCase(t)
	res := profileRows(t, names, rows, Options{MemoryBudget: 1, DistinctExact: 5})
	if res.Exact {
		t.Fatal("Exact with a 1-byte budget")
	}
	for ci, c := range res.Columns {
		if c.QuantilesExact == nil || *c.QuantilesExact || c.Histogram == nil || c.Histogram.Exact {
			t.Fatalf("%s: quantiles or histogram marked exact", c.Name)
		}
		xs := make([]float64, len(rows))
		for i, r := range rows {
			xs[i] = pf(t, r[ci])
		}
		slices.Sort(xs)
		for i, q := range quantileLevels() {
			r := q * float64(len(xs)-1)
			lo, hi := xs[int(math.Floor(r))], xs[int(math.Ceil(r))]
			got := quantilesOf(c)[i]
			if got < lo-sketchAccuracy*math.Abs(lo)-1e-12 || got > hi+sketchAccuracy*math.Abs(hi)+1e-12 {
				t.Errorf("%s q%v: %v outside [%v, %v] ± %v", c.Name, q, got, lo, hi, sketchAccuracy)
			}
		}
		var total int64
		for _, n := range c.Histogram.Counts {
			total += n
		}
		if total != c.Count {
			t.Errorf("%s: histogram holds %d of %d values", c.Name, total, c.Count)
		}
	}
}

// TestBudgetCrossedMidFile checks that the result does not depend on
// where the budget was crossed: all columns end in the sketch.
func TestBudgetCrossedMidFile(t *testing.T) {
	names, rows := largeCase(t)
	a := profileRows(t, names, rows, Options{MemoryBudget: 8 * 7000, DistinctExact: 5})
	b := profileRows(t, names, rows, Options{MemoryBudget: 1, DistinctExact: 5})
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	if string(ja) != string(jb) {
		t.Errorf("mid-file spill differs from full sketch:\n%s\n%s", ja, jb)
	}
	exact := profileRows(t, names, rows, Options{MemoryBudget: 8 * 15000})
	if !exact.Exact {
		t.Error("15000 values did not fit a budget of 15000 values")
	}
}

// TestFewDistinctStayExact: under a budget too small for the values, a
// column whose distinct values are still counted exactly gets its exact
// quantiles and histogram from the count table.
func TestFewDistinctStayExact(t *testing.T) {
	v := loadVectors(t)
	for _, tc := range v.Cases {
		res := profileRows(t, tc.Columns, tc.Rows, Options{MemoryBudget: 1})
		for i, e := range tc.Expect {
			c := res.Columns[i]
			if e.Quantiles == nil {
				continue
			}
			if c.QuantilesExact == nil || !*c.QuantilesExact {
				t.Errorf("%s/%s: quantiles not exact", tc.Name, e.Name)
				continue
			}
			checkNumeric(t, c, e.Name, e.Min, e.Max, e.Mean, e.Std, e.Quantiles)
			checkHist(t, c, e.HistEdges, e.HistCounts)
		}
	}
}

func TestDistinctEstimate(t *testing.T) {
	names, rows := largeCase(t)
	res := profileRows(t, names, rows, Options{DistinctExact: 100})
	for _, c := range res.Columns[:2] {
		if c.DistinctExact {
			t.Fatalf("%s: distinct exact past DistinctExact", c.Name)
		}
		if math.Abs(float64(c.Distinct)-5000)/5000 > 0.03 {
			t.Errorf("%s: distinct estimate %d, want about 5000", c.Name, c.Distinct)
		}
	}
	if c := res.Columns[2]; !c.DistinctExact || c.Distinct != 10 {
		t.Errorf("small: distinct %d exact %v", c.Distinct, c.DistinctExact)
	}
}

func TestTopSpaceSaving(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var rows [][]string
	for i := range 20000 {
		v := "rare" + strconv.Itoa(i)
		if i%4 != 0 {
			v = "hot" + strconv.Itoa(rng.IntN(3))
		}
		rows = append(rows, []string{v})
	}
	res := profileRows(t, []string{"s"}, rows, Options{DistinctExact: 50, TopK: 3})
	c := res.Columns[0]
	if c.TopExact == nil || *c.TopExact || c.DistinctExact {
		t.Fatalf("top or distinct exact: %+v", c)
	}
	exact := map[string]int64{}
	for _, r := range rows {
		exact[r[0]]++
	}
	if len(c.Top) != 3 {
		t.Fatalf("top %v", c.Top)
	}
	for _, tv := range c.Top {
		if !strings.HasPrefix(tv.Value, "hot") || tv.Count < exact[tv.Value] || tv.Count > exact[tv.Value]+c.TopError {
			t.Errorf("top %v: true count %d, error bound %d", tv, exact[tv.Value], c.TopError)
		}
	}
	if c.TopError > int64(len(rows)/spaceSavingSize(3)) {
		t.Errorf("error bound %d above n/m", c.TopError)
	}
}

func TestMixedTypes(t *testing.T) {
	rows := [][]string{{"1"}, {"2"}, {"abc"}, {"4"}, {"x"}, {"2.5"}}
	res := profileRows(t, []string{"age"}, rows, Options{})
	c := res.Columns[0]
	if c.Type != table.KindString && c.Type != table.KindCategorical {
		t.Fatalf("type %q", c.Type)
	}
	if len(res.Warnings) != 1 {
		t.Fatalf("warnings %v", res.Warnings)
	}
	w := res.Warnings[0]
	for _, want := range []string{`"age"`, "2 of 6", "float", "line 4,", `"abc"`} {
		if !strings.Contains(w, want) {
			t.Errorf("warning %q lacks %q", w, want)
		}
	}
	if c.Distinct != 6 || c.Mean != nil || len(c.Top) != 6 {
		t.Errorf("distinct %d mean %v top %v", c.Distinct, c.Mean, c.Top)
	}
}

func TestNullsAndNA(t *testing.T) {
	rows := [][]string{{"NA", "a"}, {"null", "b"}, {"", "c"}, {"1", "d"}, {"nan", "e"}, {"NAN", "f"}, {"N/A", "g"}}
	nulls := [][]bool{nil, nil, nil, nil, nil, nil, {false, true}}
	res, err := Profile(context.Background(), table.FromRows([]string{"x", "y"}, rows, nulls), Options{})
	if err != nil {
		t.Fatal(err)
	}
	x, y := res.Columns[0], res.Columns[1]
	if x.Count != 1 || x.Nulls != 6 || x.Type != table.KindInt {
		t.Errorf("x: %+v", x)
	}
	if y.Count != 6 || y.Nulls != 1 {
		t.Errorf("y: count %d nulls %d", y.Count, y.Nulls)
	}
	if y.Type != table.KindString {
		t.Errorf("six unique names should stay string, got %q", y.Type)
	}
}

func TestCategoricalAndTimestamp(t *testing.T) {
	var rows [][]string
	for i := range 100 {
		rows = append(rows, []string{[]string{"a", "b", "c"}[i%3], "2026-01-" + strconv.Itoa(10+i%20) + "T00:00:00Z", []string{"true", "False"}[i%2]})
	}
	res := profileRows(t, []string{"cat", "ts", "b"}, rows, Options{})
	cat, ts, b := res.Columns[0], res.Columns[1], res.Columns[2]
	if cat.Type != table.KindCategorical || cat.Distinct != 3 || cat.Top[0] != (TopValue{"a", 34}) {
		t.Errorf("cat: %+v", cat)
	}
	if ts.Type != table.KindTimestamp || ts.Min.Text != "2026-01-10T00:00:00Z" || ts.Max.Text != "2026-01-29T00:00:00Z" || ts.Mean != nil {
		t.Errorf("ts: %+v min %v max %v", ts, ts.Min, ts.Max)
	}
	if b.Type != table.KindBool || b.Distinct != 2 || len(b.Top) != 2 {
		t.Errorf("bool: %+v", b)
	}
}

func TestJSONNames(t *testing.T) {
	rows := [][]string{{"1", "a"}, {"inf", "a"}, {"3", "b"}}
	res := profileRows(t, []string{"n", "s"}, rows, Options{})
	b, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Columns []map[string]json.RawMessage `json:"columns"`
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"name", "type", "count", "nulls", "distinct", "distinct_exact", "min", "max", "mean", "std", "p1", "p5", "p25", "p50", "p75", "p95", "p99", "histogram", "quantiles_exact", "infinite"} {
		if _, ok := m.Columns[0][k]; !ok {
			t.Errorf("numeric column lacks %q in %s", k, b)
		}
	}
	if string(m.Columns[0]["mean"]) != `"inf"` || string(m.Columns[0]["std"]) != "null" {
		t.Errorf("mean %s std %s", m.Columns[0]["mean"], m.Columns[0]["std"])
	}
	for _, k := range []string{"top", "top_exact"} {
		if _, ok := m.Columns[1][k]; !ok {
			t.Errorf("string column lacks %q", k)
		}
	}
	if _, ok := m.Columns[1]["mean"]; ok {
		t.Error("string column has a mean")
	}
	var back Result
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !math.IsInf(float64(back.Columns[0].Max.Num), 1) {
		t.Errorf("max read back as %v", back.Columns[0].Max)
	}
}

func TestCancel(t *testing.T) {
	names, rows := largeCase(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Profile(ctx, table.FromRows(names, rows, nil), Options{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v", err)
	}
	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	calls := 0
	_, err := Profile(ctx, table.FromRows(names, rows, nil), Options{Progress: func(int64) { calls++; cancel() }})
	if !errors.Is(err, context.Canceled) || calls != 1 {
		t.Fatalf("err %v after %d progress calls", err, calls)
	}
}

type failReader struct{ table.Reader }

func (failReader) Next() (table.Record, error) { return table.Record{}, errBoom }

var errBoom = errors.New("data.csv: line 3: boom")

func TestReaderError(t *testing.T) {
	_, err := Profile(context.Background(), failReader{table.FromRows([]string{"a"}, nil, nil)}, Options{})
	if !errors.Is(err, errBoom) {
		t.Fatalf("err %v", err)
	}
}

func TestExactQuantiles(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	gens := map[string]func(n int) float64{
		"dups":     func(n int) float64 { return float64(rng.IntN(n/3+1)) - float64(n/6) },
		"const":    func(int) float64 { return -2.5 },
		"constpos": func(int) float64 { return 7 },
		"mixed": func(int) float64 {
			switch rng.IntN(50) {
			case 0:
				return math.Inf(1)
			case 1:
				return math.Inf(-1)
			case 2:
				return math.Copysign(0, -1)
			}
			return rng.NormFloat64() * 1e6
		},
	}
	for name, gen := range gens {
		for _, n := range []int{1, 2, 25, 1000, collectMax + 1, chunkLen + 777, 3 * chunkLen} {
			var v values
			xs := make([]float64, n)
			for i := range xs {
				xs[i] = gen(n)
				if err := v.push(xs[i]); err != nil {
					t.Fatal(err)
				}
			}
			slices.Sort(xs)
			got := v.exactQuantiles(quantileLevels())
			for i, q := range quantileLevels() {
				lo, hi, gamma := quantilePos(n, q)
				if want := lerp(xs[lo], xs[hi], gamma); !near(got[i], want) {
					t.Errorf("%s n=%d q=%v: %v, want %v", name, n, q, got[i], want)
				}
			}
			v.free()
		}
	}
}

// FuzzProfile runs lines of comma-separated fields through the profile:
// it must not fail, must count every field once, and must encode.
func FuzzProfile(f *testing.F) {
	f.Add("1,a,2026-01-01\n2.5,NA,x\ninf,,true\n-inf,b,1e400\nnan,c,-0")
	f.Add("1,1,1\n1,1,1")
	f.Fuzz(func(t *testing.T, s string) {
		var rows [][]string
		for _, line := range strings.Split(s, "\n") {
			fs := strings.SplitN(line, ",", 3)
			for len(fs) < 3 {
				fs = append(fs, "")
			}
			rows = append(rows, fs)
		}
		for _, opt := range []Options{{}, {MemoryBudget: 1, DistinctExact: 1, TopK: 1}} {
			res := profileRows(t, []string{"a", "b", "c"}, rows, opt)
			for _, c := range res.Columns {
				if c.Count+c.Nulls != int64(len(rows)) {
					t.Fatalf("%s: %d + %d != %d", c.Name, c.Count, c.Nulls, len(rows))
				}
			}
			if _, err := json.Marshal(res); err != nil {
				t.Fatal(err)
			}
		}
	})
}

// TestFastNumber checks the fast path against strconv and table.Infer.
func TestFastNumber(t *testing.T) {
	for _, s := range []string{"0", "-0", "12", "-12", "1.5", "-0.0", "0.1", ".5", "5.", "-.5", "123456789012345", "1234567890123456",
		"0.000000000000001", "0.0000000000000001", "99999.99", "-", ".", "", "1.2.3", "1e5", "+1", "00012.50", "-0.", "9007199254740993"} {
		f, isInt, ok := fastNumber(s)
		if !ok {
			continue
		}
		want, err := strconv.ParseFloat(s, 64)
		if err != nil || math.Float64bits(f) != math.Float64bits(want) && !(isInt && f == 0 && want == 0) {
			t.Errorf("fastNumber(%q) = %v, ParseFloat %v %v", s, f, want, err)
		}
		k := table.Infer(s)
		if (isInt && k != table.KindInt) || (!isInt && k != table.KindFloat) {
			t.Errorf("fastNumber(%q) isInt %v, Infer %v", s, isInt, k)
		}
	}
}

// TestTimestampOrder: min and max compare instants, not texts.
func TestTimestampOrder(t *testing.T) {
	rows := [][]string{{"2024-01-01T00:00:00.5Z"}, {"2024-01-01T00:00:00Z"}, {"2024-01-01T01:30:00+02:00"}, {"2024-01-01T00:00:00.25Z"}}
	for _, opt := range []Options{{}, {DistinctExact: 1}} {
		c := profileRows(t, []string{"t"}, rows, opt).Columns[0]
		if c.Type != table.KindTimestamp || c.Min.Text != "2024-01-01T01:30:00+02:00" || c.Max.Text != "2024-01-01T00:00:00.5Z" {
			t.Errorf("min %v max %v", c.Min, c.Max)
		}
	}
}
