//go:build !race

package tui_test

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"github.com/lathe-ml/lathe/store"
	"github.com/lathe-ml/lathe/themes"
	"github.com/lathe-ml/lathe/tui"
)

// The benchmark store: 10k runs, each with 20 params and 10 metrics of 100
// steps (10M points), written with direct SQL as store/storebench does.
// LATHE_TUI_BENCH_STORE names a directory to keep it in between runs.
const (
	benchRuns    = 10_000
	benchMetrics = 10
	benchSteps   = 100
	benchParams  = 20
)

var benchMetricNames = []string{"rmse", "loss", "ndcg", "precision", "recall", "mae", "auc", "f1", "acc", "lr"}

func seedBench(tb testing.TB) string {
	tb.Helper()
	dir := os.Getenv("LATHE_TUI_BENCH_STORE")
	if dir == "" {
		dir = tb.TempDir()
	} else if _, err := os.Stat(filepath.Join(dir, "seeded")); err == nil {
		return dir
	}
	ctx := context.Background()
	st, err := store.Open(ctx, dir, store.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	st.Close()
	db, err := sql.Open("sqlite", store.DSN(filepath.Join(dir, store.DBFile), "OFF"))
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	must := func(_ any, err error) {
		if err != nil {
			tb.Fatal(err)
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	tx, _ := db.Begin()
	for k, name := range benchMetricNames {
		must(tx.Exec(`INSERT INTO metric_keys (id, key) VALUES (?, ?)`, k+1, name))
	}
	insRun, _ := tx.Prepare(`INSERT INTO runs (id, uuid, experiment_id, name, status, start_time, end_time) VALUES (?, ?, 0, ?, 'FINISHED', ?, ?)`)
	insParam, _ := tx.Prepare(`INSERT INTO params (run_id, key, value, num) VALUES (?, ?, ?, ?)`)
	insSum, _ := tx.Prepare(`INSERT INTO metric_summary VALUES (?, ?, ?, 0, ?, ?, ?, ?, ?)`)
	var q strings.Builder
	q.WriteString(`INSERT INTO metrics (run_id, key_id, step, ts, value) VALUES `)
	for s := 0; s < benchSteps; s++ {
		if s > 0 {
			q.WriteString(",")
		}
		q.WriteString("(?, ?, ?, ?, ?)")
	}
	insPts, err := tx.Prepare(q.String())
	if err != nil {
		tb.Fatal(err)
	}
	models := []string{"mf", "pop", "knn", "bpr"}
	args := make([]any, 0, 5*benchSteps)
	for i := 1; i <= benchRuns; i++ {
		start := int64(1_700_000_000_000 + i*60_000)
		must(insRun.Exec(i, store.NewRunID(), fmt.Sprintf("run-%05d", i), start, start+50_000))
		for p := 0; p < benchParams; p++ {
			if p == 0 {
				must(insParam.Exec(i, "p00", models[rng.IntN(len(models))], nil))
				continue
			}
			f := rng.Float64()
			must(insParam.Exec(i, fmt.Sprintf("p%02d", p), fmt.Sprintf("%.4f", f), f))
		}
		for k := 1; k <= benchMetrics; k++ {
			args = args[:0]
			v0 := rng.Float64() + 0.5
			lo, hi, v := v0, v0, v0
			for s := 0; s < benchSteps; s++ {
				v = v0*(1-float64(s)/150) + rng.Float64()*0.01
				lo, hi = min(lo, v), max(hi, v)
				args = append(args, i, k, s, start+int64(s)*500, v)
			}
			must(insPts.Exec(args...))
			must(insSum.Exec(i, k, v, benchSteps-1, start+int64(benchSteps-1)*500, lo, hi, benchSteps))
		}
		if i%1000 == 0 {
			if err := tx.Commit(); err != nil {
				tb.Fatal(err)
			}
			tx, _ = db.Begin()
			insRun, insParam, insSum, insPts = tx.Stmt(insRun), tx.Stmt(insParam), tx.Stmt(insSum), tx.Stmt(insPts)
		}
	}
	if err := tx.Commit(); err != nil {
		tb.Fatal(err)
	}
	must(db.Exec(`ANALYZE`))
	must(nil, os.WriteFile(filepath.Join(dir, "seeded"), nil, 0o644))
	return dir
}

// frames records what the renderer writes, with the time of each write.
type frames struct {
	mu     sync.Mutex
	cond   *sync.Cond
	writes []frame
}

type frame struct {
	at   time.Time
	data []byte
}

func newFrames() *frames {
	f := &frames{}
	f.cond = sync.NewCond(&f.mu)
	return f
}

func (f *frames) Write(p []byte) (int, error) {
	f.mu.Lock()
	f.writes = append(f.writes, frame{time.Now(), bytes.Clone(p)})
	f.mu.Unlock()
	f.cond.Broadcast()
	return len(p), nil
}

// mark is the number of writes so far; waitFor looks only after it.
func (f *frames) mark() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.writes)
}

// waitFor waits for the first write after mark for which ok is true (nil:
// any write) and returns its time.
func (f *frames) waitFor(tb testing.TB, mark int, ok func([]byte) bool) time.Time {
	tb.Helper()
	deadline := time.Now().Add(60 * time.Second)
	f.mu.Lock()
	defer f.mu.Unlock()
	for {
		for ; mark < len(f.writes); mark++ {
			if ok == nil || ok(f.writes[mark].data) {
				return f.writes[mark].at
			}
		}
		if time.Now().After(deadline) {
			tb.Fatalf("no such frame in 60s")
		}
		go func() { time.Sleep(5 * time.Millisecond); f.cond.Broadcast() }()
		f.cond.Wait()
	}
}

func has(s string) func([]byte) bool {
	return func(b []byte) bool { return bytes.Contains(b, []byte(s)) }
}

// loaded is a frame whose footer counts runs and is not loading.
func loaded(b []byte) bool {
	return bytes.Contains(b, []byte("runs")) && !bytes.Contains(b, []byte("loading"))
}

// program starts the workbench over the store in dir, as `lathe` does but
// with the output captured and colours on (styling is part of the cost).
func program(tb testing.TB, st *store.Store, w, h int) (*tea.Program, *frames) {
	tb.Helper()
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.TrueColor)
	th, _ := themes.Load("dark")
	m, err := tui.New(tui.Options{Store: st, Theme: th, Renderer: r})
	if err != nil {
		tb.Fatal(err)
	}
	out := newFrames()
	p := tea.NewProgram(m, tea.WithInput(nil), tea.WithOutput(out), tea.WithoutSignalHandler(), tea.WithFPS(tui.FPS))
	go func() {
		if _, err := p.Run(); err != nil {
			tb.Error(err)
		}
		m.Close()
	}()
	p.Send(tea.WindowSizeMsg{Width: w, Height: h})
	return p, out
}

