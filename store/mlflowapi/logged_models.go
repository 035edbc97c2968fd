package mlflowapi

import (
	"context"
	"strconv"

	"github.com/lathe-ml/lathe/store"
)

// MLflow 3's logged models (service.proto: CreateLoggedModel and its
// siblings) and runs/outputs: what mlflow.<flavor>.log_model calls. A
// client creates the model, uploads its files under info.artifact_uri
// through the artifact proxy, records it as an output of its run, and
// finalizes it READY; registering it then creates a registry version whose
// source is models:/<model_id>. The routes are in verbRoutes (registry.go).

// loggedModelStatusNames are LoggedModelStatus's names in number order from 1
// (0 is LOGGED_MODEL_STATUS_UNSPECIFIED, which no request may set).
var loggedModelStatusNames = []string{store.LoggedModelPending, store.LoggedModelReady, store.LoggedModelUploadFailed}

// searchLoggedModelsThreshold bounds max_results (MLflow's handler sets no
// bound; the store's is larger).
const searchLoggedModelsThreshold = 50000

type createLoggedModelReq struct {
	ExperimentID, Name, ModelType, SourceRunID string
	Params, Tags                               []kv
}

func decodeCreateLoggedModel(f fields) (r createLoggedModelReq, err error) {
	if r.ExperimentID, err = f.reqStr("experiment_id"); err != nil {
		return r, err
	}
	for _, o := range []struct {
		name string
		into *string
	}{{"name", &r.Name}, {"model_type", &r.ModelType}, {"source_run_id", &r.SourceRunID}} {
		if *o.into, err = f.optStr(o.name); err != nil {
			return r, err
		}
	}
	if r.Params, err = f.kvs("params"); err != nil {
		return r, err
	}
	r.Tags, err = f.kvs("tags")
	return r, err
}

type loggedModelIDReq struct{ ID string }

func decodeLoggedModelID(f fields) (r loggedModelIDReq, err error) {
	r.ID, err = f.reqStr("model_id")
	return r, err
}

type finalizeLoggedModelReq struct{ ID, Status string }

func decodeFinalizeLoggedModel(f fields) (r finalizeLoggedModelReq, err error) {
	if r.ID, err = f.reqStr("model_id"); err != nil {
		return r, err
	}
	st, ok, err := f.enum("status", loggedModelStatusNames)
	if err != nil {
		return r, err
	}
	if !ok {
		return r, errMissing(f.param("status"))
	}
	r.Status = loggedModelStatusNames[st-1]
	return r, nil
}

type searchLoggedModelsReq struct {
	ExperimentIDs []string
	Filter        string
	MaxResults    int
	OrderBy       []store.LoggedModelOrder
	PageToken     string
}

func decodeSearchLoggedModels(f fields) (r searchLoggedModelsReq, err error) {
	if r.ExperimentIDs, err = f.strs("experiment_ids"); err != nil {
		return r, err
	}
	if len(r.ExperimentIDs) == 0 {
		return r, errMissing(f.param("experiment_ids"))
	}
	if r.Filter, err = f.optStr("filter"); err != nil {
		return r, err
	}
	if r.MaxResults, err = maxResults(f, 100, searchLoggedModelsThreshold); err != nil {
		return r, err
	}
	obs, err := f.objs("order_by")
	if err != nil {
		return r, err
	}
	for _, o := range obs {
		var ob store.LoggedModelOrder
		if ob.Field, err = o.reqStr("field_name"); err != nil {
			return r, err
		}
		if ob.Ascending, err = optBool(o, "ascending", true); err != nil {
			return r, err
		}
		r.OrderBy = append(r.OrderBy, ob)
	}
	r.PageToken, err = f.optStr("page_token")
	return r, err
}

// optBool reads a boolean member (true, false, or those words in a string,
// as protobuf JSON accepts); def when absent.
func optBool(f fields, name string, def bool) (bool, error) {
	r, ok := f.raw(name)
	if !ok {
		return def, nil
	}
	switch string(r) {
	case "true", `"true"`:
		return true, nil
	case "false", `"false"`:
		return false, nil
	}
	return false, errBadValue(f.param(name), r, "expected a boolean")
}

// loggedModelKVsReq serves logged-models/{id}/params and /tags.
type loggedModelKVsReq struct {
	ID  string
	KVs []kv
}

func decodeLoggedModelKVs(f fields, member string) (r loggedModelKVsReq, err error) {
	if r.ID, err = f.reqStr("model_id"); err != nil {
		return r, err
	}
	r.KVs, err = f.kvs(member)
	return r, err
}

func decodeLoggedModelParams(f fields) (loggedModelKVsReq, error) {
	return decodeLoggedModelKVs(f, "params")
}

func decodeLoggedModelTags(f fields) (loggedModelKVsReq, error) {
	return decodeLoggedModelKVs(f, "tags")
}

type deleteLoggedModelTagReq struct{ ID, Key string }

func decodeDeleteLoggedModelTag(f fields) (r deleteLoggedModelTagReq, err error) {
	if r.ID, err = f.reqStr("model_id"); err != nil {
		return r, err
	}
	r.Key, err = f.reqStr("tag_key")
	return r, err
}

type logOutputsReq struct {
	RunID  string
	Models []store.ModelOutput
}

func decodeLogOutputs(f fields) (r logOutputsReq, err error) {
	if r.RunID, err = f.reqStr("run_id"); err != nil {
		return r, err
	}
	objs, err := f.objs("models")
	if err != nil {
		return r, err
	}
	for _, o := range objs {
		var m store.ModelOutput
		if m.ModelID, err = o.reqStr("model_id"); err != nil {
			return r, err
		}
		if m.Step, _, err = o.integer("step"); err != nil {
			return r, err
		}
		r.Models = append(r.Models, m)
	}
	return r, nil
}

