package mlflowapi

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lathe-ml/lathe/store"
)

func TestMatchPattern(t *testing.T) {
	for _, c := range []struct {
		pattern, path string
		want          map[string]string
		ok            bool
	}{
		{"registered-models/alias", "registered-models/alias", nil, true},
		{"registered-models/alias", "registered-models/alias/x", nil, false},
		{"logged-models/{model_id}", "logged-models/m-1", map[string]string{"model_id": "m-1"}, true},
		{"logged-models/{model_id}", "logged-models/", nil, false},
		{"logged-models/{model_id}", "logged-models/m-1/params", nil, false},
		{"logged-models/{model_id}/tags/{tag_key...}", "logged-models/m-1/tags/a/b", map[string]string{"model_id": "m-1", "tag_key": "a/b"}, true},
		{"logged-models/{model_id}/tags/{tag_key...}", "logged-models/m-1/tags/a%2Fb%20c", map[string]string{"model_id": "m-1", "tag_key": "a/b c"}, true},
		{"logged-models/{model_id}/tags/{tag_key...}", "logged-models/m-1/tags/%zz", nil, false},
		{"logged-models/{model_id}/tags/{tag_key...}", "logged-models/m-1/tags", nil, false},
	} {
		got, ok := matchPattern(c.pattern, c.path)
		if ok != c.ok || (ok && len(got) != len(c.want)) {
			t.Errorf("matchPattern(%q, %q) = %v, %v; want %v, %v", c.pattern, c.path, got, ok, c.want, c.ok)
			continue
		}
		for k, v := range c.want {
			if got[k] != v {
				t.Errorf("matchPattern(%q, %q)[%s] = %q, want %q", c.pattern, c.path, k, got[k], v)
			}
		}
	}
}

// TestVerbRoutesAreDistinct keeps the two tables apart: no method and
// pattern twice, and no verb route hiding a tracking route.
func TestVerbRoutesAreDistinct(t *testing.T) {
	seen := map[string]bool{}
	for _, vr := range verbRoutes {
		k := vr.method + " " + vr.pattern
		if seen[k] {
			t.Errorf("%s is in verbRoutes twice", k)
		}
		seen[k] = true
		if _, ok := routes[vr.pattern]; ok {
			t.Errorf("%s is also in the routes table, which it would hide", vr.pattern)
		}
	}
}

// concretePath fills a pattern's parameters with value.
func concretePath(pattern, value string) string {
	parts := strings.Split(pattern, "/")
	for i, p := range parts {
		if strings.HasPrefix(p, "{") {
			parts[i] = value
		}
	}
	return strings.Join(parts, "/")
}

