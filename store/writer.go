package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Tx is a write transaction handed to operations run by the writer. Its
// methods are the store's own; callers outside the package use Store.Write.
type Tx struct {
	tx  *sql.Tx
	ctx context.Context
	now int64
	s   *Store
}

type writeOp struct {
	ctx  context.Context
	fn   func(*Tx) error
	done chan error
}

// ErrClosed is returned for writes submitted after Close.
var ErrClosed = errors.New("store is closed")

// write queues fn to run in the next group transaction and waits until that
// transaction commits (or fn fails). fn must be quick and must not block: it
// shares its transaction with other callers.
func (s *Store) write(ctx context.Context, fn func(*Tx) error) error {
	op := &writeOp{ctx: ctx, fn: fn, done: make(chan error, 1)}
	select {
	case s.ops <- op:
	case <-ctx.Done():
		return ctx.Err()
	case <-s.stop:
		return ErrClosed
	}
	select {
	case err := <-op.done:
		return err
	case <-ctx.Done():
		// The write may still commit; the caller was not told it did, and
		// MLflow's point identity makes a retry harmless.
		return ctx.Err()
	case <-s.done:
		// The writer has exited; it answered op if it took it before.
		select {
		case err := <-op.done:
			return err
		default:
			return ErrClosed
		}
	}
}

// writer is the single goroutine that owns the write connection.
func (s *Store) writer() {
	defer close(s.done)
	batch := make([]*writeOp, 0, s.maxGroup)
	for {
		var first *writeOp
		select {
		case first = <-s.ops:
		case <-s.stop:
			// Drain what was queued before Close.
			for {
				select {
				case op := <-s.ops:
					s.commit([]*writeOp{op})
				default:
					return
				}
			}
		}
		batch = append(batch[:0], first)
	drain:
		for len(batch) < s.maxGroup {
			select {
			case op := <-s.ops:
				batch = append(batch, op)
			default:
				break drain
			}
		}
		s.commit(batch)
	}
}

// commit runs a group of operations in one transaction, each inside its own
// savepoint, and acknowledges every one after COMMIT.
func (s *Store) commit(batch []*writeOp) {
	live := batch[:0:0]
	for _, op := range batch {
		if err := op.ctx.Err(); err != nil {
			op.done <- err
			continue
		}
		live = append(live, op)
	}
	if len(live) == 0 {
		return
	}
	results := make([]error, len(live))
	err := s.retryBusy(func() error {
		clear(results)
		return s.runGroup(live, results)
	})
	for i, op := range live {
		if err != nil {
			op.done <- err
		} else {
			op.done <- results[i]
		}
	}
}

// retryBusy retries a whole group while another process holds the write lock
// beyond busy_timeout, so "database is locked" never reaches a user under
// ordinary contention.
func (s *Store) retryBusy(fn func() error) error {
	var err error
	for attempt := 0; attempt < 12; attempt++ {
		if err = fn(); err == nil || !isBusy(err) {
			return err
		}
		time.Sleep(time.Duration(attempt+1) * 50 * time.Millisecond)
	}
	return fmt.Errorf("store is busy (another process holds the write lock): %w", err)
}

func (s *Store) runGroup(ops []*writeOp, results []error) error {
	ctx := context.Background() // a group must not be cut short by one caller's cancellation
	sqlTx, err := s.wdb.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin write transaction: %w", err)
	}
	tx := &Tx{tx: sqlTx, ctx: ctx, now: s.Now(), s: s}
	single := len(ops) == 1
	for i, op := range ops {
		if single {
			results[i] = op.fn(tx)
			if results[i] != nil {
				_ = sqlTx.Rollback()
				if isBusy(results[i]) {
					return results[i]
				}
				return nil
			}
			continue
		}
		if _, err := tx.exec(qSavepoint); err != nil {
			_ = sqlTx.Rollback()
			return fmt.Errorf("savepoint: %w", err)
		}
		if results[i] = op.fn(tx); results[i] != nil {
			if isBusy(results[i]) {
				_ = sqlTx.Rollback()
				return results[i]
			}
			if _, err := tx.exec(qRollback); err != nil {
				_ = sqlTx.Rollback()
				return fmt.Errorf("rollback to savepoint: %w", err)
			}
		}
		if _, err := tx.exec(qRelease); err != nil {
			_ = sqlTx.Rollback()
			return fmt.Errorf("release savepoint: %w", err)
		}
	}
	if err := sqlTx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

func (t *Tx) exec(q string, args ...any) (sql.Result, error) {
	if st, ok := t.s.prepared[q]; ok {
		return t.tx.StmtContext(t.ctx, st).ExecContext(t.ctx, args...)
	}
	return t.tx.ExecContext(t.ctx, q, args...)
}

func (t *Tx) queryRow(q string, args ...any) *sql.Row {
	if st, ok := t.s.prepared[q]; ok {
		return t.tx.StmtContext(t.ctx, st).QueryRowContext(t.ctx, args...)
	}
	return t.tx.QueryRowContext(t.ctx, q, args...)
}

// event appends to the audit trail inside the current transaction.
func (t *Tx) event(kind, entity string, payload string) error {
	if payload == "" {
		payload = "{}"
	}
	if _, err := t.exec(qEvent,
		t.now, kind, entity, payload); err != nil {
		return fmt.Errorf("record event %s: %w", kind, err)
	}
	return nil
}

// lineage records an edge "from -> to" of a kind (input, produced, ...)
// once, inside the transaction that makes the link.
func (t *Tx) lineage(fromKind, fromID, toKind, toID, kind string) error {
	_, err := t.exec(`INSERT INTO lineage VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`, fromKind, fromID, toKind, toID, kind, t.now)
	return err
}
