package table

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/big"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/deprecated"
	"github.com/parquet-go/parquet-go/format"
)

// Parquet: only flat files are read. A top-level column that is a group
// (struct, list, map) or repeated is ErrNested naming it: a flat table
// cannot hold it, and flattening it silently would mis-read the file.
//
// Declared kinds and value texts, by logical type first, then physical:
//
//   - INT32, INT64 (and INT(n, signed or not)): int, decimal text;
//   - FLOAT, DOUBLE: float, strconv 'g' with the shortest exact text;
//   - DECIMAL(p, s) on any physical type: float, the exact decimal text
//     ("-12.50" for unscaled -1250 at scale 2);
//   - BOOLEAN: bool, "true" or "false";
//   - TIMESTAMP (any unit) and INT96 (Impala's nanosecond timestamps):
//     timestamp, RFC 3339 with nanoseconds, in UTC;
//   - DATE: timestamp, "2006-01-02";
//   - TIME: string, "15:04:05.999999999";
//   - STRING, ENUM, JSON: string; UUID: string in 8-4-4-4-12 form;
//   - other BYTE_ARRAY and FIXED_LEN_BYTE_ARRAY: string, the bytes as they
//     are when they are valid UTF-8, else "0x" and lowercase hex.
//
// Rows are read one row group at a time through parquet-go, a few hundred
// rows per call, so memory is bounded by a row group's pages. The library
// panics on some corrupt input; the reader recovers and returns
// ErrMalformed. Record.Line is the 1-based row number in the file.

const parquetBatch = 256

type pqKind int

const (
	pqBool pqKind = iota
	pqInt32
	pqUint32
	pqInt64
	pqUint64
	pqFloat
	pqDouble
	pqDecimal
	pqTimestamp
	pqDate
	pqTime
	pqInt96
	pqString // bytes shown as text, or hex when not UTF-8
	pqUUID
	pqNull
)

// pqColumn says how to turn one leaf column's values into text.
type pqColumn struct {
	kind  pqKind
	scale int32         // decimal
	unit  time.Duration // timestamp, time
}

// parquetReader is the Reader for Parquet.
type parquetReader struct {
	ctx    context.Context
	name   string
	closer io.Closer
	file   *parquet.File
	cols   []Column
	conv   []pqColumn

	groups []parquet.RowGroup
	g      int           // index of the row group being read
	rows   parquet.Rows  // of groups[g-1]; nil before the first
	buf    []parquet.Row // batch read from rows
	n, i   int           // rows in buf, next to hand out
	row    int64         // rows handed out
	fields []string
	null   []bool
	done   bool
}

func newParquetReader(ctx context.Context, name string, ra io.ReaderAt, size int64, closer io.Closer) (r Reader, err error) {
	defer func() {
		if p := recover(); p != nil {
			r, err = nil, fmt.Errorf("%s: %w: opening: %v", name, ErrMalformed, p)
		}
	}()
	if size == 0 {
		return nil, fmt.Errorf("%s: %w", name, ErrEmpty)
	}
	if err := checkFooter(ra, size); err != nil {
		return nil, fmt.Errorf("%s: %w: %w", name, ErrMalformed, err)
	}
	f, err := parquet.OpenFile(ra, size, parquet.SkipBloomFilters(true), parquet.SkipPageIndex(true))
	if err != nil {
		return nil, fmt.Errorf("%s: %w: opening: %w", name, ErrMalformed, err)
	}
	pr := &parquetReader{ctx: ctx, name: name, closer: closer, file: f, groups: f.RowGroups()}
	for _, fld := range f.Schema().Fields() {
		col, conv, err := parquetColumn(fld)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		pr.cols = append(pr.cols, col)
		pr.conv = append(pr.conv, conv)
	}
	if len(pr.cols) == 0 {
		return nil, fmt.Errorf("%s: %w: no columns", name, ErrEmpty)
	}
	pr.fields = make([]string, len(pr.cols))
	pr.null = make([]bool, len(pr.cols))
	pr.buf = make([]parquet.Row, parquetBatch)
	return pr, nil
}

// checkFooter checks the magic bytes and that the footer's length fits in
// the file before parquet-go allocates a buffer of that length (a damaged
// length would make it allocate gigabytes).
func checkFooter(ra io.ReaderAt, size int64) error {
	if size < 12 {
		return fmt.Errorf("%d bytes is too short for Parquet", size)
	}
	var head [4]byte
	var tail [8]byte
	if _, err := ra.ReadAt(head[:], 0); err != nil {
		return fmt.Errorf("reading header: %w", err)
	}
	if _, err := ra.ReadAt(tail[:], size-8); err != nil {
		return fmt.Errorf("reading footer: %w", err)
	}
	if string(head[:]) != "PAR1" || string(tail[4:]) != "PAR1" {
		return errors.New("not a Parquet file (no PAR1 magic bytes)")
	}
	if n := int64(binary.LittleEndian.Uint32(tail[:4])); n > size-12 {
		return fmt.Errorf("footer length %d exceeds the file's %d bytes", n, size)
	}
	return nil
}

