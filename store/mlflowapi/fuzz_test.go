package mlflowapi

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/lathe-ml/lathe/store"
)

// Seeds shared by the fuzz targets: realistic bodies of every endpoint plus
// the awkward corners of protobuf JSON.
var fuzzBodies = []string{
	``, `{}`, `null`, `[]`, `"{\"name\":\"x\"}"`, `"\"x\""`,
	`{"name":"exp","artifact_location":"s3://b","tags":[{"key":"k","value":"v"}]}`,
	`{"experiment_id":"0","new_name":"n","key":"k","value":"v","experiment_name":"Default"}`,
	`{"max_results":"2","page_token":"eyJvZmZzZXQiOiAyfQ==","filter":"name LIKE 'a%' AND tags.t = 'x'","order_by":["name DESC"],"view_type":"ALL"}`,
	`{"experiment_id":"0","user_id":"u","run_name":"r","start_time":"1700000000000","tags":[{"key":"mlflow.runName","value":"r"}]}`,
	`{"run_id":"$RUN","status":"FINISHED","end_time":1700000000001,"run_name":"x"}`,
	`{"run_uuid":"$RUN","status":5}`,
	`{"experiment_ids":["0"],"filter":"metrics.m > 0.5 and params.p = 'x'","run_view_type":"ALL","max_results":10,"order_by":["metrics.m DESC"]}`,
	`{"run_id":"$RUN","key":"m","value":NaN,"timestamp":1,"step":"2"}`,
	`{"run_id":"$RUN","key":"m","value":"-Infinity","timestamp":1e3}`,
	`{"run_id":"$RUN","key":"p","value":"1"}`,
	`{"run_id":"$RUN","metrics":[{"key":"a","value":1,"timestamp":1},{"key":"a","value":"Infinity","timestamp":2,"step":1}],"params":[{"key":"p","value":"v"}],"tags":[{"key":"t","value":"v"}]}`,
	`{"run_id":"$RUN","metrics":[null,{"key":"a"}],"params":[{}],"tags":5}`,
	`{"run_id":"$RUN","datasets":[{"tags":[{"key":"mlflow.data.context","value":"train"}],"dataset":{"name":"d","digest":"x","source_type":"local","source":"s","schema":"{}","profile":"{}"}}]}`,
	`{"run_id":"$RUN","metric_key":"m","max_results":"1","page_token":"eyJvZmZzZXQiOiAxfQ=="}`,
	`{"run_ids":["$RUN"],"metric_key":"m","start_step":0,"end_step":"10","max_results":5}`,
	`{"run_id":"$RUN","path":"a/b","page_token":"x"}`,
	`{"value": 1e999, "timestamp": -0, "step": 9223372036854775807, "key": "\ud800"}`,
	`{"run_id": {"a": 1}, "key": [1], "value": {}, "timestamp": true}`,
}

var fuzzQueries = []string{
	"", "experiment_id=0", "experiment_name=Default", "run_id=$RUN&metric_key=m&max_results=2",
	"run_ids=$RUN&run_ids=$RUN&metric_key=m&start_step=0&end_step=5", "view_type=ALL&order_by=name&order_by=experiment_id+DESC&max_results=3",
	"run_id=$RUN&path=..", "a=%zz", "run_id=&run_id=x", "filter=name+%3D+%27x%27",
}

// FuzzDecode runs every endpoint's decoder over arbitrary bodies and query
// strings. Decoding must never panic, and every error it returns must be the
// client's (a 4xx with an MLflow error code), never an internal one.
func FuzzDecode(f *testing.F) {
	names := endpointNames()
	for i := range names {
		for _, b := range fuzzBodies {
			f.Add(uint8(i), []byte(b), "")
		}
		for _, q := range fuzzQueries {
			f.Add(uint8(i), []byte(nil), q)
		}
	}
	f.Fuzz(func(t *testing.T, endpoint uint8, body []byte, query string) {
		rt := routes[names[int(endpoint)%len(names)]]
		fl, err := parseBody(body)
		checkClientError(t, err)
		if err == nil {
			_, err = rt.decode(fl)
			checkClientError(t, err)
		}
		q, err := parseQuery(query)
		checkClientError(t, err)
		if err == nil {
			_, err = rt.decode(queryFields(q, rt.repeated))
			checkClientError(t, err)
		}
	})
}

func checkClientError(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	var ae *apiError
	if !errors.As(err, &ae) || ae.status < 400 || ae.status >= 500 || ae.code == "" || ae.msg == "" {
		t.Fatalf("not a client error: %#v", err)
	}
}

