package runner

import "bytes"

// DefaultMaxLine bounds the part of a line a LineScanner keeps.
const DefaultMaxLine = 64 << 10

// LineScanner cuts a byte stream into lines and parses the directives among
// them. Input may arrive in pieces of any size: a line split across Feed
// calls is joined, so the result never depends on how the stream was cut.
//
// A line ends at "\n" ("\r" just before it is dropped). A "\r" followed by
// text rewinds the line as a terminal does for progress bars: only the text
// after the last such "\r" counts. A line (segment) longer than the
// bound is not a directive: if it started with the prefix, it yields one
// warning, else it is ignored. Memory stays within the bound whatever the
// input. The zero value is not ready: use NewLineScanner.
type LineScanner struct {
	max       int
	buf       []byte // the current segment, at most max bytes
	line      int64  // lines completed so far
	pendingCR bool   // the last byte was '\r'
	overflow  bool   // the current segment exceeded max
}

// NewLineScanner returns a scanner keeping at most maxLine bytes of a line
// (DefaultMaxLine when maxLine <= 0).
func NewLineScanner(maxLine int) *LineScanner {
	if maxLine <= 0 {
		maxLine = DefaultMaxLine
	}
	return &LineScanner{max: maxLine}
}

// Feed consumes p and appends the directives of the lines it completes to
// dst.
func (s *LineScanner) Feed(dst []Directive, p []byte) []Directive {
	for len(p) > 0 {
		if s.pendingCR {
			s.pendingCR = false
			if p[0] != '\n' && p[0] != '\r' {
				s.buf, s.overflow = s.buf[:0], false // "\r" then text rewinds
			}
		}
		i := bytes.IndexAny(p, "\r\n")
		if i < 0 {
			s.add(p)
			return dst
		}
		s.add(p[:i])
		if p[i] == '\r' {
			s.pendingCR = true
		} else {
			dst = s.endLine(dst)
		}
		p = p[i+1:]
	}
	return dst
}

// Close ends the stream: a last line without "\n" counts as a line.
func (s *LineScanner) Close(dst []Directive) []Directive {
	s.pendingCR = false
	if len(s.buf) > 0 || s.overflow {
		dst = s.endLine(dst)
	}
	return dst
}

// Lines is the number of lines completed so far.
func (s *LineScanner) Lines() int64 { return s.line }

func (s *LineScanner) add(p []byte) {
	if room := s.max - len(s.buf); len(p) > room {
		p = p[:room]
		s.overflow = true
	}
	s.buf = append(s.buf, p...)
}

func (s *LineScanner) endLine(dst []Directive) []Directive {
	s.line++
	defer func() { s.buf, s.overflow = s.buf[:0], false }()
	if s.overflow {
		if bytes.HasPrefix(s.buf, []byte(DirectivePrefix)) {
			d := warnf("the line is over %d bytes", s.max)
			d.Line = s.line
			dst = append(dst, d)
		}
		return dst
	}
	if d, ok := ParseLine(s.buf); ok {
		d.Line = s.line
		dst = append(dst, d)
	}
	return dst
}
