package compare

import "github.com/lathe-ml/lathe/store"

type runsMsg struct {
	seq  int
	runs []*store.Run
	err  error
}

// seriesMsg is one run's downsampled history of one metric.
type seriesMsg struct {
	seq   int
	key   string
	runID string
	pts   []store.Metric
	err   error
}
