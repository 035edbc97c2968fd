package mlflowapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/lathe-ml/lathe/store"
)

// MLflow's artifact proxy (the mlflow-artifacts service of `mlflow server
// --serve-artifacts`). A run's artifact_uri is
// mlflow-artifacts:/<experiment_id>/<run_id>/artifacts, and MLflow's
// clients turn it into
//
//	PUT    /api/2.0/mlflow-artifacts/artifacts/<exp>/<run>/artifacts/<path>  upload (raw body)
//	GET    /api/2.0/mlflow-artifacts/artifacts/<exp>/<run>/artifacts/<path>  download (Range works)
//	DELETE /api/2.0/mlflow-artifacts/artifacts/<exp>/<run>/artifacts/<path>  delete a file or directory
//	GET    /api/2.0/mlflow-artifacts/artifacts?path=<exp>/<run>/artifacts/<dir>  list
//
// which this file maps onto the store's artifacts of that run. Bodies are
// streamed: an upload goes straight into the store's object files, never
// whole into memory, under its own cap instead of the JSON body limit.
//
// Paths come from the network, so they are decoded exactly once (the
// escaped request path, or the query parser for ?path=), refused if a
// further decoding would make them unsafe (MLflow decodes until stable),
// and then checked by store.CleanArtifactPath. They never name a file on
// disk: the store keys artifacts by run and path in SQLite and keeps bytes
// under their content hash, and a download checks that the object it opened
// is a regular file of the store (store.OpenBlob refuses anything else).

// DefaultMaxArtifactBytes bounds one uploaded artifact when
// Options.MaxArtifactBytes is zero.
const DefaultMaxArtifactBytes = 64 << 30

// Artifact proxy prefixes, as MLflow registers them.
const (
	artifactsPrefix     = "/api/2.0/mlflow-artifacts/"
	ajaxArtifactsPrefix = "/ajax-api/2.0/mlflow-artifacts/"
)

// mpuUnsupported is the message MLflow's clients look for to fall back from
// multipart to single uploads (mlflow.exceptions._UnsupportedMultipartUploadException).
const mpuUnsupported = "Multipart upload is not supported for the current artifact repository"

func (s *Server) artifactCap() int64 {
	if s.maxArt > 0 {
		return s.maxArt
	}
	return DefaultMaxArtifactBytes
}

// serveArtifactProxy answers requests under the artifact proxy prefixes and
// reports whether the request was one.
func (s *Server) serveArtifactProxy(w http.ResponseWriter, r *http.Request) bool {
	prefix := ""
	for _, p := range []string{artifactsPrefix, ajaxArtifactsPrefix} {
		if strings.HasPrefix(r.URL.Path, p) {
			prefix = p
		}
	}
	if prefix == "" {
		return false
	}
	escaped := r.URL.EscapedPath()
	service := r.URL.Path[len(prefix):]
	switch {
	case service == "artifacts":
		if !s.allowMethods(w, r, http.MethodGet, http.MethodHead) {
			return true
		}
		s.listProxied(w, r)
	case strings.HasPrefix(service, "mpu/"):
		s.writeError(w, r, &apiError{status: http.StatusNotImplemented, code: "NOT_IMPLEMENTED", msg: mpuUnsupported})
	case strings.HasPrefix(service, "artifacts/"):
		raw, ok := strings.CutPrefix(escaped, prefix+"artifacts/")
		if !ok {
			// The prefix itself was percent-encoded: no client does that.
			s.writeError(w, r, invalidParam("Invalid path"))
			return true
		}
		if !s.allowMethods(w, r, http.MethodGet, http.MethodHead, http.MethodPut, http.MethodDelete) {
			return true
		}
		decoded, err := url.PathUnescape(raw)
		if err != nil {
			s.writeError(w, r, invalidParam("Invalid path"))
			return true
		}
		s.serveProxiedFile(w, r, decoded)
	default:
		s.writeError(w, r, errEndpoint(r.Method, r.URL.Path))
	}
	return true
}

func (s *Server) allowMethods(w http.ResponseWriter, r *http.Request, methods ...string) bool {
	for _, m := range methods {
		if r.Method == m {
			return true
		}
	}
	w.Header().Set("Allow", strings.Join(methods, ", "))
	s.writeError(w, r, &apiError{status: http.StatusMethodNotAllowed, code: codeBadRequest,
		msg: fmt.Sprintf("method %s is not allowed for %s; use %s", r.Method, r.URL.Path, strings.Join(methods, " or "))})
	return false
}