// BenchmarkStartToFirstFrame measures opening the store and starting the
// workbench until the first frame that shows runs.
func BenchmarkStartToFirstFrame(b *testing.B) {
	dir := seedBench(b)
	var total time.Duration
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		st, err := store.Open(context.Background(), dir, store.Options{})
		if err != nil {
			b.Fatal(err)
		}
		p, out := program(b, st, 160, 48)
		at := out.waitFor(b, 0, has("run-10000"))
		total += at.Sub(t0)
		p.Quit()
		p.Wait()
		st.Close()
	}
	b.ReportMetric(float64(total.Microseconds())/float64(b.N)/1000, "ms/first-frame")
}

// BenchmarkKeystrokeToFrame sends keys through the program and times each
// until the renderer writes the frame that shows its effect: scrolling,
// moving the column cursor, typing a filter character and switching panes
// (all answered from memory), and sorting, applying a filter and opening a
// run, each first frame and then the frame with the store's answer.
// Run with -benchtime=1x: one pass is about 300 keystrokes.
func BenchmarkKeystrokeToFrame(b *testing.B) {
	dir := seedBench(b)
	st, err := store.Open(context.Background(), dir, store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	lat := map[string][]time.Duration{}
	runes := func(s string) tea.KeyMsg { return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s)} }
	for i := 0; i < b.N; i++ {
		p, out := program(b, st, 160, 48)
		out.waitFor(b, 0, has("run-10000"))
		// key times one key to the first frame after it, and to the first
		// frame for which done is true when done is not nil.
		jitter := rand.New(rand.NewPCG(3, 4))
		key := func(kind string, k tea.KeyMsg, done func([]byte) bool) {
			// Keys arrive at any point of the renderer's frame period, as a
			// person's do, not just after a frame was written.
			time.Sleep(time.Duration(jitter.IntN(12_000)) * time.Microsecond)
			mk := out.mark()
			t0 := time.Now()
			p.Send(k)
			if done == nil {
				lat[kind] = append(lat[kind], out.waitFor(b, mk, nil).Sub(t0))
				return
			}
			lat[kind+" (first frame)"] = append(lat[kind+" (first frame)"], out.waitFor(b, mk, nil).Sub(t0))
			lat[kind+" (data)"] = append(lat[kind+" (data)"], out.waitFor(b, mk, done).Sub(t0))
			time.Sleep(20 * time.Millisecond) // let the count and the spinner settle
		}
		for j := 0; j < 200; j++ { // down the first page and into the next ones
			key("scroll j", runes("j"), nil)
		}
		for j := 0; j < 4; j++ {
			key("column l", runes("l"), nil)
		}
		for j := 0; j < 9; j++ { // ascending, descending, unsorted, three times
			key("sort s", runes("s"), loaded)
		}
		key("open filter /", runes("/"), nil)
		for _, r := range "metrics.rmse < 0.5" {
			key("filter keystroke", runes(string(r)), nil)
		}
		key("apply filter enter", tea.KeyMsg{Type: tea.KeyEnter}, loaded)
		key("open run enter", tea.KeyMsg{Type: tea.KeyEnter}, has("METRICS"))
		for j := 0; j < 20; j++ {
			key("pane switch 1/2", runes("1"), nil)
			key("pane switch 1/2", runes("2"), nil)
		}
		p.Quit()
		p.Wait()
	}
	report(b, lat)
}

