package runner

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// referenceScan is a direct, slow statement of the scanner's documented
// rules (docs/jobs.md): cut at "\n"; in each line keep the text after the
// last "\r" that is followed by text, without trailing "\r"s; a kept text
// over max bytes is a warning if it starts with the prefix, else nothing.
func referenceScan(input []byte, max int) []Directive {
	lines := bytes.Split(input, []byte("\n"))
	final := lines[len(lines)-1]
	lines = lines[:len(lines)-1]
	var out []Directive
	judge := func(n int, raw []byte, isFinal bool) {
		seg := raw
		for i := len(raw) - 2; i >= 0; i-- {
			if raw[i] == '\r' && raw[i+1] != '\r' {
				seg = raw[i+1:]
				break
			}
		}
		seg = bytes.TrimRight(seg, "\r")
		if isFinal && len(seg) == 0 {
			return
		}
		if len(seg) > max {
			if bytes.HasPrefix(seg, []byte(DirectivePrefix)) {
				d := warnf("the line is over %d bytes", max)
				d.Line = int64(n)
				out = append(out, d)
			}
			return
		}
		if d, ok := ParseLine(seg); ok {
			d.Line = int64(n)
			out = append(out, d)
		}
	}
	for i, l := range lines {
		judge(i+1, l, false)
	}
	judge(len(lines)+1, final, true)
	return out
}

func render(ds []Directive) string {
	var b strings.Builder
	for _, d := range ds {
		fmt.Fprintf(&b, "%d: %s\n", d.Line, show(d))
	}
	return b.String()
}

func checkText(t *testing.T, what, s string, blanks bool) {
	t.Helper()
	if !utf8.ValidString(s) {
		t.Fatalf("%s %q is not valid UTF-8", what, s)
	}
	for _, r := range s {
		if unicode.IsControl(r) && r != '\t' || !blanks && unicode.IsSpace(r) {
			t.Fatalf("%s %q holds %q", what, s, r)
		}
	}
}

func FuzzParseLines(f *testing.F) {
	for _, seed := range []string{
		"lathe: metric loss=0.42 step=3\n",
		"lathe: metrics {\"loss\":0.42,\"acc\":0.9} step=3\n",
		"lathe: param lr=0.01\nlathe: tag k=v\n",
		"10%\r20%\rlathe: metric a=1\r\n",
		"lathe: metric a=1\r 50%\n\r\r\n",
		"lathe: metric a=\xff\n\x00lathe:\n",
		"lathe: metrics {\"a\":1e999,\"b\":\"NaN\"}",
		strings.Repeat("lathe: metric x=1 ", 10) + "\n",
		"lathe: bogus\nlathe:metric a=1\n",
	} {
		f.Add([]byte(seed), []byte{1, 5, 17})
	}
	const max = 96
	f.Fuzz(func(t *testing.T, data, cuts []byte) {
		whole := NewLineScanner(max)
		got := whole.Close(whole.Feed(nil, data))

		pieces := NewLineScanner(max)
		var split []Directive
		rest := data
		for i := 0; len(rest) > 0; i++ {
			n := len(rest)
			if len(cuts) > 0 {
				n = min(n, int(cuts[i%len(cuts)])+1)
			}
			split = pieces.Feed(split, rest[:n])
			rest = rest[n:]
			if len(pieces.buf) > max {
				t.Fatalf("scanner holds %d bytes, over its bound %d", len(pieces.buf), max)
			}
		}
		split = pieces.Close(split)

		if a, b := render(got), render(split); a != b {
			t.Fatalf("the result depends on how the input is cut:\nwhole:\n%s\npieces:\n%s", a, b)
		}
		if a, b := render(got), render(referenceScan(data, max)); a != b {
			t.Fatalf("scanner and reference disagree:\nscanner:\n%s\nreference:\n%s", a, b)
		}
		lines := int64(bytes.Count(data, []byte("\n")) + 1)
		var last int64
		for _, d := range got {
			if d.Line < 1 || d.Line > lines || d.Line <= last {
				t.Fatalf("line number %d out of order or range (after %d, of %d)", d.Line, last, lines)
			}
			last = d.Line
			switch d.Kind {
			case KindMetric:
				if len(d.Points) == 0 {
					t.Fatalf("metric directive without points")
				}
				for _, p := range d.Points {
					if strings.TrimSpace(p.Key) == "" {
						t.Fatalf("empty metric key")
					}
					checkText(t, "metric key", p.Key, true)
				}
			case KindParam, KindTag:
				if d.Key == "" {
					t.Fatalf("empty %s key", d.Kind)
				}
				checkText(t, "key", d.Key, false)
				checkText(t, "value", d.Value, true)
			case KindWarning:
				if d.Warning == "" {
					t.Fatalf("empty warning")
				}
				checkText(t, "warning", d.Warning, true)
			default:
				t.Fatalf("directive of kind %d", d.Kind)
			}
		}
	})
}
