package datadiff

import (
	"math"
	"strconv"
	"testing"

	"github.com/lathe-ml/lathe/monitor/table"
)

var classifyCorpus = []string{
	"0", "7", "-7", "+7", "007", "123456789012345678", "9223372036854775807", "9223372036854775808",
	"-9223372036854775808", "-9223372036854775809", "99999999999999999999999",
	"1.5", "-1.5", "+.5", "5.", ".", "-", "+", "1e5", "1E-5", "-1e+5", "1e400", "1e", "e5", "1.2.3", "1-2", "--1",
	"2024-01-02", "2024-01-02 03:04:05", "2024-01-02T03:04:05Z", "2024-13-02", "2024-", "1234-5", "12345-6",
	"inf", "-inf", "+Inf", "Infinity", "-INFINITY", "nan", "+nan", "-NaN", "NAN",
	"0x1p3", "1_000", "true", "False", "abc", " 1", "1 ", "C123", "١٢",
}

func TestClassifyAgreesWithInfer(t *testing.T) {
	for _, s := range classifyCorpus {
		checkClassify(t, s)
	}
}

func FuzzClassify(f *testing.F) {
	for _, s := range classifyCorpus {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if s == "" {
			return
		}
		checkClassify(t, s)
	})
}

func checkClassify(t *testing.T, s string) {
	t.Helper()
	k, f := classify(s)
	if want := table.Infer(s); k != want {
		t.Fatalf("classify(%q) kind %q, Infer says %q", s, k, want)
	}
	if !isNumeric(k) {
		return
	}
	want, err := strconv.ParseFloat(s, 64)
	if err != nil {
		if !math.IsNaN(f) {
			t.Fatalf("classify(%q) = %v, ParseFloat fails (%v): want NaN", s, f, err)
		}
		return
	}
	if f != want && !(math.IsNaN(f) && math.IsNaN(want)) {
		t.Fatalf("classify(%q) = %v, want %v", s, f, want)
	}
}

func TestTextBufRoundTrip(t *testing.T) {
	var b textBuf
	long := string(make([]byte, 300)) // a two-byte length
	in := []string{"", "a", long, "héllo", ""}
	for i := range 5000 { // several chunks, one text larger than a chunk
		in = append(in, strconv.Itoa(i))
	}
	in = append(in, string(make([]byte, 3*maxChunk)), "end")
	for _, s := range in {
		b.add(s)
	}
	var out []string
	for v := range b.all() {
		out = append(out, v)
	}
	if len(out) != len(in) || b.n != len(in) {
		t.Fatalf("got %d texts, want %d", len(out), len(in))
	}
	for i := range in {
		if out[i] != in[i] {
			t.Errorf("text %d = %q, want %q", i, out[i], in[i])
		}
	}
}

func FuzzFastDecimal(f *testing.F) {
	for _, s := range classifyCorpus {
		f.Add(s)
	}
	for _, s := range []string{"0.000000000000000000001", "123456789012345", "1234567890123456", "-0", "-0.0e5",
		"1e22", "1e23", "9007199254740993", "0.1", "1.7976931348623157e308", "00000000000000000000000001", "1e-022"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, isInt, ok := fastDecimal(s)
		if !ok {
			return
		}
		want, err := strconv.ParseFloat(s, 64)
		if err != nil {
			t.Fatalf("fastDecimal(%q) = %v, ParseFloat fails: %v", s, got, err)
		}
		if math.Float64bits(got) != math.Float64bits(want) {
			t.Fatalf("fastDecimal(%q) = %v, ParseFloat %v", s, got, want)
		}
		if k := table.Infer(s); (k == table.KindInt) != isInt || (k != table.KindInt && k != table.KindFloat) {
			t.Fatalf("fastDecimal(%q) isInt %v, Infer says %q", s, isInt, k)
		}
	})
}

func TestParseTrusted(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want float64
	}{{"1.5", 1.5}, {"-3", -3}, {"1e400", math.Inf(1)}, {"-1e400", math.Inf(-1)}, {"12345678901234567890", 12345678901234567890}} {
		if got := parseTrusted(tc.in); got != tc.want {
			t.Errorf("parseTrusted(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
	if got := parseTrusted("abc"); !math.IsNaN(got) {
		t.Errorf("parseTrusted(abc) = %v, want NaN", got)
	}
}
