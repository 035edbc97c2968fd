package table

import (
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Option changes how a file is read.
type Option func(*options)

type options struct {
	maxField int
}

// WithMaxFieldBytes sets the largest CSV or TSV field accepted (default
// DefaultMaxFieldBytes); a larger one is ErrMalformed naming the line. It
// also bounds a CSV line at eight times n and a JSONL line at four times n,
// so that a damaged file cannot make a reader buffer without end.
func WithMaxFieldBytes(n int) Option {
	return func(o *options) { o.maxField = n }
}

func buildOptions(opts []Option) options {
	o := options{maxField: DefaultMaxFieldBytes}
	for _, f := range opts {
		f(&o)
	}
	return o
}

// Detect tells a file's format from its name: .csv, .tsv, .jsonl, .ndjson,
// .parquet, .pq, and .csv.gz, .tsv.gz, .jsonl.gz, .ndjson.gz (gz true). The
// match ignores case. Any other name is ErrFormat.
func Detect(path string) (f Format, gz bool, err error) {
	base := strings.ToLower(filepath.Base(path))
	if b, ok := strings.CutSuffix(base, ".gz"); ok {
		base, gz = b, true
	}
	switch filepath.Ext(base) {
	case ".csv":
		f = FormatCSV
	case ".tsv":
		f = FormatTSV
	case ".jsonl", ".ndjson":
		f = FormatJSONL
	case ".parquet", ".pq":
		if gz {
			return "", false, fmt.Errorf("%s: %w: gzip-compressed Parquet is not supported", path, ErrFormat)
		}
		f = FormatParquet
	default:
		return "", false, fmt.Errorf("%s: %w: want .csv, .tsv, .jsonl, .ndjson, .parquet (or .csv.gz, .tsv.gz, .jsonl.gz)", path, ErrFormat)
	}
	return f, gz, nil
}

// Open opens a file, or a directory of files of one format, as one Reader.
// The format comes from the name (see Detect). A directory's files are read
// in name order, skipping subdirectories and names that start with "." or
// "_" (hidden files, Spark's _SUCCESS); they must share
// one format (else ErrFormat naming two files) and one list of columns
// (else ErrSchema naming the file and the difference). A missing path wraps
// fs.ErrNotExist. The Reader checks ctx every few thousand rows.
func Open(ctx context.Context, path string, opts ...Option) (Reader, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("opening table %s: %w", path, err)
	}
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("opening table %s: %w", path, err)
	}
	if st.IsDir() {
		return openDir(ctx, path, opts)
	}
	return openFile(ctx, path, opts)
}

func openFile(ctx context.Context, path string, opts []Option) (Reader, error) {
	if _, _, err := Detect(path); err != nil {
		return nil, err
	}
	fh, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("opening table %s: %w", path, err)
	}
	return openHandle(ctx, path, fh, opts)
}

// openHandle reads an open file in the format its name gives; the Reader
// closes fh (as does a failure here).
func openHandle(ctx context.Context, name string, fh *os.File, opts []Option) (Reader, error) {
	f, gz, err := Detect(name)
	if err != nil {
		fh.Close()
		return nil, err
	}
	var r Reader
	if f == FormatParquet {
		st, err := fh.Stat()
		if err != nil {
			fh.Close()
			return nil, fmt.Errorf("opening table %s: %w", name, err)
		}
		r, err = newParquetReader(ctx, name, fh, st.Size(), fh)
		if err != nil {
			fh.Close()
			return nil, err
		}
		return r, nil
	}
	r, err = openStream(ctx, name, fh, fh, f, gz, buildOptions(opts))
	if err != nil {
		fh.Close()
		return nil, err
	}
	return r, nil
}

