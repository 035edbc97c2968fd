// Package jobs is the jobs pane: running and recent jobs (status, run,
// command, start and duration) and a live tail of the selected job's log.
// `x` cancels a running job after a confirmation, as `lathe runs kill`
// does; `enter` opens the job's run; `R` re-runs the job's run with params
// edited in a form, as `lathe runs rerun RUN -p KEY=VALUE` does.
package jobs

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/lathe-ml/lathe/runner"
	"github.com/lathe-ml/lathe/store"
	"github.com/lathe-ml/lathe/tui/common"
)

// Limits on what one load reads.
const (
	maxJobs     = 200
	maxRunNames = 100
	tailLines   = 200
	tailBytes   = 64 << 10
	// Poll is how often the pane refreshes while it shows an active job.
	Poll = time.Second
)

// Store is what the pane needs beyond common.Store; *store.Store has it.
type Store interface {
	Dir() string
	ListJobs(ctx context.Context, q store.JobQuery) ([]*store.Job, error)
	GetRun(ctx context.Context, id string) (*store.Run, error)
	RequestJobCancel(ctx context.Context, id int64) (*store.Job, error)
	UpdateJob(ctx context.Context, id int64, u store.JobUpdate) (*store.Job, error)
	UpdateRun(ctx context.Context, id string, u store.RunUpdate) (*store.Run, error)
	OpenArtifact(ctx context.Context, runID, path string) (*os.File, store.Artifact, error)
}

// LogArtifact is where `lathe run` keeps a job's log once the job ended
// (it removes the log file then).
const LogArtifact = "logs/output.log"

var _ Store = (*store.Store)(nil)

// Model is the jobs pane.
type Model struct {
	c    *common.Common
	st   Store
	keys *KeyMap

	width, height int
	focused       bool

	jobs     []*store.Job // those that pass the filter
	allJobs  []*store.Job // what was loaded
	runNames map[string]string
	cur      int
	selID    int64 // the selected job, kept across reloads
	tailJob  int64
	tail     []string
	tailSrc  string
	tailErr  error
	err      error

	seq, tailSeq int
	loading      bool
	loaded       bool

	tickGen int
	ticking bool

	confirming bool
	pending    store.Job
	question   string
	cancelling bool

	form      *rerunForm // the re-run form, while open
	launching bool
	launch    Launcher

	filter    textinput.Model
	filtering bool
}

// New returns the jobs pane; Init (or Refresh) loads it.
func New(c *common.Common) *Model {
	st, _ := c.Store.(Store)
	fi := textinput.New()
	fi.Cursor.SetMode(cursor.CursorStatic)
	fi.Prompt = "/ "
	fi.Placeholder = "filter jobs by id, status, run, command, host"
	m := &Model{c: c, st: st, keys: DefaultKeyMap(), launch: launchSelf, filter: fi}
	m.style()
	m.syncKeys()
	return m
}

func (m *Model) style() {
	st := m.c.Styles
	m.filter.PromptStyle = st.Prompt
	m.filter.TextStyle = st.Input
	m.filter.PlaceholderStyle = st.Placeholder
}

// Keys exposes the key map for overrides.
func (m *Model) Keys() *KeyMap { return m.keys }

// Init loads the jobs.
func (m *Model) Init() tea.Cmd { return m.load() }

// Refresh reloads the jobs (the root calls it when the pane is shown).
func (m *Model) Refresh() tea.Cmd { return m.load() }

// Title names the pane.
func (m *Model) Title() string { return "Jobs" }

// KeyMap is the live key map.
func (m *Model) KeyMap() help.KeyMap { return m.keys }

// Focus gives the pane the keyboard.
func (m *Model) Focus() { m.focused = true }

// Blur takes the keyboard away and stops the refresh chain.
func (m *Model) Blur() {
	m.focused = false
	m.tickGen++
	m.ticking = false
}

// Capturing is true while answering y/n, filling the re-run form or typing
// a filter.
func (m *Model) Capturing() bool { return m.confirming || m.form != nil || m.filtering }

// Selected is the selected job's run id.
func (m *Model) Selected() string {
	if j := m.job(); j != nil {
		return j.RunID
	}
	return ""
}

// Busy says what is loading.
func (m *Model) Busy() string {
	switch {
	case m.cancelling:
		return "cancelling job"
	case m.launching:
		return "starting the re-run"
	case m.loading && !m.loaded:
		return "loading jobs"
	}
	return ""
}

// Back clears the filter; otherwise the root goes back.
func (m *Model) Back() (bool, tea.Cmd) {
	if m.filter.Value() == "" {
		return false, nil
	}
	m.filter.SetValue("")
	cmd := m.applyFilter()
	m.syncKeys()
	return true, cmd
}

// SetSize lays the pane out.
func (m *Model) SetSize(w, h int) {
	m.width, m.height = w, h
	m.filter.Width = max(w-4, 1)
	m.layoutForm()
}

func (m *Model) job() *store.Job {
	if m.cur >= 0 && m.cur < len(m.jobs) {
		return m.jobs[m.cur]
	}
	return nil
}

