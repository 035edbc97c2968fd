package runs

import (
	"sort"
	"strings"

	"github.com/lathe-ml/lathe/store"
	"github.com/lathe-ml/lathe/tui/common"
	"github.com/lathe-ml/lathe/tui/table"
)

// Column keys: the fixed columns, then "param:K" and "metric:K".
const (
	colName      = "name"
	colStatus    = "status"
	colStart     = "start"
	colDuration  = "duration"
	paramPrefix  = "param:"
	metricPrefix = "metric:"
)

// Defaults: how many param and metric columns the automatic choice shows.
const (
	autoParams  = 4
	autoMetrics = 4
)

// columns is the pane's column choice: automatic until the user picks.
type columns struct {
	custom bool     // the user chose; never recompute
	forExp int      // the experiment cursor the automatic choice was made for
	chosen []string // param:/metric: keys in display order
}

// known lists every param and metric key among runs: params by name,
// metrics by how many runs logged them (most first), then name.
func known(runs []*store.Run) (params, metrics []string, metricRuns map[string]int, varies map[string]bool) {
	values := map[string]map[string]bool{}
	has := map[string]int{}
	metricRuns = map[string]int{}
	for _, r := range runs {
		for k, v := range r.Params {
			if values[k] == nil {
				values[k] = map[string]bool{}
			}
			values[k][v] = true
			has[k]++
		}
		for _, ms := range r.Metrics {
			metricRuns[ms.Key]++
		}
	}
	varies = map[string]bool{}
	for k, vs := range values {
		params = append(params, k)
		varies[k] = len(vs) > 1 || has[k] < len(runs)
	}
	sort.Strings(params)
	for k := range metricRuns {
		metrics = append(metrics, k)
	}
	sort.Slice(metrics, func(i, j int) bool {
		a, b := metricRuns[metrics[i]], metricRuns[metrics[j]]
		if a != b {
			return a > b
		}
		return metrics[i] < metrics[j]
	})
	return params, metrics, metricRuns, varies
}

// autoColumns picks the most-logged metrics, then the params that vary
// among runs (metrics first: they are what runs are compared by).
func autoColumns(runs []*store.Run) []string {
	params, metrics, _, varies := known(runs)
	var out []string
	for i, k := range metrics {
		if i >= autoMetrics {
			break
		}
		out = append(out, metricPrefix+k)
	}
	n := 0
	for _, p := range params {
		if varies[p] && n < autoParams {
			out = append(out, paramPrefix+p)
			n++
		}
	}
	return out
}

// tableColumns is the fixed columns and the chosen ones.
func (m *Model) tableColumns() []table.Column {
	cols := []table.Column{
		{Key: colName, Title: "NAME", Max: 28},
		{Key: colStatus, Title: "STATUS", Max: 9},
		{Key: colStart, Title: "START", Max: 16},
		{Key: colDuration, Title: "DURATION", Max: 9, Right: true},
	}
	for _, k := range m.cols.chosen {
		name, isMetric := strings.CutPrefix(k, metricPrefix)
		if !isMetric {
			name = strings.TrimPrefix(k, paramPrefix)
		}
		cols = append(cols, table.Column{Key: k, Title: name, Max: 14, Right: isMetric})
	}
	return cols
}

// compactTime is true when START should drop the year to fit.
func (m *Model) compactTime() bool { return m.width < 120 }

// cells renders one run's row.
func (m *Model) cells(r *store.Run) []table.Cell {
	start := common.FormatTime(r.StartTime, m.c.Loc)
	if m.compactTime() && len(start) > 5 {
		start = start[5:]
	}
	out := make([]table.Cell, 0, 4+len(m.cols.chosen))
	out = append(out,
		table.Cell{Text: r.Name},
		table.Cell{Text: r.Status, Tone: table.ToneOf(r.Status)},
		table.Cell{Text: start, Tone: table.Subtle},
		table.Cell{Text: common.RunDuration(r.StartTime, r.EndTime, m.c.Now()), Tone: table.Subtle},
	)
	for _, k := range m.cols.chosen {
		out = append(out, table.Cell{Text: cellValue(r, k)})
	}
	return out
}

// cellValue is the text of a param or metric column for r.
func cellValue(r *store.Run, k string) string {
	if p, ok := strings.CutPrefix(k, paramPrefix); ok {
		return r.Params[p]
	}
	key := strings.TrimPrefix(k, metricPrefix)
	i := sort.Search(len(r.Metrics), func(i int) bool { return r.Metrics[i].Key >= key })
	if i < len(r.Metrics) && r.Metrics[i].Key == key {
		return common.FormatValue(r.Metrics[i].Last)
	}
	return ""
}
