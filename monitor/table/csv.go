package table

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"math/bits"
	"strconv"
	"strings"
	"unicode/utf8"
	"unsafe"
)

// CSV parsing follows RFC 4180 with encoding/csv's defaults (no lazy
// quotes, no comments, no space trimming), which FuzzCSV checks:
//
//   - the first record is the header; every later record must have as many
//     fields;
//   - a field may be quoted; inside quotes a doubled quote is a quote, and
//     separators and newlines are data; after the closing quote comes a
//     separator or the end of the line;
//   - a quote inside an unquoted field is an error;
//   - "\r\n" is read as "\n", inside quoted fields too; a lone "\r" is data,
//     except at the very end of the file;
//   - empty lines are skipped (pandas skips them too);
//   - a leading UTF-8 byte order mark is dropped.
//
// Unlike encoding/csv it rejects invalid UTF-8 and fields over a size limit.
//
// Speed comes from three things: one large buffer read with few system
// calls, a fast path for lines without quotes that splits the line in place
// (no copy: fields point into the read buffer), and no allocation per
// record (the Fields and Null slices are reused). The price is the
// lifetime rule of Record: fields are valid only until the next Next.

const (
	// DefaultMaxFieldBytes is the largest field a CSV reader accepts unless
	// told otherwise (WithMaxFieldBytes): a guard against a missing closing
	// quote swallowing the rest of a large file into memory.
	DefaultMaxFieldBytes = 16 << 20

	csvFirstBuf = 16 << 10 // first read buffer: small inputs stay cheap
	csvBufSize  = 1 << 20  // read buffer once the input outgrows the first
	ctxEvery    = 4096     // rows between context checks
)

// csvReader is the Reader for CSV and TSV.
type csvReader struct {
	ctx    context.Context
	name   string
	src    io.Reader
	closer io.Closer
	sep    byte
	limit  int

	buf      []byte // read buffer; buf[pos:end] is unread
	pos, end int
	eof      bool  // src returned io.EOF
	rerr     error // src returned another error
	line     int64 // lines consumed so far

	cols   []Column
	fields []string
	null   []bool
	rec    []byte // field bytes of a record on the slow path
	idx    []int  // field end offsets into rec on the slow path
	rows   int
	done   bool
}

func newCSVReader(ctx context.Context, name string, src io.Reader, closer io.Closer, sep byte, o options) (*csvReader, error) {
	r := &csvReader{
		ctx: ctx, name: name, src: src, closer: closer, sep: sep,
		limit: o.maxField,
		buf:   make([]byte, csvFirstBuf),
	}
	if r.limit <= 0 {
		r.limit = DefaultMaxFieldBytes
	}
	for r.end < 3 && !r.eof { // enough bytes to see a byte order mark
		if err := r.fill(); err != nil {
			return nil, err
		}
	}
	if r.end >= 3 && r.buf[0] == 0xEF && r.buf[1] == 0xBB && r.buf[2] == 0xBF {
		r.pos = 3
	}
	n, line, err := r.record()
	if err == io.EOF {
		return nil, fmt.Errorf("%s: %w: no header", name, ErrEmpty)
	}
	if err != nil {
		return nil, err
	}
	r.cols = make([]Column, n)
	seen := make(map[string]int, n)
	for i := range n {
		name := strings.Clone(r.fields[i]) // fields point into reused buffers
		if j, ok := seen[name]; ok {
			return nil, fmt.Errorf("%s: line %d: %w: column %q at positions %d and %d",
				r.name, line, ErrSchema, name, j+1, i+1)
		}
		seen[name] = i
		r.cols[i] = Column{Name: name}
	}
	return r, nil
}

// Columns implements Reader.
func (r *csvReader) Columns() []Column { return r.cols }

// Close implements Reader.
func (r *csvReader) Close() error {
	r.done = true
	if r.closer != nil {
		c := r.closer
		r.closer = nil
		return c.Close()
	}
	return nil
}

// Next implements Reader. The strings in the Record point into the reader's
// buffers and are overwritten by the next call.
func (r *csvReader) Next() (Record, error) {
	if r.done {
		return Record{}, io.EOF
	}
	r.rows++
	if r.rows%ctxEvery == 0 {
		if err := r.ctx.Err(); err != nil {
			r.done = true
			return Record{}, fmt.Errorf("%s: line %d: %w", r.name, r.line+1, err)
		}
	}
	n, line, err := r.record()
	if err != nil {
		r.done = true
		return Record{}, err
	}
	if n != len(r.cols) {
		r.done = true
		return Record{}, fmt.Errorf("%s: line %d: %w: %d fields, header has %d",
			r.name, line, ErrMalformed, n, len(r.cols))
	}
	rec := Record{Fields: r.fields[:n], Line: line, File: r.name}
	for i, f := range rec.Fields {
		if len(f) == 0 {
			if r.null == nil {
				r.null = make([]bool, len(r.cols))
			}
			if rec.Null == nil {
				clear(r.null)
				rec.Null = r.null
			}
			rec.Null[i] = true
		}
	}
	return rec, nil
}

