package jobs

import (
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"syscall"

	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/lathe-ml/lathe/store"
	"github.com/lathe-ml/lathe/tui/common"
)

// Tags `lathe run` sets that `lathe runs rerun` needs (cmd/lathe/runs_jobs.go).
const (
	tagCommand = "lathe.command"
	tagWorkdir = "lathe.workdir"
)

// Launcher starts `lathe ARGV...` in the background; the default execs the
// running binary, detached. Tests replace it.
type Launcher func(argv []string) error

// SetLauncher replaces how the re-run form starts `lathe runs rerun`.
func (m *Model) SetLauncher(l Launcher) { m.launch = l }

// launchSelf execs this binary with argv in its own process group, with no
// terminal: stdin, stdout and stderr are /dev/null. It does not wait for
// it (a goroutine reaps it).
func launchSelf(argv []string) error {
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	c := exec.Command(exe, argv...)
	c.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := c.Start(); err != nil {
		return err
	}
	go func() { _ = c.Wait() }()
	return nil
}

// RerunArgv is the command line (without the program) that re-runs runID
// from the store in dir with params changed or added, as
// `lathe --store DIR runs rerun RUN -p KEY=VALUE...`.
func RerunArgv(dir, runID string, params []store.Param) []string {
	argv := []string{"--store", dir, "runs", "rerun", runID}
	for _, p := range params {
		argv = append(argv, "-p", p.Key+"="+p.Value)
	}
	return argv
}

// ValidateParams checks the params a re-run would pass: each key valid as
// an MLflow param key (so not empty) and given once, each value within
// MLflow's limit (an empty value is fine).
func ValidateParams(ps []store.Param) error {
	seen := map[string]bool{}
	for _, p := range ps {
		if p.Key == "" {
			return fmt.Errorf("a param needs a key (KEY=VALUE)")
		}
		if err := store.ValidateKey("param", p.Key); err != nil {
			return fmt.Errorf("param %q: %v", p.Key, err)
		}
		if len(p.Value) > store.MaxParamValueLength {
			return fmt.Errorf("param %q: the value is over %d characters", p.Key, store.MaxParamValueLength)
		}
		if seen[p.Key] {
			return fmt.Errorf("param %q is given twice", p.Key)
		}
		seen[p.Key] = true
	}
	return nil
}

// rerunForm edits a run's params before re-running it: one input per
// param, prefilled, and a last one to add a param as KEY=VALUE.
type rerunForm struct {
	runID, label string
	keys, orig   []string // one per param input, sorted by key
	inputs       []textinput.Model
	focus        int
	err          string
}

// addRow is the index of the "add KEY=VALUE" input.
func (f *rerunForm) addRow() int { return len(f.keys) }

func newRerunForm(r *store.Run, label string) *rerunForm {
	f := &rerunForm{runID: r.ID, label: label, keys: store.SortedKeys(r.Params)}
	for _, k := range f.keys {
		f.orig = append(f.orig, r.Params[k])
		in := textinput.New()
		in.Cursor.SetMode(cursor.CursorStatic)
		in.Prompt = ""
		in.CharLimit = store.MaxParamValueLength
		in.SetValue(r.Params[k])
		f.inputs = append(f.inputs, in)
	}
	add := textinput.New()
	add.Cursor.SetMode(cursor.CursorStatic)
	add.Prompt = ""
	add.CharLimit = store.MaxParamValueLength + 256
	add.Placeholder = "KEY=VALUE"
	f.inputs = append(f.inputs, add)
	f.inputs[0].Focus()
	return f
}

func (f *rerunForm) move(d int) {
	f.inputs[f.focus].Blur()
	f.focus = (f.focus + d + len(f.inputs)) % len(f.inputs)
	f.inputs[f.focus].Focus()
}

