package query

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// filterSeeds returns valid and invalid filters that steer the fuzzer
// through every branch of the lexer and parser.
func filterSeeds() []string {
	return []string{
		"",
		"   ",
		"metrics.rmse < 0.8 and params.model = 'mf' and tags.team != 'x' and attributes.status = 'FINISHED'",
		"metrics.`my key` >= 1e-3 or not (params.lr < 0.01 and tags.t IS NOT NULL)",
		`metrics."val.loss" >= 1e-3`,
		"metrics.val.loss <> -2.5E+3",
		"attributes.run_id IN ('a','b')",
		"attributes.run_id not in ('a', \"b'c\")",
		"tags.`mlflow.source.type` LIKE 'LOC%'",
		"tags.mlflow.runName ILIKE '%x_'",
		"params.p is null or params.q is not null",
		"datasets.name = 'train' and datasets.context = 'eval' and datasets.digest != 'd'",
		"attributes.start_time > 1700000000000 and attributes.Created <= .5 and attributes.end_time != +1",
		"NOT NOT ((metrics.a = 1) OR metrics.b = 2) AND metrics.c = 3",
		"metrics.x <",
		"(metrics.x < 1",
		"metrics.x < 1)",
		"metricz.x < 1",
		"metrics.x < 'a'",
		"params.x = mf",
		"metrics.x == 1",
		"metrics.x ! 1",
		"metrics.`x",
		"'unterminated",
		"metrics.é < 1",
		"métrics.x < 1",
		"metrics.x < 1e999",
		"params.x IN ('a',)",
		"params.x NOT LIKE 'a'",
		"tags.x = '\xff\xfe'",
		"metrics.x<1AND metrics.y>2",
		"status = 'x'",
		"attributes.stat = 'x'",
		"((((((((((metrics.x < 1))))))))))",
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range filterSeeds() {
		f.Add(s)
	}
	db := openTestDB(f)
	f.Fuzz(func(t *testing.T, s string) {
		e, err := Parse(s)
		if err != nil {
			var qe *Error
			if !errors.As(err, &qe) {
				t.Fatalf("Parse(%q) error %T is not *Error", s, err)
			}
			if qe.Pos < 0 || qe.Pos > len(s) || qe.Input != s || qe.Msg == "" {
				t.Fatalf("Parse(%q) error %+v out of range", s, qe)
			}
			_ = qe.Error()
			return
		}
		if e == nil {
			if strings.TrimSpace(s) != "" {
				t.Fatalf("Parse(%q) = nil, nil for a non-blank filter", s)
			}
			return
		}
		text := Format(e)
		e2, err := Parse(text)
		if err != nil {
			t.Fatalf("Parse(Format(Parse(%q))) = Parse(%q): %v", s, text, err)
		}
		if !reflect.DeepEqual(stripPos(e), stripPos(e2)) {
			t.Fatalf("Parse(Format(Parse(%q))) = %#v, want %#v", s, stripPos(e2), stripPos(e))
		}
		if text2 := Format(e2); text2 != text {
			t.Fatalf("Format is not stable: %q then %q", text, text2)
		}
		where, args, err := Compile(e)
		if err != nil {
			t.Fatalf("Compile(Parse(%q)): %v", s, err)
		}
		if n := strings.Count(where, "?"); n != len(args) {
			t.Fatalf("Compile(Parse(%q)): %d placeholders, %d args", s, n, len(args))
		}
		rows, err := db.Query("SELECT r.id FROM runs r WHERE "+where, args...)
		if err != nil {
			t.Fatalf("Compile(Parse(%q)) = %s: SQLite: %v", s, where, err)
		}
		rows.Close()
	})
}

func FuzzParseOrderBy(f *testing.F) {
	for _, s := range []string{
		"metrics.rmse", "metrics.`my key` DESC", "params.lr ASC", "attributes.start_time DESC",
		"tags.x", "start_time", "Created desc", `metric."a.b" asc`, "", "DESC", "rmse",
		"metrics.x DESC ASC", "datasets.name", "metrics.`x", "metrics.x, metrics.y",
	} {
		f.Add(s)
	}
	db := openTestDB(f)
	f.Fuzz(func(t *testing.T, s string) {
		o, err := ParseOrderBy(s)
		if err != nil {
			var qe *Error
			if !errors.As(err, &qe) {
				t.Fatalf("ParseOrderBy(%q) error %T is not *Error", s, err)
			}
			if qe.Pos < 0 || qe.Pos > len(s) || qe.Input != s || qe.Msg == "" {
				t.Fatalf("ParseOrderBy(%q) error %+v out of range", s, qe)
			}
			_ = qe.Error()
			return
		}
		o2, err := ParseOrderBy(o.String())
		if err != nil {
			t.Fatalf("ParseOrderBy(%q) = %v; reparsing %q: %v", s, o, o.String(), err)
		}
		o.Key.Pos, o2.Key.Pos = 0, 0
		if o != o2 {
			t.Fatalf("ParseOrderBy(%q) = %+v, reparsed %+v", s, o, o2)
		}
		terms, args, err := OrderSQL(o)
		if err != nil {
			t.Fatalf("OrderSQL(%+v): %v", o, err)
		}
		rows, err := db.Query("SELECT r.id FROM runs r ORDER BY "+strings.Join(terms, ", "), args...)
		if err != nil {
			t.Fatalf("OrderSQL(%+v): SQLite: %v", o, err)
		}
		rows.Close()
	})
}
