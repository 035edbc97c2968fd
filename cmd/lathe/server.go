package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/spf13/cobra"

	"github.com/lathe-ml/lathe/store"
	"github.com/lathe-ml/lathe/store/mlflowapi"
)

// shutdownGrace is how long in-flight requests get to finish on shutdown.
const shutdownGrace = 10 * time.Second

func newServerCmd(a *app) *cobra.Command {
	var addr, token string
	var verbose bool
	var allowHosts []string
	var maxArtifactMB int64
	c := &cobra.Command{
		Use:     "server",
		Aliases: []string{"serve"},
		Short:   "Serve the MLflow tracking API over the store",
		Long: `Serve MLflow's tracking REST API (/api/2.0/mlflow/..., /health, /version)
over the store, so MLflow clients log to it: point MLFLOW_TRACKING_URI at the
printed address. The server listens on 127.0.0.1:5000 unless --addr says
otherwise; port 0 picks a free port and prints the real one. It stops
gracefully on Ctrl-C (SIGINT) or SIGTERM, letting requests in flight finish.
Logs go to stderr; -v adds one line per request.

Security: on a loopback address the server answers only to the Host names
127.0.0.1, localhost and [::1] (a defence against DNS rebinding), and it
refuses cross-origin browser requests. Listening on any other address
needs a bearer token (--token or LATHE_SERVER_TOKEN); clients send it by
setting MLFLOW_TRACKING_TOKEN. A token can be required on loopback too.`,
		Example: `  lathe server
  lathe server --addr 127.0.0.1:0
  LATHE_SERVER_TOKEN=$(openssl rand -hex 16) lathe server --addr 0.0.0.0:5000
  # then, in Python:
  #   export MLFLOW_TRACKING_URI=http://127.0.0.1:5000
  #   python train.py   # mlflow.log_metric(...) lands in lathe`,
		Args: exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, args []string) error {
			level := slog.LevelInfo
			if verbose {
				level = slog.LevelDebug
			}
			logger := slog.New(slog.NewTextHandler(a.env.Stderr, &slog.HandlerOptions{Level: level}))
			if maxArtifactMB < 0 {
				return usagef("--max-artifact-mb must be positive")
			}
			return a.withStore(cmd.Context(), func(st *store.Store) error {
				if token == "" {
					token = a.env.Getenv("LATHE_SERVER_TOKEN")
				}
				opt, err := serverGuard(addr, token, allowHosts)
				if err != nil {
					return err
				}
				opt.Logger = logger
				opt.MaxArtifactBytes = maxArtifactMB << 20
				return a.serve(cmd.Context(), st, addr, opt)
			})
		},
	}
	c.Flags().StringVar(&addr, "addr", "127.0.0.1:5000", "host:port to listen on (port 0: any free port)")
	c.Flags().BoolVarP(&verbose, "verbose", "v", false, "log every request")
	c.Flags().StringVar(&token, "token", "", "require this bearer token (default $LATHE_SERVER_TOKEN); needed off loopback")
	c.Flags().StringArrayVar(&allowHosts, "allow-host", nil, "also answer to this Host header name (repeatable)")
	c.Flags().Int64Var(&maxArtifactMB, "max-artifact-mb", 0, "largest artifact upload in MiB (default 64 GiB)")
	return c
}

// serve runs the API on addr until ctx is cancelled, then shuts down
// gracefully. A cancelled context is a clean exit, not an error.
func (a *app) serve(ctx context.Context, st *store.Store, addr string, opt mlflowapi.Options) error {
	logger := opt.Logger
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	api := mlflowapi.New(st, opt)
	srv := &http.Server{
		Handler:           logRequests(api, logger),
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	real := ln.Addr().String()
	url := "http://" + real
	hint := url
	if tcp, ok := ln.Addr().(*net.TCPAddr); ok && tcp.IP.IsUnspecified() {
		hint = fmt.Sprintf("http://127.0.0.1:%d", tcp.Port)
	}
	if a.json {
		b, _ := json.Marshal(map[string]string{"url": url, "addr": real, "store": st.Dir(), "tracking_uri": hint})
		fmt.Fprintln(a.env.Stdout, string(b))
	} else {
		fmt.Fprintf(a.env.Stdout, "lathe server listening on %s (store: %s)\n", url, st.Dir())
		fmt.Fprintf(a.env.Stdout, "Point MLflow clients at it with:\n  export MLFLOW_TRACKING_URI=%s\n", hint)
	}
	logger.Info("serving", "addr", real, "store", st.Dir())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve on %s: %w", real, err)
	case <-ctx.Done():
	}
	logger.Info("shutting down", "grace", shutdownGrace)
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	err = srv.Shutdown(sctx)
	if serr := <-errc; serr != nil && !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	if err != nil {
		return fmt.Errorf("shut down server: %w", err)
	}
	logger.Info("stopped")
	return nil
}

// statusWriter remembers the status code a handler wrote.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// logRequests logs each request at debug level (shown with -v).
func logRequests(h http.Handler, logger *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !logger.Enabled(r.Context(), slog.LevelDebug) {
			h.ServeHTTP(w, r)
			return
		}
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		h.ServeHTTP(sw, r)
		logger.Debug("request", "method", r.Method, "path", r.URL.Path, "status", sw.status,
			"duration", time.Since(start).Round(time.Microsecond), "remote", r.RemoteAddr)
	})
}

// loopbackHosts are the Host names a loopback server answers to.
func loopbackHosts() []string { return []string{"127.0.0.1", "localhost", "::1", "[::1]"} }

// serverGuard decides the API's access rules for a listen address: a
// loopback server answers only to loopback Host names; any other address
// must have a token, since everyone on the network can reach it.
func serverGuard(addr, token string, extraHosts []string) (mlflowapi.Options, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return mlflowapi.Options{}, usagef("--addr %q: want host:port, e.g. 127.0.0.1:5000", addr)
	}
	ip := net.ParseIP(host)
	loopback := host == "localhost" || ip != nil && ip.IsLoopback()
	opt := mlflowapi.Options{Token: token}
	if loopback {
		opt.AllowedHosts = append(loopbackHosts(), extraHosts...)
	} else if token == "" {
		return opt, fmt.Errorf("listening on %s, which is not a loopback address, needs a token: pass --token or set LATHE_SERVER_TOKEN (clients set MLFLOW_TRACKING_TOKEN)", addr)
	} else if len(extraHosts) > 0 {
		opt.AllowedHosts = extraHosts
	}
	return opt, nil
}
