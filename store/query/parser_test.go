package query

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// stripPos zeroes every position so that trees parsed from different texts
// compare by meaning.
func stripPos(e Expr) Expr {
	switch e := e.(type) {
	case And:
		return And{L: stripPos(e.L), R: stripPos(e.R)}
	case Or:
		return Or{L: stripPos(e.L), R: stripPos(e.R)}
	case Not:
		return Not{X: stripPos(e.X)}
	case Compare:
		e.Key.Pos, e.OpPos, e.Value.Pos = 0, 0, 0
		return e
	case In:
		e.Key.Pos, e.OpPos = 0, 0
		vals := make([]Value, len(e.Values))
		for i, v := range e.Values {
			v.Pos = 0
			vals[i] = v
		}
		e.Values = vals
		return e
	case IsNull:
		e.Key.Pos, e.OpPos = 0, 0
		return e
	}
	return e
}

func TestParseValid(t *testing.T) {
	tests := []struct{ in, want string }{
		// MLflow's documented examples.
		{"metrics.rmse < 0.8 and params.model = 'mf' and tags.team != 'x' and attributes.status = 'FINISHED'",
			"metrics.rmse < 0.8 AND params.model = 'mf' AND tags.team != 'x' AND attributes.status = 'FINISHED'"},
		{"metrics.accuracy > 0.92", "metrics.accuracy > 0.92"},
		{"metrics.accuracy > 0.92 AND metrics.`f1 score` >= 0.9", "metrics.accuracy > 0.92 AND metrics.`f1 score` >= 0.9"},
		{"params.model = 'CNN'", "params.model = 'CNN'"},
		{`params.model = "CNN"`, "params.model = 'CNN'"},
		{"tags.`mlflow.source.type` LIKE 'LOC%'", "tags.mlflow.source.type LIKE 'LOC%'"},
		{"tags.mlflow.source.type = 'LOCAL'", "tags.mlflow.source.type = 'LOCAL'"},
		{`tags."mlflow.runName" = 'fluffy-cat'`, "tags.mlflow.runName = 'fluffy-cat'"},
		{"attributes.run_id IN ('a','b')", "attributes.run_id IN ('a', 'b')"},
		{"attributes.run_id NOT IN ('a')", "attributes.run_id NOT IN ('a')"},
		{"attributes.run_name ILIKE '%cat%'", "attributes.run_name ILIKE '%cat%'"},
		{"attributes.start_time >= 1700000000000", "attributes.start_time >= 1.7e+12"},
		{"attributes.created > 5", "attributes.created > 5"},
		{"attributes.Created > 5", "attributes.Created > 5"},
		{"attributes.end_time <= 10 and attr.user_id = 'ann'", "attributes.end_time <= 10 AND attributes.user_id = 'ann'"},
		{"run.artifact_uri LIKE 'file:%'", "attributes.artifact_uri LIKE 'file:%'"},
		{`metrics."val.loss" >= 1e-3`, "metrics.val.loss >= 0.001"},
		{"metrics.val.loss < 1E+3", "metrics.val.loss < 1000"},
		{"metric.m = -2.5", "metrics.m = -2.5"},
		{"metrics.m = +.5", "metrics.m = 0.5"},
		{"metrics.m = 5.", "metrics.m = 5"},
		{"metrics.m <> 1", "metrics.m != 1"},
		{"metrics.a/b-c_d < 1", "metrics.a/b-c_d < 1"},
		{"metrics.`with space` < 1", "metrics.`with space` < 1"},
		{"metrics.`has\"quote` < 1", "metrics.`has\"quote` < 1"},
		{"metrics.\"has`tick\" < 1", "metrics.\"has`tick\" < 1"},
		{"params.lr < 0.01", "params.lr < 0.01"},
		{"parameter.lr = 1", "params.lr = 1"},
		{"parameters.opt LIKE 'Ad_m'", "params.opt LIKE 'Ad_m'"},
		{"params.x IS NULL", "params.x IS NULL"},
		{"tags.x is not null", "tags.x IS NOT NULL"},
		{"tag.x in ('1', \"it's\")", "tags.x IN ('1', \"it's\")"},
		{"datasets.name = 'train' AND dataset.digest != 'abc' and datasets.context in ('eval')",
			"datasets.name = 'train' AND datasets.digest != 'abc' AND datasets.context IN ('eval')"},
		{"METRICS.x < 1", "metrics.x < 1"},
		{"metrics.x < 1 AnD metrics.y > 2 oR NoT metrics.z = 3", "metrics.x < 1 AND metrics.y > 2 OR NOT metrics.z = 3"},
		{"params.a like 'x' and params.b ilike 'y'", "params.a LIKE 'x' AND params.b ILIKE 'y'"},
		{"(metrics.a < 1)", "metrics.a < 1"},
		{"((metrics.a < 1 or metrics.b < 1)) and metrics.c < 1", "(metrics.a < 1 OR metrics.b < 1) AND metrics.c < 1"},
		{"metrics.a < 1 and (metrics.b < 1 and metrics.c < 1)", "metrics.a < 1 AND (metrics.b < 1 AND metrics.c < 1)"},
		{"metrics.a < 1 or (metrics.b < 1 or metrics.c < 1)", "metrics.a < 1 OR (metrics.b < 1 OR metrics.c < 1)"},
		{"not not metrics.a < 1", "NOT NOT metrics.a < 1"},
		{"not (metrics.a < 1 and metrics.b < 1)", "NOT (metrics.a < 1 AND metrics.b < 1)"},
		{"\tmetrics.a\n<\r\n1\u00a0", "metrics.a < 1"},
		{"tags.note = ''", "tags.note = ''"},
		{"tags.q = 'say \"hi\"'", "tags.q = 'say \"hi\"'"},
		{"tags.u = 'héllo wörld'", "tags.u = 'héllo wörld'"},
		{"metrics.x<1AND metrics.y>2", ""}, // "1AND" is an invalid number: see errors
	}
	for _, tt := range tests {
		if tt.want == "" {
			continue
		}
		e, err := Parse(tt.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.in, err)
			continue
		}
		if got := Format(e); got != tt.want {
			t.Errorf("Format(Parse(%q)) = %q, want %q", tt.in, got, tt.want)
		}
		if got := e.String(); got != tt.want {
			t.Errorf("Parse(%q).String() = %q, want %q", tt.in, got, tt.want)
		}
		e2, err := Parse(tt.want)
		if err != nil {
			t.Errorf("Parse(Format(%q)) = %v", tt.in, err)
			continue
		}
		if !reflect.DeepEqual(stripPos(e), stripPos(e2)) {
			t.Errorf("Parse(Format(%q)) = %#v, want %#v", tt.in, stripPos(e2), stripPos(e))
		}
	}
}

