package datadiff

import (
	"encoding/binary"
	"errors"
	"iter"
	"math"
	"runtime"
	"strconv"
	"sync"
	"unsafe"

	"github.com/lathe-ml/lathe/monitor/table"
)

// column is one tested column: what each table holds and the outcome.
type column struct {
	name     string
	ref, cur side
	result   ColumnDrift
}

// side is one table's values of a column.
type side struct {
	// declared is the file's declared type (Parquet); an int or float
	// declaration is trusted without inferring.
	declared table.Kind
	// text holds the non-null fields as read.
	text textBuf
	// kind is the widened inferred type of the non-NA values.
	kind table.Kind
	// values counts the non-NA values; finite those that are finite
	// numbers (for a numeric kind).
	values, finite int
	// nums holds the values as numbers while kind is numeric.
	nums []float64
	// cats holds the values as texts, for a categorical test.
	cats []string
}

// textBuf stores texts back to back, each after its uvarint length, in
// chunks that double from minChunk to maxChunk bytes: reading a column
// allocates only per chunk, and never copies what it stored.
type textBuf struct {
	chunks [][]byte // full chunks
	cur    []byte   // the chunk being filled
	n      int
}

// Chunk sizes: small first, so that a table of many short columns costs
// little; large later, so that a long column is few chunks.
const (
	minChunk = 4 << 10
	maxChunk = 1 << 20
)

func (t *textBuf) add(s string) {
	need := len(s) + binary.MaxVarintLen64
	if cap(t.cur)-len(t.cur) < need {
		size := minChunk
		if t.cur != nil {
			t.chunks = append(t.chunks, t.cur)
			size = min(2*cap(t.cur), maxChunk)
		}
		t.cur = make([]byte, 0, max(size, need))
	}
	// Reslicing t.cur in place writes no pointer, so the hot path needs
	// no GC write barrier.
	n := len(t.cur)
	t.cur = t.cur[:n+need]
	w := binary.PutUvarint(t.cur[n:], uint64(len(s)))
	copy(t.cur[n+w:], s)
	t.cur = t.cur[:n+w+len(s)]
	t.n++
}

// all yields the texts in the order added. The strings share the chunks'
// memory (no copy): the chunks are never written after reading ends, and
// the strings keep them alive.
func (t *textBuf) all() iter.Seq[string] {
	return func(yield func(string) bool) {
		for i := 0; i <= len(t.chunks); i++ {
			c := t.cur
			if i < len(t.chunks) {
				c = t.chunks[i]
			}
			v := unsafe.String(unsafe.SliceData(c), len(c))
			for v != "" {
				var s string
				s, v = nextText(v)
				if !yield(s) {
					return
				}
			}
		}
	}
}

// nextText splits the first text off a non-empty chunk view.
func nextText(v string) (s, rest string) {
	var n uint64
	var shift uint
	i := 0
	for {
		b := v[i]
		i++
		n |= uint64(b&0x7f) << shift
		if b < 0x80 {
			break
		}
		shift += 7
	}
	return v[i : i+int(n)], v[i+int(n):]
}

// prepare infers each column's types and converts its values, the columns
// spread over workers goroutines, and decides how each will be tested.
func prepare(cols []column, workers int) {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = min(workers, len(cols))
	next := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				cols[i].prepare()
			}
		}()
	}
	for i := range cols {
		next <- i
	}
	close(next)
	wg.Wait()
}

func (c *column) prepare() {
	c.ref.scan()
	c.cur.scan()
	r := &c.result
	r.Column = c.name
	refNum, curNum := isNumeric(c.ref.kind), isNumeric(c.cur.kind)
	switch {
	case refNum && curNum,
		refNum && c.cur.kind == table.KindUnknown,
		curNum && c.ref.kind == table.KindUnknown:
		r.Type = TypeNumeric
	case c.ref.kind == table.KindTimestamp && c.cur.kind == table.KindTimestamp:
		r.Type = TypeTimestamp
	default:
		r.Type = TypeCategorical
	}
	switch {
	case r.Type == TypeTimestamp:
		r.Error = "timestamps are not tested for drift (each new time would be an unseen category)"
	case c.ref.values == 0 && c.cur.values == 0:
		r.Error = "no non-null values in either table"
	case c.ref.values == 0:
		r.Error = "no non-null values in the reference table"
	case c.cur.values == 0:
		r.Error = "no non-null values in the current table"
	case r.Type == TypeNumeric && c.ref.finite == 0:
		r.Error = "no finite values in the reference table"
	case r.Type == TypeNumeric && c.cur.finite == 0:
		r.Error = "no finite values in the current table"
	}
	if r.Error != "" {
		c.ref, c.cur = side{kind: c.ref.kind}, side{kind: c.cur.kind}
		return
	}
	if r.Type == TypeNumeric {
		// The numbers are all that is needed: let the text go.
		c.ref.text, c.cur.text = textBuf{}, textBuf{}
		return
	}
	c.ref.categories()
	c.cur.categories()
}