// fill reads more input into buf[end:], first moving the unread bytes to
// the front and growing the buffer when it is full. It returns a read error
// other than io.EOF, wrapped.
func (r *csvReader) fill() error {
	if r.eof {
		return nil
	}
	if r.end == len(r.buf) && r.pos == 0 || len(r.buf) < csvBufSize && r.end > 0 {
		// Full, or a small first buffer that the input outgrows: a large
		// buffer means fewer reads.
		nb := make([]byte, max(2*len(r.buf), csvBufSize))
		r.end = copy(nb, r.buf[r.pos:r.end])
		r.pos = 0
		r.buf = nb
	} else if r.pos > 0 {
		r.end = copy(r.buf, r.buf[r.pos:r.end])
		r.pos = 0
	}
	for tries := 0; tries < 100; tries++ {
		n, err := r.src.Read(r.buf[r.end:])
		r.end += n
		if err == io.EOF {
			r.eof = true
			return nil
		}
		if err != nil {
			r.eof = true
			r.rerr = readErr(r.name, r.line+1, err)
			return r.rerr
		}
		if n > 0 {
			return nil
		}
	}
	return fmt.Errorf("%s: %w", r.name, io.ErrNoProgress)
}

// readLine returns the next line without its "\n" (and with a final "\r\n"
// read as "\n"), or io.EOF. nl reports whether a newline ended it (false
// only for the last line of the file). The line points into buf and is
// valid until the next readLine.
func (r *csvReader) readLine() (line []byte, nl bool, err error) {
	scanned := 0
	for {
		if i := bytes.IndexByte(r.buf[r.pos+scanned:r.end], '\n'); i >= 0 {
			j := r.pos + scanned + i
			line = r.buf[r.pos:j]
			r.pos = j + 1
			r.line++
			if n := len(line); n > 0 && line[n-1] == '\r' {
				line = line[:n-1]
			}
			return line, true, nil
		}
		if r.eof {
			if r.rerr != nil {
				return nil, false, r.rerr
			}
			if r.pos == r.end {
				return nil, false, io.EOF
			}
			line = r.buf[r.pos:r.end]
			r.pos = r.end
			r.line++
			if n := len(line); line[n-1] == '\r' {
				line = line[:n-1]
			}
			return line, false, nil
		}
		scanned = r.end - r.pos
		if scanned > r.limit {
			if err := r.checkLong(r.buf[r.pos:r.end]); err != nil {
				return nil, false, err
			}
		}
		if err := r.fill(); err != nil {
			return nil, false, err
		}
	}
}

// checkLong is called while a line grows past the field limit without an
// end: it fails if the last field alone is over the limit, or if the line
// is over eight times the limit, so that memory stays bounded.
func (r *csvReader) checkLong(p []byte) error {
	last := p[bytes.LastIndexByte(p, r.sep)+1:]
	if len(last) > r.limit {
		return fmt.Errorf("%s: line %d: %w: field over %d bytes", r.name, r.line+1, ErrMalformed, r.limit)
	}
	if len(p) > 8*r.limit {
		return fmt.Errorf("%s: line %d: %w: line over %d bytes", r.name, r.line+1, ErrMalformed, 8*r.limit)
	}
	return nil
}

// record reads the next record into r.fields and returns its number of
// fields and first line, or io.EOF.
func (r *csvReader) record() (int, int64, error) {
	var line []byte
	var nl bool
	var err error
	for {
		line, nl, err = r.readLine()
		if err != nil {
			return 0, 0, err
		}
		if len(line) > 0 {
			break
		}
	}
	start := r.line
	// Fast path: split the line in place, in one pass that also looks for
	// quotes (then the slow path starts over) and non-ASCII bytes.
	f := r.fields[:0]
	sep := r.sep
	var or uint64
	s, i := 0, 0
	// Eight bytes at a time: a mask of the separator bytes' positions.
	sepRep := uint64(sep) * lo7
	for ; i+8 <= len(line); i += 8 {
		w := binary.LittleEndian.Uint64(line[i:])
		or |= w
		if zeroBytes(w^quoteRep) != 0 {
			r.fields = f
			return r.slowRecord(line, nl, start)
		}
		for m := zeroBytes(w ^ sepRep); m != 0; m &= m - 1 {
			j := i + bits.TrailingZeros64(m)>>3
			f = append(f, bytesString(line[s:j]))
			s = j + 1
		}
	}
	for ; i < len(line); i++ {
		c := line[i]
		or |= uint64(c)
		if c == sep {
			f = append(f, bytesString(line[s:i]))
			s = i + 1
		} else if c == '"' {
			r.fields = f
			return r.slowRecord(line, nl, start)
		}
	}
	f = append(f, bytesString(line[s:]))
	r.fields = f
	if or&hi8 != 0 && !utf8.Valid(line) {
		return 0, 0, r.badUTF8(line, start)
	}
	if len(line) > r.limit {
		for _, x := range f {
			if len(x) > r.limit {
				return 0, 0, r.tooLong(start)
			}
		}
	}
	return len(f), start, nil
}

