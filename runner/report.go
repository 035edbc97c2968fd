package runner

import (
	"sync"
	"time"
)

// Reporter turns a job's stdout into stored directives. It is an io.Writer
// to put in Spec.Stdout: each write is stamped with the time it arrived and
// queued, a goroutine parses the queue with a LineScanner, and directives go
// to a Batcher. Parsing never runs inside the runner's output lock, so Warn
// may call Job.Annotate.
type Reporter struct {
	opt   ReporterOptions
	sc    *LineScanner
	queue chan chunk
	once  sync.Once
	done  chan struct{}
}

// ReporterOptions configure NewReporter.
type ReporterOptions struct {
	// Batcher receives accepted directives. Required.
	Batcher *Batcher
	// Check vets a directive before it is queued (store key rules, value
	// limits); an error turns it into a warning. Nil accepts all.
	Check func(Directive) error
	// Warn receives every KindWarning directive, with its line number.
	// Nil ignores them.
	Warn func(Directive)
	// Now stamps directives; nil means time.Now.
	Now func() time.Time
	// MaxLine bounds a line (default DefaultMaxLine).
	MaxLine int
}

type chunk struct {
	b []byte
	t int64
}

// NewReporter returns a reporter; call Start once the job exists (writes
// made before wait in the queue) and Close after the last write.
func NewReporter(opt ReporterOptions) *Reporter {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Warn == nil {
		opt.Warn = func(Directive) {}
	}
	return &Reporter{opt: opt, sc: NewLineScanner(opt.MaxLine), queue: make(chan chunk, 256), done: make(chan struct{})}
}

// Write queues a copy of p. It blocks while 256 writes wait to be parsed:
// back-pressure on the job rather than unbounded memory. It must not be
// called after Close.
func (r *Reporter) Write(p []byte) (int, error) {
	r.queue <- chunk{b: append([]byte(nil), p...), t: r.opt.Now().UnixMilli()}
	return len(p), nil
}

// Start starts parsing.
func (r *Reporter) Start() {
	r.once.Do(func() { go r.loop() })
}

// Close parses what is queued, ends the last line, and closes the batcher
// (flushing it). Call it after the job's output has ended.
func (r *Reporter) Close() {
	r.Start()
	close(r.queue)
	<-r.done
	r.opt.Batcher.Close()
}

func (r *Reporter) loop() {
	defer close(r.done)
	var ds []Directive
	var last int64
	for c := range r.queue {
		ds = r.sc.Feed(ds[:0], c.b)
		r.hand(ds, c.t)
		last = c.t
	}
	if last == 0 {
		last = r.opt.Now().UnixMilli()
	}
	r.hand(r.sc.Close(ds[:0]), last)
}

func (r *Reporter) hand(ds []Directive, t int64) {
	for _, d := range ds {
		d.Time = t
		if d.Kind != KindWarning && r.opt.Check != nil {
			if err := r.opt.Check(d); err != nil {
				d = Directive{Kind: KindWarning, Line: d.Line, Time: t, Warning: err.Error()}
			}
		}
		if d.Kind == KindWarning {
			r.opt.Warn(d)
			continue
		}
		_ = r.opt.Batcher.Add(d)
	}
}