func (m *Model) syncKeys() {
	j := m.job()
	m.keys.mode(m.confirming, m.form != nil, m.filtering, j != nil && j.RunID != "", j != nil && store.JobActive(j.Status))
}

// load reads the jobs, their run names and the selected job's log tail.
func (m *Model) load() tea.Cmd {
	if m.st == nil {
		return nil
	}
	m.seq++
	m.loading = true
	seq, ctx, st, sel := m.seq, m.c.Ctx, m.st, m.selID
	return func() tea.Msg {
		js, err := st.ListJobs(ctx, store.JobQuery{Limit: maxJobs})
		if err != nil {
			return jobsMsg{seq: seq, err: err}
		}
		out := jobsMsg{seq: seq, jobs: js, runNames: map[string]string{}}
		for _, j := range js {
			if j.RunID == "" || len(out.runNames) >= maxRunNames {
				continue
			}
			if _, ok := out.runNames[j.RunID]; ok {
				continue
			}
			out.runNames[j.RunID] = ""
			if r, err := st.GetRun(ctx, j.RunID); err == nil {
				out.runNames[j.RunID] = r.Name
			}
		}
		var tj *store.Job
		for _, j := range js {
			if j.ID == sel || tj == nil {
				tj = j
			}
			if j.ID == sel {
				break
			}
		}
		if tj != nil {
			out.tailJob = tj.ID
			out.tail, out.tailSrc, out.tailErr = jobTail(ctx, st, *tj)
		}
		return out
	}
}

// loadTail reads the selected job's log tail alone (a cursor move).
func (m *Model) loadTail() tea.Cmd {
	j := m.job()
	if j == nil || m.st == nil {
		return nil
	}
	m.tailSeq++
	seq, ctx, st, jc := m.tailSeq, m.c.Ctx, m.st, *j
	return func() tea.Msg {
		lines, src, err := jobTail(ctx, st, jc)
		return tailMsg{seq: seq, job: jc.ID, lines: lines, src: src, err: err}
	}
}

// jobTail reads the end of a job's log: its log file while it exists, else
// the log its run stored as an artifact when the job ended.
// src names where the lines came from.
func jobTail(ctx context.Context, st Store, j store.Job) (lines []string, src string, err error) {
	lines, err = Tail(logPath(st.Dir(), j.LogPath), tailLines)
	if err == nil || !errors.Is(err, os.ErrNotExist) || j.RunID == "" {
		return lines, j.LogPath, err
	}
	f, _, aerr := st.OpenArtifact(ctx, j.RunID, LogArtifact)
	if aerr != nil {
		return nil, j.LogPath, err
	}
	defer f.Close()
	lines, err = tailFile(f, tailLines)
	return lines, "artifact " + LogArtifact, err
}

func logPath(dir, p string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(dir, p)
}

