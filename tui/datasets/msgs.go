package datasets

import "github.com/lathe-ml/lathe/store"

// setsMsg carries every dataset.
type setsMsg struct {
	seq  int
	sets []*store.DataSet
	err  error
}

// versionsMsg carries one dataset's versions, newest first.
type versionsMsg struct {
	seq      int
	name     string
	versions []*store.DataVersion
	err      error
}

// detailMsg carries what the pane shows of one version: its decoded
// profile and validation report and the runs that used it.
type detailMsg struct {
	seq        int
	ref        string
	profile    *profileDoc
	profileErr error
	report     *reportDoc
	runs       []runInfo
	err        error
}

// runInfo is one run that consumed a version.
type runInfo struct {
	ID, Name, Status string
}

// rowsMsg carries the first rows of a version's data.
type rowsMsg struct {
	seq  int
	ref  string
	data *rowsData
	err  error
}

// diffMsg carries the comparison of two versions.
type diffMsg struct {
	seq      int
	ref, cur string
	diff     *diffData
	err      error
}
