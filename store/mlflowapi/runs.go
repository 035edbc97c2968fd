package mlflowapi

import (
	"context"
	"strconv"

	"github.com/lathe-ml/lathe/store"
)

func (s *Server) createRun(ctx context.Context, r createRunReq) (any, error) {
	exp, err := parseExperimentID(r.ExperimentID)
	if err != nil {
		return nil, err
	}
	tags := make([]store.Tag, 0, len(r.Tags))
	for _, t := range r.Tags {
		tags = append(tags, store.Tag{Key: t.Key, Value: t.Value})
	}
	run, err := s.st.CreateRun(ctx, store.RunCreate{
		ExperimentID: exp, Name: r.RunName, StartTime: r.StartTime, UserID: r.UserID, Tags: tags,
	})
	if err != nil {
		return nil, err
	}
	return runResponse{Run: encodeRun(run)}, nil
}

func (s *Server) getRun(ctx context.Context, r runIDReq) (any, error) {
	run, err := s.st.GetRun(ctx, r.RunID)
	if err != nil {
		return nil, err
	}
	return runResponse{Run: encodeRun(run)}, nil
}

func (s *Server) updateRun(ctx context.Context, r updateRunReq) (any, error) {
	run, err := s.st.UpdateRun(ctx, r.RunID, store.RunUpdate{Status: r.Status, EndTime: r.EndTime, Name: r.RunName})
	if err != nil {
		return nil, err
	}
	return updateRunResponse{RunInfo: encodeRunInfo(run)}, nil
}

func (s *Server) deleteRun(ctx context.Context, r runIDReq) (any, error) {
	if err := s.st.SetRunStage(ctx, r.RunID, store.StageDeleted); err != nil {
		return nil, err
	}
	return emptyResponse{}, nil
}

func (s *Server) restoreRun(ctx context.Context, r runIDReq) (any, error) {
	if err := s.st.SetRunStage(ctx, r.RunID, store.StageActive); err != nil {
		return nil, err
	}
	return emptyResponse{}, nil
}

func (s *Server) searchRuns(ctx context.Context, r searchRunsReq) (any, error) {
	// MLflow searches only the experiments named; ids that are not integers
	// name none. An empty list finds nothing (the store would read it as
	// "every experiment").
	ids := make([]int64, 0, len(r.ExperimentIDs))
	for _, e := range r.ExperimentIDs {
		if id, err := strconv.ParseInt(e, 10, 64); err == nil {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return searchRunsResponse{}, nil
	}
	runs, next, err := s.st.SearchRuns(ctx, store.RunQuery{
		ExperimentIDs: ids, Filter: r.Filter, OrderBy: r.OrderBy, View: r.View,
		MaxResults: r.MaxResults, PageToken: r.PageToken,
	})
	if err != nil {
		return nil, err
	}
	resp := searchRunsResponse{NextPageToken: next}
	for _, run := range runs {
		resp.Runs = append(resp.Runs, encodeRun(run))
	}
	return resp, nil
}

func toStoreMetrics(ms []metricIn) []store.Metric {
	out := make([]store.Metric, len(ms))
	for i, m := range ms {
		out[i] = store.Metric{Key: m.Key, Value: m.Value, Timestamp: m.Timestamp, Step: m.Step}
	}
	return out
}

func (s *Server) logMetric(ctx context.Context, r logMetricReq) (any, error) {
	if err := s.st.LogBatch(ctx, r.RunID, store.Batch{Metrics: toStoreMetrics([]metricIn{r.Metric})}); err != nil {
		return nil, err
	}
	return emptyResponse{}, nil
}

func (s *Server) logParam(ctx context.Context, r logParamReq) (any, error) {
	if err := s.st.LogBatch(ctx, r.RunID, store.Batch{Params: []store.Param{{Key: r.Key, Value: r.Value}}}); err != nil {
		return nil, err
	}
	return emptyResponse{}, nil
}

func (s *Server) setTag(ctx context.Context, r logParamReq) (any, error) {
	if err := s.st.LogBatch(ctx, r.RunID, store.Batch{Tags: []store.Tag{{Key: r.Key, Value: r.Value}}}); err != nil {
		return nil, err
	}
	return emptyResponse{}, nil
}

func (s *Server) deleteTag(ctx context.Context, r deleteTagReq) (any, error) {
	if err := s.st.DeleteTag(ctx, r.RunID, r.Key); err != nil {
		return nil, err
	}
	return emptyResponse{}, nil
}

// logBatch writes the whole batch or none of it; the store checks it by
// MLflow's rules first.
func (s *Server) logBatch(ctx context.Context, r logBatchReq) (any, error) {
	if err := s.st.LogBatch(ctx, r.RunID, toStoreBatch(r)); err != nil {
		return nil, err
	}
	return emptyResponse{}, nil
}

func toStoreBatch(r logBatchReq) store.Batch {
	b := store.Batch{Metrics: toStoreMetrics(r.Metrics)}
	for _, p := range r.Params {
		b.Params = append(b.Params, store.Param{Key: p.Key, Value: p.Value})
	}
	for _, t := range r.Tags {
		b.Tags = append(b.Tags, store.Tag{Key: t.Key, Value: t.Value})
	}
	return b
}

func (s *Server) logInputs(ctx context.Context, r logInputsReq) (any, error) {
	if err := s.st.LogInputs(ctx, r.RunID, r.Datasets); err != nil {
		return nil, err
	}
	return emptyResponse{}, nil
}