// Tail returns the last n lines of the file at path (reading at most its
// last 64 KiB), without terminal escapes. Returns the open or read error.
func Tail(path string, n int) ([]string, error) {
	if path == "" {
		return nil, errors.New("the job records no log file")
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return tailFile(f, n)
}

func tailFile(f *os.File, n int) ([]string, error) {
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	off := max(fi.Size()-tailBytes, 0)
	buf := make([]byte, fi.Size()-off)
	if _, err := f.ReadAt(buf, off); err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	if off > 0 {
		if i := bytes.IndexByte(buf, '\n'); i >= 0 {
			buf = buf[i+1:]
		}
	}
	lines := strings.Split(strings.TrimRight(string(buf), "\n"), "\n")
	if len(lines) == 1 && lines[0] == "" {
		return nil, nil
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	for i, l := range lines {
		if k := strings.LastIndexByte(strings.TrimRight(l, "\r"), '\r'); k >= 0 {
			l = l[k+1:]
		}
		lines[i] = strings.ReplaceAll(ansi.Strip(strings.TrimRight(l, "\r")), "\t", "    ")
	}
	return lines, nil
}

// arm starts the refresh tick unless one is pending.
func (m *Model) arm() tea.Cmd {
	if m.ticking || !m.focused {
		return nil
	}
	m.ticking = true
	gen := m.tickGen
	return tea.Tick(Poll, func(time.Time) tea.Msg { return tickMsg{gen: gen} })
}

func (m *Model) anyActive() bool {
	for _, j := range m.allJobs {
		if store.JobActive(j.Status) {
			return true
		}
	}
	return false
}

// Update handles keys (when focused) and the pane's own replies.
func (m *Model) Update(msg tea.Msg) tea.Cmd {
	defer m.syncKeys()
	switch msg := msg.(type) {
	case tea.KeyMsg:
		if !m.focused {
			return nil
		}
		return m.handleKey(msg)
	case jobsMsg:
		if msg.seq != m.seq {
			return nil
		}
		m.loading, m.loaded = false, true
		if msg.err != nil {
			m.err = msg.err
			return common.FlashErr(msg.err)
		}
		m.err = nil
		m.allJobs, m.runNames = msg.jobs, msg.runNames
		m.narrow()
		if msg.tailJob == m.selID {
			m.tailSeq++ // a cursor-move read in flight is older
			m.tailJob, m.tail, m.tailSrc, m.tailErr = msg.tailJob, msg.tail, msg.tailSrc, msg.tailErr
		}
		if m.anyActive() {
			return m.arm()
		}
	case tailMsg:
		if msg.seq != m.tailSeq {
			return nil
		}
		m.tailJob, m.tail, m.tailSrc, m.tailErr = msg.job, msg.lines, msg.src, msg.err
	case tickMsg:
		if msg.gen != m.tickGen {
			return nil
		}
		m.ticking = false
		if !m.focused {
			return nil
		}
		return m.load()
	case cancelMsg:
		m.cancelling = false
		if msg.err != nil {
			return common.FlashErr(fmt.Errorf("cancel job %d: %w", msg.job, msg.err))
		}
		return tea.Batch(common.Flash(msg.note), m.load())
	case rerunRunMsg:
		return m.rerunLoaded(msg)
	case rerunMsg:
		return m.rerunDone(msg)
	case common.EventsMsg:
		for _, e := range msg.Events {
			if strings.HasPrefix(e.Kind, "job.") && m.loaded {
				return m.load()
			}
		}
	case common.ThemeMsg:
		m.style()
	}
	return nil
}

func (m *Model) handleKey(msg tea.KeyMsg) tea.Cmd {
	k := m.keys
	if m.form != nil {
		return m.formKey(msg)
	}
	if m.filtering {
		return m.filterKey(msg)
	}
	if m.confirming {
		switch {
		case key.Matches(msg, k.Yes):
			m.confirming = false
			m.cancelling = true
			j, ctx, st, now := m.pending, m.c.Ctx, m.st, m.c.Now
			return func() tea.Msg { return cancelJob(ctx, st, j, now) }
		case key.Matches(msg, k.No):
			m.confirming = false
			return common.Flash("job left running")
		}
		return nil
	}
	switch {
	case key.Matches(msg, k.Up):
		return m.move(-1)
	case key.Matches(msg, k.Down):
		return m.move(1)
	case key.Matches(msg, k.Reload):
		return m.load()
	case key.Matches(msg, k.Open):
		if j := m.job(); j != nil && j.RunID != "" {
			return common.Cmd(common.OpenRunMsg{ID: j.RunID})
		}
	case key.Matches(msg, k.Rerun):
		return m.openRerun()
	case key.Matches(msg, k.Cancel):
		j := m.job()
		if j == nil || !store.JobActive(j.Status) {
			return nil
		}
		m.pending = *j
		m.question = fmt.Sprintf("cancel job %d (%s)? y/n", j.ID, m.runLabel(j))
		m.confirming = true
	}
	return nil
}

func (m *Model) move(d int) tea.Cmd {
	n := max(min(m.cur+d, len(m.jobs)-1), 0)
	if n == m.cur || len(m.jobs) == 0 {
		return nil
	}
	m.cur = n
	m.selID = m.jobs[n].ID
	m.tail, m.tailErr, m.tailJob = nil, nil, 0
	return m.loadTail()
}

func (m *Model) runLabel(j *store.Job) string {
	if j.RunID == "" {
		return "no run"
	}
	s := common.ShortID(j.RunID)
	if n := m.runNames[j.RunID]; n != "" {
		s += " " + n
	}
	return s
}

// cancelJob does what `lathe runs kill` does: flag the job for its
// supervisor and, for a local job on this host, stop its process now; when
// its supervisor is gone too, record the end here.
func cancelJob(ctx context.Context, st Store, j store.Job, now func() time.Time) cancelMsg {
	if _, err := st.RequestJobCancel(ctx, j.ID); err != nil {
		return cancelMsg{job: j.ID, err: err}
	}
	host, _ := os.Hostname()
	if j.Backend != runner.LocalName || j.Host != host || j.PID <= 0 {
		return cancelMsg{job: j.ID, note: fmt.Sprintf("cancel requested for job %d; its supervisor stops it", j.ID)}
	}
	local := &runner.Local{Host: host}
	rec := runner.Record{Backend: j.Backend, Host: j.Host, PID: j.PID, LogPath: j.LogPath, Dir: j.Workdir}
	if job, err := local.Attach(ctx, rec); err == nil {
		if err := job.Cancel(ctx); err != nil {
			return cancelMsg{job: j.ID, err: err}
		}
	} else if !errors.Is(err, runner.ErrGone) {
		return cancelMsg{job: j.ID, err: err}
	}
	if j.SupervisorHost == host && !runner.PIDAlive(j.SupervisorPID) {
		end, killed, jk := now().UnixMilli(), store.StatusKilled, store.JobKilled
		_, _ = st.UpdateJob(ctx, j.ID, store.JobUpdate{Status: &jk})
		if j.RunID != "" {
			_, _ = st.UpdateRun(ctx, j.RunID, store.RunUpdate{Status: &killed, EndTime: &end})
		}
	}
	return cancelMsg{job: j.ID, note: fmt.Sprintf("job %d cancelled", j.ID)}
}
