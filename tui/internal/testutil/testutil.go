// Package testutil seeds stores and drives panes for the TUI's tests: a
// small deterministic store (fixed ids, times and values), a Common that
// renders without colour, a synchronous command runner and key helpers.
// Only tests import it.
package testutil

import (
	"context"
	"crypto/md5"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"math"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"github.com/lathe-ml/lathe/store"
	"github.com/lathe-ml/lathe/themes"
	"github.com/lathe-ml/lathe/tui/common"
)

// Base is when the seeded runs start; Now is the clock the tests use.
var (
	Base = time.Date(2025, 3, 14, 9, 0, 0, 0, time.UTC)
	Now  = Base.Add(3 * time.Hour)
)

// SeedRun describes one seeded run.
type SeedRun struct {
	Exp     string
	Name    string
	Status  string
	Params  map[string]string
	Steps   int
	Loss0   float64 // loss at step 0; it decays (or grows when Diverge)
	Diverge bool
	Parent  string // name of the parent run
	Tags    map[string]string
	Notes   string
}

// Runs is the seeded data: two experiments, runs in every status, a parent
// with three children, and one run with notes, provenance and artifacts.
var Runs = []SeedRun{
	{Exp: "mnist", Name: "baseline", Status: store.StatusFinished, Params: map[string]string{"lr": "0.1", "batch": "32", "model": "mlp"}, Steps: 50, Loss0: 2.3,
		Notes: "First try: plain MLP.\nGood enough to compare against.",
		Tags: map[string]string{"lathe.command": `["python","train.py","--lr","0.1"]`, "lathe.workdir": "/home/ada/mnist",
			"lathe.git.commit": "3f9a2c1d4e5b6a7980112233", "lathe.git.branch": "main", "lathe.git.dirty": "true",
			"lathe.python.version": "3.12.1", "team": "vision"}},
	{Exp: "mnist", Name: "wide-lr", Status: store.StatusFinished, Params: map[string]string{"lr": "0.3", "batch": "32", "model": "mlp"}, Steps: 50, Loss0: 2.1},
	{Exp: "mnist", Name: "small-batch", Status: store.StatusFinished, Params: map[string]string{"lr": "0.1", "batch": "8", "model": "mlp"}, Steps: 50, Loss0: 2.4},
	{Exp: "mnist", Name: "cnn-1", Status: store.StatusFinished, Params: map[string]string{"lr": "0.05", "batch": "64", "model": "cnn"}, Steps: 40, Loss0: 1.9},
	{Exp: "mnist", Name: "diverged", Status: store.StatusFailed, Params: map[string]string{"lr": "1.0", "batch": "32", "model": "mlp"}, Steps: 15, Loss0: 2.3, Diverge: true},
	{Exp: "mnist", Name: "killed-early", Status: store.StatusKilled, Params: map[string]string{"lr": "0.1", "batch": "128", "model": "mlp"}, Steps: 8, Loss0: 2.2},
	{Exp: "mnist", Name: "live-run", Status: store.StatusRunning, Params: map[string]string{"lr": "0.02", "batch": "32", "model": "cnn"}, Steps: 20, Loss0: 2.0},
	{Exp: "mnist", Name: "sweep", Status: store.StatusFinished, Params: map[string]string{"lr": "0.1", "batch": "32", "model": "cnn"}, Steps: 30, Loss0: 2.0},
	{Exp: "mnist", Name: "sweep-a", Status: store.StatusFinished, Params: map[string]string{"lr": "0.01", "batch": "32", "model": "cnn"}, Steps: 30, Loss0: 2.1, Parent: "sweep"},
	{Exp: "mnist", Name: "sweep-b", Status: store.StatusFinished, Params: map[string]string{"lr": "0.03", "batch": "32", "model": "cnn"}, Steps: 30, Loss0: 2.0, Parent: "sweep"},
	{Exp: "mnist", Name: "sweep-c", Status: store.StatusFinished, Params: map[string]string{"lr": "0.09", "batch": "32", "model": "cnn"}, Steps: 30, Loss0: 1.8, Parent: "sweep"},
	{Exp: "cifar", Name: "resnet-18", Status: store.StatusFinished, Params: map[string]string{"lr": "0.1", "depth": "18"}, Steps: 25, Loss0: 2.5},
	{Exp: "cifar", Name: "resnet-50", Status: store.StatusFinished, Params: map[string]string{"lr": "0.1", "depth": "50"}, Steps: 25, Loss0: 2.6},
}

