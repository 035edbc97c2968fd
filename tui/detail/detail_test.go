package detail_test

import (
	"context"
	"os"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/lathe-ml/lathe/store"
	"github.com/lathe-ml/lathe/tui/common"
	"github.com/lathe-ml/lathe/tui/detail"
	"github.com/lathe-ml/lathe/tui/internal/testutil"
)

func open(t *testing.T, st common.Store, name string, w, h int) *detail.Model {
	t.Helper()
	m := detail.New(testutil.Common(t, st))
	m.SetSize(w, h)
	m.Focus()
	testutil.Drain(t, m.Update, m.Open(testutil.ID(name)))
	return m
}

func TestView(t *testing.T) {
	st := testutil.Seed(t)
	for _, sz := range testutil.Sizes {
		t.Run(testutil.SizeName(sz), func(t *testing.T) {
			m := open(t, st, "baseline", sz[0], sz[1])
			golden.RequireEqual(t, []byte(m.View()))
		})
	}
}

func TestEmpty(t *testing.T) {
	m := detail.New(testutil.Common(t, testutil.Seed(t)))
	m.SetSize(80, 10)
	if v := m.View(); !strings.Contains(v, "No run open") {
		t.Fatalf("an empty detail pane should say how to open a run:\n%s", v)
	}
}

func TestEditNotes(t *testing.T) {
	st := testutil.Seed(t)
	m := open(t, st, "wide-lr", 100, 30)
	testutil.Press(t, m.Update, "n")
	if !m.Capturing() {
		t.Fatal("n should open the notes editor")
	}
	testutil.Type(t, m.Update, "lr 0.3 overshoots")
	msgs := testutil.Press(t, m.Update, "ctrl+s")
	if m.Capturing() {
		t.Fatal("ctrl+s should close the editor")
	}
	var saved bool
	for _, msg := range msgs {
		if f, ok := msg.(common.FlashMsg); ok && f.Text == "notes saved" {
			saved = true
		}
	}
	if !saved {
		t.Fatalf("saving should say so: %v", msgs)
	}
	r, err := st.GetRun(context.Background(), testutil.ID("wide-lr"))
	if err != nil || r.Notes != "lr 0.3 overshoots" {
		t.Fatalf("notes in the store = %q, %v", r.Notes, err)
	}
	if !strings.Contains(m.View(), "lr 0.3 overshoots") {
		t.Fatalf("the pane should show the saved notes:\n%s", m.View())
	}
	// esc drops an edit.
	testutil.Press(t, m.Update, "n")
	testutil.Type(t, m.Update, " and more")
	testutil.Press(t, m.Update, "esc")
	if r, _ := st.GetRun(context.Background(), testutil.ID("wide-lr")); r.Notes != "lr 0.3 overshoots" {
		t.Fatalf("esc should not save: %q", r.Notes)
	}
}

func TestFilter(t *testing.T) {
	st := testutil.Seed(t)
	m := open(t, st, "baseline", 100, 40)
	testutil.Drain(t, m.Update, m.StartFilter())
	testutil.Type(t, m.Update, "loss")
	testutil.Press(t, m.Update, "enter")
	v := m.View()
	if !strings.Contains(v, "METRICS (2)") || !strings.Contains(v, "PARAMS (0)") {
		t.Fatalf("the filter should keep loss and val_loss only:\n%s", v)
	}
	if ok, _ := m.Back(); !ok || !strings.Contains(m.View(), "PARAMS (3)") {
		t.Fatalf("esc should clear the filter:\n%s", m.View())
	}
}

func TestLiveUpdate(t *testing.T) {
	st := testutil.Seed(t)
	ctx := context.Background()
	m := open(t, st, "live-run", 120, 30)
	if !strings.Contains(m.View(), "running for 2h00m") {
		t.Fatalf("a running run shows how long it has run:\n%s", m.View())
	}
	before, _ := st.LastEventID(ctx)
	id := testutil.ID("live-run")
	if err := st.LogBatch(ctx, id, store.Batch{Metrics: []store.Metric{{Key: "loss", Value: 0.123, Step: 20, Timestamp: testutil.Now.UnixMilli()}}}); err != nil {
		t.Fatal(err)
	}
	evs, _ := st.Events(ctx, before, 10)
	testutil.Drain(t, m.Update, func() tea.Msg { return common.EventsMsg{Events: evs} })
	if v := m.View(); !strings.Contains(v, "0.123") {
		t.Fatalf("the new point should show after the store's event:\n%s", v)
	}
	// Events about other runs change nothing (no load).
	if cmd := m.Update(common.EventsMsg{Events: []store.Event{{Entity: "run:" + testutil.ID("baseline")}}}); cmd != nil {
		t.Fatal("an event of another run should not reload")
	}
}

// TestHeaderWraps: a header line too long for the pane wraps between its
// parts instead of losing the last ones.
func TestHeaderWraps(t *testing.T) {
	st := testutil.Seed(t)
	m := open(t, st, "sweep-a", 80, 24)
	lines := strings.Split(m.View(), "\n")
	if !strings.HasPrefix(lines[1], "experiment mnist · started") || !strings.HasPrefix(lines[2], "child of ") {
		t.Fatalf("the meta line should wrap before \"child of\":\n%s", strings.Join(lines[:4], "\n"))
	}
	m = open(t, st, "sweep-a", 160, 24)
	if lines := strings.Split(m.View(), "\n"); !strings.Contains(lines[1], "· child of ") {
		t.Fatalf("a wide pane keeps the meta on one line:\n%s", strings.Join(lines[:3], "\n"))
	}
}

// The run's data lineage: the dataset versions it consumed.
func TestDataLineage(t *testing.T) {
	st := testutil.Seed(t)
	ctx := context.Background()
	p := t.TempDir() + "/retail.csv"
	if err := os.WriteFile(p, []byte("a,b\n1,2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	b, _, err := st.PutBlobFile(ctx, p, nil)
	if err != nil {
		t.Fatal(err)
	}
	v, _, err := st.AddDataVersion(ctx, store.DataVersionCreate{Name: "retail", Format: "csv", Rows: 1, ValidationStatus: store.ValidationPassed,
		Files: []store.DataFile{{Path: "retail.csv", Hash: b.Hash, Size: b.Size}}})
	if err != nil {
		t.Fatal(err)
	}
	r, err := st.CreateRun(ctx, store.RunCreate{Name: "with-data"})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.RecordRunDataInputs(ctx, r.ID, []*store.DataVersion{v}, "training"); err != nil {
		t.Fatal(err)
	}
	m := detail.New(testutil.Common(t, st))
	m.SetSize(100, 40)
	testutil.Drain(t, m.Update, m.Open(r.ID))
	view := m.View()
	if !strings.Contains(view, "DATA") || !strings.Contains(view, "retail:1") || !strings.Contains(view, "validation passed") {
		t.Fatalf("the run's data lineage is missing:\n%s", view)
	}
}
