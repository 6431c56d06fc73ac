package store

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"

	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
)

// migrateRiver applies the job queue's own migrations (River's tables for
// jobs, queues and leader election) in the same database, after ours, so
// the queue survives restarts exactly as the rest of the metadata does.
// River owns these tables and their versions (table river_migration).
func (s *Store) migrateRiver(ctx context.Context) error {
	cfg := &rivermigrate.Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	var err error
	switch s.dialect {
	case Postgres:
		var m *rivermigrate.Migrator[*sql.Tx]
		if m, err = rivermigrate.New(riverdatabasesql.New(s.db), cfg); err == nil {
			_, err = m.Migrate(ctx, rivermigrate.DirectionUp, nil)
		}
	default:
		var m *rivermigrate.Migrator[*sql.Tx]
		if m, err = rivermigrate.New(riversqlite.New(s.db), cfg); err == nil {
			_, err = m.Migrate(ctx, rivermigrate.DirectionUp, nil)
		}
	}
	if err != nil {
		return fmt.Errorf("store: job queue migrations (%s): %w", s.dialect, err)
	}
	return nil
}
