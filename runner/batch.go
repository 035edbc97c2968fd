package runner

import (
	"context"
	"errors"
	"sync"
	"time"
)

// FlushFunc stores one batch of directives. An error is reported to the
// Batcher's OnError and the batch is dropped: reporting must never stop a
// job.
type FlushFunc func(ctx context.Context, batch []Directive) error

// Batcher groups directives so that a chatty job costs one store write per
// batch rather than one per line. A batch is flushed when it holds MaxCount
// entries (metric points, params and tags) or MaxDelay after its first
// entry, whichever comes first, and on Close. Batches are flushed one at a
// time, in order. Add blocks (back-pressure on the job's output) only while
// a backlog of more than BacklogBatches full batches waits for the store.
type Batcher struct {
	ctx     context.Context
	flush   FlushFunc
	onError func(error)
	max     int
	delay   time.Duration
	backlog int

	flushMu sync.Mutex // serialises flushes, so batches stay in order
	mu      sync.Mutex
	pending []Directive
	count   int
	closed  bool
	kick    chan struct{}
	stop    chan struct{}
	stopped chan struct{}
}

// BatcherOptions tune NewBatcher; zero fields take the defaults.
type BatcherOptions struct {
	MaxCount       int           // default 1000 (MLflow's metrics per batch)
	MaxDelay       time.Duration // default 1s
	BacklogBatches int           // default 10
	OnError        func(error)   // default: ignore
}

// NewBatcher starts a batcher that calls flush with ctx (which should
// outlive the job: metrics logged just before a cancel still count).
func NewBatcher(ctx context.Context, flush FlushFunc, opt BatcherOptions) *Batcher {
	b := &Batcher{ctx: ctx, flush: flush, onError: opt.OnError, max: opt.MaxCount, delay: opt.MaxDelay,
		backlog: opt.BacklogBatches, kick: make(chan struct{}, 1), stop: make(chan struct{}), stopped: make(chan struct{})}
	if b.max <= 0 {
		b.max = 1000
	}
	if b.delay <= 0 {
		b.delay = time.Second
	}
	if b.backlog <= 0 {
		b.backlog = 10
	}
	if b.onError == nil {
		b.onError = func(error) {}
	}
	go b.loop()
	return b
}

// ErrBatcherClosed is returned by Add after Close.
var ErrBatcherClosed = errors.New("batcher is closed")

func size(d Directive) int {
	if d.Kind == KindMetric {
		return max(1, len(d.Points))
	}
	return 1
}

// Add queues d (warnings are not queued: the caller reports them).
func (b *Batcher) Add(d Directive) error {
	if d.Kind == KindWarning {
		return nil
	}
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return ErrBatcherClosed
	}
	b.pending = append(b.pending, d)
	b.count += size(d)
	full, over := b.count >= b.max, b.count >= b.max*b.backlog
	b.mu.Unlock()
	if over {
		b.flushNow() // back-pressure: the caller waits for the store
	} else if full {
		select {
		case b.kick <- struct{}{}:
		default:
		}
	}
	return nil
}

// Close flushes what is queued and stops the batcher. Later Adds fail.
func (b *Batcher) Close() {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		<-b.stopped
		return
	}
	b.closed = true
	b.mu.Unlock()
	close(b.stop)
	<-b.stopped
	b.flushNow()
}

func (b *Batcher) loop() {
	defer close(b.stopped)
	t := time.NewTicker(b.delay)
	defer t.Stop()
	for {
		select {
		case <-b.stop:
			return
		case <-b.kick:
		case <-t.C:
		}
		b.flushNow()
	}
}

// flushNow writes everything queued, in batches of at most max entries.
func (b *Batcher) flushNow() {
	b.flushMu.Lock()
	defer b.flushMu.Unlock()
	b.mu.Lock()
	all := b.pending
	b.pending, b.count = nil, 0
	b.mu.Unlock()
	for len(all) > 0 {
		n, c := 0, 0
		for n < len(all) && (n == 0 || c+size(all[n]) <= b.max) {
			c += size(all[n])
			n++
		}
		if err := b.flush(b.ctx, all[:n]); err != nil {
			b.onError(err)
		}
		all = all[n:]
	}
}
