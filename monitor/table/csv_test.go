package table

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"unicode/utf8"
)

// readAll reads every row of r, copying the fields.
func readAll(t testing.TB, r Reader) ([][]string, error) {
	t.Helper()
	var out [][]string
	for {
		rec, err := r.Next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		row := make([]string, len(rec.Fields))
		for i, f := range rec.Fields {
			row[i] = strings.Clone(f)
			if rec.Null != nil && rec.Null[i] != (f == "") {
				t.Fatalf("line %d: Null[%d]=%v for %q", rec.Line, i, rec.Null[i], f)
			}
		}
		out = append(out, row)
	}
}

func openCSV(t testing.TB, data string, opts ...Option) (Reader, error) {
	t.Helper()
	return OpenReader(context.Background(), "t.csv", strings.NewReader(data), FormatCSV, false, opts...)
}

func TestCSV(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		cols  []string
		rows  [][]string
		lines []int64
	}{
		{"plain", "a,b\n1,2\n3,4\n", []string{"a", "b"}, [][]string{{"1", "2"}, {"3", "4"}}, []int64{2, 3}},
		{"no final newline", "a,b\n1,2", []string{"a", "b"}, [][]string{{"1", "2"}}, []int64{2}},
		{"crlf", "a,b\r\n1,2\r\n3,4\r\n", []string{"a", "b"}, [][]string{{"1", "2"}, {"3", "4"}}, []int64{2, 3}},
		{"bom", "\xEF\xBB\xBFa,b\n1,2\n", []string{"a", "b"}, [][]string{{"1", "2"}}, []int64{2}},
		{"header only", "a,b\n", []string{"a", "b"}, nil, nil},
		{"empty fields", "a,b,c\n,,\n1,,3\n", []string{"a", "b", "c"}, [][]string{{"", "", ""}, {"1", "", "3"}}, []int64{2, 3}},
		{"blank lines skipped", "a\n\n1\r\n\r\n2\n", []string{"a"}, [][]string{{"1"}, {"2"}}, []int64{3, 5}},
		{"quoted", "a,b\n\"x,y\",\"say \"\"hi\"\"\"\n", []string{"a", "b"}, [][]string{{"x,y", `say "hi"`}}, []int64{2}},
		{"quoted newline", "a,b\n\"1\r\n2\",3\n4,5\n", []string{"a", "b"}, [][]string{{"1\n2", "3"}, {"4", "5"}}, []int64{2, 4}},
		{"quoted header", "\"a b\",\"c,d\"\n1,2\n", []string{"a b", "c,d"}, [][]string{{"1", "2"}}, []int64{2}},
		{"lone cr is data", "a\nx\ry\n", []string{"a"}, [][]string{{"x\ry"}}, []int64{2}},
		{"unicode", "name\nnaïve 日本\n", []string{"name"}, [][]string{{"naïve 日本"}}, []int64{2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := openCSV(t, tt.in)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			var names []string
			for _, c := range r.Columns() {
				names = append(names, c.Name)
			}
			if !equalStrings(names, tt.cols) {
				t.Fatalf("columns %q, want %q", names, tt.cols)
			}
			var lines []int64
			var rows [][]string
			for {
				rec, err := r.Next()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				if rec.File != "t.csv" {
					t.Errorf("File %q", rec.File)
				}
				lines = append(lines, rec.Line)
				rows = append(rows, append([]string(nil), rec.Fields...))
			}
			if len(rows) != len(tt.rows) {
				t.Fatalf("rows %q, want %q", rows, tt.rows)
			}
			for i := range rows {
				if !equalStrings(rows[i], tt.rows[i]) || lines[i] != tt.lines[i] {
					t.Errorf("row %d: %q line %d, want %q line %d", i, rows[i], lines[i], tt.rows[i], tt.lines[i])
				}
			}
		})
	}
}

