package validate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/lathe-ml/lathe/monitor/table"
)

func mustRules(t *testing.T, src string) *Rules {
	t.Helper()
	r, err := ParseRules("r.toml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// column returns a one-column reader; rows start at line 2.
func column(name string, values ...string) table.Reader {
	rows := make([][]string, len(values))
	for i, v := range values {
		rows[i] = []string{v}
	}
	return table.FromRows([]string{name}, rows, nil)
}

func run(t *testing.T, r table.Reader, rules string) *Report {
	t.Helper()
	rep, err := Validate(context.Background(), r, mustRules(t, rules), Options{})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func TestColumnRules(t *testing.T) {
	for _, tc := range []struct {
		name   string
		rules  string
		values []string
		// want is the one failure expected: rule, count, message and
		// the lines of its examples; empty rule means a pass.
		rule    string
		count   int64
		message string
		lines   []int64
	}{
		{name: "type float pass", rules: `type = "float"`, values: []string{"1", "2.5", "-3e2", "NA", ""}},
		{name: "type float fail", rules: `type = "float"`, values: []string{"1", "x", "2", "true"},
			rule: "type", count: 2, message: "2 values not of type float", lines: []int64{3, 5}},
		{name: "type int fail", rules: `type = "int"`, values: []string{"1", "1.5"},
			rule: "type", count: 1, message: "1 value not of type int", lines: []int64{3}},
		{name: "type bool", rules: `type = "bool"`, values: []string{"true", "False", "1"},
			rule: "type", count: 1, lines: []int64{4}},
		{name: "type timestamp", rules: `type = "timestamp"`, values: []string{"2024-01-02", "2024-01-02T03:04:05Z", "soon"},
			rule: "type", count: 1, lines: []int64{4}},
		{name: "type string accepts all", rules: `type = "string"`, values: []string{"1", "x", "true"}},
		{name: "type categorical accepts all", rules: `type = "categorical"`, values: []string{"1", "x"}},
		{name: "not_null pass", rules: `not_null = true`, values: []string{"a", "0"}},
		{name: "not_null fail", rules: `not_null = true`, values: []string{"a", "", "NA", "N/A", "null", "b", "None"},
			rule: "not_null", count: 5, message: "5 values null", lines: []int64{3, 4, 5, 6, 8}},
		{name: "min pass", rules: `min = 0`, values: []string{"0", "1", "NA", "text"}},
		{name: "min fail", rules: `min = 0`, values: []string{"1", "-1", "-0.5"},
			rule: "min", count: 2, message: "2 values below min 0", lines: []int64{3, 4}},
		{name: "max fail", rules: `max = 2.5`, values: []string{"2.5", "2.6", "inf"},
			rule: "max", count: 2, message: "2 values above max 2.5", lines: []int64{3, 4}},
		{name: "allowed pass", rules: `allowed = ["a", "b"]`, values: []string{"a", "b", "NA"}},
		{name: "allowed fail", rules: `allowed = ["a", "b"]`, values: []string{"a", "c", "A"},
			rule: "allowed", count: 2, message: "2 values not in the allowed list", lines: []int64{3, 4}},
		{name: "regex pass", rules: `regex = '^C[0-9]+$'`, values: []string{"C1", "C22", ""}},
		{name: "regex fail", rules: `regex = '^C[0-9]+$'`, values: []string{"C1", "c2", "C3x"},
			rule: "regex", count: 2, lines: []int64{3, 4}},
		{name: "unique pass", rules: `unique = true`, values: []string{"a", "b", "NA", "NA"}},
		{name: "unique fail", rules: `unique = true`, values: []string{"a", "b", "a", "a", "b"},
			rule: "unique", count: 3, message: "3 values repeating an earlier value", lines: []int64{4, 5, 6}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep := run(t, column("c", tc.values...), "[columns.c]\n"+tc.rules+"\n")
			if rep.Rows != int64(len(tc.values)) {
				t.Errorf("rows = %d", rep.Rows)
			}
			if tc.rule == "" {
				if !rep.Passed || len(rep.Failures) != 0 {
					t.Fatalf("want pass, got %+v", rep.Failures)
				}
				return
			}
			if rep.Passed || len(rep.Failures) != 1 {
				t.Fatalf("want one failure, got %+v", rep.Failures)
			}
			f := rep.Failures[0]
			if f.Rule != "columns.c."+tc.rule || f.Column != "c" || f.Count != tc.count {
				t.Errorf("failure = %+v", f)
			}
			if tc.message != "" && f.Message != tc.message {
				t.Errorf("message = %q, want %q", f.Message, tc.message)
			}
			var lines []int64
			for _, e := range f.Examples {
				lines = append(lines, e.Line)
			}
			if fmt.Sprint(lines) != fmt.Sprint(tc.lines) {
				t.Errorf("example lines = %v, want %v", lines, tc.lines)
			}
		})
	}
}

func TestExamplesCapped(t *testing.T) {
	vals := make([]string, 20)
	for i := range vals {
		vals[i] = "-1"
	}
	rep := run(t, column("c", vals...), "[columns.c]\nmin = 0\n")
	f := rep.Failures[0]
	if f.Count != 20 || len(f.Examples) != DefaultMaxExamples || f.Examples[0].Line != 2 || f.Examples[0].Value != "-1" {
		t.Errorf("failure = %+v", f)
	}
	rep, err := Validate(context.Background(), column("c", vals...), mustRules(t, "[columns.c]\nmin = 0\n"), Options{MaxExamples: -1})
	if err != nil || len(rep.Failures[0].Examples) != 0 {
		t.Errorf("MaxExamples -1: %+v, %v", rep, err)
	}
}

func TestReaderNullMask(t *testing.T) {
	r := table.FromRows([]string{"a"}, [][]string{{""}, {"x"}}, [][]bool{{true}, nil})
	rep := run(t, r, "[columns.a]\nnot_null = true\ntype = \"int\"\n")
	if len(rep.Failures) != 2 || rep.Failures[0].Rule != "columns.a.type" || rep.Failures[1].Rule != "columns.a.not_null" {
		t.Fatalf("failures = %+v", rep.Failures)
	}
	if rep.Failures[1].Examples[0].Line != 2 || rep.Failures[0].Examples[0].Line != 3 {
		t.Errorf("examples = %+v", rep.Failures)
	}
}

func TestDatasetRules(t *testing.T) {
	rows := table.FromRows([]string{"a", "b"}, [][]string{{"1", "x"}, {"2", "y"}}, nil)
	rep := run(t, rows, "[dataset]\nmin_rows = 3\nrequired_columns = [\"a\", \"z\"]\n[columns.q]\nunique = true\n")
	var got []string
	for _, f := range rep.Failures {
		got = append(got, f.Rule+"|"+f.Column+"|"+f.Message)
	}
	want := []string{
		"dataset.min_rows||2 rows, fewer than min_rows 3",
		"dataset.required_columns|z|required column is missing",
		"columns.q|q|column has rules but is not in the file",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("failures:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	rows = table.FromRows([]string{"a"}, [][]string{{"1"}}, nil)
	rep = run(t, rows, "[dataset]\nrequired_columns = [\"z\", \"z\"]\n[columns.z]\nnot_null = true\n")
	if len(rep.Failures) != 1 || rep.Failures[0].Rule != "dataset.required_columns" {
		t.Errorf("a missing required column with rules is one failure: %+v", rep.Failures)
	}
	rows = table.FromRows([]string{"a"}, [][]string{{"1"}, {"2"}}, nil)
	rep = run(t, rows, "[dataset]\nmax_rows = 1\n")
	if len(rep.Failures) != 1 || rep.Failures[0].Message != "2 rows, more than max_rows 1" {
		t.Errorf("max_rows: %+v", rep.Failures)
	}
	rows = table.FromRows([]string{"a"}, [][]string{{"1"}, {"2"}}, nil)
	rep = run(t, rows, "[dataset]\nmin_rows = 2\nmax_rows = 2\nrequired_columns = [\"a\"]\n")
	if !rep.Passed {
		t.Errorf("bounds are inclusive: %+v", rep.Failures)
	}
}

func TestExampleFile(t *testing.T) {
	rules, err := LoadRules("../../testdata/validate/rules.toml")
	if err != nil {
		t.Fatal(err)
	}
	r := table.FromRows([]string{"customer_id", "amount", "segment"}, [][]string{
		{"C1", "10.5", "new"},
		{"C2", "-3", "loyal"},
		{"C2", "20", "lapsed"},
		{"X9", "NA", "vip"},
		{"C5", "abc", "new"},
	}, nil)
	rep, err := Validate(context.Background(), r, rules, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := `FAIL  5 rows, 6 failures
  columns.customer_id.regex   customer_id  1 value not matching "^C[0-9]+$"
    line 5                                 "X9"
  columns.customer_id.unique  customer_id  1 value repeating an earlier value
    line 4                                 "C2"
  columns.amount.type         amount       1 value not of type float
    line 6                                 "abc"
  columns.amount.not_null     amount       1 value null
    line 5                                 "NA"
  columns.amount.min          amount       1 value below min 0
    line 3                                 "-3"
  columns.segment.allowed     segment      1 value not in the allowed list
    line 5                                 "vip"
`
	if got := rep.Text(); got != want {
		t.Errorf("text:\n%s\nwant:\n%s", got, want)
	}
	b, err := json.Marshal(rep.Failures[0])
	if err != nil {
		t.Fatal(err)
	}
	if w := `{"rule":"columns.customer_id.regex","column":"customer_id","message":"1 value not matching \"^C[0-9]+$\"","count":1,"examples":[{"line":5,"value":"X9"}]}`; string(b) != w {
		t.Errorf("json = %s\nwant   %s", b, w)
	}
}

func TestPassJSONAndText(t *testing.T) {
	rep := run(t, column("c", "1"), "[columns.c]\ntype = \"int\"\n")
	b, _ := json.Marshal(rep)
	if string(b) != `{"passed":true,"rows":1,"failures":[]}` {
		t.Errorf("json = %s", b)
	}
	if rep.Text() != "PASS  1 rows, 0 failures\n" {
		t.Errorf("text = %q", rep.Text())
	}
}

func TestExampleWithFile(t *testing.T) {
	rep := &Report{Failures: []Failure{{Rule: "columns.a.min", Column: "a", Message: "1 value below min 0", Count: 1,
		Examples: []Example{{File: "d.csv", Line: 7, Value: "-1"}}}}}
	if !strings.Contains(rep.Text(), "d.csv:7") {
		t.Errorf("text = %q", rep.Text())
	}
}

func TestUniqueLimit(t *testing.T) {
	_, err := Validate(context.Background(), column("c", "a", "b", "c"), mustRules(t, "[columns.c]\nunique = true\n"), Options{MaxUnique: 2})
	if !errors.Is(err, ErrUniqueLimit) || !strings.Contains(err.Error(), "columns.c.unique") {
		t.Fatalf("err = %v", err)
	}
}

func TestInvalidBuiltRules(t *testing.T) {
	_, err := Validate(context.Background(), column("c", "a"), &Rules{Columns: []ColumnRules{{Name: "c", Regex: "("}}}, Options{})
	if !errors.Is(err, ErrRules) {
		t.Fatalf("err = %v", err)
	}
}

// endless yields the same row forever.
type endless struct{ n int }

func (e *endless) Columns() []table.Column { return []table.Column{{Name: "a"}} }
func (e *endless) Next() (table.Record, error) {
	e.n++
	return table.Record{Fields: []string{"1"}, Line: int64(e.n)}, nil
}
func (e *endless) Close() error { return nil }

func TestContextCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Validate(ctx, &endless{}, mustRules(t, "[columns.a]\nmin = 0\n"), Options{})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
}

// broken fails on its second row.
type broken struct{ n int }

func (b *broken) Columns() []table.Column { return []table.Column{{Name: "a"}} }
func (b *broken) Next() (table.Record, error) {
	b.n++
	if b.n > 1 {
		return table.Record{}, fmt.Errorf("d.csv: line 3: %w", table.ErrMalformed)
	}
	return table.Record{Fields: []string{"1"}, Line: 2}, nil
}
func (b *broken) Close() error { return nil }

func TestReadError(t *testing.T) {
	_, err := Validate(context.Background(), &broken{}, mustRules(t, ""), Options{})
	if !errors.Is(err, table.ErrMalformed) || !strings.Contains(err.Error(), "d.csv: line 3") {
		t.Fatalf("err = %v", err)
	}
	if errors.Is(err, io.EOF) {
		t.Fatal("EOF leaked")
	}
}

func TestShortRecord(t *testing.T) {
	r := table.FromRows([]string{"a", "b"}, [][]string{{"1"}}, nil)
	rep := run(t, r, "[columns.b]\nnot_null = true\n")
	if len(rep.Failures) != 1 || rep.Failures[0].Rule != "columns.b.not_null" {
		t.Errorf("failures = %+v", rep.Failures)
	}
}

// A Checker read by another consumer reports what Validate reports, and
// passes every row through unchanged.
func TestCheckerPassesRowsThrough(t *testing.T) {
	const rules = "[columns.a]\nmin = 0\nnot_null = true\n"
	want := run(t, column("a", "1", "-2", "", "4"), rules)
	c, err := NewChecker(column("a", "1", "-2", "", "4"), mustRules(t, rules), Options{})
	if err != nil {
		t.Fatal(err)
	}
	var seen []string
	for {
		rec, err := c.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		seen = append(seen, rec.Fields[0])
	}
	if strings.Join(seen, ",") != "1,-2,,4" {
		t.Errorf("rows through the checker: %q", seen)
	}
	got, _ := json.Marshal(c.Report())
	exp, _ := json.Marshal(want)
	if string(got) != string(exp) || want.Passed {
		t.Errorf("checker report %s, Validate's %s", got, exp)
	}
	if _, err := NewChecker(column("a"), &Rules{Columns: []ColumnRules{{Name: "a", Regex: "("}}}, Options{}); !errors.Is(err, ErrRules) {
		t.Errorf("bad rules: %v", err)
	}
}