// TestVerbRoutesHaveFixtures: every registry and logged-model endpoint is
// exercised by a fixture step that succeeds and one that fails.
func TestVerbRoutesHaveFixtures(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(fixtureDir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	ok, failed := map[int]bool{}, map[int]bool{}
	for _, file := range files {
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var fx fixture
		if err := json.Unmarshal(raw, &fx); err != nil {
			t.Fatal(err)
		}
		for _, st := range fx.Steps {
			name := strings.TrimPrefix(strings.TrimPrefix(st.Path, "/ajax-api/2.0/mlflow/"), "/api/2.0/mlflow/")
			for i, vr := range verbRoutes {
				if _, match := matchPattern(vr.pattern, name); match && vr.method == st.Method {
					if st.Status == 200 {
						ok[i] = true
					} else {
						failed[i] = true
					}
				}
			}
		}
	}
	for i, vr := range verbRoutes {
		if !ok[i] {
			t.Errorf("no fixture step succeeds on %s %s", vr.method, vr.pattern)
		}
		if !failed[i] {
			t.Errorf("no fixture step fails on %s %s", vr.method, vr.pattern)
		}
	}
}

// Seeds for the registry fuzzers: realistic bodies of every endpoint and
// wrong types in each field.
var registryFuzzBodies = []string{
	`{"name":"iris","description":"d","tags":[{"key":"k","value":"v"}]}`,
	`{"name":"iris","new_name":"x"}`, `{"name":"iris","version":"1","description":"d"}`,
	`{"name":"iris","version":"1","key":"k","value":"v"}`, `{"name":"iris","alias":"champion","version":"2"}`,
	`{"name":"iris","source":"runs:/$RUN/model","run_id":"$RUN","run_link":"l","model_id":"m-1","tags":[{"key":"k"}]}`,
	`{"filter":"name LIKE 'i%' AND tags.k = 'v'","max_results":"5","order_by":["name DESC"],"page_token":"eyJvZmZzZXQiOiAxfQ=="}`,
	`{"name":"iris","stages":["None","Production"]}`, `{"name":"iris","version":"x"}`, `{"name":"iris","version":1.5}`,
	`{"experiment_id":"0","name":"m","model_type":"sklearn","source_run_id":"$RUN","params":[{"key":"a","value":"1"}],"tags":[{"key":"t","value":"v"}]}`,
	`{"model_id":"m-1","status":"LOGGED_MODEL_READY"}`, `{"model_id":"m-1","status":2}`, `{"status":"bogus"}`,
	`{"experiment_ids":["0"],"filter":"source_run_id = '$RUN'","order_by":[{"field_name":"name","ascending":false}],"max_results":2}`,
	`{"experiment_ids":"0","order_by":[{"ascending":"maybe"}]}`,
	`{"run_id":"$RUN","models":[{"model_id":"m-1","step":"3"}]}`, `{"run_id":"$RUN","models":[null,{"step":1}]}`,
	`{"params":[{"key":"a/b","value":"1"}],"tags":[{"key":"x","value":""}]}`,
	`{"name":["x"],"version":{},"alias":5,"tags":"k","key":true}`, `{}`, ``, `null`,
}

var registryFuzzQueries = []string{
	"name=iris", "name=iris&version=1", "name=iris&alias=champion", "filter=name+%3D+%27iris%27&max_results=2&order_by=name",
	"filter=run_id+IN+(%27a%27%2C%27b%27)", "name=iris&stages=None&stages=Staging", "max_results=0", "version=-1&name=",
}

// FuzzRegistryDecode runs every registry and logged-model decoder over
// arbitrary bodies, queries and path parameters: no panic, and every error
// a client error.
func FuzzRegistryDecode(f *testing.F) {
	for i := range verbRoutes {
		for _, b := range registryFuzzBodies {
			f.Add(uint8(i), []byte(b), "", "m-1")
		}
		for _, q := range registryFuzzQueries {
			f.Add(uint8(i), []byte(nil), q, "a/b")
		}
	}
	f.Fuzz(func(t *testing.T, endpoint uint8, body []byte, query, param string) {
		vr := verbRoutes[int(endpoint)%len(verbRoutes)]
		params := map[string]string{}
		for _, p := range strings.Split(vr.pattern, "/") {
			if strings.HasPrefix(p, "{") {
				params[strings.TrimSuffix(strings.Trim(p, "{}"), "...")] = param
			}
		}
		fl, err := parseBody(body)
		checkClientError(t, err)
		if err == nil {
			_, err = vr.decode(fl.with(params))
			checkClientError(t, err)
		}
		q, err := parseQuery(query)
		checkClientError(t, err)
		if err == nil {
			_, err = vr.decode(queryFields(q, vr.repeated).with(params))
			checkClientError(t, err)
		}
	})
}

// FuzzRegistryServeHTTP drives the registry and logged-model endpoints over
// a real store with any method: answers are MLflow JSON, never a 5xx.
func FuzzRegistryServeHTTP(f *testing.F) {
	st, err := store.Open(context.Background(), f.TempDir(), store.Options{Synchronous: "OFF"})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { st.Close() })
	ctx := context.Background()
	run, err := st.CreateRun(ctx, store.RunCreate{Name: "fuzz"})
	if err != nil {
		f.Fatal(err)
	}
	if _, err := st.CreateRegisteredModel(ctx, "iris", "", nil); err != nil {
		f.Fatal(err)
	}
	lm, err := st.CreateLoggedModel(ctx, store.LoggedModelCreate{SourceRunID: run.ID})
	if err != nil {
		f.Fatal(err)
	}
	h := New(st, Options{MaxBodyBytes: 1 << 16})
	methods := []string{"GET", "POST", "PATCH", "DELETE"}
	for i, vr := range verbRoutes {
		m := uint8(0)
		for j, x := range methods {
			if x == vr.method {
				m = uint8(j)
			}
		}
		for _, b := range registryFuzzBodies {
			f.Add(uint8(i), m, []byte(b), "", "$MODEL")
		}
		for _, q := range registryFuzzQueries {
			f.Add(uint8(i), m, []byte(nil), q, "x%2Fy")
		}
	}
	f.Fuzz(func(t *testing.T, endpoint, method uint8, body []byte, query, param string) {
		vr := verbRoutes[int(endpoint)%len(verbRoutes)]
		meth := methods[int(method)%len(methods)]
		sub := strings.NewReplacer("$RUN", run.ID, "$MODEL", lm.ID)
		path := "/api/2.0/mlflow/" + concretePath(vr.pattern, sub.Replace(param))
		req := httptest.NewRequest("GET", "http://lathe/", strings.NewReader(sub.Replace(string(body))))
		req.Method = meth
		req.URL.Path, req.URL.RawPath, req.URL.RawQuery = path, "", sub.Replace(query)
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		var out map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
			t.Fatalf("%s %s: %d, not a JSON object: %q", meth, path, rec.Code, rec.Body)
		}
		if rec.Code >= 500 {
			t.Fatalf("%s %s %q: %d %s", meth, path, body, rec.Code, rec.Body)
		}
		if rec.Code != 200 && (out["error_code"] == nil || out["message"] == nil) {
			t.Fatalf("%s %s: %d without an MLflow error: %s", meth, path, rec.Code, rec.Body)
		}
	})
}
