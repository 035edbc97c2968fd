package runs

import (
	"strings"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/lathe-ml/lathe/store"
)

// orderBy maps a column key to an MLflow order_by clause; ok is false for a
// column the store cannot sort (duration).
func orderBy(col string, desc bool) (string, bool) {
	var k string
	switch {
	case col == colName:
		k = "attributes.run_name"
	case col == colStatus:
		k = "attributes.status"
	case col == colStart:
		k = "attributes.start_time"
	case strings.HasPrefix(col, paramPrefix):
		k = "params.`" + strings.TrimPrefix(col, paramPrefix) + "`"
	case strings.HasPrefix(col, metricPrefix):
		k = "metrics.`" + strings.TrimPrefix(col, metricPrefix) + "`"
	default:
		return "", false
	}
	if desc {
		return k + " DESC", true
	}
	return k + " ASC", true
}

// query is the store query the pane shows now (without paging).
func (m *Model) query() store.RunQuery {
	q := store.RunQuery{Filter: m.filter}
	if m.expCursor > 0 && m.expCursor <= len(m.exps) {
		q.ExperimentIDs = []int64{m.exps[m.expCursor-1].ID}
	}
	if m.orderKey != "" {
		if ob, ok := orderBy(m.orderKey, m.orderDesc); ok {
			q.OrderBy = []string{ob}
		}
	}
	return q
}

func (m *Model) loadExperiments() tea.Cmd {
	m.expSeq++
	seq, ctx, st := m.expSeq, m.c.Ctx, m.c.Store
	return func() tea.Msg {
		exps, err := st.ListExperiments(ctx, store.ExperimentQuery{})
		if err != nil {
			return experimentsMsg{seq: seq, err: err}
		}
		counts := map[int64]int{}
		total := 0
		for _, e := range exps {
			n, err := st.CountRuns(ctx, store.RunQuery{ExperimentIDs: []int64{e.ID}})
			if err != nil {
				return experimentsMsg{seq: seq, err: err}
			}
			counts[e.ID] = n
			total += n
		}
		return experimentsMsg{seq: seq, exps: exps, counts: counts, total: total}
	}
}

// reload starts the query over from its first page; replies to earlier
// queries become stale.
func (m *Model) reload() tea.Cmd {
	m.seq++
	m.loading, m.loadingMore, m.refreshing, m.refreshAgain = true, false, false, false
	m.err = nil
	m.total = -1 // unknown until the count arrives
	seq, ctx, st := m.seq, m.c.Ctx, m.c.Store
	q := m.query()
	page := q
	page.MaxResults = FirstPage
	return tea.Batch(
		func() tea.Msg {
			runs, next, err := st.SearchRuns(ctx, page)
			return pageMsg{seq: seq, runs: runs, next: next, err: err}
		},
		func() tea.Msg {
			n, err := st.CountRuns(ctx, q)
			return countMsg{seq: seq, total: n, err: err}
		})
}

// loadMore fetches the next page when the cursor nears the end of what is
// loaded.
func (m *Model) loadMore() tea.Cmd {
	if m.next == "" || m.loading || m.loadingMore || m.refreshing {
		return nil
	}
	if m.table.Cursor() < m.table.Len()-2*m.table.PageSize() {
		return nil
	}
	m.loadingMore = true
	seq, ctx, st := m.seq, m.c.Ctx, m.c.Store
	q := m.query()
	q.MaxResults, q.PageToken = NextPage, m.next
	return func() tea.Msg {
		runs, next, err := st.SearchRuns(ctx, q)
		return pageMsg{seq: seq, more: true, runs: runs, next: next, err: err}
	}
}

// refresh re-reads what is loaded (up to refreshCap runs) after the store
// changed; one refresh runs at a time and another follows if more changes
// came meanwhile.
func (m *Model) refresh() tea.Cmd {
	if m.loading || m.loadingMore {
		return nil
	}
	if m.refreshing {
		m.refreshAgain = true
		return nil
	}
	m.refreshing = true
	seq, ctx, st := m.seq, m.c.Ctx, m.c.Store
	q := m.query()
	q.MaxResults = min(max(len(m.runs), FirstPage), refreshCap)
	return tea.Batch(
		func() tea.Msg {
			runs, next, err := st.SearchRuns(ctx, q)
			return pageMsg{seq: seq, reload: true, runs: runs, next: next, err: err}
		},
		func() tea.Msg {
			n, err := st.CountRuns(ctx, store.RunQuery{Filter: q.Filter, ExperimentIDs: q.ExperimentIDs})
			return countMsg{seq: seq, total: n, err: err}
		})
}
