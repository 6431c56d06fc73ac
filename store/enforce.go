package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// NamespaceEnforcement is one namespace's enforcement settings: whether
// pulls of what fails its policy are refused, and the policy (YAML as
// given, and its effective digest).
type NamespaceEnforcement struct {
	Namespace    string
	Enforce      bool
	Policy       string
	PolicyDigest string
	Updated      time.Time
	UpdatedBy    string
}

// PutNamespaceEnforcement writes a namespace's settings, replacing any. The
// namespace must exist (ErrNotFound otherwise).
func (s *Store) PutNamespaceEnforcement(ctx context.Context, e NamespaceEnforcement) error {
	var got string
	if err := s.QueryRowContext(ctx, "SELECT name FROM auth_namespaces WHERE name = ?", e.Namespace).Scan(&got); err != nil {
		return NotFound(err, "namespace "+e.Namespace)
	}
	_, err := s.ExecContext(ctx, `INSERT INTO enforce_namespaces (namespace, enforce, policy, policy_digest, updated_at, updated_by)
		VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (namespace) DO UPDATE SET enforce = excluded.enforce, policy = excluded.policy,
			policy_digest = excluded.policy_digest, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
		e.Namespace, e.Enforce, e.Policy, e.PolicyDigest, e.Updated.UnixNano(), e.UpdatedBy)
	if err != nil {
		return fmt.Errorf("store: put enforcement of %s: %w", e.Namespace, err)
	}
	return nil
}

const enforcementCols = "namespace, enforce, policy, policy_digest, updated_at, updated_by"

func scanEnforcement(sc interface{ Scan(...any) error }) (NamespaceEnforcement, error) {
	var e NamespaceEnforcement
	var at int64
	if err := sc.Scan(&e.Namespace, &e.Enforce, &e.Policy, &e.PolicyDigest, &at, &e.UpdatedBy); err != nil {
		return NamespaceEnforcement{}, err
	}
	e.Updated = Time(at)
	return e, nil
}

// GetNamespaceEnforcement returns a namespace's settings, or ErrNotFound
// when none were ever written (the namespace does not enforce).
func (s *Store) GetNamespaceEnforcement(ctx context.Context, ns string) (NamespaceEnforcement, error) {
	e, err := scanEnforcement(s.QueryRowContext(ctx, "SELECT "+enforcementCols+" FROM enforce_namespaces WHERE namespace = ?", ns))
	if err != nil {
		return NamespaceEnforcement{}, NotFound(err, "enforcement of namespace "+ns)
	}
	return e, nil
}

// ListNamespaceEnforcement returns the settings of every namespace that has
// any, by name.
func (s *Store) ListNamespaceEnforcement(ctx context.Context) ([]NamespaceEnforcement, error) {
	rows, err := s.QueryContext(ctx, "SELECT "+enforcementCols+" FROM enforce_namespaces ORDER BY namespace")
	if err != nil {
		return nil, fmt.Errorf("store: list enforcement: %w", err)
	}
	defer rows.Close()
	var out []NamespaceEnforcement
	for rows.Next() {
		e, err := scanEnforcement(rows)
		if err != nil {
			return nil, fmt.Errorf("store: list enforcement: %w", err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// QuarantineBypass is a robot's grant to pull what quarantine refuses.
type QuarantineBypass struct {
	Robot     string
	GrantedBy string
	Granted   time.Time
}

// GrantQuarantineBypass gives a robot the bypass-quarantine grant. The robot
// must exist (ErrNotFound); granting twice keeps the first grant.
func (s *Store) GrantQuarantineBypass(ctx context.Context, b QuarantineBypass) error {
	var got string
	if err := s.QueryRowContext(ctx, "SELECT name FROM auth_robots WHERE name = ?", b.Robot).Scan(&got); err != nil {
		return NotFound(err, "robot "+b.Robot)
	}
	_, err := s.ExecContext(ctx, `INSERT INTO enforce_bypass (robot, granted_by, granted_at) VALUES (?, ?, ?)
		ON CONFLICT (robot) DO NOTHING`, b.Robot, b.GrantedBy, b.Granted.UnixNano())
	if err != nil {
		return fmt.Errorf("store: grant bypass to %s: %w", b.Robot, err)
	}
	return nil
}

// RevokeQuarantineBypass removes a robot's grant; ErrNotFound if it had none.
func (s *Store) RevokeQuarantineBypass(ctx context.Context, robot string) error {
	res, err := s.ExecContext(ctx, "DELETE FROM enforce_bypass WHERE robot = ?", robot)
	if err != nil {
		return fmt.Errorf("store: revoke bypass of %s: %w", robot, err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return fmt.Errorf("bypass-quarantine grant of %s: %w", robot, ErrNotFound)
	}
	return nil
}

// ListQuarantineBypass lists every grant by robot name.
func (s *Store) ListQuarantineBypass(ctx context.Context) ([]QuarantineBypass, error) {
	rows, err := s.QueryContext(ctx, "SELECT robot, granted_by, granted_at FROM enforce_bypass ORDER BY robot")
	if err != nil {
		return nil, fmt.Errorf("store: list bypass: %w", err)
	}
	defer rows.Close()
	var out []QuarantineBypass
	for rows.Next() {
		var b QuarantineBypass
		var at int64
		if err := rows.Scan(&b.Robot, &b.GrantedBy, &at); err != nil {
			return nil, fmt.Errorf("store: list bypass: %w", err)
		}
		b.Granted = Time(at)
		out = append(out, b)
	}
	return out, rows.Err()
}

// ManifestsWithBlob lists the manifests of repo that reference blob (as a
// layer or config), so a blob's fate can follow its manifests'.
func (s *Store) ManifestsWithBlob(ctx context.Context, repo, blob string) ([]string, error) {
	rows, err := s.QueryContext(ctx, `SELECT mb.digest FROM manifest_blobs mb
		JOIN repositories r ON r.id = mb.repo_id
		WHERE r.name = ? AND mb.blob_digest = ? ORDER BY mb.digest`, repo, blob)
	if err != nil {
		return nil, fmt.Errorf("store: manifests with blob %s: %w", blob, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var d string
		if err := rows.Scan(&d); err != nil {
			return nil, fmt.Errorf("store: manifests with blob: %w", err)
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// RepositoriesWithManifest lists the repositories that hold manifest dgst.
func (s *Store) RepositoriesWithManifest(ctx context.Context, dgst string) ([]string, error) {
	rows, err := s.QueryContext(ctx, `SELECT r.name FROM manifests m JOIN repositories r ON r.id = m.repo_id
		WHERE m.digest = ? ORDER BY r.name`, dgst)
	if err != nil {
		return nil, fmt.Errorf("store: repositories with %s: %w", dgst, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var r string
		if err := rows.Scan(&r); err != nil {
			return nil, fmt.Errorf("store: repositories with %s: %w", dgst, err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// PackageKey is a package as the matcher looks it up: vulndb's
// EcosystemKey and NameKey.
type PackageKey struct {
	Eco, Name string
}

// IndexPackages records the lookup keys of one stored SBOM, replacing what
// was recorded for dgst before.
func (s *Store) IndexPackages(ctx context.Context, dgst string, keys []PackageKey) error {
	return s.InTx(ctx, func(tx *Tx) error {
		if _, err := tx.ExecContext(ctx, "DELETE FROM enforce_packages WHERE digest = ?", dgst); err != nil {
			return fmt.Errorf("store: index %s: %w", dgst, err)
		}
		err := insertPairs(ctx, tx, "INSERT INTO enforce_packages (eco, name, digest) VALUES ", len(keys), func(i int) []any {
			return []any{keys[i].Eco, keys[i].Name, dgst}
		})
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO enforce_indexed (digest, packages, indexed_at) VALUES (?, ?, ?)
			ON CONFLICT (digest) DO UPDATE SET packages = excluded.packages, indexed_at = excluded.indexed_at`,
			dgst, len(keys), Now())
		if err != nil {
			return fmt.Errorf("store: index %s: %w", dgst, err)
		}
		return nil
	})
}

