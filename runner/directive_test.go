package runner

import (
	"fmt"
	"math"
	"strings"
	"testing"
)

// show renders a directive compactly for table comparisons.
func show(d Directive) string {
	switch d.Kind {
	case KindMetric:
		var parts []string
		for _, p := range d.Points {
			parts = append(parts, fmt.Sprintf("%s=%v", p.Key, p.Value))
		}
		return fmt.Sprintf("metric %s @%d", strings.Join(parts, " "), d.Step)
	case KindParam, KindTag:
		return fmt.Sprintf("%s %s=%q", d.Kind, d.Key, d.Value)
	case KindWarning:
		return "warning: " + d.Warning
	}
	return "?"
}

func TestParseLine(t *testing.T) {
	for _, c := range []struct {
		line string
		want string // "" means not a directive; "warning: X" matches a warning containing X
	}{
		{"epoch 1 done", ""},
		{"  lathe: metric loss=1", ""}, // a directive starts the line
		{"Lathe: metric loss=1", ""},
		{"lathe: metric loss=0.42", "metric loss=0.42 @0"},
		{"lathe: metric loss=0.42 step=3", "metric loss=0.42 @3"},
		{"lathe: metric step=-2 loss=1e-3 acc=0.9", "metric loss=0.001 acc=0.9 @-2"},
		{"lathe:\tmetric\tloss=1\t step=7  ", "metric loss=1 @7"},
		{"lathe: metric val/acc=NaN train.loss=-Inf x=+inf", "metric val/acc=NaN train.loss=-Inf x=+Inf @0"},
		{"lathe: metric big=1e999", "metric big=+Inf @0"},
		{"lathe: metrics {\"loss\": 0.42, \"acc\": 0.9}", "metric acc=0.9 loss=0.42 @0"},
		{"lathe: metrics {\"loss\":0.5,\"val acc\":\"NaN\"} step=12", "metric loss=0.5 val acc=NaN @12"},
		{"lathe: metrics {\"a\":\"Infinity\",\"b\":\"-Infinity\"}", "metric a=+Inf b=-Inf @0"},
		{"lathe: param lr=0.01", `param lr="0.01"`},
		{"lathe: param optimizer = adam with warmup ", `param optimizer="adam with warmup"`},
		{"lathe: param note=a=b", `param note="a=b"`},
		{"lathe: param empty=", `param empty=""`},
		{"lathe: tag stage=pretrain", `tag stage="pretrain"`},
		{"lathe: metric loss=1\r", "metric loss=1 @0"}, // as the scanner would not pass it, but harmless

		{"lathe:", "warning: empty directive"},
		{"lathe:metric loss=1", "warning: want a space"},
		{"lathe: metirc loss=1", `warning: unknown directive "metirc"`},
		{"lathe: metric", "warning: no KEY=VALUE"},
		{"lathe: metric loss", "warning: not KEY=VALUE"},
		{"lathe: metric loss=high", `warning: "high" is not a number`},
		{"lathe: metric =1", "warning: empty key"},
		{"lathe: metric loss=1 step=1.5", "warning: step"},
		{"lathe: metric loss=1 step=1 step=2", "warning: step given twice"},
		{"lathe: metrics [1,2]", "warning: JSON object"},
		{"lathe: metrics null", "warning: JSON object"},
		{"lathe: metrics {}", "warning: empty object"},
		{"lathe: metrics {\"a\": true}", "warning: want a number"},
		{"lathe: metrics {\"a\": \"fast\"}", "warning: not a number"},
		{"lathe: metrics {\"a\": 1} epoch=3", "warning: only step=N"},
		{"lathe: metrics {\"\": 1}", "warning: empty key"},
		{"lathe: metrics {\"a\\u0007\": 1}", "warning: control character"},
		{"lathe: metrics {\"a\": 1", "warning: JSON object"},
		{"lathe: param lr", "warning: want KEY=VALUE"},
		{"lathe: param =1", "warning: empty key"},
		{"lathe: tag a b=1", "warning: blank"},
		{"lathe: tag k=a\x00b", "warning: control character"},
		{"lathe: metric loss=\xff", "warning: not valid UTF-8"},
	} {
		d, ok := ParseLine([]byte(c.line))
		got := ""
		if ok {
			got = show(d)
		}
		switch {
		case c.want == "" || !strings.HasPrefix(c.want, "warning: "):
			if got != c.want {
				t.Errorf("ParseLine(%q) = %q, want %q", c.line, got, c.want)
			}
		default:
			if d.Kind != KindWarning || !strings.Contains(got, strings.TrimPrefix(c.want, "warning: ")) {
				t.Errorf("ParseLine(%q) = %q, want a warning mentioning %q", c.line, got, strings.TrimPrefix(c.want, "warning: "))
			}
		}
	}
}

