package mlflowimport

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
)

// errNoRegistry: the source has no model registry to read.
var errNoRegistry = errors.New("the server has no model registry endpoints")

// artifacts lists a run's artifacts through artifacts/list, recursively,
// and downloads each file: from a local directory when the artifact URI
// names one that exists here, through the proxied artifact endpoint for
// mlflow-artifacts: URIs, else through the server's get-artifact.
func (s *httpSource) artifacts(ctx context.Context, r *runMeta, fn func(artifactFile) error) error {
	if dir, ok := localArtifactDir(r.artifactURI, "", s.artifactsDir); ok && filepath.IsAbs(dir) && isDir(dir) {
		return localArtifacts(dir, fn)
	}
	download := s.getArtifactURL(r)
	if strings.HasPrefix(r.artifactURI, "mlflow-artifacts:") {
		if u, err := url.Parse(r.artifactURI); err == nil {
			root := strings.Trim(u.Path, "/")
			download = func(p string) string {
				return s.base + "/api/2.0/mlflow-artifacts/artifacts/" + escapePath(root+"/"+p)
			}
		}
	}
	var walk func(dir string) error
	walk = func(dir string) error {
		q := url.Values{"run_id": {r.id}}
		if dir != "" {
			q.Set("path", dir)
		}
		var resp struct {
			Files []struct {
				Path     string  `json:"path"`
				IsDir    bool    `json:"is_dir"`
				FileSize jsonInt `json:"file_size"`
			} `json:"files"`
		}
		if err := s.call(ctx, http.MethodGet, "artifacts/list", q, &resp); err != nil {
			var ae *apiError
			if errors.As(err, &ae) && dir == "" {
				return &unreachableError{r.artifactURI, "the server cannot list them: " + ae.Error()}
			}
			return fmt.Errorf("list artifacts %q: %w", dir, err)
		}
		for _, f := range resp.Files {
			if f.IsDir {
				if err := walk(f.Path); err != nil {
					return err
				}
				continue
			}
			u := download(f.Path)
			open := func(ctx context.Context) (io.ReadCloser, error) {
				rc, err := s.fetch(ctx, u)
				var ae *apiError
				if errors.As(err, &ae) && (ae.status == http.StatusNotFound || ae.status == http.StatusNotImplemented) {
					return nil, &unreachableError{r.artifactURI, "the server lists them but does not serve them for download (" + ae.Error() + ")"}
				}
				return rc, err
			}
			if err := fn(artifactFile{path: f.Path, size: int64(f.FileSize), open: open}); err != nil {
				return err
			}
		}
		return nil
	}
	return walk("")
}

func (s *httpSource) getArtifactURL(r *runMeta) func(string) string {
	return func(p string) string {
		return s.base + "/get-artifact?" + url.Values{"path": {p}, "run_uuid": {r.id}}.Encode()
	}
}

func escapePath(p string) string {
	parts := strings.Split(p, "/")
	for i, s := range parts {
		parts[i] = url.PathEscape(s)
	}
	return strings.Join(parts, "/")
}

// fetch GETs a file; the caller closes the body.
func (s *httpSource) fetch(ctx context.Context, u string) (io.ReadCloser, error) {
	resp, err := s.do(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		defer resp.Body.Close()
		return nil, readAPIError(resp)
	}
	return resp.Body, nil
}

type jsonModelVersion struct {
	Version         jsonInt  `json:"version"`
	Source          string   `json:"source"`
	RunID           string   `json:"run_id"`
	RunLink         string   `json:"run_link"`
	Status          string   `json:"status"`
	StatusMessage   string   `json:"status_message"`
	Stage           string   `json:"current_stage"`
	Description     string   `json:"description"`
	UserID          string   `json:"user_id"`
	CreationTime    jsonInt  `json:"creation_timestamp"`
	LastUpdatedTime jsonInt  `json:"last_updated_timestamp"`
	Tags            []jsonKV `json:"tags"`
}

// models reads registered-models/search and model-versions/search, paged.
func (s *httpSource) models(ctx context.Context) ([]Model, error) {
	var out []Model
	token := ""
	for {
		q := url.Values{"max_results": {"1000"}}
		if token != "" {
			q.Set("page_token", token)
		}
		var resp struct {
			Models []struct {
				Name            string   `json:"name"`
				Description     string   `json:"description"`
				CreationTime    jsonInt  `json:"creation_timestamp"`
				LastUpdatedTime jsonInt  `json:"last_updated_timestamp"`
				Tags            []jsonKV `json:"tags"`
				Aliases         []struct {
					Alias   string  `json:"alias"`
					Version jsonInt `json:"version"`
				} `json:"aliases"`
			} `json:"registered_models"`
			Next string `json:"next_page_token"`
		}
		if err := s.call(ctx, http.MethodGet, "registered-models/search", q, &resp); err != nil {
			var ae *apiError
			if errors.As(err, &ae) && ae.status == http.StatusNotFound && len(out) == 0 {
				return nil, errNoRegistry
			}
			return nil, err
		}
		for _, jm := range resp.Models {
			m := Model{Name: jm.Name, Description: jm.Description, CreationTime: int64(jm.CreationTime),
				LastUpdatedTime: int64(jm.LastUpdatedTime), Tags: tagsOf(jm.Tags)}
			for _, a := range jm.Aliases {
				if m.Aliases == nil {
					m.Aliases = map[string]int64{}
				}
				m.Aliases[a.Alias] = int64(a.Version)
			}
			var err error
			if m.Versions, err = s.modelVersions(ctx, m.Name); err != nil {
				return nil, err
			}
			out = append(out, m)
		}
		if resp.Next == "" || len(resp.Models) == 0 {
			return out, nil
		}
		token = resp.Next
	}
}

func (s *httpSource) modelVersions(ctx context.Context, name string) ([]ModelVersion, error) {
	var out []ModelVersion
	token := ""
	filter := "name='" + strings.ReplaceAll(name, "'", `\'`) + "'"
	for {
		q := url.Values{"filter": {filter}, "max_results": {"1000"}}
		if token != "" {
			q.Set("page_token", token)
		}
		var resp struct {
			Versions []jsonModelVersion `json:"model_versions"`
			Next     string             `json:"next_page_token"`
		}
		if err := s.call(ctx, http.MethodGet, "model-versions/search", q, &resp); err != nil {
			return nil, fmt.Errorf("versions of %q: %w", name, err)
		}
		for _, jv := range resp.Versions {
			if jv.Stage == "Deleted_Internal" {
				continue
			}
			out = append(out, ModelVersion{Version: int64(jv.Version), Source: jv.Source, RunID: jv.RunID,
				RunLink: jv.RunLink, Status: jv.Status, StatusMessage: jv.StatusMessage, Stage: jv.Stage,
				Description: jv.Description, UserID: jv.UserID, CreationTime: int64(jv.CreationTime),
				LastUpdatedTime: int64(jv.LastUpdatedTime), Tags: tagsOf(jv.Tags)})
		}
		if resp.Next == "" || len(resp.Versions) == 0 {
			return out, nil
		}
		token = resp.Next
	}
}
