package store

import (
	"context"
	"time"
)

// GetSigningKey returns the token signing key or auth.ErrNotFound.
func (s *Store) GetSigningKey(ctx context.Context) (string, []byte, error) {
	var kid, key string
	if err := s.QueryRowContext(ctx, "SELECT kid, private_key FROM auth_signing_keys WHERE id = 1").Scan(&kid, &key); err != nil {
		return "", nil, authErr(err, "signing key")
	}
	return kid, []byte(key), nil
}

// AddSigningKey stores the signing key unless one exists (auth.ErrExists).
func (s *Store) AddSigningKey(ctx context.Context, kid string, pemKey []byte) error {
	_, err := s.ExecContext(ctx, "INSERT INTO auth_signing_keys (id, kid, private_key, created_at) VALUES (1, ?, ?, ?)", kid, string(pemKey), Now())
	if err != nil {
		return authErr(err, "add signing key")
	}
	return nil
}

// RevokeToken records a revoked token id; revoking twice is not an error.
func (s *Store) RevokeToken(ctx context.Context, jti string, expires time.Time) error {
	_, err := s.ExecContext(ctx, "INSERT INTO auth_revoked_tokens (jti, expires_at) VALUES (?, ?) ON CONFLICT (jti) DO NOTHING", jti, expires.UnixNano())
	if err != nil {
		return authErr(err, "revoke token")
	}
	return nil
}

// TokenRevoked reports whether a token id is on the revocation list.
func (s *Store) TokenRevoked(ctx context.Context, jti string) (bool, error) {
	var n int
	if err := s.QueryRowContext(ctx, "SELECT COUNT(*) FROM auth_revoked_tokens WHERE jti = ?", jti).Scan(&n); err != nil {
		return false, authErr(err, "token revocation")
	}
	return n > 0, nil
}

// PruneRevokedTokens forgets revocations of tokens that expired before t.
func (s *Store) PruneRevokedTokens(ctx context.Context, before time.Time) (int64, error) {
	res, err := s.ExecContext(ctx, "DELETE FROM auth_revoked_tokens WHERE expires_at < ?", before.UnixNano())
	if err != nil {
		return 0, authErr(err, "prune revoked tokens")
	}
	return res.RowsAffected()
}
