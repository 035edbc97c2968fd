package mlflowimport

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strings"

	"github.com/lathe-ml/lathe/store"
)

// storeModels imports registered models through the store's registry API.
// That API numbers versions itself and stamps them with the current time,
// so version N of the source is created only when the store would number it
// N too (the versions before it are there); the first version that cannot
// keep its number stops the model's import with an error, since models:/M/N
// must keep naming the same thing. Creation times and MLflow's deprecated
// stages are not kept.
type storeModels struct{ st *store.Store }

// ImportModel creates the model if missing, adds missing tags, versions
// (in order) and aliases. created reports whether anything was added.
func (s storeModels) ImportModel(ctx context.Context, m Model) (created bool, err error) {
	have, err := s.st.GetRegisteredModel(ctx, m.Name)
	switch {
	case errors.Is(err, store.ErrNotFound):
		if _, err := s.st.CreateRegisteredModel(ctx, m.Name, m.Description, m.Tags); err != nil {
			return false, err
		}
		created = true
	case err != nil:
		return false, err
	default:
		for _, t := range m.Tags {
			if _, ok := have.Tags[t.Key]; ok {
				continue
			}
			if err := s.st.SetRegisteredModelTag(ctx, m.Name, t.Key, t.Value); err != nil {
				return created, err
			}
			created = true
		}
	}
	versions := map[int64]bool{}
	for token := ""; ; {
		vs, next, err := s.st.SearchModelVersions(ctx, store.RegistryQuery{Name: m.Name, MaxResults: 10000, PageToken: token})
		if err != nil {
			return created, err
		}
		for _, v := range vs {
			versions[v.Version] = true
		}
		if token = next; token == "" {
			break
		}
	}
	ordered := append([]ModelVersion(nil), m.Versions...)
	sort.Slice(ordered, func(i, j int) bool { return ordered[i].Version < ordered[j].Version })
	for _, v := range ordered {
		if versions[v.Version] {
			continue
		}
		runID, src := versionSource(v)
		_, err := s.st.CreateModelVersion(ctx, store.ModelVersionCreate{Name: m.Name, Source: src, RunID: runID,
			RunLink: v.RunLink, Description: v.Description, UserID: v.UserID, Tags: v.Tags, Version: v.Version})
		if err != nil {
			return created, fmt.Errorf("version %d (source %s): %w", v.Version, v.Source, err)
		}
		versions[v.Version], created = true, true
	}
	for alias, v := range m.Aliases {
		if !versions[v] {
			continue
		}
		if have != nil && have.Aliases[alias] == v {
			continue
		}
		if err := s.st.SetModelAlias(ctx, m.Name, alias, v); err != nil {
			return created, fmt.Errorf("alias %s: %w", alias, err)
		}
		created = true
	}
	return created, nil
}

// versionSource rewrites a version's source to runs:/RUN/PATH when it points
// into its run's artifacts (a file:, path or mlflow-artifacts: location
// ".../<run>/artifacts/PATH"): the import copied those artifacts into lathe,
// and the store refuses local paths as sources.
func versionSource(v ModelVersion) (runID, src string) {
	src = v.Source
	if v.RunID == "" {
		return "", src
	}
	p := src
	if u, err := url.Parse(src); err == nil && (u.Scheme == "file" || u.Scheme == "mlflow-artifacts") {
		p = u.Path
	}
	marker := "/" + v.RunID + "/artifacts"
	if i := strings.Index(p, marker); i >= 0 && !strings.HasPrefix(src, "runs:") {
		rest := strings.Trim(p[i+len(marker):], "/")
		return v.RunID, strings.TrimSuffix("runs:/"+v.RunID+"/"+rest, "/")
	}
	return v.RunID, src
}
