package table

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDetect(t *testing.T) {
	tests := []struct {
		path string
		f    Format
		gz   bool
	}{
		{"a.csv", FormatCSV, false}, {"dir/A.CSV", FormatCSV, false}, {"a.tsv", FormatTSV, false},
		{"a.jsonl", FormatJSONL, false}, {"a.ndjson", FormatJSONL, false},
		{"a.parquet", FormatParquet, false}, {"a.pq", FormatParquet, false},
		{"a.csv.gz", FormatCSV, true}, {"a.tsv.gz", FormatTSV, true}, {"a.jsonl.gz", FormatJSONL, true},
		{"a.ndjson.gz", FormatJSONL, true},
	}
	for _, tt := range tests {
		f, gz, err := Detect(tt.path)
		if err != nil || f != tt.f || gz != tt.gz {
			t.Errorf("Detect(%q) = %q, %v, %v; want %q, %v", tt.path, f, gz, err, tt.f, tt.gz)
		}
	}
	for _, p := range []string{"a.txt", "a", "a.gz", "a.parquet.gz", "a.json"} {
		if _, _, err := Detect(p); !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), p) {
			t.Errorf("Detect(%q): err = %v", p, err)
		}
	}
}

func write(t *testing.T, dir, name, data string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func gz(t *testing.T, data string) string {
	t.Helper()
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	w.Write([]byte(data))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestOpenGzip(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	for name, data := range map[string]string{
		"a.csv.gz":   "x,y\n1,2\n",
		"a.tsv.gz":   "x\ty\n1\t2\n",
		"a.jsonl.gz": `{"x":1,"y":2}` + "\n",
	} {
		r, err := Open(ctx, write(t, dir, name, gz(t, data)))
		if err != nil {
			t.Fatal(err)
		}
		rows, err := readAll(t, r)
		r.Close()
		if err != nil || len(rows) != 1 || rows[0][0] != "1" || rows[0][1] != "2" {
			t.Errorf("%s: %q, %v", name, rows, err)
		}
	}
	// Truncated: ErrMalformed naming the file.
	full := gz(t, "x,y\n"+strings.Repeat("1,2\n", 10000))
	p := write(t, dir, "trunc.csv.gz", full[:len(full)/2])
	r, err := Open(ctx, p)
	if err == nil {
		_, err = readAll(t, r)
		r.Close()
	}
	if !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), p) {
		t.Errorf("truncated gzip: err = %v", err)
	}
	fullj := gz(t, strings.Repeat(`{"x":1,"y":2}`+"\n", 10000))
	p = write(t, dir, "trunc.jsonl.gz", fullj[:len(fullj)/2])
	r, err = Open(ctx, p)
	if err == nil {
		_, err = readAll(t, r)
		r.Close()
	}
	if !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), p) {
		t.Errorf("truncated jsonl gzip: err = %v", err)
	}
	// Not gzip at all.
	p = write(t, dir, "plain.csv.gz", "x,y\n1,2\n")
	if _, err := Open(ctx, p); !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), p) {
		t.Errorf("not gzip: err = %v", err)
	}
	// Empty.
	p = write(t, dir, "empty.csv.gz", "")
	if _, err := Open(ctx, p); !errors.Is(err, ErrEmpty) {
		t.Errorf("empty gzip: err = %v", err)
	}
}

func TestOpenMissing(t *testing.T) {
	p := filepath.Join(t.TempDir(), "nope.csv")
	_, err := Open(context.Background(), p)
	if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), p) {
		t.Fatalf("err = %v", err)
	}
}

func TestOpenEmptyFiles(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"e.csv", "e.tsv", "e.jsonl", "e.parquet"} {
		p := write(t, dir, name, "")
		if _, err := Open(context.Background(), p); !errors.Is(err, ErrEmpty) || !strings.Contains(err.Error(), p) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
}

func TestOpenDir(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	write(t, dir, "b.csv", "x,y\n3,4\n")
	write(t, dir, "a.csv", "x,y\n1,2\n")
	write(t, dir, ".hidden.txt", "junk")
	write(t, dir, "_SUCCESS", "")
	os.Mkdir(filepath.Join(dir, "sub"), 0o755)
	r, err := Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for {
		rec, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, filepath.Base(rec.File)+":"+rec.Fields[0])
	}
	r.Close()
	if strings.Join(got, " ") != "a.csv:1 b.csv:3" {
		t.Errorf("rows %q", got)
	}

	mixed := t.TempDir()
	write(t, mixed, "a.csv", "x\n1\n")
	write(t, mixed, "b.jsonl", `{"x":1}`)
	if _, err := Open(ctx, mixed); !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), "a.csv") || !strings.Contains(err.Error(), "b.jsonl") {
		t.Errorf("mixed: err = %v", err)
	}

	differ := t.TempDir()
	write(t, differ, "a.csv", "x,y\n1,2\n")
	write(t, differ, "b.csv", "x,z\n1,2\n")
	if _, err := Open(ctx, differ); !errors.Is(err, ErrSchema) || !strings.Contains(err.Error(), "b.csv") || !strings.Contains(err.Error(), `column 2 is "z", want "y"`) {
		t.Errorf("differ: err = %v", err)
	}

	if _, err := Open(ctx, t.TempDir()); !errors.Is(err, ErrEmpty) {
		t.Errorf("empty dir: err = %v", err)
	}

	// An error in a later file names that file.
	bad := t.TempDir()
	write(t, bad, "a.csv", "x,y\n1,2\n")
	write(t, bad, "b.csv", "x,y\n1,2,3\n")
	r, err = Open(ctx, bad)
	if err != nil {
		t.Fatal(err)
	}
	_, err = readAll(t, r)
	r.Close()
	if !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), "b.csv: line 2") {
		t.Errorf("bad later file: err = %v", err)
	}
}

