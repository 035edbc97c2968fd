package runs

import "github.com/lathe-ml/lathe/store"

// Replies carry the sequence number of the request; a reply whose number is
// not the latest is stale (the user changed the query meanwhile) and dropped.

type experimentsMsg struct {
	seq    int
	exps   []*store.Experiment
	counts map[int64]int
	total  int
	err    error
}

type pageMsg struct {
	seq    int
	more   bool // a next page, appended
	reload bool // a live refresh replacing what is loaded
	runs   []*store.Run
	next   string
	err    error
}

type countMsg struct {
	seq   int
	total int
	err   error
}

// filterTickMsg fires after typing pauses; gen says which keystroke armed it.
type filterTickMsg struct{ gen int }

type exportedMsg struct {
	path string
	rows int
	err  error
}
