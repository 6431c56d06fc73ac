package auth

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/drydock/drydock/auditlog"
)

// claims is the body of a drydock token: the registered claims, the
// spec's "access" list, and what Authorize needs to recheck the subject.
type claims struct {
	jwt.RegisteredClaims
	Access []Scope `json:"access"`
	// Kind is the principal's kind ("user", "robot", "anonymous").
	Kind string `json:"kind"`
	// Gen is the account's token generation when the token was issued;
	// bumping it on the account revokes every older token at once.
	Gen int64 `json:"gen,omitempty"`
}

// clockSkew is tolerated on exp, nbf and iat between replicas.
const clockSkew = 30 * time.Second

// issue signs a token for p carrying access.
func (s *Service) issue(p Principal, gen int64, access []Scope) (string, time.Time, string, error) {
	now := s.now().UTC().Truncate(time.Second)
	id := make([]byte, 16)
	if _, err := rand.Read(id); err != nil {
		return "", time.Time{}, "", fmt.Errorf("auth: token id: %w", err)
	}
	jti := base64.RawURLEncoding.EncodeToString(id)
	kind := p.Kind
	if kind == "" {
		kind = "anonymous"
	}
	c := claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    s.opts.issuer,
			Subject:   p.Name,
			Audience:  jwt.ClaimStrings{s.opts.service},
			ExpiresAt: jwt.NewNumericDate(now.Add(s.opts.ttl)),
			NotBefore: jwt.NewNumericDate(now),
			IssuedAt:  jwt.NewNumericDate(now),
			ID:        jti,
		},
		Access: access,
		Kind:   kind,
		Gen:    gen,
	}
	if c.Access == nil {
		c.Access = []Scope{} // the spec wants a list, even an empty one
	}
	t := jwt.NewWithClaims(jwt.SigningMethodES256, c)
	t.Header["kid"] = s.kid
	signed, err := t.SignedString(s.key)
	if err != nil {
		return "", time.Time{}, "", fmt.Errorf("auth: sign token: %w", err)
	}
	return signed, now, jti, nil
}

// errRevoked is the reason a token on the revocation list is refused.
var errRevoked = errors.New("token revoked")

// verify checks a token's signature against our key, its algorithm,
// issuer, audience, expiry, not-before and that it is not revoked.
func (s *Service) verify(ctx context.Context, raw string) (*claims, error) {
	var c claims
	p := jwt.NewParser(
		jwt.WithValidMethods([]string{jwt.SigningMethodES256.Alg()}),
		jwt.WithIssuer(s.opts.issuer),
		jwt.WithAudience(s.opts.service),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(clockSkew),
		jwt.WithTimeFunc(s.now),
	)
	_, err := p.ParseWithClaims(raw, &c, func(t *jwt.Token) (any, error) {
		if kid, _ := t.Header["kid"].(string); kid != s.kid {
			return nil, fmt.Errorf("unknown key id %q", kid)
		}
		return &s.key.PublicKey, nil
	})
	if err != nil {
		return nil, err
	}
	if c.ID == "" {
		return nil, errors.New("token has no jti")
	}
	revoked, err := s.store.TokenRevoked(ctx, c.ID)
	if err != nil {
		return nil, &storeError{wrapStore("check revocation", err)}
	}
	if revoked {
		return nil, errRevoked
	}
	return &c, nil
}

// Revoke puts one token id on the revocation list. System admins only.
func (s *Service) Revoke(ctx context.Context, actor Principal, jti string) error {
	if jti == "" {
		return inputErrorf("empty token id")
	}
	if err := s.requireAdmin(ctx, actor, "token.revoke", jti); err != nil {
		return err
	}
	// No token lives longer than the TTL (plus skew), so the entry can be
	// pruned after that.
	if err := s.store.RevokeToken(ctx, jti, s.now().Add(s.opts.ttl+clockSkew).UTC()); err != nil {
		return wrapStore("revoke token", err)
	}
	s.record(ctx, auditlog.Event{Actor: actor.Name, Action: "token.revoke", Target: jti, Outcome: auditlog.OutcomeAllowed})
	// Revocations are rare, so tidying the list here keeps it short
	// without a background job.
	if _, err := s.PruneRevoked(ctx); err != nil {
		s.log.WarnContext(ctx, "pruning revoked tokens failed", "err", err)
	}
	return nil
}

// PruneRevoked forgets revocations of tokens that have expired anyway.
func (s *Service) PruneRevoked(ctx context.Context) (int64, error) {
	n, err := s.store.PruneRevokedTokens(ctx, s.now().Add(-clockSkew).UTC())
	if err != nil {
		return 0, wrapStore("prune revoked tokens", err)
	}
	return n, nil
}
