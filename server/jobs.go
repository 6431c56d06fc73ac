package server

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/drydock/drydock/auditlog"
	"github.com/drydock/drydock/auth"
	"github.com/drydock/drydock/store"
	"github.com/drydock/drydock/webhook"

	"github.com/drydock/drydock/catalog"
	"github.com/drydock/drydock/jobs"
	"github.com/drydock/drydock/scan"
	"github.com/drydock/drydock/vulndb"
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
			opts = append(opts, jobs.WithScanner(sc, s.blobs), jobs.WithWorkers(s.cfg.Workers))
		}
	}
	q, err := jobs.New(ctx, s.st, s.cfg.Database, opts...)
	if err != nil {
		return err
	}
	q.AddHooks(jobs.Hooks{ScanCompleted: s.announceScan, VerdictChanged: s.announceChange})
	s.jobs = q
	return nil
}

// verdictData is the payload of the scan-completed and verdict-changed
// webhook events.
type verdictData struct {
	Repository string               `json:"repository"`
	Digest     string               `json:"digest"`
	Verdict    string               `json:"verdict"`
	Previous   string               `json:"previous,omitempty"`
	Reasons    []string             `json:"reasons,omitempty"`
	Blocking   []string             `json:"blocking,omitempty"`
	Counts     store.SeverityCounts `json:"counts"`
	Policy     string               `json:"policy,omitempty"`
	DBVersion  string               `json:"dbVersion,omitempty"`
}

func newVerdictData(repo, digest string, v *store.Verdict) verdictData {
	d := verdictData{Repository: repo, Digest: digest, Verdict: string(v.Status), Counts: v.Counts,
		Policy: v.PolicyName, DBVersion: v.DBVersion}
	for _, r := range v.Reasons {
		d.Reasons = append(d.Reasons, r.Rule+": "+r.Message)
	}
	for _, b := range v.Blocking {
		d.Blocking = append(d.Blocking, b.ID)
	}
	return d
}

func (s *Server) announceScan(e jobs.ScanCompleted) {
	s.publish(e.Repo, webhook.TypeScanCompleted, e.Digest, newVerdictData(e.Repo, e.Digest, e.Verdict))
}

func (s *Server) announceChange(e jobs.VerdictChanged) {
	d := newVerdictData(e.Repo, e.Digest, e.Verdict)
	d.Previous = string(e.From)
	s.publish(e.Repo, webhook.TypeVerdictChanged, e.Digest, d)
	s.audit.Record(context.Background(), auditlog.Event{Action: "verdict.changed", Repo: e.Repo, Target: e.Digest,
		Outcome: auditlog.OutcomeAllowed, Reason: string(e.From) + " → " + string(e.To)})
}

func (s *Server) publish(repo, eventType, digest string, data verdictData) {
	ns, ok := auth.NamespaceOf(repo)
	if !ok {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.hooks.Publish(ctx, ns, eventType, repo+"@"+digest, data); err != nil {
		s.log.Warn("drydock: webhook "+eventType, "repo", repo, "digest", digest, "err", err)
	}
}

// scanner opens the vulnerability database and builds the process's one
// Scanner, its layer cache in the data directory.
func (s *Server) scanner(ctx context.Context) (*scan.Scanner, error) {
	db, err := vulndb.Open(ctx, s.cfg.VulnDB)
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