// loggedModelJSON is MLflow's LoggedModel message as LoggedModel.to_proto
// fills it: info always, data with the params (lathe keeps no per-model
// metrics).
type loggedModelJSON struct {
	Info loggedModelInfoJSON `json:"info"`
	Data loggedModelDataJSON `json:"data"`
}

type loggedModelInfoJSON struct {
	ModelID                string   `json:"model_id"`
	ExperimentID           string   `json:"experiment_id"`
	Name                   string   `json:"name"`
	CreationTimestampMS    int64    `json:"creation_timestamp_ms"`
	LastUpdatedTimestampMS int64    `json:"last_updated_timestamp_ms"`
	ArtifactURI            string   `json:"artifact_uri"`
	Status                 string   `json:"status"`
	ModelType              string   `json:"model_type,omitempty"`
	SourceRunID            string   `json:"source_run_id,omitempty"`
	StatusMessage          string   `json:"status_message,omitempty"`
	Tags                   []kvJSON `json:"tags,omitempty"`
}

type loggedModelDataJSON struct {
	Params []kvJSON `json:"params,omitempty"`
}

func encodeLoggedModel(m *store.LoggedModel) loggedModelJSON {
	return loggedModelJSON{Info: loggedModelInfoJSON{ModelID: m.ID, ExperimentID: formatID(m.ExperimentID), Name: m.Name,
		CreationTimestampMS: m.CreationTime, LastUpdatedTimestampMS: m.LastUpdatedTime, ArtifactURI: m.ArtifactURI,
		Status: m.Status, ModelType: m.ModelType, SourceRunID: m.SourceRunID, StatusMessage: m.StatusMessage,
		Tags: sortedKVs(m.Tags)}, Data: loggedModelDataJSON{Params: sortedKVs(m.Params)}}
}

type loggedModelResponse struct {
	Model loggedModelJSON `json:"model"`
}

type searchLoggedModelsResponse struct {
	Models        []loggedModelJSON `json:"models,omitempty"`
	NextPageToken string            `json:"next_page_token,omitempty"`
}

func storeParams(in []kv) []store.Param {
	out := make([]store.Param, len(in))
	for i, p := range in {
		out[i] = store.Param{Key: p.Key, Value: p.Value}
	}
	return out
}

func (s *Server) createLoggedModel(ctx context.Context, r createLoggedModelReq) (any, error) {
	exp, err := parseExperimentID(r.ExperimentID)
	if err != nil {
		return nil, err
	}
	m, err := s.st.CreateLoggedModel(ctx, store.LoggedModelCreate{ExperimentID: exp, Name: r.Name, ModelType: r.ModelType,
		SourceRunID: r.SourceRunID, Params: storeParams(r.Params), Tags: storeTags(r.Tags)})
	if err != nil {
		return nil, err
	}
	return loggedModelResponse{encodeLoggedModel(m)}, nil
}

func (s *Server) getLoggedModel(ctx context.Context, r loggedModelIDReq) (any, error) {
	m, err := s.st.GetLoggedModel(ctx, r.ID)
	if err != nil {
		return nil, err
	}
	return loggedModelResponse{encodeLoggedModel(m)}, nil
}

func (s *Server) finalizeLoggedModel(ctx context.Context, r finalizeLoggedModelReq) (any, error) {
	m, err := s.st.FinalizeLoggedModel(ctx, r.ID, r.Status)
	if err != nil {
		return nil, err
	}
	return loggedModelResponse{encodeLoggedModel(m)}, nil
}

func (s *Server) deleteLoggedModel(ctx context.Context, r loggedModelIDReq) (any, error) {
	return emptyResponse{}, s.st.DeleteLoggedModel(ctx, r.ID)
}

func (s *Server) searchLoggedModels(ctx context.Context, r searchLoggedModelsReq) (any, error) {
	// Experiment ids that are not integers name no experiment here.
	var exps []int64
	for _, id := range r.ExperimentIDs {
		if n, err := strconv.ParseInt(id, 10, 64); err == nil && n >= 0 {
			exps = append(exps, n)
		}
	}
	if len(exps) == 0 {
		return searchLoggedModelsResponse{}, nil
	}
	ms, next, err := s.st.SearchLoggedModels(ctx, store.LoggedModelQuery{ExperimentIDs: exps, Filter: r.Filter,
		OrderBy: r.OrderBy, MaxResults: r.MaxResults, PageToken: r.PageToken})
	if err != nil {
		return nil, err
	}
	out := searchLoggedModelsResponse{NextPageToken: next}
	for _, m := range ms {
		out.Models = append(out.Models, encodeLoggedModel(m))
	}
	return out, nil
}

func (s *Server) logLoggedModelParams(ctx context.Context, r loggedModelKVsReq) (any, error) {
	return emptyResponse{}, s.st.LogLoggedModelParams(ctx, r.ID, storeParams(r.KVs))
}

func (s *Server) setLoggedModelTags(ctx context.Context, r loggedModelKVsReq) (any, error) {
	return emptyResponse{}, s.st.SetLoggedModelTags(ctx, r.ID, storeTags(r.KVs))
}

func (s *Server) deleteLoggedModelTag(ctx context.Context, r deleteLoggedModelTagReq) (any, error) {
	return emptyResponse{}, s.st.DeleteLoggedModelTag(ctx, r.ID, r.Key)
}

func (s *Server) logOutputs(ctx context.Context, r logOutputsReq) (any, error) {
	return emptyResponse{}, s.st.LogRunOutputs(ctx, r.RunID, r.Models)
}