// ID is the fixed run id of a seeded run (an md5 of its name).
func ID(name string) string {
	h := md5.Sum([]byte(name))
	return hex.EncodeToString(h[:])
}

// Seed creates the store of Runs in a temporary directory and returns it
// open; it is closed when the test ends.
func Seed(tb testing.TB) *store.Store {
	tb.Helper()
	ctx := context.Background()
	dir := tb.TempDir()
	st, err := store.Open(ctx, dir, store.Options{Clock: func() time.Time { return Now }, Synchronous: "OFF"})
	if err != nil {
		tb.Fatal(err)
	}
	exps := map[string]int64{}
	ids := map[string]string{}
	for i, r := range Runs {
		if _, ok := exps[r.Exp]; !ok {
			id, err := st.CreateExperiment(ctx, r.Exp, "", nil)
			if err != nil {
				tb.Fatal(err)
			}
			exps[r.Exp] = id
		}
		start := Base.Add(time.Duration(i) * 10 * time.Minute)
		var tags []store.Tag
		for k, v := range r.Tags {
			tags = append(tags, store.Tag{Key: k, Value: v})
		}
		if r.Parent != "" {
			tags = append(tags, store.Tag{Key: store.TagParentID, Value: ID(r.Parent)})
		}
		run, err := st.CreateRun(ctx, store.RunCreate{ExperimentID: exps[r.Exp], Name: r.Name, StartTime: start.UnixMilli(), UserID: "ada", Tags: tags})
		if err != nil {
			tb.Fatal(err)
		}
		ids[r.Name] = run.ID
		var b store.Batch
		for k, v := range r.Params {
			b.Params = append(b.Params, store.Param{Key: k, Value: v})
		}
		for s := 0; s < r.Steps; s++ {
			ts := start.Add(time.Duration(s) * 6 * time.Second).UnixMilli()
			f := float64(s) / 10
			loss := r.Loss0*math.Exp(-f/2) + 0.05 + 0.02*math.Sin(float64(s)*1.7)
			if r.Diverge {
				loss = r.Loss0 * math.Exp(f/3)
			}
			acc := 1 - loss/3
			b.Metrics = append(b.Metrics,
				store.Metric{Key: "loss", Value: round(loss), Timestamp: ts, Step: int64(s)},
				store.Metric{Key: "acc", Value: round(acc), Timestamp: ts, Step: int64(s)})
			if s%5 == 0 {
				b.Metrics = append(b.Metrics, store.Metric{Key: "val_loss", Value: round(loss * 1.1), Timestamp: ts, Step: int64(s)})
			}
		}
		if err := st.LogBatch(ctx, run.ID, b); err != nil {
			tb.Fatal(err)
		}
		if r.Notes != "" {
			if _, err := st.UpdateRun(ctx, run.ID, store.RunUpdate{Notes: &r.Notes}); err != nil {
				tb.Fatal(err)
			}
		}
		if r.Status != store.StatusRunning {
			status, end := r.Status, start.Add(time.Duration(r.Steps)*6*time.Second).UnixMilli()
			if _, err := st.UpdateRun(ctx, run.ID, store.RunUpdate{Status: &status, EndTime: &end}); err != nil {
				tb.Fatal(err)
			}
		}
		if r.Name == "baseline" {
			for _, a := range []struct{ path, body string }{{"logs/output.log", "epoch 1 loss 2.3\n"}, {"model/weights.bin", strings.Repeat("w", 4096)}} {
				if _, err := st.LogArtifact(ctx, run.ID, a.path, strings.NewReader(a.body)); err != nil {
					tb.Fatal(err)
				}
			}
		}
	}
	if err := st.Close(); err != nil {
		tb.Fatal(err)
	}
	// Give the runs fixed ids so that goldens do not change between runs.
	db, err := sql.Open("sqlite", store.DSN(filepath.Join(dir, store.DBFile), "OFF"))
	if err != nil {
		tb.Fatal(err)
	}
	for name, id := range ids {
		if _, err := db.Exec(`UPDATE runs SET uuid = ? WHERE uuid = ?`, ID(name), id); err != nil {
			tb.Fatal(err)
		}
	}
	db.Close()
	st, err = store.Open(ctx, dir, store.Options{Clock: func() time.Time { return Now }, Synchronous: "OFF"})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	return st
}

