package mlflowapi

import (
	"fmt"

	"github.com/lathe-ml/lathe/store"
)

// One typed request per endpoint, and its decoder from fields. Decoders check
// what MLflow's handlers check before reaching a store (required parameters,
// JSON types, enum values, simple bounds); the handlers check the rest.

// Names of protobuf enums in number order from 1.
var (
	viewTypeNames  = []string{"ACTIVE_ONLY", "DELETED_ONLY", "ALL"}
	runStatusNames = []string{store.StatusRunning, store.StatusScheduled, store.StatusFinished, store.StatusFailed, store.StatusKilled}
)

// MLflow's request bounds (mlflow/store/tracking/__init__.py and
// mlflow/server/handlers.py).
const (
	searchMaxResultsDefault   = 1000
	searchMaxResultsThreshold = 50000
	bulkMaxRunIDs             = 100
	bulkMaxResultsPerRun      = 2500
)

type createExperimentReq struct {
	Name, ArtifactLocation string
	Tags                   []kv
}

func decodeCreateExperiment(f fields) (r createExperimentReq, err error) {
	if r.Name, err = f.reqStr("name"); err != nil {
		return r, err
	}
	if r.ArtifactLocation, err = f.optStr("artifact_location"); err != nil {
		return r, err
	}
	r.Tags, err = f.kvs("tags")
	return r, err
}

type experimentIDReq struct{ ID string }

func decodeExperimentID(f fields) (r experimentIDReq, err error) {
	r.ID, err = f.reqStr("experiment_id")
	return r, err
}

type experimentByNameReq struct{ Name string }

func decodeExperimentByName(f fields) (r experimentByNameReq, err error) {
	r.Name, err = f.reqStr("experiment_name")
	return r, err
}

type searchExperimentsReq struct {
	MaxResults int
	PageToken  string
	Filter     string
	OrderBy    []string
	View       store.ViewType
}

func decodeSearchExperiments(f fields) (r searchExperimentsReq, err error) {
	if r.MaxResults, err = maxResults(f, searchMaxResultsDefault, searchMaxResultsThreshold); err != nil {
		return r, err
	}
	if r.PageToken, err = f.optStr("page_token"); err != nil {
		return r, err
	}
	if r.Filter, err = f.optStr("filter"); err != nil {
		return r, err
	}
	if r.OrderBy, err = f.strs("order_by"); err != nil {
		return r, err
	}
	v, ok, err := f.enum("view_type", viewTypeNames)
	if err != nil {
		return r, err
	}
	r.View = store.ActiveOnly
	if ok {
		r.View = store.ViewType(v)
	}
	return r, nil
}

// maxResults reads max_results for the search endpoints: def when absent,
// and a positive number no greater than limit otherwise.
func maxResults(f fields, def, limit int) (int, error) {
	n, ok, err := f.integer("max_results")
	if err != nil || !ok {
		return def, err
	}
	if n < 1 {
		return 0, invalidParam(fmt.Sprintf("Invalid value %d for parameter 'max_results' supplied: it must be a positive integer.", n) + apiDocsHint)
	}
	if n > int64(limit) {
		return 0, invalidParam(fmt.Sprintf("Invalid value %d for parameter 'max_results' supplied: it must be at most %d.", n, limit) + apiDocsHint)
	}
	return int(n), nil
}

type updateExperimentReq struct{ ID, NewName string }

func decodeUpdateExperiment(f fields) (r updateExperimentReq, err error) {
	if r.ID, err = f.reqStr("experiment_id"); err != nil {
		return r, err
	}
	r.NewName, err = f.reqStr("new_name")
	return r, err
}

type setExperimentTagReq struct{ ID, Key, Value string }

func decodeSetExperimentTag(f fields) (r setExperimentTagReq, err error) {
	if r.ID, err = f.reqStr("experiment_id"); err != nil {
		return r, err
	}
	if r.Key, err = f.reqStr("key"); err != nil {
		return r, err
	}
	r.Value, err = f.optStr("value")
	return r, err
}

type createRunReq struct {
	ExperimentID, UserID, RunName string
	StartTime                     int64
	Tags                          []kv
}

func decodeCreateRun(f fields) (r createRunReq, err error) {
	if r.ExperimentID, err = f.optStr("experiment_id"); err != nil {
		return r, err
	}
	if r.ExperimentID == "" {
		r.ExperimentID = "0"
	}
	if r.UserID, err = f.optStr("user_id"); err != nil {
		return r, err
	}
	if r.RunName, err = f.optStr("run_name"); err != nil {
		return r, err
	}
	if r.StartTime, _, err = f.integer("start_time"); err != nil {
		return r, err
	}
	r.Tags, err = f.kvs("tags")
	return r, err
}