func isNumeric(k table.Kind) bool { return k == table.KindInt || k == table.KindFloat }

// scan infers the side's type over its non-NA values and, while that type
// is numeric, parses them, each once.
func (s *side) scan() {
	trust := isNumeric(s.declared)
	if trust {
		s.kind = s.declared
	}
	for v := range s.text.all() {
		if table.IsNAString(v) {
			continue
		}
		s.values++
		if s.kind == table.KindString {
			continue // a string column stays one; only count
		}
		var f float64
		if trust {
			f = parseTrusted(v)
		} else {
			var k table.Kind
			k, f = classify(v)
			s.kind = table.Widen(s.kind, k)
		}
		if !isNumeric(s.kind) {
			s.nums = nil
			continue
		}
		if s.nums == nil {
			s.nums = make([]float64, 0, s.text.n)
		}
		s.nums = append(s.nums, f)
		if !math.IsNaN(f) && !math.IsInf(f, 0) {
			s.finite++
		}
	}
}

// categories sets cats to the side's non-NA texts, sliced from its buffer.
func (s *side) categories() {
	s.nums = nil
	s.cats = make([]string, 0, s.values)
	for v := range s.text.all() {
		if !table.IsNAString(v) {
			s.cats = append(s.cats, v)
		}
	}
}

// parseTrusted parses a value of a column the file declares numeric; a
// text that is no number becomes NaN, which the drift statistics drop.
func parseTrusted(v string) float64 {
	if f, _, ok := fastDecimal(v); ok {
		return f
	}
	f, err := strconv.ParseFloat(v, 64)
	var ne *strconv.NumError
	if err != nil && !(errors.As(err, &ne) && ne.Err == strconv.ErrRange) {
		return math.NaN()
	}
	return f // ±Inf out of range, dropped too
}

// classify returns table.Infer(v) for a non-empty v and, for an int or a
// float, its value (NaN where Infer accepts a text ParseFloat does not, as
// "+nan"). Plain decimal numbers, the bulk of numeric data, take paths
// that parse them once (fastDecimal, else ParseFloat), where Infer
// followed by ParseFloat would parse twice; TestClassifyAgreesWithInfer and FuzzClassify hold it to Infer.
func classify(v string) (table.Kind, float64) {
	if f, isInt, ok := fastDecimal(v); ok {
		if isInt {
			return table.KindInt, f
		}
		return table.KindFloat, f
	}
	if decimalText(v) {
		if f, err := strconv.ParseFloat(v, 64); err == nil {
			if intText(v) {
				return table.KindInt, f
			}
			return table.KindFloat, f
		}
	}
	k := table.Infer(v)
	if !isNumeric(k) {
		return k, 0
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		f = math.NaN()
	}
	return k, f
}

// decimalText reports whether v has only digits, signs, points and
// exponent marks, and does not start like a date ("dddd-").
func decimalText(v string) bool {
	if len(v) >= 5 && v[4] == '-' && isDigits(v[:4]) {
		return false
	}
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case c >= '0' && c <= '9', c == '.', c == 'e', c == 'E', c == '+', c == '-':
		default:
			return false
		}
	}
	return v != ""
}

// intText reports whether v is an int by Infer's rule: an optional sign
// and base-10 digits within int64's range.
func intText(v string) bool {
	d := v
	if d != "" && (d[0] == '-' || d[0] == '+') {
		d = d[1:]
	}
	if d == "" || !isDigits(d) {
		return false
	}
	if len(d) < 19 {
		return true
	}
	_, err := strconv.ParseInt(v, 10, 64)
	return err == nil
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