func TestParseEmpty(t *testing.T) {
	for _, in := range []string{"", " ", "\t\n", "\u00a0"} {
		e, err := Parse(in)
		if e != nil || err != nil {
			t.Errorf("Parse(%q) = %v, %v; want nil, nil", in, e, err)
		}
	}
	if got := Format(nil); got != "" {
		t.Errorf("Format(nil) = %q", got)
	}
}

func TestParseTree(t *testing.T) {
	a := Compare{Key: Key{Entity: Metric, Name: "a"}, Op: OpLt, Value: Value{Kind: NumberValue, Num: 1}}
	b := Compare{Key: Key{Entity: Metric, Name: "b"}, Op: OpLt, Value: Value{Kind: NumberValue, Num: 1}}
	c := Compare{Key: Key{Entity: Metric, Name: "c"}, Op: OpLt, Value: Value{Kind: NumberValue, Num: 1}}
	tests := []struct {
		in   string
		want Expr
	}{
		{"metrics.a < 1 or metrics.b < 1 and metrics.c < 1", Or{a, And{b, c}}},
		{"metrics.a < 1 and metrics.b < 1 or metrics.c < 1", Or{And{a, b}, c}},
		{"not metrics.a < 1 and metrics.b < 1", And{Not{X: a}, b}},
		{"not (metrics.a < 1 and metrics.b < 1)", Not{X: And{a, b}}},
		{"metrics.a < 1 and metrics.b < 1 and metrics.c < 1", And{And{a, b}, c}},
		{"metrics.a < 1 and not metrics.b < 1 or not not metrics.c < 1", Or{And{a, Not{X: b}}, Not{X: Not{X: c}}}},
		{"attributes.run_id in ('x', 'y')", In{Key: Key{Entity: Attribute, Name: "run_id"},
			Values: []Value{{Kind: StringValue, Str: "x"}, {Kind: StringValue, Str: "y"}}}},
		{"params.p is not null", IsNull{Key: Key{Entity: Param, Name: "p"}, Negate: true}},
		{"tags.`a b` = \"c'd\"", Compare{Key: Key{Entity: Tag, Name: "a b"}, Op: OpEq, Value: Value{Kind: StringValue, Str: "c'd"}}},
	}
	for _, tt := range tests {
		e, err := Parse(tt.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.in, err)
			continue
		}
		if got := stripPos(e); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Parse(%q) = %#v\nwant %#v", tt.in, got, tt.want)
		}
	}
}