type runIDReq struct{ RunID string }

func decodeRunID(f fields) (r runIDReq, err error) {
	r.RunID, err = f.runID()
	return r, err
}

type updateRunReq struct {
	RunID   string
	Status  *string
	EndTime *int64
	RunName *string
}

func decodeUpdateRun(f fields) (r updateRunReq, err error) {
	if r.RunID, err = f.runID(); err != nil {
		return r, err
	}
	st, ok, err := f.enum("status", runStatusNames)
	if err != nil {
		return r, err
	}
	if ok {
		status := runStatusNames[st-1]
		r.Status = &status
	}
	end, ok, err := f.integer("end_time")
	if err != nil {
		return r, err
	}
	if ok {
		r.EndTime = &end
	}
	name, ok, err := f.str("run_name")
	if err != nil {
		return r, err
	}
	if ok {
		r.RunName = &name
	}
	return r, nil
}

type searchRunsReq struct {
	ExperimentIDs []string
	Filter        string
	View          store.ViewType
	MaxResults    int
	OrderBy       []string
	PageToken     string
}

func decodeSearchRuns(f fields) (r searchRunsReq, err error) {
	if r.ExperimentIDs, err = f.strs("experiment_ids"); err != nil {
		return r, err
	}
	if r.Filter, err = f.optStr("filter"); err != nil {
		return r, err
	}
	v, ok, err := f.enum("run_view_type", viewTypeNames)
	if err != nil {
		return r, err
	}
	r.View = store.ActiveOnly
	if ok {
		r.View = store.ViewType(v)
	}
	if r.MaxResults, err = maxResults(f, searchMaxResultsDefault, searchMaxResultsThreshold); err != nil {
		return r, err
	}
	if r.OrderBy, err = f.strs("order_by"); err != nil {
		return r, err
	}
	r.PageToken, err = f.optStr("page_token")
	return r, err
}

// metricIn is one metric point of a request.
type metricIn struct {
	Key       string
	Value     float64
	Timestamp int64
	Step      int64
}

// decodeMetric reads {key, value, timestamp, step}: key, value and timestamp
// are required, step defaults to 0.
func decodeMetric(f fields) (m metricIn, err error) {
	if m.Key, err = f.reqStr("key"); err != nil {
		return m, err
	}
	var ok bool
	if isEmptyString(f, "value") {
		return m, errMissing(f.param("value"))
	}
	if m.Value, ok, err = f.double("value"); err != nil {
		return m, err
	} else if !ok {
		return m, errMissing(f.param("value"))
	}
	if m.Timestamp, ok, err = f.integer("timestamp"); err != nil {
		return m, err
	} else if !ok {
		return m, errMissing(f.param("timestamp"))
	}
	m.Step, _, err = f.integer("step")
	return m, err
}

func isEmptyString(f fields, name string) bool {
	r, ok := f.raw(name)
	return ok && string(r) == `""`
}

type logMetricReq struct {
	RunID  string
	Metric metricIn
}

func decodeLogMetric(f fields) (r logMetricReq, err error) {
	if r.RunID, err = f.runID(); err != nil {
		return r, err
	}
	r.Metric, err = decodeMetric(f)
	return r, err
}

// logParamReq serves runs/log-parameter and runs/set-tag, whose requests
// have the same shape.
type logParamReq struct{ RunID, Key, Value string }

func decodeLogParam(f fields) (r logParamReq, err error) {
	if r.RunID, err = f.runID(); err != nil {
		return r, err
	}
	if r.Key, err = f.reqStr("key"); err != nil {
		return r, err
	}
	r.Value, err = f.optStr("value")
	return r, err
}

type deleteTagReq struct{ RunID, Key string }

func decodeDeleteTag(f fields) (r deleteTagReq, err error) {
	if r.RunID, err = f.runID(); err != nil {
		return r, err
	}
	r.Key, err = f.reqStr("key")
	return r, err
}

type logBatchReq struct {
	RunID   string
	Metrics []metricIn
	Params  []kv
	Tags    []kv
}

func decodeLogBatch(f fields) (r logBatchReq, err error) {
	if r.RunID, err = f.runID(); err != nil {
		return r, err
	}
	// Refuse an oversized batch before decoding its elements one by one.
	if err := store.CheckBatchLimits(f.arrayLen("metrics"), f.arrayLen("params"), f.arrayLen("tags")); err != nil {
		return r, err
	}
	ms, err := f.objs("metrics")
	if err != nil {
		return r, err
	}
	r.Metrics = make([]metricIn, 0, len(ms))
	for _, o := range ms {
		m, err := decodeMetric(o)
		if err != nil {
			return r, err
		}
		r.Metrics = append(r.Metrics, m)
	}
	if r.Params, err = f.kvs("params"); err != nil {
		return r, err
	}
	r.Tags, err = f.kvs("tags")
	return r, err
}

