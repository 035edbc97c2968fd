package mlflowapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/lathe-ml/lathe/store"
)

// The model registry (mlflow/protos/model_registry.proto) and MLflow 3's
// logged models (logged_models.go). Unlike the tracking endpoints, MLflow
// serves these under PATCH and DELETE too, sometimes several methods at one
// path (registered-models/alias: GET, POST, DELETE), and logged models
// behind path parameters (logged-models/{model_id}). The routes table keys
// one GET/POST endpoint by path, so these endpoints have their own table,
// keyed by method and path pattern, which ServeHTTP tries first.

// verbRoute is one endpoint: a method, a path pattern below /api/2.0/mlflow/
// in which {name} matches one segment and {name...} the rest of the path,
// and its decoder and handler. Path parameters reach the decoder as request
// fields, overriding the body's.
type verbRoute struct {
	method, pattern string
	route
}

func verb[R any](method, pattern string, repeated []string, dec func(fields) (R, error), h func(*Server, context.Context, R) (any, error)) verbRoute {
	return verbRoute{method, pattern, endpoint(0, repeated, dec, h)}
}

// verbRoutes is a constant table, in the order of model_registry.proto and
// service.proto.
var verbRoutes = []verbRoute{
	verb("POST", "registered-models/create", nil, decodeCreateRegisteredModel, (*Server).createRegisteredModel),
	verb("POST", "registered-models/rename", nil, decodeRenameRegisteredModel, (*Server).renameRegisteredModel),
	verb("PATCH", "registered-models/update", nil, decodeUpdateRegisteredModel, (*Server).updateRegisteredModel),
	verb("DELETE", "registered-models/delete", nil, decodeModelName, (*Server).deleteRegisteredModel),
	verb("GET", "registered-models/get", nil, decodeModelName, (*Server).getRegisteredModel),
	verb("GET", "registered-models/search", []string{"order_by"}, decodeSearchRegisteredModels, (*Server).searchRegisteredModels),
	verb("POST", "registered-models/get-latest-versions", []string{"stages"}, decodeLatestVersions, (*Server).latestVersions),
	verb("GET", "registered-models/get-latest-versions", []string{"stages"}, decodeLatestVersions, (*Server).latestVersions),
	verb("POST", "model-versions/create", nil, decodeCreateModelVersion, (*Server).createModelVersion),
	verb("PATCH", "model-versions/update", nil, decodeUpdateModelVersion, (*Server).updateModelVersion),
	verb("DELETE", "model-versions/delete", nil, decodeModelVersion, (*Server).deleteModelVersion),
	verb("GET", "model-versions/get", nil, decodeModelVersion, (*Server).getModelVersion),
	verb("GET", "model-versions/search", []string{"order_by"}, decodeSearchModelVersions, (*Server).searchModelVersions),
	verb("GET", "model-versions/get-download-uri", nil, decodeModelVersion, (*Server).downloadURI),
	verb("POST", "registered-models/set-tag", nil, decodeSetRegisteredModelTag, (*Server).setRegisteredModelTag),
	verb("POST", "model-versions/set-tag", nil, decodeSetModelVersionTag, (*Server).setModelVersionTag),
	verb("DELETE", "registered-models/delete-tag", nil, decodeDeleteRegisteredModelTag, (*Server).deleteRegisteredModelTag),
	verb("DELETE", "model-versions/delete-tag", nil, decodeDeleteModelVersionTag, (*Server).deleteModelVersionTag),
	verb("POST", "registered-models/alias", nil, decodeSetAlias, (*Server).setAlias),
	verb("DELETE", "registered-models/alias", nil, decodeAlias, (*Server).deleteAlias),
	verb("GET", "registered-models/alias", nil, decodeAlias, (*Server).getByAlias),

	verb("POST", "logged-models", nil, decodeCreateLoggedModel, (*Server).createLoggedModel),
	verb("POST", "logged-models/search", nil, decodeSearchLoggedModels, (*Server).searchLoggedModels),
	verb("GET", "logged-models/{model_id}", nil, decodeLoggedModelID, (*Server).getLoggedModel),
	verb("PATCH", "logged-models/{model_id}", nil, decodeFinalizeLoggedModel, (*Server).finalizeLoggedModel),
	verb("DELETE", "logged-models/{model_id}", nil, decodeLoggedModelID, (*Server).deleteLoggedModel),
	verb("POST", "logged-models/{model_id}/params", nil, decodeLoggedModelParams, (*Server).logLoggedModelParams),
	verb("PATCH", "logged-models/{model_id}/tags", nil, decodeLoggedModelTags, (*Server).setLoggedModelTags),
	verb("DELETE", "logged-models/{model_id}/tags/{tag_key...}", nil, decodeDeleteLoggedModelTag, (*Server).deleteLoggedModelTag),
	verb("POST", "runs/outputs", nil, decodeLogOutputs, (*Server).logOutputs),
}

