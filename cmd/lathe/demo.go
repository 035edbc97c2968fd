package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/lathe-ml/lathe/cmd/lathe/internal/retail"
	"github.com/lathe-ml/lathe/monitor/datadiff"
	"github.com/lathe-ml/lathe/monitor/validate"
	"github.com/lathe-ml/lathe/store"
)

const (
	demoExperiment = "retail-recs"
	demoModel      = "retail-recs"
	demoDataset    = "retail"
	demoAlias      = "champion"
	demoK          = 10
	demoParallel   = 2
)

// demoJob is one training job of the demo: the popularity baseline or one
// point of the BPR sweep.
type demoJob struct {
	name   string
	params []store.Tag
	child  bool // of the sweep's parent run
}

// demoResult is how one job ended.
type demoResult struct {
	job   demoJob
	runID string
	ndcg  float64
	err   error
	out   string // the job's output, kept for errors
}

func newDemoCmd(a *app) *cobra.Command {
	var dir string
	var noTUI, small bool
	c := &cobra.Command{
		Use:   "demo [--dir DIR] [--no-tui]",
		Short: "Build a demo project: retail data, a recommender sweep, a registered model",
		Long: `Build a self-contained demo project in DIR (default: a new directory under the
system's temporary directory; never your own store): a seeded synthetic retail
data set (customers in segments, items with a long-tailed popularity, purchase
events) written as CSV files in DIR/data, then real training jobs run through
'lathe run': a popularity baseline and a sweep of matrix-factorisation
recommenders (BPR) grouped under a parent run, each reporting its loss per
epoch and precision@10, recall@10 and NDCG@10 on held-out purchases. The best
run by NDCG@10 is registered as the model retail-recs with the alias
champion. Then the workbench opens on the project (unless --no-tui, or when
not on a terminal). The store is DIR/.lathe, so 'cd DIR && lathe' reopens it.
See docs/demo.md.`,
		Example: `  lathe demo
  lathe demo --dir ~/lathe-demo --no-tui
  lathe demo --json | jq .best_run`,
		Args: exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.runDemo(cmd, dir, noTUI, small)
		},
	}
	f := c.Flags()
	f.StringVar(&dir, "dir", "", "project directory to create (default: a new one under the temporary directory)")
	f.BoolVar(&noTUI, "no-tui", false, "do not open the workbench at the end")
	f.BoolVar(&small, "small", false, "a tiny data set and sweep (for tests)")
	_ = f.MarkHidden("small")
	c.AddCommand(newDemoTrainCmd(a))
	return c
}

