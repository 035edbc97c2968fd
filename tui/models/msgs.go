package models

import "github.com/lathe-ml/lathe/store"

// modelsMsg carries the registered models.
type modelsMsg struct {
	seq    int
	models []*store.RegisteredModel
	err    error
}

// versionsMsg carries one model's versions and the names of their runs.
type versionsMsg struct {
	seq      int
	model    string
	versions []*store.ModelVersion
	runNames map[string]string
	err      error
}

// runMsg carries the source run of the selected version.
type runMsg struct {
	seq  int
	id   string
	run  *store.Run
	data []*store.DataVersion // the dataset versions the run consumed
	err  error
}

// aliasMsg reports SetModelAlias.
type aliasMsg struct {
	model, alias string
	version      int64
	err          error
}