// BenchmarkLoadAllRuns pages through all 10k runs (G) and reports the RSS.
func BenchmarkLoadAllRuns(b *testing.B) {
	dir := seedBench(b)
	st, err := store.Open(context.Background(), dir, store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	for i := 0; i < b.N; i++ {
		p, out := program(b, st, 160, 48)
		out.waitFor(b, 0, has("run-10000"))
		t0 := time.Now()
		mk := out.mark()
		p.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("G")})
		at := out.waitFor(b, mk, has("run-00001"))
		b.ReportMetric(float64(at.Sub(t0).Milliseconds()), "ms/all-pages")
		p.Quit()
		p.Wait()
	}
	b.ReportMetric(float64(rssKB("VmHWM"))/1024, "MiB-peak-RSS")
}

// rssKB reads a VmRSS/VmHWM line of /proc/self/status (0 elsewhere).
func rssKB(field string) int {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, field+":"); ok {
			var kb int
			fmt.Sscanf(strings.TrimSpace(v), "%d", &kb)
			return kb
		}
	}
	return 0
}

func report(b *testing.B, lat map[string][]time.Duration) {
	kinds := make([]string, 0, len(lat))
	for k := range lat {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		ds := lat[k]
		sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
		p := func(q float64) float64 { return float64(ds[int(q*float64(len(ds)-1))].Microseconds()) / 1000 }
		fmt.Printf("  %-34s n=%4d  p50 %7.2f ms  p95 %7.2f ms  max %7.2f ms\n", k, len(ds), p(0.5), p(0.95), p(1))
	}
}

// BenchmarkUpdateView is the model's own cost of one keystroke: Update and
// View for a cursor move in the runs table at 160x48, colours on, without
// the renderer's frame wait.
func BenchmarkUpdateView(b *testing.B) {
	dir := seedBench(b)
	st, err := store.Open(context.Background(), dir, store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	p, out := program(b, st, 160, 48)
	out.waitFor(b, 0, has("run-10000"))
	p.Quit()
	p.Wait()
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.TrueColor)
	th, _ := themes.Load("dark")
	m, err := tui.New(tui.Options{Store: st, Theme: th, Renderer: r, Poll: -1})
	if err != nil {
		b.Fatal(err)
	}
	defer m.Close()
	m.Update(tea.WindowSizeMsg{Width: 160, Height: 48})
	drain(m, m.Init())
	keys := []tea.KeyMsg{{Type: tea.KeyRunes, Runes: []rune("j")}, {Type: tea.KeyRunes, Runes: []rune("k")}}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m.Update(keys[i%2])
		_ = m.View()
	}
}

// drain runs commands synchronously, skipping timers, until none are left.
func drain(m tea.Model, cmd tea.Cmd) {
	queue := []tea.Cmd{cmd}
	for len(queue) > 0 {
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
		case <-time.After(200 * time.Millisecond):
			continue // a timer (tick, spinner): not part of loading
		}
		if bm, ok := msg.(tea.BatchMsg); ok {
			queue = append(queue, bm...)
			continue
		}
		if msg != nil {
			_, next := m.Update(msg)
			queue = append(queue, next)
		}
	}
}