// parquetColumn maps a top-level field to a flat column, or ErrNested.
func parquetColumn(f parquet.Field) (Column, pqColumn, error) {
	name := f.Name()
	if !f.Leaf() {
		what := "a group (struct)"
		if lt := f.Type().LogicalType(); lt != nil {
			switch lt.Value.(type) {
			case *format.ListType:
				what = "a list"
			case *format.MapType:
				what = "a map"
			}
		}
		return Column{}, pqColumn{}, fmt.Errorf("%w: column %q is %s", ErrNested, name, what)
	}
	if f.Repeated() {
		return Column{}, pqColumn{}, fmt.Errorf("%w: column %q is repeated (a list)", ErrNested, name)
	}
	t := f.Type()
	col := Column{Name: name}
	var c pqColumn
	if lt := t.LogicalType(); lt != nil {
		switch v := lt.Value.(type) {
		case *format.DecimalType:
			c = pqColumn{kind: pqDecimal, scale: v.Scale}
		case *format.TimestampType:
			c = pqColumn{kind: pqTimestamp, unit: unitOf(&v.Unit)}
		case *format.TimeType:
			c = pqColumn{kind: pqTime, unit: unitOf(&v.Unit)}
		case *format.DateType:
			c = pqColumn{kind: pqDate}
		case *format.IntType:
			switch {
			case v.BitWidth == 64 && !v.IsSigned:
				c.kind = pqUint64
			case v.BitWidth == 32 && !v.IsSigned:
				c.kind = pqUint32
			case t.Kind() == parquet.Int64:
				c.kind = pqInt64
			default:
				c.kind = pqInt32
			}
		case *format.UUIDType:
			c.kind = pqUUID
		case *format.NullType:
			c.kind = pqNull
		default: // STRING, ENUM, JSON, BSON, FLOAT16, geometry...
			c.kind = physical(t.Kind())
		}
	} else {
		c.kind = physical(t.Kind())
	}
	switch c.kind {
	case pqBool:
		col.Declared = KindBool
	case pqInt32, pqUint32, pqInt64, pqUint64:
		col.Declared = KindInt
	case pqFloat, pqDouble, pqDecimal:
		col.Declared = KindFloat
	case pqTimestamp, pqDate, pqInt96:
		col.Declared = KindTimestamp
	default:
		col.Declared = KindString
	}
	return col, c, nil
}

func physical(k parquet.Kind) pqKind {
	switch k {
	case parquet.Boolean:
		return pqBool
	case parquet.Int32:
		return pqInt32
	case parquet.Int64:
		return pqInt64
	case parquet.Int96:
		return pqInt96
	case parquet.Float:
		return pqFloat
	case parquet.Double:
		return pqDouble
	}
	return pqString
}

func unitOf(u *format.TimeUnit) time.Duration {
	switch u.Value.(type) {
	case *format.MilliSeconds:
		return time.Millisecond
	case *format.MicroSeconds:
		return time.Microsecond
	}
	return time.Nanosecond
}

// Columns implements Reader.
func (p *parquetReader) Columns() []Column { return p.cols }

// Close implements Reader.
func (p *parquetReader) Close() error {
	p.done = true
	var err error
	if p.rows != nil {
		err = p.rows.Close()
		p.rows = nil
	}
	if p.closer != nil {
		if cerr := p.closer.Close(); err == nil {
			err = cerr
		}
		p.closer = nil
	}
	return err
}

// Next implements Reader. Recovers from parquet-go panics on corrupt data.
func (p *parquetReader) Next() (rec Record, err error) {
	if p.done {
		return Record{}, io.EOF
	}
	defer func() {
		if x := recover(); x != nil {
			p.done = true
			rec, err = Record{}, fmt.Errorf("%s: row group %d: %w: %v", p.name, p.g, ErrMalformed, x)
		}
	}()
	for p.i >= p.n {
		if err := p.batch(); err != nil {
			p.done = true
			return Record{}, err
		}
	}
	row := p.buf[p.i]
	p.i++
	p.row++
	if p.row%ctxEvery == 0 {
		if err := p.ctx.Err(); err != nil {
			p.done = true
			return Record{}, fmt.Errorf("%s: row %d: %w", p.name, p.row, err)
		}
	}
	anyNull := false
	clear(p.null)
	for i := range p.fields {
		p.fields[i] = ""
		p.null[i] = true
	}
	for _, v := range row {
		c := v.Column()
		if c < 0 || c >= len(p.fields) {
			p.done = true
			return Record{}, fmt.Errorf("%s: row %d: %w: value for column %d of %d", p.name, p.row, ErrMalformed, c, len(p.fields))
		}
		if v.IsNull() {
			continue
		}
		p.null[c] = false
		p.fields[c] = p.text(c, v)
	}
	for _, n := range p.null {
		anyNull = anyNull || n
	}
	rec = Record{Fields: p.fields, Line: p.row, File: p.name}
	if anyNull {
		rec.Null = p.null
	}
	return rec, nil
}

