package store

import (
	"context"
	"fmt"
	"time"
)

// BlobLink is one repository's right to serve one blob.
type BlobLink struct {
	Repo   string
	Digest string
}

// UnreferencedLinks lists blob links created before before that no
// manifest in their repository references: pushed but never used, or left
// behind by deleted manifests.
func (s *Store) UnreferencedLinks(ctx context.Context, before time.Time) ([]BlobLink, error) {
	rows, err := s.QueryContext(ctx, `SELECT r.name, rb.digest FROM repository_blobs rb
		JOIN repositories r ON r.id = rb.repo_id
		WHERE rb.created_at < ? AND NOT EXISTS (
			SELECT 1 FROM manifest_blobs mb WHERE mb.repo_id = rb.repo_id AND mb.blob_digest = rb.digest)
		ORDER BY r.name, rb.digest`, before.UnixNano())
	if err != nil {
		return nil, fmt.Errorf("store: unreferenced links: %w", err)
	}
	defer rows.Close()
	var out []BlobLink
	for rows.Next() {
		var l BlobLink
		if err := rows.Scan(&l.Repo, &l.Digest); err != nil {
			return nil, fmt.Errorf("store: unreferenced links: %w", err)
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

// OrphanBlobs lists blobs created before before that no repository links
// and no manifest references: their bytes may be deleted.
func (s *Store) OrphanBlobs(ctx context.Context, before time.Time) ([]string, error) {
	rows, err := s.QueryContext(ctx, `SELECT b.digest FROM blobs b WHERE b.created_at < ?
		AND NOT EXISTS (SELECT 1 FROM repository_blobs rb WHERE rb.digest = b.digest)
		AND NOT EXISTS (SELECT 1 FROM manifest_blobs mb WHERE mb.blob_digest = b.digest)
		ORDER BY b.digest`, before.UnixNano())
	if err != nil {
		return nil, fmt.Errorf("store: orphan blobs: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var d string
		if err := rows.Scan(&d); err != nil {
			return nil, fmt.Errorf("store: orphan blobs: %w", err)
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// DeleteOrphanBlob removes a blob's row if it is still an orphan, and
// reports whether it did; only then may its bytes go.
func (s *Store) DeleteOrphanBlob(ctx context.Context, digest string) (bool, error) {
	res, err := s.ExecContext(ctx, `DELETE FROM blobs WHERE digest = ?
		AND NOT EXISTS (SELECT 1 FROM repository_blobs rb WHERE rb.digest = ?)
		AND NOT EXISTS (SELECT 1 FROM manifest_blobs mb WHERE mb.blob_digest = ?)`, digest, digest, digest)
	if err != nil {
		return false, fmt.Errorf("store: delete blob %s: %w", digest, err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}