// seedCompare writes 10 runs, each with two metrics of 100k points, with
// direct SQL into a fresh store (metric_summary rows match the points).
func seedCompare(tb testing.TB, runs, points int) string {
	tb.Helper()
	dir := tb.TempDir()
	ctx := context.Background()
	st, err := store.Open(ctx, dir, store.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	st.Close()
	db, err := sql.Open("sqlite", store.DSN(filepath.Join(dir, store.DBFile), "OFF"))
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	must := func(_ any, err error) {
		if err != nil {
			tb.Fatal(err)
		}
	}
	names := []string{"loss", "acc"}
	tx, _ := db.Begin()
	for k, name := range names {
		must(tx.Exec(`INSERT INTO metric_keys (id, key) VALUES (?, ?)`, k+1, name))
	}
	const chunk = 500
	var q strings.Builder
	q.WriteString(`INSERT INTO metrics (run_id, key_id, step, ts, value) VALUES `)
	for s := 0; s < chunk; s++ {
		if s > 0 {
			q.WriteString(",")
		}
		q.WriteString("(?, ?, ?, ?, ?)")
	}
	insPts, err := tx.Prepare(q.String())
	if err != nil {
		tb.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(5, 6))
	args := make([]any, 0, 5*chunk)
	for i := 1; i <= runs; i++ {
		start := int64(1_700_000_000_000 + i*60_000)
		end := start + int64(points-1)*100
		must(tx.Exec(`INSERT INTO runs (id, uuid, experiment_id, name, status, start_time, end_time) VALUES (?, ?, 0, ?, 'FINISHED', ?, ?)`,
			i, store.NewRunID(), fmt.Sprintf("cmp-%02d", i), start, end))
		must(tx.Exec(`INSERT INTO params (run_id, key, value, num) VALUES (?, 'lr', ?, ?)`, i, fmt.Sprint(float64(i)/100), float64(i)/100))
		for k := 1; k <= len(names); k++ {
			v0 := rng.Float64() + 0.5
			lo, hi, v := v0, v0, v0
			for s := 0; s < points; s += chunk {
				args = args[:0]
				for j := s; j < s+chunk; j++ {
					v = v0*(1-float64(j)/float64(points*2)) + rng.Float64()*0.01
					lo, hi = min(lo, v), max(hi, v)
					args = append(args, i, k, j, start+int64(j)*100, v)
				}
				must(insPts.Exec(args...))
			}
			must(tx.Exec(`INSERT INTO metric_summary VALUES (?, ?, ?, 0, ?, ?, ?, ?, ?)`, i, k, v, points-1, end, lo, hi, points))
		}
	}
	if err := tx.Commit(); err != nil {
		tb.Fatal(err)
	}
	must(db.Exec(`ANALYZE`))
	rebuildDetail(tb, dir)
	return dir
}

// BenchmarkCompare opens Compare on 10 runs of 100k points per metric (from
// the key press to the frame with every curve drawn), then times the chart
// toggles (L, S, x) key to frame. Run with -benchtime=1x.
func BenchmarkCompare(b *testing.B) {
	dir := seedCompare(b, 10, 100_000)
	st, err := store.Open(context.Background(), dir, store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	lat := map[string][]time.Duration{}
	runes := func(s string) tea.KeyMsg { return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s)} }
	drawn := func(b []byte) bool {
		return bytes.Contains(b, []byte("x: step")) && !bytes.Contains(b, []byte("loading"))
	}
	// Curves can arrive faster than frames are drawn, so the first frame
	// with a curve may already say "loading 3/10", or be the finished chart.
	firstCurve := func(b []byte) bool {
		return drawn(b) || bytes.Contains(b, []byte("loading ")) && !bytes.Contains(b, []byte("loading 0/"))
	}
	for i := 0; i < b.N; i++ {
		p, out := program(b, st, 160, 48)
		out.waitFor(b, 0, has("cmp-10"))
		for j := 0; j < 10; j++ {
			mk := out.mark()
			p.Send(runes(" "))
			out.waitFor(b, mk, nil)
		}
		time.Sleep(50 * time.Millisecond)
		mk := out.mark()
		t0 := time.Now()
		p.Send(runes("c"))
		lat["open compare (first frame)"] = append(lat["open compare (first frame)"], out.waitFor(b, mk, nil).Sub(t0))
		lat["open compare (progress shown)"] = append(lat["open compare (progress shown)"], out.waitFor(b, mk, has("loading")).Sub(t0))
		lat["open compare (first curve)"] = append(lat["open compare (first curve)"], out.waitFor(b, mk, firstCurve).Sub(t0))
		lat["open compare (all curves)"] = append(lat["open compare (all curves)"], out.waitFor(b, mk, drawn).Sub(t0))
		time.Sleep(50 * time.Millisecond)
		jitter := rand.New(rand.NewPCG(7, 8))
		for j := 0; j < 30; j++ {
			for _, k := range []string{"L", "S", "x"} {
				time.Sleep(time.Duration(jitter.IntN(12_000)) * time.Microsecond)
				mk := out.mark()
				t0 := time.Now()
				p.Send(runes(k))
				lat["toggle "+k] = append(lat["toggle "+k], out.waitFor(b, mk, nil).Sub(t0))
			}
		}
		p.Quit()
		p.Wait()
	}
	report(b, lat)
}

// rebuildDetail fills the metric level of detail that the store keeps on
// write, since the seeders load points with SQL directly.
func rebuildDetail(tb testing.TB, dir string) {
	st, err := store.Open(context.Background(), dir, store.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	defer st.Close()
	if err := st.RebuildMetricDetail(context.Background()); err != nil {
		tb.Fatal(err)
	}
}
