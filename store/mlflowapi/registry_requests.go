package mlflowapi

import (
	"fmt"
	"strconv"
	"strings"
)

// Requests of the model registry endpoints (mlflow/protos/model_registry.proto)
// and their decoders. As in requests.go, decoders check what MLflow's
// handlers check before the store: required parameters, JSON types, that a
// version is an integer, the bounds of max_results.

// MLflow's registry search bounds (SearchRegisteredModels and
// SearchModelVersions in model_registry.proto; mlflow/server/handlers.py).
const (
	searchModelsDefault     = 100
	searchModelsThreshold   = 1000
	searchVersionsDefault   = 10000
	searchVersionsThreshold = 200000
)

// parseVersion reads a model version number as MLflow's
// _validate_model_version does: an integer in a string.
func parseVersion(s string) (int64, error) {
	v, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil {
		return 0, invalidParam(fmt.Sprintf("Parameter 'version' must be an integer, got '%s'.", truncate(s, maxEchoedValue)))
	}
	return v, nil
}

// reqVersion reads the required string field version as a number.
func reqVersion(f fields) (int64, error) {
	s, err := f.reqStr("version")
	if err != nil {
		return 0, err
	}
	return parseVersion(s)
}

type createRegisteredModelReq struct {
	Name, Description string
	Tags              []kv
}

func decodeCreateRegisteredModel(f fields) (r createRegisteredModelReq, err error) {
	if r.Name, err = f.reqStr("name"); err != nil {
		return r, err
	}
	if r.Description, err = f.optStr("description"); err != nil {
		return r, err
	}
	r.Tags, err = f.kvs("tags")
	return r, err
}

type modelNameReq struct{ Name string }

func decodeModelName(f fields) (r modelNameReq, err error) {
	r.Name, err = f.reqStr("name")
	return r, err
}

type latestVersionsReq struct {
	Name   string
	Stages []string
}

func decodeLatestVersions(f fields) (r latestVersionsReq, err error) {
	if r.Name, err = f.reqStr("name"); err != nil {
		return r, err
	}
	r.Stages, err = f.strs("stages")
	return r, err
}

type searchRegistryReq struct {
	Filter     string
	MaxResults int
	OrderBy    []string
	PageToken  string
}

func decodeSearch(f fields, def, limit int) (r searchRegistryReq, err error) {
	if r.Filter, err = f.optStr("filter"); err != nil {
		return r, err
	}
	if r.MaxResults, err = maxResults(f, def, limit); err != nil {
		return r, err
	}
	if r.OrderBy, err = f.strs("order_by"); err != nil {
		return r, err
	}
	r.PageToken, err = f.optStr("page_token")
	return r, err
}

func decodeSearchRegisteredModels(f fields) (searchRegistryReq, error) {
	return decodeSearch(f, searchModelsDefault, searchModelsThreshold)
}

func decodeSearchModelVersions(f fields) (searchRegistryReq, error) {
	return decodeSearch(f, searchVersionsDefault, searchVersionsThreshold)
}

type renameRegisteredModelReq struct{ Name, NewName string }

func decodeRenameRegisteredModel(f fields) (r renameRegisteredModelReq, err error) {
	if r.Name, err = f.reqStr("name"); err != nil {
		return r, err
	}
	r.NewName, err = f.reqStr("new_name")
	return r, err
}

// updateDescriptionReq serves registered-models/update and
// model-versions/update (Version 0 for the former). Description is nil
// when absent: MLflow then leaves a version's description alone.
type updateDescriptionReq struct {
	Name        string
	Version     int64
	Description *string
}

func decodeUpdateRegisteredModel(f fields) (r updateDescriptionReq, err error) {
	if r.Name, err = f.reqStr("name"); err != nil {
		return r, err
	}
	d, _, err := f.str("description")
	r.Description = &d
	return r, err
}

func decodeUpdateModelVersion(f fields) (r updateDescriptionReq, err error) {
	if r.Name, err = f.reqStr("name"); err != nil {
		return r, err
	}
	if r.Version, err = reqVersion(f); err != nil {
		return r, err
	}
	d, ok, err := f.str("description")
	if ok {
		r.Description = &d
	}
	return r, err
}

// registryTagReq serves the set-tag and delete-tag endpoints of models
// (Version 0) and versions.
type registryTagReq struct {
	Name       string
	Version    int64
	Key, Value string
}

func decodeTagOf(f fields, version, value bool) (r registryTagReq, err error) {
	if r.Name, err = f.reqStr("name"); err != nil {
		return r, err
	}
	if version {
		if r.Version, err = reqVersion(f); err != nil {
			return r, err
		}
	}
	if r.Key, err = f.reqStr("key"); err != nil {
		return r, err
	}
	if value {
		r.Value, err = f.optStr("value")
	}
	return r, err
}

func decodeSetRegisteredModelTag(f fields) (registryTagReq, error) {
	return decodeTagOf(f, false, true)
}

func decodeDeleteRegisteredModelTag(f fields) (registryTagReq, error) {
	return decodeTagOf(f, false, false)
}

func decodeSetModelVersionTag(f fields) (registryTagReq, error) { return decodeTagOf(f, true, true) }

func decodeDeleteModelVersionTag(f fields) (registryTagReq, error) {
	return decodeTagOf(f, true, false)
}

// aliasReq serves the three methods of registered-models/alias; Version is
// read only for POST (setting an alias).
type aliasReq struct {
	Name, Alias string
	Version     int64
}

func decodeAlias(f fields) (r aliasReq, err error) {
	if r.Name, err = f.reqStr("name"); err != nil {
		return r, err
	}
	r.Alias, err = f.reqStr("alias")
	return r, err
}

func decodeSetAlias(f fields) (r aliasReq, err error) {
	if r, err = decodeAlias(f); err != nil {
		return r, err
	}
	r.Version, err = reqVersion(f)
	return r, err
}

type createModelVersionReq struct {
	Name, Source, RunID, RunLink, Description, ModelID string
	Tags                                               []kv
}

func decodeCreateModelVersion(f fields) (r createModelVersionReq, err error) {
	if r.Name, err = f.reqStr("name"); err != nil {
		return r, err
	}
	if r.Source, err = f.reqStr("source"); err != nil {
		return r, err
	}
	for _, o := range []struct {
		name string
		into *string
	}{{"run_id", &r.RunID}, {"run_link", &r.RunLink}, {"description", &r.Description}, {"model_id", &r.ModelID}} {
		if *o.into, err = f.optStr(o.name); err != nil {
			return r, err
		}
	}
	r.Tags, err = f.kvs("tags")
	return r, err
}

type modelVersionReq struct {
	Name    string
	Version int64
}

func decodeModelVersion(f fields) (r modelVersionReq, err error) {
	if r.Name, err = f.reqStr("name"); err != nil {
		return r, err
	}
	r.Version, err = reqVersion(f)
	return r, err
}
