package server

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/drydock/drydock/auditlog"

	"github.com/drydock/drydock/catalog"
	"github.com/drydock/drydock/jobs"
	"github.com/drydock/drydock/scan"
	"github.com/drydock/drydock/store"
)

// buildJobs opens the scan queue. With workers configured and a
// vulnerability database to scan with, this process also runs scans;
// without a database it only queues them, and says so.
func (s *Server) buildJobs(ctx context.Context) error {
	opts := []jobs.Option{jobs.WithLogger(s.log), jobs.WithRegisterer(s.metrics), jobs.WithJobTimeout(s.cfg.JobTimeout)}
	if s.cfg.Workers > 0 && !s.cfg.ReadOnly {
		sc, err := s.scanner(ctx)
		if err != nil {
			s.log.Warn("drydock: no scan workers in this process: pushes are queued until a worker with a vulnerability database runs (drydock db update)", "err", err)
		} else {
			s.scan = sc
			opts = append(opts, jobs.WithScanner(sc, s.blobs), jobs.WithWorkers(s.cfg.Workers))
		}
	}
	q, err := jobs.New(ctx, s.st, s.cfg.Database, opts...)
	if err != nil {
		return err
	}
	q.AddHooks(jobs.Hooks{ScanCompleted: s.scanCompleted, VerdictChanged: s.verdictChanged})
	q.AddHooks(jobs.Hooks{ScanCompleted: s.auditScan})
	s.jobs = q
	return nil
}

// auditScan records each verdict a scan gave: allowed for a pass, denied
// for a failure (with its first reason), failed when the scan errored.
func (s *Server) auditScan(e jobs.ScanCompleted) {
	ev := auditlog.Event{Actor: "scanner", Action: "scan", Repo: e.Repo, Target: e.Digest, Outcome: auditlog.OutcomeAllowed}
	switch v := e.Verdict; v.Status {
	case store.VerdictFail:
		ev.Outcome = auditlog.OutcomeDenied
		if len(v.Reasons) > 0 {
			ev.Reason = v.Reasons[0].Rule + ": " + v.Reasons[0].Message
		}
	case store.VerdictError:
		ev.Outcome, ev.Reason = auditlog.OutcomeFailed, v.Error
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.audit.Record(ctx, ev); err != nil {
		s.log.Warn("drydock: auditing a scan", "repo", e.Repo, "digest", e.Digest, "err", err)
	}
}

// scanner opens the vulnerability database and builds the process's one
// Scanner, its layer cache in the data directory.
func (s *Server) scanner(ctx context.Context) (*scan.Scanner, error) {
	db, err := openLiveDB(ctx, s.cfg.VulnDB, s.log)
	if err != nil {
		return nil, fmt.Errorf("vulnerability database %s: %w", s.cfg.VulnDB, err)
	}
	s.vulndb = db
	return scan.New(db, scan.WithCatalogOptions(catalog.WithCacheDir(filepath.Join(s.cfg.DataDir, "catalog-cache"))))
}

// Jobs is the scan queue: a registry listener, the jobs list and metrics.
// Namespace policies and hooks (SetPolicies, AddHooks) are set on it
// before Serve starts the workers.
func (s *Server) Jobs() *jobs.Queue { return s.jobs }
