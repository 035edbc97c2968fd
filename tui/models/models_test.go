package models_test

import (
	"context"
	"os"
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

// TestFilter: `/` narrows the models by name or alias; a model matched
// through an alias shows only the versions that match; esc clears.
func TestFilter(t *testing.T) {
	st := seed(t)
	m := open(t, st, 100, 20)
	testutil.Drain(t, m.Update, m.StartFilter())
	if !m.Capturing() {
		t.Fatal("/ should give the filter the keyboard")
	}
	for _, r := range "champ" {
		testutil.Drain(t, m.Update, m.Update(testutil.Key(string(r))))
	}
	v := m.View()
	if !strings.Contains(v, "recs") || strings.Contains(v, "digits") || strings.Contains(v, "v2 ") || !strings.Contains(v, "v1 ") {
		t.Fatalf("champ should leave recs and its champion version only:\n%s", v)
	}
	testutil.Drain(t, m.Update, m.Update(testutil.Key("enter")))
	if m.Capturing() || !strings.Contains(m.View(), "/champ · 1 of 2 models") {
		t.Fatalf("enter should keep the filter and give the keys back:\n%s", m.View())
	}
	golden.RequireEqual(t, []byte(m.View()))
	if ok, cmd := m.Back(); !ok {
		t.Fatal("esc should clear the filter")
	} else {
		testutil.Drain(t, m.Update, cmd)
	}
	if v := m.View(); !strings.Contains(v, "digits") || !strings.Contains(v, "2 models") {
		t.Fatalf("clearing the filter should show every model:\n%s", v)
	}
	// By name: every version of the model.
	testutil.Drain(t, m.Update, m.StartFilter())
	testutil.Press(t, m.Update, "r", "e", "c")
	if v := m.View(); !strings.Contains(v, "v2 ") || !strings.Contains(v, "v3 ") || strings.Contains(v, "digits") {
		t.Fatalf("a model matched by name should show all its versions:\n%s", v)
	}
	// Single letters type while the filter is open.
	testutil.Press(t, m.Update, "q")
	if !strings.Contains(m.View(), "/ recq") && !strings.Contains(m.View(), "recq") {
		t.Fatalf("q should type into the filter:\n%s", m.View())
	}
}

// A version's lineage reaches the dataset versions its run was trained on.
func TestTrainedOn(t *testing.T) {
	st := seed(t)
	ctx := context.Background()
	p := t.TempDir() + "/retail.csv"
	if err := os.WriteFile(p, []byte("a,b\n1,2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	b, _, err := st.PutBlobFile(ctx, p, nil)
	if err != nil {
		t.Fatal(err)
	}
	v, _, err := st.AddDataVersion(ctx, store.DataVersionCreate{Name: "retail", Format: "csv", Rows: 1,
		Files: []store.DataFile{{Path: "retail.csv", Hash: b.Hash, Size: b.Size}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, run := range []string{"baseline", "wide-lr", "cnn-1"} {
		if err := st.RecordRunDataInputs(ctx, testutil.ID(run), []*store.DataVersion{v}, "training"); err != nil {
			t.Fatal(err)
		}
	}
	m := open(t, st, 160, 46)
	testutil.Press(t, m.Update, "down")
	if view := m.View(); !strings.Contains(view, "TRAINED ON") || !strings.Contains(view, "retail:1") {
		t.Fatalf("the version's data lineage is missing:\n%s", view)
	}
}
