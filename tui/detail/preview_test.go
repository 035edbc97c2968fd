package detail_test

import (
	"context"
	"strings"
	"testing"

	"github.com/charmbracelet/x/exp/golden"

	"github.com/lathe-ml/lathe/store"
	"github.com/lathe-ml/lathe/tui/detail"
	"github.com/lathe-ml/lathe/tui/internal/testutil"
)

// seedArtifacts gives wide-lr a small artifact tree of every preview kind.
func seedArtifacts(t *testing.T) *store.Store {
	t.Helper()
	st := testutil.Seed(t)
	id := testutil.ID("wide-lr")
	for _, a := range []struct{ path, body string }{
		{"blob.bin", "\x00\x01\x02\x03binary"},
		{"data/metrics.json", `{"rmse":0.81,"ndcg":{"@10":0.42,"@20":0.47},"folds":[1,2,3]}`},
		{"data/table.csv", "user,item,score\n1,42,0.93\n17,7,0.5\n123456,8,0.125\n"},
		{"lathe/git.diff", "diff --git a/train.py b/train.py\n--- a/train.py\n+++ b/train.py\n@@ -1 +1 @@\n-lr = 0.01\n+lr = 0.3\n"},
		{"notes.txt", "first line\n\tindented\n"},
	} {
		if _, err := st.LogArtifact(context.Background(), id, a.path, strings.NewReader(a.body)); err != nil {
			t.Fatal(err)
		}
	}
	return st
}

// preview opens wide-lr, walks the tree with keys and previews a file.
func preview(t *testing.T, st *store.Store, w, h int, keys ...string) *detail.Model {
	t.Helper()
	m := open(t, st, "wide-lr", w, h)
	for _, k := range keys {
		testutil.Drain(t, m.Update, m.Update(testutil.Key(k)))
	}
	return m
}

func TestPreviewGolden(t *testing.T) {
	st := seedArtifacts(t)
	cases := map[string][]string{
		"json": {"a", "j", "enter", "j", "enter"},
		"csv":  {"a", "j", "enter", "j", "j", "enter"},
		"diff": {"D"},
		"tree": {"a", "j", "enter", "j"},
	}
	for name, keys := range cases {
		for _, sz := range [][2]int{{80, 24}, {160, 48}} {
			t.Run(name+"/"+testutil.SizeName(sz), func(t *testing.T) {
				m := preview(t, st, sz[0], sz[1], keys...)
				golden.RequireEqual(t, []byte(m.View()))
			})
		}
	}
}

func TestPreviewKinds(t *testing.T) {
	st := seedArtifacts(t)
	m := preview(t, st, 100, 30, "a", "enter")
	if v := m.View(); !strings.Contains(v, "binary, 10 bytes") {
		t.Fatalf("a binary artifact should say so:\n%s", v)
	}
	if ok, _ := m.Back(); !ok || strings.Contains(m.View(), "binary") {
		t.Fatal("esc should close the preview")
	}
	testutil.Drain(t, m.Update, m.Update(testutil.Key("G")))
	testutil.Drain(t, m.Update, m.Update(testutil.Key("enter")))
	if v := m.View(); !strings.Contains(v, "    indented") {
		t.Fatalf("a text artifact should show its lines, tabs expanded:\n%s", v)
	}
	m.Back()
	// Collapse data/ again: its files leave the tree.
	m = preview(t, st, 100, 30, "a", "j", "enter")
	if !strings.Contains(m.View(), "metrics.json") {
		t.Fatalf("enter on a directory should expand it:\n%s", m.View())
	}
	testutil.Drain(t, m.Update, m.Update(testutil.Key("enter")))
	if strings.Contains(m.View(), "metrics.json") {
		t.Fatalf("enter on an open directory should collapse it:\n%s", m.View())
	}
}

func TestPreviewCap(t *testing.T) {
	st := testutil.Seed(t)
	big := strings.Repeat("0123456789abcdef\n", 6000) // 102,000 bytes
	if _, err := st.LogArtifact(context.Background(), testutil.ID("wide-lr"), "big.json", strings.NewReader(big)); err != nil {
		t.Fatal(err)
	}
	m := preview(t, st, 100, 30, "a", "enter")
	for i := 0; i < 200; i++ {
		m.Update(testutil.Key("pgdown"))
	}
	if v := m.View(); !strings.Contains(v, "first 64 KiB of 102000 bytes") {
		t.Fatalf("a large artifact should be cut at 64 KiB and say so:\n%s", v)
	}
}
