package mlflowimport

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/lathe-ml/lathe/store"
)

// httpSource reads a running MLflow tracking server (or anything serving
// MLflow's REST API 2.0, lathe's own server included): experiments/search
// and runs/search paged, metrics/get-history paged per key, artifacts/list
// and downloads through the proxied mlflow-artifacts endpoint or the
// server's get-artifact.
type httpSource struct {
	base         string // no trailing slash
	client       *http.Client
	token        string
	user, pass   string
	artifactsDir string
	// runPage and historyPage are the max_results of runs/search and
	// metrics/get-history; tests lower them to exercise paging.
	runPage, historyPage int
}

// apiError is an MLflow error response.
type apiError struct {
	status int
	Code   string `json:"error_code"`
	Msg    string `json:"message"`
}

func (e *apiError) Error() string {
	if e.Code == "" {
		return fmt.Sprintf("HTTP %d", e.status)
	}
	return fmt.Sprintf("HTTP %d %s: %s", e.status, e.Code, e.Msg)
}

func openHTTP(ctx context.Context, base string, opt Options) (*httpSource, error) {
	u, err := url.Parse(base)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("malformed server URL %q", base)
	}
	c := opt.HTTPClient
	if c == nil {
		// No overall timeout: an artifact may take long to download. A
		// server that stops answering is caught by the header timeout.
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.ResponseHeaderTimeout = 5 * time.Minute
		c = &http.Client{Transport: t}
	}
	s := &httpSource{base: strings.TrimRight(base, "/"), client: c, token: opt.Token, user: opt.Username,
		pass: opt.Password, artifactsDir: opt.ArtifactsDir, runPage: 1000, historyPage: historyPage}
	var probe struct{}
	if err := s.call(ctx, http.MethodPost, "experiments/search", map[string]any{"max_results": 1}, &probe); err != nil {
		return nil, fmt.Errorf("%s does not answer as an MLflow tracking server: %w", s.base, err)
	}
	return s, nil
}

func (s *httpSource) String() string { return s.base }
func (s *httpSource) Close() error   { return nil }

// call sends one API request (a JSON body for POST, a query for GET) and
// decodes the answer into out. Transient failures (connection errors, 429,
// 502-504) are retried with backoff.
func (s *httpSource) call(ctx context.Context, method, endpoint string, params any, out any) error {
	u := s.base + "/api/2.0/mlflow/" + endpoint
	var body []byte
	if method == http.MethodGet {
		if q, ok := params.(url.Values); ok && len(q) > 0 {
			u += "?" + q.Encode()
		}
	} else {
		var err error
		if body, err = json.Marshal(params); err != nil {
			return err
		}
	}
	resp, err := s.do(ctx, method, u, body)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return readAPIError(resp)
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("%s %s: malformed response: %w", method, endpoint, err)
	}
	return nil
}

func readAPIError(resp *http.Response) error {
	e := &apiError{status: resp.StatusCode}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if json.Unmarshal(b, e) != nil || e.Code == "" {
		e.Msg = strings.TrimSpace(string(b))
		if len(e.Msg) > 200 {
			e.Msg = e.Msg[:200] + "..."
		}
	}
	return e
}

// do sends a request, retrying transient failures.
func (s *httpSource) do(ctx context.Context, method, u string, body []byte) (*http.Response, error) {
	var lastErr error
	for attempt := 0; attempt < 5; attempt++ {
		if attempt > 0 {
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-time.After(time.Duration(1<<attempt) * 100 * time.Millisecond):
			}
		}
		req, err := http.NewRequestWithContext(ctx, method, u, bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		if method == http.MethodPost {
			req.Header.Set("Content-Type", "application/json")
		}
		switch {
		case s.token != "":
			req.Header.Set("Authorization", "Bearer "+s.token)
		case s.user != "" || s.pass != "":
			req.SetBasicAuth(s.user, s.pass)
		}
		resp, err := s.client.Do(req)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			var ne net.Error
			if errors.As(err, &ne) || errors.Is(err, io.ErrUnexpectedEOF) {
				lastErr = err
				continue
			}
			return nil, err
		}
		switch resp.StatusCode {
		case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
			lastErr = readAPIError(resp)
			resp.Body.Close()
			continue
		}
		return resp, nil
	}
	return nil, lastErr
}

// jsonInt is an int64 written as a number or, by some protobuf encoders, as
// a string.
type jsonInt int64

func (n *jsonInt) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	if s == "" || s == "null" {
		*n = 0
		return nil
	}
	v, err := strconv.ParseInt(s, 10, 64)
	*n = jsonInt(v)
	return err
}

// jsonFloat is a double in protobuf JSON: a number, or "NaN", "Infinity",
// "-Infinity".
type jsonFloat float64

func (f *jsonFloat) UnmarshalJSON(b []byte) error {
	switch s := string(b); s {
	case `"NaN"`:
		*f = jsonFloat(math.NaN())
	case `"Infinity"`:
		*f = jsonFloat(math.Inf(1))
	case `"-Infinity"`:
		*f = jsonFloat(math.Inf(-1))
	default:
		v, err := strconv.ParseFloat(strings.Trim(s, `"`), 64)
		if err != nil {
			return fmt.Errorf("metric value %s is not a number", s)
		}
		*f = jsonFloat(v)
	}
	return nil
}

type jsonKV struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

func tagsOf(kvs []jsonKV) []store.Tag {
	out := make([]store.Tag, 0, len(kvs))
	for _, kv := range kvs {
		out = append(out, store.Tag(kv))
	}
	return out
}

type jsonExperiment struct {
	ID               string   `json:"experiment_id"`
	Name             string   `json:"name"`
	ArtifactLocation string   `json:"artifact_location"`
	LifecycleStage   string   `json:"lifecycle_stage"`
	CreationTime     jsonInt  `json:"creation_time"`
	LastUpdateTime   jsonInt  `json:"last_update_time"`
	Tags             []jsonKV `json:"tags"`
}

func (s *httpSource) experiments(ctx context.Context) ([]*experiment, error) {
	var out []*experiment
	token := ""
	for {
		var resp struct {
			Experiments []jsonExperiment `json:"experiments"`
			Next        string           `json:"next_page_token"`
		}
		req := map[string]any{"max_results": 1000, "view_type": "ALL"}
		if token != "" {
			req["page_token"] = token
		}
		if err := s.call(ctx, http.MethodPost, "experiments/search", req, &resp); err != nil {
			return nil, err
		}
		for _, je := range resp.Experiments {
			e := &experiment{srcID: je.ID, name: je.Name, created: int64(je.CreationTime), updated: int64(je.LastUpdateTime),
				tags: tagsOf(je.Tags), artifact: je.ArtifactLocation, where: "experiment " + je.ID}
			var err error
			if e.stage, err = stageName(je.LifecycleStage); err != nil {
				e.err = fmt.Errorf("%s: %w", e.where, err)
			}
			out = append(out, e)
		}
		if resp.Next == "" || len(resp.Experiments) == 0 {
			return out, nil
		}
		token = resp.Next
	}
}

type jsonMetric struct {
	Key       string    `json:"key"`
	Value     jsonFloat `json:"value"`
	Timestamp jsonInt   `json:"timestamp"`
	Step      jsonInt   `json:"step"`
}

type jsonRun struct {
	Info struct {
		RunID          string  `json:"run_id"`
		RunUUID        string  `json:"run_uuid"`
		RunName        string  `json:"run_name"`
		UserID         string  `json:"user_id"`
		Status         string  `json:"status"`
		StartTime      jsonInt `json:"start_time"`
		EndTime        jsonInt `json:"end_time"`
		ArtifactURI    string  `json:"artifact_uri"`
		LifecycleStage string  `json:"lifecycle_stage"`
	} `json:"info"`
	Data struct {
		Metrics []jsonMetric `json:"metrics"`
		Params  []jsonKV     `json:"params"`
		Tags    []jsonKV     `json:"tags"`
	} `json:"data"`
	Inputs struct {
		DatasetInputs []struct {
			Tags    []jsonKV `json:"tags"`
			Dataset struct {
				Name       string `json:"name"`
				Digest     string `json:"digest"`
				SourceType string `json:"source_type"`
				Source     string `json:"source"`
				Schema     string `json:"schema"`
				Profile    string `json:"profile"`
			} `json:"dataset"`
		} `json:"dataset_inputs"`
	} `json:"inputs"`
}

func (s *httpSource) runs(ctx context.Context, e *experiment) ([]*runMeta, error) {
	var out []*runMeta
	token := ""
	for {
		var resp struct {
			Runs []jsonRun `json:"runs"`
			Next string    `json:"next_page_token"`
		}
		req := map[string]any{"experiment_ids": []string{e.srcID}, "run_view_type": "ALL", "max_results": s.runPage}
		if token != "" {
			req["page_token"] = token
		}
		if err := s.call(ctx, http.MethodPost, "runs/search", req, &resp); err != nil {
			return nil, err
		}
		for i := range resp.Runs {
			out = append(out, runFromJSON(e, &resp.Runs[i]))
		}
		if resp.Next == "" || len(resp.Runs) == 0 {
			return out, nil
		}
		token = resp.Next
	}
}

func runFromJSON(e *experiment, jr *jsonRun) *runMeta {
	in := &jr.Info
	r := &runMeta{exp: e, id: in.RunID, name: in.RunName, user: in.UserID, start: int64(in.StartTime),
		end: int64(in.EndTime), artifactURI: in.ArtifactURI}
	if r.id == "" {
		r.id = in.RunUUID
	}
	r.where = "run " + r.id
	var err error
	if r.status, err = statusName(in.Status); err == nil {
		r.stage, err = stageName(in.LifecycleStage)
	}
	if err != nil {
		r.err = fmt.Errorf("%s: %w", r.where, err)
	}
	d := &runData{tags: tagsOf(jr.Data.Tags)}
	for _, p := range jr.Data.Params {
		d.params = append(d.params, store.Param(p))
	}
	for _, m := range jr.Data.Metrics {
		d.metricKeys = append(d.metricKeys, m.Key)
	}
	for _, di := range jr.Inputs.DatasetInputs {
		ds := di.Dataset
		d.inputs = append(d.inputs, store.DatasetInput{Tags: tagsOf(di.Tags), Dataset: store.Dataset{Name: ds.Name,
			Digest: ds.Digest, SourceType: ds.SourceType, Source: ds.Source, Schema: ds.Schema, Profile: ds.Profile}})
	}
	r.pre = d
	return r
}

func (s *httpSource) data(ctx context.Context, r *runMeta) (*runData, error) {
	if r.pre == nil {
		return &runData{}, nil
	}
	return r.pre, nil
}

// historyPage is how many points one get-history request asks for
// (MLflow's GET_METRIC_HISTORY_MAX_RESULTS).
const historyPage = 25000

func (s *httpSource) metrics(ctx context.Context, r *runMeta, d *runData, fn func(store.Metric) error) error {
	for _, key := range d.metricKeys {
		token := ""
		for {
			q := url.Values{"run_id": {r.id}, "metric_key": {key}, "max_results": {strconv.Itoa(s.historyPage)}}
			if token != "" {
				q.Set("page_token", token)
			}
			var resp struct {
				Metrics []jsonMetric `json:"metrics"`
				Next    string       `json:"next_page_token"`
			}
			if err := s.call(ctx, http.MethodGet, "metrics/get-history", q, &resp); err != nil {
				return fmt.Errorf("metric %q: %w", key, err)
			}
			for _, m := range resp.Metrics {
				if err := fn(store.Metric{Key: key, Value: float64(m.Value), Timestamp: int64(m.Timestamp), Step: int64(m.Step)}); err != nil {
					return err
				}
			}
			if resp.Next == "" || len(resp.Metrics) == 0 {
				break
			}
			token = resp.Next
		}
	}
	return nil
}