// params is what the re-run passes with -p: the params whose value was
// edited, then the added one. Unchanged params need no -p: the re-run
// keeps them.
func (f *rerunForm) params() ([]store.Param, error) {
	var ps []store.Param
	for i, k := range f.keys {
		if v := f.inputs[i].Value(); v != f.orig[i] {
			ps = append(ps, store.Param{Key: k, Value: v})
		}
	}
	if add := strings.TrimSpace(f.inputs[f.addRow()].Value()); add != "" {
		k, v, ok := strings.Cut(add, "=")
		if !ok {
			return nil, fmt.Errorf("a new param is KEY=VALUE (got %q)", add)
		}
		k = strings.TrimSpace(k)
		if slices.Contains(f.keys, k) {
			return nil, fmt.Errorf("param %q is already in the form: edit it there", k)
		}
		ps = append(ps, store.Param{Key: k, Value: v})
	}
	return ps, ValidateParams(ps)
}

// openRerun reads the selected job's run for the form.
func (m *Model) openRerun() tea.Cmd {
	j := m.job()
	if j == nil || j.RunID == "" || m.st == nil {
		return nil
	}
	ctx, st, id, label := m.c.Ctx, m.st, j.RunID, m.runLabel(j)
	return func() tea.Msg {
		r, err := st.GetRun(ctx, id)
		return rerunRunMsg{run: r, label: label, err: err}
	}
}

func (m *Model) rerunLoaded(msg rerunRunMsg) tea.Cmd {
	if msg.err != nil {
		return common.FlashErr(fmt.Errorf("re-run: %w", msg.err))
	}
	r := msg.run
	if r.Tags[tagCommand] == "" || r.Tags[tagWorkdir] == "" {
		return common.FlashErr(fmt.Errorf("run %s was not started by 'lathe run': there is no command to run again", common.ShortID(r.ID)))
	}
	if len(r.Params) == 0 {
		return common.Flash(fmt.Sprintf("run %s has no params to edit (lathe runs rerun %s starts it again)", common.ShortID(r.ID), common.ShortID(r.ID)))
	}
	if m.job() == nil || m.job().RunID != r.ID || m.confirming {
		return nil // the selection moved on meanwhile
	}
	m.form = newRerunForm(r, msg.label)
	m.layoutForm()
	return nil
}

// layoutForm sizes the inputs to the pane.
func (m *Model) layoutForm() {
	if m.form == nil {
		return
	}
	for i := range m.form.inputs {
		m.form.inputs[i].Width = max(m.width-m.formKeyWidth()-6, 8)
	}
}

func (m *Model) formKeyWidth() int {
	w := len("add")
	for _, k := range m.form.keys {
		w = max(w, len(k))
	}
	return min(w, max(m.width/3, 8))
}

func (m *Model) formKey(msg tea.KeyMsg) tea.Cmd {
	k, f := m.keys, m.form
	switch {
	case key.Matches(msg, k.FormCancel):
		m.form = nil
		return common.Flash("re-run cancelled")
	case key.Matches(msg, k.FormNext):
		f.move(1)
		return nil
	case key.Matches(msg, k.FormPrev):
		f.move(-1)
		return nil
	case key.Matches(msg, k.FormSubmit):
		ps, err := f.params()
		if err != nil {
			f.err = err.Error()
			return nil
		}
		m.form = nil
		m.launching = true
		argv := RerunArgv(m.st.Dir(), f.runID, ps)
		launch, id := m.launch, f.runID
		return func() tea.Msg { return rerunMsg{run: id, argv: argv, err: launch(argv)} }
	}
	f.err = ""
	var cmd tea.Cmd
	f.inputs[f.focus], cmd = f.inputs[f.focus].Update(msg)
	return cmd
}

func (m *Model) rerunDone(msg rerunMsg) tea.Cmd {
	m.launching = false
	if msg.err != nil {
		return common.FlashErr(fmt.Errorf("re-run %s: %w", common.ShortID(msg.run), msg.err))
	}
	what := "lathe runs rerun " + common.ShortID(msg.run)
	for i := 5; i+1 < len(msg.argv); i += 2 {
		what += " -p " + msg.argv[i+1]
	}
	return tea.Batch(common.Flash("started "+what), m.load())
}

// rerunRunMsg carries the run the form edits.
type rerunRunMsg struct {
	run   *store.Run
	label string
	err   error
}

// rerunMsg reports the launch of a re-run.
type rerunMsg struct {
	run  string
	argv []string
	err  error
}
