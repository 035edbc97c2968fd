package datasets_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/lathe-ml/lathe/store"
	"github.com/lathe-ml/lathe/tui/common"
	"github.com/lathe-ml/lathe/tui/datasets"
	"github.com/lathe-ml/lathe/tui/internal/testutil"
)

func open(t *testing.T, st common.Store, w, h int) *datasets.Model {
	t.Helper()
	m := datasets.New(testutil.Common(t, st))
	m.SetSize(w, h)
	m.Focus()
	testutil.Drain(t, m.Update, m.Init())
	return m
}

// TestView: retail selected (datasets sort by name: clicks, retail), its
// latest version, the amount column's histogram.
func TestView(t *testing.T) {
	st := seed(t)
	for _, sz := range testutil.Sizes {
		t.Run(testutil.SizeName(sz), func(t *testing.T) {
			m := open(t, st, sz[0], sz[1]-2)
			testutil.Press(t, m.Update, "down", "tab", "tab", "down")
			golden.RequireEqual(t, []byte(m.View()))
		})
	}
}

// TestViewTopValues: a categorical column shows its top values.
func TestViewTopValues(t *testing.T) {
	m := open(t, seed(t), 120, 40)
	testutil.Press(t, m.Update, "down", "tab", "tab", "down", "down")
	v := m.View()
	if !strings.Contains(v, "TOP VALUES · region") || !strings.Contains(v, "north") {
		t.Fatalf("region should show its top values:\n%s", v)
	}
}

func TestEmpty(t *testing.T) {
	m := open(t, testutil.Seed(t), 80, 22)
	if v := m.View(); !strings.Contains(v, "No datasets yet — lathe data add FILE") {
		t.Fatalf("an empty store should say how to add data:\n%s", v)
	}
}

func TestRows(t *testing.T) {
	st := seed(t)
	for _, sz := range testutil.Sizes {
		t.Run(testutil.SizeName(sz), func(t *testing.T) {
			m := open(t, st, sz[0], sz[1]-2)
			testutil.Press(t, m.Update, "down", "r")
			if m.Busy() != "" {
				t.Fatalf("still busy: %s", m.Busy())
			}
			golden.RequireEqual(t, []byte(m.View()))
			testutil.Press(t, m.Update, "esc")
			if strings.Contains(m.View(), "ROWS ·") {
				t.Fatal("esc should close the rows view")
			}
		})
	}
}

func TestDiff(t *testing.T) {
	st := seed(t)
	for _, sz := range testutil.Sizes {
		t.Run(testutil.SizeName(sz), func(t *testing.T) {
			m := open(t, st, sz[0], sz[1]-2)
			// mark v1, diff v2 against it
			testutil.Press(t, m.Update, "down", "tab", "down", "space", "up", "d")
			golden.RequireEqual(t, []byte(m.View()))
		})
	}
}

func TestFilter(t *testing.T) {
	m := open(t, seed(t), 100, 30)
	m.StartFilter()
	testutil.Press(t, m.Update, "r", "e", "t", "enter")
	v := m.View()
	if !strings.Contains(v, "DATASETS (1 of 2) /ret") || strings.Contains(v, "clicks") || !strings.Contains(v, "VERSIONS · retail") {
		t.Fatalf("the filter should keep retail only:\n%s", v)
	}
	if ok, _ := m.Back(); !ok || strings.Contains(m.View(), "/ret") {
		t.Fatal("esc should clear the filter")
	}
}

func TestOpenRun(t *testing.T) {
	m := open(t, seed(t), 120, 40)
	// retail, versions, v1, then the runs list (columns come first)
	testutil.Press(t, m.Update, "down", "tab", "down", "tab", "tab")
	id := m.Selected()
	if id != testutil.ID("baseline") && id != testutil.ID("wide-lr") {
		t.Fatalf("selected %q, want baseline's or wide-lr's run", id)
	}
	msgs := testutil.Press(t, m.Update, "enter")
	for _, msg := range msgs {
		if o, ok := msg.(common.OpenRunMsg); ok && o.ID == id {
			return
		}
	}
	t.Fatalf("enter on a run should open it: %v", msgs)
}

// TestRowsGzip: a gzip-compressed CSV version reads back row by row, each
// row its own texts (the reader reuses its buffers).
func TestRowsGzip(t *testing.T) {
	ctx := context.Background()
	st := testutil.Seed(t)
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write([]byte("id,event,value\n1,\"click\",0.5\n2,\"view\",\n3,\"purchase\",12\n"))
	zw.Close()
	p := filepath.Join(t.TempDir(), "events.csv.gz")
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	b, _, err := st.PutBlobFile(ctx, p, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := st.AddDataVersion(ctx, store.DataVersionCreate{Name: "events", Format: "csv", Rows: 3,
		Files: []store.DataFile{{Path: "events.csv.gz", Hash: b.Hash, Size: b.Size}}}); err != nil {
		t.Fatal(err)
	}
	m := open(t, st, 80, 20)
	testutil.Press(t, m.Update, "r")
	v := m.View()
	for _, want := range []string{"ROWS · events:1 · all 3 rows", "1  1    click    0.5", "2  2    view     null", "3  3    purchase 12"} {
		if !strings.Contains(v, want) {
			t.Fatalf("rows view lacks %q:\n%s", want, v)
		}
	}
}

// TestMouse: a click selects a dataset, a version; a click on the selected
// version opens its rows.
func TestMouse(t *testing.T) {
	m := open(t, seed(t), 100, 30)
	click := func(x, y int) {
		t.Helper()
		m.View() // lays the lists out
		testutil.Drain(t, m.Update, func() tea.Msg {
			return tea.MouseMsg{X: x, Y: y, Action: tea.MouseActionPress, Button: tea.MouseButtonLeft}
		})
	}
	click(3, 3) // retail, the second dataset
	if v := m.View(); !strings.Contains(v, "VERSIONS · retail") {
		t.Fatalf("a click should select retail:\n%s", v)
	}
	// datasets take 4 lines, then the versions' title and header: v1 is the
	// second version row.
	click(3, 7)
	if v := m.View(); !strings.Contains(v, "PROFILE · retail:1") {
		t.Fatalf("a click should select v1:\n%s", v)
	}
	click(3, 7)
	if v := m.View(); !strings.Contains(v, "ROWS · retail:1") {
		t.Fatalf("a click on the selected version should open its rows:\n%s", v)
	}
}
