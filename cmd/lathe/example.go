package main

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/lathe-ml/lathe/store"
)

// toyData is the example's synthetic regression set: y = 3x + 0.5 + noise,
// the same on every machine (seeded PCG).
type toyData struct{ x, y []float64 }

const (
	toyDataSeed   = 42
	toyDataPoints = 64
	toyEpochs     = 30
)

func makeToyData() toyData {
	rng := rand.New(rand.NewPCG(toyDataSeed, 0))
	d := toyData{x: make([]float64, toyDataPoints), y: make([]float64, toyDataPoints)}
	for i := range d.x {
		d.x[i] = rng.Float64()*2 - 1
		d.y[i] = 3*d.x[i] + 0.5 + rng.NormFloat64()*0.1
	}
	return d
}

// digest is a short content hash identifying the data set.
func (d toyData) digest() string {
	h := sha256.New()
	var b [8]byte
	for i := range d.x {
		binary.LittleEndian.PutUint64(b[:], math.Float64bits(d.x[i]))
		h.Write(b[:])
		binary.LittleEndian.PutUint64(b[:], math.Float64bits(d.y[i]))
		h.Write(b[:])
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// epochStats are the metrics of one epoch.
type epochStats struct{ loss, rmse float64 }

// train fits y = w·x + b by full-batch gradient descent on the mean squared
// error, from weights drawn with seed, and reports each epoch's loss.
func (d toyData) train(lr float64, epochs int, seed uint64) []epochStats {
	rng := rand.New(rand.NewPCG(seed, 1))
	w, b := rng.Float64()*2-1, rng.Float64()*2-1
	n := float64(len(d.x))
	out := make([]epochStats, 0, epochs)
	for range epochs {
		var gw, gb float64
		for i := range d.x {
			e := w*d.x[i] + b - d.y[i]
			gw += 2 * e * d.x[i] / n
			gb += 2 * e / n
		}
		w, b = w-lr*gw, b-lr*gb
		var post float64
		for i := range d.x {
			e := w*d.x[i] + b - d.y[i]
			post += e * e
		}
		mse := post / n
		out = append(out, epochStats{loss: mse, rmse: math.Sqrt(mse)})
	}
	return out
}

// exampleLRs are the learning rates the example's runs cycle through.
var exampleLRs = [...]float64{0.3, 0.1, 0.03, 0.01, 0.003}

func newLogExampleCmd(a *app) *cobra.Command {
	var n int
	var expName string
	c := &cobra.Command{
		Use:   "example",
		Short: "Log toy training runs to try lathe (no Python needed)",
		Long: fmt.Sprintf(`Log --runs runs of a tiny, deterministic training job into the experiment
--experiment (created if missing), so that you can try lathe before wiring it
into real code. Each run fits y = w·x + b to %d synthetic points by gradient
descent for %d epochs, with params lr (cycling through 0.3, 0.1, 0.03, 0.01,
0.003), epochs and seed; metrics loss (MSE) and rmse at every epoch; and the
data set as an input. Runs end FINISHED. Then the runs are listed and the next
commands to try are printed.`, toyDataPoints, toyEpochs),
		Example: `  lathe log example
  lathe log example --runs 10 --experiment sweep`,
		Args: exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if n < 1 || n > 1000 {
				return usagef("--runs must be between 1 and 1000, not %d", n)
			}
			ctx := cmd.Context()
			return a.withStore(ctx, func(st *store.Store) error {
				e, err := a.ensureExperiment(cmd, st, expName)
				if err != nil {
					return err
				}
				runs, err := a.logExampleRuns(ctx, st, e.ID, n)
				if err != nil {
					return err
				}
				if a.json {
					out := make([]runJSON, len(runs))
					for i, r := range runs {
						out[i] = toRunJSON(r, e.Name)
					}
					return writeJSON(a.env.Stdout, out)
				}
				s := a.style()
				fmt.Fprintf(a.env.Stdout, "Logged %s to experiment %s (id %d) in %s\n\n", plural(len(runs), "example run"),
					s.cyan(e.Name), e.ID, st.Dir())
				all, _, _, err := searchAll(ctx, st, runsQuery{experiments: []string{itoa(e.ID)}, limit: 20})
				if err != nil {
					return err
				}
				a.runsTable(ctx, all, newExpNames(st)).render(a.env.Stdout, s)
				first, second := runs[0], runs[len(runs)-1]
				fmt.Fprintf(a.env.Stdout, "\n%s\n", s.bold("Next, try:"))
				hints := &table{}
				hints.add(cell{text: "  lathe runs show " + shortID(first.ID)}, cell{text: "# one run in detail", color: s.dim})
				if len(runs) > 1 {
					hints.add(cell{text: "  lathe runs compare " + shortID(first.ID) + " " + shortID(second.ID)}, cell{text: "# what differs", color: s.dim})
				}
				hints.add(cell{text: "  lathe runs metric " + shortID(first.ID) + " loss"}, cell{text: "# a metric's series", color: s.dim})
				hints.add(cell{text: "  lathe runs ls -e " + shellQuote(e.Name) + " --order-by 'metrics.rmse ASC'"}, cell{text: "# best first", color: s.dim})
				hints.add(cell{text: "  lathe server"}, cell{text: "# the MLflow API for your Python code", color: s.dim})
				hints.render(a.env.Stdout, s)
				return nil
			})
		},
	}
	c.Flags().IntVar(&n, "runs", 5, "how many runs to log")
	c.Flags().StringVarP(&expName, "experiment", "e", "quickstart", "experiment to log into (created if missing)")
	_ = c.RegisterFlagCompletionFunc("experiment", a.experimentNames(store.ActiveOnly))
	return c
}

// logExampleRuns trains and logs n toy runs into experiment exp.
func (a *app) logExampleRuns(ctx context.Context, st *store.Store, exp int64, n int) ([]*store.Run, error) {
	data := makeToyData()
	host, _ := os.Hostname()
	var out []*store.Run
	for i := range n {
		lr := exampleLRs[i%len(exampleLRs)]
		seed := uint64(i + 1)
		r, err := st.CreateRun(ctx, store.RunCreate{ExperimentID: exp, UserID: a.currentUser(), Host: host,
			Source: "lathe log example", Tags: []store.Tag{{Key: "lathe.example", Value: "toy-regression"}}})
		if err != nil {
			return nil, fmt.Errorf("create example run: %w", err)
		}
		b := store.Batch{Params: []store.Param{
			{Key: "lr", Value: strconv.FormatFloat(lr, 'g', -1, 64)},
			{Key: "epochs", Value: strconv.Itoa(toyEpochs)},
			{Key: "seed", Value: strconv.FormatUint(seed, 10)},
			{Key: "model", Value: "linear"},
		}}
		for epoch, m := range data.train(lr, toyEpochs, seed) {
			ts := a.env.now().UnixMilli()
			b.Metrics = append(b.Metrics,
				store.Metric{Key: "loss", Value: m.loss, Step: int64(epoch), Timestamp: ts},
				store.Metric{Key: "rmse", Value: m.rmse, Step: int64(epoch), Timestamp: ts})
		}
		if err := st.LogBatch(ctx, r.ID, b); err != nil {
			return nil, fmt.Errorf("log example run %s: %w", shortID(r.ID), err)
		}
		in := store.DatasetInput{
			Dataset: store.Dataset{Name: "toy-regression", Digest: data.digest(), SourceType: "synthetic",
				Source: fmt.Sprintf("lathe log example (seed %d, %d points)", toyDataSeed, toyDataPoints)},
			Tags: []store.Tag{{Key: "mlflow.data.context", Value: "training"}},
		}
		if err := st.LogInputs(ctx, r.ID, []store.DatasetInput{in}); err != nil {
			return nil, fmt.Errorf("log example run %s inputs: %w", shortID(r.ID), err)
		}
		status, end := store.StatusFinished, a.env.now().UnixMilli()
		done, err := st.UpdateRun(ctx, r.ID, store.RunUpdate{Status: &status, EndTime: &end})
		if err != nil {
			return nil, fmt.Errorf("finish example run %s: %w", shortID(r.ID), err)
		}
		out = append(out, done)
	}
	return out, nil
}

// shellQuote quotes s for a POSIX shell when it needs quoting.
func shellQuote(s string) string {
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.' || r == '/') {
			return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
		}
	}
	return s
}
