package main

import (
	"fmt"
	"sort"

	"github.com/spf13/cobra"

	"github.com/lathe-ml/lathe/store"
)

type compareRunJSON struct {
	RunID        string `json:"run_id"`
	RunName      string `json:"run_name"`
	ExperimentID int64  `json:"experiment_id"`
	Status       string `json:"status"`
}

// compareParamJSON holds one param's value in each compared run, in the
// order of "runs"; null where a run did not log it.
type compareParamJSON struct {
	Key     string    `json:"key"`
	Values  []*string `json:"values"`
	Differs bool      `json:"differs"`
}

// compareMetricJSON holds one metric's summary in each compared run, in the
// order of "runs"; null where a run did not log it.
type compareMetricJSON struct {
	Key      string       `json:"key"`
	Last     []*jsonFloat `json:"last"`
	Min      []*jsonFloat `json:"min"`
	Max      []*jsonFloat `json:"max"`
	LastStep []*int64     `json:"last_step"`
	Count    []*int64     `json:"count"`
}

type compareJSON struct {
	Runs    []compareRunJSON    `json:"runs"`
	Params  []compareParamJSON  `json:"params"`
	Metrics []compareMetricJSON `json:"metrics"`
}

// compareRuns builds the comparison; params that are equal in every run are
// left out unless allParams.
func compareRuns(runs []*store.Run, allParams bool) (compareJSON, int) {
	var out compareJSON
	pk, mk := map[string]bool{}, map[string]bool{}
	for _, r := range runs {
		out.Runs = append(out.Runs, compareRunJSON{RunID: r.ID, RunName: r.Name, ExperimentID: r.ExperimentID, Status: r.Status})
		for k := range r.Params {
			pk[k] = true
		}
		for _, m := range r.Metrics {
			mk[m.Key] = true
		}
	}
	out.Params, out.Metrics = []compareParamJSON{}, []compareMetricJSON{}
	same := 0
	for _, k := range sortedSet(pk) {
		p := compareParamJSON{Key: k}
		for _, r := range runs {
			if v, ok := r.Params[k]; ok {
				p.Values = append(p.Values, &v)
			} else {
				p.Values = append(p.Values, nil)
			}
		}
		for _, v := range p.Values[1:] {
			if (v == nil) != (p.Values[0] == nil) || v != nil && *v != *p.Values[0] {
				p.Differs = true
			}
		}
		if !p.Differs {
			same++
		}
		if p.Differs || allParams {
			out.Params = append(out.Params, p)
		}
	}
	keys := sortedSet(mk)
	sort.Strings(keys)
	for _, k := range keys {
		m := compareMetricJSON{Key: k}
		for _, r := range runs {
			s, ok := metricOf(r, k)
			if !ok {
				m.Last, m.Min, m.Max = append(m.Last, nil), append(m.Min, nil), append(m.Max, nil)
				m.LastStep, m.Count = append(m.LastStep, nil), append(m.Count, nil)
				continue
			}
			last, lo, hi := jsonFloat(s.Last), jsonFloat(s.Min), jsonFloat(s.Max)
			step, count := s.LastStep, s.Count
			m.Last, m.Min, m.Max = append(m.Last, &last), append(m.Min, &lo), append(m.Max, &hi)
			m.LastStep, m.Count = append(m.LastStep, &step), append(m.Count, &count)
		}
		out.Metrics = append(out.Metrics, m)
	}
	return out, same
}

func newRunsCompareCmd(a *app) *cobra.Command {
	var allParams bool
	c := &cobra.Command{
		Use:     "compare RUN RUN...",
		Aliases: []string{"diff"},
		Short:   "Compare runs side by side",
		Long: `Compare two or more runs in columns: the params whose values differ between
them (all params with --all-params), then every metric's last, min and max
value. A blank cell means that run did not log it.`,
		Example: `  lathe runs compare 3f2a9c1e 9b1d22c0
  lathe runs compare baseline tuned-lr tuned-wd --all-params
  lathe runs compare 3f2a 9b1d --json | jq '.metrics[] | {key, last}'`,
		Args:              minArgs(2, "two or more RUNs"),
		ValidArgsFunction: positional(true, a.runRefs(store.All)),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			return a.withStore(ctx, func(st *store.Store) error {
				runs, err := resolveRuns(ctx, st, args)
				if err != nil {
					return err
				}
				cmp, same := compareRuns(runs, allParams)
				if a.json {
					return writeJSON(a.env.Stdout, cmp)
				}
				a.printCompare(cmp, same, allParams)
				return nil
			})
		},
	}
	c.Flags().BoolVar(&allParams, "all-params", false, "show params that are equal in every run too")
	return c
}

func (a *app) printCompare(cmp compareJSON, same int, allParams bool) {
	s := a.style()
	t := &table{header: []string{"", ""}, max: 32}
	t.right = []bool{false, false}
	idRow := []cell{{text: "run"}, {}}
	statusRow := []cell{{text: "status"}, {}}
	for _, r := range cmp.Runs {
		t.header = append(t.header, r.RunName)
		t.right = append(t.right, true)
		idRow = append(idRow, cell{text: shortID(r.RunID), color: s.dim})
		statusRow = append(statusRow, cell{text: r.Status, color: s.status})
	}
	t.add(idRow...)
	t.add(statusRow...)
	title := func(text string) {
		t.add(cell{span: true})
		t.add(cell{text: text, color: s.bold, span: true})
	}
	switch {
	case len(cmp.Params) == 0 && same == 0:
		title("params: none logged")
	case len(cmp.Params) == 0:
		title(fmt.Sprintf("params: all %d equal (--all-params shows them)", same))
	case allParams:
		title("params")
	default:
		title(fmt.Sprintf("params that differ (%d equal hidden)", same))
	}
	for _, p := range cmp.Params {
		row := []cell{{text: "  " + p.Key}, {}}
		for _, v := range p.Values {
			c := cell{text: "-", color: s.dim}
			if v != nil {
				c = cell{text: *v}
			}
			row = append(row, c)
		}
		t.add(row...)
	}
	if len(cmp.Metrics) == 0 {
		title("metrics: none logged")
	} else {
		title("metrics")
	}
	val := func(f *jsonFloat) cell {
		if f == nil {
			return cell{text: "-", color: s.dim}
		}
		return cell{text: fmtFloat(float64(*f))}
	}
	for _, m := range cmp.Metrics {
		for i, stat := range []struct {
			name string
			vals []*jsonFloat
		}{{"last", m.Last}, {"min", m.Min}, {"max", m.Max}} {
			key := ""
			if i == 0 {
				key = "  " + m.Key
			}
			row := []cell{{text: key}, {text: stat.name, color: s.dim}}
			for _, v := range stat.vals {
				row = append(row, val(v))
			}
			t.add(row...)
		}
	}
	t.render(a.env.Stdout, s)
}