func TestOpenDirParquet(t *testing.T) {
	dir := t.TempDir()
	b, err := os.ReadFile(filepath.Join(pqDir, "alltypes_plain.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	write(t, dir, "part-0.parquet", string(b))
	write(t, dir, "part-1.parquet", string(b))
	r, err := Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := readAll(t, r)
	r.Close()
	if err != nil || len(rows) != 16 {
		t.Fatalf("%d rows, %v", len(rows), err)
	}
}

func TestColsDiff(t *testing.T) {
	a := []Column{{"x", KindInt}, {"y", KindString}}
	tests := []struct {
		b    []Column
		want string
	}{
		{[]Column{{"x", KindInt}, {"y", KindString}}, ""},
		{[]Column{{"x", KindFloat}, {"y", KindString}}, `column "x" is float, want int`},
		{[]Column{{"x", KindInt}}, `missing column "y"`},
		{[]Column{{"x", KindInt}, {"y", KindString}, {"z", KindUnknown}}, `extra column "z"`},
		{[]Column{{"y", KindString}, {"x", KindInt}}, `column 1 is "y", want "x"`},
	}
	for _, tt := range tests {
		if got := colsDiff(a, tt.b); got != tt.want {
			t.Errorf("colsDiff(%v) = %q, want %q", tt.b, got, tt.want)
		}
	}
}

func TestOpenRealCSV(t *testing.T) {
	for _, tt := range []struct {
		file       string
		cols, rows int
	}{{"iris.csv", 5, 150}, {"wine.csv", 14, 178}} {
		r, err := Open(context.Background(), filepath.Join("../../testdata/table/real", tt.file))
		if err != nil {
			t.Fatal(err)
		}
		rows, err := readAll(t, r)
		r.Close()
		if err != nil || len(r.Columns()) != tt.cols || len(rows) != tt.rows {
			t.Errorf("%s: %d columns, %d rows, %v", tt.file, len(r.Columns()), len(rows), err)
		}
		kinds := make([]Kind, tt.cols)
		for _, row := range rows {
			for i, f := range row {
				kinds[i] = Widen(kinds[i], Infer(f))
			}
		}
		if kinds[0] != KindFloat {
			t.Errorf("%s: first column %q", tt.file, kinds[0])
		}
	}
}

func TestOpenReaderParquetNeedsReaderAt(t *testing.T) {
	_, err := OpenReader(context.Background(), "x.parquet", io.MultiReader(), FormatParquet, false)
	if !errors.Is(err, ErrFormat) {
		t.Fatalf("err = %v", err)
	}
}

// OpenFiles reads files opened elsewhere (stored objects whose own names
// say nothing) by the names given, Parquet included.
func TestOpenFiles(t *testing.T) {
	dir := t.TempDir()
	pq, err := os.ReadFile(filepath.Join(pqDir, "alltypes_plain.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	objs := []string{write(t, dir, "obj1", "a,b\n1,x\n"), write(t, dir, "obj2", "a,b\n2,y\n3,z\n"), write(t, dir, "obj3", string(pq)), write(t, dir, "obj4", "a,c\n1,2\n")}
	open := func(i int) (*os.File, error) { return os.Open(objs[i]) }
	ctx := context.Background()
	r, err := OpenFiles(ctx, "v:1", []string{"p1.csv", "p2.csv"}, open)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := readAll(t, r)
	r.Close()
	if err != nil || len(rows) != 3 || rows[2][1] != "z" {
		t.Fatalf("rows %v, %v", rows, err)
	}
	pqOpen := func(int) (*os.File, error) { return os.Open(objs[2]) }
	r, err = OpenFiles(ctx, "v:2", []string{"x.parquet"}, pqOpen)
	if err != nil {
		t.Fatal(err)
	}
	rows, err = readAll(t, r)
	r.Close()
	if err != nil || len(rows) != 8 {
		t.Fatalf("parquet through OpenFiles: %d rows, %v", len(rows), err)
	}
	shifted := func(i int) (*os.File, error) { return os.Open(objs[[]int{0, 3}[i]]) }
	if _, err := OpenFiles(ctx, "v:3", []string{"p1.csv", "p2.csv"}, shifted); !errors.Is(err, ErrSchema) || !strings.Contains(err.Error(), "v:3") {
		t.Errorf("columns that differ: %v", err)
	}
	if _, err := OpenFiles(ctx, "v:4", []string{"p1.csv", "p2.jsonl"}, open); !errors.Is(err, ErrFormat) {
		t.Errorf("mixed formats: %v", err)
	}
}
