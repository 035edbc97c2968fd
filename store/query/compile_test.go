package query

import (
	"database/sql"
	"math"
	"reflect"
	"strings"
	"testing"

	_ "modernc.org/sqlite"
)

// testSchema is the part of store/migrations/0001_init.sql that Compile and
// OrderSQL read, kept here so this package's tests stand alone.
const testSchema = `
CREATE TABLE runs (
    id INTEGER PRIMARY KEY, uuid TEXT NOT NULL UNIQUE, experiment_id INTEGER NOT NULL,
    name TEXT NOT NULL DEFAULT '', status TEXT NOT NULL DEFAULT 'RUNNING',
    start_time INTEGER, end_time INTEGER, user_id TEXT NOT NULL DEFAULT '',
    host TEXT NOT NULL DEFAULT '', source TEXT NOT NULL DEFAULT '', notes TEXT NOT NULL DEFAULT '',
    artifact_uri TEXT NOT NULL DEFAULT '', lifecycle_stage TEXT NOT NULL DEFAULT 'active', deleted_time INTEGER);
CREATE TABLE params (run_id INTEGER NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, num REAL,
    PRIMARY KEY (run_id, key)) WITHOUT ROWID;
CREATE TABLE tags (run_id INTEGER NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,
    PRIMARY KEY (run_id, key)) WITHOUT ROWID;
CREATE TABLE metric_keys (id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE);
CREATE TABLE metric_summary (run_id INTEGER NOT NULL, key_id INTEGER NOT NULL, last_value REAL NOT NULL,
    last_is_nan INTEGER NOT NULL, last_step INTEGER NOT NULL, last_ts INTEGER NOT NULL,
    min_value REAL, max_value REAL, count INTEGER NOT NULL, PRIMARY KEY (run_id, key_id)) WITHOUT ROWID;
CREATE TABLE datasets (id INTEGER PRIMARY KEY, experiment_id INTEGER NOT NULL, name TEXT NOT NULL,
    digest TEXT NOT NULL, source_type TEXT NOT NULL DEFAULT '', source TEXT NOT NULL DEFAULT '',
    schema TEXT NOT NULL DEFAULT '', profile TEXT NOT NULL DEFAULT '', UNIQUE (experiment_id, name, digest));
CREATE TABLE run_inputs (run_id INTEGER NOT NULL, dataset_id INTEGER NOT NULL,
    tags TEXT NOT NULL DEFAULT '{}', PRIMARY KEY (run_id, dataset_id)) WITHOUT ROWID;
`