type logInputsReq struct {
	RunID    string
	Datasets []store.DatasetInput
}

func decodeLogInputs(f fields) (r logInputsReq, err error) {
	if r.RunID, err = f.runID(); err != nil {
		return r, err
	}
	ins, err := f.objs("datasets")
	if err != nil {
		return r, err
	}
	for _, in := range ins {
		var di store.DatasetInput
		tags, err := in.kvs("tags")
		if err != nil {
			return r, err
		}
		for _, t := range tags {
			di.Tags = append(di.Tags, store.Tag{Key: t.Key, Value: t.Value})
		}
		d, err := in.obj("dataset")
		if err != nil {
			return r, err
		}
		ds := &di.Dataset
		for _, fld := range []struct {
			name     string
			dst      *string
			required bool
		}{
			{"name", &ds.Name, true}, {"digest", &ds.Digest, true},
			{"source_type", &ds.SourceType, false}, {"source", &ds.Source, false},
			{"schema", &ds.Schema, false}, {"profile", &ds.Profile, false},
		} {
			if fld.required {
				*fld.dst, err = d.reqStr(fld.name)
			} else {
				*fld.dst, err = d.optStr(fld.name)
			}
			if err != nil {
				return r, err
			}
		}
		r.Datasets = append(r.Datasets, di)
	}
	return r, nil
}

type metricHistoryReq struct {
	RunID, MetricKey, PageToken string
	MaxResults                  int64 // 0: all points
}

func decodeMetricHistory(f fields) (r metricHistoryReq, err error) {
	if r.RunID, err = f.runID(); err != nil {
		return r, err
	}
	if r.MetricKey, err = f.reqStr("metric_key"); err != nil {
		return r, err
	}
	if r.PageToken, err = f.optStr("page_token"); err != nil {
		return r, err
	}
	if r.MaxResults, _, err = f.integer("max_results"); err != nil {
		return r, err
	}
	if r.MaxResults < 0 {
		return r, invalidParam(fmt.Sprintf("Invalid value %d for parameter 'max_results' supplied: it must not be negative.", r.MaxResults) + apiDocsHint)
	}
	return r, nil
}

type bulkIntervalReq struct {
	RunIDs             []string
	MetricKey          string
	StartStep, EndStep *int64
	MaxResults         int
}

func decodeBulkInterval(f fields) (r bulkIntervalReq, err error) {
	if r.RunIDs, err = f.strs("run_ids"); err != nil {
		return r, err
	}
	if len(r.RunIDs) == 0 {
		return r, errMissing("run_ids")
	}
	if len(r.RunIDs) > bulkMaxRunIDs {
		return r, invalidParam(fmt.Sprintf("GetMetricHistoryBulkInterval request must specify at most %d run_ids. Received %d run_ids.", bulkMaxRunIDs, len(r.RunIDs)))
	}
	for i, id := range r.RunIDs {
		if id == "" {
			return r, errMissing(fmt.Sprintf("run_ids[%d]", i))
		}
	}
	if r.MetricKey, err = f.reqStr("metric_key"); err != nil {
		return r, err
	}
	start, okStart, err := f.integer("start_step")
	if err != nil {
		return r, err
	}
	end, okEnd, err := f.integer("end_step")
	if err != nil {
		return r, err
	}
	switch {
	case okStart && okEnd:
		if start > end {
			return r, invalidParam(fmt.Sprintf("end_step must be greater than start_step. Found start_step=%d and end_step=%d.", start, end))
		}
		r.StartStep, r.EndStep = &start, &end
	case okStart || okEnd:
		return r, invalidParam("If either start step or end step are specified, both must be specified.")
	}
	n, ok, err := f.integer("max_results")
	if err != nil {
		return r, err
	}
	r.MaxResults = bulkMaxResultsPerRun
	if ok {
		if n < 1 || n > bulkMaxResultsPerRun {
			return r, invalidParam(fmt.Sprintf("max_results must be between 1 and %d.", bulkMaxResultsPerRun))
		}
		r.MaxResults = int(n)
	}
	return r, nil
}

type listArtifactsReq struct {
	RunID, Path, PageToken string
}

func decodeListArtifacts(f fields) (r listArtifactsReq, err error) {
	if r.RunID, err = f.runID(); err != nil {
		return r, err
	}
	if r.Path, err = f.optStr("path"); err != nil {
		return r, err
	}
	r.PageToken, err = f.optStr("page_token")
	return r, err
}
