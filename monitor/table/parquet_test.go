package table

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/deprecated"
)

const pqDir = "../../testdata/table/parquet"

func TestParquetExpect(t *testing.T) {
	for _, name := range []string{"delta_binary_packed", "delta_byte_array", "delta_encoding_optional_column"} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			pr, err := Open(ctx, filepath.Join(pqDir, name+".parquet"))
			if err != nil {
				t.Fatal(err)
			}
			defer pr.Close()
			cr, err := Open(ctx, filepath.Join(pqDir, name+"_expect.csv"))
			if err != nil {
				t.Fatal(err)
			}
			defer cr.Close()
			if len(pr.Columns()) != len(cr.Columns()) {
				t.Fatalf("%d columns, want %d", len(pr.Columns()), len(cr.Columns()))
			}
			for n := 0; ; n++ {
				p, perr := pr.Next()
				c, cerr := cr.Next()
				if perr == io.EOF && cerr == io.EOF {
					if n == 0 {
						t.Fatal("no rows")
					}
					return
				}
				if perr != nil || cerr != nil {
					t.Fatalf("row %d: parquet %v, csv %v", n+1, perr, cerr)
				}
				if p.Line != int64(n+1) {
					t.Fatalf("Line %d, want %d", p.Line, n+1)
				}
				for i := range p.Fields {
					pnull := p.Null != nil && p.Null[i]
					if p.Fields[i] != c.Fields[i] || pnull != (c.Fields[i] == "") {
						t.Fatalf("row %d column %s: %q (null %v), want %q", n+1, pr.Columns()[i].Name, p.Fields[i], pnull, c.Fields[i])
					}
				}
			}
		})
	}
}

func TestParquetTypes(t *testing.T) {
	tests := []struct {
		file  string
		kinds map[string]Kind
		row1  map[string]string
		rows  int
	}{
		{"alltypes_plain.parquet",
			map[string]Kind{"id": KindInt, "bool_col": KindBool, "float_col": KindFloat, "double_col": KindFloat,
				"date_string_col": KindString, "timestamp_col": KindTimestamp},
			map[string]string{"id": "4", "bool_col": "true", "double_col": "0", "date_string_col": "03/01/09",
				"timestamp_col": "2009-03-01T00:00:00Z"}, 8},
		{"int96_from_spark.parquet", map[string]Kind{"a": KindTimestamp},
			map[string]string{"a": "2024-01-01T20:34:56.123456Z"}, 6},
		{"byte_stream_split.zstd.parquet", map[string]Kind{"f32": KindFloat, "f64": KindFloat},
			map[string]string{"f32": "1.7640524", "f64": "-1.3065268517353166"}, 300},
		{"byte_array_decimal.parquet", map[string]Kind{"value": KindFloat}, map[string]string{"value": "1.00"}, 24},
		{"fixed_length_decimal.parquet", map[string]Kind{"value": KindFloat}, map[string]string{"value": "1.00"}, 24},
		{"int32_decimal.parquet", map[string]Kind{"value": KindFloat}, map[string]string{"value": "1.00"}, 24},
		{"int64_decimal.parquet", map[string]Kind{"value": KindFloat}, map[string]string{"value": "1.00"}, 24},
		{"binary.parquet", map[string]Kind{"foo": KindString}, map[string]string{"foo": "\x00"}, 12},
		{"rle-dict-uncompressed-corrupt-checksum.parquet", map[string]Kind{"long_field": KindInt, "binary_field": KindString},
			map[string]string{"long_field": "0", "binary_field": "6325c32b-f417-41aa-9e02-9b8601542aff"}, 1000},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			r, err := Open(context.Background(), filepath.Join(pqDir, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			idx := map[string]int{}
			for i, c := range r.Columns() {
				idx[c.Name] = i
				if k, ok := tt.kinds[c.Name]; ok && c.Declared != k {
					t.Errorf("column %s declared %q, want %q", c.Name, c.Declared, k)
				}
			}
			rows, err := readAll(t, r)
			if err != nil {
				t.Fatal(err)
			}
			if len(rows) != tt.rows {
				t.Errorf("%d rows, want %d", len(rows), tt.rows)
			}
			for name, want := range tt.row1 {
				if got := rows[0][idx[name]]; got != want {
					t.Errorf("row 1 %s = %q, want %q", name, got, want)
				}
			}
		})
	}
}

