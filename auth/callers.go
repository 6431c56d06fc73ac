package auth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/drydock/drydock/auditlog"
)

// APIScope is the scope a client asks /token for to call the REST API. A
// token for the registry (repository or catalog scopes only) is refused
// there: one leaked by a pull must not work as the account's credential.
const APIScope = "api:v1:*"

var apiScope = Scope{Type: "api", Name: "v1", Actions: []string{"*"}}

// Authenticate identifies the caller of an account-management request
// (the REST API): a Bearer token from /token carrying APIScope, or Basic
// credentials under the same failed-login limit as /token. Missing or bad credentials give a *ChallengeError, a
// locked-out caller a *RateLimitedError, wrong Basic credentials an error
// wrapping ErrBadCredentials.
func (s *Service) Authenticate(r *http.Request) (Principal, error) {
	h := r.Header.Get("Authorization")
	if raw, ok := bearerToken(h); ok {
		c, err := s.verify(r.Context(), raw)
		if err != nil {
			var se *storeError
			if errors.As(err, &se) {
				return Principal{}, err
			}
			return Principal{}, &ChallengeError{Realm: s.realm(r), Service: s.opts.service, Scope: APIScope, Code: "invalid_token", Reason: err.Error()}
		}
		p, err := s.subject(r.Context(), c)
		if err != nil {
			var se *storeError
			if errors.As(err, &se) {
				return Principal{}, err
			}
			return Principal{}, &ChallengeError{Realm: s.realm(r), Service: s.opts.service, Scope: APIScope, Code: "invalid_token", Reason: err.Error()}
		}
		if !slices.ContainsFunc(c.Access, func(sc Scope) bool { return sc.Type == apiScope.Type && sc.Name == apiScope.Name }) {
			return Principal{}, &ChallengeError{Realm: s.realm(r), Service: s.opts.service, Scope: APIScope,
				Code: "insufficient_scope", Reason: "a registry token is not an API credential"}
		}
		return p, nil
	}
	if strings.HasPrefix(strings.ToLower(h), "basic ") {
		p, _, err := s.login(r.Context(), r, ClientAddr(r))
		return p, err
	}
	return Principal{}, &ChallengeError{Realm: s.realm(r), Service: s.opts.service, Scope: APIScope}
}

// RequireAction lets p do action on repo, or records the denial (with the
// reason, which stays in the audit log: the answer must not tell outsiders
// which namespaces exist) and returns an error wrapping ErrForbidden.
// target is what the action was on (a digest or tag), for the trail.
func (s *Service) RequireAction(r *http.Request, p Principal, repo, action, target string) error {
	acts, reason, err := s.allowed(r.Context(), p, repo)
	if err != nil {
		return err
	}
	if slices.Contains(acts, action) {
		return nil
	}
	s.record(r.Context(), auditlog.Event{Actor: p.Name, Action: action, Repo: repo, Target: target,
		Outcome: auditlog.OutcomeDenied, Reason: "api: " + reason, Addr: ClientAddr(r)})
	who := p.Name
	if who == "" {
		who = "anonymous"
	}
	return fmt.Errorf("%w: %s may not %s %s", ErrForbidden, who, action, repo)
}

// RequireAdmin lets only system administrators (and the local CLI)
// through, recording a refusal of action on target.
func (s *Service) RequireAdmin(ctx context.Context, actor Principal, action, target string) error {
	return s.requireAdmin(ctx, actor, action, target)
}

// Record writes an audit event for a decision taken on auth's word (an
// API delete); a failure to record is logged, not returned.
func (s *Service) Record(ctx context.Context, e auditlog.Event) { s.record(ctx, e) }

// Now is the service's clock.
func (s *Service) Now() time.Time { return s.now() }

// ClientAddr is the caller's IP without port. Forwarded headers are not
// trusted: any client could set them to dodge the login rate limit.
func ClientAddr(r *http.Request) string { return clientAddr(r) }

// ValidComponent reports whether s is a valid repository path component
// (the distribution spec's grammar, at most 64 characters).
func ValidComponent(s string) bool { return len(s) <= maxComponent && componentRE.MatchString(s) }

// Namespace reads one namespace (an error wrapping ErrNotFound if none).
func (s *Service) Namespace(ctx context.Context, name string) (Namespace, error) {
	n, err := s.store.GetNamespace(ctx, name)
	if err != nil {
		return Namespace{}, wrapStore("namespace "+name, err)
	}
	return n, nil
}
