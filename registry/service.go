package registry

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/opencontainers/go-digest"

	"github.com/drydock/drydock/auditlog"
	"github.com/drydock/drydock/auth"
	"github.com/drydock/drydock/blobstore"
	"github.com/drydock/drydock/store"
)

// Service is the one place the registry's content changes and is served
// from: manifests, tags, blobs and finished uploads over the store and the
// blob store. The /v2/ handlers and the REST API both call it. It asks the
// Gate before serving content or moving a tag, enforces tag immutability,
// and publishes Events to its listeners once a change is durable. It is
// safe for concurrent use.
type Service struct {
	st    *store.Store
	blobs *blobstore.Store
	o     options
	log   *slog.Logger
	q     *eventQueue

	pulledMu sync.Mutex
	pulled   map[string]time.Time // repo@digest → last time recorded
}

// Caller is who asks the service for something: the principal authorized
// for the request and the client's address, for events and the audit trail.
type Caller struct {
	Principal auth.Principal
	Addr      string
}

// NewService builds the service on st and blobs. It takes the same options
// as New; those about HTTP (authorizer, registerer) are ignored.
func NewService(st *store.Store, blobs *blobstore.Store, opts ...Option) (*Service, error) {
	o, err := buildOptions(opts)
	if err != nil {
		return nil, err
	}
	return newService(st, blobs, o)
}

func newService(st *store.Store, blobs *blobstore.Store, o options) (*Service, error) {
	if st == nil || blobs == nil {
		return nil, errors.New("registry: needs a store and a blob store")
	}
	listeners := append([]Listener{AuditListener(o.auditor, o.logger)}, o.listeners...)
	s := &Service{st: st, blobs: blobs, o: o, log: o.logger, pulled: map[string]time.Time{}}
	s.q = newEventQueue(o.auditor, listeners, func(msg string, args ...any) { o.logger.Warn(msg, args...) })
	return s, nil
}

// Close waits until every queued event has reached the listeners. Events
// published after Close are delivered synchronously.
func (s *Service) Close() error {
	s.q.close()
	return nil
}

// publish sends e to the listeners, off the caller's path.
func (s *Service) publish(c Caller, e Event) {
	s.q.sendEvent(stamp(c, e))
}

// publishWait sends e to the listeners and waits until they have it.
func (s *Service) publishWait(c Caller, e Event) {
	s.q.sendEventWait(stamp(c, e))
}

func stamp(c Caller, e Event) Event {
	e.Actor, e.Addr = c.Principal, c.Addr
	if e.Time.IsZero() {
		e.Time = time.Now().UTC()
	}
	return e
}

// record audits a decision that is not one of the Events (an authorization
// denial, a mount, a blob delete) through the same queue.
func (s *Service) record(c Caller, e auditlog.Event) {
	if e.Actor == "" {
		e.Actor = c.Principal.Name
	}
	if e.Addr == "" {
		e.Addr = c.Addr
	}
	if e.Time.IsZero() {
		e.Time = time.Now().UTC()
	}
	s.q.sendAudit(e)
}

// gated turns a Gate's answer into the error the client gets: a Refusal is
// 403 DENIED with its message, any other failure 503 (fail closed). Either
// way a denial event (kind) is published.
func (s *Service) gated(ctx context.Context, c Caller, kind EventKind, repo, tag string, d digest.Digest, err error) error {
	if err == nil {
		return nil
	}
	ev := Event{Kind: kind, Repo: repo, Digest: d, Tag: tag}
	var ref *Refusal
	if errors.As(err, &ref) {
		ev.Reason = ref.Error()
		s.publish(c, ev)
		return &Error{Code: CodeDenied, Message: ref.Message, Detail: ref.Error(), cause: ref}
	}
	s.log.ErrorContext(ctx, "registry: gate failed; refusing (fail closed)", "repo", repo, "digest", d, "err", err)
	ev.Reason = "enforcement check failed: " + err.Error()
	s.publish(c, ev)
	return newError(CodeUnavailable, "the registry could not check whether %s may be used; retry later", d)
}

// markPulled records a manifest pull at most once per interval per
// manifest: the store write is off the request path and rare.
func (s *Service) markPulled(repo, digest string) {
	key := repo + "@" + digest
	now := time.Now()
	s.pulledMu.Lock()
	last, seen := s.pulled[key]
	fresh := !seen || now.Sub(last) >= time.Duration(s.o.pullInterval)
	if fresh {
		if len(s.pulled) > 100000 {
			clear(s.pulled) // bound the memory; the worst case is one extra write each
		}
		s.pulled[key] = now
	}
	s.pulledMu.Unlock()
	if !fresh {
		return
	}
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := s.st.MarkPulled(ctx, repo, digest, now); err != nil {
			s.log.Warn("registry: record last pull", "repo", repo, "digest", digest, "err", err)
		}
	}()
}

// writable refuses changes in read-only mode.
func (s *Service) writable() error {
	if s.o.readOnly {
		return &Error{Code: CodeReadOnly, cause: ErrReadOnly}
	}
	return nil
}

// notFoundAs maps the store's missing row to the wire error code; the
// cause stays visible to errors.Is for the REST API.
func notFoundAs(err error, code ErrorCode, what string) error {
	if errors.Is(err, store.ErrNotFound) {
		return &Error{Code: code, Detail: what, cause: err}
	}
	return err
}
