package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
)

// harness runs lathe in-process against a store in a temporary directory.
type harness struct {
	t     *testing.T
	cwd   string
	env   map[string]string
	stdin string
	tty   bool // pretend stdout is a terminal
}

type result struct {
	stdout, stderr string
	code           int
}

// newHarness makes a working directory with a project store (.lathe/).
func newHarness(t *testing.T) *harness {
	t.Helper()
	dir := t.TempDir()
	h := &harness{t: t, cwd: dir, env: map[string]string{"HOME": filepath.Join(dir, "home"), "USER": "tester"}}
	if r := h.run("init"); r.code != 0 {
		t.Fatalf("init: %+v", r)
	}
	return h
}

func (h *harness) run(args ...string) result {
	h.t.Helper()
	var out, errb bytes.Buffer
	env := &Env{
		Stdout:     &out,
		Stderr:     &errb,
		Stdin:      strings.NewReader(h.stdin),
		Getenv:     func(k string) string { return h.env[k] },
		Cwd:        h.cwd,
		Location:   time.UTC,
		IsTerminal: func(io.Writer) bool { return h.tty },
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	code := execute(ctx, env, args)
	return result{out.String(), errb.String(), code}
}

// ok runs args and fails the test unless they exit 0.
func (h *harness) ok(args ...string) result {
	h.t.Helper()
	r := h.run(args...)
	if r.code != 0 {
		h.t.Fatalf("lathe %s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	}
	return r
}

// fails runs args and checks the exit status and that stderr mentions each
// of wants.
func (h *harness) fails(code int, args []string, wants ...string) result {
	h.t.Helper()
	r := h.run(args...)
	if r.code != code {
		h.t.Fatalf("lathe %s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), r.code, code, r.stdout, r.stderr)
	}
	if !strings.HasPrefix(r.stderr, "lathe: ") {
		h.t.Errorf("lathe %s: stderr %q does not start with \"lathe: \"", strings.Join(args, " "), r.stderr)
	}
	for _, w := range wants {
		if !strings.Contains(r.stderr, w) {
			h.t.Errorf("lathe %s: stderr %q does not mention %q", strings.Join(args, " "), r.stderr, w)
		}
	}
	return r
}

// decode parses JSON output into a generic value.
func decode[T any](t *testing.T, s string) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("decode JSON: %v\n%s", err, s)
	}
	return v
}

// hasFields fails unless the object has every key.
func hasFields(t *testing.T, what string, obj map[string]any, keys ...string) {
	t.Helper()
	for _, k := range keys {
		if _, ok := obj[k]; !ok {
			t.Errorf("%s: JSON lacks field %q (has %v)", what, k, keysOf(obj))
		}
	}
}

func keysOf(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// exampleRuns logs n example runs and returns them as decoded JSON.
func (h *harness) exampleRuns(n int) []map[string]any {
	h.t.Helper()
	r := h.ok("log", "example", "--runs", itoa(int64(n)), "--json")
	return decode[[]map[string]any](h.t, r.stdout)
}

func mkdir(t *testing.T, parts ...string) string {
	t.Helper()
	p := filepath.Join(parts...)
	if err := os.MkdirAll(p, 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

func allCommands(c *cobra.Command) []*cobra.Command {
	out := []*cobra.Command{c}
	for _, s := range c.Commands() {
		out = append(out, allCommands(s)...)
	}
	return out
}
