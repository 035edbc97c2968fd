package table

import (
	"bytes"
	"context"
	"encoding/csv"
	"io"
	"math/rand/v2"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"
)

// benchCSV returns a ~64 MB CSV of mixed columns (ints, floats, a short
// categorical string, a date, a quoted text with a comma, empty fields),
// built once per test binary.
var benchCSV = sync.OnceValue(func() []byte {
	rng := rand.New(rand.NewPCG(1, 2))
	var b bytes.Buffer
	b.WriteString("id,age,income,score,city,joined,comment,flag\n")
	cities := []string{"London", "Paris", "Berlin", "New York", "São Paulo"}
	for i := 0; b.Len() < 64<<20; i++ {
		b.WriteString(strconv.Itoa(i))
		b.WriteByte(',')
		b.WriteString(strconv.Itoa(18 + rng.IntN(80)))
		b.WriteByte(',')
		b.WriteString(strconv.FormatFloat(rng.Float64()*1e5, 'f', 2, 64))
		b.WriteByte(',')
		if rng.IntN(10) > 0 {
			b.WriteString(strconv.FormatFloat(rng.NormFloat64(), 'g', -1, 64))
		}
		b.WriteByte(',')
		b.WriteString(cities[rng.IntN(len(cities))])
		b.WriteString(",2024-0")
		b.WriteByte(byte('1' + rng.IntN(9)))
		b.WriteString("-1")
		b.WriteByte(byte('0' + rng.IntN(10)))
		b.WriteByte(',')
		if rng.IntN(20) == 0 {
			b.WriteString(`"a comment, with ""quotes"""`)
		} else {
			b.WriteString("plain comment text")
		}
		b.WriteByte(',')
		b.WriteString(strconv.FormatBool(rng.IntN(2) == 0))
		b.WriteByte('\n')
	}
	return b.Bytes()
})

// cpuTime is the process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// cpuRate wraps a benchmark loop and reports MB per CPU second as
// "cpu-MB/s", which holds steady on a busy machine where wall-clock MB/s
// does not.
func cpuRate(b *testing.B, size int, loop func()) {
	b.SetBytes(int64(size))
	b.ReportAllocs()
	start := cpuTime()
	n := 0
	for b.Loop() {
		loop()
		n++
	}
	if d := cpuTime() - start; d > 0 {
		b.ReportMetric(float64(size)*float64(n)/1e6/d.Seconds(), "cpu-MB/s")
	}
}

// numericCols are the columns of benchCSV that both benchmarks parse as
// numbers, as a profiler would.
var numericCols = []int{0, 1, 2, 3}

// BenchmarkCSV reads benchCSV with our reader and parses the numeric
// fields.
func BenchmarkCSV(b *testing.B) {
	data := benchCSV()
	cpuRate(b, len(data), func() {
		r, err := OpenReader(context.Background(), "bench.csv", bytes.NewReader(data), FormatCSV, false)
		if err != nil {
			b.Fatal(err)
		}
		var sum float64
		for {
			rec, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			for _, c := range numericCols {
				if v, err := strconv.ParseFloat(rec.Fields[c], 64); err == nil {
					sum += v
				}
			}
		}
		_ = sum
	})
}

// BenchmarkCSVScan is BenchmarkCSV without the number parsing: the
// reader's own cost.
func BenchmarkCSVScan(b *testing.B) {
	data := benchCSV()
	cpuRate(b, len(data), func() {
		r, err := OpenReader(context.Background(), "bench.csv", bytes.NewReader(data), FormatCSV, false)
		if err != nil {
			b.Fatal(err)
		}
		for {
			if _, err := r.Next(); err == io.EOF {
				break
			} else if err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkEncodingCSV is the baseline: encoding/csv (ReuseRecord on) over
// the same bytes, parsing the same numeric fields.
func BenchmarkEncodingCSV(b *testing.B) {
	data := benchCSV()
	cpuRate(b, len(data), func() {
		r := csv.NewReader(bytes.NewReader(data))
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
			for _, c := range numericCols {
				if v, err := strconv.ParseFloat(rec[c], 64); err == nil {
					sum += v
				}
			}
		}
		_ = sum
	})
}

// BenchmarkEncodingCSVScan is BenchmarkCSVScan's baseline: encoding/csv
// with ReuseRecord, no number parsing.
func BenchmarkEncodingCSVScan(b *testing.B) {
	data := benchCSV()
	cpuRate(b, len(data), func() {
		r := csv.NewReader(bytes.NewReader(data))
		r.ReuseRecord = true
		for {
			if _, err := r.Read(); err == io.EOF {
				break
			} else if err != nil {
				b.Fatal(err)
			}
		}
	})
}

// benchJSONL is benchCSV's first 16 MB of rows as JSON Lines.
var benchJSONL = sync.OnceValue(func() []byte {
	r, err := OpenReader(context.Background(), "bench.csv", bytes.NewReader(benchCSV()), FormatCSV, false)
	if err != nil {
		panic(err)
	}
	var b bytes.Buffer
	cols := r.Columns()
	for b.Len() < 16<<20 {
		rec, err := r.Next()
		if err != nil {
			break
		}
		b.WriteByte('{')
		for i, f := range rec.Fields {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(strconv.Quote(cols[i].Name))
			b.WriteByte(':')
			switch {
			case f == "":
				b.WriteString("null")
			case i < 4:
				b.WriteString(f)
			default:
				b.WriteString(strconv.Quote(f))
			}
		}
		b.WriteString("}\n")
	}
	return b.Bytes()
})

// BenchmarkJSONL reads benchJSONL.
func BenchmarkJSONL(b *testing.B) {
	data := benchJSONL()
	cpuRate(b, len(data), func() {
		r, err := OpenReader(context.Background(), "bench.jsonl", bytes.NewReader(data), FormatJSONL, false)
		if err != nil {
			b.Fatal(err)
		}
		for {
			if _, err := r.Next(); err == io.EOF {
				break
			} else if err != nil {
				b.Fatal(err)
			}
		}
	})
}