// openTestDB returns an in-memory store with five runs:
//
//	id uuid name   status   start end   params                         tags                              metrics (latest)
//	1  aaa  alpha  FINISHED 1000  2000  lr=0.001 model=mf opt=Adam     team=x src=LOCAL note="50% off"   rmse=.5 val.loss=.002 acc=NaN
//	2  bbb  Beta   RUNNING  2000  -     lr=0.1 model=MF opt=adam       team=y src=local                  rmse=.9 val.loss=.0005
//	3  ccc  gamma  FAILED   3000  4000  lr=auto model=mlp              team=x src=JOB path="a*b"         rmse=NaN acc=.8
//	4  ddd  delta  FINISHED 4000  5000  lr=1e-2 model=mf_v2            src=LOCAL                         rmse=.7 "my key"=3
//	5  eee  ""     KILLED   -     -     (none)                         mlflow.runName=ignored            (none)
func openTestDB(t testing.TB) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	stmts := []string{testSchema,
		`INSERT INTO runs (id, uuid, experiment_id, name, status, start_time, end_time, user_id, artifact_uri) VALUES
			(1, 'aaa', 0, 'alpha', 'FINISHED', 1000, 2000, 'ann', 'file:///a'),
			(2, 'bbb', 0, 'Beta', 'RUNNING', 2000, NULL, 'bob', 's3://b'),
			(3, 'ccc', 0, 'gamma', 'FAILED', 3000, 4000, 'ann', 'file:///c'),
			(4, 'ddd', 0, 'delta', 'FINISHED', 4000, 5000, 'cid', 'file:///d'),
			(5, 'eee', 0, '', 'KILLED', NULL, NULL, '', '')`,
		`INSERT INTO params (run_id, key, value, num) VALUES
			(1, 'lr', '0.001', 0.001), (1, 'model', 'mf', NULL), (1, 'opt', 'Adam', NULL),
			(2, 'lr', '0.1', 0.1), (2, 'model', 'MF', NULL), (2, 'opt', 'adam', NULL),
			(3, 'lr', 'auto', NULL), (3, 'model', 'mlp', NULL),
			(4, 'lr', '1e-2', 0.01), (4, 'model', 'mf_v2', NULL)`,
		`INSERT INTO tags (run_id, key, value) VALUES
			(1, 'team', 'x'), (1, 'mlflow.source.type', 'LOCAL'), (1, 'note', '50% off'),
			(2, 'team', 'y'), (2, 'mlflow.source.type', 'local'),
			(3, 'team', 'x'), (3, 'mlflow.source.type', 'JOB'), (3, 'path', 'a*b'),
			(4, 'mlflow.source.type', 'LOCAL'),
			(5, 'mlflow.runName', 'ignored')`,
		`INSERT INTO metric_keys (id, key) VALUES (1, 'rmse'), (2, 'val.loss'), (3, 'acc'), (4, 'my key')`,
		`INSERT INTO metric_summary (run_id, key_id, last_value, last_is_nan, last_step, last_ts, count) VALUES
			(1, 1, 0.5, 0, 0, 0, 1), (1, 2, 0.002, 0, 0, 0, 1), (1, 3, 0, 1, 0, 0, 1),
			(2, 1, 0.9, 0, 0, 0, 1), (2, 2, 0.0005, 0, 0, 0, 1),
			(3, 1, 0, 1, 0, 0, 1), (3, 3, 0.8, 0, 0, 0, 1),
			(4, 1, 0.7, 0, 0, 0, 1), (4, 4, 3, 0, 0, 0, 1)`,
		`INSERT INTO datasets (id, experiment_id, name, digest) VALUES (1, 0, 'train', 'abc'), (2, 0, 'eval', 'def')`,
		`INSERT INTO run_inputs (run_id, dataset_id, tags) VALUES
			(1, 1, '{"mlflow.data.context": "training"}'), (1, 2, '{"mlflow.data.context": "eval"}'),
			(2, 1, '{}'), (3, 2, 'not json')`,
	}
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%v\n%s", err, s)
		}
	}
	return db
}