// matchPattern matches a path (below the API prefix, still escaped) against
// a pattern and returns the decoded path parameters.
func matchPattern(pattern, escaped string) (map[string]string, bool) {
	ps, es := strings.Split(pattern, "/"), strings.Split(escaped, "/")
	var params map[string]string
	for i, p := range ps {
		if i >= len(es) {
			return nil, false
		}
		if !strings.HasPrefix(p, "{") {
			if p != es[i] {
				return nil, false
			}
			continue
		}
		name, rest := strings.TrimSuffix(strings.Trim(p, "{}"), "..."), strings.HasSuffix(p, "...}")
		seg := es[i]
		if rest {
			seg = strings.Join(es[i:], "/")
		}
		v, err := url.PathUnescape(seg)
		if err != nil || v == "" {
			return nil, false
		}
		if params == nil {
			params = map[string]string{}
		}
		params[name] = v
		if rest {
			return params, true
		}
	}
	return params, len(ps) == len(es)
}

// serveVerbRoute serves name if it is one of verbRoutes' paths and reports
// whether it did. A known path under another method is answered 405.
func (s *Server) serveVerbRoute(w http.ResponseWriter, r *http.Request, name string) bool {
	escaped, ep := name, r.URL.EscapedPath()
	for _, prefix := range [...]string{apiPrefix, ajaxPrefix} {
		if strings.HasPrefix(ep, prefix) {
			escaped = ep[len(prefix):]
		}
	}
	var allowed []string
	for _, vr := range verbRoutes {
		params, ok := matchPattern(vr.pattern, escaped)
		if !ok {
			continue
		}
		if vr.method != r.Method {
			allowed = append(allowed, vr.method)
			continue
		}
		f, err := s.readParams(w, r, vr.route)
		if err == nil && len(params) > 0 {
			f = f.with(params)
		}
		var req, resp any
		if err == nil {
			req, err = vr.decode(f)
		}
		if err == nil {
			resp, err = vr.handle(s, r.Context(), req)
		}
		if err != nil {
			s.writeError(w, r, err)
		} else {
			s.writeJSON(w, r, resp)
		}
		return true
	}
	if len(allowed) == 0 {
		return false
	}
	sort.Strings(allowed)
	w.Header().Set("Allow", strings.Join(allowed, ", "))
	s.writeError(w, r, &apiError{status: http.StatusMethodNotAllowed, code: codeBadRequest,
		msg: fmt.Sprintf("method %s is not allowed for %s; use %s", r.Method, r.URL.Path, strings.Join(allowed, " or "))})
	return true
}

// with returns f with the members of params (as JSON strings) set.
func (f fields) with(params map[string]string) fields {
	m := make(map[string]json.RawMessage, len(f.m)+len(params))
	for k, v := range f.m {
		m[k] = v
	}
	for k, v := range params {
		b, _ := json.Marshal(v)
		m[k] = b
	}
	f.m = m
	return f
}

// Responses, written as MLflow's RegisteredModel.to_proto and
// ModelVersion.to_proto write them. lathe has no stages: current_stage is
// always "None" and latest_versions holds the one latest version.

type aliasJSON struct {
	Alias   string `json:"alias"`
	Version string `json:"version"`
}

type registeredModelJSON struct {
	Name                 string             `json:"name"`
	CreationTimestamp    int64              `json:"creation_timestamp,omitempty"`
	LastUpdatedTimestamp int64              `json:"last_updated_timestamp,omitempty"`
	Description          string             `json:"description,omitempty"`
	LatestVersions       []modelVersionJSON `json:"latest_versions,omitempty"`
	Tags                 []kvJSON           `json:"tags,omitempty"`
	Aliases              []aliasJSON        `json:"aliases,omitempty"`
}

type modelVersionJSON struct {
	Name                 string   `json:"name"`
	Version              string   `json:"version"`
	CreationTimestamp    int64    `json:"creation_timestamp"`
	LastUpdatedTimestamp int64    `json:"last_updated_timestamp,omitempty"`
	UserID               string   `json:"user_id,omitempty"`
	CurrentStage         string   `json:"current_stage"`
	Description          string   `json:"description"`
	Source               string   `json:"source"`
	RunID                string   `json:"run_id"`
	Status               string   `json:"status"`
	StatusMessage        string   `json:"status_message,omitempty"`
	Tags                 []kvJSON `json:"tags,omitempty"`
	RunLink              string   `json:"run_link,omitempty"`
	Aliases              []string `json:"aliases,omitempty"`
	ModelID              string   `json:"model_id,omitempty"`
}

