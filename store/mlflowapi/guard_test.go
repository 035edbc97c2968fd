package mlflowapi

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/lathe-ml/lathe/store"
)

func TestGuard(t *testing.T) {
	st, err := store.Open(context.Background(), t.TempDir(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	srv := New(st, Options{Token: "s3cret", AllowedHosts: []string{"127.0.0.1", "localhost"}, AllowedOrigins: []string{"http://localhost:3000"}})
	body := `{"name": "x"}`
	for _, tc := range []struct {
		name, host, origin, auth, path string
		want                           int
	}{
		{"token ok", "127.0.0.1:5000", "", "Bearer s3cret", "/api/2.0/mlflow/experiments/create", 200},
		{"no token", "127.0.0.1:5000", "", "", "/api/2.0/mlflow/experiments/create", 401},
		{"wrong token", "127.0.0.1:5000", "", "Bearer s3cre", "/api/2.0/mlflow/experiments/create", 401},
		{"basic auth", "127.0.0.1:5000", "", "Basic czNjcmV0", "/api/2.0/mlflow/experiments/create", 401},
		{"health needs no token", "localhost", "", "", "/health", 200},
		{"rebinding host", "evil.example:5000", "", "Bearer s3cret", "/api/2.0/mlflow/experiments/create", 403},
		{"foreign origin", "127.0.0.1:5000", "http://evil.example", "Bearer s3cret", "/api/2.0/mlflow/experiments/create", 403},
		{"allowed origin", "localhost:5000", "http://localhost:3000", "Bearer s3cret", "/api/2.0/mlflow/experiments/get-by-name?experiment_name=x", 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			method := http.MethodPost
			if tc.path == "/health" || strings.Contains(tc.path, "?") {
				method = http.MethodGet
			}
			req := httptest.NewRequest(method, tc.path, strings.NewReader(body))
			req.Host = tc.host
			req.Header.Set("Content-Type", "application/json")
			if tc.origin != "" {
				req.Header.Set("Origin", tc.origin)
			}
			if tc.auth != "" {
				req.Header.Set("Authorization", tc.auth)
			}
			w := httptest.NewRecorder()
			srv.ServeHTTP(w, req)
			if w.Code != tc.want {
				t.Fatalf("status %d, want %d: %s", w.Code, tc.want, w.Body)
			}
		})
	}
	// Nothing refused was written: only the first request created "x".
	exps, _ := st.ListExperiments(context.Background(), store.ExperimentQuery{})
	if len(exps) != 2 {
		t.Fatalf("%d experiments, want the default and x", len(exps))
	}
}

// MLflow's local-file-read CVEs started from an experiment whose artifact
// location pointed at the server's own files, and from bodies that browsers
// send cross-site without a preflight (text/plain, forms).
func TestHardeningRefusals(t *testing.T) {
	st, err := store.Open(context.Background(), t.TempDir(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	srv := New(st, Options{})
	post := func(ctype, body string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodPost, "/api/2.0/mlflow/experiments/create", strings.NewReader(body))
		req.Header.Set("Content-Type", ctype)
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, req)
		return w
	}
	for _, loc := range []string{"/etc", "file:///etc/passwd", "FILE:/etc", "../../outside", "outside", "C:\\\\Windows", "mlflow-artifacts:/../../etc", "s3://b/../../etc"} {
		if w := post("application/json", `{"name": "x", "artifact_location": "`+loc+`"}`); w.Code != 400 || !strings.Contains(w.Body.String(), "INVALID_PARAMETER_VALUE") {
			t.Errorf("artifact_location %q: %d %s", loc, w.Code, w.Body)
		}
	}
	for _, ctype := range []string{"text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"} {
		if w := post(ctype, `{"name": "y"}`); w.Code != 400 {
			t.Errorf("Content-Type %s: %d %s", ctype, w.Code, w.Body)
		}
	}
	exps, _ := st.ListExperiments(context.Background(), store.ExperimentQuery{View: store.All})
	if len(exps) != 1 {
		t.Fatalf("refused requests created experiments: %d", len(exps))
	}
	if w := post("application/json", `{"name": "ok", "artifact_location": "mlflow-artifacts:/ok"}`); w.Code != 200 {
		t.Fatalf("mlflow-artifacts location refused: %d %s", w.Code, w.Body)
	}
}
