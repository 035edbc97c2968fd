// Package mlflowapi serves MLflow's tracking REST API (version 2.0) over a
// lathe store, so that MLflow's own clients (the Python, Java and R clients,
// the MLflow UI) can log to and read from lathe unchanged.
//
// The package is an http.Handler meant to be embedded: `lathe server` mounts
// it at the root of its listener, and `lathe run` can serve it for the one job
// it runs. It keeps no state of its own beyond the store it was given.
//
// Requests are decoded by a layer (decode.go) that knows nothing of the store,
// so that it can be fuzzed on its own; handlers (experiments.go, runs.go,
// metrics.go) turn decoded requests into store calls; encode.go writes
// responses the way MLflow's protobuf JSON does.
package mlflowapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"

	"github.com/lathe-ml/lathe/store"
)

// DefaultMaxBodyBytes bounds a request body when Options.MaxBodyBytes is zero.
const DefaultMaxBodyBytes = 16 << 20

// DefaultVersion is what GET /version reports when Options.Version is empty:
// the MLflow release whose tracking API this package implements (the newest
// endpoint served, get-history-bulk-interval, appeared in MLflow 2.11).
const DefaultVersion = "2.11.0"

// API path prefixes, as MLflow's server registers them: /api for clients,
// /ajax-api for its web UI.
const (
	apiPrefix  = "/api/2.0/mlflow/"
	ajaxPrefix = "/ajax-api/2.0/mlflow/"
)

// Options tune a Server. The zero value is usable.
type Options struct {
	// Logger receives internal errors (with their detail, which clients
	// never see). Nil discards them.
	Logger *slog.Logger
	// MaxBodyBytes bounds a request body; larger requests are refused with
	// HTTP 413. Zero means DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// Version is returned by GET /version. Empty means DefaultVersion.
	Version string
	// Token, when set, must come with every request but GET /health as
	// "Authorization: Bearer <token>" (what MLflow clients send for
	// MLFLOW_TRACKING_TOKEN); otherwise HTTP 401. A loopback port is open to
	// every user of a shared machine, so lathe run gives each job its own.
	Token string
	// AllowedHosts, when set, is the list of Host header values accepted
	// (host or host:port); others get HTTP 403. It defends a loopback server
	// against DNS rebinding from a browser.
	AllowedHosts []string
	// AllowedOrigins lists the browser origins (scheme://host[:port]) that
	// may call the API. A request with any other Origin header is refused:
	// lathe serves no web UI, so by default no origin is allowed.
	AllowedOrigins []string
	// MaxArtifactBytes bounds one artifact uploaded through the proxy
	// (artifacts.go); zero means DefaultMaxArtifactBytes.
	MaxArtifactBytes int64
}

// Server serves MLflow's tracking REST API over a store. It is an
// http.Handler so that `lathe server` and `lathe run` can embed it. It is safe
// for concurrent use.
type Server struct {
	guard   guard
	st      *store.Store
	log     *slog.Logger
	maxBody int64
	maxArt  int64 // artifact upload cap; see artifactCap
	version string
	// historyPage is how many points one store call reads when a client
	// asks for a whole metric series; tests lower it.
	historyPage int
}

// New returns a Server over st. The caller keeps ownership of st and closes it
// after the server has stopped.
func New(st *store.Store, opt Options) *Server {
	s := &Server{guard: newGuard(opt), st: st, log: opt.Logger, maxBody: opt.MaxBodyBytes, maxArt: opt.MaxArtifactBytes, version: opt.Version, historyPage: historyPage}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.maxBody <= 0 {
		s.maxBody = DefaultMaxBodyBytes
	}
	if s.version == "" {
		s.version = DefaultVersion
	}
	return s
}

