package mlflowapi

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"unicode/utf8"

	"github.com/lathe-ml/lathe/store"
)

// parseExperimentID reads an MLflow experiment id, a string. The store's ids
// are integers; an id that is not one names no experiment, which MLflow
// reports as RESOURCE_DOES_NOT_EXIST.
func parseExperimentID(id string) (int64, error) {
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil || n < 0 {
		return 0, &apiError{status: http.StatusNotFound, code: codeDoesNotExist, msg: fmt.Sprintf("No Experiment with id=%s exists", id)}
	}
	return n, nil
}

func (s *Server) createExperiment(ctx context.Context, r createExperimentReq) (any, error) {
	tags := make([]store.Tag, 0, len(r.Tags))
	for _, t := range r.Tags {
		tags = append(tags, store.Tag{Key: t.Key, Value: t.Value})
	}
	id, err := s.st.CreateExperiment(ctx, r.Name, r.ArtifactLocation, tags)
	if err != nil {
		return nil, err
	}
	return createExperimentResponse{ExperimentID: formatID(id)}, nil
}

func (s *Server) getExperiment(ctx context.Context, r experimentIDReq) (any, error) {
	id, err := parseExperimentID(r.ID)
	if err != nil {
		return nil, err
	}
	e, err := s.st.GetExperiment(ctx, id)
	if err != nil {
		return nil, err
	}
	return experimentResponse{Experiment: encodeExperiment(e)}, nil
}

func (s *Server) getExperimentByName(ctx context.Context, r experimentByNameReq) (any, error) {
	e, err := s.st.GetExperimentByName(ctx, r.Name)
	if err != nil {
		return nil, err
	}
	return experimentResponse{Experiment: encodeExperiment(e)}, nil
}

// defaultExperimentOrder is MLflow's order for experiments/search.
var defaultExperimentOrder = []string{"creation_time DESC", "experiment_id ASC"}

func (s *Server) searchExperiments(ctx context.Context, r searchExperimentsReq) (any, error) {
	offset, err := decodePageToken(r.PageToken)
	if err != nil {
		return nil, err
	}
	filter, err := parseExperimentFilter(r.Filter)
	if err != nil {
		return nil, err
	}
	q := store.ExperimentQuery{View: r.View, OrderBy: r.OrderBy}
	if len(q.OrderBy) == 0 {
		q.OrderBy = append([]string(nil), defaultExperimentOrder...)
	}
	var exps []*store.Experiment
	if len(filter) == 0 {
		// Let the store page: one more than asked tells whether a next page exists.
		q.Limit, q.Offset = r.MaxResults+1, offset
		if exps, err = s.st.ListExperiments(ctx, q); err != nil {
			return nil, err
		}
	} else {
		all, err := s.st.ListExperiments(ctx, q)
		if err != nil {
			return nil, err
		}
		for _, e := range all {
			if filter.matches(e) {
				exps = append(exps, e)
			}
		}
		exps = exps[min(offset, len(exps)):]
	}
	var resp searchExperimentsResponse
	if len(exps) > r.MaxResults {
		exps = exps[:r.MaxResults]
		resp.NextPageToken = encodePageToken(offset + r.MaxResults)
	}
	for _, e := range exps {
		resp.Experiments = append(resp.Experiments, encodeExperiment(e))
	}
	return resp, nil
}

// maxExperimentNameLength is MLflow's MAX_EXPERIMENT_NAME_LENGTH.
const maxExperimentNameLength = 500

func (s *Server) updateExperiment(ctx context.Context, r updateExperimentReq) (any, error) {
	id, err := parseExperimentID(r.ID)
	if err != nil {
		return nil, err
	}
	// The store checks a new experiment's name length but not a new name's.
	if utf8.RuneCountInString(r.NewName) > maxExperimentNameLength {
		return nil, invalidParam(fmt.Sprintf("Experiment name exceeds the maximum length of %d characters", maxExperimentNameLength))
	}
	if err := s.st.RenameExperiment(ctx, id, r.NewName); err != nil {
		return nil, err
	}
	return emptyResponse{}, nil
}

func (s *Server) deleteExperiment(ctx context.Context, r experimentIDReq) (any, error) {
	return s.setExperimentStage(ctx, r.ID, store.StageDeleted)
}

func (s *Server) restoreExperiment(ctx context.Context, r experimentIDReq) (any, error) {
	return s.setExperimentStage(ctx, r.ID, store.StageActive)
}

func (s *Server) setExperimentStage(ctx context.Context, ref, stage string) (any, error) {
	id, err := parseExperimentID(ref)
	if err != nil {
		return nil, err
	}
	if err := s.st.SetExperimentStage(ctx, id, stage); err != nil {
		return nil, err
	}
	return emptyResponse{}, nil
}

func (s *Server) setExperimentTag(ctx context.Context, r setExperimentTagReq) (any, error) {
	id, err := parseExperimentID(r.ID)
	if err != nil {
		return nil, err
	}
	if err := s.st.SetExperimentTag(ctx, id, r.Key, r.Value); err != nil {
		return nil, err
	}
	return emptyResponse{}, nil
}

// Page tokens are MLflow's: base64 of {"offset": n}.

type pageToken struct {
	Offset *int `json:"offset"`
}

func encodePageToken(offset int) string {
	b, _ := json.Marshal(pageToken{Offset: &offset})
	return base64.StdEncoding.EncodeToString(b)
}

func decodePageToken(tok string) (int, error) {
	if tok == "" {
		return 0, nil
	}
	b, err := base64.StdEncoding.DecodeString(tok)
	if err != nil {
		return 0, invalidParam("Invalid page token, could not base64-decode")
	}
	var pt pageToken
	if err := json.Unmarshal(b, &pt); err != nil || pt.Offset == nil || *pt.Offset < 0 {
		return 0, invalidParam(fmt.Sprintf("Invalid page token, decoded value=%q", truncate(string(b), maxEchoedValue)))
	}
	return *pt.Offset, nil
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "..."
}
