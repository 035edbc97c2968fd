// Package table reads tabular data files (CSV, TSV, JSONL, Parquet, and
// gzip-compressed CSV, TSV and JSONL) as one stream of text records, so that
// profiling, validation and drift treat every format alike.
//
// A Reader yields one Record per row: the fields as text (the exact text of
// a CSV field; the canonical text of a JSON or Parquet value) and which of
// them are null. What counts as null depends on the source: an empty CSV
// field, a JSON null or missing key, a Parquet null. Strings such as "NA"
// are not null here; the profiler decides that, with pandas' rules (see
// IsNAString).
//
// Every error a reader returns names the file and, where there is one, the
// line (CSV, JSONL) or row group (Parquet): "data.csv: line 12: ...".
package table

import (
	"errors"
	"io"
)

// Format names a file format.
type Format string

// The formats. Compression is not a format: "x.csv.gz" is FormatCSV with
// Gzip set in the Source.
const (
	FormatCSV     Format = "csv"
	FormatTSV     Format = "tsv"
	FormatJSONL   Format = "jsonl"
	FormatParquet Format = "parquet"
)

// Kind is a column's type, declared by the file (Parquet) or inferred from
// its values (see Infer).
type Kind string

// The kinds. KindUnknown is a column with no non-null value yet.
const (
	KindUnknown     Kind = ""
	KindInt         Kind = "int"
	KindFloat       Kind = "float"
	KindBool        Kind = "bool"
	KindString      Kind = "string"
	KindTimestamp   Kind = "timestamp"
	KindCategorical Kind = "categorical"
)

// Column describes one column of a file.
type Column struct {
	// Name is the column's name: the CSV header field, the JSON key, the
	// Parquet leaf column's name.
	Name string
	// Declared is the type the file declares (Parquet), KindUnknown where
	// the format has none (CSV, JSONL).
	Declared Kind
}

// Record is one row. Fields and Null are owned by the Reader and valid
// only until the next call to Next; copy what must be kept. The CSV and TSV
// readers hand out strings that point into a read buffer they reuse (no
// copy per field is what makes them fast), so a field kept past the next
// call, as a map key for instance, must be copied with strings.Clone.
type Record struct {
	// Fields holds one text per column, in Columns order. A null field's
	// text is "".
	Fields []string
	// Null marks null fields; nil when the row has none.
	Null []bool
	// Line is the 1-based line of the row in the file (CSV, JSONL, after
	// decompression), or the 1-based row number (Parquet).
	Line int64
	// File is the path of the file the row came from (useful when a
	// Reader spans a directory).
	File string
}

// Reader streams the rows of one file.
type Reader interface {
	// Columns returns the columns, fixed for the file.
	Columns() []Column
	// Next returns the next row, or io.EOF after the last one. Any other
	// error names the file and line and ends the stream.
	Next() (Record, error)
	// Close releases the file.
	Close() error
}

// Errors, wrapped with the file and line by the readers.
var (
	// ErrEmpty: a file with no bytes, or (CSV) no header.
	ErrEmpty = errors.New("empty file")
	// ErrFormat: a path whose format cannot be told from its name, or
	// mixed formats in one directory.
	ErrFormat = errors.New("unknown or mixed format")
	// ErrMalformed: bytes that do not parse (ragged row, bad quote,
	// invalid JSON, corrupt Parquet page, truncated gzip...).
	ErrMalformed = errors.New("malformed data")
	// ErrNested: a Parquet or JSON value that is a list, map or struct,
	// which a flat table cannot hold.
	ErrNested = errors.New("nested column")
	// ErrSchema: a duplicate column name, or files of one directory whose
	// columns differ.
	ErrSchema = errors.New("schema mismatch")
)

// Rows is an in-memory Reader over fixed rows, for tests and for callers
// that already hold their data. A nil field pointer in nulls marks a null.
type Rows struct {
	cols []Column
	rows [][]string
	null [][]bool
	i    int
}

// FromRows returns a Reader over rows with the given column names. nulls
// may be nil, or hold one mask per row (nil for a row without nulls).
func FromRows(names []string, rows [][]string, nulls [][]bool) *Rows {
	cols := make([]Column, len(names))
	for i, n := range names {
		cols[i] = Column{Name: n}
	}
	return &Rows{cols: cols, rows: rows, null: nulls}
}

// Columns implements Reader.
func (r *Rows) Columns() []Column { return r.cols }

// Next implements Reader.
func (r *Rows) Next() (Record, error) {
	if r.i >= len(r.rows) {
		return Record{}, io.EOF
	}
	rec := Record{Fields: r.rows[r.i], Line: int64(r.i) + 2}
	if r.null != nil {
		rec.Null = r.null[r.i]
	}
	r.i++
	return rec, nil
}

// Close implements Reader.
func (r *Rows) Close() error { return nil }