func TestCSVNull(t *testing.T) {
	r, err := openCSV(t, "a,b\n1,\n2,3\n")
	if err != nil {
		t.Fatal(err)
	}
	rec, _ := r.Next()
	if rec.Null == nil || rec.Null[0] || !rec.Null[1] {
		t.Errorf("Null = %v, want [false true]", rec.Null)
	}
	rec, _ = r.Next()
	if rec.Null != nil {
		t.Errorf("Null = %v, want nil", rec.Null)
	}
}

func TestTSV(t *testing.T) {
	r, err := OpenReader(context.Background(), "t.tsv", strings.NewReader("a\tb\n1,5\t2\n"), FormatTSV, false)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := readAll(t, r)
	if err != nil || len(rows) != 1 || rows[0][0] != "1,5" || rows[0][1] != "2" {
		t.Fatalf("rows %q, %v", rows, err)
	}
}

func TestCSVErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want error
		msg  string // substring of the error
	}{
		{"empty", "", ErrEmpty, "t.csv"},
		{"blank", "\n\r\n\n", ErrEmpty, "t.csv"},
		{"bom only", "\xEF\xBB\xBF", ErrEmpty, "t.csv"},
		{"duplicate column", "a,b,a\n1,2,3\n", ErrSchema, `line 1: schema mismatch: column "a" at positions 1 and 3`},
		{"ragged long", "a,b,c,d\n1,2,3,4\n1,2,3,4,5\n", ErrMalformed, "t.csv: line 3: malformed data: 5 fields, header has 4"},
		{"ragged short", "a,b\n1\n", ErrMalformed, "line 2: malformed data: 1 fields, header has 2"},
		{"unbalanced quote", "a,b\n1,\"2\n3,4\n", ErrMalformed, "line 2: malformed data: quoted field not closed"},
		{"bare quote", "a,b\n1,x\"y\n", ErrMalformed, "line 2: malformed data: bare quote"},
		{"text after quote", "a,b\n1,\"x\"y\n", ErrMalformed, "line 2: malformed data: extraneous"},
		{"invalid utf8", "a,b\n1,2\n3,\xff\n", ErrMalformed, `line 3: malformed data: invalid UTF-8 in column "b"`},
		{"invalid utf8 quoted", "a,b\n\"\xff\",2\n", ErrMalformed, `line 2: malformed data: invalid UTF-8 in column "a"`},
		{"invalid utf8 header", "a,\xff\n", ErrMalformed, "line 1: malformed data: invalid UTF-8 in column 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := openCSV(t, tt.in)
			if err == nil {
				_, err = readAll(t, r)
			}
			if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("err = %v, want %v containing %q", err, tt.want, tt.msg)
			}
		})
	}
}

func TestCSVFieldLimit(t *testing.T) {
	big := strings.Repeat("x", 100)
	for _, in := range []string{
		"a,b\n1," + big + "\n",         // fast path
		"a,b\n1,\"" + big + "\"\n",     // quoted
		"a,b\n1,\"" + big + "\n" + big, // unclosed, many lines
	} {
		r, err := openCSV(t, in, WithMaxFieldBytes(50))
		if err == nil {
			_, err = readAll(t, r)
		}
		if !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), "line 2: malformed data: field over 50 bytes") {
			t.Errorf("err = %v", err)
		}
	}
	// A line longer than the read buffer, under the limit, is fine.
	long := strings.Repeat("y", 3*csvBufSize)
	r, err := openCSV(t, "a,b\n1,"+long+"\n2,3\n")
	if err != nil {
		t.Fatal(err)
	}
	rows, err := readAll(t, r)
	if err != nil || len(rows) != 2 || rows[0][1] != long {
		t.Fatalf("%d rows, %v", len(rows), err)
	}
	// Past the limit with no newline at all: stop early.
	r, err = openCSV(t, "a\n"+strings.Repeat("z", 3*csvBufSize), WithMaxFieldBytes(csvBufSize))
	if err == nil {
		_, err = readAll(t, r)
	}
	if !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("err = %v", err)
	}
}

func TestCSVContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	data := "a\n" + strings.Repeat("1\n", 3*ctxEvery)
	r, err := OpenReader(ctx, "t.csv", strings.NewReader(data), FormatCSV, false)
	if err != nil {
		t.Fatal(err)
	}
	_, err = readAll(t, r)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
}

// oneByteReader returns one byte per Read, to exercise buffer refills.
type oneByteReader struct{ r io.Reader }

func (o oneByteReader) Read(p []byte) (int, error) { return o.r.Read(p[:1]) }

func TestCSVSmallReads(t *testing.T) {
	in := "\xEF\xBB\xBFa,b\r\n\"1\n2\",x\r\n3,\"\"\"\"\n"
	r, err := OpenReader(context.Background(), "t.csv", oneByteReader{strings.NewReader(in)}, FormatCSV, false)
	if err != nil {
		t.Fatal(err)
	}
	if c := r.Columns(); len(c) != 2 || c[0].Name != "a" {
		t.Fatalf("columns %v", c)
	}
	rows, err := readAll(t, r)
	if err != nil || len(rows) != 2 || rows[0][0] != "1\n2" || rows[1][1] != `"` {
		t.Fatalf("rows %q, %v", rows, err)
	}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// FuzzCSV checks the reader against encoding/csv: the same records, or both
// fail. Our reader may also reject what encoding/csv accepts for reasons of
// its own (invalid UTF-8, duplicate column names).
func FuzzCSV(f *testing.F) {
	for _, s := range []string{
		"a,b\n1,2\n", "a,b\r\n\"x\r\ny\",2\r\n", "a\n\n\"\"\"\"\n", "a,b\n1,\"2\n", "a,b\n1,x\"y\n",
		"\xEF\xBB\xBFa\n1\r", "a,b\n,\n", "a\n\"x\"y\n", "a\r\n\r\n\"\r\n\"\r", "a,\"b\nc\"\n1,2",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		read := func(src io.Reader) ([][]string, error) {
			r, err := OpenReader(context.Background(), "f.csv", src, FormatCSV, false)
			if err != nil {
				return nil, err
			}
			header := make([]string, len(r.Columns()))
			for i, c := range r.Columns() {
				header[i] = c.Name
			}
			rows, err := readAll(t, r)
			return append([][]string{header}, rows...), err
		}
		ours, errOurs := read(bytes.NewReader(in))
		// One byte per read exercises every buffer refill path.
		slow, errSlow := read(oneByteReader{bytes.NewReader(in)})
		if (errOurs == nil) != (errSlow == nil) || fmt.Sprint(ours) != fmt.Sprint(slow) {
			t.Fatalf("one-byte reads differ: %q, %v; want %q, %v", slow, errSlow, ours, errOurs)
		}
		body := in
		if bytes.HasPrefix(body, []byte("\xEF\xBB\xBF")) {
			body = body[3:]
		}
		theirs, errTheirs := csv.NewReader(bytes.NewReader(body)).ReadAll()
		if errTheirs == nil && len(theirs) == 0 {
			errTheirs = ErrEmpty
		}
		switch {
		case errOurs != nil && errTheirs != nil:
			return
		case errOurs != nil:
			if errors.Is(errOurs, ErrSchema) || (errors.Is(errOurs, ErrMalformed) && !utf8.Valid(body)) {
				return
			}
			t.Fatalf("we fail: %v; encoding/csv reads %q", errOurs, theirs)
		case errTheirs != nil:
			t.Fatalf("encoding/csv fails: %v; we read %q", errTheirs, ours)
		}
		if len(ours) != len(theirs) {
			t.Fatalf("we read %q, encoding/csv %q", ours, theirs)
		}
		for i := range ours {
			if !equalStrings(ours[i], theirs[i]) {
				t.Fatalf("record %d: we read %q, encoding/csv %q", i, ours[i], theirs[i])
			}
		}
	})
}
