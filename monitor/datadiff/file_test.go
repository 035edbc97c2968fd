package datadiff

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/lathe-ml/lathe/monitor/table"
)

// TestCSVFiles compares two CSV files through table.Open, whose empty
// fields arrive as nulls.
func TestCSVFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) table.Reader {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		r, err := table.Open(context.Background(), p)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { r.Close() })
		return r
	}
	ref := write("ref.csv", "id,amount,segment,old\n1,10,a,x\n2,,b,y\n3,12.5,a,z\n")
	cur := write("cur.csv", "id,amount,segment,new\n1,11,a,p\n2,NA,c,q\n3,x,,r\n")
	rep, err := Compare(context.Background(), ref, cur, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.RefRows != 3 || rep.CurRows != 3 || len(rep.Added) != 1 || len(rep.Removed) != 1 {
		t.Fatalf("report = %+v", rep)
	}
	if len(rep.TypeChanged) != 1 || rep.TypeChanged[0] != (TypeChange{Column: "amount", From: table.KindFloat, To: table.KindString}) {
		t.Errorf("type changed = %+v", rep.TypeChanged)
	}
	seg := byName(t, rep, "segment")
	if seg.Type != TypeCategorical || len(seg.Unseen) != 1 || seg.Unseen[0] != "c" || !seg.Drift {
		t.Errorf("segment = %+v", seg)
	}
	if id := byName(t, rep, "id"); id.Type != TypeNumeric || id.Drift || id.Error != "" {
		t.Errorf("id = %+v", id)
	}
}