// queryIDs runs a query returning run ids.
func queryIDs(t testing.TB, db *sql.DB, q string, args []any) []int64 {
	t.Helper()
	rows, err := db.Query(q, args...)
	if err != nil {
		t.Fatalf("%v\n%s %v", err, q, args)
	}
	defer rows.Close()
	ids := []int64{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return ids
}

// filterIDs returns the ids of the runs filter matches, in id order.
func filterIDs(t testing.TB, db *sql.DB, filter string) []int64 {
	t.Helper()
	e, err := Parse(filter)
	if err != nil {
		t.Fatalf("Parse(%q): %v", filter, err)
	}
	where, args, err := Compile(e)
	if err != nil {
		t.Fatalf("Compile(%q): %v", filter, err)
	}
	if n := strings.Count(where, "?"); n != len(args) {
		t.Fatalf("Compile(%q): %d placeholders, %d args", filter, n, len(args))
	}
	return queryIDs(t, db, "SELECT r.id FROM runs r WHERE "+where+" ORDER BY r.id", args)
}

func TestCompileMatches(t *testing.T) {
	db := openTestDB(t)
	tests := []struct {
		filter string
		want   []int64
	}{
		{"", []int64{1, 2, 3, 4, 5}},
		// Metrics: the latest value; NaN never matches, not even !=.
		{"metrics.rmse < 0.8", []int64{1, 4}},
		{"metrics.rmse >= 0.7", []int64{2, 4}},
		{"metrics.rmse = 0.5", []int64{1}},
		{"metrics.rmse != 0.5", []int64{2, 4}},
		{"metrics.rmse > -1", []int64{1, 2, 4}},
		{"metrics.acc > 0", []int64{3}},
		{"metrics.acc <= 0", []int64{}},
		{`metrics."val.loss" >= 1e-3`, []int64{1}},
		{"metrics.val.loss < 1e-3", []int64{2}},
		{"metrics.`my key` = 3", []int64{4}},
		{"metrics.nope < 100", []int64{}},
		// NOT negates the whole condition: runs lacking the metric (or with
		// a NaN latest value) match.
		{"not metrics.rmse < 0.8", []int64{2, 3, 5}},
		{"not metrics.rmse >= 0.8", []int64{1, 3, 4, 5}},
		// Params as strings; != needs the key.
		{"params.model = 'mf'", []int64{1}},
		{"params.model != 'mf'", []int64{2, 3, 4}},
		{"params.model <> 'mf'", []int64{2, 3, 4}},
		{"not params.model = 'mf'", []int64{2, 3, 4, 5}},
		{"params.lr = '1e-2'", []int64{4}},
		// Params with numbers compare numerically, skipping non-numbers.
		{"params.lr < 0.05", []int64{1, 4}},
		{"params.lr <= 0.01", []int64{1, 4}},
		{"params.lr > 0.001", []int64{2, 4}},
		{"params.lr = 0.01", []int64{4}},
		{"params.lr != 0.01", []int64{1, 2}},
		{"params.lr >= 0", []int64{1, 2, 4}},
		{"params.model > 0", []int64{}},
		// LIKE is case-sensitive, ILIKE is not; _ and % are the wildcards.
		{"params.model LIKE 'mf%'", []int64{1, 4}},
		{"params.model LIKE 'MF%'", []int64{2}},
		{"params.model ILIKE 'mf%'", []int64{1, 2, 4}},
		{"params.model LIKE 'mf_v_'", []int64{4}},
		{"params.model LIKE 'm_'", []int64{1}},
		{"params.opt LIKE 'adam'", []int64{2}},
		{"params.opt ILIKE 'ADAM'", []int64{1, 2}},
		{"tags.`mlflow.source.type` LIKE 'LOC%'", []int64{1, 4}},
		{"tags.mlflow.source.type ILIKE 'loc%'", []int64{1, 2, 4}},
		{"tags.mlflow.source.type LIKE 'L?CAL'", []int64{}}, // ? is literal, not GLOB's wildcard
		{"tags.path LIKE 'a*b'", []int64{3}},                // * is literal
		{"tags.path LIKE 'a_b'", []int64{3}},
		{"tags.path LIKE 'a[*]b'", []int64{}}, // [ is literal
		{"tags.note LIKE '50%'", []int64{1}},
		{"tags.note ILIKE '%OFF'", []int64{1}},
		// IN / NOT IN (NOT IN needs the key, like !=).
		{"params.model IN ('mf', 'mlp')", []int64{1, 3}},
		{"params.model NOT IN ('mf', 'mlp')", []int64{2, 4}},
		{"tags.team IN ('x')", []int64{1, 3}},
		{"tags.team NOT IN ('x')", []int64{2}},
		// IS [NOT] NULL: presence of the key.
		{"tags.team IS NULL", []int64{4, 5}},
		{"tags.team IS NOT NULL", []int64{1, 2, 3}},
		{"params.opt is null", []int64{3, 4, 5}},
		{"params.opt is not null", []int64{1, 2}},
		// Tags.
		{"tags.team = 'x'", []int64{1, 3}},
		{"tags.team != 'x'", []int64{2}},
		// Attributes.
		{"attributes.status = 'FINISHED'", []int64{1, 4}},
		{"attributes.status != 'FINISHED'", []int64{2, 3, 5}},
		{"attributes.status IN ('FAILED', 'KILLED')", []int64{3, 5}},
		{"attributes.status NOT IN ('FAILED', 'KILLED')", []int64{1, 2, 4}},
		{"attributes.run_id = 'bbb'", []int64{2}},
		{"attributes.run_id IN ('aaa', 'ccc', 'zzz')", []int64{1, 3}},
		{"attributes.run_name = 'alpha'", []int64{1}},
		{"attributes.run_name LIKE 'b%'", []int64{}},
		{"attributes.run_name ILIKE 'b%'", []int64{2}},
		{`tags."mlflow.runName" = 'Beta'`, []int64{2}},
		{"tags.mlflow.runName = 'ignored'", []int64{}}, // the run name, not the tag
		{"attributes.user_id = 'ann'", []int64{1, 3}},
		{"attributes.artifact_uri LIKE 'file:%'", []int64{1, 3, 4}},
		{"attributes.start_time >= 2000", []int64{2, 3, 4}},
		{"attributes.created < 2500", []int64{1, 2}},
		{"attributes.Created = 3000", []int64{3}},
		{"attributes.end_time > 1000", []int64{1, 3, 4}},
		{"attributes.end_time != 4000", []int64{1, 4}},
		{"not attributes.end_time > 1000", []int64{2, 5}}, // NULL end_time: two-valued
		{"attributes.start_time > 1.5e3", []int64{2, 3, 4}},
		// Datasets.
		{"datasets.name = 'train'", []int64{1, 2}},
		{"datasets.name != 'train'", []int64{1, 3}},
		{"datasets.digest IN ('def')", []int64{1, 3}},
		{"datasets.context = 'training'", []int64{1}},
		{"datasets.context ILIKE 'EV%'", []int64{1}},
		{"datasets.context != 'training'", []int64{1}}, // run 2 has no context, run 3 bad JSON
		// Combinators and precedence.
		{"metrics.rmse < 0.8 and params.model = 'mf' and tags.team != 'y' and attributes.status = 'FINISHED'", []int64{1}},
		{"metrics.rmse < 0.6 or params.model = 'mlp'", []int64{1, 3}},
		{"metrics.rmse < 0.6 or params.model = 'mlp' and tags.team = 'y'", []int64{1}},
		{"(metrics.rmse < 0.6 or params.model = 'mlp') and tags.team = 'x'", []int64{1, 3}},
		{"not tags.team = 'x' and attributes.status = 'FINISHED'", []int64{4}},
		{"not (tags.team = 'x' and attributes.status = 'FINISHED')", []int64{2, 3, 4, 5}},
		{"not not metrics.rmse < 0.8", []int64{1, 4}},
		// Values never reach the SQL text.
		{`tags.team = "x' OR 1=1 --"`, []int64{}},
		{`tags.team = "') OR 1=1 --"`, []int64{}},
	}
	for _, tt := range tests {
		if got := filterIDs(t, db, tt.filter); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: got runs %v, want %v", tt.filter, got, tt.want)
		}
	}
}

