package server

import (
	"context"
	"time"

	"github.com/drydock/drydock/auditlog"
	"github.com/drydock/drydock/auth"
	"github.com/drydock/drydock/enforce"
	"github.com/drydock/drydock/jobs"
	"github.com/drydock/drydock/store"
	"github.com/drydock/drydock/webhook"
)

// The webhooks hear of registry events through a registry Listener
// (registryHooks); of finished scans and changed verdicts through these
// hooks, which the scan queue (jobs.Hooks, set in buildJobs) and the
// rematch after a database update (enforce.WithFlipHook) call.

// verdictData is the payload of scan.completed and verdict.changed.
type verdictData struct {
	Repository string                  `json:"repository"`
	Digest     string                  `json:"digest"`
	Status     string                  `json:"status"`
	From       string                  `json:"from,omitempty"` // verdict.changed only
	Counts     *store.SeverityCounts   `json:"counts,omitempty"`
	FailOn     string                  `json:"fail_on,omitempty"`
	Reasons    []store.VerdictReason   `json:"reasons,omitempty"`
	Blocking   []store.BlockingFinding `json:"blocking,omitempty"`
	DBVersion  string                  `json:"db_version,omitempty"`
	Cause      string                  `json:"cause"` // "scan" or "rematch"
	At         time.Time               `json:"at"`
}

func fromVerdict(repo, dgst string, v *store.Verdict) verdictData {
	d := verdictData{Repository: repo, Digest: dgst, Cause: "scan", At: time.Now().UTC()}
	if v != nil {
		counts := v.Counts
		d.Status, d.Counts, d.FailOn, d.Reasons, d.DBVersion = string(v.Status), &counts, v.FailOn, v.Reasons, v.DBVersion
		d.Blocking = v.Blocking[:min(len(v.Blocking), 20)] // the first are enough to act on
		if !v.ScannedAt.IsZero() {
			d.At = v.ScannedAt
		}
	}
	return d
}

// publish sends one event to the webhooks of repo's namespace; a failure
// to queue is logged (the scan or rematch it reports has happened anyway).
func (s *Server) publish(eventType, repo, dgst string, data any) {
	ns, ok := auth.NamespaceOf(repo)
	if !ok {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.hooks.Publish(ctx, ns, eventType, repo+"@"+dgst, data); err != nil {
		s.log.Warn("drydock: webhook event not queued", "type", eventType, "repo", repo, "err", err)
	}
}

func (s *Server) scanCompleted(e jobs.ScanCompleted) {
	s.publish(webhook.TypeScanCompleted, e.Repo, e.Digest, fromVerdict(e.Repo, e.Digest, e.Verdict))
}

func (s *Server) verdictChanged(e jobs.VerdictChanged) {
	d := fromVerdict(e.Repo, e.Digest, e.Verdict)
	d.Status, d.From = string(e.To), string(e.From)
	s.publish(webhook.TypeVerdictChanged, e.Repo, e.Digest, d)
	s.audit.Record(context.Background(), auditlog.Event{Action: "verdict.changed", Repo: e.Repo, Target: e.Digest,
		Outcome: auditlog.OutcomeAllowed, Reason: string(e.From) + " → " + string(e.To)})
}

// flipHook tells the webhooks of a verdict a rematch turned, once per
// repository holding the manifest.
func (s *Server) flipHook(f enforce.Flip) {
	to, from := store.VerdictFail, store.VerdictPass
	if f.Pass {
		to, from = from, to
	}
	for _, repo := range f.Repos {
		d := verdictData{Repository: repo, Digest: f.Digest.String(), Status: string(to), From: string(from), Cause: "rematch", At: f.Time}
		if f.Verdict != nil {
			d.FailOn = f.Verdict.FailOn.String()
			for _, r := range f.Verdict.Reasons {
				d.Reasons = append(d.Reasons, store.VerdictReason{Rule: r.Rule, Message: r.Message, IDs: r.IDs})
			}
		}
		s.publish(webhook.TypeVerdictChanged, repo, f.Digest.String(), d)
	}
}