func encodeModelVersion(v *store.ModelVersion) modelVersionJSON {
	return modelVersionJSON{Name: v.Name, Version: formatID(v.Version), CreationTimestamp: v.CreationTime,
		LastUpdatedTimestamp: v.LastUpdatedTime, UserID: v.UserID, CurrentStage: "None", Description: v.Description,
		Source: v.Source, RunID: v.RunID, Status: v.Status, StatusMessage: v.StatusMessage, Tags: sortedKVs(v.Tags),
		RunLink: v.RunLink, Aliases: v.Aliases, ModelID: v.LoggedModelID}
}

func encodeRegisteredModel(m *store.RegisteredModel) registeredModelJSON {
	out := registeredModelJSON{Name: m.Name, CreationTimestamp: m.CreationTime, LastUpdatedTimestamp: m.LastUpdatedTime,
		Description: m.Description, Tags: sortedKVs(m.Tags)}
	if m.Latest != nil {
		out.LatestVersions = []modelVersionJSON{encodeModelVersion(m.Latest)}
	}
	for _, a := range store.SortedKeys(aliasStrings(m.Aliases)) {
		out.Aliases = append(out.Aliases, aliasJSON{a, formatID(m.Aliases[a])})
	}
	return out
}

func aliasStrings(m map[string]int64) map[string]string {
	out := make(map[string]string, len(m))
	for k := range m {
		out[k] = ""
	}
	return out
}

type registeredModelResponse struct {
	RegisteredModel registeredModelJSON `json:"registered_model"`
}

type searchRegisteredModelsResponse struct {
	RegisteredModels []registeredModelJSON `json:"registered_models,omitempty"`
	NextPageToken    string                `json:"next_page_token,omitempty"`
}

type modelVersionResponse struct {
	ModelVersion modelVersionJSON `json:"model_version"`
}

type modelVersionsResponse struct {
	ModelVersions []modelVersionJSON `json:"model_versions,omitempty"`
	NextPageToken string             `json:"next_page_token,omitempty"`
}

type downloadURIResponse struct {
	ArtifactURI string `json:"artifact_uri"`
}

func storeTags(in []kv) []store.Tag {
	out := make([]store.Tag, len(in))
	for i, t := range in {
		out[i] = store.Tag{Key: t.Key, Value: t.Value}
	}
	return out
}

func (s *Server) createRegisteredModel(ctx context.Context, r createRegisteredModelReq) (any, error) {
	m, err := s.st.CreateRegisteredModel(ctx, r.Name, r.Description, storeTags(r.Tags))
	if err != nil {
		return nil, err
	}
	return registeredModelResponse{encodeRegisteredModel(m)}, nil
}

func (s *Server) getRegisteredModel(ctx context.Context, r modelNameReq) (any, error) {
	m, err := s.st.GetRegisteredModel(ctx, r.Name)
	if err != nil {
		return nil, err
	}
	return registeredModelResponse{encodeRegisteredModel(m)}, nil
}

func (s *Server) searchRegisteredModels(ctx context.Context, r searchRegistryReq) (any, error) {
	ms, next, err := s.st.SearchRegisteredModels(ctx, store.RegistryQuery{Filter: r.Filter, OrderBy: r.OrderBy,
		MaxResults: r.MaxResults, PageToken: r.PageToken})
	if err != nil {
		return nil, err
	}
	out := searchRegisteredModelsResponse{NextPageToken: next}
	for _, m := range ms {
		out.RegisteredModels = append(out.RegisteredModels, encodeRegisteredModel(m))
	}
	return out, nil
}

func (s *Server) renameRegisteredModel(ctx context.Context, r renameRegisteredModelReq) (any, error) {
	m, err := s.st.RenameRegisteredModel(ctx, r.Name, r.NewName)
	if err != nil {
		return nil, err
	}
	return registeredModelResponse{encodeRegisteredModel(m)}, nil
}

func (s *Server) updateRegisteredModel(ctx context.Context, r updateDescriptionReq) (any, error) {
	m, err := s.st.UpdateRegisteredModel(ctx, r.Name, *r.Description)
	if err != nil {
		return nil, err
	}
	return registeredModelResponse{encodeRegisteredModel(m)}, nil
}

func (s *Server) deleteRegisteredModel(ctx context.Context, r modelNameReq) (any, error) {
	return emptyResponse{}, s.st.DeleteRegisteredModel(ctx, r.Name)
}