func (a *app) runDemo(cmd *cobra.Command, dir string, noTUI, small bool) error {
	ctx := cmd.Context()
	start := time.Now()
	progress := func(format string, args ...any) {
		fmt.Fprintf(a.env.Stderr, "demo: "+format+"\n", args...)
	}
	var err error
	if dir == "" {
		if dir, err = os.MkdirTemp("", "lathe-demo-"); err != nil {
			return err
		}
	} else {
		if !filepath.IsAbs(dir) {
			dir = filepath.Join(a.env.Cwd, dir)
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
	}
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("find lathe's own binary: %w", err)
	}
	storeDir, err := store.Init(dir)
	if err != nil {
		return err
	}
	progress("project in %s (store %s)", dir, storeDir)
	if exe, err = keepBinary(exe, dir); err != nil {
		return err
	}

	cfg, epochs := retail.DefaultConfig(), 15
	if small {
		cfg, epochs = retail.SmallConfig(), 4
	}
	dataDir := filepath.Join(dir, "data")
	refPath, laterPath := filepath.Join(dataDir, "reference", retail.PurchasesFile), filepath.Join(dataDir, "later", retail.PurchasesFile)
	data := retail.Generate(cfg)
	cfg.Period = 1
	later := retail.Generate(cfg)
	for p, d := range map[string]*retail.Dataset{refPath: data, laterPath: later} {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := d.WritePurchases(p); err != nil {
			return fmt.Errorf("write the data set: %w", err)
		}
	}
	rulesPath := filepath.Join(dir, projectFile)
	if _, err := os.Stat(rulesPath); errors.Is(err, fs.ErrNotExist) {
		if err := os.WriteFile(rulesPath, []byte(demoRules), 0o644); err != nil {
			return err
		}
	}
	progress("data: %d customers, %d items, %d purchases (reference) and %d (a later, shifted extract) in %s",
		len(data.Customers), len(data.Items), len(data.Events), len(later.Events), dataDir)

	st, err := store.Open(ctx, storeDir, store.Options{})
	if err != nil {
		return err
	}
	defer func() { _ = st.Close() }()
	all, err := validate.ParseProject(rulesPath, []byte(demoRules))
	if err != nil {
		return err
	}
	var versions [2]*store.DataVersion
	for i, in := range []struct{ path, msg, alias string }{
		{refPath, "reference extract: year 1", "reference"},
		{laterPath, "later extract: year 2, more bargain hunters, prices up 15%", ""},
	} {
		src, err := scanDataSource(in.path)
		if err != nil {
			return err
		}
		res, err := a.addData(ctx, st, src, demoDataset, in.msg, in.alias, all[demoDataset], a.progress())
		if err != nil {
			return fmt.Errorf("register %s: %w", in.path, err)
		}
		versions[i] = res.version
		progress("dataset %s: %s rows, validation %s", res.version.Ref(), humanCount(res.version.Rows), res.status)
	}
	driftLine, err := demoDrift(ctx, st, versions[0], versions[1])
	if err != nil {
		return err
	}
	progress("%s", driftLine)
	if _, err := st.CreateExperiment(ctx, demoExperiment, "", nil); err != nil && !errors.Is(err, store.ErrAlreadyExists) {
		return err
	}
	exp, err := st.GetExperimentByName(ctx, demoExperiment)
	if err != nil {
		return err
	}
	host, _ := os.Hostname()
	parent, err := st.CreateRun(ctx, store.RunCreate{ExperimentID: exp.ID, Name: "bpr-sweep", UserID: a.currentUser(),
		Host: host, Source: "lathe demo", Tags: []store.Tag{{Key: "lathe.demo", Value: "sweep"}}})
	if err != nil {
		return err
	}
	if err := st.RecordRunDataInputs(ctx, parent.ID, versions[:1], "training"); err != nil {
		return err
	}

	jobs := demoJobs(small, epochs)
	progress("training %d jobs (%d at a time) with lathe run; sweep parent run %s", len(jobs), demoParallel, shortID(parent.ID))
	results := make([]demoResult, len(jobs))
	sem := make(chan struct{}, demoParallel)
	var wg sync.WaitGroup
	var mu sync.Mutex
	done := 0
	for i, j := range jobs {
		sem <- struct{}{} // start the jobs in order, demoParallel at a time
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			pid := ""
			if j.child {
				pid = parent.ID
			}
			r := a.runDemoJob(ctx, exe, storeDir, dir, demoDataset+"@reference", pid, j)
			results[i] = r
			mu.Lock()
			done++
			if r.err != nil {
				progress("[%d/%d] %s failed: %v", done, len(jobs), j.name, r.err)
			} else {
				progress("[%d/%d] %s: ndcg@10 %.4f (run %s)", done, len(jobs), j.name, r.ndcg, shortID(r.runID))
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	if ctx.Err() != nil {
		killed := store.StatusKilled
		_, _ = st.UpdateRun(context.WithoutCancel(ctx), parent.ID, store.RunUpdate{Status: &killed, EndTime: ptrTo(st.Now())})
		return ctx.Err()
	}

	best, baseline := -1, -1
	failed := 0
	for i, r := range results {
		switch {
		case r.err != nil:
			failed++
		case !r.job.child:
			baseline = i
		case best < 0 || r.ndcg > results[best].ndcg:
			best = i
		}
	}
	status := store.StatusFinished
	if best < 0 {
		status = store.StatusFailed
	}
	if best >= 0 {
		b, err := st.GetRun(ctx, results[best].runID)
		if err != nil {
			return err
		}
		batch := store.Batch{Params: []store.Param{{Key: "best_run", Value: b.ID}, {Key: "sweep_size", Value: strconv.Itoa(len(jobs) - 1)}},
			Tags: []store.Tag{{Key: "lathe.demo.best_run_name", Value: b.Name}}}
		now := st.Now()
		for _, m := range b.Metrics {
			if m.Key == "loss" {
				continue
			}
			batch.Metrics = append(batch.Metrics, store.Metric{Key: "best_" + m.Key, Value: m.Last, Step: 0, Timestamp: now})
		}
		if err := st.LogBatch(ctx, parent.ID, batch); err != nil {
			return err
		}
	}
	if _, err := st.UpdateRun(ctx, parent.ID, store.RunUpdate{Status: &status, EndTime: ptrTo(st.Now())}); err != nil {
		return err
	}
	if best < 0 {
		for _, r := range results {
			if r.err != nil {
				fmt.Fprintf(a.env.Stderr, "--- %s\n%s\n", r.job.name, r.out)
				break
			}
		}
		return fmt.Errorf("every sweep job failed (%d of %d jobs failed)", failed, len(jobs))
	}

	br := results[best]
	if _, err := st.CreateRegisteredModel(ctx, demoModel, "Retail recommender trained by lathe demo", nil); err != nil && !errors.Is(err, store.ErrAlreadyExists) {
		return err
	}
	v, err := st.CreateModelVersion(ctx, store.ModelVersionCreate{Name: demoModel, Source: "runs:/" + br.runID + "/outputs/model",
		RunID: br.runID, Description: fmt.Sprintf("best of the demo sweep by ndcg_at_10 (%.4f)", br.ndcg), UserID: a.currentUser()})
	if err != nil {
		return fmt.Errorf("register %s: %w", demoModel, err)
	}
	if err := st.SetModelAlias(ctx, demoModel, demoAlias, v.Version); err != nil {
		return err
	}
	took := time.Since(start)
	progress("registered %s version %d (@%s) from run %s (%s) in %s", demoModel, v.Version, demoAlias, shortID(br.runID), br.job.name, took.Round(100*time.Millisecond))

	runIDs := []string{parent.ID}
	for _, r := range results {
		if r.err == nil {
			runIDs = append(runIDs, r.runID)
		}
	}
	if a.json {
		out := map[string]any{"dir": dir, "store": storeDir, "experiment": demoExperiment, "parent_run": parent.ID,
			"runs": runIDs, "failed": failed, "best_run": br.runID, "best_run_name": br.job.name,
			"best_ndcg_at_10": br.ndcg, "model": demoModel, "alias": demoAlias, "model_version": v.Version,
			"seconds": took.Seconds(), "datasets": []string{versions[0].Ref(), versions[1].Ref()}, "drift": driftLine}
		if baseline >= 0 {
			out["baseline_run"] = results[baseline].runID
			out["baseline_ndcg_at_10"] = results[baseline].ndcg
		}
		return writeJSON(a.env.Stdout, out)
	}
	s := a.style()
	w := a.env.Stdout
	fmt.Fprintf(w, "Demo project in %s\n", s.bold(dir))
	fmt.Fprintf(w, "  %d runs in experiment %s: a popularity baseline and %d BPR runs under the parent run %s\n",
		len(runIDs), s.cyan(demoExperiment), len(jobs)-1, shortID(parent.ID))
	if baseline >= 0 {
		fmt.Fprintf(w, "  baseline ndcg@10 %.4f; best %s ndcg@10 %.4f\n", results[baseline].ndcg, br.job.name, br.ndcg)
	}
	fmt.Fprintf(w, "  registered %s (version %d, alias %s)\n", s.cyan(demoModel+"@"+demoAlias), v.Version, demoAlias)
	fmt.Fprintf(w, "  dataset %s: the reference %s trained every run; %s is a later extract\n  %s\n",
		s.cyan(demoDataset), versions[0].Ref(), versions[1].Ref(), driftLine)
	if failed > 0 {
		fmt.Fprintf(w, "  %d job(s) failed; see lathe runs ls\n", failed)
	}
	if err := st.Close(); err != nil {
		return err
	}
	if !noTUI && a.env.isTerminal(a.env.Stdout) && a.stdinTerminal() {
		a.storeFlag = storeDir
		return runTUI(ctx, a, "")
	}
	fmt.Fprintf(w, "\n%s\n", s.bold("Next, try:"))
	hints := &table{}
	hint := func(c, why string) { hints.add(cell{text: "  " + c}, cell{text: "# " + why, color: s.dim}) }
	hint("cd "+shellQuote(dir)+" && lathe", "the workbench on this project")
	hint("lathe runs ls -e "+demoExperiment+" --order-by 'metrics.ndcg_at_10 DESC'", "best first")
	hint("lathe runs show "+shortID(br.runID), "the best run: params, metrics, inputs, artifacts")
	hint("lathe runs metric "+shortID(br.runID)+" loss", "its training loss per epoch")
	hint("lathe models show "+demoModel+"@"+demoAlias, "the registered model and its lineage")
	hint("lathe data show "+demoDataset, "the later extract's schema and profile")
	hint("lathe data diff "+demoDataset+"@reference "+demoDataset, "how customer behaviour drifted")
	hints.render(w, s)
	return nil
}

// demoJobs is the baseline and the sweep grid.
func demoJobs(small bool, epochs int) []demoJob {
	ep := strconv.Itoa(epochs)
	jobs := []demoJob{{name: "popularity", params: []store.Tag{{Key: "model", Value: "popularity"}}}}
	factors, lrs, regs := []int{8, 16, 32}, []float64{0.05, 0.1}, []float64{0.001, 0.01}
	if small {
		factors, lrs, regs = []int{4, 8}, []float64{0.05}, []float64{0.01}
	}
	for _, f := range factors {
		for _, lr := range lrs {
			for _, reg := range regs {
				fs, lrs, regs := strconv.Itoa(f), strconv.FormatFloat(lr, 'g', -1, 64), strconv.FormatFloat(reg, 'g', -1, 64)
				jobs = append(jobs, demoJob{name: "bpr-f" + fs + "-lr" + lrs + "-reg" + regs, child: true,
					params: []store.Tag{{Key: "model", Value: "bpr"}, {Key: "factors", Value: fs}, {Key: "lr", Value: lrs},
						{Key: "reg", Value: regs}, {Key: "epochs", Value: ep}}})
			}
		}
	}
	return jobs
}

// runDemoJob runs one job as `lathe run ... -- lathe demo train ...`, the
// binary invoking itself, and reads the finished run from its --json output.
func (a *app) runDemoJob(ctx context.Context, exe, storeDir, dir, input, parentID string, j demoJob) demoResult {
	r := demoResult{job: j}
	work := filepath.Join(dir, "work", j.name)
	if err := os.MkdirAll(work, 0o755); err != nil {
		r.err = err
		return r
	}
	args := []string{"--store", storeDir, "--json", "run", "-e", demoExperiment, "--name", j.name, "--output", "model", "--input", input}
	train := []string{exe, "demo", "train", "--out", "model"}
	for _, p := range j.params {
		args = append(args, "-p", p.Key+"="+p.Value)
		train = append(train, "--"+p.Key, "{"+p.Key+"}")
	}
	if parentID != "" {
		train = append(train, "--parent", parentID)
	}
	args = append(append(args, "--"), train...)
	c := exec.CommandContext(ctx, exe, args...)
	c.Dir = work
	var stdout, stderr bytes.Buffer
	c.Stdout, c.Stderr = &stdout, &stderr
	err := c.Run()
	r.out = stderr.String()
	var rj struct {
		RunID   string `json:"run_id"`
		Status  string `json:"status"`
		Metrics map[string]struct {
			Last any `json:"last"` // a number, or a string for NaN and infinities
		} `json:"metrics"`
	}
	jerr := json.Unmarshal(stdout.Bytes(), &rj)
	if jerr == nil {
		r.runID = rj.RunID
	}
	switch {
	case err != nil:
		r.err = fmt.Errorf("lathe run: %v", err)
	case r.runID == "":
		r.err = fmt.Errorf("lathe run printed no run (%v)", jerr)
	case rj.Status != store.StatusFinished:
		r.err = fmt.Errorf("run ended %s", rj.Status)
	default:
		v, ok := rj.Metrics["ndcg_at_10"].Last.(float64)
		if !ok {
			r.err = errors.New("the job reported no ndcg_at_10")
		}
		r.ndcg = v
	}
	return r
}

// newDemoTrainCmd is the demo's training job, run by lathe run.
func newDemoTrainCmd(a *app) *cobra.Command {
	var model, data, out, parent string
	var factors, epochs int
	var lr, reg float64
	var seed uint64
	c := &cobra.Command{
		Use:    "train --model popularity|bpr --data DIR --out DIR",
		Short:  "Train one demo recommender (the demo's job; run by lathe run)",
		Hidden: true,
		Args:   exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, args []string) error {
			w := a.env.Stdout
			if parent != "" {
				fmt.Fprintf(w, "lathe: tag mlflow.parentRunId=%s\n", parent)
			}
			if data == "" {
				data = a.env.getenv(inputEnvName(demoDataset))
			}
			if data == "" {
				return usagef("--data is required (or run it with lathe run --input %s)", demoDataset)
			}
			d, err := readDemoData(data)
			if err != nil {
				return fmt.Errorf("read data: %w", err)
			}
			split := retail.HoldOut(d, 0.2)
			fmt.Fprintf(w, "data: %d customers, %d items, %d events\n", len(d.Customers), len(d.Items), len(d.Events))
			if err := os.MkdirAll(out, 0o755); err != nil {
				return err
			}
			report := func(m retail.Metrics, step int) {
				b, _ := json.Marshal(map[string]float64{"precision_at_10": m.Precision, "recall_at_10": m.Recall, "ndcg_at_10": m.NDCG})
				fmt.Fprintf(w, "lathe: metrics %s step=%d\n", b, step)
			}
			switch model {
			case "popularity":
				p := retail.FitPopularity(split)
				report(retail.Evaluate(p, split, demoK), 0)
				b, _ := json.Marshal(map[string]any{"model": "popularity", "item_counts": p.Count})
				return os.WriteFile(filepath.Join(out, "model.json"), b, 0o644)
			case "bpr":
				if factors < 1 || epochs < 1 || lr <= 0 || reg < 0 {
					return usagef("need --factors >= 1, --epochs >= 1, --lr > 0, --reg >= 0")
				}
				m := retail.TrainBPR(split, retail.BPRConfig{Factors: factors, LR: lr, Reg: reg, Epochs: epochs, Seed: seed},
					func(e retail.Epoch, m *retail.MF) {
						fmt.Fprintf(w, "lathe: metric loss=%g step=%d\n", e.Loss, e.Epoch)
						report(retail.Evaluate(m, split, demoK), e.Epoch)
					})
				return m.Save(filepath.Join(out, "model.json"))
			}
			return usagef("--model must be popularity or bpr, not %q", model)
		},
	}
	f := c.Flags()
	f.StringVar(&model, "model", "bpr", "popularity or bpr")
	f.StringVar(&data, "data", "", "purchases.csv, or a directory with customers.csv, items.csv, events.csv (default: $LATHE_INPUT_RETAIL)")
	f.StringVar(&out, "out", "model", "directory to write model.json to")
	f.StringVar(&parent, "parent", "", "parent run id to tag the run with")
	f.IntVar(&factors, "factors", 16, "latent factors")
	f.IntVar(&epochs, "epochs", 10, "epochs")
	f.Float64Var(&lr, "lr", 0.05, "learning rate")
	f.Float64Var(&reg, "reg", 0.01, "L2 regularisation")
	f.Uint64Var(&seed, "seed", 1, "random seed")
	return c
}

// keepBinary returns the binary the demo's jobs run. Under `go run` lathe is
// a temporary file that Go deletes on exit, which would leave the recorded
// commands (and `lathe runs rerun`) pointing at nothing; such a binary is
// copied into the project as DIR/bin/lathe first.
func keepBinary(exe, dir string) (string, error) {
	if !strings.Contains(exe, string(filepath.Separator)+"go-build") {
		return exe, nil
	}
	src, err := os.Open(exe)
	if err != nil {
		return "", fmt.Errorf("keep lathe's binary: %w", err)
	}
	defer src.Close()
	dst := filepath.Join(dir, "bin", "lathe")
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return "", fmt.Errorf("keep lathe's binary: %w", err)
	}
	f, err := os.OpenFile(dst+".tmp", os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o755)
	if err != nil {
		return "", fmt.Errorf("keep lathe's binary: %w", err)
	}
	if _, err := io.Copy(f, src); err != nil {
		f.Close()
		return "", fmt.Errorf("keep lathe's binary: %w", err)
	}
	if err := f.Close(); err != nil {
		return "", fmt.Errorf("keep lathe's binary: %w", err)
	}
	if err := os.Rename(dst+".tmp", dst); err != nil {
		return "", fmt.Errorf("keep lathe's binary: %w", err)
	}
	return dst, nil
}

