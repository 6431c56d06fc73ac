package registry

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/drydock/drydock/auditlog"
)

// eventQueue delivers events to the listeners (and audit-only decisions to
// the recorder) from one goroutine, in order, so a pull never waits on a
// database write. When the queue is full the caller waits rather than
// dropping an event; Close drains it.
type eventQueue struct {
	rec       auditlog.Recorder
	listeners []Listener
	log       func(msg string, args ...any)
	ch        chan queued
	done      chan struct{}
	once      sync.Once
	mu        sync.RWMutex // held for reading while sending, for writing by close
	shut      bool
}

// queued is an Event for the listeners, or (audit set) a decision only the
// audit trail records.
type queued struct {
	ev    Event
	audit *auditlog.Event
	done  chan struct{} // closed once delivered, when the sender waits
}

func newEventQueue(rec auditlog.Recorder, listeners []Listener, logf func(string, ...any)) *eventQueue {
	q := &eventQueue{rec: rec, listeners: listeners, log: logf, ch: make(chan queued, 4096), done: make(chan struct{})}
	go q.run()
	return q
}

func (q *eventQueue) run() {
	defer close(q.done)
	for it := range q.ch {
		q.deliver(it)
	}
}

func (q *eventQueue) deliver(it queued) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if it.done != nil {
		defer close(it.done)
	}
	if it.audit != nil {
		if err := q.rec.Record(ctx, *it.audit); err != nil {
			q.log("registry: audit event not recorded", "action", it.audit.Action, "repo", it.audit.Repo, "err", err)
		}
		return
	}
	for _, l := range q.listeners {
		l.Notify(ctx, it.ev)
	}
}

func (q *eventQueue) sendEvent(e Event) { q.send(queued{ev: e}) }

// sendEventWait queues e behind what is already queued and waits until
// the listeners have it: for pushes and deletes, rarer than pulls, whose
// consequences (a queued scan, an audit record) must exist when the client
// is answered.
func (q *eventQueue) sendEventWait(e Event) {
	done := make(chan struct{})
	q.send(queued{ev: e, done: done})
	<-done
}
func (q *eventQueue) sendAudit(e auditlog.Event) { q.send(queued{audit: &e}) }

func (q *eventQueue) send(it queued) {
	q.mu.RLock()
	defer q.mu.RUnlock()
	if q.shut {
		// After Close the queue is gone; deliver directly so nothing is lost.
		q.deliver(it)
		return
	}
	q.ch <- it
}

func (q *eventQueue) close() {
	q.once.Do(func() {
		q.mu.Lock()
		q.shut = true
		close(q.ch)
		q.mu.Unlock()
		<-q.done
	})
}

// AuditListener writes the registry's events to the audit trail: pushes,
// pulls and deletes as allowed actions, gate refusals as denied ones.
// Failures to record go to log.
func AuditListener(rec auditlog.Recorder, log *slog.Logger) Listener {
	return ListenerFunc(func(ctx context.Context, e Event) {
		ae := auditlog.Event{Time: e.Time, Actor: e.Actor.Name, Repo: e.Repo, Target: e.Digest.String(),
			Outcome: auditlog.OutcomeAllowed, Addr: e.Addr}
		switch e.Kind {
		case EventManifestPushed:
			ae.Action = "push"
			if e.Tag != "" {
				ae.Target += " as " + e.Tag
			}
		case EventManifestPulled:
			ae.Action = "pull"
		case EventManifestDeleted:
			ae.Action = "delete"
		case EventTagDeleted:
			ae.Action, ae.Target = "delete", e.Tag
		case EventPullDenied, EventPushDenied:
			ae.Action, ae.Outcome, ae.Reason = "pull", auditlog.OutcomeDenied, e.Reason
			if e.Kind == EventPushDenied {
				ae.Action = "push"
			}
			if e.Tag != "" {
				ae.Target = strings.TrimSpace(e.Digest.String() + " as " + e.Tag)
			}
		default:
			return
		}
		if err := rec.Record(ctx, ae); err != nil {
			log.Warn("registry: audit event not recorded", "action", ae.Action, "repo", ae.Repo, "err", err)
		}
	})
}
