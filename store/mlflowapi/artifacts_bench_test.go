package mlflowapi

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lathe-ml/lathe/store"
)

// BenchmarkArtifactProxy uploads and downloads one large file through the
// artifact proxy over loopback HTTP (the store at its default
// synchronous=FULL, every upload hashed and fsynced) and, in the same run,
// copies the same file with cp(1) and with cp followed by fsync, as the
// yardsticks. It reports MB/s for each and the peak growth of the Go heap
// (HeapInuse, sampled every 2ms) over the whole loop, which stays flat
// when bodies stream. The file is 256 MiB; LATHE_BENCH_ARTIFACT_MB=1024 for
// a gigabyte. Run it without -race:
//
//	go test ./store/mlflowapi -run XXX -bench ArtifactProxy -benchtime 3x
func BenchmarkArtifactProxy(b *testing.B) {
	mb := 256
	if v := os.Getenv("LATHE_BENCH_ARTIFACT_MB"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			b.Fatalf("LATHE_BENCH_ARTIFACT_MB=%q: want a positive number", v)
		}
		mb = n
	}
	size := int64(mb) << 20
	dir := b.TempDir()
	src := filepath.Join(dir, "src.bin")
	writeRandomFile(b, src, size)
	st, err := store.Open(context.Background(), filepath.Join(dir, "store"), store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	srv := httptest.NewServer(New(st, Options{}))
	defer srv.Close()
	run, err := st.CreateRun(context.Background(), store.RunCreate{})
	if err != nil {
		b.Fatal(err)
	}
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}}

	runtime.GC()
	var base runtime.MemStats
	runtime.ReadMemStats(&base)
	var peak atomic.Uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		var m runtime.MemStats
		for {
			runtime.ReadMemStats(&m)
			if m.HeapInuse > peak.Load() {
				peak.Store(m.HeapInuse)
			}
			select {
			case <-stop:
				return
			case <-time.After(2 * time.Millisecond):
			}
		}
	})

	var up, down, cp, cpSync time.Duration
	i := 0
	for b.Loop() {
		i++
		url := fmt.Sprintf("%s%s0/%s/artifacts/file-%d.bin", srv.URL, proxyRoot, run.ID, i)
		t0 := time.Now()
		putFile(b, client, url, src)
		up += time.Since(t0)

		dst := filepath.Join(dir, "down.bin")
		t0 = time.Now()
		getFile(b, client, url, dst, size)
		down += time.Since(t0)

		t0 = time.Now()
		if out, err := exec.Command("cp", src, filepath.Join(dir, "cp.bin")).CombinedOutput(); err != nil {
			b.Fatalf("cp: %v %s", err, out)
		}
		cp += time.Since(t0)
		t0 = time.Now()
		if out, err := exec.Command("cp", src, filepath.Join(dir, "cp2.bin")).CombinedOutput(); err != nil {
			b.Fatalf("cp: %v %s", err, out)
		}
		fsyncFile(b, filepath.Join(dir, "cp2.bin"))
		cpSync += time.Since(t0)
		for _, f := range []string{dst, "cp.bin", "cp2.bin"} {
			os.Remove(filepath.Join(dir, filepath.Base(f)))
		}
	}
	close(stop)
	wg.Wait()
	mbps := func(d time.Duration) float64 { return float64(size) * float64(i) / (1 << 20) / d.Seconds() }
	b.ReportMetric(mbps(up), "upload_MB/s")
	b.ReportMetric(mbps(down), "download_MB/s")
	b.ReportMetric(mbps(cp), "cp_MB/s")
	b.ReportMetric(mbps(cpSync), "cp+fsync_MB/s")
	growth := int64(peak.Load()) - int64(base.HeapInuse)
	b.ReportMetric(float64(max(growth, 0))/(1<<20), "peak_heap_growth_MB")
	b.ReportMetric(float64(mb), "file_MB")
}

func writeRandomFile(b *testing.B, p string, size int64) {
	f, err := os.Create(p)
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.NewChaCha8([32]byte{1})
	if _, err := io.CopyN(f, rng, size); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
}

func putFile(b *testing.B, c *http.Client, url, src string) {
	f, err := os.Open(src)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	req, err := http.NewRequest(http.MethodPut, url, f)
	if err != nil {
		b.Fatal(err)
	}
	fi, _ := f.Stat()
	req.ContentLength = fi.Size()
	resp, err := c.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		b.Fatalf("upload: %d %s", resp.StatusCode, body)
	}
}

func getFile(b *testing.B, c *http.Client, url, dst string, size int64) {
	resp, err := c.Get(url)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	f, err := os.Create(dst)
	if err != nil {
		b.Fatal(err)
	}
	n, err := io.Copy(f, resp.Body)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil || n != size || resp.StatusCode != 200 {
		b.Fatalf("download: %d, %d of %d bytes, %v", resp.StatusCode, n, size, err)
	}
}

func fsyncFile(b *testing.B, p string) {
	f, err := os.OpenFile(p, os.O_RDWR, 0)
	if err != nil {
		b.Fatal(err)
	}
	if err := f.Sync(); err != nil {
		b.Fatal(err)
	}
	f.Close()
}
