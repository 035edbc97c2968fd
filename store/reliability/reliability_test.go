package reliability

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/lathe-ml/lathe/store"
)

var lathe string // path of the binary built by TestMain

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "lathe-reliability")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	lathe = filepath.Join(dir, "lathe")
	// Built without -race: under the race detector modernc's SQLite is 20-45x
	// slower and the child is not what users run.
	cmd := exec.Command("go", "build", "-o", lathe, "github.com/lathe-ml/lathe/cmd/lathe")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build lathe:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

var listenRE = regexp.MustCompile(`http://(127\.0\.0\.1:\d+)`)

type server struct {
	cmd  *exec.Cmd
	addr string
	out  *bytes.Buffer
}

// startServer runs `lathe server` on a free loopback port and waits for the
// line that names its address.
func startServer(t *testing.T, storeDir string) *server {
	t.Helper()
	cmd := exec.Command(lathe, "server", "--store", storeDir, "--addr", "127.0.0.1:0")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var errBuf bytes.Buffer
	cmd.Stderr = &errBuf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		if m := listenRE.FindStringSubmatch(sc.Text()); m != nil {
			go func() { _, _ = io.Copy(io.Discard, stdout) }()
			return &server{cmd: cmd, addr: m[1], out: &errBuf}
		}
	}
	_ = cmd.Wait()
	t.Fatalf("server printed no address; stderr: %s", errBuf.String())
	return nil
}

func (s *server) post(path string, body any) (int, []byte, error) {
	b, _ := json.Marshal(body)
	resp, err := http.Post("http://"+s.addr+path, "application/json", bytes.NewReader(b))
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	return resp.StatusCode, out, err
}

type point struct {
	Key       string  `json:"key"`
	Value     float64 `json:"value"`
	Timestamp int64   `json:"timestamp"`
	Step      int64   `json:"step"`
}

func batch(round, i, size int, tag string) []point {
	ms := make([]point, size)
	for j := range ms {
		ms[j] = point{Key: "m_" + tag, Value: float64(j), Timestamp: int64(round*1_000_000 + i), Step: int64(i*size + j)}
	}
	return ms
}

