package detail

import "github.com/lathe-ml/lathe/store"

type runMsg struct {
	seq     int
	run     *store.Run
	exp     string
	data    []*store.DataVersion        // dataset versions the run consumed
	history map[string][]float64        // sparkline values by metric key
	kids    map[string][]store.Artifact // artifact listings by directory
	err     error
}

type savedMsg struct {
	run *store.Run
	err error
}
