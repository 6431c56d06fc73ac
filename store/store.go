// Package store keeps drydock's metadata — repositories, manifests, tags,
// referrers, uploads, users, robots, namespaces, the audit log, verdicts,
// enforcement and webhook settings — in one SQL database. SQLite (pure Go,
// modernc.org/sqlite) is the default so a single machine needs nothing
// installed; PostgreSQL (pgx) takes over when several replicas share one
// database. Both run the same SQL text: queries are written with `?`
// placeholders and rebound for PostgreSQL, and the schema comes from
// versioned migrations embedded per dialect.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
	"modernc.org/sqlite"
)

// Dialect names the SQL database behind a Store.
type Dialect string

// The dialects Open understands.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// Errors callers test with errors.Is.
var (
	// ErrNotFound means the row asked for does not exist.
	ErrNotFound = errors.New("store: not found")
	// ErrConflict means a unique constraint refused the write.
	ErrConflict = errors.New("store: already exists")
	// ErrBadDSN means Open could not make sense of its data source name.
	ErrBadDSN = errors.New("store: bad data source name")
)

// Store is a migrated database. It is safe for concurrent use.
type Store struct {
	db      *sql.DB
	dialect Dialect
	// wmu serialises writes to SQLite inside this process. SQLite allows
	// one writer at a time anyway; queueing on a mutex costs microseconds,
	// while contending on the file lock means sleeping in SQLite's busy
	// handler for milliseconds. Nil for PostgreSQL.
	wmu *sync.Mutex
}

// Open connects to the database named by dsn and applies every pending
// migration. dsn is one of:
//
//   - a file path or "sqlite:PATH": SQLite in WAL mode with a busy timeout,
//     foreign keys on and immediate write transactions;
//   - "postgres://…" or "postgresql://…": PostgreSQL through pgx. A
//     search_path query parameter selects the schema (tests use this).
//
// A DSN that does not parse, or a database that cannot be reached or
// created, is an *OpenError (the caller's or the environment's doing).
func Open(ctx context.Context, dsn string, opts ...OpenOption) (*Store, error) {
	var o openOptions
	for _, opt := range opts {
		opt(&o)
	}
	if strings.TrimSpace(dsn) == "" {
		return nil, &OpenError{Err: fmt.Errorf("%w: empty", ErrBadDSN)}
	}
	var s *Store
	switch {
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		db, err := sql.Open("pgx", dsn)
		if err != nil {
			return nil, &OpenError{DSN: redact(dsn), Err: fmt.Errorf("%w: %v", ErrBadDSN, err)}
		}
		db.SetMaxOpenConns(32)
		db.SetMaxIdleConns(16)
		db.SetConnMaxIdleTime(5 * time.Minute)
		s = &Store{db: db, dialect: Postgres}
	default:
		path := strings.TrimPrefix(dsn, "sqlite:")
		if strings.Contains(path, "://") {
			return nil, &OpenError{DSN: redact(dsn), Err: fmt.Errorf("%w: unknown scheme (want a path, sqlite:PATH or postgres://)", ErrBadDSN)}
		}
		if o.existing {
			if _, err := os.Stat(path); err != nil {
				return nil, &NoDataError{Where: path}
			}
		}
		db, err := sql.Open("sqlite", sqliteDSN(path))
		if err != nil {
			return nil, &OpenError{DSN: dsn, Err: fmt.Errorf("%w: %v", ErrBadDSN, err)}
		}
		// WAL lets readers run beside the one writer; more connections than
		// that only queue on the write lock.
		db.SetMaxOpenConns(8)
		db.SetMaxIdleConns(8)
		s = &Store{db: db, dialect: SQLite, wmu: &sync.Mutex{}}
	}
	if err := s.db.PingContext(ctx); err != nil {
		s.db.Close()
		return nil, &OpenError{DSN: redact(dsn), Err: err}
	}
	if o.existing {
		if err := s.checkExisting(ctx, dsn); err != nil {
			s.db.Close()
			return nil, err
		}
	}
	if err := s.migrate(ctx); err != nil {
		s.db.Close()
		return nil, err
	}
	return s, nil
}

// sqliteDSN turns a path into modernc's DSN with the pragmas every
// connection needs. Immediate transactions take the write lock up front, so
// two writers wait on the busy timeout instead of deadlocking on an upgrade.
func sqliteDSN(path string) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Set("_txlock", "immediate")
	return "file:" + path + "?" + q.Encode()
}

// redact hides a password in a DSN before it reaches an error or a log.
func redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.User == nil {
		return dsn
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}

// Close releases the database.
func (s *Store) Close() error { return s.db.Close() }

// Dialect reports which database this is.
func (s *Store) Dialect() Dialect { return s.dialect }

