package main

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"sort"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/lathe-ml/lathe/store"
)

func newRunsCmd(a *app) *cobra.Command {
	c := &cobra.Command{
		Use:   "runs",
		Short: "List, show, compare and edit tracked runs",
		Long: `A run is one execution of training code: its parameters, metric series,
tags, inputs and notes. RUN arguments take a full run id, a unique prefix of at
least 4 hex digits (the 8-digit ids that tables show work), or a run name.
Deleting is soft: 'lathe runs restore' brings runs back.`,
		Example: `  lathe runs ls --experiment quickstart
  lathe runs show 3f2a9c1e
  lathe runs compare brisk-oak-12 calm-elm-40
  lathe runs metric 3f2a9c1e loss --points 50
  lathe runs tag 3f2a9c1e stage=candidate`,
		Args: groupArgs,
		RunE: groupRunE,
	}
	c.AddCommand(newRunsLsCmd(a), newRunsShowCmd(a), newRunsCompareCmd(a), newRunsMetricCmd(a),
		newRunsRenameCmd(a), newRunsNoteCmd(a), newRunsTagCmd(a), newRunsStageCmd(a, true), newRunsStageCmd(a, false),
		newRunsArtifactsCmd(a))
	return c
}

// runsQuery is what "runs ls" asks the store for.
type runsQuery struct {
	experiments []string
	filter      string
	orderBy     []string
	limit       int
	view        store.ViewType
}

// searchAll pages through SearchRuns up to q.limit runs (0: all). It returns
// the store query it ran and whether more runs matched than were returned.
func searchAll(ctx context.Context, st *store.Store, q runsQuery) ([]*store.Run, store.RunQuery, bool, error) {
	rq := store.RunQuery{Filter: q.filter, OrderBy: q.orderBy, View: q.view}
	for _, ref := range q.experiments {
		e, err := st.ResolveExperiment(ctx, ref)
		if err != nil {
			return nil, rq, false, err
		}
		rq.ExperimentIDs = append(rq.ExperimentIDs, e.ID)
	}
	var out []*store.Run
	for {
		rq.MaxResults = 1000
		if q.limit > 0 {
			rq.MaxResults = min(1000, q.limit-len(out))
		}
		page, next, err := st.SearchRuns(ctx, rq)
		if err != nil {
			return nil, rq, false, filterError(q.filter, err)
		}
		out = append(out, page...)
		if next == "" {
			return out, rq, false, nil
		}
		if q.limit > 0 && len(out) >= q.limit {
			return out, rq, true, nil
		}
		rq.PageToken = next
	}
}

func newRunsLsCmd(a *app) *cobra.Command {
	var q runsQuery
	var asCSV bool
	c := &cobra.Command{
		Use:     "ls",
		Aliases: []string{"list", "search"},
		Short:   "List runs, filtered and sorted",
		Long: `List runs newest first as a table: short id, name, status, start time (local),
duration, then the params that differ between the listed runs and the last
values of their most common metrics, as many as fit in about 120 columns.

--filter selects runs with lathe's query language, for example
  params.lr > 0.01 and metrics.loss < 0.5 and attributes.status = 'FINISHED'
--order-by sorts as MLflow's order_by ('metrics.loss ASC', 'start_time DESC');
repeat it for tie-breakers. --csv writes every param and metric as columns
(params.KEY, metrics.KEY with the last value); --json writes the full runs.`,
		Example: `  lathe runs ls
  lathe runs ls -e quickstart --order-by 'metrics.rmse ASC' --limit 3
  lathe runs ls --filter "params.lr >= 0.1"
  lathe runs ls --csv > runs.csv
  lathe runs ls --deleted`,
		Args: exactArgs(0, "no arguments (use --filter to select runs)"),
	}
	f := c.Flags()
	f.StringArrayVarP(&q.experiments, "experiment", "e", nil, "only runs of this experiment, by id or name (repeatable)")
	f.StringVarP(&q.filter, "filter", "f", "", "query selecting runs, e.g. \"params.lr > 0.01\"")
	f.StringArrayVar(&q.orderBy, "order-by", nil, "sort key with optional ASC/DESC, e.g. 'metrics.loss ASC' (repeatable)")
	f.IntVarP(&q.limit, "limit", "n", 100, "show at most N runs; 0 for all")
	f.BoolVar(&asCSV, "csv", false, "write CSV with every param and metric as a column")
	view := viewFlags(c, "runs")
	_ = c.RegisterFlagCompletionFunc("experiment", a.experimentNames(store.All))
	c.RunE = func(cmd *cobra.Command, args []string) error {
		if asCSV && a.json {
			return usagef("--csv and --json cannot be used together")
		}
		if q.limit < 0 {
			return usagef("--limit must be 0 (all) or more, not %d", q.limit)
		}
		q.view = view()
		ctx := cmd.Context()
		return a.withStore(ctx, func(st *store.Store) error {
			runs, rq, more, err := searchAll(ctx, st, q)
			if err != nil {
				return err
			}
			names := newExpNames(st)
			switch {
			case a.json:
				out := make([]runJSON, len(runs))
				for i, r := range runs {
					out[i] = toRunJSON(r, names.name(ctx, r.ExperimentID))
				}
				return writeJSON(a.env.Stdout, out)
			case asCSV:
				return writeRunsCSV(ctx, a.env.Stdout, runs, names)
			}
			if len(runs) == 0 {
				fmt.Fprintln(a.env.Stdout, "No runs.")
				return nil
			}
			a.runsTable(ctx, runs, names).render(a.env.Stdout, a.style())
			if more {
				rq.PageToken = ""
				total, err := st.CountRuns(ctx, rq)
				if err == nil {
					fmt.Fprintf(a.env.Stderr, "(showing %d of %d runs; --limit 0 shows all)\n", len(runs), total)
				}
			}
			return nil
		})
	}
	return c
}

