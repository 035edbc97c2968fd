package profile

import (
	"bufio"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/lathe-ml/lathe/monitor/table"
)

// Benchmarks. The CSV is generated once per size into os.TempDir (fixed
// seed, reused by later runs); LATHE_BENCH_MB picks its size (default
// 256). Run:
//
//	go test -run '^$' -bench 'ProfileCSV|EncodingCSVScan' -benchtime 3x ./monitor/profile/
//	LATHE_BENCH_MB=16 go test -run '^$' -bench . -benchtime 1x ./monitor/profile/
//
// BenchmarkProfileCSV also times the encoding/csv baseline scan over the
// same file in every iteration (outside the timed region) and reports its
// MB/s and the ratio, so both figures come from the same run, and the
// peak RSS of the profile (VmHWM, reset after each scan where Linux
// allows), and the CPU seconds of both (robust on a shared machine).

func benchMB() int {
	if n, err := strconv.Atoi(os.Getenv("LATHE_BENCH_MB")); err == nil && n > 0 {
		return n
	}
	return 256
}

// benchCSV writes (once) a CSV of mixed columns: an id, an int, a money
// float, a normal float with 10% empty, a categorical city, a date, a
// free text with 1% quoted commas, a bool.
func benchCSV(b *testing.B) (string, int64) {
	b.Helper()
	mb := benchMB()
	path := filepath.Join(os.TempDir(), fmt.Sprintf("lathe-profile-bench-%dmb-v1.csv", mb))
	if st, err := os.Stat(path); err == nil {
		return path, st.Size()
	}
	tmp, err := os.CreateTemp(os.TempDir(), "lathe-profile-bench-*.csv")
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriterSize(tmp, 1<<20)
	rng := rand.New(rand.NewPCG(1, 2))
	cities := []string{"London", "Paris", "Berlin", "New York", "São Paulo", "Lagos", "Lima"}
	w.WriteString("id,age,income,score,city,joined,comment,flag\n")
	var size int64
	line := make([]byte, 0, 256)
	for i := 0; size < int64(mb)<<20; i++ {
		line = strconv.AppendInt(line[:0], int64(i), 10)
		line = append(line, ',')
		line = strconv.AppendInt(line, int64(18+rng.IntN(80)), 10)
		line = append(line, ',')
		line = strconv.AppendFloat(line, rng.Float64()*1e5, 'f', 2, 64)
		line = append(line, ',')
		if rng.IntN(10) > 0 {
			line = strconv.AppendFloat(line, rng.NormFloat64(), 'g', -1, 64)
		}
		line = append(line, ',')
		line = append(line, cities[rng.IntN(len(cities))]...)
		line = fmt.Appendf(line, ",2024-%02d-%02d,", 1+rng.IntN(12), 1+rng.IntN(28))
		if rng.IntN(100) == 0 {
			line = append(line, `"a comment, with ""quotes"""`...)
		} else {
			line = append(line, "comment "...)
			line = strconv.AppendInt(line, int64(rng.IntN(1000)), 10)
		}
		line = append(line, ',')
		line = strconv.AppendBool(line, rng.IntN(2) == 0)
		line = append(line, '\n')
		w.Write(line)
		size += int64(len(line))
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := tmp.Close(); err != nil {
		b.Fatal(err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		b.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	return path, st.Size()
}

// benchNumeric are the columns the baseline parses as numbers.
var benchNumeric = [...]int{0, 1, 2, 3}

// scanCSV is the baseline: encoding/csv (ReuseRecord) over the file,
// strconv.ParseFloat on the numeric fields.
func scanCSV(b *testing.B, path string) {
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(bufio.NewReaderSize(f, 1<<20))
	r.ReuseRecord = true
	var sum float64
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			b.Fatal(err)
		}
		for _, c := range benchNumeric {
			if v, err := strconv.ParseFloat(rec[c], 64); err == nil {
				sum += v
			}
		}
	}
	_ = sum
}

// benchOptions reads LATHE_BENCH_BUDGET_MB, to force the sketch path on a
// file whose values would fit the default budget.
func benchOptions() Options {
	var o Options
	if n, err := strconv.Atoi(os.Getenv("LATHE_BENCH_BUDGET_MB")); err == nil && n > 0 {
		o.MemoryBudget = int64(n) << 20
	}
	return o
}

func profileFile(b *testing.B, path string) *Result {
	r, err := table.Open(context.Background(), path)
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	res, err := Profile(context.Background(), r, benchOptions())
	if err != nil {
		b.Fatal(err)
	}
	return res
}

// resetPeakRSS returns the heap freed by the file generation to the OS and
// asks Linux to reset VmHWM (writing 5 to clear_refs); where that fails the
// peak covers the whole test process.
func resetPeakRSS() {
	debug.FreeOSMemory()
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
}

// cpuTime is the process's user+system CPU time: on a shared machine,
// where wall-clock rates depend on the neighbours, the CPU seconds of the
// profile against those of the scan still say what the profile costs.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// peakRSSMB reads VmHWM from /proc/self/status, 0 where unavailable.
func peakRSSMB() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
			return kb / 1024
		}
	}
	return 0
}