func TestCompileLongChain(t *testing.T) {
	// SQLite limits expression depth to 1000; a long parsed chain must
	// still compile to something it accepts.
	db := openTestDB(t)
	terms := make([]string, 1100)
	for i := range terms {
		terms[i] = "metrics.rmse > -1"
	}
	if got, want := filterIDs(t, db, strings.Join(terms, " and ")), []int64{1, 2, 4}; !reflect.DeepEqual(got, want) {
		t.Errorf("AND chain: got %v, want %v", got, want)
	}
	if got, want := filterIDs(t, db, strings.Join(terms, " OR ")), []int64{1, 2, 4}; !reflect.DeepEqual(got, want) {
		t.Errorf("OR chain: got %v, want %v", got, want)
	}
}

func TestCompileArgs(t *testing.T) {
	e, err := Parse("metrics.`a'b` = 1 and params.p LIKE 'x%' and attributes.start_time > 1700000000000 and params.q < 0.5")
	if err != nil {
		t.Fatal(err)
	}
	where, args, err := Compile(e)
	if err != nil {
		t.Fatal(err)
	}
	want := []any{"a'b", int64(1), "p", "x*", int64(1700000000000), "q", 0.5}
	if !reflect.DeepEqual(args, want) {
		t.Errorf("args = %#v, want %#v", args, want)
	}
	if strings.Contains(where, "a'b") || strings.Contains(where, "x%") {
		t.Errorf("SQL holds a value: %s", where)
	}
}

