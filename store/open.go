package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// OpenOption changes how Open treats a database.
type OpenOption func(*openOptions)

type openOptions struct{ existing bool }

// Existing makes Open refuse a database that drydock has not set up yet (a
// missing SQLite file, a PostgreSQL schema without drydock's tables) with a
// *NoDataError, instead of creating it. Tools that manage an existing
// registry use it, so a wrong path never yields a new, empty registry.
// Default: Open creates and migrates what is missing.
func Existing() OpenOption { return func(o *openOptions) { o.existing = true } }

// ErrNoData is wrapped by a *NoDataError.
var ErrNoData = errors.New("store: no drydock data")

// NoDataError means Existing was asked for and the database is not there.
type NoDataError struct {
	// Where is the SQLite file or the redacted PostgreSQL DSN.
	Where string
}

func (e *NoDataError) Error() string { return fmt.Sprintf("%v at %s", ErrNoData, e.Where) }
func (e *NoDataError) Unwrap() error { return ErrNoData }

// InvalidInput reports true: the caller named the wrong place.
func (e *NoDataError) InvalidInput() bool { return true }

// OpenError is a database Open could not reach or use: a DSN that does not
// parse, a server that does not answer, a file that cannot be created. It
// is the caller's or the environment's doing, not a defect in drydock.
type OpenError struct {
	DSN string // redacted
	Err error
}

func (e *OpenError) Error() string {
	if e.DSN == "" {
		return "store: " + e.Err.Error()
	}
	return fmt.Sprintf("store: open %s: %v", e.DSN, e.Err)
}

func (e *OpenError) Unwrap() error { return e.Err }

// InvalidInput reports true.
func (e *OpenError) InvalidInput() bool { return true }

// checkExisting refuses a database without drydock's schema_migrations
// table: an empty SQLite file, another program's file, an empty schema.
func (s *Store) checkExisting(ctx context.Context, dsn string) error {
	q := "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'"
	if s.dialect == Postgres {
		q = "SELECT COUNT(*) FROM (SELECT to_regclass('schema_migrations') AS t) r WHERE r.t IS NOT NULL"
	}
	var n int
	if err := s.db.QueryRowContext(ctx, q).Scan(&n); err != nil {
		return &OpenError{DSN: redact(dsn), Err: err}
	}
	if n == 0 {
		return &NoDataError{Where: redact(strings.TrimPrefix(dsn, "sqlite:"))}
	}
	return nil
}
