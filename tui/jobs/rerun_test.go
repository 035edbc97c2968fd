package jobs_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/lathe-ml/lathe/store"
	"github.com/lathe-ml/lathe/tui/common"
	"github.com/lathe-ml/lathe/tui/internal/testutil"
	"github.com/lathe-ml/lathe/tui/jobs"
)

// rerunnable adds a run started as `lathe run -p lr=0.1 -p epochs=5` would
// record it, and an exited job of it.
func rerunnable(t *testing.T) (*store.Store, string) {
	t.Helper()
	ctx := context.Background()
	st := testutil.Seed(t)
	r, err := st.CreateRun(ctx, store.RunCreate{Name: "tunable", Tags: []store.Tag{
		{Key: "lathe.command", Value: `["python","train.py","--lr","0.1"]`},
		{Key: "lathe.command_template", Value: `["python","train.py","--lr","{lr}"]`},
		{Key: "lathe.workdir", Value: "/work"},
		{Key: "lathe.params", Value: `{"epochs":"5","lr":"0.1"}`},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.LogBatch(ctx, r.ID, store.Batch{Params: []store.Param{{Key: "lr", Value: "0.1"}, {Key: "epochs", Value: "5"}}}); err != nil {
		t.Fatal(err)
	}
	jb, err := st.CreateJob(ctx, store.JobCreate{Backend: "local", Host: "elsewhere", RunID: r.ID,
		Command: []string{"python", "train.py", "--lr", "0.1"}, Workdir: "/work"})
	if err != nil {
		t.Fatal(err)
	}
	exited, code := store.JobExited, 0
	if _, err := st.UpdateJob(ctx, jb.ID, store.JobUpdate{Status: &exited, ExitCode: &code}); err != nil {
		t.Fatal(err)
	}
	return st, r.ID
}

func flashes(msgs []tea.Msg) []string {
	var out []string
	for _, m := range msgs {
		if f, ok := m.(common.FlashMsg); ok {
			out = append(out, f.Text)
		}
	}
	return out
}

func TestRerunArgv(t *testing.T) {
	got := jobs.RerunArgv("/data/lathe", "abc", []store.Param{{Key: "lr", Value: "0.5"}, {Key: "note", Value: ""}})
	want := []string{"--store", "/data/lathe", "runs", "rerun", "abc", "-p", "lr=0.5", "-p", "note="}
	if !slices.Equal(got, want) {
		t.Fatalf("RerunArgv = %q, want %q", got, want)
	}
}

func TestValidateParams(t *testing.T) {
	for _, c := range []struct {
		ps  []store.Param
		err string
	}{
		{[]store.Param{{Key: "lr", Value: ""}}, ""},
		{[]store.Param{{Key: "", Value: "1"}}, "needs a key"},
		{[]store.Param{{Key: "a b!", Value: "1"}}, `param "a b!"`},
		{[]store.Param{{Key: "lr", Value: strings.Repeat("x", store.MaxParamValueLength+1)}}, "over"},
		{[]store.Param{{Key: "lr"}, {Key: "lr"}}, "twice"},
	} {
		err := jobs.ValidateParams(c.ps)
		if (c.err == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), c.err) {
			t.Errorf("ValidateParams(%v) = %v, want %q", c.ps, err, c.err)
		}
	}
}

// TestRerunForm: R opens the form prefilled from the run; a bad new param
// is refused in place; an edit and a new param launch the argv of
// `lathe runs rerun RUN -p ...`; esc cancels.
func TestRerunForm(t *testing.T) {
	st, id := rerunnable(t)
	m := open(t, st, 100, 30)
	var launched [][]string
	m.SetLauncher(func(argv []string) error { launched = append(launched, argv); return nil })
	testutil.Press(t, m.Update, "R")
	v := m.View()
	if !m.Capturing() || !strings.Contains(v, "RE-RUN") || !strings.Contains(v, "epochs") || !strings.Contains(v, "0.1") {
		t.Fatalf("R should open the form prefilled:\n%s", v)
	}
	// esc drops it.
	testutil.Press(t, m.Update, "esc")
	if m.Capturing() || len(launched) != 0 {
		t.Fatal("esc should close the form without launching")
	}
	testutil.Press(t, m.Update, "R", "tab") // epochs, then lr
	testutil.Press(t, m.Update, "backspace", "backspace", "backspace")
	testutil.Type(t, m.Update, "0.5")
	testutil.Press(t, m.Update, "tab") // the add row
	testutil.Type(t, m.Update, "=x")
	testutil.Press(t, m.Update, "enter")
	if v := m.View(); !m.Capturing() || !strings.Contains(v, "needs a key") || len(launched) != 0 {
		t.Fatalf("an empty key should be refused in the form:\n%s", v)
	}
	testutil.Press(t, m.Update, "backspace", "backspace")
	testutil.Type(t, m.Update, "tag=")
	msgs := testutil.Press(t, m.Update, "enter")
	want := []string{"--store", st.Dir(), "runs", "rerun", id, "-p", "lr=0.5", "-p", "tag="}
	if len(launched) != 1 || !slices.Equal(launched[0], want) {
		t.Fatalf("launched %q, want %q", launched, want)
	}
	if f := flashes(msgs); len(f) != 1 || !strings.Contains(f[0], "started lathe runs rerun") || !strings.Contains(f[0], "-p lr=0.5") {
		t.Fatalf("the status bar should say it started: %q", f)
	}
	if m.Capturing() {
		t.Fatal("launching should close the form")
	}
	// A launch that fails says so.
	m.SetLauncher(func([]string) error { return errors.New("no binary") })
	testutil.Press(t, m.Update, "R")
	msgs = testutil.Press(t, m.Update, "enter")
	if f := flashes(msgs); len(f) != 1 || !strings.Contains(f[0], "no binary") {
		t.Fatalf("a failed launch should be reported: %v", msgs)
	}
}

func TestRerunNotLatheRun(t *testing.T) {
	m := open(t, seed(t), 100, 30)
	msgs := testutil.Press(t, m.Update, "R")
	if f := flashes(msgs); len(f) != 1 || !strings.Contains(f[0], "not started by 'lathe run'") || m.Capturing() {
		t.Fatalf("a run lathe run did not start has nothing to re-run: %v", msgs)
	}
}
