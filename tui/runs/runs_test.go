package runs_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/lathe-ml/lathe/store"
	"github.com/lathe-ml/lathe/tui/common"
	"github.com/lathe-ml/lathe/tui/internal/testutil"
	"github.com/lathe-ml/lathe/tui/runs"
)

func open(t *testing.T, st common.Store, w, h int) (*runs.Model, *common.Common) {
	t.Helper()
	c := testutil.Common(t, st)
	m := runs.New(c)
	m.SetSize(w, h)
	m.Focus()
	testutil.Drain(t, m.Update, m.Init())
	return m, c
}

func TestView(t *testing.T) {
	st := testutil.Seed(t)
	for _, sz := range testutil.Sizes {
		t.Run(testutil.SizeName(sz), func(t *testing.T) {
			m, _ := open(t, st, sz[0], sz[1])
			golden.RequireEqual(t, []byte(m.View()))
		})
	}
}

func TestFilterErrorAndApply(t *testing.T) {
	st := testutil.Seed(t)
	m, _ := open(t, st, 100, 20)
	testutil.Drain(t, m.Update, m.StartFilter())
	if !m.Capturing() {
		t.Fatal("the filter input should capture keys")
	}
	testutil.Type(t, m.Update, "params.lr >")
	v := m.View()
	if !strings.Contains(v, "^ expected a value") {
		t.Fatalf("a bad filter should show its error under the input:\n%s", v)
	}
	golden.RequireEqual(t, []byte(v))
	testutil.Type(t, m.Update, " 0.2 and params.model = 'mlp'")
	testutil.Press(t, m.Update, "enter")
	if m.Capturing() {
		t.Fatal("enter should close the filter")
	}
	v = m.View()
	for _, want := range []string{"wide-lr", "diverged", "2 runs"} {
		if !strings.Contains(v, want) {
			t.Errorf("filtered view lacks %q:\n%s", want, v)
		}
	}
	if strings.Contains(v, "baseline") {
		t.Errorf("baseline (lr 0.1) should be filtered out:\n%s", v)
	}
}

func TestSortByMetric(t *testing.T) {
	st := testutil.Seed(t)
	m, _ := open(t, st, 160, 30)
	testutil.Press(t, m.Update, "l", "l", "l", "l") // name → status → start → duration → first metric
	testutil.Press(t, m.Update, "s")
	v := m.View()
	if !strings.Contains(v, "sorted by") {
		t.Fatalf("footer should say how rows are sorted:\n%s", v)
	}
	testutil.Press(t, m.Update, "g")
	if m.Selected() != testutil.ID("diverged") {
		t.Fatalf("ascending acc should put diverged first:\n%s", v)
	}
	testutil.Press(t, m.Update, "s", "g") // descending
	if m.Selected() != testutil.ID("wide-lr") {
		t.Fatalf("descending acc should put wide-lr first:\n%s", m.View())
	}
	golden.RequireEqual(t, []byte(m.View()))
	testutil.Press(t, m.Update, "s") // and back to the store's order
	if strings.Contains(m.View(), "sorted by") {
		t.Fatalf("a third s should stop sorting:\n%s", m.View())
	}
}

func TestMarkCompareAndPin(t *testing.T) {
	st := testutil.Seed(t)
	m, _ := open(t, st, 120, 30)
	msgs := testutil.Press(t, m.Update, "c")
	if !hasFlash(msgs, "mark at least two") {
		t.Fatalf("c with nothing marked should explain: %v", msgs)
	}
	testutil.Press(t, m.Update, "space", "space")
	msgs = testutil.Press(t, m.Update, "c")
	var cm *common.CompareMsg
	for _, msg := range msgs {
		if c, ok := msg.(common.CompareMsg); ok {
			cm = &c
		}
	}
	if cm == nil || len(cm.IDs) != 2 {
		t.Fatalf("c should compare the two marked runs, got %v", msgs)
	}
	testutil.Press(t, m.Update, "j", "p")
	if got := m.Marked(); len(got) != 3 {
		t.Fatalf("a pinned run joins the comparison: %v", got)
	}
	if !strings.Contains(m.View(), "1 pinned") {
		t.Errorf("footer should count pins:\n%s", m.View())
	}
	testutil.Press(t, m.Update, "x")
	if got := m.Marked(); len(got) != 1 {
		t.Fatalf("x clears marks but not pins: %v", got)
	}
}

func hasFlash(msgs []tea.Msg, text string) bool {
	for _, msg := range msgs {
		if f, ok := msg.(common.FlashMsg); ok && strings.Contains(f.Text, text) {
			return true
		}
	}
	return false
}

