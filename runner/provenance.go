package runner

import (
	"bytes"
	"context"
	"net/url"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"
)

// Provenance is what reproduces a job beyond its command: the code version
// and the software environment it ran in.
type Provenance struct {
	Git    *GitInfo    // nil outside a git work tree
	Python *PythonInfo // nil when no Python environment is involved
	// Env is the job's environment with secrets redacted (RedactEnv).
	Env map[string]string
}

// GitInfo describes the work tree a job ran in.
type GitInfo struct {
	Commit string
	Branch string // "" on a detached HEAD
	Remote string // origin's URL, credentials removed
	Dirty  bool   // uncommitted changes to tracked files
	Diff   []byte // `git diff HEAD`, at most MaxDiff bytes
}

// PythonInfo describes a Python environment.
type PythonInfo struct {
	Version   string // `python --version`
	Venv      string // $VIRTUAL_ENV
	CondaEnv  string // $CONDA_DEFAULT_ENV
	PipFreeze []byte // `python -m pip freeze`, when that works
	CondaList []byte // `conda list`, inside an active conda environment
}

// Provenance limits.
const (
	// MaxDiff bounds the stored diff; a longer one is cut with a note.
	MaxDiff = 8 << 20
	// GitTimeout and PythonTimeout bound each command that capture runs.
	GitTimeout    = 5 * time.Second
	PythonTimeout = 20 * time.Second
)

// CaptureProvenance records the provenance of running command in dir with
// env. It runs git, python and conda only where they exist and apply, each
// time-boxed; whatever fails or times out is simply left out. It never
// returns an error.
func CaptureProvenance(ctx context.Context, dir string, env, command []string) Provenance {
	p := Provenance{Env: RedactEnv(env)}
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); p.Git = captureGit(ctx, dir, env) }()
	go func() { defer wg.Done(); p.Python = capturePython(ctx, dir, env, command) }()
	wg.Wait()
	return p
}

// output runs a command with a time box and returns its stdout on success.
func output(ctx context.Context, timeout time.Duration, dir string, env []string, name string, args ...string) ([]byte, bool) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	path, err := lookPath(name, dir, env)
	if err != nil {
		return nil, false
	}
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Dir, cmd.Env, cmd.WaitDelay = dir, env, time.Second
	var out bytes.Buffer
	cmd.Stdout = &out
	if err := cmd.Run(); err != nil {
		return nil, false
	}
	return out.Bytes(), true
}

func captureGit(ctx context.Context, dir string, env []string) *GitInfo {
	git := func(args ...string) (string, bool) {
		b, ok := output(ctx, GitTimeout, dir, env, "git", append([]string{"-C", dir}, args...)...)
		return strings.TrimSpace(string(b)), ok
	}
	commit, ok := git("rev-parse", "--verify", "HEAD")
	if !ok || commit == "" {
		return nil
	}
	g := &GitInfo{Commit: commit}
	var wg sync.WaitGroup
	wg.Add(3)
	go func() {
		defer wg.Done()
		if b, ok := git("symbolic-ref", "--short", "-q", "HEAD"); ok {
			g.Branch = b
		}
	}()
	go func() {
		defer wg.Done()
		if r, ok := git("config", "--get", "remote.origin.url"); ok {
			g.Remote = redactURL(r)
		}
	}()
	go func() {
		defer wg.Done()
		b, ok := output(ctx, GitTimeout, dir, env, "git", "-C", dir, "diff", "HEAD", "--no-color", "--no-ext-diff")
		if !ok {
			return
		}
		g.Dirty = len(b) > 0
		if len(b) > MaxDiff {
			b = append(b[:MaxDiff:MaxDiff], []byte("\n[lathe: diff cut at 8 MiB]\n")...)
		}
		g.Diff = b
	}()
	wg.Wait()
	return g
}

var pythonName = regexp.MustCompile(`^python(\d+(\.\d+)?)?w?$`)