// DB is the underlying pool, for the rare query that needs it directly.
// Queries through it must be rebound with Rebind.
func (s *Store) DB() *sql.DB { return s.db }

// Ping checks that the database answers (for /readyz).
func (s *Store) Ping(ctx context.Context) error { return s.db.PingContext(ctx) }

// Rebind rewrites `?` placeholders to PostgreSQL's `$1, $2, …`. It leaves
// question marks inside single-quoted literals alone.
func (s *Store) Rebind(query string) string { return rebind(s.dialect, query) }

func rebind(d Dialect, query string) string {
	if d != Postgres || !strings.Contains(query, "?") {
		return query
	}
	var b strings.Builder
	b.Grow(len(query) + 8)
	n, quoted := 0, false
	for i := 0; i < len(query); i++ {
		c := query[i]
		switch {
		case c == '\'':
			quoted = !quoted
		case c == '?' && !quoted:
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// Querier is what both *Store and *Tx offer, so a method can run inside or
// outside a transaction. Queries use `?` placeholders.
type Querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

var (
	_ Querier = (*Store)(nil)
	_ Querier = (*Tx)(nil)
)

// ExecContext runs a statement with `?` placeholders.
func (s *Store) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if s.wmu != nil {
		s.wmu.Lock()
		defer s.wmu.Unlock()
	}
	return s.db.ExecContext(ctx, s.Rebind(query), args...)
}

// QueryContext runs a query with `?` placeholders.
func (s *Store) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return s.db.QueryContext(ctx, s.Rebind(query), args...)
}

// QueryRowContext runs a one-row query with `?` placeholders. An INSERT,
// UPDATE or DELETE … RETURNING is a write and is serialised like one.
func (s *Store) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if s.wmu != nil && isWrite(query) {
		s.wmu.Lock()
		defer s.wmu.Unlock()
	}
	return s.db.QueryRowContext(ctx, s.Rebind(query), args...)
}

func isWrite(query string) bool {
	q := strings.TrimSpace(query)
	if len(q) < 6 {
		return false
	}
	switch strings.ToUpper(q[:6]) {
	case "INSERT", "UPDATE", "DELETE":
		return true
	}
	return false
}

// Tx is a transaction whose queries use `?` placeholders.
type Tx struct {
	tx      *sql.Tx
	dialect Dialect
}

// ExecContext runs a statement inside the transaction.
func (t *Tx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return t.tx.ExecContext(ctx, rebind(t.dialect, query), args...)
}

// QueryContext runs a query inside the transaction.
func (t *Tx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return t.tx.QueryContext(ctx, rebind(t.dialect, query), args...)
}

// QueryRowContext runs a one-row query inside the transaction.
func (t *Tx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	return t.tx.QueryRowContext(ctx, rebind(t.dialect, query), args...)
}

// Dialect reports which database the transaction runs on.
func (t *Tx) Dialect() Dialect { return t.dialect }

// InTx runs fn in a transaction, committing if it returns nil and rolling
// back otherwise. fn's error is returned as is, so errors.Is still works.
func (s *Store) InTx(ctx context.Context, fn func(tx *Tx) error) error {
	if s.wmu != nil {
		s.wmu.Lock()
		defer s.wmu.Unlock()
	}
	sqlTx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	tx := &Tx{tx: sqlTx, dialect: s.dialect}
	if err := fn(tx); err != nil {
		_ = sqlTx.Rollback()
		return err
	}
	if err := sqlTx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	return nil
}

// IsConflict reports whether err is a unique or primary-key violation from
// either database (or already wraps ErrConflict).
func IsConflict(err error) bool {
	if errors.Is(err, ErrConflict) {
		return true
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		// SQLITE_CONSTRAINT_UNIQUE and SQLITE_CONSTRAINT_PRIMARYKEY.
		return se.Code() == 2067 || se.Code() == 1555
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "23505" // unique_violation
	}
	return false
}

// NotFound maps sql.ErrNoRows to ErrNotFound, wrapping with what was looked
// for; other errors pass through wrapped.
func NotFound(err error, what string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%s: %w", what, ErrNotFound)
	}
	return fmt.Errorf("store: %s: %w", what, err)
}

// Now is the time stored for "now": Unix nanoseconds in UTC. Every
// timestamp column is a BIGINT of Unix nanoseconds on both dialects, so one
// SQL text compares and sorts them the same way.
func Now() int64 { return time.Now().UnixNano() }

// Time converts a stored timestamp back; 0 is the zero time.
func Time(ns int64) time.Time {
	if ns == 0 {
		return time.Time{}
	}
	return time.Unix(0, ns).UTC()
}
