package tui_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest"

	"github.com/lathe-ml/lathe/store"
	"github.com/lathe-ml/lathe/themes"
	"github.com/lathe-ml/lathe/tui"
	"github.com/lathe-ml/lathe/tui/internal/testutil"
)

// TestFlowDatasets: open the datasets pane (6), pick the amount column of
// retail:1 and see its histogram, then open the version's rows.
func TestFlowDatasets(t *testing.T) {
	ctx := context.Background()
	st := testutil.Seed(t)
	var b strings.Builder
	b.WriteString("id,amount,region\n")
	for i := 0; i < 30; i++ {
		fmt.Fprintf(&b, "%d,%d.5,%s\n", i, (i*7)%20, []string{"north", "south", "east"}[i%3])
	}
	p := filepath.Join(t.TempDir(), "retail.csv")
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	blob, _, err := st.PutBlobFile(ctx, p, nil)
	if err != nil {
		t.Fatal(err)
	}
	const profile = `{"rows":30,"columns":[
{"name":"id","type":"int","count":30,"nulls":0,"distinct":30,"min":0,"max":29,"mean":14.5,"std":8.8,"p50":14.5},
{"name":"amount","type":"float","count":30,"nulls":0,"distinct":20,"min":0.5,"max":19.5,"mean":10,"std":5.9,"p50":10,
 "histogram":{"edges":[0.5,4.3,8.1,11.9,15.7,19.5],"counts":[6,6,6,6,6]}},
{"name":"region","type":"categorical","count":30,"nulls":0,"distinct":3,"top":[{"value":"east","count":10},{"value":"north","count":10},{"value":"south","count":10}]}]}`
	v, _, err := st.AddDataVersion(ctx, store.DataVersionCreate{Name: "retail", Format: "csv", Rows: 30, Message: "first cut",
		Files: []store.DataFile{{Path: "retail.csv", Hash: blob.Hash, Size: blob.Size}}, Profile: profile})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.RecordRunDataInputs(ctx, testutil.ID("baseline"), []*store.DataVersion{v}, "training"); err != nil {
		t.Fatal(err)
	}
	th, _ := themes.Load("dark")
	m, err := tui.New(tui.Options{Store: st, StoreLabel: "test-store", Theme: th, Renderer: testutil.Renderer(),
		Clock: func() time.Time { return testutil.Now }, Loc: time.UTC, Poll: -1, ExportDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Close)
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(100, 30))
	waitFor(t, tm, "13 runs")
	key(tm, "6")
	waitFor(t, tm, "DATASETS (1)", "PROFILE · retail:1", "baseline")
	key(tm, "tab", "tab", "j")
	waitFor(t, tm, "HISTOGRAM · amount")
	key(tm, "r")
	waitFor(t, tm, "ROWS · retail:1 · all 30 rows")
	fm := final(t, tm)
	golden.RequireEqual(t, []byte(fm.View()))
}