func round(v float64) float64 { return math.Round(v*1e4) / 1e4 }

// Renderer renders without colour or attributes, as goldens want.
func Renderer() *lipgloss.Renderer {
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.Ascii)
	return r
}

// Common returns a Common over st with the dark theme, no colours, the
// fixed clock in UTC and a discarded log.
func Common(tb testing.TB, st common.Store) *common.Common {
	tb.Helper()
	t, err := themes.Load("dark")
	if err != nil {
		tb.Fatal(err)
	}
	c := &common.Common{Ctx: context.Background(), Store: st, StoreLabel: "test-store", Keys: common.NewGlobalKeys(),
		Renderer: Renderer(), Clock: func() time.Time { return Now }, Loc: time.UTC,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)), ExportDir: tb.TempDir()}
	c.SetTheme(t)
	return c
}

// Drain runs cmd and every command its messages lead to, feeding each
// message to update, and returns the messages in order. Each command gets a
// few seconds; panes here arm no endless ticks (cursors do not blink).
func Drain(tb testing.TB, update func(tea.Msg) tea.Cmd, cmd tea.Cmd) []tea.Msg {
	tb.Helper()
	var out []tea.Msg
	queue := []tea.Cmd{cmd}
	for n := 0; len(queue) > 0; n++ {
		if n > 10000 {
			tb.Fatal("Drain: commands keep coming")
		}
		c := queue[0]
		queue = queue[1:]
		if c == nil {
			continue
		}
		done := make(chan tea.Msg, 1)
		go func() { done <- c() }()
		var msg tea.Msg
		select {
		case msg = <-done:
		case <-time.After(10 * time.Second):
			tb.Fatal("Drain: a command did not finish in 10s")
		}
		if b, ok := msg.(tea.BatchMsg); ok {
			queue = append(queue, b...)
			continue
		}
		if msg == nil {
			continue
		}
		out = append(out, msg)
		queue = append(queue, update(msg))
	}
	return out
}

// Key makes a key press from a name ("enter", "esc", "space", "tab", "up",
// "down", "left", "right", "ctrl+s", "pgdown") or literal runes.
func Key(s string) tea.KeyMsg {
	switch s {
	case "enter":
		return tea.KeyMsg{Type: tea.KeyEnter}
	case "esc":
		return tea.KeyMsg{Type: tea.KeyEsc}
	case "space", " ":
		return tea.KeyMsg{Type: tea.KeySpace, Runes: []rune{' '}}
	case "tab":
		return tea.KeyMsg{Type: tea.KeyTab}
	case "up":
		return tea.KeyMsg{Type: tea.KeyUp}
	case "down":
		return tea.KeyMsg{Type: tea.KeyDown}
	case "left":
		return tea.KeyMsg{Type: tea.KeyLeft}
	case "right":
		return tea.KeyMsg{Type: tea.KeyRight}
	case "pgdown":
		return tea.KeyMsg{Type: tea.KeyPgDown}
	case "backspace":
		return tea.KeyMsg{Type: tea.KeyBackspace}
	case "ctrl+s":
		return tea.KeyMsg{Type: tea.KeyCtrlS}
	case "ctrl+c":
		return tea.KeyMsg{Type: tea.KeyCtrlC}
	}
	return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s)}
}

// Type presses each rune of s in turn, as fast typing does: the commands of
// all but the last key (debounce ticks that the next key makes stale) are
// dropped, the last key's are drained.
func Type(tb testing.TB, update func(tea.Msg) tea.Cmd, s string) []tea.Msg {
	var last tea.Cmd
	for _, r := range s {
		last = update(Key(string(r)))
	}
	return Drain(tb, update, last)
}

// Press sends one key (see Key) and drains what follows.
func Press(tb testing.TB, update func(tea.Msg) tea.Cmd, keys ...string) []tea.Msg {
	var out []tea.Msg
	for _, k := range keys {
		k := k
		out = append(out, Drain(tb, update, func() tea.Msg { return Key(k) })...)
	}
	return out
}

// Sizes are the terminal sizes every golden is taken at.
var Sizes = [][2]int{{80, 24}, {160, 48}}

// SizeName names a size for subtests: "80x24".
func SizeName(s [2]int) string { return fmt.Sprintf("%dx%d", s[0], s[1]) }