// OpenFiles reads several files as one Reader, in the order given, like
// the files of a directory: names give each file's format (see Detect) and
// name it in errors, open(i) opens the i-th (a stored object, say). The
// files must share one format (else ErrFormat) and one list of columns
// (else ErrSchema); every header is checked before a row is read. what
// names the whole in errors ("retail:2").
func OpenFiles(ctx context.Context, what string, names []string, open func(i int) (*os.File, error), opts ...Option) (Reader, error) {
	return openMany(ctx, what, names, func(i int) (Reader, error) {
		fh, err := open(i)
		if err != nil {
			return nil, fmt.Errorf("opening table %s: %w", names[i], err)
		}
		return openHandle(ctx, names[i], fh, opts)
	})
}

// OpenReader reads a stream of the given format (gzip-compressed when gz),
// naming it name in errors. Parquet needs random access: r must then be an
// io.ReaderAt with a Size() int64 method (as *os.File via Stat,
// *bytes.Reader, *strings.Reader); else ErrFormat. Closing the Reader does
// not close r.
func OpenReader(ctx context.Context, name string, r io.Reader, f Format, gz bool, opts ...Option) (Reader, error) {
	if f == FormatParquet {
		ra, ok := r.(interface {
			io.ReaderAt
			Size() int64
		})
		if !ok || gz {
			return nil, fmt.Errorf("%s: %w: Parquet needs an uncompressed io.ReaderAt with Size", name, ErrFormat)
		}
		return newParquetReader(ctx, name, ra, ra.Size(), nil)
	}
	return openStream(ctx, name, r, nil, f, gz, buildOptions(opts))
}

// openStream opens a CSV, TSV or JSONL stream; closer (may be nil) is
// closed by the Reader's Close.
func openStream(ctx context.Context, name string, r io.Reader, closer io.Closer, f Format, gz bool, o options) (Reader, error) {
	if gz {
		zr, err := gzip.NewReader(r)
		if err != nil {
			if err == io.EOF {
				return nil, fmt.Errorf("%s: %w", name, ErrEmpty)
			}
			return nil, fmt.Errorf("%s: %w: gzip: %w", name, ErrMalformed, err)
		}
		r = zr
	}
	switch f {
	case FormatCSV:
		return newCSVReader(ctx, name, r, closer, ',', o)
	case FormatTSV:
		return newCSVReader(ctx, name, r, closer, '\t', o)
	case FormatJSONL:
		return newJSONLReader(ctx, name, r, closer, o)
	}
	return nil, fmt.Errorf("%s: %w: %q", name, ErrFormat, f)
}

// isCorrupt reports whether a read error means damaged compressed bytes.
func isCorrupt(err error) bool {
	return errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, gzip.ErrChecksum) ||
		errors.Is(err, gzip.ErrHeader)
}

// openDir lists a directory's table files and checks that they agree.
func openDir(ctx context.Context, dir string, opts []Option) (Reader, error) {
	files, _, err := Files(dir)
	if err != nil {
		return nil, err
	}
	return openMany(ctx, "table directory "+dir, files, func(i int) (Reader, error) { return openFile(ctx, files[i], opts) })
}

// Files lists the files Open reads for path, with their format: path
// itself, or a directory's files in name order, skipping subdirectories
// and names that start with "." or "_". A directory's files must share one
// format (else ErrFormat naming two); one without table files is ErrEmpty.
// Callers that store what Open reads (lathe data add) list it with Files.
func Files(path string) ([]string, Format, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, "", fmt.Errorf("opening table %s: %w", path, err)
	}
	if !st.IsDir() {
		f, _, err := Detect(path)
		return []string{path}, f, err
	}
	ents, err := os.ReadDir(path)
	if err != nil {
		return nil, "", fmt.Errorf("opening table directory %s: %w", path, err)
	}
	var files []string
	var format Format
	for _, e := range ents { // ReadDir sorts by name
		if e.IsDir() || strings.HasPrefix(e.Name(), ".") || strings.HasPrefix(e.Name(), "_") {
			continue
		}
		p := filepath.Join(path, e.Name())
		f, _, err := Detect(p)
		if err != nil {
			return nil, "", fmt.Errorf("opening table directory %s: %w", path, err)
		}
		if format == "" {
			format = f
		} else if f != format {
			return nil, "", fmt.Errorf("opening table directory %s: %w: %s is %s but %s is %s", path, ErrFormat, files[0], format, p, f)
		}
		files = append(files, p)
	}
	if len(files) == 0 {
		return nil, "", fmt.Errorf("opening table directory %s: %w: no table files (CSV, TSV, JSONL, Parquet)", path, ErrEmpty)
	}
	return files, format, nil
}