func BenchmarkProfileCSV(b *testing.B) {
	path, size := benchCSV(b)
	b.SetBytes(size)
	var scan, scanCPU, profCPU time.Duration
	var res *Result
	for b.Loop() {
		b.StopTimer()
		t0, c0 := time.Now(), cpuTime()
		scanCSV(b, path)
		scan += time.Since(t0)
		scanCPU += cpuTime() - c0
		resetPeakRSS() // the peak is the profile's, not the scan's
		c1 := cpuTime()
		b.StartTimer()
		res = profileFile(b, path)
		profCPU += cpuTime() - c1
	}
	if res.Rows == 0 {
		b.Fatal("no rows")
	}
	scanMBs := float64(size) / (1 << 20) * float64(b.N) / scan.Seconds()
	profMBs := float64(size) / (1 << 20) * float64(b.N) / b.Elapsed().Seconds()
	b.ReportMetric(scanMBs, "scan-MB/s")
	b.ReportMetric(profMBs/scanMBs, "x-scan")
	b.ReportMetric(peakRSSMB(), "peak-RSS-MB")
	b.ReportMetric(float64(res.Rows), "rows")
	b.ReportMetric(scanCPU.Seconds()/float64(b.N), "scan-cpu-s/op")
	b.ReportMetric(profCPU.Seconds()/float64(b.N), "cpu-s/op")
	if !res.Exact {
		b.Log("quantiles came from the sketch")
	}
}

func BenchmarkEncodingCSVScan(b *testing.B) {
	path, size := benchCSV(b)
	b.SetBytes(size)
	for b.Loop() {
		scanCSV(b, path)
	}
}

// benchRow is the Parquet benchmark's row: the CSV's mix, typed.
type benchRow struct {
	ID     int64     `parquet:"id"`
	Age    int32     `parquet:"age"`
	Income float64   `parquet:"income"`
	Score  *float64  `parquet:"score,optional"`
	City   string    `parquet:"city,dict"`
	Joined time.Time `parquet:"joined,timestamp(millisecond)"`
	Flag   bool      `parquet:"flag"`
}

const parquetRows = 10_000_000

// benchParquet writes (once) a 10M-row Parquet file with parquet-go's
// generic writer.
func benchParquet(b *testing.B) string {
	b.Helper()
	path := filepath.Join(os.TempDir(), "lathe-profile-bench-10m-v1.parquet")
	if _, err := os.Stat(path); err == nil {
		return path
	}
	tmp, err := os.CreateTemp(os.TempDir(), "lathe-profile-bench-*.parquet")
	if err != nil {
		b.Fatal(err)
	}
	w := parquet.NewGenericWriter[benchRow](tmp)
	rng := rand.New(rand.NewPCG(3, 4))
	cities := []string{"London", "Paris", "Berlin", "New York", "São Paulo", "Lagos", "Lima"}
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	rows := make([]benchRow, 0, 4096)
	for i := 0; i < parquetRows; i++ {
		row := benchRow{
			ID: int64(i), Age: int32(18 + rng.IntN(80)), Income: rng.Float64() * 1e5,
			City: cities[rng.IntN(len(cities))], Joined: base.Add(time.Duration(rng.IntN(365*24)) * time.Hour),
			Flag: rng.IntN(2) == 0,
		}
		if rng.IntN(10) > 0 {
			s := rng.NormFloat64()
			row.Score = &s
		}
		rows = append(rows, row)
		if len(rows) == cap(rows) || i == parquetRows-1 {
			if _, err := w.Write(rows); err != nil {
				b.Fatal(err)
			}
			rows = rows[:0]
		}
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	if err := tmp.Close(); err != nil {
		b.Fatal(err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		b.Fatal(err)
	}
	return path
}

func BenchmarkProfileParquet(b *testing.B) {
	path := benchParquet(b)
	resetPeakRSS()
	var res *Result
	c0 := cpuTime()
	for b.Loop() {
		res = profileFile(b, path)
	}
	b.ReportMetric((cpuTime()-c0).Seconds()/float64(b.N), "cpu-s/op")
	if res.Rows != parquetRows {
		b.Fatalf("rows %d", res.Rows)
	}
	b.ReportMetric(float64(res.Rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(peakRSSMB(), "peak-RSS-MB")
}

// BenchmarkExactQuantiles selects the seven quantiles of 4M kept values.
func BenchmarkExactQuantiles(b *testing.B) {
	rng := rand.New(rand.NewPCG(5, 6))
	var v values
	for range 4 << 20 {
		if err := v.push(rng.Float64() * 1e5); err != nil {
			b.Fatal(err)
		}
	}
	defer v.free()
	c0 := cpuTime()
	for b.Loop() {
		v.exactQuantiles(quantileLevels())
	}
	b.ReportMetric((cpuTime()-c0).Seconds()/float64(b.N), "cpu-s/op")
}
