package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/spf13/cobra"

	"github.com/lathe-ml/lathe/store"
)

func newRunsShowCmd(a *app) *cobra.Command {
	var allTags bool
	c := &cobra.Command{
		Use:     "show RUN",
		Aliases: []string{"info"},
		Short:   "Show everything about one run",
		Long: `Show one run: id, name, experiment, status, times, user and source; then its
params, tags, metrics (last value, min, max, number of points, last step),
dataset inputs, notes and the lathe dataset versions the run consumed
(--input, or an MLflow input whose digest matches a version). MLflow's system tags (mlflow.*) are hidden unless
--all-tags is given; --json always includes them.`,
		Example: `  lathe runs show 3f2a9c1e
  lathe runs show baseline --all-tags
  lathe runs show 3f2a --json | jq '.params'`,
		Args:              exactArgs(1, "one RUN"),
		ValidArgsFunction: positional(false, a.runRefs(store.All)),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			return a.withRun(ctx, args[0], func(st *store.Store, r *store.Run) error {
				exp := newExpNames(st).name(ctx, r.ExperimentID)
				data, err := st.RunDataInputs(ctx, r.ID)
				if err != nil {
					return err
				}
				refs := make([]string, len(data))
				for i, v := range data {
					refs[i] = v.Ref()
				}
				if a.json {
					return writeJSON(a.env.Stdout, struct {
						runJSON
						DataVersions []string `json:"data_versions"`
					}{toRunJSON(r, exp), refs})
				}
				a.showRun(a.env.Stdout, r, exp, allTags)
				if len(refs) > 0 {
					fmt.Fprintf(a.env.Stdout, "\n%s\n  %s\n", a.style().bold("Data versions (lathe data)"), strings.Join(refs, "  "))
				}
				return nil
			})
		},
	}
	c.Flags().BoolVar(&allTags, "all-tags", false, "also show MLflow system tags (mlflow.*)")
	return c
}

// showRun writes the human view of one run.
func (a *app) showRun(w io.Writer, r *store.Run, exp string, allTags bool) {
	s := a.style()
	loc := a.env.loc()
	section := func(title string) { fmt.Fprintf(w, "\n%s\n", s.bold(title)) }
	info := &table{}
	kv := func(k, v string, c colourFunc) {
		if v != "" {
			info.add(cell{text: k, color: s.dim}, cell{text: v, color: c})
		}
	}
	kv("Run", r.ID, nil)
	kv("Name", r.Name, s.cyan)
	kv("Experiment", fmt.Sprintf("%s (%d)", exp, r.ExperimentID), nil)
	kv("Status", r.Status, s.status)
	if r.LifecycleStage != store.StageActive {
		kv("Stage", r.LifecycleStage, s.red)
	}
	kv("Start", fmtTimeLong(r.StartTime, loc), nil)
	if r.EndTime != 0 {
		kv("End", fmtTimeLong(r.EndTime, loc), nil)
	}
	kv("Duration", runDuration(r, a.env.now()), nil)
	kv("User", r.UserID, nil)
	kv("Host", r.Host, nil)
	kv("Source", r.Source, nil)
	kv("Artifacts", r.ArtifactURI, nil)
	info.render(w, s)

	if len(r.Params) > 0 {
		section(fmt.Sprintf("Params (%d)", len(r.Params)))
		t := &table{max: 100}
		for _, k := range store.SortedKeys(r.Params) {
			t.addText("  "+k, r.Params[k])
		}
		t.render(w, s)
	}
	hidden := 0
	t := &table{max: 100}
	for _, k := range store.SortedKeys(r.Tags) {
		if !allTags && strings.HasPrefix(k, "mlflow.") {
			hidden++
			continue
		}
		t.addText("  "+k, r.Tags[k])
	}
	if len(t.rows) > 0 || hidden > 0 {
		title := fmt.Sprintf("Tags (%d)", len(t.rows))
		if hidden > 0 {
			title += s.dim(fmt.Sprintf("  %d mlflow.* tags hidden; --all-tags shows them", hidden))
		}
		section(title)
		t.render(w, s)
	}
	if len(r.Metrics) > 0 {
		section(fmt.Sprintf("Metrics (%d)", len(r.Metrics)))
		t := &table{header: []string{"  KEY", "LAST", "MIN", "MAX", "COUNT", "STEP"},
			right: []bool{false, true, true, true, true, true}, max: 60}
		for _, m := range r.Metrics {
			t.addText("  "+m.Key, fmtFloat(m.Last), fmtFloat(m.Min), fmtFloat(m.Max), itoa(m.Count), itoa(m.LastStep))
		}
		t.render(w, s)
	}
	if len(r.Inputs) > 0 {
		section(fmt.Sprintf("Inputs (%d)", len(r.Inputs)))
		t := &table{max: 60}
		for _, in := range r.Inputs {
			var tags []string
			for _, tg := range in.Tags {
				tags = append(tags, tg.Key+"="+tg.Value)
			}
			d := in.Dataset
			t.addText("  "+d.Name, d.Digest, d.SourceType, d.Source, strings.Join(tags, " "))
		}
		t.render(w, s)
	}
	if r.Notes != "" {
		section("Notes")
		for _, line := range strings.Split(r.Notes, "\n") {
			fmt.Fprintln(w, "  "+line)
		}
	}
}

