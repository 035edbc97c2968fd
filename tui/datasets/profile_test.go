package datasets

import (
	"context"
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/lathe-ml/lathe/monitor/profile"
	"github.com/lathe-ml/lathe/monitor/table"
	"github.com/lathe-ml/lathe/tui/common"
)

// TestDecodeProfile: the pane's decoder reads what monitor/profile writes,
// infinities and text bounds included.
func TestDecodeProfile(t *testing.T) {
	csv := "x,name,when\n1.5,a,2025-01-01\n2.5,b,2025-01-02\ninf,a,2025-01-03\n,c,2025-01-04\n"
	r, err := table.OpenReader(context.Background(), "t.csv", strings.NewReader(csv), table.FormatCSV, false)
	if err != nil {
		t.Fatal(err)
	}
	res, err := profile.Profile(context.Background(), r, profile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	p, err := decodeProfile(string(b))
	if err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	if p.Rows != 4 || len(p.Columns) != 3 {
		t.Fatalf("rows %d, columns %d:\n%s", p.Rows, len(p.Columns), b)
	}
	x := p.Columns[0]
	if x.Name != "x" || x.Nulls != 1 || x.Max == nil || !math.IsInf(float64(x.Max.Num), 1) {
		t.Fatalf("x = %+v:\n%s", x, b)
	}
	if w := p.Columns[2]; w.Min == nil || fmtBound(w.Min) != "2025-01-01" {
		t.Fatalf("when.min = %+v:\n%s", w.Min, b)
	}
	if n := p.Columns[1]; len(n.Top) == 0 || n.Top[0].Value != "a" || n.Top[0].Count != 2 {
		t.Fatalf("name.top = %+v:\n%s", n.Top, b)
	}
}

func TestFormat(t *testing.T) {
	for _, c := range []struct {
		f    float64
		want string
	}{{1732.19512, "1732.2"}, {40.52371, "40.5237"}, {0.0078, "0.0078"}, {1, "1"}, {0.99999, "1"}, {1e-7, "1e-07"},
		{123456.7, "123457"}, {-2.5, "-2.5"}, {math.Inf(1), "+Inf"}} {
		if got := fmtFloat(c.f); got != c.want {
			t.Errorf("fmtFloat(%v) = %q, want %q", c.f, got, c.want)
		}
	}
	if got := common.FormatCount(1234567); got != "1,234,567" {
		t.Errorf("fmtCount = %q", got)
	}
	if got := fmtSize(2300); got != "2.2 KiB" {
		t.Errorf("fmtSize = %q", got)
	}
}