// FuzzLogBatch decodes and validates batches. Beyond not panicking: a batch
// that passes MLflow's checks here must pass the store's own checks once
// split, so that a client never sees the store's wording for a rule this
// package enforces, nor a refusal MLflow would not make.
func FuzzLogBatch(f *testing.F) {
	for _, b := range fuzzBodies {
		f.Add([]byte(b))
	}
	f.Add([]byte(`{"run_id":"r","params":[{"key":"a/b","value":"1"},{"key":"a b","value":""}],"tags":[{"key":"x.y-z","value":"v"}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		fl, err := parseBody(body)
		if err != nil {
			return
		}
		r, err := decodeLogBatch(fl)
		if err != nil {
			checkClientError(t, err)
			return
		}
		b := toStoreBatch(r)
		if err := b.Validate(); err != nil {
			checkClientError(t, err)
		}
	})
}

// FuzzSearch parses experiment filters and search requests. A filter that
// parses must evaluate without panicking; LIKE must agree with a literal
// pattern's equality.
func FuzzSearch(f *testing.F) {
	for _, s := range []string{
		"name = 'a'", "name LIKE 'a%'", "name ILIKE '%B_'", "attributes.name != \"x\" AND tags.`k k` = 'v'",
		"creation_time >= 0 and last_update_time < 99", "tags.\"q\" like '%'", "name = 'it\\'s'", "name = ", "AND", "tags.",
		"name <> 'x' AND attr.name ILIKE 'Ä%'", "creation_time = -5",
	} {
		f.Add(s, []byte(`{"filter":`+mustQuote(s)+`}`))
	}
	for _, b := range fuzzBodies {
		f.Add("", []byte(b))
	}
	exps := []*store.Experiment{
		{ID: 1, Name: "alpha", CreationTime: 5, LastUpdateTime: 7, Tags: map[string]string{"k k": "v", "q": ""}},
		{ID: 2, Name: "Ä%_", Tags: map[string]string{}},
	}
	f.Fuzz(func(t *testing.T, filter string, body []byte) {
		flt, err := parseExperimentFilter(filter)
		checkClientError(t, err)
		for _, e := range exps {
			_ = flt.matches(e)
		}
		if !strings.ContainsAny(filter, "%_") {
			p := []rune(filter)
			if !likeMatch(p, p) {
				t.Fatalf("%q does not LIKE itself", filter)
			}
		}
		fl, err := parseBody(body)
		if err != nil {
			return
		}
		if r, err := decodeSearchExperiments(fl); err == nil {
			if r.MaxResults < 1 || r.MaxResults > searchMaxResultsThreshold {
				t.Fatalf("max_results %d", r.MaxResults)
			}
			_, err := parseExperimentFilter(r.Filter)
			checkClientError(t, err)
		} else {
			checkClientError(t, err)
		}
		if r, err := decodeSearchRuns(fl); err == nil {
			if r.View < store.ActiveOnly || r.View > store.All {
				t.Fatalf("view %d", r.View)
			}
		} else {
			checkClientError(t, err)
		}
	})
}

func mustQuote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// FuzzServeHTTP drives the whole handler over a real store. Whatever the
// request, the answer must be well-formed MLflow JSON and never an internal
// error: an INTERNAL_ERROR here is a bug in this package or the store.
func FuzzServeHTTP(f *testing.F) {
	st, err := store.Open(context.Background(), f.TempDir(), store.Options{Synchronous: "OFF"})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { st.Close() })
	run, err := st.CreateRun(context.Background(), store.RunCreate{Name: "fuzz"})
	if err != nil {
		f.Fatal(err)
	}
	h := New(st, Options{MaxBodyBytes: 1 << 16})
	names := endpointNames()
	for i := range names {
		for _, b := range fuzzBodies {
			f.Add(uint8(i), true, []byte(b), "")
		}
		for _, q := range fuzzQueries {
			f.Add(uint8(i), false, []byte(nil), q)
		}
	}
	f.Fuzz(func(t *testing.T, endpoint uint8, isPost bool, body []byte, query string) {
		method := "GET"
		if isPost {
			method = "POST"
		}
		path := "/api/2.0/mlflow/" + names[int(endpoint)%len(names)]
		req := httptest.NewRequest(method, "http://lathe/", strings.NewReader(strings.ReplaceAll(string(body), "$RUN", run.ID)))
		req.URL.Path, req.URL.RawQuery = path, strings.ReplaceAll(query, "$RUN", run.ID)
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		var out map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
			t.Fatalf("%s %s: %d, not a JSON object: %q", method, path, rec.Code, rec.Body)
		}
		if rec.Code >= 500 {
			t.Fatalf("%s %s %q: %d %s", method, path, body, rec.Code, rec.Body)
		}
		if rec.Code != 200 && (out["error_code"] == nil || out["message"] == nil) {
			t.Fatalf("%s %s: %d without an MLflow error: %s", method, path, rec.Code, rec.Body)
		}
		if v, ok := out["value"].(float64); ok && math.IsNaN(v) {
			t.Fatal("NaN as a number")
		}
	})
}
