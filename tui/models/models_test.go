package models_test

import (
	"context"
	"strings"
	"testing"

	"github.com/charmbracelet/x/exp/golden"

	"github.com/lathe-ml/lathe/store"
	"github.com/lathe-ml/lathe/tui/common"
	"github.com/lathe-ml/lathe/tui/internal/testutil"
	"github.com/lathe-ml/lathe/tui/models"
)

// seed adds two models to the seeded store: recs v1 (baseline, champion),
// v2 (wide-lr), v3 (cnn-1); and digits v1 (resnet-18).
func seed(t *testing.T) *store.Store {
	t.Helper()
	ctx := context.Background()
	st := testutil.Seed(t)
	for _, v := range []struct{ model, run string }{{"recs", "baseline"}, {"recs", "wide-lr"}, {"recs", "cnn-1"}, {"digits", "resnet-18"}} {
		if _, err := st.GetRegisteredModel(ctx, v.model); err != nil {
			if _, err := st.CreateRegisteredModel(ctx, v.model, "", nil); err != nil {
				t.Fatal(err)
			}
		}
		id := testutil.ID(v.run)
		if _, err := st.CreateModelVersion(ctx, store.ModelVersionCreate{Name: v.model, Source: "runs:/" + id + "/model", RunID: id}); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.SetModelAlias(ctx, "recs", "champion", 1); err != nil {
		t.Fatal(err)
	}
	return st
}

func open(t *testing.T, st common.Store, w, h int) *models.Model {
	t.Helper()
	m := models.New(testutil.Common(t, st))
	m.SetSize(w, h)
	m.Focus()
	testutil.Drain(t, m.Update, m.Init())
	return m
}

func TestView(t *testing.T) {
	st := seed(t)
	for _, sz := range testutil.Sizes {
		t.Run(testutil.SizeName(sz), func(t *testing.T) {
			m := open(t, st, sz[0], sz[1]-2)
			testutil.Press(t, m.Update, "down") // recs (models sort by name)
			golden.RequireEqual(t, []byte(m.View()))
		})
	}
}

func TestEmpty(t *testing.T) {
	m := open(t, testutil.Seed(t), 80, 20)
	if v := m.View(); !strings.Contains(v, "No registered models. Register one with") {
		t.Fatalf("an empty registry should say so:\n%s", v)
	}
}

func TestMoveAlias(t *testing.T) {
	st := seed(t)
	m := open(t, st, 100, 30)
	testutil.Press(t, m.Update, "down", "tab") // recs, versions
	if !strings.Contains(m.View(), "champion") {
		t.Fatalf("v1 should show its alias:\n%s", m.View())
	}
	testutil.Press(t, m.Update, "a")
	if !m.Capturing() {
		t.Fatal("a should open the alias input")
	}
	testutil.Type(t, m.Update, "champion")
	testutil.Press(t, m.Update, "enter")
	if v := m.View(); !strings.Contains(v, "move champion from v1 to v3? y/n") {
		t.Fatalf("the move should ask first:\n%s", v)
	}
	msgs := testutil.Press(t, m.Update, "y")
	var said bool
	for _, msg := range msgs {
		if f, ok := msg.(common.FlashMsg); ok && f.Text == "recs@champion → v3" && !f.Err {
			said = true
		}
	}
	if !said {
		t.Fatalf("moving should say so: %v", msgs)
	}
	v, err := st.GetModelVersionByAlias(context.Background(), "recs", "champion")
	if err != nil || v.Version != 3 {
		t.Fatalf("champion = %v, %v; want v3", v, err)
	}
	// n declines.
	testutil.Press(t, m.Update, "down", "a")
	testutil.Type(t, m.Update, "champion")
	testutil.Press(t, m.Update, "enter", "n")
	if v, _ := st.GetModelVersionByAlias(context.Background(), "recs", "champion"); v.Version != 3 || m.Capturing() {
		t.Fatalf("n should leave the alias: v%d", v.Version)
	}
}

func TestOpenRun(t *testing.T) {
	m := open(t, seed(t), 100, 30)
	testutil.Press(t, m.Update, "tab")
	msgs := testutil.Press(t, m.Update, "enter")
	for _, msg := range msgs {
		if o, ok := msg.(common.OpenRunMsg); ok && o.ID == testutil.ID("resnet-18") {
			return
		}
	}
	t.Fatalf("enter should open digits v1's run: %v", msgs)
}