func TestParsePositions(t *testing.T) {
	in := "metrics.x < 1 and not tags.`a` IN ('b', 'c')"
	e, err := Parse(in)
	if err != nil {
		t.Fatal(err)
	}
	and := e.(And)
	cmp := and.L.(Compare)
	not := and.R.(Not)
	list := not.X.(In)
	got := []int{cmp.Key.Pos, cmp.OpPos, cmp.Value.Pos, not.Pos, list.Key.Pos, list.OpPos, list.Values[0].Pos, list.Values[1].Pos}
	want := []int{0, 10, 12, 18, 22, 31, 35, 40}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("positions = %v, want %v", got, want)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		in   string
		pos  int
		want string
	}{
		{"metrics.x <", 11, `expected a value after "<", got end of input`},
		{"metrics.x < and", 12, `expected a value after "<", got "and"`},
		{"metrics.x", 9, "expected an operator after metrics.x"},
		{"metrics.x 1", 10, "expected an operator after metrics.x"},
		{"metrics.x < 1 metrics.y < 2", 14, "expected AND or OR after a condition, got metrics.y"},
		{"metrics.x < 1)", 13, `unmatched ")"`},
		{"(metrics.x < 1", 14, `missing ")" to close "(" at column 1`},
		{"((metrics.x < 1) and (metrics.y < 2)", 36, `missing ")" to close "(" at column 1`},
		{"(metrics.x < 1 metrics.y", 15, `expected AND, OR or ")" to close "(" at column 1, got metrics.y`},
		{"()", 1, `expected a condition after "(", got ")"`},
		{"metrics.x < 1 and", 17, `expected a condition after "and", got end of input`},
		{"metrics.x < 1 or or", 17, `expected a condition after "or", got "or"`},
		{"not", 3, `expected a condition after "not", got end of input`},
		{"and metrics.x < 1", 0, `expected a condition like metrics.rmse < 1, got "and"`},
		{"'a' = metrics.x", 0, "expected a condition like metrics.rmse < 1, got string 'a'"},
		{"metricz.x < 1", 0, `unknown entity "metricz" (did you mean "metrics"?)`},
		{"prams.x = 'a'", 0, `unknown entity "prams" (did you mean "params"?)`},
		{"foo.x = 'a'", 0, `unknown entity "foo"; keys start with`},
		{"rmse < 1", 0, `"rmse" needs an entity, as in metrics.rmse`},
		{"status = 'FINISHED'", 0, `"status" needs its entity: attributes.status`},
		{"attributes.stat = 'x'", 11, `unknown attribute "stat" (did you mean "status"?); valid attributes: run_id`},
		{"attributes.lifecycle_stage = 'x'", 11, `unknown attribute "lifecycle_stage"`},
		{"datasets.nmae = 'x'", 9, `unknown dataset field "nmae" (did you mean "name"?)`},
		{"metrics.x < 'a'", 12, "metrics.x compares with numbers; got a string"},
		{"metrics.x LIKE 'a'", 10, "metrics.x does not support LIKE; use =, !=, <, <=, >, >="},
		{"metrics.x IN (1)", 10, "metrics.x does not support IN"},
		{"metrics.x IS NULL", 10, "metrics.x does not support IS NULL"},
		{"metrics.x = metrics.y", 12, "comparing two keys is not supported"},
		{"params.x = mf", 11, `expected a value after "=", got "mf"; quote strings, as in 'mf'`},
		{"params.x < 'a'", 11, `"<" on params.x needs a number; got a string`},
		{"params.x LIKE 1", 14, "LIKE needs a string pattern; got a number"},
		{"params.x NOT LIKE 'a'", 9, "NOT LIKE is not supported; write NOT params.x LIKE ..."},
		{"params.x NOT 'a'", 13, `expected IN after "NOT", got string 'a'`},
		{"params.x IN 'a'", 12, `expected "(" after "IN", got string 'a'`},
		{"params.x IN ()", 13, `expected a string after "(", got ")"`},
		{"params.x IN ('a',)", 17, `expected a string after ",", got ")"`},
		{"params.x IN ('a' 'b')", 17, `expected "," or ")" in the list, got string 'b'`},
		{"params.x IN ('a'", 16, `missing ")" to close the list at column 13`},
		{"params.x IN ('a', 2)", 18, "IN lists hold strings; got a number (quote it: '2')"},
		{"params.x = ('a')", 11, `lists go with IN`},
		{"params.x IS", 11, `expected NULL after "IS", got end of input`},
		{"params.x IS NOT 5", 16, `expected NULL after "IS NOT", got number 5`},
		{"tags.x < 5", 7, "tags.x does not support <"},
		{"tags.x = 5", 9, "tags.x compares with strings; got a number (quote it: '5')"},
		{"tags.mlflow.runName IS NULL", 20, "tags.mlflow.runName does not support IS NULL"},
		{"attributes.status < 'a'", 18, "attributes.status does not support <"},
		{"attributes.status = 1", 20, "attributes.status compares with strings"},
		{"attributes.start_time = 'x'", 24, "compares with numbers (milliseconds since the epoch); got a string"},
		{"attributes.start_time LIKE '1%'", 22, "attributes.start_time does not support LIKE"},
		{"attributes.end_time IS NULL", 20, "does not support IS NULL"},
		{"datasets.name > 'a'", 14, "datasets.name does not support >"},
		{"metrics.x < 'unterminated", 12, "unterminated string: no closing '"},
		{`metrics.x < "unterminated`, 12, `unterminated string: no closing "`},
		{"metrics.`x < 1", 8, "unterminated key: no closing `"},
		{"metrics.`` < 1", 8, `empty key after "metrics."`},
		{"metrics. < 1", 8, `expected a key after "metrics."`},
		{"metrics.x == 1", 10, `"==" is not an operator; use "="`},
		{"metrics.x ! 1", 10, `unexpected "!"; did you mean "!="?`},
		{"metrics.x < 1e", 12, `invalid number "1e"`},
		{"metrics.x < 1.2.3", 12, `invalid number "1.2.3"`},
		{"metrics.x<1AND metrics.y>2", 10, `invalid number "1AND"`},
		{"metrics.x < -", 12, `unexpected "-"; expected a number`},
		{"metrics.x < 1e999", 12, "number 1e999 is out of range"},
		{"`metrics`.x < 1", 0, "backquotes quote a key right after its entity"},
		{"metrics.x < 1 ; drop table runs", 14, `unexpected character ';'`},
		{"metrics.é < 1", 8, `unexpected character 'é'; quote keys`},
		{"metrics.aé < 1", 9, `unexpected character 'é'; quote keys`},
		{"métrics.x < 1", 1, `unexpected character 'é'; quote keys`},
		{"metrics.x < 1 and tags.y = 'é' and metrics.z < 'a'", 48, "metrics.z compares with numbers; got a string"},
		{strings.Repeat("(", 200) + "metrics.x < 1" + strings.Repeat(")", 200), 100, "nested more than 100 deep"},
		{strings.Repeat("not ", 200) + "metrics.x < 1", 400, "nested more than 100 deep"},
	}
	for _, tt := range tests {
		e, err := Parse(tt.in)
		if err == nil {
			t.Errorf("Parse(%q) = %v, want error", tt.in, e)
			continue
		}
		var qe *Error
		if !errors.As(err, &qe) {
			t.Errorf("Parse(%q) error %T is not *Error", tt.in, err)
			continue
		}
		if qe.Pos != tt.pos || !strings.Contains(qe.Msg, tt.want) || qe.Input != tt.in {
			t.Errorf("Parse(%q) = pos %d %q, want pos %d containing %q", tt.in, qe.Pos, qe.Msg, tt.pos, tt.want)
		}
	}
}