// proxied is an artifact path under the proxy root, checked and resolved
// to its run.
type proxied struct {
	run  *store.Run
	path string // relative to the run's artifact root; "" is the root
}

// resolveProxied checks a decoded proxy path, <exp>/<run>/artifacts[/<path>],
// and finds its run. Returns ErrNotFound (via the store) for an unknown run
// or one in another experiment.
func (s *Server) resolveProxied(ctx context.Context, p string) (proxied, error) {
	if err := checkDecodedPath(p, 3); err != nil {
		return proxied{}, err
	}
	parts := strings.SplitN(p, "/", 4)
	layout := invalidParam(fmt.Sprintf("artifact path %q is not <experiment_id>/<run_id>/artifacts/<path>, the layout of lathe's run artifact URIs", p))
	if len(parts) < 3 || parts[2] != "artifacts" {
		return proxied{}, layout
	}
	exp, runID := parts[0], parts[1]
	if _, err := strconv.ParseUint(exp, 10, 63); err != nil {
		return proxied{}, invalidParam(fmt.Sprintf("experiment id %q in the artifact path is not a number", exp))
	}
	if len(runID) != 32 || strings.Trim(runID, "0123456789abcdef") != "" {
		return proxied{}, invalidParam(fmt.Sprintf("run id %q in the artifact path is not 32 lowercase hex digits", runID))
	}
	rest := ""
	if len(parts) == 4 && strings.TrimSuffix(parts[3], "/") != "" {
		clean, err := store.CleanArtifactPath(parts[3])
		if err == nil {
			err = checkDecodedPath(clean, 3)
		}
		if err != nil {
			return proxied{}, invalidParam("Invalid path")
		}
		rest = clean
	}
	run, err := s.st.GetRun(ctx, runID)
	if err != nil {
		return proxied{}, err
	}
	if strconv.FormatInt(run.ExperimentID, 10) != exp {
		return proxied{}, &apiError{status: http.StatusNotFound, code: codeDoesNotExist,
			msg: fmt.Sprintf("run %s is not in experiment %s (its artifact URI is %s)", runID, exp, run.ArtifactURI)}
	}
	return proxied{run: run, path: rest}, nil
}

// checkDecodedPath refuses what MLflow's validate_path_is_safe refuses
// (fragments, backslashes, NUL, absolute, drive and file: paths, ".." and
// "." segments)
// and, up to depth more percent-decodings, anything that would decode into
// such a path: a double-encoded "%252e%252e" is refused, not stored under
// a name that a careless consumer might decode again.
func checkDecodedPath(p string, depth int) error {
	bad := invalidParam("Invalid path")
	if strings.ContainsAny(p, "#\\\x00") || strings.HasPrefix(p, "/") || len(p) >= 2 && p[1] == ':' ||
		len(p) >= 5 && strings.EqualFold(p[:5], "file:") {
		return bad
	}
	for _, seg := range strings.Split(p, "/") {
		if seg == ".." || seg == "." {
			return bad
		}
	}
	if depth > 0 && strings.Contains(p, "%") {
		if again, err := url.PathUnescape(p); err == nil && again != p {
			return checkDecodedPath(again, depth-1)
		}
	}
	return nil
}

func (s *Server) serveProxiedFile(w http.ResponseWriter, r *http.Request, decoded string) {
	ctx := r.Context()
	if r.Method == http.MethodPut && r.ContentLength > s.artifactCap() {
		s.writeError(w, r, s.artifactTooLarge())
		return
	}
	target, err := s.resolveProxied(ctx, decoded)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	switch r.Method {
	case http.MethodPut:
		s.uploadProxied(w, r, target)
	case http.MethodDelete:
		s.deleteProxied(w, r, target)
	default:
		s.downloadProxied(w, r, target)
	}
}

func (s *Server) artifactTooLarge() error {
	return &apiError{status: http.StatusRequestEntityTooLarge, code: codeInvalidParameter,
		msg: fmt.Sprintf("artifact is over the server's limit of %d bytes", s.artifactCap())}
}

