package mlflowimport

import (
	"sort"
	"strings"
	"sync"
)

// Count is what an import added and what it found already in the store.
type Count struct {
	Imported int64 `json:"imported"`
	Present  int64 `json:"present"`
}

// RunCount counts runs by outcome.
type RunCount struct {
	// Imported: new to the store (or finished after an earlier import
	// stopped half way).
	Imported int64 `json:"imported"`
	// Updated: already in the store, with something new from the source
	// (the run was still running there, or --refresh).
	Updated int64 `json:"updated"`
	// Present: already in the store, nothing new.
	Present int64 `json:"present"`
	// Failed: not imported; Errors says why. A failed run that had begun is
	// hidden and marked incomplete; importing again resumes it.
	Failed int64 `json:"failed"`
}

// ArtifactCount counts artifact files.
type ArtifactCount struct {
	Imported int64 `json:"imported"`
	Bytes    int64 `json:"bytes"`
	Present  int64 `json:"present"`
	// Skipped: files that could not be imported (a path lathe refuses) and
	// runs whose artifacts the source cannot reach (see Notes).
	Skipped int64 `json:"skipped"`
}

// ModelCount counts registered models and their versions.
type ModelCount struct {
	Found    int64 `json:"found"`
	Versions int64 `json:"versions"`
	Imported int64 `json:"imported"`
	Present  int64 `json:"present"`
	Skipped  int64 `json:"skipped"`
}

// Summary is the outcome of an import.
type Summary struct {
	Source       string        `json:"source"`
	Experiments  Count         `json:"experiments"`
	Runs         RunCount      `json:"runs"`
	MetricPoints Count         `json:"metric_points"`
	Params       Count         `json:"params"`
	Tags         Count         `json:"tags"`
	Inputs       Count         `json:"inputs"`
	Artifacts    ArtifactCount `json:"artifacts"`
	Models       ModelCount    `json:"models"`
	// Errors are per experiment or run, naming the file (and line) at fault.
	Errors []string `json:"errors"`
	// ErrorsLeftOut counts errors beyond the first MaxErrors.
	ErrorsLeftOut int      `json:"errors_left_out,omitempty"`
	Notes         []string `json:"notes"`
	Seconds       float64  `json:"seconds"`
	Interrupted   bool     `json:"interrupted,omitempty"`
}

// MaxErrors bounds Summary.Errors.
const MaxErrors = 100

// Progress is a snapshot of a running import.
type Progress struct {
	Runs      int64 // runs done (any outcome)
	RunsTotal int64
	Points    int64 // metric points read
	Bytes     int64 // artifact bytes copied
}

// tally is the summary while workers update it.
type tally struct {
	mu       sync.Mutex
	s        Summary
	notes    map[string]bool
	progress Progress
}

func (t *tally) do(fn func(s *Summary, p *Progress)) {
	t.mu.Lock()
	fn(&t.s, &t.progress)
	t.mu.Unlock()
}

func (t *tally) fail(msg string) {
	t.do(func(s *Summary, _ *Progress) {
		if len(s.Errors) < MaxErrors {
			s.Errors = append(s.Errors, msg)
		} else {
			s.ErrorsLeftOut++
		}
	})
}

// note records a remark once.
func (t *tally) note(msg string) {
	t.do(func(s *Summary, _ *Progress) {
		if t.notes == nil {
			t.notes = map[string]bool{}
		}
		if !t.notes[msg] {
			t.notes[msg] = true
			s.Notes = append(s.Notes, msg)
		}
	})
}

func (t *tally) snapshot() (Summary, Progress) {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := t.s
	s.Errors = append([]string(nil), s.Errors...)
	s.Notes = append([]string(nil), s.Notes...)
	sort.Strings(s.Notes)
	if s.Errors == nil {
		s.Errors = []string{}
	}
	if s.Notes == nil {
		s.Notes = []string{}
	}
	return s, t.progress
}

// schemeOf names an artifact URI's scheme for notes ("s3", "gs", ...).
func schemeOf(uri string) string {
	if i := strings.Index(uri, ":"); i > 0 {
		return uri[:i]
	}
	return uri
}
