package mlflowapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/lathe-ml/lathe/store"
)

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func createRun(t testing.TB, srv *httptest.Server) string {
	t.Helper()
	status, body := do(t, srv, "POST", "/api/2.0/mlflow/runs/create", "application/json", []byte(`{"run_name":"r"}`))
	if status != 200 {
		t.Fatalf("create run: %d %s", status, body)
	}
	var resp struct {
		Run struct {
			Info struct {
				RunID string `json:"run_id"`
			} `json:"info"`
		} `json:"run"`
	}
	if err := json.Unmarshal(body, &resp); err != nil {
		t.Fatal(err)
	}
	return resp.Run.Info.RunID
}

// TestBatchAllOrNothing checks that a refused batch leaves no trace: not a
// point, param or tag, and not even an event in the store's audit trail,
// whether the refusal comes from validation before the store or from the
// store's own transaction.
func TestBatchAllOrNothing(t *testing.T) {
	srv, st := newTestServer(t)
	ctx := context.Background()
	id := createRun(t, srv)
	status, body := do(t, srv, "POST", "/api/2.0/mlflow/runs/log-parameter", "application/json",
		mustJSON(t, map[string]any{"run_id": id, "key": "fixed", "value": "1"}))
	if status != 200 {
		t.Fatalf("log param: %d %s", status, body)
	}
	before, err := st.GetRun(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	lastEvent, err := st.LastEventID(ctx)
	if err != nil {
		t.Fatal(err)
	}
	good := []map[string]any{{"key": "m1", "value": 1, "timestamp": 1, "step": 0}, {"key": "m2", "value": 2, "timestamp": 1}}
	for _, tc := range []struct {
		name  string
		batch map[string]any
	}{
		{"bad metric key last", map[string]any{"metrics": append(good, map[string]any{"key": "bad key!", "value": 1, "timestamp": 1}),
			"params": []any{map[string]any{"key": "p", "value": "v"}}, "tags": []any{map[string]any{"key": "t", "value": "v"}}}},
		{"bad tag key", map[string]any{"metrics": good, "tags": []any{map[string]any{"key": "ok", "value": "v"}, map[string]any{"key": "a/./b", "value": "v"}}}},
		{"negative timestamp", map[string]any{"metrics": append(good, map[string]any{"key": "m3", "value": 1, "timestamp": -5})}},
		{"param too long", map[string]any{"metrics": good, "params": []any{map[string]any{"key": "p", "value": strings.Repeat("x", store.MaxParamValueLength+1)}}}},
		{"param conflict found inside the transaction", map[string]any{"metrics": good,
			"params": []any{map[string]any{"key": "p", "value": "v"}, map[string]any{"key": "fixed", "value": "2"}},
			"tags":   []any{map[string]any{"key": "t", "value": "v"}}}},
		{"wide batch with a conflict", map[string]any{"metrics": good, "params": append(manyKVs("p", 60), map[string]any{"key": "fixed", "value": "3"}), "tags": manyKVs("t", 60)}},
		{"a malformed element", map[string]any{"metrics": append(good, map[string]any{"key": "m4", "value": "one", "timestamp": 1})}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.batch["run_id"] = id
			status, body := do(t, srv, "POST", "/api/2.0/mlflow/runs/log-batch", "application/json", mustJSON(t, tc.batch))
			if status != http.StatusBadRequest {
				t.Fatalf("status %d, want 400: %s", status, body)
			}
			after, err := st.GetRun(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if len(after.Metrics) != len(before.Metrics) || len(after.Params) != len(before.Params) || len(after.Tags) != len(before.Tags) {
				t.Fatalf("refused batch wrote: metrics %d→%d params %d→%d tags %d→%d", len(before.Metrics), len(after.Metrics),
					len(before.Params), len(after.Params), len(before.Tags), len(after.Tags))
			}
			if ev, _ := st.LastEventID(ctx); ev != lastEvent {
				t.Fatalf("refused batch left events %d..%d", lastEvent+1, ev)
			}
		})
	}
}

func manyKVs(prefix string, n int) []any {
	out := make([]any, n)
	for i := range out {
		out[i] = map[string]any{"key": fmt.Sprintf("%s%d", prefix, i), "value": fmt.Sprint(i)}
	}
	return out
}

// TestWideBatch checks the store-limit workaround: MLflow accepts 100 params
// and 100 tags in one batch; every one of them must land.
func TestWideBatch(t *testing.T) {
	srv, st := newTestServer(t)
	id := createRun(t, srv)
	batch := map[string]any{"run_id": id, "params": manyKVs("p", 100), "tags": manyKVs("t", 100),
		"metrics": []any{map[string]any{"key": "m", "value": 1, "timestamp": 1}}}
	status, body := do(t, srv, "POST", "/api/2.0/mlflow/runs/log-batch", "application/json", mustJSON(t, batch))
	if status != 200 {
		t.Fatalf("status %d: %s", status, body)
	}
	run, err := st.GetRun(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if len(run.Params) != 100 || len(run.Tags) != 101 || len(run.Metrics) != 1 { // + mlflow.runName
		t.Fatalf("params %d tags %d metrics %d", len(run.Params), len(run.Tags), len(run.Metrics))
	}
}

// TestListArtifactsFiles lists a run's artifacts.
func TestListArtifactsFiles(t *testing.T) {
	srv, st := newTestServer(t)
	id := createRun(t, srv)
	for _, a := range []struct {
		path string
		size int
	}{{"model/MLmodel", 120}, {"model/data/weights.bin", 4096}, {"metrics.json", 33}, {"empty.txt", 0}} {
		if _, err := st.LogArtifact(context.Background(), id, a.path, strings.NewReader(strings.Repeat("x", a.size))); err != nil {
			t.Fatal(err)
		}
	}
	root := "mlflow-artifacts:/0/" + id + "/artifacts"
	for _, tc := range []struct{ query, want string }{
		{"", `{"root_uri":"` + root + `","files":[{"path":"empty.txt","is_dir":false},{"path":"metrics.json","is_dir":false,"file_size":33},{"path":"model","is_dir":true}]}`},
		{"&path=model", `{"root_uri":"` + root + `","files":[{"path":"model/MLmodel","is_dir":false,"file_size":120},{"path":"model/data","is_dir":true}]}`},
		{"&path=model/data/", `{"root_uri":"` + root + `","files":[{"path":"model/data/weights.bin","is_dir":false,"file_size":4096}]}`},
		{"&path=nothing", `{"root_uri":"` + root + `"}`},
	} {
		status, body := do(t, srv, "GET", "/api/2.0/mlflow/artifacts/list?run_id="+id+tc.query, "", nil)
		if status != 200 || string(body) != tc.want {
			t.Errorf("list%s: %d %s\nwant %s", tc.query, status, body, tc.want)
		}
	}
}

func TestMethodNotAllowedSetsAllow(t *testing.T) {
	srv, _ := newTestServer(t)
	for path, want := range map[string]string{
		"/api/2.0/mlflow/runs/create":         "POST",
		"/api/2.0/mlflow/metrics/get-history": "GET",
		"/api/2.0/mlflow/experiments/search":  "GET, POST",
	} {
		req, _ := http.NewRequest("DELETE", srv.URL+path, nil)
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 405 || resp.Header.Get("Allow") != want || resp.Header.Get("Content-Type") != "application/json" {
			t.Errorf("%s: %d Allow=%q Content-Type=%q", path, resp.StatusCode, resp.Header.Get("Allow"), resp.Header.Get("Content-Type"))
		}
	}
}

// TestInternalErrorsAreGeneric checks that a failure that is not the
// client's is reported as MLflow's INTERNAL_ERROR without its detail, which
// goes to the log instead.
func TestInternalErrorsAreGeneric(t *testing.T) {
	st, err := store.Open(context.Background(), t.TempDir(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	var mu sync.Mutex
	h := New(st, Options{Logger: slog.New(slog.NewTextHandler(lockedWriter{&mu, &logs}, nil))})
	st.Close()

	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/api/2.0/mlflow/experiments/get?experiment_id=0", nil))
	if rec.Code != 500 {
		t.Fatalf("read on a closed store: %d %s", rec.Code, rec.Body)
	}
	var eb errorBody
	if err := json.Unmarshal(rec.Body.Bytes(), &eb); err != nil || eb.ErrorCode != "INTERNAL_ERROR" || strings.Contains(eb.Message, "closed") {
		t.Fatalf("body %s", rec.Body)
	}
	mu.Lock()
	logged := logs.String()
	mu.Unlock()
	if !strings.Contains(logged, "closed") || !strings.Contains(logged, "/api/2.0/mlflow/experiments/get") {
		t.Fatalf("detail not logged: %q", logged)
	}
	// A write on a closed store should read as TEMPORARILY_UNAVAILABLE
	// (store.ErrClosed), but the store's write may instead queue the
	// operation for a writer that has exited and wait forever, so it is not
	// exercised here.
}

type lockedWriter struct {
	mu *sync.Mutex
	w  *bytes.Buffer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// TestConcurrentLogging logs from many clients at once (run it with -race).
func TestConcurrentLogging(t *testing.T) {
	srv, st := newTestServer(t)
	id := createRun(t, srv)
	const clients, points = 8, 25
	var wg sync.WaitGroup
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range points {
				b := fmt.Sprintf(`{"run_id":%q,"key":"m%d","value":%d,"timestamp":%d,"step":%d}`, id, c, i, 1000+i, i)
				if status, body := do(t, srv, "POST", "/api/2.0/mlflow/runs/log-metric", "application/json", []byte(b)); status != 200 {
					t.Errorf("log: %d %s", status, body)
					return
				}
			}
		}()
	}
	wg.Wait()
	run, err := st.GetRun(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if len(run.Metrics) != clients {
		t.Fatalf("%d metrics, want %d", len(run.Metrics), clients)
	}
	for _, m := range run.Metrics {
		if m.Count != points || m.Last != points-1 {
			t.Fatalf("%+v", m)
		}
	}
}

// TestWholeHistoryCrossesPages checks that a client that does not page gets
// every point, even past one store page.
func TestWholeHistoryCrossesPages(t *testing.T) {
	srv, st := newTestServerWith(t, func(s *Server) { s.historyPage = 3 })
	id := createRun(t, srv)
	const n = 10
	ms := make([]store.Metric, 0, n)
	for i := range n {
		ms = append(ms, store.Metric{Key: "loss", Value: float64(i), Timestamp: 1, Step: int64(i)})
	}
	if err := st.LogBatch(context.Background(), id, store.Batch{Metrics: ms}); err != nil {
		t.Fatal(err)
	}
	status, body := do(t, srv, "GET", "/api/2.0/mlflow/metrics/get-history?metric_key=loss&run_id="+id, "", nil)
	if status != 200 {
		t.Fatalf("%d %s", status, body)
	}
	var resp struct {
		Metrics []struct {
			Step int64 `json:"step"`
		} `json:"metrics"`
		NextPageToken string `json:"next_page_token"`
	}
	if err := json.Unmarshal(body, &resp); err != nil {
		t.Fatal(err)
	}
	if len(resp.Metrics) != n || resp.NextPageToken != "" || resp.Metrics[n-1].Step != n-1 {
		t.Fatalf("%d points, token %q", len(resp.Metrics), resp.NextPageToken)
	}
}

func TestJSONFloat(t *testing.T) {
	for v, want := range map[float64]string{
		math.NaN(): `"NaN"`, math.Inf(1): `"Infinity"`, math.Inf(-1): `"-Infinity"`,
		0.5: `0.5`, -3: `-3`, math.MaxFloat64: `1.7976931348623157e+308`, 1e21: `1e+21`,
	} {
		b, err := json.Marshal(jsonFloat(v))
		if err != nil || string(b) != want {
			t.Errorf("%v: %s %v, want %s", v, b, err, want)
		}
	}
}

func TestScalarDecoding(t *testing.T) {
	ints := map[string]any{
		`1`: int64(1), `"1"`: int64(1), `" 12 "`: int64(12), `3.0`: int64(3), `-9223372036854775808`: int64(math.MinInt64),
		`1e3`: int64(1000), `1.5`: nil, `"1.5"`: nil, `"x"`: nil, `true`: nil, `[]`: nil, `"0x10"`: nil, `9223372036854775808`: nil, `"+1"`: nil,
	}
	for in, want := range ints {
		got, err := parseInt64([]byte(in))
		if want == nil {
			if err == nil {
				t.Errorf("int %s: got %d, want an error", in, got)
			}
		} else if err != nil || got != want {
			t.Errorf("int %s: got %d %v, want %d", in, got, err, want)
		}
	}
	floats := map[string]float64{`1.5`: 1.5, `"1.5"`: 1.5, `"Infinity"`: math.Inf(1), `"-Infinity"`: math.Inf(-1), `1e400`: math.Inf(1), `-1e400`: math.Inf(-1), `0`: 0}
	for in, want := range floats {
		if got, err := parseFloat64([]byte(in)); err != nil || got != want {
			t.Errorf("float %s: got %v %v, want %v", in, got, err, want)
		}
	}
	if got, err := parseFloat64([]byte(`"NaN"`)); err != nil || !math.IsNaN(got) {
		t.Errorf("NaN: %v %v", got, err)
	}
	for _, in := range []string{`"inf"`, `"nan"`, `"Inf"`, `true`, `"1_0"`, `"0x1p3"`, `{}`, `""`} {
		if got, err := parseFloat64([]byte(in)); err == nil {
			t.Errorf("float %s: got %v, want an error", in, got)
		}
	}
}

func TestRelaxNonFinite(t *testing.T) {
	for in, want := range map[string]string{
		`{"v": NaN, "w": -Infinity, "x": [Infinity]}`: `{"v": "NaN", "w": "-Infinity", "x": ["Infinity"]}`,
		`{"s": "NaN \" Infinity", "v": NaN}`:          `{"s": "NaN \" Infinity", "v": "NaN"}`,
		`{"s": "a\\", "v": NaN}`:                      `{"s": "a\\", "v": "NaN"}`,
	} {
		got, changed := relaxNonFinite([]byte(in))
		if !changed || string(got) != want {
			t.Errorf("%s: got %s", in, got)
		}
	}
	if _, changed := relaxNonFinite([]byte(`{"s": "NaN"}`)); changed {
		t.Error("changed a string")
	}
}

func TestLikeMatch(t *testing.T) {
	for _, tc := range []struct {
		p, s string
		want bool
	}{
		{"%", "", true}, {"a%", "abc", true}, {"a%", "bac", false}, {"%c", "abc", true}, {"a_c", "abc", true},
		{"a_c", "ac", false}, {"%b%", "abc", true}, {"a%%c", "ac", true}, {"é_", "éx", true}, {"abc", "abcd", false},
		{"%a%b%c%", "xaxbxcx", true}, {"%a%b%c%", "xcxbxax", false},
	} {
		if got := likeMatch([]rune(tc.p), []rune(tc.s)); got != tc.want {
			t.Errorf("%q LIKE %q = %v", tc.s, tc.p, got)
		}
	}
}

func TestValidateKey(t *testing.T) {
	for key, ok := range map[string]bool{
		"loss": true, "val/loss": true, "a b.c-d_e": true, "métrique": true, "数据": true,
		"a//b": false, "a/": false, "./a": false, "..a": false, ".": false, "/a": false, "a/../b": false,
		"a:b": false, "a\nb": false, strings.Repeat("k", 250): true, strings.Repeat("k", 251): false,
	} {
		if err := store.ValidateKey("metric", key); (err == nil) != ok {
			t.Errorf("%q: %v", key, err)
		}
	}
}
