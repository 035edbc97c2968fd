package store

import (
	"database/sql"
	"errors"
	"fmt"
)

// Sentinel errors; wrap them with what was being done so users see the key,
// id or value at fault and callers can still classify with errors.Is.
var (
	// ErrNotFound: the named experiment, run, key or object does not exist.
	ErrNotFound = errors.New("not found")
	// ErrAlreadyExists: a unique name or id is taken.
	ErrAlreadyExists = errors.New("already exists")
	// ErrInvalid: a value, key or argument is malformed or out of bounds.
	ErrInvalid = errors.New("invalid value")
	// ErrInvalidState: the object exists but cannot take this change now
	// (for example logging to a deleted run).
	ErrInvalidState = errors.New("invalid state")
)

// kindError is a message that reads well on its own and still matches its
// sentinel with errors.Is.
type kindError struct {
	msg  string
	kind error
}

func (e *kindError) Error() string { return e.msg }
func (e *kindError) Unwrap() error { return e.kind }

func notFound(format string, args ...any) error {
	return &kindError{fmt.Sprintf(format, args...), ErrNotFound}
}

func invalid(format string, args ...any) error {
	return &kindError{fmt.Sprintf(format, args...), ErrInvalid}
}

func exists(format string, args ...any) error {
	return &kindError{fmt.Sprintf(format, args...), ErrAlreadyExists}
}

func badState(format string, args ...any) error {
	return &kindError{fmt.Sprintf(format, args...), ErrInvalidState}
}

func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }
