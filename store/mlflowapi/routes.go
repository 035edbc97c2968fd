package mlflowapi

import (
	"context"
	"net/http"
	"sort"
)

// route is one endpoint: the methods MLflow serves it under, the fields a
// query string may repeat, and its decoder and handler.
type route struct {
	get, post bool
	repeated  []string
	decode    func(fields) (any, error)
	handle    func(*Server, context.Context, any) (any, error)
}

func (rt route) allows(method string) bool {
	return rt.get && method == http.MethodGet || rt.post && method == http.MethodPost
}

func (rt route) methods() []string {
	var m []string
	if rt.get {
		m = append(m, http.MethodGet)
	}
	if rt.post {
		m = append(m, http.MethodPost)
	}
	return m
}

type methods int

const (
	get methods = 1 << iota
	post
)

// endpoint ties a typed decoder to its typed handler.
func endpoint[R any](m methods, repeated []string, dec func(fields) (R, error), h func(*Server, context.Context, R) (any, error)) route {
	return route{
		get: m&get != 0, post: m&post != 0, repeated: repeated,
		decode: func(f fields) (any, error) { return dec(f) },
		handle: func(s *Server, ctx context.Context, req any) (any, error) { return h(s, ctx, req.(R)) },
	}
}

// routes maps a path below /api/2.0/mlflow/ to its endpoint, with the methods
// of mlflow/protos/service.proto. It is a constant table.
var routes = map[string]route{
	"experiments/create":             endpoint(post, nil, decodeCreateExperiment, (*Server).createExperiment),
	"experiments/get":                endpoint(get, nil, decodeExperimentID, (*Server).getExperiment),
	"experiments/get-by-name":        endpoint(get, nil, decodeExperimentByName, (*Server).getExperimentByName),
	"experiments/search":             endpoint(get|post, []string{"order_by"}, decodeSearchExperiments, (*Server).searchExperiments),
	"experiments/update":             endpoint(post, nil, decodeUpdateExperiment, (*Server).updateExperiment),
	"experiments/delete":             endpoint(post, nil, decodeExperimentID, (*Server).deleteExperiment),
	"experiments/restore":            endpoint(post, nil, decodeExperimentID, (*Server).restoreExperiment),
	"experiments/set-experiment-tag": endpoint(post, nil, decodeSetExperimentTag, (*Server).setExperimentTag),

	"runs/create":        endpoint(post, nil, decodeCreateRun, (*Server).createRun),
	"runs/get":           endpoint(get, nil, decodeRunID, (*Server).getRun),
	"runs/update":        endpoint(post, nil, decodeUpdateRun, (*Server).updateRun),
	"runs/delete":        endpoint(post, nil, decodeRunID, (*Server).deleteRun),
	"runs/restore":       endpoint(post, nil, decodeRunID, (*Server).restoreRun),
	"runs/search":        endpoint(post, nil, decodeSearchRuns, (*Server).searchRuns),
	"runs/log-metric":    endpoint(post, nil, decodeLogMetric, (*Server).logMetric),
	"runs/log-parameter": endpoint(post, nil, decodeLogParam, (*Server).logParam),
	"runs/log-batch":     endpoint(post, nil, decodeLogBatch, (*Server).logBatch),
	"runs/set-tag":       endpoint(post, nil, decodeLogParam, (*Server).setTag),
	"runs/delete-tag":    endpoint(post, nil, decodeDeleteTag, (*Server).deleteTag),
	"runs/log-inputs":    endpoint(post, nil, decodeLogInputs, (*Server).logInputs),

	"metrics/get-history":               endpoint(get, nil, decodeMetricHistory, (*Server).metricHistory),
	"metrics/get-history-bulk-interval": endpoint(get, []string{"run_ids"}, decodeBulkInterval, (*Server).bulkInterval),
	"artifacts/list":                    endpoint(get, nil, decodeListArtifacts, (*Server).listArtifacts),
}

// endpointNames lists the routes in order, for tests and fuzzing.
func endpointNames() []string {
	names := make([]string, 0, len(routes))
	for n := range routes {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