// ServeHTTP routes one request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if err := s.guard.check(r); err != nil {
		s.writeError(w, r, err)
		return
	}
	p := r.URL.Path
	switch p {
	case "/health":
		s.plain(w, r, "OK")
		return
	case "/version":
		s.plain(w, r, s.version)
		return
	}
	if s.serveArtifactProxy(w, r) { // streamed bodies: not a JSON endpoint (artifacts.go)
		return
	}
	var name string
	switch {
	case strings.HasPrefix(p, apiPrefix):
		name = p[len(apiPrefix):]
	case strings.HasPrefix(p, ajaxPrefix):
		name = p[len(ajaxPrefix):]
	default:
		s.writeError(w, r, errEndpoint(r.Method, p))
		return
	}
	if s.serveVerbRoute(w, r, name) { // registry and logged models: PATCH, DELETE, path parameters (registry.go)
		return
	}
	rt, ok := routes[name]
	if !ok {
		s.writeError(w, r, errEndpoint(r.Method, p))
		return
	}
	if !rt.allows(r.Method) {
		w.Header().Set("Allow", strings.Join(rt.methods(), ", "))
		s.writeError(w, r, &apiError{status: http.StatusMethodNotAllowed, code: codeBadRequest,
			msg: fmt.Sprintf("method %s is not allowed for %s; use %s", r.Method, p, strings.Join(rt.methods(), " or "))})
		return
	}
	f, err := s.readParams(w, r, rt)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	req, err := rt.decode(f)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	resp, err := rt.handle(s, r.Context(), req)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeJSON(w, r, resp)
}

func (s *Server) plain(w http.ResponseWriter, r *http.Request, body string) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		s.writeError(w, r, &apiError{status: http.StatusMethodNotAllowed, code: codeBadRequest,
			msg: fmt.Sprintf("method %s is not allowed for %s; use GET", r.Method, r.URL.Path)})
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_, _ = io.WriteString(w, body)
}

// readParams gathers a request's parameters as MLflow does: a GET with a
// query string reads the query; anything else reads a JSON body (a POST must
// declare it as application/json). An absent body reads as {}.
func (s *Server) readParams(w http.ResponseWriter, r *http.Request, rt route) (fields, error) {
	if r.Method == http.MethodGet && r.URL.RawQuery != "" {
		q, err := parseQuery(r.URL.RawQuery)
		if err != nil {
			return fields{}, err
		}
		return queryFields(q, rt.repeated), nil
	}
	if r.ContentLength > s.maxBody {
		return fields{}, s.tooLarge()
	}
	if r.Method == http.MethodPost {
		if err := checkContentType(r.Header.Get("Content-Type")); err != nil {
			return fields{}, err
		}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.maxBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return fields{}, s.tooLarge()
		}
		return fields{}, &apiError{status: http.StatusBadRequest, code: codeBadRequest, msg: "could not read the request body: " + err.Error()}
	}
	return parseBody(body)
}

func (s *Server) tooLarge() error {
	return &apiError{status: http.StatusRequestEntityTooLarge, code: codeInvalidParameter,
		msg: fmt.Sprintf("request body is over the server's limit of %d bytes", s.maxBody)}
}

// checkContentType refuses POST bodies not declared as JSON, as MLflow's
// server does (it also keeps browsers' cross-site form posts out).
func checkContentType(ct string) error {
	mt := strings.ToLower(strings.TrimSpace(strings.SplitN(ct, ";", 2)[0]))
	if mt == "application/json" {
		return nil
	}
	msg := "Bad Request. Content-Type must be one of [application/json]."
	if mt != "" && isPrintableToken(mt) {
		msg += fmt.Sprintf(" Got '%s'.", mt)
	}
	return invalidParam(msg)
}

func isPrintableToken(s string) bool {
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || strings.ContainsRune("-/+_.", c)) {
			return false
		}
	}
	return true
}

