package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// SBOM is one image's stored inventory, keyed by manifest digest: enough to
// match it again after a database update without reading the image.
type SBOM struct {
	Digest string
	// Inventory is the encoded inventory, as the caller wrote it.
	Inventory []byte
	// Packages are the (ecosystem, name) pairs it holds, each once; they
	// index the SBOM for SBOMsNaming.
	Packages  []PackageName
	CreatedAt time.Time
}

// PackageName is one package name in one OSV ecosystem ("Debian:12",
// "openssl").
type PackageName struct {
	Ecosystem, Name string
}

// PutSBOM stores sb, replacing an SBOM stored for the same digest.
func (s *Store) PutSBOM(ctx context.Context, sb *SBOM) error {
	if sb.Digest == "" || len(sb.Inventory) == 0 {
		return fmt.Errorf("store: SBOM needs a digest and an inventory")
	}
	created := sb.CreatedAt
	if created.IsZero() {
		created = time.Now()
	}
	err := s.InTx(ctx, func(tx *Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM artifact_sbom_packages WHERE digest = ?`, sb.Digest); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO artifact_sboms (digest, inventory, packages, created_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (digest) DO UPDATE SET inventory = excluded.inventory, packages = excluded.packages, created_at = excluded.created_at`,
			sb.Digest, sb.Inventory, len(sb.Packages), created.UnixNano()); err != nil {
			return err
		}
		// Many rows per statement (insertPairs): an image holds hundreds of
		// packages, and a round trip each is most of the write on PostgreSQL.
		// A package listed twice is one row (ON CONFLICT DO NOTHING).
		ps := slices.DeleteFunc(slices.Clone(sb.Packages), func(p PackageName) bool { return p.Name == "" })
		return insertPairs(ctx, tx, "INSERT INTO artifact_sbom_packages (digest, ecosystem, name) VALUES ", len(ps), func(i int) []any {
			return []any{sb.Digest, ps[i].Ecosystem, ps[i].Name}
		})
	})
	if err != nil {
		return fmt.Errorf("store: put SBOM %s: %w", sb.Digest, err)
	}
	return nil
}

// GetSBOM returns the SBOM stored for digest (without its package list), or
// ErrNotFound.
func (s *Store) GetSBOM(ctx context.Context, digest string) (*SBOM, error) {
	sb := &SBOM{Digest: digest}
	var n int
	var created int64
	err := s.QueryRowContext(ctx, `SELECT inventory, packages, created_at FROM artifact_sboms WHERE digest = ?`, digest).
		Scan(&sb.Inventory, &n, &created)
	if err != nil {
		return nil, NotFound(err, "SBOM of "+digest)
	}
	sb.CreatedAt = Time(created)
	return sb, nil
}

// HasSBOM reports whether an SBOM is stored for digest, without reading it.
func (s *Store) HasSBOM(ctx context.Context, digest string) (bool, error) {
	var one int
	err := s.QueryRowContext(ctx, `SELECT 1 FROM artifact_sboms WHERE digest = ?`, digest).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("store: SBOM of %s: %w", digest, err)
	}
	return true, nil
}

// SBOMDigests lists the digests with a stored SBOM, in order after the
// digest after, at most n (n <= 0: all).
func (s *Store) SBOMDigests(ctx context.Context, after string, n int) ([]string, error) {
	q := `SELECT digest FROM artifact_sboms WHERE digest > ? ORDER BY digest`
	if n > 0 {
		q += fmt.Sprintf(` LIMIT %d`, n)
	}
	return s.strings(ctx, q, after)
}

// SBOMsNaming lists, each once and sorted, the digests whose SBOM holds any
// of names: the images a database update touching those packages may
// affect.
func (s *Store) SBOMsNaming(ctx context.Context, names []PackageName) ([]string, error) {
	byEco := map[string][]string{}
	for _, p := range names {
		byEco[p.Ecosystem] = append(byEco[p.Ecosystem], p.Name)
	}
	seen := map[string]bool{}
	const batch = 400 // well under both databases' bound-parameter limits
	for eco, ns := range byEco {
		for len(ns) > 0 {
			part := ns[:min(batch, len(ns))]
			ns = ns[len(part):]
			args := make([]any, 0, len(part)+1)
			args = append(args, eco)
			for _, n := range part {
				args = append(args, n)
			}
			ds, err := s.strings(ctx, `SELECT DISTINCT digest FROM artifact_sbom_packages WHERE ecosystem = ? AND name IN (?`+
				strings.Repeat(", ?", len(part)-1)+`)`, args...)
			if err != nil {
				return nil, err
			}
			for _, d := range ds {
				seen[d] = true
			}
		}
	}
	out := make([]string, 0, len(seen))
	for d := range seen {
		out = append(out, d)
	}
	slices.Sort(out)
	return out, nil
}

func (s *Store) strings(ctx context.Context, q string, args ...any) ([]string, error) {
	rows, err := s.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, fmt.Errorf("store: %w", err)
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
