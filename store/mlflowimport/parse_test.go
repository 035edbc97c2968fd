package mlflowimport

import (
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestParseYAML(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		want      map[string]string // key -> scalar ("<null>" for null)
	}{
		{"plain and quoted", "a: 1\nb: 'x y'\nc: \"q\\tr\"\nd: ''\ne: null\nf: ~\ng:\n", map[string]string{
			"a": "1", "b": "x y", "c": "q\tr", "d": "", "e": "<null>", "f": "<null>", "g": "<null>"}},
		{"single-quote escape", "a: 'it''s'\n", map[string]string{"a": "it's"}},
		{"folded plain", "name: a long\n  name here\nx: 1\n", map[string]string{"name": "a long name here", "x": "1"}},
		{"folded single", "s: '{\"a\": 1,\n  \"b\": 2}'\n", map[string]string{"s": `{"a": 1, "b": 2}`}},
		{"newline in single", "a: 'x\n\n  y'\n", map[string]string{"a": "x\ny"}},
		{"double escapes", `u: "bob \xE9l\xE8ve \u2014 \U0001F600"` + "\n", map[string]string{"u": "bob élève — 😀"}},
		{"double folded and escaped break", "d: \"ab\\\n  cd ef\n  gh\"\n", map[string]string{"d": "abcd ef gh"}},
		{"comments and document start", "# c\n---\na: 1 # note\n\nb: '#x'\n", map[string]string{"a": "1", "b": "#x"}},
		{"empty collections", "tags: []\nm: {}\n", map[string]string{}},
		{"crlf", "a: 1\r\nb: 'x'\r\n", map[string]string{"a": "1", "b": "x"}},
		{"empty document", "", map[string]string{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n, err := parseYAML(tc.src)
			if err != nil {
				t.Fatal(err)
			}
			for k, want := range tc.want {
				v := n.get(k)
				if want == "<null>" {
					if !v.isNull() {
						t.Errorf("%s = %+v, want null", k, v)
					}
					continue
				}
				got, err := n.str(k)
				if err != nil || got != want {
					t.Errorf("%s = %q (%v), want %q", k, got, err, want)
				}
			}
		})
	}
}

func TestParseYAMLNested(t *testing.T) {
	n, err := parseYAML("source_type: DATASET\ntags:\n  mlflow.data.context: training\n  'odd key': \"v\"\nlist:\n- a\n- k: 1\n  j: 2\nafter: x\n")
	if err != nil {
		t.Fatal(err)
	}
	tags, err := n.strMap("tags")
	if err != nil || tags["mlflow.data.context"] != "training" || tags["odd key"] != "v" || len(tags) != 2 {
		t.Errorf("tags = %v, %v", tags, err)
	}
	l := n.get("list")
	if l == nil || l.kind != seqNode || len(l.seq) != 2 || l.seq[0].text != "a" || l.seq[1].get("j").text != "2" {
		t.Errorf("list = %+v", l)
	}
	if s, _ := n.str("after"); s != "x" {
		t.Errorf("after = %q", s)
	}
	if v, ok, err := n.integer("source_type"); ok || err == nil {
		t.Errorf("integer(source_type) = %d, %v, %v; want an error", v, ok, err)
	}
}

func TestParseYAMLErrors(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{"a: 1\n  b: 2\nc: [1, 2]\n", "line 3: unsupported YAML"},
		{"a: 1\na: 2\n", "line 2: duplicate key"},
		{"a: 'open\nb: 2\n", "line 1: unterminated '-quoted string"},
		{"a: &x 1\n", "line 1: unsupported YAML"},
		{"a: |\n  x\n", "line 1: unsupported YAML"},
		{"just text\n", "line 1: want \"key: value\""},
		{"- a\n", "line 1: the document is a sequence"},
		{"a: 1\n\tb: 2\n", "line 2: tab in indentation"},
		{"a: \"x\\q\"\n", "line 1: unknown escape"},
		{"a: 'x' y\n", "line 1: unexpected"},
		{"  a: 1\n", "line 1: the document must start at column 1"},
	} {
		_, err := parseYAML(tc.src)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("parseYAML(%q) = %v, want %q", tc.src, err, tc.want)
		}
	}
}

