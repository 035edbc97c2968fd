package mlflowapi

import (
	"crypto/subtle"
	"net"
	"net/http"
	"strings"
)

// guard holds the checks every request passes before routing: the bearer
// token, the Host allow-list and the Origin allow-list.
type guard struct {
	token   string
	hosts   map[string]bool
	origins map[string]bool
}

func newGuard(opt Options) guard {
	g := guard{token: opt.Token, origins: map[string]bool{}}
	if len(opt.AllowedHosts) > 0 {
		g.hosts = map[string]bool{}
		for _, h := range opt.AllowedHosts {
			g.hosts[strings.ToLower(h)] = true
		}
	}
	for _, o := range opt.AllowedOrigins {
		g.origins[strings.ToLower(strings.TrimSuffix(o, "/"))] = true
	}
	return g
}

const codeUnauthenticated = "UNAUTHENTICATED"
const codePermissionDenied = "PERMISSION_DENIED"

func (g guard) check(r *http.Request) error {
	if g.hosts != nil {
		host := strings.ToLower(r.Host)
		bare := host
		if h, _, err := net.SplitHostPort(host); err == nil {
			bare = h
		}
		if !g.hosts[host] && !g.hosts[bare] {
			return &apiError{status: http.StatusForbidden, code: codePermissionDenied,
				msg: "the Host header " + quote(r.Host) + " is not one this server answers to"}
		}
	}
	if o := r.Header.Get("Origin"); o != "" && !g.origins[strings.ToLower(strings.TrimSuffix(o, "/"))] {
		return &apiError{status: http.StatusForbidden, code: codePermissionDenied,
			msg: "cross-origin requests from " + quote(o) + " are not allowed"}
	}
	if g.token != "" && r.URL.Path != "/health" {
		auth := r.Header.Get("Authorization")
		got, ok := strings.CutPrefix(auth, "Bearer ")
		if !ok || subtle.ConstantTimeCompare([]byte(got), []byte(g.token)) != 1 {
			return &apiError{status: http.StatusUnauthorized, code: codeUnauthenticated,
				msg: "this server needs a bearer token: set MLFLOW_TRACKING_TOKEN (or send Authorization: Bearer <token>)"}
		}
	}
	return nil
}

func quote(s string) string {
	if len(s) > 100 {
		s = s[:100] + "..."
	}
	return `"` + s + `"`
}