// IndexFindings records the vulnerability IDs of dgst's findings,
// replacing what was recorded before.
func (s *Store) IndexFindings(ctx context.Context, dgst string, ids []string) error {
	return s.InTx(ctx, func(tx *Tx) error {
		if _, err := tx.ExecContext(ctx, "DELETE FROM enforce_finding_ids WHERE digest = ?", dgst); err != nil {
			return fmt.Errorf("store: index findings of %s: %w", dgst, err)
		}
		return insertPairs(ctx, tx, "INSERT INTO enforce_finding_ids (id, digest) VALUES ", len(ids), func(i int) []any {
			return []any{ids[i], dgst}
		})
	})
}

// DigestsWithFinding lists the digests whose findings carry vulnerability id.
func (s *Store) DigestsWithFinding(ctx context.Context, id string) ([]string, error) {
	return s.strings(ctx, "SELECT digest FROM enforce_finding_ids WHERE id = ?", id)
}

// insertPairs inserts n rows of two or three values, many per statement.
func insertPairs(ctx context.Context, tx *Tx, head string, n int, row func(i int) []any) error {
	const per = 200
	for i := 0; i < n; i += per {
		var b strings.Builder
		b.WriteString(head)
		var args []any
		for j := i; j < min(i+per, n); j++ {
			vals := row(j)
			if j > i {
				b.WriteString(", ")
			}
			b.WriteString("(?" + strings.Repeat(", ?", len(vals)-1) + ")")
			args = append(args, vals...)
		}
		b.WriteString(" ON CONFLICT DO NOTHING")
		if _, err := tx.ExecContext(ctx, b.String(), args...); err != nil {
			return fmt.Errorf("store: %s…: %w", head[:min(len(head), 40)], err)
		}
	}
	return nil
}

