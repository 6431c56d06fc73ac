package auth

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/drydock/drydock/auditlog"
)

// Service is drydock's identity provider and policy decision point: it
// keeps accounts through a Store, issues tokens at /token and authorizes
// each registry request. It is safe for concurrent use.
type Service struct {
	store Store
	opts  options
	rec   auditlog.Recorder
	log   *slog.Logger

	key *ecdsa.PrivateKey
	kid string

	pairLimit *limiter // user and address together
	addrLimit *limiter
	userLimit *limiter // the per-user ceiling, from every address
	cpu       chan struct{}
	dummyHash func() []byte
	// Set by tests: admitted runs when a login attempt has passed the
	// limiter, beforeCompare inside the bcrypt bound.
	admitted, beforeCompare func()
}

var _ Authorizer = (*Service)(nil)

// New builds a Service on st, loading the token signing key from the store
// or generating and storing one on first start.
func New(ctx context.Context, st Store, opts ...Option) (*Service, error) {
	if st == nil {
		return nil, errors.New("auth: New: nil store")
	}
	o := defaultOptions()
	for _, opt := range opts {
		if err := opt(&o); err != nil {
			return nil, err
		}
	}
	if o.recorder == nil {
		o.recorder = auditlog.NewLogRecorder(o.logger)
	}
	s := &Service{
		store:     st,
		opts:      o,
		rec:       o.recorder,
		log:       o.logger,
		pairLimit: newLimiter(o.burst, o.refill, o.now),
		addrLimit: newLimiter(o.burst, o.refill, o.now),
		userLimit: newLimiter(o.burst*userCeiling, o.refill/userCeiling, o.now),
		cpu:       make(chan struct{}, max(1, runtime.GOMAXPROCS(0))),
	}
	s.dummyHash = sync.OnceValue(s.newDummyHash)
	key, kid, err := loadOrCreateKey(ctx, st)
	if err != nil {
		return nil, err
	}
	s.key, s.kid = key, kid
	return s, nil
}

// Service returns the service name tokens are issued for (their audience).
func (s *Service) Service() string { return s.opts.service }

func (s *Service) now() time.Time { return s.opts.now() }

// record writes an audit event. A failure to record is logged, not returned:
// the decision has been made and the caller's answer must not change, but
// the operator must see that the trail has a hole.
func (s *Service) record(ctx context.Context, e auditlog.Event) {
	if e.Time.IsZero() {
		e.Time = s.now().UTC()
	}
	if err := s.rec.Record(ctx, e); err != nil {
		s.log.ErrorContext(ctx, "audit event lost", "action", e.Action, "actor", e.Actor, "err", err)
	}
}

// realm is the token endpoint's URL for challenges.
func (s *Service) realm(r *http.Request) string {
	if s.opts.realm != "" {
		return s.opts.realm
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + "/token"
}

// clientAddr is the caller's IP without port. Forwarded headers are not
// trusted: any client could set them to dodge the login rate limit.
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// Local is the principal for a command run on the server itself (the CLI
// verbs): whoever can open the database already holds every right.
func Local(osUser string) Principal {
	name := "local"
	if osUser = strings.TrimSpace(osUser); osUser != "" {
		name = "local:" + osUser
	}
	return Principal{Name: name, Kind: "local", Admin: true}
}

// wrapStore adds the operation to a store error.
func wrapStore(op string, err error) error { return fmt.Errorf("auth: %s: %w", op, err) }
