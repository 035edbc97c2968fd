package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestEndToEnd builds the real binary and drives it as a user would:
// log the example, list it as JSON, serve it and stop the server with SIGTERM.
func TestEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	tmp := t.TempDir()
	bin := filepath.Join(tmp, "lathe")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, ".")
	build.Env = append(os.Environ(), "GOFLAGS=-buildvcs=false")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	env := append(os.Environ(), "LATHE_STORE="+filepath.Join(tmp, "store"), "NO_COLOR=1")
	lathe := func(args ...string) (string, string, error) {
		t.Helper()
		cmd := exec.CommandContext(ctx, bin, args...)
		cmd.Env, cmd.Dir = env, tmp
		var out, errb strings.Builder
		cmd.Stdout, cmd.Stderr = &out, &errb
		err := cmd.Run()
		return out.String(), errb.String(), err
	}

	out, errOut, err := lathe("log", "example", "--runs", "3")
	if err != nil || !strings.Contains(out, "Logged 3 example runs") {
		t.Fatalf("log example: %v\n%s\n%s", err, out, errOut)
	}
	out, errOut, err = lathe("runs", "ls", "--json")
	if err != nil {
		t.Fatalf("runs ls --json: %v\n%s", err, errOut)
	}
	var runs []map[string]any
	if err := json.Unmarshal([]byte(out), &runs); err != nil || len(runs) != 3 {
		t.Fatalf("runs ls --json: %v, %d runs\n%s", err, len(runs), out)
	}
	if _, _, err := lathe("runs", "show", "no-such-run"); exitCode(err) != 1 {
		t.Errorf("unknown run: exit %d, want 1", exitCode(err))
	}
	if _, _, err := lathe("runs", "show"); exitCode(err) != 2 {
		t.Errorf("missing argument: exit %d, want 2", exitCode(err))
	}

	srv := exec.CommandContext(ctx, bin, "server", "--addr", "127.0.0.1:0")
	srv.Env, srv.Dir = env, tmp
	stdout, err := srv.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var serr strings.Builder
	srv.Stderr = &serr
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	defer srv.Process.Kill()
	first, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("reading the server's first line: %v (stderr: %s)", err, serr.String())
	}
	m := regexp.MustCompile(`^lathe server listening on (http://127\.0\.0\.1:(\d+)) \(store: .+\)\n$`).FindStringSubmatch(first)
	if m == nil || m[2] == "0" {
		t.Fatalf("unexpected first line %q", first)
	}
	go io.Copy(io.Discard, stdout)
	resp, err := http.Get(m[1] + "/health")
	if err != nil {
		t.Fatalf("GET /health: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || strings.TrimSpace(string(body)) != "OK" {
		t.Errorf("GET /health: %d %q", resp.StatusCode, body)
	}
	resp, err = http.Get(m[1] + "/api/2.0/mlflow/experiments/get-by-name?experiment_name=quickstart")
	if err != nil {
		t.Fatalf("get-by-name: %v", err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), "quickstart") {
		t.Errorf("get-by-name: %d %s", resp.StatusCode, body)
	}
	if err := srv.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("server after SIGTERM: %v\nstderr:\n%s", err, serr.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("server did not stop after SIGTERM\nstderr:\n%s", serr.String())
	}
	if !strings.Contains(serr.String(), "shutting down") {
		t.Errorf("server stderr lacks the shutdown log:\n%s", serr.String())
	}
}

func exitCode(err error) int {
	if err == nil {
		return 0
	}
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode()
	}
	return -1
}