// slowRecord parses a record whose first line holds a quote, copying the
// fields into r.rec. It mirrors encoding/csv's readRecord.
func (r *csvReader) slowRecord(line []byte, nl bool, start int64) (int, int64, error) {
	r.rec = r.rec[:0]
	r.idx = r.idx[:0]
	sep := r.sep
field:
	for {
		if len(line) == 0 || line[0] != '"' {
			// Unquoted field.
			i := bytes.IndexByte(line, sep)
			fld := line
			if i >= 0 {
				fld = line[:i]
			}
			if j := bytes.IndexByte(fld, '"'); j >= 0 {
				return 0, 0, fmt.Errorf("%s: line %d: %w: bare quote in unquoted field", r.name, r.line, ErrMalformed)
			}
			r.rec = append(r.rec, fld...)
			r.idx = append(r.idx, len(r.rec))
			if i < 0 {
				break field
			}
			line = line[i+1:]
			continue
		}
		// Quoted field.
		line = line[1:]
		for {
			i := bytes.IndexByte(line, '"')
			if i >= 0 {
				r.rec = append(r.rec, line[:i]...)
				line = line[i+1:]
				switch {
				case len(line) > 0 && line[0] == '"':
					r.rec = append(r.rec, '"')
					line = line[1:]
				case len(line) > 0 && line[0] == sep:
					line = line[1:]
					r.idx = append(r.idx, len(r.rec))
					continue field
				case len(line) == 0:
					r.idx = append(r.idx, len(r.rec))
					break field
				default:
					return 0, 0, fmt.Errorf("%s: line %d: %w: extraneous or missing \" in quoted field (record starts on line %d)",
						r.name, r.line, ErrMalformed, start)
				}
				continue
			}
			// The line ends inside the quotes: the newline is data.
			r.rec = append(r.rec, line...)
			if len(r.rec)-r.fieldStart() > r.limit {
				return 0, 0, r.tooLong(start)
			}
			if !nl {
				return 0, 0, r.unclosed(start)
			}
			r.rec = append(r.rec, '\n')
			var err error
			line, nl, err = r.readLine()
			if err == io.EOF {
				return 0, 0, r.unclosed(start)
			}
			if err != nil {
				return 0, 0, err
			}
		}
	}
	// Make the strings, check them.
	f := r.fields[:0]
	s := 0
	for _, e := range r.idx {
		f = append(f, bytesString(r.rec[s:e]))
		s = e
	}
	r.fields = f
	for i, x := range f {
		if len(x) > r.limit {
			return 0, 0, r.tooLong(start)
		}
		if !utf8.ValidString(x) {
			return 0, 0, r.badField(i, start)
		}
	}
	return len(f), start, nil
}

// fieldStart is the offset in r.rec where the field being parsed starts.
func (r *csvReader) fieldStart() int {
	if len(r.idx) == 0 {
		return 0
	}
	return r.idx[len(r.idx)-1]
}

func (r *csvReader) unclosed(line int64) error {
	return fmt.Errorf("%s: line %d: %w: quoted field not closed before end of file", r.name, line, ErrMalformed)
}

func (r *csvReader) tooLong(line int64) error {
	return fmt.Errorf("%s: line %d: %w: field over %d bytes", r.name, line, ErrMalformed, r.limit)
}

// badUTF8 names the first field of an unquoted line with invalid UTF-8.
func (r *csvReader) badUTF8(line []byte, start int64) error {
	i := 0
	for _, fld := range bytes.Split(line, []byte{r.sep}) {
		if !utf8.Valid(fld) {
			break
		}
		i++
	}
	return r.badField(i, start)
}

func (r *csvReader) badField(i int, line int64) error {
	col := "column " + strconv.Itoa(i+1)
	if i < len(r.cols) {
		col = fmt.Sprintf("column %q", r.cols[i].Name)
	}
	return fmt.Errorf("%s: line %d: %w: invalid UTF-8 in %s", r.name, line, ErrMalformed, col)
}

const (
	lo7      = 0x0101010101010101
	hi8      = 0x8080808080808080
	low7     = 0x7F7F7F7F7F7F7F7F
	quoteRep = '"' * lo7
)

// zeroBytes returns a word with the high bit set in exactly the bytes of w
// that are zero (no false positives, unlike the shorter borrow trick).
func zeroBytes(w uint64) uint64 {
	t := (w & low7) + low7
	return ^(t | w | low7)
}

// bytesString returns b as a string without copying. The string is valid
// while b's bytes are not overwritten, which the Record lifetime rule
// (until the next Next) covers.
func bytesString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// readErr wraps an error from the byte source. Errors of a damaged
// compressed stream (truncated, bad checksum or header) are ErrMalformed.
func readErr(name string, line int64, err error) error {
	if isCorrupt(err) {
		return fmt.Errorf("%s: line %d: %w: %w", name, line, ErrMalformed, err)
	}
	return fmt.Errorf("%s: line %d: reading: %w", name, line, err)
}