// writeJSON writes a 200 response. Encoding errors cannot happen for the
// response types of this package, whose floats are all jsonFloat.
func (s *Server) writeJSON(w http.ResponseWriter, r *http.Request, v any) {
	b, err := marshal(v)
	if err != nil {
		s.writeError(w, r, fmt.Errorf("encode response: %w", err))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
}

// marshal is json.Marshal without HTML escaping: filters and messages keep
// their "<" and ">" as MLflow's server writes them.
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// MLflow error codes (mlflow/protos/databricks.proto ErrorCode) used here.
const (
	codeInternal         = "INTERNAL_ERROR"
	codeBadRequest       = "BAD_REQUEST"
	codeInvalidParameter = "INVALID_PARAMETER_VALUE"
	codeEndpointNotFound = "ENDPOINT_NOT_FOUND"
	codeDoesNotExist     = "RESOURCE_DOES_NOT_EXIST"
	codeAlreadyExists    = "RESOURCE_ALREADY_EXISTS"
	codeUnavailable      = "TEMPORARILY_UNAVAILABLE"
)

// apiError is an error a client may see: an MLflow error code, the HTTP
// status MLflow pairs with it, and a message.
type apiError struct {
	status int
	code   string
	msg    string
}

func (e *apiError) Error() string { return e.code + ": " + e.msg }

func invalidParam(msg string) *apiError {
	return &apiError{status: http.StatusBadRequest, code: codeInvalidParameter, msg: msg}
}

func errEndpoint(method, path string) *apiError {
	return &apiError{status: http.StatusNotFound, code: codeEndpointNotFound,
		msg: fmt.Sprintf("No API found for '%s %s'", method, path)}
}

// errorBody is MLflow's error response.
type errorBody struct {
	ErrorCode string `json:"error_code"`
	Message   string `json:"message"`
}

// writeError maps err to MLflow's error code and HTTP status
// (mlflow.exceptions.ERROR_CODE_TO_HTTP_STATUS) and writes it. Errors that
// are not the client's fault are logged and reported generically.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	ae := s.classify(r, err)
	b, _ := marshal(errorBody{ErrorCode: ae.code, Message: ae.msg})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(ae.status)
	_, _ = w.Write(b)
}

func (s *Server) classify(r *http.Request, err error) *apiError {
	var ae *apiError
	switch {
	case errors.As(err, &ae):
		return ae
	case errors.Is(err, store.ErrNotFound):
		return &apiError{status: http.StatusNotFound, code: codeDoesNotExist, msg: storeMessage(err, store.ErrNotFound)}
	case errors.Is(err, store.ErrAlreadyExists):
		return &apiError{status: http.StatusBadRequest, code: codeAlreadyExists, msg: storeMessage(err, store.ErrAlreadyExists)}
	case errors.Is(err, store.ErrInvalid):
		return invalidParam(storeMessage(err, store.ErrInvalid))
	case errors.Is(err, store.ErrInvalidState):
		// MLflow reports writes to deleted runs and experiments as
		// INVALID_PARAMETER_VALUE (400); its INVALID_STATE maps to 500,
		// which clients retry, so it would be wrong here.
		return invalidParam(storeMessage(err, store.ErrInvalidState))
	case errors.Is(err, store.ErrClosed):
		return &apiError{status: http.StatusServiceUnavailable, code: codeUnavailable, msg: "the store is shutting down; retry later"}
	case errors.Is(err, context.Canceled) && r.Context().Err() != nil:
		// The client went away; nobody reads this answer.
		s.log.Debug("mlflow api: request canceled", "method", r.Method, "path", r.URL.Path)
		return &apiError{status: http.StatusServiceUnavailable, code: codeUnavailable, msg: "request canceled"}
	}
	s.log.Error("mlflow api: internal error", "method", r.Method, "path", r.URL.Path, "err", err)
	return &apiError{status: http.StatusInternalServerError, code: codeInternal, msg: "internal server error; the server log has the details"}
}

// storeMessage turns a store error into a sentence for clients. Store
// errors mostly read well alone; older ones and query errors wrap their
// sentinel as "what: sentinel" or "sentinel: what", where "invalid value"
// adds nothing to the error code while "not found" and "already exists" are
// what the message must say, so they stay, only without the colon.
func storeMessage(err, sentinel error) string {
	msg, word := err.Error(), sentinel.Error()
	switch {
	case strings.HasSuffix(msg, ": "+word):
		msg = strings.TrimSuffix(msg, ": "+word)
		if sentinel == store.ErrNotFound || sentinel == store.ErrAlreadyExists {
			msg += " " + word
		}
	case strings.HasPrefix(msg, word+": "):
		msg = strings.TrimPrefix(msg, word+": ")
	}
	return msg
}