// IndexedDigests returns every digest IndexPackages recorded.
func (s *Store) IndexedDigests(ctx context.Context) (map[string]bool, error) {
	rows, err := s.QueryContext(ctx, "SELECT digest FROM enforce_indexed")
	if err != nil {
		return nil, fmt.Errorf("store: indexed digests: %w", err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var d string
		if err := rows.Scan(&d); err != nil {
			return nil, fmt.Errorf("store: indexed digests: %w", err)
		}
		out[d] = true
	}
	return out, rows.Err()
}

// DigestsWithPackage lists the indexed digests holding a package with key k.
func (s *Store) DigestsWithPackage(ctx context.Context, k PackageKey) ([]string, error) {
	return s.strings(ctx, "SELECT digest FROM enforce_packages WHERE eco = ? AND name = ?", k.Eco, k.Name)
}

// RematchSince returns when the last rematch against source started, or
// the zero time when none has.
func (s *Store) RematchSince(ctx context.Context, source string) (time.Time, error) {
	var ns int64
	err := s.QueryRowContext(ctx, "SELECT since FROM enforce_rematch WHERE source = ?", source).Scan(&ns)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("store: rematch mark of %s: %w", source, err)
	}
	return Time(ns), nil
}

// SetRematchSince records when a rematch against source started.
func (s *Store) SetRematchSince(ctx context.Context, source string, t time.Time) error {
	_, err := s.ExecContext(ctx, `INSERT INTO enforce_rematch (source, since) VALUES (?, ?)
		ON CONFLICT (source) DO UPDATE SET since = excluded.since`, source, t.UnixNano())
	if err != nil {
		return fmt.Errorf("store: rematch mark of %s: %w", source, err)
	}
	return nil
}

// StoredFindings are one image's encoded findings.
type StoredFindings struct {
	Digest   string
	Findings []byte
	// DBBuilt is when the database they were matched against was built.
	DBBuilt time.Time
	Updated time.Time
}

// PutFindings stores an image's findings, replacing any.
func (s *Store) PutFindings(ctx context.Context, f StoredFindings) error {
	_, err := s.ExecContext(ctx, `INSERT INTO enforce_findings (digest, findings, db_built, updated_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (digest) DO UPDATE SET findings = excluded.findings, db_built = excluded.db_built, updated_at = excluded.updated_at`,
		f.Digest, f.Findings, unixNano(f.DBBuilt), f.Updated.UnixNano())
	if err != nil {
		return fmt.Errorf("store: put findings of %s: %w", f.Digest, err)
	}
	return nil
}

// GetFindings returns an image's findings, or ErrNotFound.
func (s *Store) GetFindings(ctx context.Context, dgst string) (StoredFindings, error) {
	f := StoredFindings{Digest: dgst}
	var built, at int64
	err := s.QueryRowContext(ctx, "SELECT findings, db_built, updated_at FROM enforce_findings WHERE digest = ?", dgst).Scan(&f.Findings, &built, &at)
	if err != nil {
		return StoredFindings{}, NotFound(err, "findings of "+dgst)
	}
	f.DBBuilt, f.Updated = Time(built), Time(at)
	return f, nil
}

// FindingsUpdate is one image's new findings and the vulnerability IDs
// they carry, for PutFindingsBatch.
type FindingsUpdate struct {
	StoredFindings
	IDs []string
}

// PutFindingsBatch stores many images' findings and replaces the IDs
// recorded for each (as PutFindings and IndexFindings would), in one
// transaction: a rematch after a database update rewrites thousands.
func (s *Store) PutFindingsBatch(ctx context.Context, batch []FindingsUpdate) error {
	err := s.InTx(ctx, func(tx *Tx) error {
		const per = 100
		for i := 0; i < len(batch); i += per {
			part := batch[i:min(i+per, len(batch))]
			args := make([]any, 0, 4*len(part))
			digests := make([]any, 0, len(part))
			for _, u := range part {
				args = append(args, u.Digest, u.Findings, unixNano(u.DBBuilt), u.Updated.UnixNano())
				digests = append(digests, u.Digest)
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO enforce_findings (digest, findings, db_built, updated_at) VALUES (?, ?, ?, ?)`+
				strings.Repeat(", (?, ?, ?, ?)", len(part)-1)+`
				ON CONFLICT (digest) DO UPDATE SET findings = excluded.findings, db_built = excluded.db_built, updated_at = excluded.updated_at`, args...)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, "DELETE FROM enforce_finding_ids WHERE digest IN (?"+strings.Repeat(", ?", len(part)-1)+")", digests...); err != nil {
				return err
			}
			type pair struct{ id, digest string }
			var pairs []pair
			for _, u := range part {
				for _, id := range u.IDs {
					pairs = append(pairs, pair{id, u.Digest})
				}
			}
			err = insertPairs(ctx, tx, "INSERT INTO enforce_finding_ids (id, digest) VALUES ", len(pairs), func(i int) []any {
				return []any{pairs[i].id, pairs[i].digest}
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: put findings of %d images: %w", len(batch), err)
	}
	return nil
}
