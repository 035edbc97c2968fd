package mlflowapi

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lathe-ml/lathe/store"
)

// testClockStart is before any real store's creation: the default
// experiment, stamped by SQLite's own clock at migration, is then the newest.
var testClockStart = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// steppingClock returns a clock that advances one millisecond per reading,
// so that everything the store stamps gets a distinct, ordered time.
func steppingClock() store.Clock {
	var n atomic.Int64
	return func() time.Time {
		return testClockStart.Add(time.Duration(n.Add(1)) * time.Millisecond)
	}
}

type testLogWriter struct{ t testing.TB }

func (w testLogWriter) Write(p []byte) (int, error) {
	w.t.Log(string(bytes.TrimRight(p, "\n")))
	return len(p), nil
}

// testMaxBody keeps the over-limit fixtures small.
const testMaxBody = 1 << 20

// newTestServer opens a store in a temporary directory and serves it on a
// loopback httptest server; both close when the test ends.
func newTestServer(t testing.TB) (*httptest.Server, *store.Store) {
	t.Helper()
	return newTestServerWith(t, nil)
}

// newTestServerWith is newTestServer with a hook to adjust the Server.
func newTestServerWith(t testing.TB, adjust func(*Server)) (*httptest.Server, *store.Store) {
	t.Helper()
	st, err := store.Open(context.Background(), t.TempDir(), store.Options{Clock: steppingClock(), Synchronous: "OFF"})
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(testLogWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	h := New(st, Options{Logger: log, MaxBodyBytes: testMaxBody})
	if adjust != nil {
		adjust(h)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(func() {
		srv.Close()
		if err := st.Close(); err != nil {
			t.Error(err)
		}
	})
	return srv, st
}

// do sends one request and returns the status and body.
func do(t testing.TB, srv *httptest.Server, method, path, contentType string, body []byte) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}
