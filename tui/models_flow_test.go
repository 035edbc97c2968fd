package tui_test

import (
	"context"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/teatest"

	"github.com/lathe-ml/lathe/store"
	"github.com/lathe-ml/lathe/themes"
	"github.com/lathe-ml/lathe/tui"
	"github.com/lathe-ml/lathe/tui/internal/testutil"
)

// TestFlowMoveAlias: open the models pane, pick v2 of recs, move champion
// to it through the alias input and the confirmation; the store follows.
func TestFlowMoveAlias(t *testing.T) {
	ctx := context.Background()
	st := testutil.Seed(t)
	if _, err := st.CreateRegisteredModel(ctx, "recs", "", nil); err != nil {
		t.Fatal(err)
	}
	for _, run := range []string{"baseline", "wide-lr"} {
		id := testutil.ID(run)
		if _, err := st.CreateModelVersion(ctx, store.ModelVersionCreate{Name: "recs", Source: "runs:/" + id + "/model", RunID: id}); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.SetModelAlias(ctx, "recs", "champion", 1); err != nil {
		t.Fatal(err)
	}
	th, _ := themes.Load("dark")
	m, err := tui.New(tui.Options{Store: st, StoreLabel: "test-store", Theme: th, Renderer: testutil.Renderer(),
		Clock: func() time.Time { return testutil.Now }, Loc: time.UTC, Poll: -1, ExportDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Close)
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(80, 24))
	waitFor(t, tm, "13 runs")
	key(tm, "4")
	waitFor(t, tm, "VERSIONS · recs", "wide-lr")
	key(tm, "tab", "a")
	tm.Type("champion")
	key(tm, "enter")
	waitFor(t, tm, "move champion from v1 to v2? y/n")
	key(tm, "y")
	waitFor(t, tm, "recs@champion → v2")
	final(t, tm)
	v, err := st.GetModelVersionByAlias(ctx, "recs", "champion")
	if err != nil || v.Version != 2 {
		t.Fatalf("champion = %+v, %v; want v2", v, err)
	}
}