// readDemoData reads the one-table purchases file, or the three-table
// directory form.
func readDemoData(path string) (*retail.Dataset, error) {
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return retail.ReadCSV(path)
	}
	return retail.ReadPurchases(path)
}

// demoRules are the demo project's lathe.toml: rules every version of the
// retail dataset is checked against when it is added.
const demoRules = `# lathe project file (written by lathe demo).
# Rules for dataset "retail", checked on every 'lathe data add'.
[data.retail.dataset]
min_rows = 1000
required_columns = ["customer_id", "segment", "item_id", "category", "price", "day"]

[data.retail.columns.customer_id]
type = "int"
not_null = true
min = 0

[data.retail.columns.segment]
allowed = ["bargain", "family", "gourmet", "tech", "outdoor", "student", "luxury", "health"]

[data.retail.columns.price]
type = "float"
not_null = true
min = 0
max = 10000
`

// demoDrift compares the reference and the later version and sums it up.
func demoDrift(ctx context.Context, st *store.Store, ref, cur *store.DataVersion) (string, error) {
	rr, err := openVersion(ctx, st, ref)
	if err != nil {
		return "", err
	}
	defer rr.Close()
	cr, err := openVersion(ctx, st, cur)
	if err != nil {
		return "", err
	}
	defer cr.Close()
	rep, err := datadiff.Compare(ctx, rr, cr, datadiff.Options{})
	if err != nil {
		return "", fmt.Errorf("drift %s -> %s: %w", ref.Ref(), cur.Ref(), err)
	}
	var drifted []string
	for _, c := range rep.Columns {
		if c.Drift {
			drifted = append(drifted, c.Column)
		}
	}
	return fmt.Sprintf("drift %s -> %s: %d of %d columns drifted (%s)", ref.Ref(), cur.Ref(), rep.Drifted, len(rep.Columns),
		strings.Join(drifted, ", ")), nil
}
