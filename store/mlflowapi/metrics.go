package mlflowapi

import (
	"context"
	"math"
	"path"
	"strings"

	"github.com/lathe-ml/lathe/store"
)

// historyPage is how many points one store call reads when a client asks
// for a whole series, and the page size when it pages without max_results
// (MLflow's GET_METRIC_HISTORY_MAX_RESULTS).
const historyPage = 25000

// metricHistory answers one page when the client pages (max_results or
// page_token given) and the whole series otherwise, as MLflow's SQL store
// does for clients that predate paging.
func (s *Server) metricHistory(ctx context.Context, r metricHistoryReq) (any, error) {
	offset, err := decodePageToken(r.PageToken)
	if err != nil {
		return nil, err
	}
	if r.MaxResults == 0 && r.PageToken == "" {
		var all []store.Metric
		for {
			pts, next, err := s.st.MetricHistory(ctx, r.RunID, r.MetricKey, offset, s.historyPage)
			if err != nil {
				return nil, err
			}
			all = append(all, pts...)
			if next == 0 {
				break
			}
			offset = next
		}
		return metricHistoryResponse{Metrics: encodeMetrics(all)}, nil
	}
	limit := historyPage
	if r.MaxResults > 0 {
		limit = int(min(r.MaxResults, math.MaxInt32))
	}
	pts, next, err := s.st.MetricHistory(ctx, r.RunID, r.MetricKey, offset, limit)
	if err != nil {
		return nil, err
	}
	resp := metricHistoryResponse{Metrics: encodeMetrics(pts)}
	if next > 0 {
		resp.NextPageToken = encodePageToken(next)
	}
	return resp, nil
}

func (s *Server) bulkInterval(ctx context.Context, r bulkIntervalReq) (any, error) {
	series, err := s.st.MetricBulkInterval(ctx, r.RunIDs, r.MetricKey, r.StartStep, r.EndStep, r.MaxResults)
	if err != nil {
		return nil, err
	}
	var resp bulkIntervalResponse
	for _, ip := range series {
		for _, m := range ip.Points {
			resp.Metrics = append(resp.Metrics, metricWithRunIDJSON{
				Key: m.Key, Value: jsonFloat(m.Value), Timestamp: m.Timestamp, Step: m.Step, RunID: ip.RunID,
			})
		}
	}
	return resp, nil
}

// artifactDir checks a listed path as MLflow's validate_path_is_safe does,
// then as the store checks artifact paths, and returns it in the store's
// form: relative, no trailing slash, "" for the root.
func artifactDir(p string) (string, error) {
	bad := invalidParam("Invalid path")
	if strings.ContainsAny(p, "#\\\x00") || strings.HasPrefix(p, "/") || len(p) >= 2 && p[1] == ':' {
		return "", bad
	}
	for _, part := range strings.Split(p, "/") {
		if part == ".." {
			return "", bad
		}
	}
	if p == "" {
		return "", nil
	}
	if p = path.Clean(p); p == "." {
		return "", nil
	}
	clean, err := store.CleanArtifactPath(p)
	if err != nil {
		return "", bad
	}
	return clean, nil
}

// listArtifacts lists one directory in full; MLflow's page_token is accepted
// and ignored, as its local and proxied artifact repositories do.
func (s *Server) listArtifacts(ctx context.Context, r listArtifactsReq) (any, error) {
	dir, err := artifactDir(r.Path)
	if err != nil {
		return nil, err
	}
	run, err := s.st.GetRun(ctx, r.RunID)
	if err != nil {
		return nil, err
	}
	files, err := s.st.ListArtifacts(ctx, r.RunID, dir)
	if err != nil {
		return nil, err
	}
	resp := listArtifactsResponse{RootURI: run.ArtifactURI}
	for _, f := range files {
		resp.Files = append(resp.Files, fileInfoJSON{Path: f.Path, IsDir: f.IsDir, FileSize: f.Size})
	}
	return resp, nil
}
