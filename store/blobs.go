package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// PutBlob records that a verified blob now sits in the blob store and that
// repo may serve it. Recording it again is not an error; it makes the blob
// and the link young again, so that a gc running meanwhile leaves them.
func (s *Store) PutBlob(ctx context.Context, repo, digest string, size int64) error {
	return s.InTx(ctx, func(tx *Tx) error {
		id, err := ensureRepository(ctx, tx, repo)
		if err != nil {
			return err
		}
		now := Now()
		if _, err := tx.ExecContext(ctx, "INSERT INTO blobs (digest, size, created_at) VALUES (?, ?, ?) ON CONFLICT (digest) DO UPDATE SET created_at = excluded.created_at", digest, size, now); err != nil {
			return fmt.Errorf("store: put blob %s: %w", digest, err)
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO repository_blobs (repo_id, digest, created_at) VALUES (?, ?, ?) ON CONFLICT (repo_id, digest) DO UPDATE SET created_at = excluded.created_at", id, digest, now); err != nil {
			return fmt.Errorf("store: link blob %s to %s: %w", digest, repo, err)
		}
		return nil
	})
}

// BlobSize returns the size of a blob repo may serve, or ErrNotFound when
// the blob is unknown or belongs only to other repositories.
func (s *Store) BlobSize(ctx context.Context, repo, digest string) (int64, error) {
	var size int64
	err := s.QueryRowContext(ctx, `SELECT b.size FROM blobs b
		JOIN repository_blobs rb ON rb.digest = b.digest
		JOIN repositories r ON r.id = rb.repo_id
		WHERE r.name = ? AND b.digest = ?`, repo, digest).Scan(&size)
	if err != nil {
		return 0, NotFound(err, "blob "+digest+" in "+repo)
	}
	return size, nil
}

// MountBlob lets repo serve a blob that from already serves (a
// cross-repository mount). It returns the blob's size, or ErrNotFound when
// from does not hold the blob.
func (s *Store) MountBlob(ctx context.Context, repo, from, digest string) (int64, error) {
	var size int64
	err := s.InTx(ctx, func(tx *Tx) error {
		err := tx.QueryRowContext(ctx, `SELECT b.size FROM blobs b
			JOIN repository_blobs rb ON rb.digest = b.digest
			JOIN repositories r ON r.id = rb.repo_id
			WHERE r.name = ? AND b.digest = ?`, from, digest).Scan(&size)
		if err != nil {
			return NotFound(err, "blob "+digest+" in "+from)
		}
		id, err := ensureRepository(ctx, tx, repo)
		if err != nil {
			return err
		}
		now := Now()
		// Young again, so that a gc running meanwhile leaves the blob.
		if _, err := tx.ExecContext(ctx, "UPDATE blobs SET created_at = ? WHERE digest = ?", now, digest); err != nil {
			return fmt.Errorf("store: mount blob %s into %s: %w", digest, repo, err)
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO repository_blobs (repo_id, digest, created_at) VALUES (?, ?, ?) ON CONFLICT (repo_id, digest) DO UPDATE SET created_at = excluded.created_at", id, digest, now); err != nil {
			return fmt.Errorf("store: mount blob %s into %s: %w", digest, repo, err)
		}
		return nil
	})
	return size, err
}

// UnlinkBlob removes repo's right to serve a blob. The bytes stay until
// garbage collection finds no repository and no manifest needing them.
func (s *Store) UnlinkBlob(ctx context.Context, repo, digest string) error {
	res, err := s.ExecContext(ctx, `DELETE FROM repository_blobs
		WHERE digest = ? AND repo_id = (SELECT id FROM repositories WHERE name = ?)`, digest, repo)
	if err != nil {
		return fmt.Errorf("store: delete blob %s from %s: %w", digest, repo, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("blob %s in %s: %w", digest, repo, ErrNotFound)
	}
	return nil
}

// BlobExists reports whether any repository holds the blob, and its size:
// a finished upload of bytes already stored need not write them again.
func (s *Store) BlobExists(ctx context.Context, digest string) (int64, bool, error) {
	var size int64
	err := s.QueryRowContext(ctx, "SELECT size FROM blobs WHERE digest = ?", digest).Scan(&size)
	if err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return 0, false, nil
		}
		return 0, false, fmt.Errorf("store: blob %s: %w", digest, err)
	}
	return size, true, nil
}

// BlobRepositories lists the repositories that hold a blob, in name order,
// so a mount without a source can pick one the caller may read.
func (s *Store) BlobRepositories(ctx context.Context, digest string) ([]string, error) {
	rows, err := s.QueryContext(ctx, `SELECT r.name FROM repository_blobs rb
		JOIN repositories r ON r.id = rb.repo_id WHERE rb.digest = ? ORDER BY r.name`, digest)
	if err != nil {
		return nil, fmt.Errorf("store: repositories of blob %s: %w", digest, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return nil, fmt.Errorf("store: repositories of blob %s: %w", digest, err)
		}
		out = append(out, name)
	}
	return out, rows.Err()
}