func TestErrorString(t *testing.T) {
	_, err := Parse("metrics.rmse < 1 and metrics.x <")
	if got, want := err.Error(), `filter: at column 33: expected a value after "<", got end of input`; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	// Columns count runes, not bytes.
	_, err = Parse("tags.x = 'héé' and metrics.x <")
	if got, want := err.Error(), `filter: at column 31: expected a value after "<", got end of input`; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	_, err = ParseOrderBy("metrics.x up")
	if got, want := err.Error(), `order_by: at column 11: expected ASC, DESC or end of input, got "up"`; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	e := &Error{Input: "ab", Pos: 99, Msg: "m"}
	if got := e.Column(); got != 3 {
		t.Errorf("Column() with Pos past the end = %d, want 3", got)
	}
}

func TestParseOrderBy(t *testing.T) {
	tests := []struct {
		in   string
		want OrderBy
		str  string
	}{
		{"metrics.rmse", OrderBy{Key: Key{Entity: Metric, Name: "rmse"}}, "metrics.rmse"},
		{"metrics.`my key` DESC", OrderBy{Key: Key{Entity: Metric, Name: "my key"}, Desc: true}, "metrics.`my key` DESC"},
		{"params.lr ASC", OrderBy{Key: Key{Entity: Param, Name: "lr"}}, "params.lr"},
		{"attributes.start_time DESC", OrderBy{Key: Key{Entity: Attribute, Name: "start_time"}, Desc: true}, "attributes.start_time DESC"},
		{"tags.x", OrderBy{Key: Key{Entity: Tag, Name: "x"}}, "tags.x"},
		{"start_time", OrderBy{Key: Key{Entity: Attribute, Name: "start_time"}}, "attributes.start_time"},
		{"  run_name desc ", OrderBy{Key: Key{Entity: Attribute, Name: "run_name"}, Desc: true}, "attributes.run_name DESC"},
		{`metric."val.loss" asc`, OrderBy{Key: Key{Entity: Metric, Name: "val.loss"}}, "metrics.val.loss"},
		{"tags.mlflow.runName", OrderBy{Key: Key{Entity: Tag, Name: "mlflow.runName"}}, "tags.mlflow.runName"},
	}
	for _, tt := range tests {
		o, err := ParseOrderBy(tt.in)
		if err != nil {
			t.Errorf("ParseOrderBy(%q): %v", tt.in, err)
			continue
		}
		o.Key.Pos = 0
		if o != tt.want {
			t.Errorf("ParseOrderBy(%q) = %+v, want %+v", tt.in, o, tt.want)
		}
		if got := o.String(); got != tt.str {
			t.Errorf("ParseOrderBy(%q).String() = %q, want %q", tt.in, got, tt.str)
		}
	}
}

