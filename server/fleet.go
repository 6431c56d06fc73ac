package server

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/drydock/drydock/auditlog"
	"github.com/drydock/drydock/enforce"
	"github.com/drydock/drydock/fleet"
	"github.com/drydock/drydock/policy"
)

// The continuous audit: with a source configured (auditKubeconfig,
// auditInventory), serve audits what runs every auditEvery and after each
// rematch that follows a database update, with the process's one scanner,
// its store and blobs and the database in use. One audit runs at a time;
// a kick while one runs makes one more run after it. A read-only server
// audits nothing: an audit writes SBOMs, findings and its report.

// buildFleet makes the auditor when a source is configured.
func (s *Server) buildFleet(ctx context.Context) error {
	if !s.cfg.Auditing() {
		return nil
	}
	if s.cfg.ReadOnly {
		s.log.Warn("drydock: no audit in a read-only server (an audit writes its report); run it on a read-write one or with drydock audit")
		return nil
	}
	if s.scan == nil {
		// No scan workers here (--workers -1): the audit still needs the
		// scanner to catalog images it has not seen.
		sc, err := s.scanner(ctx)
		if err != nil {
			s.log.Warn("drydock: no audit in this process: it needs a vulnerability database (drydock db update)", "err", err)
			return nil
		}
		s.scan = sc
	}
	var pol *policy.Policy
	if s.cfg.AuditPolicy != "" {
		var err error
		if pol, err = policy.Load(s.cfg.AuditPolicy); err != nil {
			return &ConfigError{Where: "auditPolicy", Err: err}
		}
	}
	cfg := fleet.Config{
		Store:   s.st,
		Blobs:   s.blobs,
		Scanner: s.scan,
		Database: func() enforce.Database {
			if s.vulndb == nil {
				return nil
			}
			return s.vulndb
		},
		Registries: s.cfg.PullRegistries(),
		Policy:     pol,
		Logger:     s.log,
	}
	if s.settings != nil {
		cfg.Policies = s.settings
	}
	a, err := fleet.New(cfg)
	if err != nil {
		return err
	}
	if s.auditMetrics, err = newAuditMetrics(s.metrics); err != nil {
		return err
	}
	s.auditor, s.auditKick = a, make(chan struct{}, 1)
	return nil
}

// kickAudit asks for an audit now (after a rematch that saw changed records).
func (s *Server) kickAudit() {
	if s.auditKick == nil {
		return
	}
	select {
	case s.auditKick <- struct{}{}:
	default: // one is already due
	}
}

// auditLoop runs the audit on its schedule and when kicked, until ctx ends.
func (s *Server) auditLoop(ctx context.Context) {
	var tick <-chan time.Time
	if s.cfg.AuditEvery > 0 {
		t := time.NewTicker(s.cfg.AuditEvery)
		defer t.Stop()
		tick = t.C
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick:
		case <-s.auditKick:
		}
		s.Audit(ctx)
	}
}

// Audit runs one audit of the configured sources now: it logs the
// summary, records it in the audit log as the "fleet-audit" job's and
// sends the webhooks' audit events, and updates the drydock_fleet_*
// metrics. The Auditor stores the report.
func (s *Server) Audit(ctx context.Context) (*fleet.Report, error) {
	if s.auditor == nil {
		return nil, errors.New("server: no audit configured (auditKubeconfig or auditInventory), or the server is read-only")
	}
	ev := auditlog.Event{Actor: "fleet-audit", Action: "fleet.audit", Outcome: auditlog.OutcomeAllowed}
	rep, err := s.runAudit(ctx)
	if ctx.Err() != nil {
		return nil, ctx.Err() // shutting down
	}
	s.auditMetrics.observe(rep)
	if err != nil {
		ev.Outcome, ev.Reason = auditlog.OutcomeFailed, err.Error()
		s.log.Warn("drydock: audit of what runs failed", "err", err)
	} else {
		ev.Target = fmt.Sprintf("audit %d", rep.ID)
		ev.Reason = fmt.Sprintf("%d images, %d new vulnerabilities, %d critical, %d high, %d updates planned",
			len(rep.Images), len(rep.New), rep.Counts.Critical, rep.Counts.High, len(rep.Plan))
		s.log.Info("drydock: audited what runs", "audit", rep.ID, "images", len(rep.Images), "new", len(rep.New),
			"critical", rep.Counts.Critical, "high", rep.Counts.High, "unknown_origin", len(rep.UnknownOrigin), "updates", len(rep.Plan),
			"cataloged", rep.Rematch.Cataloged, "reevaluated", rep.Rematch.Reevaluated, "not_reevaluated", rep.Rematch.NotReevaluated,
			"took", rep.Finished.Sub(rep.Started).Round(time.Millisecond))
		if nerr := fleet.Notify(ctx, s.hooks, rep); nerr != nil {
			s.log.Warn("drydock: audit webhook events not queued", "err", nerr)
		}
	}
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if aerr := s.audit.Record(actx, ev); aerr != nil {
		s.log.Warn("drydock: recording an audit of what runs", "err", aerr)
	}
	return rep, err
}

// runAudit opens the sources afresh (a kubeconfig's credentials and an
// inventory file may change between audits) and runs the auditor.
func (s *Server) runAudit(ctx context.Context) (*fleet.Report, error) {
	var sources []fleet.Source
	if s.cfg.AuditKubeconfig != "" {
		c, name, err := fleet.KubeClient(s.cfg.AuditKubeconfig, s.cfg.AuditContext)
		if err != nil {
			return nil, fmt.Errorf("auditKubeconfig %s: %w", s.cfg.AuditKubeconfig, err)
		}
		sources = append(sources, fleet.NewKubeSource(c, name, s.cfg.AuditNamespaces))
	}
	if s.cfg.AuditInventory != "" {
		src, err := fleet.LoadInventory(s.cfg.AuditInventory)
		if err != nil {
			return nil, fmt.Errorf("auditInventory %s: %w", s.cfg.AuditInventory, err)
		}
		sources = append(sources, src)
	}
	return s.auditor.Run(ctx, sources...)
}
