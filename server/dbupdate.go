package server

import (
	"context"
	"fmt"
	"time"

	"github.com/drydock/drydock/auditlog"
	"github.com/drydock/drydock/vulndb"
)

// updateDBEvery refreshes the vulnerability database from the OSV export
// every interval, as `drydock db update` does. A replaced file is picked
// up by the scanner and rematched at once; an update that fails is logged
// and audited and leaves the previous database in use.
func (s *Server) updateDBEvery(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		s.updateDB(ctx)
	}
}

// updateDB runs one scheduled update and audits it as the "db-update" job's.
func (s *Server) updateDB(ctx context.Context) {
	opts := []vulndb.Option{vulndb.WithLogger(s.log)}
	if s.cfg.DBUpdateURL != "" {
		opts = append(opts, vulndb.WithBaseURL(s.cfg.DBUpdateURL))
	}
	if len(s.cfg.DBUpdateEcosystems) > 0 {
		opts = append(opts, vulndb.WithEcosystems(s.cfg.DBUpdateEcosystems...))
	}
	rep, err := vulndb.Update(ctx, s.cfg.VulnDB, opts...)
	if ctx.Err() != nil {
		return // shutting down
	}
	ev := auditlog.Event{Actor: "db-update", Action: "db.update", Target: s.cfg.VulnDB, Outcome: auditlog.OutcomeAllowed}
	if rep != nil {
		records, kept := 0, 0
		for _, sr := range rep.Sources {
			if sr.NotModified {
				kept++
			}
			records += sr.Records
		}
		ev.Reason = fmt.Sprintf("%d records imported, %d sources not modified", records, kept)
	}
	switch {
	case rep == nil:
		ev.Outcome, ev.Reason = auditlog.OutcomeFailed, err.Error()
		s.log.Warn("drydock: scheduled vulnerability database update failed; the previous database stays in use", "path", s.cfg.VulnDB, "err", err)
	case err != nil:
		// Some sources were skipped and kept their old records.
		ev.Outcome, ev.Reason = auditlog.OutcomeFailed, ev.Reason+"; "+err.Error()
		s.log.Warn("drydock: scheduled vulnerability database update skipped sources", "path", s.cfg.VulnDB, "err", err)
	default:
		s.log.Info("drydock: updated the vulnerability database", "path", s.cfg.VulnDB, "result", ev.Reason)
	}
	if rep != nil {
		if s.vulndb != nil {
			s.vulndb.recheck()
		}
		select {
		case s.dbUpdated <- struct{}{}:
		default: // a rematch is already due
		}
	}
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := s.audit.Record(actx, ev); err != nil {
		s.log.Warn("drydock: auditing a database update", "err", err)
	}
}