func TestCompileInvalid(t *testing.T) {
	num := Value{Kind: NumberValue, Num: 1}
	str := Value{Kind: StringValue, Str: "s"}
	tests := []struct {
		name string
		e    Expr
		want string
	}{
		{"metric string", Compare{Key: Key{Entity: Metric, Name: "m"}, Op: OpEq, Value: str}, "compares with numbers"},
		{"bad entity", Compare{Key: Key{Name: "m"}, Op: OpEq, Value: num}, "invalid entity"},
		{"empty key", Compare{Key: Key{Entity: Tag}, Op: OpEq, Value: str}, "empty key"},
		{"bad op", Compare{Key: Key{Entity: Metric, Name: "m"}, Op: "~", Value: num}, "does not support ~"},
		{"bad value", Compare{Key: Key{Entity: Tag, Name: "t"}, Op: OpEq}, "invalid value"},
		{"NaN", Compare{Key: Key{Entity: Metric, Name: "m"}, Op: OpEq, Value: Value{Kind: NumberValue, Num: math.NaN()}}, "NaN"},
		{"empty IN", In{Key: Key{Entity: Tag, Name: "t"}}, "at least one value"},
		{"number IN", In{Key: Key{Entity: Tag, Name: "t"}, Values: []Value{num}}, "IN lists hold strings"},
		{"metric IS NULL", IsNull{Key: Key{Entity: Metric, Name: "m"}}, "does not support IS NULL"},
		{"nil in And", And{L: nil, R: Compare{Key: Key{Entity: Metric, Name: "m"}, Op: OpEq, Value: num}}, "nil condition"},
		{"nil in Not", Not{}, "nil condition"},
	}
	for _, tt := range tests {
		if _, _, err := Compile(tt.e); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: Compile error %v, want one containing %q", tt.name, err, tt.want)
		}
	}
	if where, args, err := Compile(nil); where != "1" || args != nil || err != nil {
		t.Errorf("Compile(nil) = %q, %v, %v", where, args, err)
	}
}

func TestOrderSQL(t *testing.T) {
	db := openTestDB(t)
	tests := []struct {
		order string
		want  []int64
	}{
		// Missing keys last in both directions; NaN after numbers.
		{"metrics.rmse", []int64{1, 4, 2, 3, 5}},
		{"metrics.rmse DESC", []int64{2, 4, 1, 3, 5}},
		{"metrics.acc", []int64{3, 1, 2, 4, 5}},
		{"metrics.acc desc", []int64{3, 1, 2, 4, 5}},
		{"metrics.`my key` DESC", []int64{4, 1, 2, 3, 5}},
		// Params and tags order as strings.
		{"params.lr", []int64{1, 2, 4, 3, 5}},
		{"params.lr DESC", []int64{3, 4, 2, 1, 5}},
		{"tags.team", []int64{1, 3, 2, 4, 5}},
		{"tags.team DESC", []int64{2, 1, 3, 4, 5}},
		// Attributes by column; NULL times last.
		{"attributes.end_time", []int64{1, 3, 4, 2, 5}},
		{"attributes.end_time DESC", []int64{4, 3, 1, 2, 5}},
		{"start_time DESC", []int64{4, 3, 2, 1, 5}},
		{"created", []int64{1, 2, 3, 4, 5}},
		{"run_name", []int64{5, 2, 1, 4, 3}},
		{"tags.mlflow.runName DESC", []int64{3, 4, 1, 2, 5}},
		{"attributes.status", []int64{3, 1, 4, 5, 2}},
		{"run_id DESC", []int64{5, 4, 3, 2, 1}},
	}
	for _, tt := range tests {
		o, err := ParseOrderBy(tt.order)
		if err != nil {
			t.Fatalf("ParseOrderBy(%q): %v", tt.order, err)
		}
		terms, args, err := OrderSQL(o)
		if err != nil {
			t.Fatalf("OrderSQL(%q): %v", tt.order, err)
		}
		q := "SELECT r.id FROM runs r ORDER BY " + strings.Join(terms, ", ") + ", r.id"
		if n := strings.Count(q, "?"); n != len(args) {
			t.Fatalf("OrderSQL(%q): %d placeholders, %d args", tt.order, n, len(args))
		}
		if got := queryIDs(t, db, q, args); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("order by %s: got %v, want %v", tt.order, got, tt.want)
		}
	}
	if _, _, err := OrderSQL(OrderBy{Key: Key{Entity: Dataset, Name: "name"}}); err == nil {
		t.Error("OrderSQL(datasets.name) succeeded")
	}
	if _, _, err := OrderSQL(OrderBy{Key: Key{Entity: Attribute, Name: "nope"}}); err == nil {
		t.Error("OrderSQL(attributes.nope) succeeded")
	}
}

func TestLikeToGlob(t *testing.T) {
	for in, want := range map[string]string{
		"":           "",
		"a%b_c":      "a*b?c",
		"*?[]":       "[*][?][[]]",
		"%é_":        "*é?",
		`back\slash`: `back\slash`,
	} {
		if got := likeToGlob(in); got != want {
			t.Errorf("likeToGlob(%q) = %q, want %q", in, got, want)
		}
	}
}