// tableWidth is the width "runs ls" keeps its table within.
const tableWidth = 120

// dynamicColWidth caps the width of a param or metric column.
const dynamicColWidth = 14

// runDuration is how long a run took, or has been running.
func runDuration(r *store.Run, now time.Time) string {
	switch {
	case r.StartTime == 0:
		return "-"
	case r.EndTime != 0:
		return fmtDuration(time.Duration(r.EndTime-r.StartTime) * time.Millisecond)
	case r.Status == store.StatusRunning:
		return fmtDuration(now.Sub(time.UnixMilli(r.StartTime)))
	}
	return "-"
}

// varyingParams are the param keys whose values are not the same in all runs.
func varyingParams(runs []*store.Run) []string {
	keys := map[string]bool{}
	for _, r := range runs {
		for k := range r.Params {
			keys[k] = true
		}
	}
	var out []string
	for k := range keys {
		v0, ok0 := runs[0].Params[k]
		for _, r := range runs[1:] {
			if v, ok := r.Params[k]; ok != ok0 || v != v0 {
				out = append(out, k)
				break
			}
		}
	}
	sort.Strings(out)
	return out
}

// commonMetrics are metric keys by how many runs logged them, most first.
func commonMetrics(runs []*store.Run) []string {
	n := map[string]int{}
	for _, r := range runs {
		for _, m := range r.Metrics {
			n[m.Key]++
		}
	}
	keys := make([]string, 0, len(n))
	for k := range n {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if n[keys[i]] != n[keys[j]] {
			return n[keys[i]] > n[keys[j]]
		}
		return keys[i] < keys[j]
	})
	return keys
}

func metricOf(r *store.Run, key string) (store.MetricSummary, bool) {
	i := sort.Search(len(r.Metrics), func(i int) bool { return r.Metrics[i].Key >= key })
	if i < len(r.Metrics) && r.Metrics[i].Key == key {
		return r.Metrics[i], true
	}
	for _, m := range r.Metrics { // in case the store's order ever differs
		if m.Key == key {
			return m, true
		}
	}
	return store.MetricSummary{}, false
}