func TestParquetNull(t *testing.T) {
	r, err := Open(context.Background(), filepath.Join(pqDir, "single_nan.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	rec, err := r.Next()
	if err != nil || rec.Null == nil || !rec.Null[0] || rec.Fields[0] != "" {
		t.Fatalf("%+v, %v", rec, err)
	}
}

func TestParquetErrors(t *testing.T) {
	tests := []struct {
		file string
		want error
		msg  string
	}{
		{"nested_lists.snappy.parquet", ErrNested, `column "a" is a list`},
		{"nested_structs.rust.parquet", ErrNested, `column "roll_num" is a group`},
		{"nulls.snappy.parquet", ErrNested, `column "b_struct" is a group`},
		{"ARROW-GH-41317.parquet", ErrNested, "is a list"},
		{"nation.dict-malformed.parquet", ErrMalformed, "row group 1"},
		{"datapage_v1-corrupt-checksum.parquet", ErrMalformed, "checksum"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			path := filepath.Join(pqDir, tt.file)
			r, err := Open(context.Background(), path)
			if err == nil {
				_, err = readAll(t, r)
				r.Close()
			}
			if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.msg) || !strings.Contains(err.Error(), path) {
				t.Fatalf("err = %v, want %v naming %s and %q", err, tt.want, path, tt.msg)
			}
		})
	}
}

// TestParquetCorrupt damages a good file in many ways: every attempt must
// end in an error or EOF, never a panic.
func TestParquetCorrupt(t *testing.T) {
	good, err := os.ReadFile(filepath.Join(pqDir, "alltypes_plain.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	try := func(b []byte) {
		r, err := OpenReader(context.Background(), "bad.parquet", bytes.NewReader(b), FormatParquet, false)
		if err != nil {
			if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrEmpty) && !errors.Is(err, ErrNested) {
				t.Errorf("open: %v", err)
			}
			return
		}
		defer r.Close()
		for {
			if _, err := r.Next(); err != nil {
				return
			}
		}
	}
	try(nil)
	try([]byte("PAR1"))
	try(good[:len(good)/2])
	for i := 0; i < len(good); i += 7 {
		b := bytes.Clone(good)
		b[i] ^= 0xFF
		try(b)
	}
}

// FuzzParquet: damaged files end in an error, never a panic. Known limit:
// parquet-go sizes some decode buffers from lengths inside the pages (RLE
// runs), so a damaged page can make it allocate and clear hundreds of
// megabytes before failing; the fuzzer then runs slowly.
func FuzzParquet(f *testing.F) {
	good, err := os.ReadFile(filepath.Join(pqDir, "alltypes_plain.parquet"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := OpenReader(context.Background(), "f.parquet", bytes.NewReader(b), FormatParquet, false)
		if err != nil {
			return
		}
		defer r.Close()
		for range 10000 {
			if _, err := r.Next(); err != nil {
				return
			}
		}
	})
}

func TestDecimalText(t *testing.T) {
	tests := []struct {
		v     parquet.Value
		scale int32
		want  string
	}{
		{parquet.Int32Value(1250), 2, "12.50"},
		{parquet.Int32Value(-1250), 2, "-12.50"},
		{parquet.Int32Value(5), 3, "0.005"},
		{parquet.Int32Value(-5), 3, "-0.005"},
		{parquet.Int64Value(0), 2, "0.00"},
		{parquet.Int64Value(42), 0, "42"},
		{parquet.Int64Value(42), -2, "4200"},
		{parquet.ByteArrayValue([]byte{0x01, 0x00}), 1, "25.6"},
		{parquet.ByteArrayValue([]byte{0xFF, 0x38}), 2, "-2.00"},
		{parquet.FixedLenByteArrayValue([]byte{0x80, 0, 0, 0, 0, 0, 0, 0, 0}), 0, "-2361183241434822606848"},
	}
	for _, tt := range tests {
		if got := decimalText(tt.v, tt.scale); got != tt.want {
			t.Errorf("decimalText(%v, %d) = %q, want %q", tt.v, tt.scale, got, tt.want)
		}
	}
}

func TestTimeTexts(t *testing.T) {
	if got := timeText(1_700_000_000_123, time.Millisecond); got != "2023-11-14T22:13:20.123Z" {
		t.Errorf("millis: %q", got)
	}
	if got := timeText(-1, time.Microsecond); got != "1969-12-31T23:59:59.999999Z" {
		t.Errorf("micros: %q", got)
	}
	if got := timeText(1, time.Nanosecond); got != "1970-01-01T00:00:00.000000001Z" {
		t.Errorf("nanos: %q", got)
	}
	// Julian day 2440588 is 1970-01-01; one hour of nanoseconds.
	const hour = int64(time.Hour)
	x := deprecated.Int96{uint32(hour & 0xFFFFFFFF), uint32(hour >> 32), 2440588}
	if got := int96Text(x); got != "1970-01-01T01:00:00Z" {
		t.Errorf("int96: %q", got)
	}
}