// openMany checks that the named files share one format and one list of
// columns, then reads them one after another; openAt(i) opens the i-th.
func openMany(ctx context.Context, what string, names []string, openAt func(i int) (Reader, error)) (Reader, error) {
	if len(names) == 0 {
		return nil, fmt.Errorf("opening %s: %w: no table files", what, ErrEmpty)
	}
	format, _, err := Detect(names[0])
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", what, err)
	}
	for _, n := range names[1:] {
		f, _, err := Detect(n)
		if err != nil {
			return nil, fmt.Errorf("opening %s: %w", what, err)
		}
		if f != format {
			return nil, fmt.Errorf("opening %s: %w: %s is %s but %s is %s", what, ErrFormat, names[0], format, n, f)
		}
	}
	// Open the first file for its columns; check the others' headers now,
	// so that a mismatch is found before any row is read.
	r, err := openAt(0)
	if err != nil {
		return nil, err
	}
	if len(names) == 1 {
		return r, nil
	}
	cols := r.Columns()
	for i := 1; i < len(names); i++ {
		o, err := openAt(i)
		if err != nil {
			r.Close()
			return nil, err
		}
		c := o.Columns()
		o.Close()
		if d := colsDiff(cols, c); d != "" {
			r.Close()
			return nil, fmt.Errorf("opening %s: %w: %s differs from %s: %s", what, ErrSchema, names[i], names[0], d)
		}
	}
	return &multiReader{names: names, openAt: openAt, cur: r, cols: cols}, nil
}

// colsDiff describes how b's columns differ from a's, or "" when their
// names and declared kinds agree.
func colsDiff(a, b []Column) string {
	if slices.Equal(a, b) {
		return ""
	}
	for i := range min(len(a), len(b)) {
		if a[i].Name != b[i].Name {
			return fmt.Sprintf("column %d is %q, want %q", i+1, b[i].Name, a[i].Name)
		}
		if a[i].Declared != b[i].Declared {
			return fmt.Sprintf("column %q is %s, want %s", a[i].Name, kindName(b[i].Declared), kindName(a[i].Declared))
		}
	}
	if len(b) > len(a) {
		return fmt.Sprintf("extra column %q", b[len(a)].Name)
	}
	return fmt.Sprintf("missing column %q", a[len(b)].Name)
}

func kindName(k Kind) string {
	if k == KindUnknown {
		return "untyped"
	}
	return string(k)
}

// multiReader reads the files of a directory (or of OpenFiles) one after
// another.
type multiReader struct {
	names  []string
	openAt func(i int) (Reader, error)
	i      int
	cur    Reader
	cols   []Column
}

func (m *multiReader) Columns() []Column { return m.cols }

func (m *multiReader) Next() (Record, error) {
	for m.cur != nil {
		rec, err := m.cur.Next()
		if err != io.EOF {
			return rec, err
		}
		if err := m.cur.Close(); err != nil {
			m.cur = nil
			return Record{}, fmt.Errorf("closing %s: %w", m.names[m.i], err)
		}
		m.cur = nil
		m.i++
		if m.i == len(m.names) {
			break
		}
		r, err := m.openAt(m.i)
		if err != nil {
			return Record{}, err
		}
		if d := colsDiff(m.cols, r.Columns()); d != "" { // changed since Open
			r.Close()
			return Record{}, fmt.Errorf("%s: %w: %s", m.names[m.i], ErrSchema, d)
		}
		m.cur = r
	}
	return Record{}, io.EOF
}

func (m *multiReader) Close() error {
	if m.cur == nil {
		return nil
	}
	err := m.cur.Close()
	m.cur = nil
	return err
}
