package jobs

import "github.com/lathe-ml/lathe/store"

// jobsMsg carries the jobs, the names of their runs and the selected job's
// log tail.
type jobsMsg struct {
	seq      int
	jobs     []*store.Job
	runNames map[string]string
	tailJob  int64
	tail     []string
	tailSrc  string
	tailErr  error
	err      error
}

// tailMsg carries one job's log tail.
type tailMsg struct {
	seq   int
	job   int64
	lines []string
	src   string
	err   error
}

// tickMsg refreshes the pane while it shows active jobs; gen drops ticks
// of an older chain.
type tickMsg struct{ gen int }

// cancelMsg reports a cancel request.
type cancelMsg struct {
	job  int64
	note string
	err  error
}
