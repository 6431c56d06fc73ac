package registry

import (
	"context"
	"errors"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/drydock/drydock/auditlog"
	"github.com/drydock/drydock/auth"
)

// challenger and denier are the shapes auth's errors take (see
// auth.Authorizer): "authenticate first" and "known but not allowed".
type challenger interface{ Challenge() string }
type denier interface{ Denied() bool }

type principalKey struct{}

// principalOf is the caller a request was authorized as.
func principalOf(ctx context.Context) auth.Principal {
	p, _ := ctx.Value(principalKey{}).(auth.Principal)
	return p
}

// actionsFor maps a request to the rights it needs on its repository.
func actionsFor(rt route, method string) []string {
	switch rt.kind {
	case kindBase:
		return nil
	case kindCatalog:
		return []string{"*"} // auth treats a registry-wide request with actions as the catalog scope
	}
	switch method {
	case http.MethodGet, http.MethodHead:
		if rt.kind == kindUpload {
			return []string{auth.ActionPush} // an upload's status belongs to its pusher
		}
		return []string{auth.ActionPull}
	case http.MethodDelete:
		if rt.kind == kindUpload {
			return []string{auth.ActionPush}
		}
		return []string{auth.ActionDelete}
	}
	return []string{auth.ActionPush}
}

// authorize asks the Authorizer about the request and answers the client
// itself when the answer is no (401 with a challenge, or 403). It returns
// the request carrying the principal, or nil when it has answered.
func (rg *Registry) authorize(w http.ResponseWriter, r *http.Request, rt route) *http.Request {
	if rg.o.authorizer == nil {
		return r.WithContext(context.WithValue(r.Context(), principalKey{}, auth.Principal{Kind: "anonymous"}))
	}
	actions := actionsFor(rt, r.Method)
	p, err := rg.o.authorizer.Authorize(r, rt.name, actions...)
	if err == nil {
		return r.WithContext(context.WithValue(r.Context(), principalKey{}, p))
	}
	var ch challenger
	var dn denier
	switch {
	case errors.As(err, &ch):
		rg.m.denials.WithLabelValues("401").Inc()
		w.Header().Set("WWW-Authenticate", ch.Challenge())
		rg.writeError(w, r, newError(CodeUnauthorized, "%s", err.Error()))
	case errors.As(err, &dn) && dn.Denied():
		rg.m.denials.WithLabelValues("403").Inc()
		reason := err.Error()
		var ar interface{ AuditReason() string }
		if errors.As(err, &ar) {
			reason = ar.AuditReason() // the client reads less than the trail
		}
		rg.audit(r, auditlog.Event{Actor: p.Name, Action: actionName(rt, r.Method), Repo: rt.name, Target: rt.ref,
			Outcome: auditlog.OutcomeDenied, Reason: reason})
		rg.writeError(w, r, newError(CodeDenied, "%s", err.Error()))
	default:
		rg.writeError(w, r, err)
	}
	return nil
}

// visible reports whether the caller may read repo, without asking the
// client for a new token (used for mount sources and the catalog).
func (rg *Registry) visible(ctx context.Context, repo string) bool {
	if rg.o.authorizer == nil {
		return true
	}
	return rg.o.authorizer.Visible(ctx, principalOf(ctx), repo)
}

func actionName(rt route, method string) string {
	switch method {
	case http.MethodGet, http.MethodHead:
		return "pull"
	case http.MethodDelete:
		return "delete"
	}
	return "push"
}

func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// audit queues an event for the recorder. Recording is asynchronous so a
// pull never waits on a database write; the queue is drained on Close and
// when it is full the caller waits rather than dropping an event.
func (rg *Registry) audit(r *http.Request, e auditlog.Event) {
	if e.Actor == "" {
		e.Actor = principalOf(r.Context()).Name
	}
	if e.Addr == "" {
		e.Addr = clientAddr(r)
	}
	if e.Time.IsZero() {
		e.Time = time.Now().UTC()
	}
	rg.auditq.send(e)
}

// auditQueue feeds events to a recorder from one goroutine.
type auditQueue struct {
	rec  auditlog.Recorder
	log  func(msg string, args ...any)
	ch   chan auditlog.Event
	done chan struct{}
	once sync.Once
	mu   sync.RWMutex // held for reading while sending, for writing by close
	shut bool
}

func newAuditQueue(rec auditlog.Recorder, logf func(string, ...any)) *auditQueue {
	q := &auditQueue{rec: rec, log: logf, ch: make(chan auditlog.Event, 4096), done: make(chan struct{})}
	go q.run()
	return q
}

func (q *auditQueue) run() {
	defer close(q.done)
	for e := range q.ch {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		if err := q.rec.Record(ctx, e); err != nil {
			q.log("registry: audit event not recorded", "action", e.Action, "repo", e.Repo, "err", err)
		}
		cancel()
	}
}

func (q *auditQueue) send(e auditlog.Event) {
	q.mu.RLock()
	defer q.mu.RUnlock()
	if q.shut {
		// After Close the queue is gone; record directly so nothing is lost.
		if err := q.rec.Record(context.Background(), e); err != nil {
			q.log("registry: audit event not recorded", "action", e.Action, "err", err)
		}
		return
	}
	q.ch <- e
}

func (q *auditQueue) close() {
	q.once.Do(func() {
		q.mu.Lock()
		q.shut = true
		close(q.ch)
		q.mu.Unlock()
		<-q.done
	})
}