// batch reads the next rows into buf, moving to the next row group when
// one ends; io.EOF after the last.
func (p *parquetReader) batch() error {
	if p.rows == nil {
		if p.g >= len(p.groups) {
			return io.EOF
		}
		p.rows = p.groups[p.g].Rows()
		p.g++
	}
	n, err := p.rows.ReadRows(p.buf)
	p.n, p.i = n, 0
	if err == io.EOF {
		cerr := p.rows.Close()
		p.rows = nil
		if n == 0 && cerr != nil {
			return fmt.Errorf("%s: row group %d: %w: %w", p.name, p.g, ErrMalformed, cerr)
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("%s: row group %d: %w: %w", p.name, p.g, ErrMalformed, err)
	}
	if n == 0 {
		return fmt.Errorf("%s: row group %d: %w: no rows read", p.name, p.g, ErrMalformed)
	}
	return nil
}

// text renders a non-null value of column c.
func (p *parquetReader) text(c int, v parquet.Value) string {
	conv := p.conv[c]
	switch conv.kind {
	case pqBool:
		return strconv.FormatBool(v.Boolean())
	case pqInt32:
		return strconv.FormatInt(int64(v.Int32()), 10)
	case pqUint32:
		return strconv.FormatUint(uint64(uint32(v.Int32())), 10)
	case pqInt64:
		return strconv.FormatInt(v.Int64(), 10)
	case pqUint64:
		return strconv.FormatUint(uint64(v.Int64()), 10)
	case pqFloat:
		return strconv.FormatFloat(float64(v.Float()), 'g', -1, 32)
	case pqDouble:
		return strconv.FormatFloat(v.Double(), 'g', -1, 64)
	case pqDecimal:
		return decimalText(v, conv.scale)
	case pqTimestamp:
		return timeText(v.Int64(), conv.unit)
	case pqDate:
		return time.Unix(int64(v.Int32())*86400, 0).UTC().Format(time.DateOnly)
	case pqTime:
		d := time.Duration(v.Int64()) * conv.unit
		if v.Kind() == parquet.Int32 {
			d = time.Duration(v.Int32()) * conv.unit
		}
		return time.Unix(0, int64(d)).UTC().Format("15:04:05.999999999")
	case pqInt96:
		return int96Text(v.Int96())
	case pqUUID:
		b := v.ByteArray()
		if len(b) != 16 {
			return "0x" + hex.EncodeToString(b)
		}
		h := hex.EncodeToString(b)
		return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
	case pqNull:
		return ""
	}
	b := v.ByteArray()
	if utf8.Valid(b) {
		return string(b)
	}
	return "0x" + hex.EncodeToString(b)
}

// timeText renders n units since the Unix epoch, UTC.
func timeText(n int64, unit time.Duration) string {
	var t time.Time
	switch unit {
	case time.Millisecond:
		t = time.UnixMilli(n)
	case time.Microsecond:
		t = time.UnixMicro(n)
	default:
		t = time.Unix(0, n)
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// int96Text renders an Impala INT96 timestamp: nanoseconds of the day in
// the first eight bytes, the Julian day in the last four.
func int96Text(x deprecated.Int96) string {
	nanos := int64(uint64(x[1])<<32 | uint64(x[0]))
	day := int64(int32(x[2])) - 2440588 // Julian day of 1970-01-01
	return time.Unix(day*86400, nanos).UTC().Format(time.RFC3339Nano)
}

// decimalText renders an unscaled decimal (INT32, INT64, or big-endian
// two's complement bytes) with scale digits after the point.
func decimalText(v parquet.Value, scale int32) string {
	var digits string
	switch v.Kind() {
	case parquet.Int32:
		digits = strconv.FormatInt(int64(v.Int32()), 10)
	case parquet.Int64:
		digits = strconv.FormatInt(v.Int64(), 10)
	default:
		b := v.ByteArray()
		n := new(big.Int).SetBytes(b)
		if len(b) > 0 && b[0]&0x80 != 0 { // negative: subtract 2^(8*len)
			n.Sub(n, new(big.Int).Lsh(big.NewInt(1), uint(8*len(b))))
		}
		digits = n.String()
	}
	if scale <= 0 {
		if scale < 0 && digits != "0" {
			digits += strings.Repeat("0", int(-scale))
		}
		return digits
	}
	neg := strings.HasPrefix(digits, "-")
	digits = strings.TrimPrefix(digits, "-")
	if len(digits) <= int(scale) {
		digits = strings.Repeat("0", int(scale)-len(digits)+1) + digits
	}
	s := digits[:len(digits)-int(scale)] + "." + digits[len(digits)-int(scale):]
	if neg {
		s = "-" + s
	}
	return s
}
