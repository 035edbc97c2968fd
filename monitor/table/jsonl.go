package table

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
)

// JSONL: each non-blank line is one JSON object. The columns are the keys
// of the first object, in order of appearance. A later object may omit a
// key or give null (the field is null) but may not bring a new key: that is
// ErrSchema naming the key and line, because a column that appears late
// would be missing from every row already handed out. A key repeated within
// one object keeps its last value, as Python's json does.
//
// Values keep their JSON text: numbers their literal text ("1.50" stays
// "1.50"), booleans "true" and "false", strings their decoded value (as
// encoding/json decodes them). An array or object value is ErrNested naming
// the key and line. A byte order mark before the first object is skipped.
// Fields point into the reader's line buffer (see Record).

// jsonlReader is the Reader for JSON Lines.
type jsonlReader struct {
	ctx    context.Context
	name   string
	br     *bufio.Reader
	closer io.Closer
	limit  int
	line   int64
	long   []byte // a line longer than br's buffer

	cols   []Column
	index  map[string]int
	fields []string
	null   []bool
	seen   []bool
	first  bool // fields hold the first object, not yet returned
	rows   int
	done   bool
}

func newJSONLReader(ctx context.Context, name string, r io.Reader, closer io.Closer, o options) (Reader, error) {
	j := &jsonlReader{
		ctx: ctx, name: name, br: bufio.NewReaderSize(r, 64<<10), closer: closer,
		limit: 4 * o.maxField, index: map[string]int{},
	}
	line, err := j.readLine()
	if err == io.EOF {
		return nil, fmt.Errorf("%s: %w: no JSON object", name, ErrEmpty)
	}
	if err != nil {
		return nil, err
	}
	if err := j.decode(line, true); err != nil {
		return nil, err
	}
	j.first = true
	return j, nil
}

// Columns implements Reader.
func (j *jsonlReader) Columns() []Column { return j.cols }

// Close implements Reader.
func (j *jsonlReader) Close() error {
	j.done = true
	if j.closer != nil {
		c := j.closer
		j.closer = nil
		return c.Close()
	}
	return nil
}

// Next implements Reader.
func (j *jsonlReader) Next() (Record, error) {
	if j.done {
		return Record{}, io.EOF
	}
	if j.first {
		j.first = false
		return j.record(), nil
	}
	j.rows++
	if j.rows%ctxEvery == 0 {
		if err := j.ctx.Err(); err != nil {
			j.done = true
			return Record{}, fmt.Errorf("%s: line %d: %w", j.name, j.line+1, err)
		}
	}
	line, err := j.readLine()
	if err == nil {
		err = j.decode(line, false)
	}
	if err != nil {
		j.done = true
		return Record{}, err
	}
	return j.record(), nil
}

func (j *jsonlReader) record() Record {
	rec := Record{Fields: j.fields, Line: j.line, File: j.name}
	for _, n := range j.null {
		if n {
			rec.Null = j.null
			break
		}
	}
	return rec
}

// readLine returns the next non-blank line, trimmed, or io.EOF.
func (j *jsonlReader) readLine() ([]byte, error) {
	for {
		b, err := j.br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			j.long = append(j.long[:0], b...)
			for err == bufio.ErrBufferFull {
				if len(j.long) > j.limit {
					return nil, fmt.Errorf("%s: line %d: %w: line over %d bytes", j.name, j.line+1, ErrMalformed, j.limit)
				}
				b, err = j.br.ReadSlice('\n')
				j.long = append(j.long, b...)
			}
			b = j.long
		}
		if err != nil && err != io.EOF {
			return nil, readErr(j.name, j.line+1, err)
		}
		if len(b) == 0 && err == io.EOF {
			return nil, io.EOF
		}
		j.line++
		if t := trimJSONSpace(b); len(t) > 0 {
			return t, nil
		}
		if err == io.EOF {
			return nil, io.EOF
		}
	}
}

// decode parses one object into fields and null; on the first line it
// also sets the columns.
func (j *jsonlReader) decode(line []byte, first bool) error {
	if first {
		line = bytes.TrimPrefix(line, []byte("\xEF\xBB\xBF"))
	}
	clear(j.seen)
	sc := jsonScan{b: line}
	jerr := sc.object(func(key, val string, null bool) *jsonErr {
		i, ok := j.index[key]
		if !ok {
			if !first {
				return &jsonErr{err: ErrSchema, msg: fmt.Sprintf("key %q is not in the first object's keys", key)}
			}
			key = strings.Clone(key) // key points into the line
			i = len(j.cols)
			j.index[key] = i
			j.cols = append(j.cols, Column{Name: key})
			j.fields = append(j.fields, "")
			j.null = append(j.null, false)
			j.seen = append(j.seen, false)
		}
		j.seen[i] = true
		j.fields[i], j.null[i] = val, null
		return nil
	})
	if jerr != nil {
		if jerr.column > 0 {
			return fmt.Errorf("%s: line %d: %w: %s (column %d)", j.name, j.line, jerr.err, jerr.msg, jerr.column)
		}
		return fmt.Errorf("%s: line %d: %w: %s", j.name, j.line, jerr.err, jerr.msg)
	}
	for i, s := range j.seen {
		if !s {
			j.fields[i], j.null[i] = "", true
		}
	}
	return nil
}

// trimJSONSpace trims JSON's whitespace (space, tab, CR, LF) from b.
func trimJSONSpace(b []byte) []byte {
	isSpace := func(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }
	for len(b) > 0 && isSpace(b[0]) {
		b = b[1:]
	}
	for len(b) > 0 && isSpace(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}
