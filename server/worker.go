package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/drydock/drydock/enforce"
	"github.com/drydock/drydock/jobs"
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
		return &ConfigError{Where: "workers", Err: fmt.Errorf("a worker process needs at least one worker (got %d)", cfg.Workers)}
	}
	if logger == nil {
		logger = slog.Default()
	}
	// The data must exist (drydock serve creates it); a worker writes
	// verdicts beside a server, so it takes no exclusive lock.
	data, err := OpenData(ctx, cfg, Reading, logger)
	if err != nil {
		return err
	}
	defer data.Close()
	st := data.Store
	s := &Server{cfg: cfg, log: logger, st: st, blobs: data.Blobs}
	sc, err := s.scanner(ctx)
	if err != nil {
		return &ConfigError{Where: "db", Err: fmt.Errorf("%w (run drydock db update, or set --db)", err)}
	}
	defer s.vulndb.Close()
	settings, err := enforce.NewSettings(ctx, st)
	if err != nil {
		return err
	}
	q, err := jobs.New(ctx, st, cfg.Database, jobs.WithLogger(logger), jobs.WithJobTimeout(cfg.JobTimeout),
		jobs.WithScanner(sc, s.blobs), jobs.WithWorkers(cfg.Workers), jobs.WithPolicies(settings))
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
