package table

import (
	"strconv"
	"testing"
	"time"
)

func TestInfer(t *testing.T) {
	tests := []struct {
		in   string
		want Kind
	}{
		{"", KindUnknown},
		{"0", KindInt}, {"-12", KindInt}, {"+7", KindInt}, {"9223372036854775807", KindInt},
		{"9223372036854775808", KindFloat}, {"-9223372036854775808", KindInt},
		{"1.0", KindFloat}, {"-.5", KindFloat}, {"1e5", KindFloat}, {"1.5E-3", KindFloat},
		{"inf", KindFloat}, {"-Inf", KindFloat}, {"+infinity", KindFloat}, {"nan", KindFloat}, {"NaN", KindFloat},
		{"true", KindBool}, {"False", KindBool}, {"TRUE", KindBool}, {"tRue", KindString}, {"yes", KindString},
		{"2024-01-31", KindTimestamp}, {"2024-02-30", KindString},
		{"2024-01-31 12:34:56", KindTimestamp}, {"2024-01-31 12:34:56.789", KindTimestamp},
		{"2024-01-31T12:34:56", KindTimestamp}, {"2024-01-31T12:34:56.5", KindTimestamp},
		{"2024-01-31T12:34:56Z", KindTimestamp}, {"2024-01-31T12:34:56.123456789+02:00", KindTimestamp},
		{"2024-01-31T25:00:00Z", KindString}, {"2024-1-31", KindString},
		{"1.2.3", KindString}, {"-", KindString}, {"+", KindString}, {".", KindString}, {"e5", KindString},
		{"1_000", KindString}, {"0x10", KindString}, {"12abc", KindString}, {" 1", KindString}, {"abc", KindString},
		{"infinite", KindString}, {"-nanx", KindString},
	}
	for _, tt := range tests {
		if got := Infer(tt.in); got != tt.want {
			t.Errorf("Infer(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestWiden(t *testing.T) {
	tests := []struct{ a, b, want Kind }{
		{KindUnknown, KindInt, KindInt}, {KindFloat, KindUnknown, KindFloat}, {KindUnknown, KindUnknown, KindUnknown},
		{KindInt, KindInt, KindInt}, {KindInt, KindFloat, KindFloat}, {KindFloat, KindInt, KindFloat},
		{KindInt, KindBool, KindString}, {KindTimestamp, KindInt, KindString}, {KindString, KindFloat, KindString},
		{KindBool, KindBool, KindBool},
	}
	for _, tt := range tests {
		if got := Widen(tt.a, tt.b); got != tt.want {
			t.Errorf("Widen(%q, %q) = %q, want %q", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestIsNAString(t *testing.T) {
	for _, s := range []string{"", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan",
		"1.#IND", "1.#QNAN", "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null"} {
		if !IsNAString(s) {
			t.Errorf("IsNAString(%q) = false", s)
		}
	}
	for _, s := range []string{"na", "Null", "NONE", "none", " NA", "0", "-", "N.A."} {
		if IsNAString(s) {
			t.Errorf("IsNAString(%q) = true", s)
		}
	}
}

func TestInferAllocs(t *testing.T) {
	inputs := []string{"123", "1.5", "true", "2024-01-31", "2024-01-31T12:34:56Z", "hello", "-inf"}
	for _, s := range inputs {
		if n := testing.AllocsPerRun(100, func() { Infer(s) }); n != 0 {
			t.Errorf("Infer(%q): %v allocations", s, n)
		}
	}
}

func BenchmarkInfer(b *testing.B) {
	inputs := []string{"123", "1.5", "-0.25e3", "true", "2024-01-31", "2024-01-31 12:00:00", "London", ""}
	for b.Loop() {
		for _, s := range inputs {
			Infer(s)
		}
	}
}

// FuzzInfer: no panic, and each kind Infer returns is backed by the parser
// that defines it.
func FuzzInfer(f *testing.F) {
	for _, s := range []string{"1", "-1.5e3", "true", "2024-01-31", "2024-01-31T12:00:00Z", "inf", "x", "9999999999999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		switch k := Infer(s); k {
		case KindInt:
			if _, err := strconv.ParseInt(s, 10, 64); err != nil {
				t.Fatalf("Infer(%q) = int: %v", s, err)
			}
		case KindFloat:
			if _, err := strconv.ParseFloat(s, 64); err != nil {
				t.Fatalf("Infer(%q) = float: %v", s, err)
			}
			if _, err := strconv.ParseInt(s, 10, 64); err == nil {
				t.Fatalf("Infer(%q) = float, but it is an int", s)
			}
		case KindBool:
			if _, err := strconv.ParseBool(s); err != nil {
				t.Fatalf("Infer(%q) = bool: %v", s, err)
			}
		case KindTimestamp:
			ok := false
			for _, l := range []string{time.RFC3339Nano, time.DateOnly, time.DateTime, "2006-01-02T15:04:05"} {
				if _, err := time.Parse(l, s); err == nil {
					ok = true
				}
			}
			if !ok {
				t.Fatalf("Infer(%q) = timestamp, but no layout parses it", s)
			}
		case KindUnknown:
			if s != "" {
				t.Fatalf("Infer(%q) = unknown", s)
			}
		case KindString:
			if _, err := strconv.ParseInt(s, 10, 64); err == nil {
				t.Fatalf("Infer(%q) = string, but it is an int", s)
			}
		default:
			t.Fatalf("Infer(%q) = %q", s, k)
		}
	})
}