// pythonInvolved reports whether the job runs Python: the command is a
// Python interpreter or a .py script, or a Python environment is active.
func pythonInvolved(command []string, getenv func(string) string) bool {
	if getenv("VIRTUAL_ENV") != "" || getenv("CONDA_PREFIX") != "" {
		return true
	}
	for i, a := range command {
		base := filepath.Base(a)
		if i == 0 && pythonName.MatchString(base) || strings.HasSuffix(base, ".py") {
			return true
		}
	}
	return false
}

func capturePython(ctx context.Context, dir string, env, command []string) *PythonInfo {
	getenv := func(k string) string {
		v := ""
		for _, kv := range env {
			if rest, ok := strings.CutPrefix(kv, k+"="); ok {
				v = rest
			}
		}
		return v
	}
	if !pythonInvolved(command, getenv) {
		return nil
	}
	py := ""
	if len(command) > 0 && pythonName.MatchString(filepath.Base(command[0])) {
		py = command[0]
	} else {
		for _, name := range []string{"python3", "python"} {
			if _, err := lookPath(name, dir, env); err == nil {
				py = name
				break
			}
		}
	}
	info := &PythonInfo{Venv: getenv("VIRTUAL_ENV"), CondaEnv: getenv("CONDA_DEFAULT_ENV")}
	var wg sync.WaitGroup
	if py != "" {
		wg.Add(2)
		go func() {
			defer wg.Done()
			// Python 2 printed its version on stderr; `-c` works everywhere.
			if b, ok := output(ctx, PythonTimeout, dir, env, py, "-c", "import sys; print(sys.version.split()[0])"); ok {
				info.Version = strings.TrimSpace(string(b))
			}
		}()
		go func() {
			defer wg.Done()
			if b, ok := output(ctx, PythonTimeout, dir, env, py, "-m", "pip", "freeze"); ok {
				info.PipFreeze = b
			}
		}()
	}
	if prefix := getenv("CONDA_PREFIX"); prefix != "" {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if b, ok := output(ctx, PythonTimeout, dir, env, "conda", "list", "--prefix", prefix); ok {
				info.CondaList = b
			}
		}()
	}
	wg.Wait()
	return info
}

// Redacted replaces the value of a secret.
const Redacted = "[redacted]"

// secretWords mark a variable as secret when its name contains one
// (case-insensitive).
var secretWords = []string{"TOKEN", "KEY", "SECRET", "PASSWORD", "PASSWD", "CREDENTIAL"}

// RedactEnv turns "KEY=value" pairs into a map, replacing the value of every
// variable whose name contains TOKEN, KEY, SECRET, PASSWORD, PASSWD or
// CREDENTIAL (in any case) by Redacted, and the password of a URL value
// ("postgres://u:pw@db") by Redacted too.
func RedactEnv(env []string) map[string]string {
	out := make(map[string]string, len(env))
	for _, kv := range env {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			continue
		}
		if IsSecretName(k) {
			v = Redacted
		} else {
			v = redactURL(v)
		}
		out[k] = v
	}
	return out
}

// IsSecretName reports whether an environment variable's name marks it as
// secret (see RedactEnv).
func IsSecretName(name string) bool {
	up := strings.ToUpper(name)
	for _, w := range secretWords {
		if strings.Contains(up, w) {
			return true
		}
	}
	return false
}

// redactURL hides the password of a URL with credentials; other values are
// returned unchanged.
func redactURL(v string) string {
	if !strings.Contains(v, "://") || !strings.Contains(v, "@") {
		return v
	}
	u, err := url.Parse(v)
	if err != nil || u.User == nil {
		return v
	}
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), Redacted)
	} else if strings.HasPrefix(u.Scheme, "http") {
		u.User = url.User(Redacted) // https://TOKEN@github.com/...
	}
	return strings.Replace(u.String(), url.QueryEscape(Redacted), Redacted, 1)
}
