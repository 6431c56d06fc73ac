package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
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
	return s.gcTx(ctx, func(tx *Tx) (bool, error) {
		res, err := tx.ExecContext(ctx, `DELETE FROM repository_blobs
			WHERE digest = ? AND repo_id = (SELECT id FROM repositories WHERE name = ?) AND created_at < ?
			AND NOT EXISTS (SELECT 1 FROM manifest_blobs mb
				WHERE mb.repo_id = repository_blobs.repo_id AND mb.blob_digest = repository_blobs.digest)`,
			digest, repo, before.UnixNano())
		if err != nil {
			return false, fmt.Errorf("store: unlink blob %s from %s: %w", digest, repo, err)
		}
		n, _ := res.RowsAffected()
		return n == 1, nil
	})
}

// gcTx runs a gc delete in a transaction that on PostgreSQL reads one
// snapshot (REPEATABLE READ). A row that a push changed after that
// snapshot was taken — even a push that began before the gc did and
// touched the row then — makes the delete fail with a serialization error
// instead of re-reading the row alone; that failure means "not deleted",
// and the next gc looks again. (SQLite runs one writer at a time, whose
// reads see every commit before it.)
func (s *Store) gcTx(ctx context.Context, fn func(tx *Tx) (bool, error)) (bool, error) {
	done := false
	err := s.InTx(ctx, func(tx *Tx) error {
		if tx.Dialect() == Postgres {
			if _, err := tx.ExecContext(ctx, "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"); err != nil {
				return fmt.Errorf("store: gc transaction: %w", err)
			}
		}
		var err error
		done, err = fn(tx)
		return err
	})
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "40001" {
		return false, nil
	}
	return done, err
}

// DeleteOrphanBlob removes a blob's row if it is still older than before
// and an orphan, and then, before that is committed, its bytes through
// removeBytes; it reports whether it did. Holding the row's deletion open
// while the bytes go means that a push linking the blob again waits for
// both and then writes a new row, which the registry checks against the
// bytes. A removeBytes error keeps the row.
func (s *Store) DeleteOrphanBlob(ctx context.Context, digest string, before time.Time, removeBytes func() error) (bool, error) {
	return s.gcTx(ctx, func(tx *Tx) (bool, error) {
		res, err := tx.ExecContext(ctx, `DELETE FROM blobs WHERE digest = ? AND created_at < ?
			AND NOT EXISTS (SELECT 1 FROM repository_blobs rb WHERE rb.digest = blobs.digest)
			AND NOT EXISTS (SELECT 1 FROM manifest_blobs mb WHERE mb.blob_digest = blobs.digest)`, digest, before.UnixNano())
		if err != nil {
			return false, fmt.Errorf("store: delete blob %s: %w", digest, err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return false, nil
		}
		if err := removeBytes(); err != nil {
			return false, err
		}
		return true, nil
	})
}

// DeleteStrayBlob removes bytes that no blob row describes (a crash
// between storing them and recording them), through removeBytes, and
// reports whether it did. It claims the digest first with a placeholder
// row, so that a push recording the same blob meanwhile either came first
// (then the bytes are not stray and stay) or waits until the bytes are
// gone and is refused when it finds them missing.
func (s *Store) DeleteStrayBlob(ctx context.Context, digest string, removeBytes func() error) (bool, error) {
	gone := false
	err := s.InTx(ctx, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, "INSERT INTO blobs (digest, size, created_at) VALUES (?, 0, 0) ON CONFLICT (digest) DO NOTHING", digest)
		if err != nil {
			return fmt.Errorf("store: claim stray blob %s: %w", digest, err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return nil // recorded meanwhile: not stray
		}
		if err := removeBytes(); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM blobs WHERE digest = ?", digest); err != nil {
			return fmt.Errorf("store: release stray blob %s: %w", digest, err)
		}
		gone = true
		return nil
	})
	return gone, err
}
