// Package storetest runs one test against every database the store
// supports: SQLite in a temporary file and the real PostgreSQL named by
// DRYDOCK_TEST_POSTGRES (default postgres://postgres@127.0.0.1:5432/test),
// each in a fresh schema that is dropped afterwards, so packages testing in
// parallel never see each other's rows. PostgreSQL being unreachable fails
// the test unless DRYDOCK_TEST_POSTGRES=skip.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/drydock/drydock/store"
)

// DefaultPostgres is used when DRYDOCK_TEST_POSTGRES is unset.
const DefaultPostgres = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// Run runs fn as two subtests, "sqlite" and "postgres", each on a freshly
// migrated, empty store.
func Run(t *testing.T, fn func(t *testing.T, st *store.Store)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, SQLite(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, Postgres(t)) })
}

// SQLite opens a migrated store in a temporary file removed after the test.
func SQLite(t testing.TB) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "drydock.db"))
	if err != nil {
		t.Fatalf("open sqlite store: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// Postgres opens a migrated store in a fresh PostgreSQL schema dropped
// after the test.
func Postgres(t testing.TB) *store.Store {
	t.Helper()
	dsn := PostgresDSN(t)
	st, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatalf("open postgres store: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// PostgresDSN creates an empty schema and returns a DSN whose search_path
// selects it, for tests that open the store themselves (a server
// subprocess, a restart). The schema is dropped when the test ends.
func PostgresDSN(t testing.TB) string {
	t.Helper()
	base := os.Getenv("DRYDOCK_TEST_POSTGRES")
	if base == "skip" {
		t.Skip("DRYDOCK_TEST_POSTGRES=skip: PostgreSQL tests skipped")
	}
	if base == "" {
		base = DefaultPostgres
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("DRYDOCK_TEST_POSTGRES: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := admin.PingContext(ctx); err != nil {
		admin.Close()
		t.Fatalf("PostgreSQL at %s is unreachable (set DRYDOCK_TEST_POSTGRES=skip to skip): %v", base, err)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "drydock_test_" + hex.EncodeToString(b[:])
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		admin.Close()
		t.Fatalf("create schema %s: %v", schema, err)
	}
	t.Cleanup(func() {
		defer admin.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := admin.ExecContext(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("DRYDOCK_TEST_POSTGRES: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
