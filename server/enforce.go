package server

import (
	"context"
	"time"

	"github.com/opencontainers/go-digest"

	"github.com/drydock/drydock/enforce"
	"github.com/drydock/drydock/jobs"
	"github.com/drydock/drydock/trust"
)

// rematchEvery is how often serve looks for a replaced vulnerability
// database (db update, db import or db pull on this machine) to rematch
// the stored SBOMs against.
const rematchEvery = time.Minute

// buildEnforcement makes the quarantine gate and the rematch over the
// scan queue's results: namespaces' policies judge scans on push, a
// finished scan drops the gate's cached decision, and a verdict a rematch
// flips is audited and sent to the namespace's webhooks.
func (s *Server) buildEnforcement() error {
	results := enforce.NewStoredResults(s.st, func() enforce.Database {
		if s.vulndb == nil {
			return nil
		}
		return s.vulndb
	})
	opts := []enforce.Option{enforce.WithAudit(s.audit)}
	var err error
	if s.gate, err = enforce.NewGate(s.settings, results, s.st, opts...); err != nil {
		return err
	}
	s.trust = trust.New(s.st, s.blobs, s.gate)
	warn := func(msg string, err error) { s.log.Warn("drydock: "+msg, "err", err) }
	if s.rematch, err = enforce.NewRematcher(s.st, results, s.settings,
		append(opts, enforce.WithFlipHook(enforce.PublishFlips(s.hooks, warn)))...); err != nil {
		return err
	}
	s.rematch.InvalidateWith(s.gate.Invalidate)
	s.jobs.SetPolicies(s.settings)
	s.jobs.AddHooks(jobs.Hooks{ScanCompleted: func(e jobs.ScanCompleted) { s.gate.Invalidate(digest.Digest(e.Digest)) }})
	return nil
}

// watchRematch rematches the stored SBOMs whenever the vulnerability
// database file is replaced, while serving; a rematch that saw changed
// records is followed by an audit of what runs, when one is configured.
func (s *Server) watchRematch(ctx context.Context) {
	if s.cfg.ReadOnly {
		return
	}
	s.rematch.WatchKicked(ctx, s.cfg.VulnDB, rematchEvery, s.dbUpdated, func(rep *enforce.RematchReport, err error) {
		if err != nil {
			s.log.Warn("drydock: rematch after a database update", "err", err)
			return
		}
		s.log.Info("drydock: rematched stored SBOMs", "changed_records", rep.ChangedRecords, "reevaluated", rep.Reevaluated,
			"not_reevaluated", rep.NotReevaluated, "rewritten", rep.Rewritten, "flips", len(rep.Flips), "full", rep.Full, "took", rep.Took.Round(time.Millisecond))
		if rep.Full || rep.ChangedRecords > 0 {
			s.kickAudit()
		}
	})
}

// Enforcement is the namespaces' enforcement settings (tests and tools).
func (s *Server) Enforcement() *enforce.Settings { return s.settings }
