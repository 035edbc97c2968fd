// Package store is the only owner of lathe's persistence: one SQLite file in
// WAL mode (lathe.db) and content-addressed blobs under objects/ beside it.
//
// All writes go through a single writer goroutine that drains many callers'
// operations into one transaction (group commit) and acknowledges each caller
// only after that transaction has committed. Each operation runs inside its own
// SAVEPOINT, so one caller's invalid write never fails its neighbours'.
// Reads use a separate pool of read-only connections.
//
// Errors: methods return errors wrapping ErrNotFound, ErrAlreadyExists,
// ErrInvalid or ErrInvalidState so that callers (the HTTP API, the CLI) can map
// them to MLflow error codes and exit statuses with errors.Is.
package store
