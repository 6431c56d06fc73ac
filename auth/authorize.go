package auth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/golang-jwt/jwt/v5"

	"github.com/drydock/drydock/auditlog"
)

// CatalogScope is the scope a client asks for to list repositories.
const CatalogScope = "registry:catalog:*"

// errStale means a well-signed token whose account has since been deleted,
// disabled, expired or had its tokens revoked.
var errStale = errors.New("token's account is gone, disabled, expired or revoked")

// Authorize decides one registry request. Only Bearer tokens from /token
// are accepted: a client sending Basic credentials here is told to fetch a
// token, which every registry client (docker, skopeo, crane, oras) does on
// its own, and it keeps bcrypt off the per-request path.
//
// repo "" means a registry-wide request (the /v2/ base or _catalog): any
// valid token, anonymous included, passes and the catalog is then filtered
// with Visible. Otherwise the token must carry every action and the caller
// must still hold them now (a removed member loses access at once).
//
// A missing or invalid token, or an anonymous caller lacking rights, gets
// a *ChallengeError (401); a valid token lacking a scope the caller could
// get gets one with Code "insufficient_scope"; an authenticated caller
// without the rights gets a *DeniedError (403), which the caller audits
// (the registry records every 403); refused tokens and anonymous denials
// are audited here.
func (s *Service) Authorize(r *http.Request, repo string, actions ...string) (Principal, error) {
	ctx := r.Context()
	addr := clientAddr(r)
	chal := &ChallengeError{Realm: s.realm(r), Service: s.opts.service, Scope: challengeScope(repo, actions)}
	raw, ok := bearerToken(r.Header.Get("Authorization"))
	if !ok {
		if r.Header.Get("Authorization") != "" {
			chal.Reason = "only Bearer tokens are accepted; fetch one from the realm"
		}
		return Principal{Kind: "anonymous"}, chal
	}
	c, err := s.verify(ctx, raw)
	if err == nil {
		var p Principal
		p, err = s.subject(ctx, c)
		if err == nil {
			return s.decide(ctx, p, c, repo, actions, chal, addr)
		}
	}
	var se *storeError
	if errors.As(err, &se) {
		return Principal{}, err
	}
	chal.Code, chal.Reason = "invalid_token", err.Error()
	// The parser's words stay here and in the audit log, never in the answer.
	s.log.InfoContext(ctx, "token refused", "repo", repo, "addr", addr, "err", err)
	// An expired token is routine (the client fetches a new one); anything
	// else — a foreign signature, the wrong audience, a revoked token — is
	// worth a line in the audit log.
	if !errors.Is(err, jwt.ErrTokenExpired) {
		actor := ""
		if c != nil {
			actor = c.Subject
		}
		s.record(ctx, auditlog.Event{Actor: actor, Action: "token.verify", Repo: repo, Outcome: auditlog.OutcomeDenied, Reason: err.Error(), Addr: addr})
	}
	return Principal{Kind: "anonymous"}, chal
}

// decide checks a verified token's principal against the request.
func (s *Service) decide(ctx context.Context, p Principal, c *claims, repo string, actions []string, chal *ChallengeError, addr string) (Principal, error) {
	if repo == "" {
		return p, nil
	}
	allowed, reason, err := s.allowed(ctx, p, repo)
	if err != nil {
		return p, err
	}
	inToken := tokenActions(c.Access, repo)
	var lacking, notInToken []string
	for _, a := range actions {
		switch {
		case !slices.Contains(allowed, a):
			lacking = append(lacking, a)
		case !slices.Contains(inToken, a):
			notInToken = append(notInToken, a)
		}
	}
	if len(lacking) > 0 {
		if reason == "" {
			reason = "unknown action"
		}
		if p.Kind == "anonymous" {
			// The registry answers 401 without auditing, so the
			// denial is recorded here.
			// The reason stays out of the answer: it would tell anyone
			// which namespaces exist.
			s.record(ctx, auditlog.Event{Action: strings.Join(actions, ","), Repo: repo, Outcome: auditlog.OutcomeDenied, Reason: reason, Addr: addr})
			return p, chal
		}
		// The registry records every 403 with the error's text, which
		// carries the reason; recording here too would double the trail.
		return p, &DeniedError{Principal: p, Repo: repo, Actions: lacking, Reason: reason, Shown: shownReason(reason)}
	}
	if len(notInToken) > 0 {
		chal.Code = "insufficient_scope"
		chal.Reason = "token lacks " + strings.Join(notInToken, ",") + " on " + repo
		return p, chal
	}
	return p, nil
}

// subject loads the token's account and checks it may still act.
func (s *Service) subject(ctx context.Context, c *claims) (Principal, error) {
	switch c.Kind {
	case "anonymous":
		if c.Subject != "" {
			return Principal{}, errors.New("anonymous token names a subject")
		}
		return Principal{Kind: "anonymous"}, nil
	case "user":
		u, err := s.store.GetUser(ctx, c.Subject)
		if errors.Is(err, ErrNotFound) {
			return Principal{}, errStale
		}
		if err != nil {
			return Principal{}, &storeError{wrapStore("user "+c.Subject, err)}
		}
		if u.Disabled || u.TokenGen != c.Gen {
			return Principal{}, errStale
		}
		return Principal{Name: u.Name, Kind: "user", Admin: u.Admin}, nil
	case "robot":
		rb, err := s.store.GetRobot(ctx, c.Subject)
		if errors.Is(err, ErrNotFound) {
			return Principal{}, errStale
		}
		if err != nil {
			return Principal{}, &storeError{wrapStore("robot "+c.Subject, err)}
		}
		if s.robotUsable(rb) != nil || rb.TokenGen != c.Gen {
			return Principal{}, errStale
		}
		return Principal{Name: rb.Name, Kind: "robot"}, nil
	}
	return Principal{}, fmt.Errorf("token has unknown kind %q", c.Kind)
}

// storeError marks a failure to reach the store while checking a token, so
// that it becomes a 500 and not a misleading 401.
type storeError struct{ err error }

func (e *storeError) Error() string { return e.err.Error() }
func (e *storeError) Unwrap() error { return e.err }

func tokenActions(access []Scope, repo string) []string {
	var out []string
	for _, a := range access {
		if a.Type == "repository" && a.Name == repo {
			out = append(out, a.Actions...)
		}
	}
	return out
}

func challengeScope(repo string, actions []string) string {
	switch {
	case repo != "":
		if len(actions) == 0 {
			actions = []string{ActionPull}
		}
		return "repository:" + repo + ":" + strings.Join(actions, ",")
	case len(actions) > 0:
		return CatalogScope
	}
	return ""
}

func bearerToken(h string) (string, bool) {
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	tok = strings.TrimSpace(tok)
	return tok, tok != ""
}
