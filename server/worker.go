package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/drydock/drydock/blobstore"
	"github.com/drydock/drydock/jobs"
	"github.com/drydock/drydock/store"
)

// RunWorker runs scan workers without serving anything, on the same
// database and blobs as `drydock serve` (cfg as for New), until ctx ends;
// running scans then get a minute to finish. It is how scanning scales out
// beside one or more serving replicas.
func RunWorker(ctx context.Context, cfg Config, logger *slog.Logger) error {
	if err := cfg.Defaults(); err != nil {
		return err
	}
	if cfg.Workers <= 0 {
		return &ConfigError{fmt.Sprintf("server: a worker needs at least one worker (got %d)", cfg.Workers)}
	}
	if logger == nil {
		logger = slog.Default()
	}
	st, err := store.Open(ctx, cfg.Database)
	if err != nil {
		return err
	}
	defer st.Close()
	s := &Server{cfg: cfg, log: logger, st: st}
	if s.blobs, err = blobstore.NewFilesystem(cfg.BlobDir); err != nil {
		return err
	}
	sc, err := s.scanner(ctx)
	if err != nil {
		return &ConfigError{err.Error() + " (run drydock db update, or set --db)"}
	}
	defer s.vulndb.Close()
	q, err := jobs.New(ctx, st, cfg.Database, jobs.WithLogger(logger), jobs.WithJobTimeout(cfg.JobTimeout),
		jobs.WithScanner(sc, s.blobs), jobs.WithWorkers(cfg.Workers))
	if err != nil {
		return err
	}
	defer q.Close()
	if err := q.Start(ctx); err != nil {
		return err
	}
	logger.Info("drydock: worker running", "workers", cfg.Workers, "database", dsnKind(cfg.Database))
	<-ctx.Done()
	sctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := q.Stop(sctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return nil
}

// ConfigError is a configuration the operator must fix.
type ConfigError struct{ Msg string }

func (e *ConfigError) Error() string { return e.Msg }

// InvalidInput marks the error as the operator's.
func (e *ConfigError) InvalidInput() bool { return true }
