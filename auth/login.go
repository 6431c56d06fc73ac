package auth

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"

	"github.com/drydock/drydock/auditlog"
)

// No valid account name is this long (robots reach 135 bytes); a longer
// one is refused before it reaches the store, the limiter or the trail.
const maxAccountName = 200

// Failed logins are limited per user and client address together, per
// address, and per user from everywhere at userCeiling times the rate:
// someone guessing from one address cannot lock the real user out (their
// own address has its own bucket), and only a flood from many addresses
// reaches the per-user ceiling. docs/security.md explains the choice.
const userCeiling = 10

// login authenticates the request's Basic credentials, or none for an
// anonymous caller, under the failed-login rate limit. Each attempt takes
// its tokens before the secret is checked, so parallel guesses cannot all
// slip through before the first failure is counted; a right secret gets
// them back.
func (s *Service) login(ctx context.Context, r *http.Request, addr string) (Principal, int64, error) {
	if r.Header.Get("Authorization") == "" {
		return Principal{Kind: "anonymous"}, 0, nil
	}
	name, secret, ok := r.BasicAuth()
	if !ok || name == "" || !printable(name, maxAccountName) {
		reason := "malformed Authorization header (want Basic)"
		if ok && name != "" {
			reason = fmt.Sprintf("malformed account name %.80q", name)
		}
		// Counted against the address, so that such requests cost the
		// sender as much as any other guess.
		if ok, wait := s.addrLimit.take(addr); !ok {
			s.record(ctx, auditlog.Event{Action: "login", Outcome: auditlog.OutcomeDenied, Reason: "rate limited: too many failed logins for address " + addr, Addr: addr})
			return Principal{}, 0, &RateLimitedError{Key: "address " + addr, RetryAfter: wait}
		}
		s.record(ctx, auditlog.Event{Action: "login", Outcome: auditlog.OutcomeFailed, Reason: reason, Addr: addr})
		return Principal{}, 0, fmt.Errorf("%w: %s", ErrBadCredentials, reason)
	}
	return s.guarded(ctx, name, addr, "login", func() (Principal, int64, error) {
		if IsRobot(name) {
			return s.checkRobot(ctx, name, secret)
		}
		return s.checkUser(ctx, name, secret)
	})
}

// guarded runs check, an attempt to prove name's secret, under the
// failed-login limit: it takes a token from each bucket first and gives
// them back unless check failed with ErrBadCredentials. action names the
// attempt in the audit trail.
func (s *Service) guarded(ctx context.Context, name, addr, action string, check func() (Principal, int64, error)) (Principal, int64, error) {
	keys := []struct {
		l    *limiter
		k    string
		what string
	}{
		{s.pairLimit, name + "\x00" + addr, "user " + name + " from address " + addr},
		{s.addrLimit, addr, "address " + addr},
		{s.userLimit, name, "user " + name + " from all addresses"},
	}
	refund := func(n int) {
		for _, key := range keys[:n] {
			key.l.refund(key.k)
		}
	}
	for i, key := range keys {
		if ok, wait := key.l.take(key.k); !ok {
			refund(i)
			s.record(ctx, auditlog.Event{Actor: name, Action: action, Outcome: auditlog.OutcomeDenied, Reason: "rate limited: too many failed logins for " + key.what, Addr: addr})
			return Principal{}, 0, &RateLimitedError{Key: key.what, RetryAfter: wait}
		}
	}
	if s.admitted != nil {
		s.admitted()
	}
	p, gen, err := check()
	if err != nil {
		if !errors.Is(err, ErrBadCredentials) {
			refund(len(keys)) // the store failed: no guess was made
			return Principal{}, 0, err
		}
		s.record(ctx, auditlog.Event{Actor: name, Action: action, Outcome: auditlog.OutcomeFailed, Reason: strings.TrimPrefix(err.Error(), ErrBadCredentials.Error()+": "), Addr: addr})
		return Principal{}, 0, err
	}
	refund(len(keys))
	if action == "login" {
		s.record(ctx, auditlog.Event{Actor: p.Name, Action: action, Outcome: auditlog.OutcomeAllowed, Addr: addr})
	}
	return p, gen, nil
}

// printable reports whether s is valid UTF-8 of at most max bytes without
// control characters: anything else in a name or scope is refused before
// it reaches the store, the logs or the audit trail.
func printable(s string, max int) bool {
	if len(s) > max || !utf8.ValidString(s) {
		return false
	}
	return strings.IndexFunc(s, unicode.IsControl) < 0
}

// compare checks a password against a bcrypt hash, at most as many at once
// as there are cores: more would only queue for the CPU while holding a
// request each.
func (s *Service) compare(ctx context.Context, hash []byte, password string) error {
	select {
	case s.cpu <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-s.cpu }()
	if s.beforeCompare != nil {
		s.beforeCompare()
	}
	return bcrypt.CompareHashAndPassword(hash, []byte(password))
}

// dummyHash is compared against when the user does not exist, at the cost
// new passwords get, so that a wrong name takes as long as a wrong password.
func (s *Service) newDummyHash() []byte {
	pw := make([]byte, 16)
	_, _ = rand.Read(pw)
	h, _ := bcrypt.GenerateFromPassword(pw, s.opts.cost)
	return h
}

// checkUser verifies a user's password and returns the principal and the
// account's token generation.
func (s *Service) checkUser(ctx context.Context, name, password string) (Principal, int64, error) {
	u, err := s.store.GetUser(ctx, name)
	if errors.Is(err, ErrNotFound) {
		if err := s.compare(ctx, s.dummyHash(), password); err != nil && !errors.Is(err, bcrypt.ErrMismatchedHashAndPassword) {
			return Principal{}, 0, err
		}
		return Principal{}, 0, fmt.Errorf("%w: unknown user", ErrBadCredentials)
	}
	if err != nil {
		return Principal{}, 0, wrapStore("user "+name, err)
	}
	if err := s.compare(ctx, u.PasswordHash, password); err != nil {
		if !errors.Is(err, bcrypt.ErrMismatchedHashAndPassword) && ctx.Err() != nil {
			return Principal{}, 0, err
		}
		return Principal{}, 0, fmt.Errorf("%w: wrong password", ErrBadCredentials)
	}
	if u.Disabled {
		return Principal{}, 0, fmt.Errorf("%w: user disabled", ErrBadCredentials)
	}
	return Principal{Name: u.Name, Kind: "user", Admin: u.Admin}, u.TokenGen, nil
}
