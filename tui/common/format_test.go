package common

import (
	"math"
	"strings"
	"testing"
	"time"
)

func TestFormat(t *testing.T) {
	for _, tc := range []struct {
		ms   int64
		want string
	}{{850, "850ms"}, {12_000, "12s"}, {185_000, "3m05s"}, {3_720_000, "1h02m"}, {183_600_000, "2d03h"}, {-1, ""}} {
		if got := FormatDuration(tc.ms); got != tc.want {
			t.Errorf("FormatDuration(%d) = %q, want %q", tc.ms, got, tc.want)
		}
	}
	for _, tc := range []struct {
		v    float64
		want string
	}{{3, "3"}, {0.123456, "0.1235"}, {math.NaN(), "NaN"}, {math.Inf(-1), "-Inf"}, {1e12, "1e+12"}, {-2.5e-7, "-2.5e-07"}} {
		if got := FormatValue(tc.v); got != tc.want {
			t.Errorf("FormatValue(%v) = %q, want %q", tc.v, got, tc.want)
		}
	}
	if got := RunDuration(1000, 0, time.UnixMilli(61_000)); got != "1m00s" {
		t.Errorf("a running run's duration runs to now: %q", got)
	}
}

func TestPadTruncateFit(t *testing.T) {
	for _, tc := range []struct {
		s     string
		w     int
		right bool
		want  string
	}{{"abc", 5, false, "abc  "}, {"abc", 5, true, "  abc"}, {"abcdef", 4, false, "abc…"}, {"日本語", 4, false, "日… "}, {"x", 0, false, ""}} {
		if got := Pad(tc.s, tc.w, tc.right); got != tc.want {
			t.Errorf("Pad(%q, %d) = %q, want %q", tc.s, tc.w, got, tc.want)
		}
	}
	if got := FitLines("a\nbb\nccc", 2, 4); got != "a \nbb\nc…\n  " {
		t.Errorf("FitLines = %q", got)
	}
	if got := FitHeight("a\nb\nc", 1, 2); got != "a\nb" {
		t.Errorf("FitHeight cut = %q", got)
	}
	if got := FitHeight("a", 2, 3); got != "a\n  \n  " {
		t.Errorf("FitHeight pad = %q", got)
	}
	if got := JoinColumns([]int{2, 1}, "ab\ncd\nef", "x"); got != "abx\ncd \nef " {
		t.Errorf("JoinColumns = %q", got)
	}
	if Width("\x1b[1mab\x1b[0m") != 2 || Width("abc") != 3 || Width(strings.Repeat("é", 3)) != 3 {
		t.Error("Width")
	}
}