// uploadProxied streams the body into the store. A run that cannot take
// artifacts is refused before a byte is read.
func (s *Server) uploadProxied(w http.ResponseWriter, r *http.Request, t proxied) {
	if t.path == "" {
		s.writeError(w, r, invalidParam("an upload needs a file path below the run's artifacts/"))
		return
	}
	if t.run.LifecycleStage != store.StageActive {
		s.writeError(w, r, invalidParam(fmt.Sprintf("the run %s must be in the 'active' state; current state is %s", t.run.ID, t.run.LifecycleStage)))
		return
	}
	body := http.MaxBytesReader(w, r.Body, s.artifactCap())
	if _, err := s.st.LogArtifact(r.Context(), t.run.ID, t.path, body); err != nil {
		var mbe *http.MaxBytesError
		switch {
		case errors.As(err, &mbe):
			err = s.artifactTooLarge()
		case errors.Is(err, io.ErrUnexpectedEOF):
			err = &apiError{status: http.StatusBadRequest, code: codeBadRequest, msg: "the upload ended before its Content-Length"}
		}
		s.writeError(w, r, err)
		return
	}
	s.writeJSON(w, r, struct{}{})
}

// deleteProxied removes a file or a directory; deleting what is not there
// succeeds, as MLflow's artifact repositories do. An empty path deletes
// everything the run has.
func (s *Server) deleteProxied(w http.ResponseWriter, r *http.Request, t proxied) {
	ctx := r.Context()
	paths := []string{t.path}
	if t.path == "" {
		top, err := s.st.ListArtifacts(ctx, t.run.ID, "")
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		paths = paths[:0]
		for _, a := range top {
			paths = append(paths, a.Path)
		}
	}
	for _, p := range paths {
		if _, err := s.st.DeleteArtifacts(ctx, t.run.ID, p); err != nil && !errors.Is(err, store.ErrNotFound) {
			s.writeError(w, r, err)
			return
		}
	}
	s.writeJSON(w, r, struct{}{})
}

// downloadProxied serves one file with http.ServeContent (Range, If-Range
// and HEAD), as an attachment that browsers will not render.
func (s *Server) downloadProxied(w http.ResponseWriter, r *http.Request, t proxied) {
	if t.path == "" {
		s.writeError(w, r, &apiError{status: http.StatusNotFound, code: codeDoesNotExist,
			msg: fmt.Sprintf("run %s's artifact root is a directory; list it with ?path=", t.run.ID)})
		return
	}
	f, _, err := s.st.OpenArtifact(r.Context(), t.run.ID, t.path)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	defer f.Close()
	name := path.Base(t.path)
	ctype := mime.TypeByExtension(path.Ext(name))
	if ctype == "" {
		ctype = "application/octet-stream"
	}
	h := w.Header()
	h.Set("Content-Type", ctype)
	disp := mime.FormatMediaType("attachment", map[string]string{"filename": name})
	if disp == "" {
		disp = "attachment"
	}
	h.Set("Content-Disposition", disp)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	// Objects are named by their SHA-256, which makes a strong ETag (and so
	// lets a client resume with Range + If-Range).
	dir, file := filepath.Split(f.Name())
	if tag := filepath.Base(dir) + file; len(tag) == 64 {
		h.Set("ETag", `"`+tag+`"`)
	}
	http.ServeContent(w, r, name, time.Time{}, f)
}

// proxiedFile is one entry of a proxy listing: MLflow's FileInfo with the
// entry's name (not its full path), file_size only for files.
type proxiedFile struct {
	Path     string `json:"path"`
	IsDir    bool   `json:"is_dir"`
	FileSize *int64 `json:"file_size,omitempty"`
}

type proxiedList struct {
	Files []proxiedFile `json:"files,omitempty"`
}

// listProxied answers GET /mlflow-artifacts/artifacts?path=<dir>. Listing a
// file or a missing directory gives an empty list, as MLflow does.
func (s *Server) listProxied(w http.ResponseWriter, r *http.Request) {
	q, err := parseQuery(r.URL.RawQuery)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if len(q["path"]) > 1 {
		s.writeError(w, r, invalidParam("give the path parameter once"))
		return
	}
	p := strings.TrimSuffix(q.Get("path"), "/")
	if p == "" || strings.Count(p, "/") < 2 {
		if err := checkDecodedPath(p, 3); err != nil {
			s.writeError(w, r, err)
			return
		}
		s.writeError(w, r, invalidParam(fmt.Sprintf("list a run's artifacts: path=<experiment_id>/<run_id>/artifacts[/<dir>] (got %q)", p)))
		return
	}
	t, err := s.resolveProxied(r.Context(), p)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	files, err := s.st.ListArtifacts(r.Context(), t.run.ID, t.path)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var resp proxiedList
	for _, f := range files {
		e := proxiedFile{Path: path.Base(f.Path), IsDir: f.IsDir}
		if !f.IsDir {
			e.FileSize = &f.Size
		}
		resp.Files = append(resp.Files, e)
	}
	s.writeJSON(w, r, resp)
}