func TestParseOrderByErrors(t *testing.T) {
	tests := []struct {
		in   string
		pos  int
		want string
	}{
		{"", 0, "expected a key like metrics.rmse, got end of input"},
		{"DESC", 0, `expected a key like metrics.rmse, got "DESC"`},
		{"rmse", 0, `unknown attribute "rmse"`},
		{"start_tme", 0, `(did you mean "start_time"?)`},
		{"metrics.x DESC ASC", 15, `expected end of input, got "ASC"`},
		{"metrics.x, metrics.y", 9, `expected ASC, DESC or end of input, got ","`},
		{"datasets.name", 0, "cannot order by datasets.name"},
		{"attributes.nope", 11, `unknown attribute "nope"`},
		{"metricz.x", 0, `unknown entity "metricz" (did you mean "metrics"?)`},
		{"metrics.`x", 8, "unterminated key"},
		{"'metrics.x'", 0, "expected a key like metrics.rmse, got string"},
	}
	for _, tt := range tests {
		o, err := ParseOrderBy(tt.in)
		if err == nil {
			t.Errorf("ParseOrderBy(%q) = %v, want error", tt.in, o)
			continue
		}
		var qe *Error
		if !errors.As(err, &qe) {
			t.Errorf("ParseOrderBy(%q) error %T is not *Error", tt.in, err)
			continue
		}
		if qe.Pos != tt.pos || !strings.Contains(qe.Msg, tt.want) || qe.Clause != "order_by" {
			t.Errorf("ParseOrderBy(%q) = pos %d %q, want pos %d containing %q", tt.in, qe.Pos, qe.Msg, tt.pos, tt.want)
		}
	}
}
