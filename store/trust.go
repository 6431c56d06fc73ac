package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// NamespaceTrust is one namespace's protection: whether tags may move only
// to CI-attested images, and whether pulls need a trusted signature.
type NamespaceTrust struct {
	Namespace        string
	Protected        bool
	RequireSignature bool
	Updated          time.Time
	UpdatedBy        string
}

// TrustedKey is a public key a namespace trusts for CI verdicts and
// signatures.
type TrustedKey struct {
	Namespace string
	Name      string
	// PublicKey is the PEM public key; Hint its fingerprint.
	PublicKey string
	Hint      string
	Added     time.Time
	AddedBy   string
}

func (s *Store) namespaceExists(ctx context.Context, ns string) error {
	var got string
	if err := s.QueryRowContext(ctx, "SELECT name FROM auth_namespaces WHERE name = ?", ns).Scan(&got); err != nil {
		return NotFound(err, "namespace "+ns)
	}
	return nil
}

// PutNamespaceTrust writes a namespace's protection, replacing any. The
// namespace must exist (ErrNotFound otherwise).
func (s *Store) PutNamespaceTrust(ctx context.Context, t NamespaceTrust) error {
	if err := s.namespaceExists(ctx, t.Namespace); err != nil {
		return err
	}
	_, err := s.ExecContext(ctx, `INSERT INTO trust_namespaces (namespace, protected, require_signature, updated_at, updated_by)
		VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (namespace) DO UPDATE SET protected = excluded.protected,
			require_signature = excluded.require_signature, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
		t.Namespace, t.Protected, t.RequireSignature, t.Updated.UnixNano(), t.UpdatedBy)
	if err != nil {
		return fmt.Errorf("store: put protection of %s: %w", t.Namespace, err)
	}
	return nil
}

// GetNamespaceTrust returns a namespace's protection; a namespace never
// set is returned unprotected, without error.
func (s *Store) GetNamespaceTrust(ctx context.Context, ns string) (NamespaceTrust, error) {
	t := NamespaceTrust{Namespace: ns}
	var at int64
	err := s.QueryRowContext(ctx, `SELECT protected, require_signature, updated_at, updated_by FROM trust_namespaces WHERE namespace = ?`, ns).
		Scan(&t.Protected, &t.RequireSignature, &at, &t.UpdatedBy)
	if errors.Is(err, sql.ErrNoRows) {
		return t, nil
	}
	if err != nil {
		return t, fmt.Errorf("store: protection of %s: %w", ns, err)
	}
	t.Updated = Time(at)
	return t, nil
}

// AddTrustedKey adds a key to a namespace's trust list, replacing a key of
// the same name. The namespace must exist.
func (s *Store) AddTrustedKey(ctx context.Context, k TrustedKey) error {
	if err := s.namespaceExists(ctx, k.Namespace); err != nil {
		return err
	}
	_, err := s.ExecContext(ctx, `INSERT INTO trust_keys (namespace, name, public_key, hint, added_at, added_by)
		VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (namespace, name) DO UPDATE SET public_key = excluded.public_key, hint = excluded.hint,
			added_at = excluded.added_at, added_by = excluded.added_by`,
		k.Namespace, k.Name, k.PublicKey, k.Hint, k.Added.UnixNano(), k.AddedBy)
	if err != nil {
		return fmt.Errorf("store: add trusted key %s to %s: %w", k.Name, k.Namespace, err)
	}
	return nil
}

// RemoveTrustedKey removes a key (ErrNotFound when there is none).
func (s *Store) RemoveTrustedKey(ctx context.Context, ns, name string) error {
	res, err := s.ExecContext(ctx, "DELETE FROM trust_keys WHERE namespace = ? AND name = ?", ns, name)
	if err != nil {
		return fmt.Errorf("store: remove trusted key %s from %s: %w", name, ns, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("trusted key %s in namespace %s: %w", name, ns, ErrNotFound)
	}
	return nil
}

// TrustedKeys lists a namespace's keys by name.
func (s *Store) TrustedKeys(ctx context.Context, ns string) ([]TrustedKey, error) {
	rows, err := s.QueryContext(ctx, `SELECT namespace, name, public_key, hint, added_at, added_by FROM trust_keys
		WHERE namespace = ? ORDER BY name`, ns)
	if err != nil {
		return nil, fmt.Errorf("store: trusted keys of %s: %w", ns, err)
	}
	defer rows.Close()
	out := []TrustedKey{}
	for rows.Next() {
		var k TrustedKey
		var at int64
		if err := rows.Scan(&k.Namespace, &k.Name, &k.PublicKey, &k.Hint, &at, &k.AddedBy); err != nil {
			return nil, fmt.Errorf("store: trusted keys of %s: %w", ns, err)
		}
		k.Added = Time(at)
		out = append(out, k)
	}
	return out, rows.Err()
}

// SetSourceRepos replaces a namespace's allowed source repositories
// (none: provenance is not required). The namespace must exist.
func (s *Store) SetSourceRepos(ctx context.Context, ns string, uris []string) error {
	if err := s.namespaceExists(ctx, ns); err != nil {
		return err
	}
	return s.InTx(ctx, func(tx *Tx) error {
		if _, err := tx.ExecContext(ctx, "DELETE FROM trust_source_repos WHERE namespace = ?", ns); err != nil {
			return fmt.Errorf("store: set source repositories of %s: %w", ns, err)
		}
		for _, u := range uris {
			_, err := tx.ExecContext(ctx, `INSERT INTO trust_source_repos (namespace, uri) VALUES (?, ?)
				ON CONFLICT (namespace, uri) DO NOTHING`, ns, u)
			if err != nil {
				return fmt.Errorf("store: set source repositories of %s: %w", ns, err)
			}
		}
		return nil
	})
}

// SourceRepos lists a namespace's allowed source repositories, sorted.
func (s *Store) SourceRepos(ctx context.Context, ns string) ([]string, error) {
	rows, err := s.QueryContext(ctx, "SELECT uri FROM trust_source_repos WHERE namespace = ? ORDER BY uri", ns)
	if err != nil {
		return nil, fmt.Errorf("store: source repositories of %s: %w", ns, err)
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var u string
		if err := rows.Scan(&u); err != nil {
			return nil, fmt.Errorf("store: source repositories of %s: %w", ns, err)
		}
		out = append(out, u)
	}
	return out, rows.Err()
}