func newRunsMetricCmd(a *app) *cobra.Command {
	var points int
	c := &cobra.Command{
		Use:   "metric RUN KEY",
		Short: "Print one metric's series",
		Long: `Print every point of the metric KEY logged by RUN: step, timestamp and value,
in step order, under a one-line sparkline summary. With --points N the series
is downsampled to at most N points that keep its shape (peaks and troughs;
largest-triangle-three-buckets), and NaN points are dropped.`,
		Example: `  lathe runs metric 3f2a9c1e loss
  lathe runs metric baseline val/accuracy --points 20
  lathe runs metric 3f2a9c1e loss --json | jq '.points[-1].value'`,
		Args:              exactArgs(2, "RUN and KEY"),
		ValidArgsFunction: positional(false, a.runRefs(store.All), a.metricKeys),
		RunE: func(cmd *cobra.Command, args []string) error {
			if points < 0 {
				return usagef("--points must be positive, not %d", points)
			}
			ctx := cmd.Context()
			return a.withRun(ctx, args[0], func(st *store.Store, r *store.Run) error {
				key := args[1]
				sum, ok := metricOf(r, key)
				if !ok {
					have := make([]string, len(r.Metrics))
					for i, m := range r.Metrics {
						have[i] = m.Key
					}
					if len(have) == 0 {
						return fmt.Errorf("run %s (%s) has no metric %q: it logged no metrics", shortID(r.ID), r.Name, key)
					}
					return fmt.Errorf("run %s (%s) has no metric %q (it has: %s)", shortID(r.ID), r.Name, key, strings.Join(have, ", "))
				}
				pts, err := metricSeries(ctx, st, r.ID, key, points)
				if err != nil {
					return err
				}
				if a.json {
					out := seriesJSON{RunID: r.ID, RunName: r.Name, Key: key, Downsampled: points > 0 && int64(points) < sum.Count,
						Points: make([]pointJSON, len(pts))}
					for i, p := range pts {
						out.Points[i] = pointJSON{Step: p.Step, Timestamp: jsonTime(p.Timestamp), Value: jsonFloat(p.Value)}
					}
					return writeJSON(a.env.Stdout, out)
				}
				a.printSeries(a.env.Stdout, r, key, sum, pts)
				return nil
			})
		},
	}
	c.Flags().IntVar(&points, "points", 0, "downsample to at most N points (0: every point)")
	return c
}

// metricSeries reads a whole series page by page, or n points of it.
func metricSeries(ctx context.Context, st *store.Store, runID, key string, n int) ([]store.Metric, error) {
	if n > 0 {
		return st.MetricHistoryDownsampled(ctx, runID, key, n)
	}
	var out []store.Metric
	for off := 0; ; {
		page, next, err := st.MetricHistory(ctx, runID, key, off, 0)
		if err != nil {
			return nil, err
		}
		out = append(out, page...)
		if next == 0 {
			return out, nil
		}
		off = next
	}
}

// sparkWidth is how many characters the summary sparkline may use.
const sparkWidth = 48

// printSeries writes the sparkline summary and the points table.
func (a *app) printSeries(w io.Writer, r *store.Run, key string, sum store.MetricSummary, pts []store.Metric) {
	s := a.style()
	spark := store.LTTB(finitePoints(pts), sparkWidth)
	vals := make([]float64, len(spark))
	for i, p := range spark {
		vals[i] = p.Value
	}
	first := math.NaN()
	if len(pts) > 0 {
		first = pts[0].Value
	}
	fmt.Fprintf(w, "%s %s  %s  %s → %s  (min %s, max %s, %s over steps %d..%d)\n",
		s.bold(key), s.dim("of "+shortID(r.ID)), s.green(sparkline(vals)), fmtFloat(first), fmtFloat(sum.Last),
		fmtFloat(sum.Min), fmtFloat(sum.Max), plural(int(sum.Count), "point"), firstStep(pts), sum.LastStep)
	if int64(len(pts)) < sum.Count {
		fmt.Fprintf(w, "%s\n", s.dim(fmt.Sprintf("showing %d of %d points (downsampled)", len(pts), sum.Count)))
	}
	t := &table{header: []string{"STEP", "TIMESTAMP", "VALUE"}, right: []bool{true, false, true}}
	for _, p := range pts {
		t.addText(itoa(p.Step), fmtTimeLong(p.Timestamp, a.env.loc()), fmtFloatFull(p.Value))
	}
	t.render(w, s)
}

func firstStep(pts []store.Metric) int64 {
	if len(pts) == 0 {
		return 0
	}
	return pts[0].Step
}

func finitePoints(pts []store.Metric) []store.Metric {
	out := make([]store.Metric, 0, len(pts))
	for _, p := range pts {
		if !math.IsNaN(p.Value) && !math.IsInf(p.Value, 0) {
			out = append(out, p)
		}
	}
	return out
}