// TestKill9KeepsAcknowledgedWrites kills the server with SIGKILL while
// clients are still sending, three times over, and then checks that every
// acknowledged point is in the store and the database is intact.
func TestKill9KeepsAcknowledgedWrites(t *testing.T) {
	dir := t.TempDir()
	const rounds, acked, size = 3, 15, 50
	var runID string
	want := map[string]int{} // metric key -> acknowledged points
	for round := 0; round < rounds; round++ {
		srv := startServer(t, dir)
		if runID == "" {
			code, body, err := srv.post("/api/2.0/mlflow/runs/create", map[string]any{"experiment_id": "0"})
			if err != nil || code != 200 {
				t.Fatalf("create run: %d %s %v", code, body, err)
			}
			var r struct {
				Run struct {
					Info struct {
						RunID string `json:"run_id"`
					} `json:"info"`
				} `json:"run"`
			}
			if err := json.Unmarshal(body, &r); err != nil {
				t.Fatal(err)
			}
			runID = r.Run.Info.RunID
		}
		// Background writers keep the server busy when the kill lands; what
		// they send is never acknowledged to the test, so it is not counted.
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for w := 0; w < 3; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; ; i++ {
					select {
					case <-stop:
						return
					default:
					}
					if _, _, err := srv.post("/api/2.0/mlflow/runs/log-batch", map[string]any{"run_id": runID, "metrics": batch(round, i, size, fmt.Sprintf("bg%d", w))}); err != nil {
						return
					}
				}
			}()
		}
		key := fmt.Sprintf("m_acked%d", round)
		for i := 0; i < acked; i++ {
			code, body, err := srv.post("/api/2.0/mlflow/runs/log-batch", map[string]any{"run_id": runID, "metrics": batch(round, i, size, fmt.Sprintf("acked%d", round))})
			if err != nil || code != 200 {
				t.Fatalf("round %d batch %d: %d %s %v", round, i, code, body, err)
			}
			want[key] += size
		}
		if err := srv.cmd.Process.Kill(); err != nil { // SIGKILL
			t.Fatal(err)
		}
		_ = srv.cmd.Wait()
		close(stop)
		wg.Wait()
	}
	ctx := context.Background()
	st, err := store.Open(ctx, dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if res, err := st.IntegrityCheck(ctx); err != nil || res != "ok" {
		t.Fatalf("integrity_check: %q %v", res, err)
	}
	for key, n := range want {
		pts, _, err := st.MetricHistory(ctx, runID, key, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(pts) != n {
			t.Errorf("%s: %d points after kill -9, want %d acknowledged", key, len(pts), n)
		}
	}
	// The summary kept on write agrees with the points, even for batches cut off mid-flight.
	var bad int
	if err := st.ReadDB().QueryRow(`SELECT count(*) FROM metric_summary s WHERE count !=
		(SELECT count(*) FROM metrics m WHERE m.run_id = s.run_id AND m.key_id = s.key_id)`).Scan(&bad); err != nil || bad != 0 {
		t.Fatalf("%d summaries disagree with their points (%v)", bad, err)
	}
}

// TestManyProcessesOneStore runs two servers, a CLI writer and a CLI reader
// on one store at once, each a fixed number of operations: no operation may
// fail, and "database is locked" must never reach a user.
func TestManyProcessesOneStore(t *testing.T) {
	dir := t.TempDir()
	out, err := exec.Command(lathe, "--store", dir, "log", "start", "--name", "shared").CombinedOutput()
	if err != nil {
		t.Fatalf("log start: %v\n%s", err, out)
	}
	runID := strings.TrimSpace(string(out))
	if m := regexp.MustCompile(`[0-9a-f]{32}`).FindString(runID); m != "" {
		runID = m
	}
	servers := []*server{startServer(t, dir), startServer(t, dir)}
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		for _, s := range servers {
			_ = s.cmd.Process.Signal(os.Interrupt)
			_ = s.cmd.Wait() // after Wait, s.out is no longer written
		}
	}
	defer stop()
	const perWorker = 25
	var wg sync.WaitGroup
	errs := make(chan string, 100)
	for si, srv := range servers {
		for w := 0; w < 2; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < perWorker; i++ {
					code, body, err := srv.post("/api/2.0/mlflow/runs/log-batch", map[string]any{
						"run_id": runID, "metrics": batch(0, i, 20, fmt.Sprintf("s%dw%d", si, w)),
						"params": []map[string]string{{"key": fmt.Sprintf("p_s%dw%di%d", si, w, i), "value": "1"}},
					})
					if err != nil || code != 200 {
						errs <- fmt.Sprintf("server %d: %d %s %v", si, code, body, err)
						return
					}
				}
			}()
		}
	}
	cli := func(args ...string) {
		defer wg.Done()
		for i := 0; i < 10; i++ {
			a := append([]string{"--store", dir}, args...)
			if args[0] == "log" {
				a = append(a, "--step", fmt.Sprint(i))
			}
			out, err := exec.Command(lathe, a...).CombinedOutput()
			if err != nil || bytes.Contains(out, []byte("locked")) {
				errs <- fmt.Sprintf("lathe %v: %v\n%s", args, err, out)
				return
			}
		}
	}
	wg.Add(2)
	go cli("log", "metric", runID, "cli_metric", "1.5")
	go cli("runs", "ls", "--json")
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	stop()
	for _, s := range servers {
		if strings.Contains(s.out.String(), "locked") {
			t.Errorf("server log mentions a lock error:\n%s", s.out.String())
		}
	}
	ctx := context.Background()
	st, err := store.Open(ctx, dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	r, err := st.GetRun(ctx, runID)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(r.Params), 2*2*perWorker; got != want {
		t.Errorf("params = %d, want %d", got, want)
	}
	counts := map[string]int64{}
	for _, m := range r.Metrics {
		counts[m.Key] = m.Count
	}
	if counts["cli_metric"] != 10 || counts["m_s1w1"] != perWorker*20 {
		t.Errorf("metric counts: %v", counts)
	}
}
