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

// The deletes below re-check, in the same statement, everything that made
// a row garbage when it was listed: a push may have used it since. On
// PostgreSQL a push still in flight has touched the row it relies on
// (PutManifest and PutBlob set its created_at to now), so a delete that
// waited for that push's lock re-reads the row, finds it young and leaves
// it; one that ran first leaves the push nothing to rely on, and the push
// is refused rather than acknowledged.

// UnlinkUnreferenced removes repo's link to a blob if it is still older
// than before and no manifest of repo references the blob, and reports
// whether it did.
func (s *Store) UnlinkUnreferenced(ctx context.Context, repo, digest string, before time.Time) (bool, error) {
	res, err := s.ExecContext(ctx, `DELETE FROM repository_blobs
		WHERE digest = ? AND repo_id = (SELECT id FROM repositories WHERE name = ?) AND created_at < ?
		AND NOT EXISTS (SELECT 1 FROM manifest_blobs mb
			WHERE mb.repo_id = repository_blobs.repo_id AND mb.blob_digest = repository_blobs.digest)`,
		digest, repo, before.UnixNano())
	if err != nil {
		return false, fmt.Errorf("store: unlink blob %s from %s: %w", digest, repo, err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// DeleteOrphanBlob removes a blob's row if it is still older than before
// and an orphan, and then, before that is committed, its bytes through
// removeBytes; it reports whether it did. Holding the row's deletion open
// while the bytes go means that a push linking the blob again waits for
// both and then writes a new row, which the registry checks against the
// bytes. A removeBytes error keeps the row.
func (s *Store) DeleteOrphanBlob(ctx context.Context, digest string, before time.Time, removeBytes func() error) (bool, error) {
	gone := false
	err := s.InTx(ctx, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM blobs WHERE digest = ? AND created_at < ?
			AND NOT EXISTS (SELECT 1 FROM repository_blobs rb WHERE rb.digest = blobs.digest)
			AND NOT EXISTS (SELECT 1 FROM manifest_blobs mb WHERE mb.blob_digest = blobs.digest)`, digest, before.UnixNano())
		if err != nil {
			return fmt.Errorf("store: delete blob %s: %w", digest, err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return nil
		}
		if err := removeBytes(); err != nil {
			return err
		}
		gone = true
		return nil
	})
	return gone, err
}