// latestVersions answers get-latest-versions: lathe has only the stage
// "None", so the latest version, when the stages asked for include it.
func (s *Server) latestVersions(ctx context.Context, r latestVersionsReq) (any, error) {
	m, err := s.st.GetRegisteredModel(ctx, r.Name)
	if err != nil {
		return nil, err
	}
	var out modelVersionsResponse
	wantNone := len(r.Stages) == 0
	for _, st := range r.Stages {
		wantNone = wantNone || strings.EqualFold(st, "None")
	}
	if m.Latest != nil && wantNone {
		out.ModelVersions = []modelVersionJSON{encodeModelVersion(m.Latest)}
	}
	return out, nil
}

func (s *Server) setRegisteredModelTag(ctx context.Context, r registryTagReq) (any, error) {
	return emptyResponse{}, s.st.SetRegisteredModelTag(ctx, r.Name, r.Key, r.Value)
}

func (s *Server) deleteRegisteredModelTag(ctx context.Context, r registryTagReq) (any, error) {
	return emptyResponse{}, s.st.DeleteRegisteredModelTag(ctx, r.Name, r.Key)
}

func (s *Server) createModelVersion(ctx context.Context, r createModelVersionReq) (any, error) {
	v, err := s.st.CreateModelVersion(ctx, store.ModelVersionCreate{Name: r.Name, Source: r.Source, RunID: r.RunID,
		RunLink: r.RunLink, LoggedModelID: r.ModelID, Description: r.Description, Tags: storeTags(r.Tags)})
	if err != nil {
		return nil, err
	}
	return modelVersionResponse{encodeModelVersion(v)}, nil
}

func (s *Server) getModelVersion(ctx context.Context, r modelVersionReq) (any, error) {
	v, err := s.st.GetModelVersion(ctx, r.Name, r.Version)
	if err != nil {
		return nil, err
	}
	return modelVersionResponse{encodeModelVersion(v)}, nil
}

func (s *Server) updateModelVersion(ctx context.Context, r updateDescriptionReq) (any, error) {
	var v *store.ModelVersion
	var err error
	if r.Description == nil {
		v, err = s.st.GetModelVersion(ctx, r.Name, r.Version)
	} else {
		v, err = s.st.UpdateModelVersion(ctx, r.Name, r.Version, *r.Description)
	}
	if err != nil {
		return nil, err
	}
	return modelVersionResponse{encodeModelVersion(v)}, nil
}

func (s *Server) deleteModelVersion(ctx context.Context, r modelVersionReq) (any, error) {
	return emptyResponse{}, s.st.DeleteModelVersion(ctx, r.Name, r.Version)
}

func (s *Server) searchModelVersions(ctx context.Context, r searchRegistryReq) (any, error) {
	vs, next, err := s.st.SearchModelVersions(ctx, store.RegistryQuery{Filter: r.Filter, OrderBy: r.OrderBy,
		MaxResults: r.MaxResults, PageToken: r.PageToken})
	if err != nil {
		return nil, err
	}
	out := modelVersionsResponse{NextPageToken: next}
	for _, v := range vs {
		out.ModelVersions = append(out.ModelVersions, encodeModelVersion(v))
	}
	return out, nil
}

func (s *Server) downloadURI(ctx context.Context, r modelVersionReq) (any, error) {
	uri, err := s.st.ModelVersionDownloadURI(ctx, r.Name, r.Version)
	if err != nil {
		return nil, err
	}
	return downloadURIResponse{uri}, nil
}

func (s *Server) setModelVersionTag(ctx context.Context, r registryTagReq) (any, error) {
	return emptyResponse{}, s.st.SetModelVersionTag(ctx, r.Name, r.Version, r.Key, r.Value)
}

func (s *Server) deleteModelVersionTag(ctx context.Context, r registryTagReq) (any, error) {
	return emptyResponse{}, s.st.DeleteModelVersionTag(ctx, r.Name, r.Version, r.Key)
}

func (s *Server) setAlias(ctx context.Context, r aliasReq) (any, error) {
	return emptyResponse{}, s.st.SetModelAlias(ctx, r.Name, r.Alias, r.Version)
}

func (s *Server) deleteAlias(ctx context.Context, r aliasReq) (any, error) {
	_, err := s.st.DeleteModelAlias(ctx, r.Name, r.Alias)
	return emptyResponse{}, err
}

func (s *Server) getByAlias(ctx context.Context, r aliasReq) (any, error) {
	v, err := s.st.GetModelVersionByAlias(ctx, r.Name, r.Alias)
	if err != nil {
		return nil, err
	}
	return modelVersionResponse{encodeModelVersion(v)}, nil
}
