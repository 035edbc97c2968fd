package mlflowapi

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lathe-ml/lathe/store"
)

// proxyFixture is a served store with one run in experiment 0 holding
// secret.txt, and a canary file beside the store directory that no request
// may read or change.
type proxyFixture struct {
	srv     *httptest.Server
	st      *store.Store
	run     string
	base    string // the run's artifact root under the proxy
	outside string // the directory holding the store directory
	canary  string
}

const (
	canaryData = "CANARY-3b1f: a file outside the store"
	secretData = "run-secret-9d2c"
	proxyRoot  = "/api/2.0/mlflow-artifacts/artifacts/"
)

func newProxyFixture(t *testing.T, adjust func(*Server)) *proxyFixture {
	t.Helper()
	srv, st := newTestServerWith(t, adjust)
	ctx := context.Background()
	r, err := st.CreateRun(ctx, store.RunCreate{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.LogArtifact(ctx, r.ID, "secret.txt", strings.NewReader(secretData)); err != nil {
		t.Fatal(err)
	}
	f := &proxyFixture{srv: srv, st: st, run: r.ID, base: proxyRoot + "0/" + r.ID + "/artifacts",
		outside: filepath.Dir(st.Dir())}
	f.canary = filepath.Join(f.outside, "canary.txt")
	if err := os.WriteFile(f.canary, []byte(canaryData), 0o644); err != nil {
		t.Fatal(err)
	}
	return f
}

// rawDo sends a request whose request-target is exactly target, over a
// plain TCP connection, so that no client library cleans or re-encodes it.
func rawDo(t testing.TB, srv *httptest.Server, method, target string, body []byte) (int, []byte) {
	t.Helper()
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprintf(conn, "%s %s HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s",
		method, target, srv.Listener.Addr(), len(body), body)
	resp, err := http.ReadResponse(bufio.NewReader(conn), &http.Request{Method: method})
	if err != nil {
		t.Fatalf("%s %q: %v", method, target, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// snapshot records every file outside the store directory: its size,
// modification time and mode.
func (f *proxyFixture) snapshot(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(f.outside, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == f.st.Dir() {
			return filepath.SkipDir
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		out[p] = fmt.Sprint(fi.Size(), fi.ModTime().UnixNano(), fi.Mode())
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// untouched checks that nothing outside the store changed since before and
// that the canary still holds its bytes.
func (f *proxyFixture) untouched(t *testing.T, before map[string]string) {
	t.Helper()
	after := f.snapshot(t)
	for p, v := range before {
		if after[p] != v {
			t.Errorf("%s changed: %q -> %q", p, v, after[p])
		}
	}
	for p := range after {
		if _, ok := before[p]; !ok {
			t.Errorf("%s appeared outside the store", p)
		}
	}
	if b, err := os.ReadFile(f.canary); err != nil || string(b) != canaryData {
		t.Errorf("canary: %q %v", b, err)
	}
}

func TestProxyRoundTrip(t *testing.T) {
	f := newProxyFixture(t, nil)
	data := make([]byte, 3<<20) // over the JSON body limit of the test server
	for i := range data {
		data[i] = byte(rand.Uint32())
	}
	status, body := do(t, f.srv, "PUT", f.base+"/model/weights.bin", "application/octet-stream", data)
	if status != 200 || string(body) != "{}" {
		t.Fatalf("upload: %d %s", status, body)
	}
	if st, b := do(t, f.srv, "PUT", f.base+"/empty.txt", "text/plain", nil); st != 200 {
		t.Fatalf("empty upload: %d %s", st, b)
	}

	resp, err := f.srv.Client().Get(f.srv.URL + f.base + "/model/weights.bin")
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !bytes.Equal(got, data) {
		t.Fatalf("download: %d, %d bytes, equal %v", resp.StatusCode, len(got), bytes.Equal(got, data))
	}
	sum := sha256.Sum256(data)
	etag := `"` + hex.EncodeToString(sum[:]) + `"`
	for k, want := range map[string]string{"Content-Disposition": "attachment; filename=weights.bin",
		"X-Content-Type-Options": "nosniff", "ETag": etag, "Accept-Ranges": "bytes"} {
		if g := resp.Header.Get(k); g != want {
			t.Errorf("%s: %q, want %q", k, g, want)
		}
	}

	req, _ := http.NewRequest("GET", f.srv.URL+f.base+"/model/weights.bin", nil)
	req.Header.Set("Range", "bytes=1000-1999")
	req.Header.Set("If-Range", etag)
	resp, err = f.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	got, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusPartialContent || !bytes.Equal(got, data[1000:2000]) {
		t.Fatalf("range: %d, %d bytes", resp.StatusCode, len(got))
	}
	req, _ = http.NewRequest("GET", f.srv.URL+f.base+"/model/weights.bin", nil)
	req.Header.Set("If-None-Match", etag)
	if resp, err = f.srv.Client().Do(req); err != nil || resp.StatusCode != http.StatusNotModified {
		t.Fatalf("conditional: %v %v", resp.StatusCode, err)
	}
	resp.Body.Close()

	list := func(p string) string {
		t.Helper()
		status, body := do(t, f.srv, "GET", "/api/2.0/mlflow-artifacts/artifacts?path="+p, "", nil)
		if status != 200 {
			t.Fatalf("list %s: %d %s", p, status, body)
		}
		return string(body)
	}
	root := "0/" + f.run + "/artifacts"
	if g, want := list(root), `{"files":[{"path":"empty.txt","is_dir":false,"file_size":0},{"path":"model","is_dir":true},{"path":"secret.txt","is_dir":false,"file_size":15}]}`; g != want {
		t.Errorf("list root:\n got %s\nwant %s", g, want)
	}
	if g, want := list(root+"/model/"), `{"files":[{"path":"weights.bin","is_dir":false,"file_size":3145728}]}`; g != want {
		t.Errorf("list model:\n got %s\nwant %s", g, want)
	}
	if g := list(root + "/nothing"); g != "{}" {
		t.Errorf("list of a missing dir: %s", g)
	}
	if status, b := do(t, f.srv, "GET", "/ajax-api/2.0/mlflow-artifacts/artifacts/"+root+"/secret.txt", "", nil); status != 200 || string(b) != secretData {
		t.Errorf("ajax-api download: %d %s", status, b)
	}

	if status, b := do(t, f.srv, "DELETE", f.base+"/model", "", nil); status != 200 || string(b) != "{}" {
		t.Fatalf("delete: %d %s", status, b)
	}
	if status, b := do(t, f.srv, "GET", f.base+"/model/weights.bin", "", nil); status != 404 || !strings.Contains(string(b), codeDoesNotExist) {
		t.Errorf("after delete: %d %s", status, b)
	}
	if status, _ := do(t, f.srv, "DELETE", f.base+"/model", "", nil); status != 200 {
		t.Errorf("deleting what is gone: %d, want 200 as MLflow", status)
	}
}

func TestProxyUploadLimits(t *testing.T) {
	f := newProxyFixture(t, func(s *Server) { s.maxArt = 1000 })
	if status, b := do(t, f.srv, "PUT", f.base+"/big.bin", "", make([]byte, 1001)); status != 413 {
		t.Errorf("declared too large: %d %s", status, b)
	}
	// Without a Content-Length the cap stops the stream part way.
	req, _ := http.NewRequest("PUT", f.srv.URL+f.base+"/big.bin", io.MultiReader(bytes.NewReader(make([]byte, 5000))))
	req.ContentLength = -1
	resp, err := f.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 413 {
		t.Errorf("streamed too large: %d", resp.StatusCode)
	}
	if err := f.st.SetRunStage(context.Background(), f.run, store.StageDeleted); err != nil {
		t.Fatal(err)
	}
	if status, b := do(t, f.srv, "PUT", f.base+"/late.bin", "", []byte("x")); status != 400 || !strings.Contains(string(b), "active") {
		t.Errorf("upload to a deleted run: %d %s", status, b)
	}
	ls, _ := f.st.ListArtifacts(context.Background(), f.run, "")
	if len(ls) != 1 {
		t.Errorf("artifacts after refused uploads: %+v", ls)
	}
	if tmp, _ := os.ReadDir(filepath.Join(f.st.Dir(), store.ObjectsDir, "tmp")); len(tmp) != 0 {
		t.Errorf("partial uploads left in objects/tmp: %v", tmp)
	}
	if status, b := do(t, f.srv, "POST", "/api/2.0/mlflow-artifacts/mpu/create/"+"0/"+f.run+"/artifacts", "application/json", []byte(`{}`)); status != 501 || !strings.Contains(string(b), mpuUnsupported) {
		t.Errorf("multipart: %d %s", status, b)
	}
	if status, _ := do(t, f.srv, "POST", f.base+"/x", "", nil); status != 405 {
		t.Errorf("POST to a file: %d", status)
	}
}

// TestProxyTraversal sends MLflow's path-traversal CVE patterns over real
// HTTP, byte for byte, with every method, and checks that none reads or
// writes anything outside the store, and none reaches another run's file.
func TestProxyTraversal(t *testing.T) {
	f := newProxyFixture(t, nil)
	if _, err := f.st.CreateExperiment(context.Background(), "other", "", nil); err != nil {
		t.Fatal(err)
	}
	run := f.run
	in := "0/" + run + "/artifacts/"
	abs := filepath.ToSlash(f.canary)
	attacks := []string{
		in + "../../../../canary.txt",
		in + "a/../secret.txt",
		"../../canary.txt",
		"/" + abs,
		in + "/" + abs,
		in + "%2e%2e/%2e%2e/%2e%2e/%2e%2e/canary.txt",
		in + "%2E%2E/%2E%2E/%2E%2E/%2E%2E/canary.txt",
		in + "..%2f..%2f..%2f..%2fcanary.txt",
		in + "%252e%252e/%252e%252e/%252e%252e/canary.txt",
		in + "%252e%252e%252f%252e%252e%252fcanary.txt",
		in + "%25252e%25252e/canary.txt",
		in + "x#/../../../../canary.txt",
		in + "secret.txt%23",
		in + "x%3f/../../../canary.txt",
		in + `..\..\..\..\canary.txt`,
		in + "..%5c..%5c..%5ccanary.txt",
		in + "secret.txt%00.png",
		in + "C:/Windows/win.ini",
		in + "file:" + abs,
		in + "./secret.txt",
		"0/../" + run + "/artifacts/secret.txt",
		"0/xyz/artifacts/secret.txt",
		"0/" + strings.ToUpper(run) + "/artifacts/secret.txt",
		"0/" + run[:31] + "/artifacts/secret.txt",
		"0/" + run + "0/artifacts/secret.txt",
		"0/" + run + "/other/secret.txt",
		"1/" + run + "/artifacts/secret.txt", // experiment 1 exists; the run is in 0
		"-1/" + run + "/artifacts/secret.txt",
		"0x0/" + run + "/artifacts/secret.txt",
		"file:///" + abs,
	}
	before := f.snapshot(t)
	for _, a := range attacks {
		for _, method := range []string{"GET", "HEAD", "PUT", "DELETE"} {
			status, body := rawDo(t, f.srv, method, proxyRoot+a, []byte("pwned"))
			if status < 400 || status >= 500 {
				t.Errorf("%s %s: %d %s, want a 4xx refusal", method, a, status, body)
			}
			if bytes.Contains(body, []byte("CANARY")) || bytes.Contains(body, []byte(secretData)) {
				t.Errorf("%s %s leaked: %s", method, a, body)
			}
		}
	}
	for _, q := range []string{in + "../../..", "%2e%2e", "/etc", abs, in + "%252e%252e", in + "..%2f..", "0/" + run, "0/nope/artifacts"} {
		status, body := rawDo(t, f.srv, "GET", "/api/2.0/mlflow-artifacts/artifacts?path="+q, nil)
		if status < 400 || status >= 500 {
			t.Errorf("list %s: %d %s", q, status, body)
		}
	}
	// A "?" ends the path: what follows is a query, and the upload lands
	// inside the run under the name before it.
	if status, body := rawDo(t, f.srv, "PUT", proxyRoot+in+"x?/../../../../canary.txt", []byte("inside")); status != 200 {
		t.Errorf("PUT with a query: %d %s", status, body)
	}
	// ";" is not a separator: "..;" is an ordinary (odd) name inside the run.
	if status, body := rawDo(t, f.srv, "GET", proxyRoot+in+"..;/..;/..;/canary.txt", nil); status != 404 || bytes.Contains(body, []byte("CANARY")) {
		t.Errorf("GET ..;: %d %s", status, body)
	}
	f.untouched(t, before)
	if status, body := rawDo(t, f.srv, "GET", proxyRoot+in+"secret.txt", nil); status != 200 || string(body) != secretData {
		t.Errorf("secret.txt after the attacks: %d %q", status, body)
	}
	if status, body := rawDo(t, f.srv, "GET", proxyRoot+in+"x", nil); status != 200 || string(body) != "inside" {
		t.Errorf("x: %d %q", status, body)
	}
}

// TestProxyRefusesPlantedSymlinks replaces an object with a symbolic link to
// a file outside the store, then its directory with a link to a directory
// outside: the download must fail without serving the outside bytes.
func TestProxyRefusesPlantedSymlinks(t *testing.T) {
	f := newProxyFixture(t, nil)
	sum := sha256.Sum256([]byte(secretData))
	h := hex.EncodeToString(sum[:])
	obj := filepath.Join(f.st.Dir(), store.ObjectsDir, h[:2], h[2:])
	if err := os.Remove(obj); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(f.canary, obj); err != nil {
		t.Fatal(err)
	}
	before := f.snapshot(t)
	status, body := rawDo(t, f.srv, "GET", f.base+"/secret.txt", nil)
	if status != 500 || bytes.Contains(body, []byte("CANARY")) {
		t.Errorf("object replaced by a link: %d %s", status, body)
	}
	f.untouched(t, before)

	evil := filepath.Join(f.outside, "evil")
	if err := os.MkdirAll(evil, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(evil, h[2:]), []byte(canaryData), 0o644); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Dir(obj)
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(evil, dir); err != nil {
		t.Fatal(err)
	}
	before = f.snapshot(t)
	status, body = rawDo(t, f.srv, "GET", f.base+"/secret.txt", nil)
	if status != 500 || bytes.Contains(body, []byte("CANARY")) {
		t.Errorf("object directory replaced by a link: %d %s", status, body)
	}
	var e errorBody
	if err := json.Unmarshal(body, &e); err != nil || e.ErrorCode != codeInternal {
		t.Errorf("error body: %s", body)
	}
	f.untouched(t, before)
}