func TestFoldChildren(t *testing.T) {
	st := testutil.Seed(t)
	m, _ := open(t, st, 120, 30)
	v := m.View()
	if !strings.Contains(v, "▸ sweep (3)") || strings.Contains(v, "sweep-a") {
		t.Fatalf("children should be folded under their parent:\n%s", v)
	}
	for m.Selected() != testutil.ID("sweep") {
		testutil.Press(t, m.Update, "j")
	}
	testutil.Press(t, m.Update, "o")
	v = m.View()
	if !strings.Contains(v, "▾ sweep (3)") || !strings.Contains(v, "└ sweep-a") {
		t.Fatalf("o should unfold the children:\n%s", v)
	}
}

func TestPaging(t *testing.T) {
	st := testutil.Seed(t)
	ctx := context.Background()
	exp, err := st.CreateExperiment(ctx, "many", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 260; i++ {
		r, err := st.CreateRun(ctx, store.RunCreate{ExperimentID: exp, Name: fmt.Sprintf("run-%03d", i), StartTime: testutil.Base.UnixMilli() + int64(i)})
		if err != nil {
			t.Fatal(err)
		}
		if err := st.LogBatch(ctx, r.ID, store.Batch{Params: []store.Param{{Key: "i", Value: fmt.Sprint(i)}}}); err != nil {
			t.Fatal(err)
		}
	}
	m, _ := open(t, st, 100, 20)
	testutil.Drain(t, m.Update, func() tea.Msg { return common.SelectExperimentMsg{Name: "many"} })
	if v := m.View(); !strings.Contains(v, "100 of 260 runs loaded") {
		t.Fatalf("the first page should load first:\n%s", v)
	}
	testutil.Press(t, m.Update, "G")
	if v := m.View(); !strings.Contains(v, "260 runs") || !strings.Contains(v, "run-000") {
		t.Fatalf("scrolling to the end should load every page:\n%s", v)
	}
}

func TestExportCSV(t *testing.T) {
	st := testutil.Seed(t)
	m, c := open(t, st, 120, 30)
	msgs := testutil.Press(t, m.Update, "e")
	if !hasFlash(msgs, "exported 10 runs to "+c.ExportDir) {
		t.Fatalf("export should say where it wrote: %v", msgs)
	}
	ents, _ := os.ReadDir(c.ExportDir)
	if len(ents) != 1 {
		t.Fatalf("want one CSV file, got %v", ents)
	}
	f, err := os.Open(c.ExportDir + "/" + ents[0].Name())
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 11 || recs[0][0] != "run_id" || recs[0][1] != "name" {
		t.Fatalf("csv: %v", recs[:2])
	}
}

func TestColumnPicker(t *testing.T) {
	st := testutil.Seed(t)
	m, _ := open(t, st, 120, 30)
	testutil.Press(t, m.Update, "C")
	v := m.View()
	if !strings.Contains(v, "[x] metric  loss") || !strings.Contains(v, "[x] param   model") {
		t.Fatalf("picker should list params and metrics with their state:\n%s", v)
	}
	golden.RequireEqual(t, []byte(v))
	testutil.Press(t, m.Update, "space", "enter") // hide the first item, metric acc
	if h := header(m.View()); strings.Contains(h, "acc") || !strings.Contains(h, "loss") {
		t.Fatalf("acc should be hidden, loss still shown: %s", h)
	}
	testutil.Press(t, m.Update, "C", "a", "enter")
	if h := header(m.View()); !strings.Contains(h, "acc") {
		t.Fatalf("a restores the automatic columns: %s", h)
	}
}

func TestLiveRefresh(t *testing.T) {
	st := testutil.Seed(t)
	m, _ := open(t, st, 120, 30)
	ctx := context.Background()
	before, _ := st.LastEventID(ctx)
	r, err := st.CreateRun(ctx, store.RunCreate{ExperimentID: 1, Name: "brand-new", StartTime: testutil.Now.UnixMilli()})
	if err != nil {
		t.Fatal(err)
	}
	_ = r
	evs, err := st.Events(ctx, before, 10)
	if err != nil || len(evs) == 0 {
		t.Fatalf("events: %v %v", evs, err)
	}
	testutil.Drain(t, m.Update, func() tea.Msg { return common.EventsMsg{Events: evs} })
	if v := m.View(); !strings.Contains(v, "brand-new") || !strings.Contains(v, "14 runs") {
		t.Fatalf("a new run should appear after the store's event:\n%s", v)
	}
}

// header is the table's header line.
func header(view string) string { return strings.Split(view, "\n")[1] }
