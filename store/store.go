package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Clock tells the store what time it is; tests inject a fixed one.
type Clock func() time.Time

// Options tune Open. The zero value is what lathe uses.
type Options struct {
	// Clock defaults to time.Now.
	Clock Clock
	// Synchronous is SQLite's synchronous pragma: "FULL" (default) makes every
	// acknowledged commit survive power loss; "NORMAL" only survives process
	// crashes. See docs/store.md for the measurement behind the default.
	Synchronous string
	// ReadConns bounds the read pool; default max(4, GOMAXPROCS).
	ReadConns int
	// MaxGroup bounds how many queued writes share one transaction (default 256).
	MaxGroup int
	// AllowNetworkFS opens a store on NFS/SMB anyway (unsafe with WAL).
	AllowNetworkFS bool
}

// Store is an open lathe store. It is safe for concurrent use by many
// goroutines; several processes may also open the same store.
type Store struct {
	dir   string
	clock Clock
	wdb   *sql.DB // exactly one connection, BEGIN IMMEDIATE
	rdb   *sql.DB // read-only pool

	insStmts map[int]*sql.Stmt    // prepared metric inserts by row count, made in Open
	prepared map[string]*sql.Stmt // hot statements by SQL text, made in Open

	ops      chan *writeOp
	maxGroup int
	stop     chan struct{}
	done     chan struct{}
}

// DBFile and ObjectsDir are the names inside a store directory.
const (
	DBFile     = "lathe.db"
	ObjectsDir = "objects"
)

// Open opens (creating if needed) the store in dir: dir/lathe.db and
// dir/objects/. It applies pending migrations before returning.
func Open(ctx context.Context, dir string, opt Options) (*Store, error) {
	if opt.Clock == nil {
		opt.Clock = time.Now
	}
	if opt.Synchronous == "" {
		opt.Synchronous = "FULL"
	}
	switch opt.Synchronous {
	case "FULL", "NORMAL", "OFF", "EXTRA":
	default:
		return nil, invalid("synchronous mode %q (want FULL, NORMAL, EXTRA or OFF)", opt.Synchronous)
	}
	if opt.ReadConns <= 0 {
		opt.ReadConns = max(4, runtime.GOMAXPROCS(0))
	}
	if opt.MaxGroup <= 0 {
		opt.MaxGroup = 256
	}
	if err := os.MkdirAll(filepath.Join(dir, ObjectsDir), 0o755); err != nil {
		return nil, fmt.Errorf("create store directory %s: %w", dir, err)
	}
	if !opt.AllowNetworkFS {
		if fs, bad := networkFS(dir); bad {
			return nil, fmt.Errorf("store %s is on a network file system (%s): SQLite's WAL mode is unsafe there; put the store on a local disk (--store or LATHE_STORE)", dir, fs)
		}
	}
	path := filepath.Join(dir, DBFile)
	wdb, err := sql.Open("sqlite", dsn(path, opt.Synchronous, false))
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	wdb.SetMaxOpenConns(1)
	wdb.SetMaxIdleConns(1)
	wdb.SetConnMaxLifetime(0)
	wdb.SetConnMaxIdleTime(0)
	s := &Store{dir: dir, clock: opt.Clock, wdb: wdb, maxGroup: opt.MaxGroup, insStmts: map[int]*sql.Stmt{},
		ops: make(chan *writeOp, 4096), stop: make(chan struct{}), done: make(chan struct{})}
	if err := s.migrate(ctx); err != nil {
		wdb.Close()
		return nil, fmt.Errorf("migrate %s: %w", path, err)
	}
	if err := s.prepareHot(ctx); err != nil {
		wdb.Close()
		return nil, err
	}
	rdb, err := sql.Open("sqlite", dsn(path, opt.Synchronous, true))
	if err != nil {
		wdb.Close()
		return nil, fmt.Errorf("open %s for reading: %w", path, err)
	}
	rdb.SetMaxOpenConns(opt.ReadConns)
	rdb.SetMaxIdleConns(opt.ReadConns)
	s.rdb = rdb
	go s.writer()
	return s, nil
}

// DSN is the connection string lathe uses for writing to the database at
// path; benchmarks and tools that must talk to SQLite directly use it so that
// they run under the same pragmas.
func DSN(path, synchronous string) string { return dsn(path, synchronous, false) }

// dsn puts every pragma in the connection string so that each pooled
// connection gets them; busy_timeout comes first so it guards the others.
func dsn(path, sync string, readOnly bool) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous("+sync+")")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "temp_store(MEMORY)")
	q.Add("_pragma", "cache_size(-16000)")
	if readOnly {
		q.Add("_pragma", "query_only(1)")
	} else {
		q.Set("_txlock", "immediate")
	}
	return "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + q.Encode()
}

// Dir is the store directory (holding lathe.db and objects/).
func (s *Store) Dir() string { return s.dir }

// Now is the store's clock in MLflow's unit, Unix milliseconds.
func (s *Store) Now() int64 { return s.clock().UnixMilli() }

// Close stops the writer after the queued writes and closes the database.
func (s *Store) Close() error {
	select {
	case <-s.stop:
		return nil
	default:
	}
	close(s.stop)
	<-s.done
	for _, st := range s.insStmts {
		st.Close()
	}
	for _, st := range s.prepared {
		st.Close()
	}
	return errors.Join(s.rdb.Close(), s.wdb.Close())
}

// ReadDB exposes the read pool for packages that run their own read-only
// queries (benchmarks, integrity checks). Writes through it fail.
func (s *Store) ReadDB() *sql.DB { return s.rdb }

// IntegrityCheck runs PRAGMA integrity_check and returns its verdict ("ok").
func (s *Store) IntegrityCheck(ctx context.Context) (string, error) {
	var res string
	if err := s.rdb.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&res); err != nil {
		return "", fmt.Errorf("integrity check: %w", err)
	}
	return res, nil
}

// isBusy reports whether err is SQLite's "database is locked/busy".
func isBusy(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		c := se.Code() & 0xff
		return c == sqlite3.SQLITE_BUSY || c == sqlite3.SQLITE_LOCKED
	}
	return false
}