func TestParseLineNaN(t *testing.T) {
	d, _ := ParseLine([]byte("lathe: metric a=nan"))
	if len(d.Points) != 1 || !math.IsNaN(d.Points[0].Value) {
		t.Errorf("nan: %+v", d)
	}
}

// scan feeds input to a new scanner in pieces of the given sizes (cycled)
// and returns the directives shown one per line.
func scan(input string, max int, sizes ...int) string {
	s := NewLineScanner(max)
	var ds []Directive
	b := []byte(input)
	for i := 0; len(b) > 0; i++ {
		n := len(b)
		if len(sizes) > 0 {
			n = min(len(b), max0(sizes[i%len(sizes)]))
		}
		ds = s.Feed(ds, b[:n])
		b = b[n:]
	}
	ds = s.Close(ds)
	var out []string
	for _, d := range ds {
		out = append(out, fmt.Sprintf("%d: %s", d.Line, show(d)))
	}
	return strings.Join(out, "\n")
}

func max0(n int) int { return max(1, n) }

func TestLineScanner(t *testing.T) {
	for _, c := range []struct {
		name, input, want string
	}{
		{"ordinary output is ignored", "hello\nworld\n", ""},
		{"interleaved", "epoch 1\nlathe: metric loss=1 step=1\nWARNING: x\nlathe: param lr=0.1\n",
			"2: metric loss=1 @1\n4: param lr=\"0.1\""},
		{"CRLF", "lathe: metric loss=1\r\nlathe: tag a=b\r\n", "1: metric loss=1 @0\n2: tag a=\"b\""},
		{"progress bar: only the last segment counts", "10%\r50%\rlathe: metric loss=2\n", "1: metric loss=2 @0"},
		{"a directive overwritten by a progress bar is gone", "lathe: metric loss=2\r 60%\n", ""},
		{"carriage returns before the newline do not rewind", "lathe: metric loss=3\r\r\n", "1: metric loss=3 @0"},
		{"last line without newline", "x\nlathe: metric loss=4", "2: metric loss=4 @0"},
		{"trailing carriage return at the end", "lathe: metric loss=5\r", "1: metric loss=5 @0"},
		{"empty lines count", "\n\n\nlathe: metric a=1\n", "4: metric a=1 @0"},
		{"garbage", "\x00\xff\xfe lathe: metric a=1\n\x1b[31mlathe: metric b=1\n", ""},
		{"too long a directive warns once", "lathe: metric loss=1 " + strings.Repeat("x", 100) + "\nlathe: metric ok=1\n",
			"1: warning: the line is over 64 bytes\n2: metric ok=1 @0"},
		{"too long ordinary output is ignored", strings.Repeat("y", 500) + "\nlathe: metric ok=1\n", "2: metric ok=1 @0"},
		{"a long line rewound to a short directive", strings.Repeat("z", 500) + "\rlathe: metric ok=2\n", "1: metric ok=2 @0"},
	} {
		for _, sizes := range [][]int{nil, {1}, {2, 3}, {7}, {64}} {
			if got := scan(c.input, 64, sizes...); got != c.want {
				t.Errorf("%s (pieces %v):\ngot:\n%s\nwant:\n%s", c.name, sizes, got, c.want)
			}
		}
	}
}