// Every meta.yaml of the fixture (written by PyYAML, as MLflow writes them)
// parses.
func TestParseFixtureMetaFiles(t *testing.T) {
	n := 0
	err := filepath.Walk(fixture("mlruns"), func(p string, fi os.FileInfo, err error) error {
		if err != nil || fi.Name() != "meta.yaml" {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if _, err := parseYAML(string(b)); err != nil {
			t.Errorf("%s: %v", p, err)
		}
		n++
		return nil
	})
	if err != nil || n < 10 {
		t.Fatalf("walked %d meta.yaml files: %v", n, err)
	}
}

func FuzzParseYAML(f *testing.F) {
	for _, s := range []string{
		"a: 1\n", "name: a long\n  name\n", "s: '{\"a\":\n  1}'\n", "u: \"\\xE9\\u2014\"\n", "tags: []\n",
		"tags:\n  k: v\n", "l:\n- a\n- k: 1\n", "a: 'x\n\n  y'\n", "d: \"a\\\n  b\"\n", "---\n# c\na: ~\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		n, err := parseYAML(src)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "line ") {
				t.Fatalf("error without a line: %v", err)
			}
			return
		}
		if n.kind != mapNode {
			t.Fatalf("top level is %v, want a mapping", n.kind)
		}
		// Re-parsing gives the same scalars: the parser is deterministic.
		m, err := parseYAML(src)
		if err != nil || len(m.keys) != len(n.keys) {
			t.Fatalf("second parse differs: %v", err)
		}
		for _, k := range n.keys {
			a, _ := n.str(k)
			b, _ := m.str(k)
			if a != b {
				t.Fatalf("key %q: %q then %q", k, a, b)
			}
		}
	})
}

func TestParseMetricLine(t *testing.T) {
	for _, tc := range []struct {
		line      string
		ts, step  int64
		value     float64
		wantError string
	}{
		{line: "1700000001000 0.5 3", ts: 1700000001000, value: 0.5, step: 3},
		{line: "1700000001000 0.5", ts: 1700000001000, value: 0.5},
		{line: "1700000001000 1e-05 7\r", ts: 1700000001000, value: 1e-05, step: 7},
		{line: "1 nan 0", ts: 1, value: math.NaN()},
		{line: "1 inf 0", ts: 1, value: math.Inf(1)},
		{line: "1 -inf 2", ts: 1, value: math.Inf(-1), step: 2},
		{line: "1 0.3 2 d00dfeed", ts: 1, value: 0.3, step: 2},
		{line: "1 0.3 2 d00dfeed customers 9f86d081", ts: 1, value: 0.3, step: 2},
		{line: "-5 2 -1", ts: -5, value: 2, step: -1},
		{line: "1700000001000", wantError: `want "timestamp value [step]", got 1 field`},
		{line: "", wantError: `got 1 field`},
		{line: "1 2 3 4 5 6 7", wantError: `got 7 fields`},
		{line: "1  2", wantError: `empty field 2`},
		{line: "1.5 2 3", wantError: `timestamp "1.5" is not an integer`},
		{line: "1 oops 3", wantError: `value "oops" is not a number`},
		{line: "1 0x1p-2 3", wantError: `value "0x1p-2" is not a number`},
		{line: "1 2 3.0", wantError: `step "3.0" is not an integer`},
	} {
		ts, v, step, err := parseMetricLine(tc.line)
		if tc.wantError != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantError) {
				t.Errorf("%q: error %v, want %q", tc.line, err, tc.wantError)
			}
			continue
		}
		if err != nil || ts != tc.ts || step != tc.step || !sameFloat(v, tc.value) {
			t.Errorf("%q = %d %v %d, %v", tc.line, ts, v, step, err)
		}
	}
}

func FuzzParseMetricLine(f *testing.F) {
	for _, s := range []string{"1700000001000 0.5 3", "1 nan", "1 -inf 2 run", "1  2", "x y z", "1 1e308 9223372036854775807"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		ts, v, step, err := parseMetricLine(line)
		if err != nil {
			if !strings.HasPrefix(err.Error(), metricLineWant) {
				t.Fatalf("error %q does not say what a line should be", err)
			}
			return
		}
		// What parsed, printed back the way MLflow writes it, parses the same.
		again := strconv.FormatInt(ts, 10) + " " + strconv.FormatFloat(v, 'g', -1, 64) + " " + strconv.FormatInt(step, 10)
		ts2, v2, step2, err := parseMetricLine(again)
		if err != nil || ts2 != ts || step2 != step || !sameFloat(v, v2) {
			t.Fatalf("%q -> %q -> %d %v %d (%v)", line, again, ts2, v2, step2, err)
		}
	})
}