// runsTable lays out "runs ls": fixed columns, then varying params and
// common metrics, interleaved by priority, while they fit in tableWidth.
func (a *app) runsTable(ctx context.Context, runs []*store.Run, names *expNames) *table {
	s := a.style()
	now := a.env.now()
	multiExp := false
	for _, r := range runs[1:] {
		multiExp = multiExp || r.ExperimentID != runs[0].ExperimentID
	}
	t := &table{header: []string{"ID", "NAME", "STATUS", "START", "DURATION"}, max: 28}
	if multiExp {
		t.header = append(t.header, "EXPERIMENT")
	}
	for _, r := range runs {
		row := []cell{{text: shortID(r.ID), color: s.dim}, {text: r.Name, color: s.cyan}, {text: r.Status, color: s.status},
			{text: fmtTimeShort(r.StartTime, a.env.loc())}, {text: runDuration(r, now)}}
		if multiExp {
			row = append(row, cell{text: names.name(ctx, r.ExperimentID)})
		}
		t.add(row...)
	}
	used := t.totalWidth()
	colWidth := func(header string, val func(*store.Run) string) int {
		w := width(truncate(header, dynamicColWidth))
		for _, r := range runs {
			w = max(w, width(truncate(val(r), dynamicColWidth)))
		}
		return w + 2
	}
	paramVal := func(k string) func(*store.Run) string {
		return func(r *store.Run) string { return oneLine(r.Params[k]) }
	}
	metricVal := func(k string) func(*store.Run) string {
		return func(r *store.Run) string {
			if m, ok := metricOf(r, k); ok {
				return fmtFloat(m.Last)
			}
			return ""
		}
	}
	params, metrics := varyingParams(runs), commonMetrics(runs)
	var pick struct{ params, metrics []string }
	for i := 0; i < max(len(params), len(metrics)); i++ {
		if i < len(params) {
			if w := colWidth(params[i], paramVal(params[i])); used+w <= tableWidth {
				pick.params, used = append(pick.params, params[i]), used+w
			}
		}
		if i < len(metrics) {
			if w := colWidth(metrics[i], metricVal(metrics[i])); used+w <= tableWidth {
				pick.metrics, used = append(pick.metrics, metrics[i]), used+w
			}
		}
	}
	sort.Strings(pick.params)
	for _, k := range pick.params {
		t.header = append(t.header, truncate(k, dynamicColWidth))
		t.right = append(t.right, false)
	}
	for _, k := range pick.metrics {
		t.header = append(t.header, truncate(k, dynamicColWidth))
	}
	t.right = make([]bool, len(t.header))
	for i := len(t.header) - len(pick.metrics); i < len(t.header); i++ {
		t.right[i] = true
	}
	for i, r := range runs {
		for _, k := range pick.params {
			t.rows[i] = append(t.rows[i], cell{text: truncate(paramVal(k)(r), dynamicColWidth)})
		}
		for _, k := range pick.metrics {
			t.rows[i] = append(t.rows[i], cell{text: truncate(metricVal(k)(r), dynamicColWidth)})
		}
	}
	return t
}

// writeRunsCSV writes one row per run: fixed columns, then params.KEY and
// metrics.KEY (last value) for every key any run has, sorted.
func writeRunsCSV(ctx context.Context, w io.Writer, runs []*store.Run, names *expNames) error {
	pk, mk := map[string]bool{}, map[string]bool{}
	for _, r := range runs {
		for k := range r.Params {
			pk[k] = true
		}
		for _, m := range r.Metrics {
			mk[m.Key] = true
		}
	}
	params, metrics := sortedSet(pk), sortedSet(mk)
	cw := csv.NewWriter(w)
	head := []string{"run_id", "run_name", "experiment_id", "experiment_name", "status", "lifecycle_stage",
		"start_time", "end_time", "duration_ms"}
	for _, k := range params {
		head = append(head, "params."+k)
	}
	for _, k := range metrics {
		head = append(head, "metrics."+k)
	}
	if err := cw.Write(head); err != nil {
		return err
	}
	for _, r := range runs {
		dur := ""
		if r.StartTime != 0 && r.EndTime != 0 {
			dur = strconv.FormatInt(r.EndTime-r.StartTime, 10)
		}
		row := []string{r.ID, r.Name, itoa(r.ExperimentID), names.name(ctx, r.ExperimentID), r.Status, r.LifecycleStage,
			fmtTimeMachine(r.StartTime), fmtTimeMachine(r.EndTime), dur}
		for _, k := range params {
			row = append(row, r.Params[k])
		}
		for _, k := range metrics {
			v := ""
			if m, ok := metricOf(r, k); ok {
				v = fmtFloatFull(m.Last)
			}
			row = append(row, v)
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func sortedSet(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
